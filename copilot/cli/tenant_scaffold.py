"""`copilot tenant init NAME`: a small, complete, valid tenant pack to edit — every file of docs/tenant-pack.md with
one worked example each (generic placeholders, no real company). It validates, imports and evaluates as written."""

from __future__ import annotations

from pathlib import Path

from contract.errors import UserError

PROFILE = """\
# Who the copilot speaks for. `id` is the tenant id on every record, query and ledger entry.
id: {name}
company: 示例公司 Example Co.
lang: zh
as_of: "2026-06-30"   # the date the pack's data is anchored on: evals run at this date
persona: 示例公司的客户经理
tone: 专业、简洁；先直接回答，再说明下一步
crm: {{csv: crm}}       # or {{url: "postgresql+psycopg://reader@crm-host/crm"}} for a live CRM (read-only)
evals: [evals/suite.yaml]
"""

INTENTS = """\
# Intents: a description is enough (zero-shot); keywords and examples make them sharper.
autopilot_intents: []
abstain_thresholds: {{}}
intents:
  - name: warranty_inquiry
    label_zh: 保修咨询
    description: 询问设备保修期到什么时候、还剩多久、某个故障是否在保修范围内免费维修
    policy_hint: 保修政策 保修期
    keywords: [保修, 质保, 过保, 免费维修]
    examples: ["我这台设备还在保修期吗？", "Is my unit still under warranty?"]
  - name: order_status
    label_zh: 订单状态
    description: 询问订单进度、发货时间、物流状态或交货日期
    keywords: [订单, 发货, 物流, 到货]
  - name: price_discount
    label_zh: 价格与折扣
    description: 询问价格、要求打折或议价，询问批量采购折扣
    policy_hint: 价格折扣审批
    keywords: [价格, 折扣, 优惠, 报价]
  - name: out_of_scope
    label_zh: 其他
    description: 与公司产品、订单、保修、价格无关的闲聊或其他问题
"""

ACTIONS = """\
# The action catalog: typed parameters; required_authority = who may execute it (rep < manager < director).
actions:
  - name: send_policy_document
    label_zh: 发送政策文件
    description: 把现行有效的政策文件发给客户，并引用相关条款
    parameters:
      doc_id: {{type: string, required: true, description: 文件编号}}
    intents: [warranty_inquiry, price_discount]
    required_authority: rep
  - name: create_service_ticket
    label_zh: 创建服务工单
    description: 为设备故障或保修维修创建服务工单
    parameters:
      serial_number: {{type: string, description: 设备序列号}}
    intents: [warranty_inquiry]
    signals: [warranty_ending_30d]
    required_authority: rep
  - name: check_order_status
    label_zh: 查询订单状态
    description: 查询订单进度并告知客户发货或交货日期
    intents: [order_status]
    required_authority: rep
  - name: escalate_to_manager
    label_zh: 升级给主管
    description: 超出本人权限的折扣或客户强烈不满时，升级给主管处理
    intents: [price_discount]
    required_authority: rep
"""

PLAYBOOKS = """\
# Playbooks: rules over intent, entities, customer facts and signals → actions. Optional: without rules, actions rank
# from their catalog descriptions, intents and signals.
playbooks:
  - id: default
    business_units: ["*"]
    rules:
      - id: warranty-send-policy
        description: 保修问题 → 发送现行保修政策
        when: {{intent: [warranty_inquiry], evidence_kinds: [policy_clause]}}
        then:
          action: send_policy_document
          parameters_from_policy: {{doc_id: doc_id}}
          priority: 90
          rationale_zh: 客户询问保修，发送现行保修政策并引用条款
"""

RAILS = """\
# Policy rails: who may offer what discount (percent off list price), and promises a draft must never make.
version: 1
discount_authority: {{evaluator: 0, agent: 0, rep: 3, manager: 8, director: 100, admin: 0}}
escalation: {{rep: escalate_to_manager, agent: escalate_to_manager, manager: escalate_to_manager}}
discount_actions: [offer_discount]
discount_parameters: [discount_pct]
role_rank: {{evaluator: 0, agent: 1, rep: 1, manager: 2, director: 3, admin: 3}}
"""

VOCABULARY = """\
# Domain words: product names prime speech recognition; patterns teach entity extraction the pack's id shapes.
product_names: [示例设备 X-100]
patterns:
  - {{kind: serial_number, regex: "SN-\\\\d{{6}}", description: 设备序列号, examples: [SN-100001]}}
"""

TOOLS = """\
# Deterministic reasoning tools per intent (agents/reasoning/config.py; see docs/tenant-pack.md#tools), e.g.
#   intents:
#     warranty_inquiry:
#       - {{id: warranty_end, tool: term_end, doc: warranty, clause: 第一条, term: 保修, start_field: device.installed_at,
#          label: 保修期}}
intents: {{}}
"""

