"""Grounding set: evidence clauses from the demo tenant's policies, a faithful draft for each (worded differently from
the clause: 百分之三 for 3%, 2026年7月1日 for 2026-07-01), and copies with one planted error — a wrong number, price,
percentage, date, model, version, or a promise the evidence does not make."""

from __future__ import annotations

import random

CASES = [
    {
        "evidence": {
            "id": "ev-rebate-4",
            "content": "《骨科耗材返点协议V3.2》第4条：季度采购额超过50万元的A类代理商，返点比例为3%，自2026年7月1日起执行。",
        },
        "draft": "根据《骨科耗材返点协议V3.2》，季度采购额超过50万元的A类代理商可享受百分之三的返点，2026-07-01起执行[1]。",
        "plants": [
            ("percent", "百分之三", "百分之五"),
            ("money", "50万元", "30万元"),
            ("date", "2026-07-01", "2026-06-01"),
            ("version", "V3.2", "V3.3"),
            ("promise", "可享受", "保证享受"),
        ],
    },
    {
        "evidence": {
            "id": "ev-spine-trial",
            "content": "脊柱新品试销激励方案1.0：PS-700试销期90天，试销期内首单享受97折，单笔订单不少于20套。",
        },
        "draft": "PS-700目前在试销期，试销期90天，首单可以享受3%的优惠，单笔不少于20套[1]。",
        "plants": [
            ("model", "PS-700", "PS-900"),
            ("quantity", "90天", "120天"),
            ("percent", "3%", "8%"),
            ("quantity", "20套", "10套"),
            ("promise", "首单可以享受", "我们承诺首单享受"),
        ],
    },
    {
        "evidence": {
            "id": "ev-discount",
            "content": "价格折扣审批权限规定2.1：销售代表可审批不超过3%的折扣，区域经理可审批不超过8%，超过8%须总监审批。",
        },
        "draft": "按公司规定，销售代表最多可审批3%的折扣，超过8%需要总监审批[1]。",
        "plants": [
            ("percent", "3%", "5%"),
            ("percent", "8%", "10%"),
            ("misattributed", "3%的折扣", "8%的折扣"),
            ("promise", "按公司规定，", "我保证"),
        ],
    },
    {
        "evidence": {
            "id": "ev-returns",
            "content": "退换货管理规定2.0：质量问题产品自签收之日起30天内可申请退换货，运费由公司承担。",
        },
        "draft": "如果是质量问题，签收后三十天内都可以申请退换货，运费由我们承担[1]。",
        "plants": [
            ("quantity", "三十天", "六十天"),
            ("promise", "都可以申请", "一定可以"),
            ("quantity", "三十天", "45天"),
        ],
    },
    {
        "evidence": {
            "id": "ev-warranty",
            "content": "设备保修条款1.3：移动式C形臂CA-9整机保修12个月，报警代码E-203表示主轴过热，售后工程师48小时内响应。",
        },
        "draft": "CA-9整机保修12个月；E-203是主轴过热报警，售后工程师会在48小时内响应[1]。",
        "plants": [
            ("model", "CA-9", "CA-7"),
            ("quantity", "12个月", "24个月"),
            ("model", "E-203", "E-205"),
            ("quantity", "48小时", "24小时"),
            ("promise", "会在48小时内响应", "保证当天上门"),
        ],
    },
    {
        "evidence": {
            "id": "ev-price",
            "content": "2026年报价单：锁定加压接骨板LCP-3.5单价1,280元/套，髋关节假体HJ-200单价¥18,600/套。",
        },
        "draft": "LCP-3.5的单价是1280元一套，HJ-200是18600元一套[1]。",
        "plants": [
            ("money", "1280元", "1180元"),
            ("money", "18600元", "16800元"),
            ("model", "HJ-200", "HJ-300"),
            ("misattributed", "1280元一套", "18600元一套"),
            ("model", "LCP-3.5", "LCP-4.5"),
        ],
    },
    {
        "evidence": {
            "id": "ev-delivery",
            "content": "发货与物流服务规范1.1：订单确认后3个工作日内出库，江浙沪地区一般2天送达，以订单系统为准。",
        },
        "draft": "订单确认后3个工作日内出库，江浙沪一般2天送达，具体以订单系统为准[1]。",
        "plants": [
            ("quantity", "3个工作日", "1个工作日"),
            ("quantity", "2天", "1天"),
            ("promise", "一般2天送达", "保证2天送达"),
        ],
    },
    {
        "evidence": {
            "id": "ev-rebate-31",
            "content": "《骨科耗材返点协议V3.1》（2025年1月1日生效，2026年7月1日起被V3.2取代）：季度采购额超过30万元返点2%。",
        },
        "draft": "旧版V3.1规定季度采购额超过30万元返点2%，已于2026年7月1日被V3.2取代[1]。",
        "plants": [
            ("percent", "2%", "2.5%"),
            ("date", "2026年7月1日", "2026年1月1日"),
            ("money", "30万元", "35万元"),
        ],
    },
    {
        "evidence": {
            "id": "ev-contract",
            "content": "客户C1003 苏州博远医疗科技有限公司 contract_end = 2026-12-31，合同金额 ¥2,400,000。",
        },
        "draft": "苏州博远的合同将于2026年12月31日到期，合同金额240万元[1]。",
        "plants": [
            ("date", "2026年12月31日", "2027年12月31日"),
            ("money", "240万元", "420万元"),
            ("promise", "合同将于", "续签后一定延期，合同将于"),
        ],
    },
    {
        "evidence": {
            "id": "ev-en-warranty",
            "content": "Warranty terms 1.3: the CA-9 C-arm is covered for 12 months; on-site response within 48 hours.",
        },
        "draft": "The CA-9 is covered for 12 months, with an on-site response within 48 hours [1].",
        "plants": [
            ("quantity", "12 months", "24 months"),
            ("quantity", "48 hours", "4 hours"),
            ("model", "CA-9", "CA-12"),
            ("promise", "with an on-site response", "and we guarantee a response"),
        ],
    },
    {
        "evidence": {
            "id": "ev-en-returns",
            "content": "Returns policy 2.0 (effective June 1, 2025): defective products may be returned within 30 days.",
        },
        "draft": "Under the returns policy effective 2025-06-01, defective products can be returned within 30 days [1].",
        "plants": [
            ("date", "2025-06-01", "2025-09-01"),
            ("quantity", "30 days", "90 days"),
            ("promise", "can be returned", "will definitely be refunded"),
        ],
    },
]


