"""The demo tenant's CRM generator (data of this tenant, not product code; loaded by path through
knowledge.crm.generator): a deterministic CRM for 华东康诺医疗器械有限公司 (docs/demo-tenant.md), anchored on `today` so
the documented facts stay true whenever the demo runs: C1001 no 脊柱耗材 for > 180 days, C1002 buys spine regularly,
C1003 contract expiring within 60 days, C1004 C-arm 主轴温度 over threshold 3 days running, C1005 order volume dropped in
the last 90 days. Everything else is seeded background (≥ 300 orders over two years in total).

The fixed cast — reps and teams, products and categories, the five headline customers and the ordering rhythm that
makes each documented fact true — is below."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from knowledge.crm import demo_schema as s
from knowledge.crm.write import writable_engine

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
        (5, 720, 10, ("LCP-3.5",)),
        (225, 720, 60, ("PS-500",)),
    ],  # spine last bought 225 days ago; LCP-3.5 every 10 days puts its quarter in the 50万-100万 rebate tier
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

SPINDLE = "spindle_temp_c"


def _row_sets() -> dict[str, list[dict[str, Any]]]:
    return {t: [] for t in s.metadata.tables}


class _Builder:
    def __init__(self, today: date, rng: random.Random) -> None:
        self.today, self.rng, self.rows = today, rng, _row_sets()
        self.price = {p[0]: p[4] for p in PRODUCTS}
        self.seq = 0

    def day(self, days_ago: int) -> date:
        return self.today - timedelta(days=days_ago)

    def person(self) -> str:
        return str(self.rng.choice(SURNAMES) + self.rng.choice(GIVEN) + self.rng.choice(["", *GIVEN]))

    def customer(self, cid: str, name: str, kind: str, tier: str, owner: str, bu: str, city: str) -> None:
        self.rows["crm_customer"].append(
            dict(
                cust_no=cid,
                cust_name=name,
                cust_type=kind,
                grade=tier,
                sales_rep=owner,
                bu=bu,
                region="华东",
                city=city,
            )
        )
        titles = ["采购经理", "总经理"] if kind == "dealer" else ["设备科科长", "骨科主任"]
        for i, title in enumerate(titles, 1):
            mobile = f"13{self.rng.randint(0, 9)}{self.rng.randint(10000000, 99999999)}"
            self.rows["crm_contact"].append(
                dict(
                    contact_id=f"{cid}-K{i}",
                    cust_no=cid,
                    contact_name=self.person(),
                    job_title=title,
                    mobile=mobile,
                )
            )

    def order(self, cid: str, days_ago: int, skus: tuple[str, ...]) -> None:
        self.seq += 1
        order_no = f"SO{self.seq:07d}"
        total = 0.0
        for i, sku in enumerate(skus, 1):
            qty = self.rng.randint(1, 3) if self.price[sku] > 100000 else self.rng.randint(5, 40)
            amount = round(qty * self.price[sku], 2)
            total += amount
            self.rows["erp_order_line"].append(
                dict(line_id=f"{order_no}-{i}", order_no=order_no, sku=sku, qty=qty, line_amount=amount)
            )
        status = "completed" if days_ago > 7 else "shipped"
        self.rows["erp_order"].append(
            dict(
                order_no=order_no,
                cust_no=cid,
                order_date=self.day(days_ago),
                status=status,
                total_amount=total,
            )
        )

    def contract(
        self, cid: str, n: int, start_ago: int, end_in: int, status: str, kind: str = "dealer"
    ) -> None:
        what = "经销商合作协议" if kind == "dealer" else "设备维保及耗材供货合同"
        self.rows["crm_contract"].append(
            dict(
                contract_no=f"HT-{cid}-{n:02d}",
                cust_no=cid,
                title=f"{self.today.year - 2 + n}年度{what}",
                start_date=self.day(start_ago),
                end_date=self.today + timedelta(days=end_in),
                status=status,
            )
        )

    def device(self, cid: str, serial: str, sku: str, name: str, installed: date, hot_days: int = 0) -> None:
        self.rows["iot_device"].append(
            dict(serial_no=serial, cust_no=cid, sku=sku, device_name=name, installed_at=installed)
        )
        # the most recent `hot_days` days run over 85 °C, rising towards today
        hot = [round(93.7 - 2.6 * i, 1) for i in range(hot_days)]
        for days_ago in range(29, -1, -1):
            temp = hot[days_ago] if days_ago < hot_days else round(self.rng.uniform(58.0, 76.0), 1)
            if days_ago == hot_days and hot_days:
                temp = 80.4  # just below the threshold, so the streak is exactly `hot_days` long
            readings = [(SPINDLE, temp, "℃"), ("exposure_count", float(self.rng.randint(20, 90)), "次")]
            for metric, value, unit in readings:
                self.rows["iot_telemetry"].append(
                    dict(
                        reading_id=len(self.rows["iot_telemetry"]) + 1,
                        serial_no=serial,
                        reading_day=self.day(days_ago),
                        metric=metric,
                        value=value,
                        unit=unit,
                    )
                )

    def ticket(
        self, cid: str, n: int, subject: str, status: str, days_ago: int, serial: str | None = None
    ) -> None:
        self.rows["svc_ticket"].append(
            dict(
                ticket_no=f"TK-{cid}-{n:02d}",
                cust_no=cid,
                subject=subject,
                status=status,
                priority="high" if serial else "normal",
                opened_at=self.day(days_ago),
                serial_no=serial,
            )
        )


def _headline(b: _Builder) -> None:
    for row in HEADLINE:
        b.customer(*row)
    for cid, rhythms in RHYTHMS.items():
        for first, last, step, skus in rhythms:
            for days_ago in range(first, last + 1, step):
                b.order(cid, days_ago, skus)
    ends = {"C1001": 210, "C1002": 300, "C1003": 35, "C1004": 260, "C1005": 120}
    kinds = {row[0]: row[2] for row in HEADLINE}
    for cid, end_in in ends.items():
        b.contract(cid, 1, 730 - end_in, end_in - 365, "expired", kinds[cid])  # last year's, already renewed
        b.contract(cid, 2, 365 - end_in, end_in, "active", kinds[cid])
    b.device("C1004", "CA-2023-0815", "CA-9", "移动式C形臂 CA-9", date(2023, 8, 15), hot_days=3)
    b.device("C1004", "DR-2024-0311", "DR-6", "数字化X射线摄影系统 DR-6", date(2024, 3, 11))
    b.ticket("C1004", 1, "C形臂报警 E-203 主轴过热", "open", 1, "CA-2023-0815")
    b.ticket("C1001", 1, "发票抬头变更", "closed", 40)
    b.ticket("C1002", 1, "PS-700 试用装补发", "in_progress", 6)


def _background(b: _Builder, n_customers: int, n_orders: int) -> None:
    rng = b.rng
    ids: list[tuple[str, str]] = []
    used: dict[str, int] = {}  # name → times seen, so names stay unique without numbering them all
    for i in range(n_customers):
        cid = f"C{1006 + i}"
        kind = "dealer" if rng.random() < 0.6 else "hospital"
        bu = "ortho" if kind == "dealer" or rng.random() < 0.5 else "equipment"
        owner = rng.choice(["rep_zhang", "rep_li", "rep_zhao"] if bu == "ortho" else ["rep_wang", "rep_sun"])
        city = rng.choice(CITIES)
        name = f"{city}{rng.choice(['康泰', '华康', '瑞祥', '博安', '同仁', '永康', '仁和', '广济'])}" + (
            "医疗器械有限公司" if kind == "dealer" else "人民医院"
        )
        n = used[name] = used.get(name, 0) + 1
        b.customer(cid, name if n == 1 else f"{name}（{n}）", kind, rng.choice("ABC"), owner, bu, city)
        b.contract(cid, 1, rng.randint(30, 700), rng.randint(-200, 500), "active", kind)
        if kind == "hospital" and rng.random() < 0.5:
            serial = f"CA-{cid}"
            b.device(cid, serial, "CA-9", "移动式C形臂 CA-9", b.day(rng.randint(400, 1500)))
        if rng.random() < 0.3:
            b.ticket(cid, 1, "到货破损", rng.choice(["open", "closed"]), rng.randint(0, 60))
        ids.append((cid, kind))
    consumables = [p[0] for p in PRODUCTS if p[3] != "影像设备"]
    for _ in range(n_orders if ids else 0):
        cid, kind = rng.choice(ids)
        skus = tuple(rng.sample(consumables, rng.randint(1, 3)))
        b.order(cid, rng.randint(0, 729), skus)


def build(
    url: str,
    *,
    today: date,
    seed: int = 7,
    background_customers: int = 20,
    background_orders: int = 240,
) -> dict[str, int]:
    """(Re)build the demo CRM at `url` in one transaction: drops the demo tables, creates them with their indexes,
    inserts the seeded rows. Same seed and `today` → the same rows. Returns the row count per table."""
    b = _Builder(today, random.Random(seed))
    b.rows["crm_sales_rep"] = [dict(rep_id=r, rep_name=n, team_code=t, team_name=tn) for r, n, t, tn in REPS]
    b.rows["erp_product"] = [
        dict(sku=sku, product_name=name, model_no=model, category=cat)
        for sku, name, model, cat, _ in PRODUCTS
    ]
    _headline(b)
    _background(b, background_customers, background_orders)
    engine = writable_engine(url)
    try:
        with engine.begin() as conn:
            s.metadata.drop_all(conn)
            s.metadata.create_all(conn)
            for tbl in s.metadata.sorted_tables:
                rows = b.rows[tbl.name]
                for start in range(0, len(rows), 20000):
                    conn.execute(tbl.insert(), rows[start : start + 20000])
    finally:
        engine.dispose()
    return {name: len(rows) for name, rows in b.rows.items()}