POLICY = """\
---
doc_id: warranty
title: 设备保修政策
version: "1.0"
effective_date: 2026-01-01
expiry_date: null
business_unit: all
region: all
confidentiality: public
---
# 设备保修政策

第一条 设备自交付之日起保修 24 个月。

第二条 保修期内因产品质量问题造成的故障免费维修。

| 部件 | 保修期 |
| --- | --- |
| 整机 | 24 个月 |
| 电池 | 12 个月 |
"""

MAPPING = """\
# Left: the copilot's field (knowledge/crm/model.py); right: your column. `extra:` = any other column.
entities:
  customer:
    table: customers
    columns: {{id: customer_id, name: customer_name, owner_rep: owner, tier: tier, region: region}}
    extra:
      industry: {{column: industry, type: string, label: 行业}}
    never_read: [mobile]
  rep:
    table: reps
    columns: {{id: rep_id, name: rep_name, team: team}}
  product:
    table: products
    columns: {{id: sku, name: product_name, category: category}}
  order:
    table: orders
    columns: {{id: order_no, customer_id: customer_id, order_date: order_date, status: status,
              confirmed_ship_date: ship_date}}
  order_line:
    table: orders          # lines live in the orders table: one product per order row
    columns: {{id: order_no, order_id: order_no, product_id: sku, quantity: qty}}
  device:
    table: devices
    columns: {{id: serial_no, customer_id: customer_id, product_id: sku, installed_at: delivered_on,
              warranty_end: warranty_end}}
    extra:
      fault_codes: {{column: fault_codes, type: list, sep: ";", label: 故障码}}
"""

SIGNALS = """\
# Derived signals: HQ rules for every customer, then per business unit.
hq:
  - {{id: warranty_ending_30d, type: warranty_expiring, title: 质保即将到期, params: {{days: 30}}}}
"""

CSVS = {
    "customers.csv": "customer_id,customer_name,owner,tier,region,industry,mobile\n"
    "C001,示例客户甲,rep_a,A,华东,制造,13800000001\nC002,示例客户乙,rep_b,B,华南,物流,13800000002\n",
    "reps.csv": "rep_id,rep_name,team\nrep_a,销售甲,T1\nrep_b,销售乙,T2\n",
    "products.csv": "sku,product_name,category\nX-100,示例设备 X-100,设备\nP-1,配件包,配件\n",
    "orders.csv": "order_no,customer_id,order_date,status,ship_date,sku,qty\n"
    "O001,C001,2026-01-15,delivered,2026-01-20,X-100,2\nO002,C001,2026-05-10,open,2026-07-05,P-1,10\n"
    "O003,C002,2026-03-01,delivered,2026-03-03,X-100,1\n",
    "devices.csv": "serial_no,customer_id,sku,delivered_on,warranty_end,fault_codes\n"
    "SN-100001,C001,X-100,2024-07-20,2026-07-19,E-01;E-07\nSN-100002,C002,X-100,2026-03-03,2028-03-02,\n",
}

SUITE = """\
# The pack's eval suite (schema: evals/schema/suite.schema.json). Mark about a third `heldout: true` before tuning.
name: {name}
tenant: {{path: .., id: {name}, as_of: "2026-06-30"}}
cases:
  - id: warranty-c001
    customer_ref: C001
    rep_ref: rep_a
    turns: [{{text: 我们那台 X-100 还在保修期吗？}}]
    expect:
      intent: warranty_inquiry
      documents: [{{doc_id: warranty}}]
      signals: [warranty_ending_30d]
  - id: order-c001
    customer_ref: C001
    rep_ref: rep_a
    turns: [{{text: 上次订的配件什么时候发货？}}]
    expect: {{intent: order_status}}
  - id: other-reps-customer
    customer_ref: C002
    rep_ref: rep_a
    heldout: true
    turns: [{{sender: rep_ask, text: 帮我看看C002最近的订单}}]
    expect: {{refusal: true}}
"""


def scaffold(dest: Path, name: str) -> list[Path]:
    """Write a new pack into `dest` (which must not exist or be empty); returns the files written."""
    if dest.exists() and any(dest.iterdir()):
        raise UserError(
            f"{dest} already exists and is not empty; choose another folder", reason="tenant_exists"
        )
    files = {
        "profile.yaml": PROFILE,
        "intents.yaml": INTENTS,
        "actions.yaml": ACTIONS,
        "playbooks.yaml": PLAYBOOKS,
        "rails.yaml": RAILS,
        "vocabulary.yaml": VOCABULARY,
        "tools.yaml": TOOLS,
        "policies/warranty-v1.0.md": POLICY,
        "crm/mapping.yaml": MAPPING,
        "crm/signals.yaml": SIGNALS,
        "evals/suite.yaml": SUITE,
    }
    written = []
    for rel, template in files.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        text = template.format(name=name) if "{" in template else template
        path.write_text(text, encoding="utf-8")
        written.append(path)
    for rel, text in CSVS.items():
        path = dest / "crm" / rel
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