def build(seed: int = 11) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for case in CASES:
        ev = case["evidence"]
        rows.append(
            {
                "evidence": [ev],
                "draft": case["draft"],
                "citations": [{"marker": "1", "evidence_id": ev["id"]}],
                "planted": None,
            }
        )
        for kind, old, new in case["plants"]:
            assert old in case["draft"], (old, case["draft"])
            rows.append(
                {
                    "evidence": [ev],
                    "draft": case["draft"].replace(old, new, 1),
                    "citations": [{"marker": "1", "evidence_id": ev["id"]}],
                    "planted": {"kind": kind, "text": new},
                }
            )
    # The same planted errors in two-source drafts: the wrong claim sits next to a correct one from other evidence.
    for _ in range(12):
        a, b = rng.sample(CASES, 2)
        kind, old, new = rng.choice(a["plants"])
        text = a["draft"].replace(old, new, 1) + b["draft"].replace("[1]", "[2]")
        rows.append(
            {
                "evidence": [a["evidence"], b["evidence"]],
                "draft": text,
                "citations": [
                    {"marker": "1", "evidence_id": a["evidence"]["id"]},
                    {"marker": "2", "evidence_id": b["evidence"]["id"]},
                ],
                "planted": {"kind": kind, "text": new},
            }
        )
    for n, r in enumerate(rows):
        r["id"] = f"grd-{n:03d}"
    return rows
