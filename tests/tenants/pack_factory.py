"""Writes tenant packs the product has never seen, for the tenant-pack tests: a fictional elevator-maintenance company
(电梯维保) — customers are property managers, the installed base is elevators with warranty and maintenance contracts,
telemetry is wide (one column per metric), order lines sit in the orders table, ticket cells hold several fault codes.
Nothing here exists anywhere in the product; the tests generate it into tmp_path."""

from __future__ import annotations

import csv
from pathlib import Path

AS_OF = "2026-09-15"

PROFILE = """id: liftcare
company: 安升电梯维保（虚构）
lang: zh
as_of: "2026-09-15"
crm: {csv: crm}
evals: [evals/suite.yaml]
"""

INTENTS = """intents:
  - name: fault_report
    label_zh: 故障报修
    description: 电梯停运、困人、异响、门机故障或报故障码，客户报修或问多久到场
    examples: ["3号梯又停了，故障码E35，多久能来人？"]
  - name: contract_renewal
    label_zh: 维保合同续签
    description: 询问维保合同什么时候到期、怎么续签、续签价格
  - name: parts_order
    label_zh: 配件订购
    description: 订购或询问门机皮带、钢丝绳、控制板等电梯配件的价格和交期
  - name: out_of_scope
    label_zh: 其他
    description: 与电梯维保、合同、配件无关的问题
"""

ACTIONS = """actions:
  - name: dispatch_technician
    label_zh: 派工程师
    description: 电梯故障或困人时派维保工程师到场，创建维修工单
    intents: [fault_report]
  - name: send_policy_document
    label_zh: 发送政策文件
    description: 把现行有效的维保服务规范或合同条款发给客户并引用条款
    parameters:
      doc_id: {type: string, required: true, description: 文件编号}
    intents: [contract_renewal, fault_report]
  - name: prepare_renewal_quote
    label_zh: 准备续签报价
    description: 合同即将到期时准备续签报价
    intents: [contract_renewal]
    signals: [contract_ending_60d]
  - name: quote_parts
    label_zh: 配件报价
    description: 为客户要的配件报价并告知交期
    intents: [parts_order]
"""

PLAYBOOKS = "playbooks: []\n"

RAILS = """version: 1
discount_authority: {evaluator: 0, agent: 0, rep: 5, manager: 10, director: 100, admin: 0}
escalation: {rep: escalate_to_manager, agent: escalate_to_manager, manager: escalate_to_manager}
discount_actions: [offer_discount]
discount_parameters: [discount_pct]
role_rank: {evaluator: 0, agent: 1, rep: 1, manager: 2, director: 3, admin: 3}
"""

SLA_V1 = """---
doc_id: service-sla
title: 电梯维保服务规范
version: "1.0"
effective_date: 2024-01-01
expiry_date: 2025-12-31
---
# 电梯维保服务规范（旧版）

第一条 接到困人报修后 45 分钟内到场。
"""

SLA_V2 = """---
doc_id: service-sla
title: 电梯维保服务规范
version: "2.0"
effective_date: 2026-01-01
supersedes: ["1.0"]
---
# 电梯维保服务规范

第一条 接到困人报修后 30 分钟内到场，一般故障 4 小时内到场。

第二条 维保合同期满前 60 日内可申请续签，续签价格按下表执行。

| 梯龄 | 年维保费 |
| --- | --- |
| 10 年以内 | 8000 元/台 |
| 10 年以上 | 9500 元/台 |
"""

MAPPING = """entities:
  customer:
    table: clients
    columns: {id: client_no, name: client_name, owner_rep: manager, tier: level, region: area}
    extra:
      units_managed: {column: units, type: number, unit: 台, label: 在管电梯}
    never_read: [contact_phone]
  rep:
    table: staff
    columns: {id: staff_no, name: staff_name}
  product:
    table: parts
    columns: {id: part_no, name: part_name, category: family}
  order:
    table: part_orders
    columns: {id: po_no, customer_id: client_no, order_date: po_date, confirmed_ship_date: ship_ok, discount: disc}
  order_line:
    table: part_orders
    columns: {id: po_no, order_id: po_no, product_id: part_no, quantity: qty}
  contract:
    table: service_contracts
    columns: {id: contract_no, customer_id: client_no, end_date: ends, title: title, tier: plan}
  ticket:
    table: repairs
    columns: {id: repair_no, customer_id: client_no, status: state, subject: summary, device_id: lift_no}
    extra:
      codes: {column: fault_codes, type: list, sep: ";", label: 故障码}
    options: {open_statuses: [open]}
  device:
    table: lifts
    columns: {id: lift_no, customer_id: client_no, name: site, installed_at: commissioned, warranty_end: wty_end}
  telemetry:
    table: lift_daily
    columns: {device_id: lift_no, reading_date: day}
    wide_metrics: {door_faults: door_faults, vibration_mg: vibration}
    options: {metric_labels: {vibration_mg: 振动}}
"""

