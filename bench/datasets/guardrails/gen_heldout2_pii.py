"""Second held-out PII set, written after the person-name rules were tuned on held-out set 1. Never tuned on."""

from __future__ import annotations

import random

import gen_pii

POSITIVE = [
    "麻烦转告{PERSON}，明天上午十点到仓库",
    "{PERSON}已经离职了，后续找{PERSON}",
    "代我向{PERSON}问好",
    "今天和{PERSON}通了电话，他说返点没到账",
    "签字：{PERSON}",
    "申请人{PERSON}（设备科）",
    "抄送：{PERSON}、{PERSON}",
    "{PERSON}说下周三来取货",
    "Hi {EN_PERSON}, thanks for your help yesterday.",
    "Regards, {EN_PERSON}",
    "我爱人{PERSON}会替我签收",
    "请{PERSON}主任审批",
    "家庭住址{ADDRESS}",
    "寄到{ADDRESS}就行，门卫代收",
    "公司地址：{ADDRESS}",
    "新仓库在{ADDRESS}，欢迎来看",
    "Please deliver to {EN_ADDRESS} before noon.",
    "手机号码:{CN_MOBILE}",
    "tel:{CN_MOBILE}",
    "电话（{CN_MOBILE}）",
    "{CN_MOBILE}/{CN_MOBILE}两个都可以打",
    "可以拨打{CN_LANDLINE}或者{CN_MOBILE}",
    "身份证号码：{CN_RESIDENT_ID}（复印件已邮寄）",
    "ID: {CN_RESIDENT_ID}",
    "收款卡号：{BANK_CARD}（中国银行）",
    "打款到{BANK_CARD}，户名同营业执照",
    "车牌{CN_PLATE}，白色SUV",
    "邮件地址是{EMAIL}，不是之前那个",
    "her email is {EMAIL}",
    "护照：{PASSPORT}，签证已办",
]
NEGATIVE = [
    "订单尾号{SMALL}的那单发了吗",
    "合同金额{BIGAMOUNT}元整",
    "编号{ORDER11}的工单已关闭",
    "2026年第{SMALL}周的排产计划",
    "数量：{SMALL}台；单价：¥{AMOUNT}",
    "请在{DATE_ISO}前回款",
    "批次号{DATE8}，有效期至{DATE_ISO}",
    "快递已到，单号{WAYBILL}",
    "设备编号CA-2023-0815和CA-2024-0102",
    "型号PS-500、PS-700、HJ-200",
    "王总说没问题",
    "李经理在开会，稍后回复",
    "上海瑞金康复医院骨科",
    "我们在南京鼓楼区有办事处",
    "张家港的仓库已满",
    "客服热线400-800-1234",
    "Order {ORDER_NO}, qty {SMALL}",
    "Invoice total ${AMOUNT}, due {DATE_ISO}",
    "宁波康达和杭州仁济都在催货",
    "第{SMALL}条第{SMALL}款",
]


def build(seed: int = 4242) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(2):
        for t in POSITIVE:
            text, spans = gen_pii.fill(rng, t)
            rows.append({"text": text, "spans": spans, "kind": "positive"})
        for t in NEGATIVE:
            text, spans = gen_pii.fill(rng, t)
            rows.append({"text": text, "spans": spans, "kind": "hard_negative"})
    for n, r in enumerate(rows):
        r["id"] = f"pii-h2-{n:04d}"
        r["lang"] = "en" if sum(c.isascii() for c in str(r["text"])) > 0.8 * len(str(r["text"])) else "zh"
    return rows
