"""The demo tenant's fixed cast (docs/demo-tenant.md): reps and teams, products and categories, the five headline
customers and the ordering rhythm that makes each documented fact true."""

from __future__ import annotations

REPS = [
    ("rep_zhang", "张伟", "ortho-east-1", "骨科华东一组"),
    ("rep_li", "李娜", "ortho-east-1", "骨科华东一组"),
    ("rep_wang", "王磊", "equipment-east", "设备华东组"),
    ("rep_zhao", "赵刚", "ortho-east-2", "骨科华东二组"),
    ("rep_sun", "孙丽", "equipment-east", "设备华东组"),
]
PRODUCTS = [  # sku, name, model, category, unit price (CNY)
    ("LCP-3.5", "锁定加压接骨板", "LCP-3.5", "创伤耗材", 2600.0),
    ("IMN-10", "股骨髓内钉", "IMN-10", "创伤耗材", 5800.0),
    ("CS-4.0", "空心加压螺钉", "CS-4.0", "创伤耗材", 680.0),
    ("HJ-200", "髋关节假体", "HJ-200", "关节耗材", 18500.0),
    ("KJ-300", "膝关节假体", "KJ-300", "关节耗材", 21000.0),
    ("PS-500", "椎弓根螺钉系统", "PS-500", "脊柱耗材", 9800.0),
    ("PS-700", "椎弓根螺钉系统（新品）", "PS-700", "脊柱耗材", 11800.0),
    ("CF-12", "椎间融合器", "CF-12", "脊柱耗材", 7200.0),
    ("SA-5", "带线锚钉", "SA-5", "运动医学耗材", 3100.0),
    ("AS-3", "关节镜刨削刀头", "AS-3", "运动医学耗材", 1500.0),
    ("CA-9", "移动式C形臂", "CA-9", "影像设备", 980000.0),
    ("DR-6", "数字化X射线摄影系统", "DR-6", "影像设备", 1350000.0),
]
HEADLINE = [  # id, name, kind, tier, owner, bu, city
    ("C1001", "宁波康达医疗器械有限公司", "dealer", "A", "rep_zhang", "ortho", "宁波"),
    ("C1002", "杭州仁济骨科器械有限公司", "dealer", "A", "rep_zhang", "ortho", "杭州"),
    ("C1003", "苏州博远医疗科技有限公司", "dealer", "B", "rep_li", "ortho", "苏州"),
    ("C1004", "上海瑞金康复医院", "hospital", "A", "rep_wang", "equipment", "上海"),
    ("C1005", "南京鼓楼医疗器械经销部", "dealer", "C", "rep_li", "ortho", "南京"),
]
# each headline customer's ordering rhythm: (first days-ago, last days-ago, step, skus); the spine facts come from here
RHYTHMS: dict[str, list[tuple[int, int, int, tuple[str, ...]]]] = {
    "C1001": [
        (15, 720, 30, ("LCP-3.5", "HJ-200")),
        (225, 720, 60, ("PS-500",)),
    ],  # spine last bought 225 days ago
    "C1002": [(10, 720, 21, ("PS-500", "LCP-3.5")), (10, 200, 63, ("PS-700",))],
    "C1003": [(12, 720, 28, ("LCP-3.5", "PS-500", "SA-5"))],
    "C1004": [(20, 720, 45, ("IMN-10", "HJ-200"))],
    "C1005": [
        (91, 720, 10, ("LCP-3.5", "PS-500", "KJ-300")),
        (40, 40, 1, ("PS-500",)),
    ],  # one order in 90 days
}
CITIES = [
    "杭州",
    "宁波",
    "温州",
    "绍兴",
    "嘉兴",
    "湖州",
    "苏州",
    "无锡",
    "常州",
    "南京",
    "南通",
    "扬州",
    "合肥",
    "上海",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