SIGNALS = """hq:
  - {id: contract_ending_60d, type: contract_expiring, title: 维保合同即将到期, params: {days: 60}}
  - {id: vibration_high_2d, type: telemetry_over_threshold, params: {metric: vibration_mg, threshold: 30, consecutive_days: 2}}
"""

CSVS: dict[str, list[list[str]]] = {
    "clients": [
        ["client_no", "client_name", "manager", "level", "area", "units", "contact_phone"],
        ["L01", "晨光物业（虚构）", "s_wu", "A", "华北", "24", "13700000011"],
        ["L02", "远航商业广场（虚构）", "s_he", "B", "华北", "8", "13700000022"],
    ],
    "staff": [["staff_no", "staff_name"], ["s_wu", "吴工"], ["s_he", "何工"]],
    "parts": [
        ["part_no", "part_name", "family"],
        ["BELT-9", "门机皮带", "门机配件"],
        ["ROPE-12", "钢丝绳", "曳引配件"],
    ],
    "part_orders": [
        ["po_no", "client_no", "po_date", "ship_ok", "disc", "part_no", "qty"],
        ["PO1", "L01", "2026-02-10", "2026-02-14", "0.05", "BELT-9", "6"],
        ["PO2", "L01", "2026-08-01", "", "", "ROPE-12", "2"],
        ["PO3", "L02", "2026-05-05", "2026-05-08", "0", "BELT-9", "1"],
    ],
    "service_contracts": [
        ["contract_no", "client_no", "ends", "title", "plan"],
        ["MC-L01", "L01", "2026-10-31", "年度全包维保", "全包"],
        ["MC-L02", "L02", "2027-06-30", "年度半包维保", "半包"],
    ],
    "repairs": [
        ["repair_no", "client_no", "state", "summary", "lift_no", "fault_codes"],
        ["R-77", "L01", "open", "3号梯门机异响", "LIFT-003", "E35;E36"],
    ],
    "lifts": [
        ["lift_no", "client_no", "site", "commissioned", "wty_end"],
        ["LIFT-003", "L01", "晨光大厦3号梯", "2015-06-01", "2017-05-31"],
        ["LIFT-101", "L02", "远航广场1号梯", "2025-03-01", "2027-02-28"],
    ],
    "lift_daily": [
        ["lift_no", "day", "door_faults", "vibration"],
        ["LIFT-003", "2026-09-13", "1", "22"],
        ["LIFT-003", "2026-09-14", "3", "35"],
        ["LIFT-003", "2026-09-15", "4", "41"],
    ],
}

SUITE = """name: liftcare
tenant: {path: .., id: liftcare, as_of: "2026-09-15"}
cases:
  - id: renewal-l01
    customer_ref: L01
    rep_ref: s_wu
    turns: [{text: 我们的维保合同快到期了吧？续签要怎么办}]
    expect:
      intent: contract_renewal
      documents: [{doc_id: service-sla, version: "2.0"}]
      forbidden_documents: [{doc_id: service-sla, version: "1.0"}]
      signals: [contract_ending_60d]
  - id: fault-l01
    customer_ref: L01
    rep_ref: s_wu
    turns: [{text: 3号梯又停了，有人被困，多久能到？}]
    expect: {intent: fault_report, signals: [vibration_high_2d]}
  - id: agent-call-l02
    customer_ref: L02
    actor: {role: agent, id: agent_1, on_call: true}
    turns: [{text: 我想订两条门机皮带，多少钱}]
    expect: {intent: parts_order}
  - id: rep-ask-l01
    customer_ref: L01
    rep_ref: s_wu
    turns: [{sender: rep_ask, text: 帮我查下这个客户最近的配件订单}]
  - id: trap-other-rep
    customer_ref: L02
    rep_ref: s_wu
    heldout: true
    turns: [{sender: rep_ask, text: 远航广场的合同价是多少}]
    expect: {refusal: true}
"""


def write_pack(root: Path) -> Path:
    """Write the pack into `root` (created); returns it."""
    files = {
        "profile.yaml": PROFILE,
        "intents.yaml": INTENTS,
        "actions.yaml": ACTIONS,
        "playbooks.yaml": PLAYBOOKS,
        "rails.yaml": RAILS,
        "policies/service-sla-v1.0.md": SLA_V1,
        "policies/service-sla-v2.0.md": SLA_V2,
        "crm/mapping.yaml": MAPPING,
        "crm/signals.yaml": SIGNALS,
        "evals/suite.yaml": SUITE,
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for table, rows in CSVS.items():
        with (root / "crm" / f"{table}.csv").open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
    return root
