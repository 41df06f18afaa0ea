"""Labelled PII strings: hand-written Chinese and English templates filled with generated values, plus hard negatives
(order and waybill numbers, dates, amounts, hotlines, product models) that must NOT be flagged.

Labelling guide: a span covers the value as written (with its spaces, dashes, a leading +86 / 0086, brackets inside it);
PERSON is a full name (surname + given name) — 张经理 / 王总 alone are not labelled; ADDRESS runs from the first
province / city / district written to the last house / building / room part."""

from __future__ import annotations

import random

import pii_values as pv


# {slot} → (entity, maker). A maker returns the text as it will appear.
def _fmt_digits(rng: random.Random, value: str, groups: list[int]) -> str:
    style = rng.random()
    if style < 0.45:
        return value
    if style < 0.65:
        sep = rng.choice([" ", "-"])
        out, i = [], 0
        for g in groups:
            out.append(value[i : i + g])
            i += g
        if i < len(value):
            out.append(value[i:])
        return sep.join(x for x in out if x)
    if style < 0.85:
        return value.translate(pv.FULLWIDTH)
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def _mobile(rng: random.Random) -> str:
    m = pv.mobile(rng)
    r = rng.random()
    if r < 0.1:
        return "+86 " + _fmt_digits(rng, m, [3, 4, 4])
    if r < 0.14:
        return "0086-" + m
    return _fmt_digits(rng, m, [3, 4, 4])


def _landline(rng: random.Random) -> str:
    area, local = pv.landline(rng)
    return rng.choice(
        [
            f"{area}-{local}",
            f"{area} {local}",
            f"{area}{local}",
            f"{area}-{local[:4]} {local[4:]}",
            f"{area}-{local}".translate(pv.FULLWIDTH),
        ]
    )


def _card(rng: random.Random) -> str:
    c = pv.bank_card(rng)
    return _fmt_digits(rng, c, [4, 4, 4, 4, 4])


def _rid(rng: random.Random) -> str:
    if rng.random() < 0.12:
        return pv.resident_id_15(rng)
    v = pv.resident_id(rng)
    return _fmt_digits(rng, v, [6, 8, 4])


def _permit(rng: random.Random) -> str:
    return rng.choice(
        [
            f"H{pv.digits(rng, 8)}",
            f"M{pv.digits(rng, 8)}",
            f"C{pv.digits(rng, 8)}",
            f"C{rng.choice('ABCDEFGHJK')}{pv.digits(rng, 7)}",
            f"L{pv.digits(rng, 8)}",
            f"H{pv.digits(rng, 10)}",
        ]
    )


def _passport(rng: random.Random) -> str:
    return rng.choice(
        [f"E{pv.digits(rng, 8)}", f"E{rng.choice('ABCDEFGHJK')}{pv.digits(rng, 7)}", f"G{pv.digits(rng, 8)}"]
    )


def _mo_id(rng: random.Random) -> str:
    return f"{rng.choice('1578')}{pv.digits(rng, 6)}({rng.randint(0, 9)})"


def _email(rng: random.Random) -> str:
    user = rng.choice(
        [
            "zhangwei",
            "li.na",
            "wanglei88",
            "chen_jing",
            "sales",
            "john.smith",
            "mary_w",
            "kd_caigou",
            "13800001111",
        ]
    )
    return f"{user}@{rng.choice(['163.com', 'qq.com', 'kangda-med.cn', 'example.com', 'gmail.com', 'rjhospital.org.cn'])}"


MAKERS = {
    "CN_MOBILE": _mobile,
    "CN_LANDLINE": _landline,
    "BANK_CARD": _card,
    "CN_RESIDENT_ID": _rid,
    "EMAIL": _email,
    "HK_ID": pv.hk_id,
    "TW_ID": pv.tw_id,
    "MO_ID": _mo_id,
    "TRAVEL_PERMIT": _permit,
    "PASSPORT": _passport,
    "CN_USCC": pv.uscc,
    "CN_PLATE": pv.plate,
    "US_SSN": pv.ssn,
    "PHONE": pv.us_phone,
    "ADDRESS": pv.zh_address,
    "EN_ADDRESS": pv.en_address,
    "PERSON": pv.zh_name,
    "EN_PERSON": pv.en_name,
}
LABEL = {"EN_ADDRESS": "ADDRESS", "EN_PERSON": "PERSON"}

POSITIVE = [
    # mobiles
    "您好，我是宁波康达的采购，手机{CN_MOBILE}，有事随时打给我。",
    "麻烦回个电话：{CN_MOBILE}",
    "我的微信就是手机号 {CN_MOBILE}",
    "联系方式{CN_MOBILE}（工作日9点到6点）",
    "新换的号码是{CN_MOBILE}，旧号停用了",
    "Please call me at {CN_MOBILE} tomorrow.",
    "收到请回复，{CN_MOBILE} 张工",
    "客户留的电话{CN_MOBILE}，说下午在手术室可能不接",
    "发货前打{CN_MOBILE}确认一下",
    "电话/微信同号{CN_MOBILE}",
    "如有问题请致电{CN_MOBILE}或发邮件到{EMAIL}",
    "My mobile in Shanghai: {CN_MOBILE}",
    # landlines
    "科室座机{CN_LANDLINE}，找护士长",
    "公司电话：{CN_LANDLINE}转采购部",
    "传真号 {CN_LANDLINE}",
    "Office line {CN_LANDLINE}, ext. 203",
    "设备科电话{CN_LANDLINE}，周一到周五有人",
    "有问题打我们前台{CN_LANDLINE}",
    # resident IDs
    "开票需要身份证号：{CN_RESIDENT_ID}",
    "经办人身份证{CN_RESIDENT_ID}，请核对",
    "证件号码 {CN_RESIDENT_ID}",
    "我的身份证是{CN_RESIDENT_ID}，帮我查下会员积分",
    "ID card no. {CN_RESIDENT_ID}",
    "登记信息：{PERSON}，{CN_RESIDENT_ID}",
    "{CN_RESIDENT_ID} 这个是我身份证号",
    "法人身份证号{CN_RESIDENT_ID}，营业执照已上传",
    # bank cards
    "返点请打到这张卡：{BANK_CARD}",
    "开户行招商银行杭州分行，卡号{BANK_CARD}",
    "退款账户 {BANK_CARD}，户名{PERSON}",
    "Card number {BANK_CARD}, please refund there.",
    "我的银行卡{BANK_CARD}，麻烦尽快打款",
    "{BANK_CARD}（工商银行）",
    # email
    "资料请发我邮箱{EMAIL}",
    "Email: {EMAIL}",
    "报价单发到 {EMAIL} 就行",
    "cc {EMAIL} on the quote please",
    # HK / Macau / Taiwan
    "香港身份证 {HK_ID}",
    "My HKID is {HK_ID}.",
    "澳门身份证{MO_ID}",
    "台湾身份证字号{TW_ID}",
    "身份证字号：{TW_ID}",
    "回乡证号码{TRAVEL_PERMIT}",
    "港澳通行证 {TRAVEL_PERMIT}，下周去香港参展",
    "通行证号{TRAVEL_PERMIT}",
    "往来港澳通行证：{TRAVEL_PERMIT}",
    "台胞证{TW_PERMIT}",
    # passports
    "护照号{PASSPORT}，参会注册用",
    "Passport No. {PASSPORT}",
    "出国培训，护照：{PASSPORT}",
    "passport {US_PASSPORT} (US)",
    # USCC
    "统一社会信用代码：{CN_USCC}",
    "开票信息：宁波康达医疗器械有限公司，税号{CN_USCC}",
    "信用代码{CN_USCC}，地址见附件",
    "Tax ID (USCC) {CN_USCC}",
    # plates
    "送货车牌{CN_PLATE}，到了打电话",
    "我的车是{CN_PLATE}，停在医院东门",
    "车牌号：{CN_PLATE}",
    "{CN_PLATE}的司机已经到仓库了",
    # US
    "SSN {US_SSN} for the W-9 form",
    "My social security number is {US_SSN}.",
    "Call me at {PHONE}.",
    "Phone: {PHONE}",
    "You can reach our buyer at {PHONE} after 3pm.",
    # addresses and names
    "收货地址：{ADDRESS}",
    "请寄到{ADDRESS}，{PERSON}收",
    "我们搬家了，新地址是{ADDRESS}",
    "发票寄往{ADDRESS}",
    "送货到{ADDRESS}，联系人{PERSON}，电话{CN_MOBILE}",
    "Ship to {EN_ADDRESS}.",
    "Our office: {EN_ADDRESS}",
    "我叫{PERSON}，是康达的采购。",
    "联系人：{PERSON}",
    "收货人{PERSON}，电话{CN_MOBILE}",
    "{PERSON}先生下午会去仓库提货",
    "请找{PERSON}经理对接",
    "姓名：{PERSON}；手机：{CN_MOBILE}",
    "持卡人{PERSON}",
    "My name is {EN_PERSON}.",
    "Contact: {EN_PERSON}, {EMAIL}",
    "Dear {EN_PERSON}, thanks for the order.",
    "{PERSON}主任让我问一下返点政策",
    # transcripts with spoken digits
    "呃我的手机号是{CN_MOBILE_SPOKEN}，您记一下",
    "那个电话是{CN_MOBILE_SPOKEN}对",
    # mixed with hard negatives nearby
    "订单号{ORDER_NO}的货还没到，我手机{CN_MOBILE}",
    "2024-05-06下的单，金额¥{AMOUNT}，联系电话{CN_MOBILE}",
    "SN CA-2023-0815 的设备报警E-203，工程师电话{CN_MOBILE}",
    "快递单号{WAYBILL}，收件人{PERSON}，{CN_MOBILE}",
    "发票号码{INVOICE_NO}，开户行账号{BANK_CARD}",
    "HJ-200 采购200套，合同号HT{DATE8}01，对接人{PERSON}{CN_MOBILE}",
]

NEGATIVE = [
    "订单号{ORDER11}已经发货了吗？",
    "单号：{ORDER11}，麻烦查一下物流",
    "您的订单{ORDER_NO}已出库",
    "订单编号 {ORDER_NO}",
    "快递单号{WAYBILL}",
    "运单号 SF{WAYBILL}",
    "物流单号{WAYBILL}，预计三天到",
    "发票号码{INVOICE_NO}",
    "批号{DATE8}-{SMALL}",
    "合同号HT{DATE8}{SMALL}",
    "我们{DATE_ISO}下的单，还没收到",
    "{DATE_CN}开会讨论返点",
    "交货日期{DATE8}",
    "报价日期：{DATE_ISO}",
    "金额¥{AMOUNT}，含税",
    "合计{BIGAMOUNT}元",
    "本季度采购额{BIGAMOUNT}元，返点3%",
    "总价 RMB {AMOUNT}",
    "预算大概{WAN}万元",
    "售后热线400-800-1234",
    "客服电话 400-820-8820",
    "全国服务热线800-810-5888",
    "设备SN CA-2023-0815报警E-203",
    "锁定加压接骨板LCP-3.5和髋关节假体HJ-200各要50套",
    "PS-700新品试销方案发我一下",
    "C形臂CA-9的保修多久？",
    "骨科耗材返点协议V3.2第4条怎么理解？",
    "请和王经理联系，返点按V3.2执行",
    "张经理说这个月能发货",
    "王总明天来公司",
    "宁波康达医疗器械有限公司想了解脊柱耗材",
    "上海瑞金康复医院设备科反馈C形臂过热",
    "杭州仁济骨科器械有限公司续签合同",
    "我是宁波康达医疗的采购",
    "我们在浙江省内有三个仓库",
    "华东区域的代理商政策",
    "订单数量{SMALL}台，单价{AMOUNT}元",
    "Order #{ORDER_NO} has not arrived yet.",
    "Invoice {INVOICE_NO} total ${AMOUNT}",
    "Tracking number {WAYBILL}",
    "We placed the order on {DATE_ISO}.",
    "The quote is valid until {DATE_ISO}, total $ {AMOUNT}.",
    "PO {ORDER_NO} for 200 units",
    "Ref: {ORDER11}",
    "请参考注册证号国械注准{REGNO}",
    "库存还剩{SMALL}件，编号{ORDER_NO}",
    "工单{ORDER11}已处理",
    "第3条说返点按季度结算",
    "温度超过{SMALL}度报警",
    "门诊量每天{SMALL}人次",
    "交易流水号{ORDER_NO}",
]


def _spoken(rng: random.Random) -> str:
    m = pv.mobile(rng)
    return "".join("零幺二三四五六七八九"[int(d)] for d in m)


FILLERS = {
    "ORDER_NO": lambda r: (
        r.choice(["SO", "PO", "DD", ""])
        + r.choice(["2024", "2025", "2026"])
        + pv.digits(r, r.choice([8, 10, 12]))
    ),
    "ORDER11": lambda r: pv.mobile(
        r
    ),  # an order number that looks exactly like a mobile: context must decide
    "WAYBILL": lambda r: r.choice(["SF", "YT", "JD", "7"]) + pv.digits(r, 13),
    "INVOICE_NO": lambda r: pv.digits(r, 8),
    "DATE8": lambda r: f"{r.randint(2023, 2026)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}",
    "DATE_ISO": lambda r: f"{r.randint(2023, 2026)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
    "DATE_CN": lambda r: f"{r.randint(2023, 2026)}年{r.randint(1, 12)}月{r.randint(1, 28)}日",
    "AMOUNT": lambda r: f"{r.randint(1, 999)},{r.randint(0, 999):03d}.{r.randint(0, 99):02d}",
    "BIGAMOUNT": lambda r: str(
        r.randint(10_000_000_000, 99_999_999_999)
    ),  # 11 digits: looks like a mobile, is money
    "WAN": lambda r: str(r.randint(10, 999)),
    "SMALL": lambda r: str(r.randint(2, 300)),
    "REGNO": lambda r: f"{r.randint(2018, 2026)}3{pv.digits(r, 6)}",
}


def fill(rng: random.Random, template: str) -> tuple[str, list[dict[str, object]]]:
    out, spans, i = [], [], 0
    while i < len(template):
        if template[i] == "{":
            j = template.index("}", i)
            slot = template[i + 1 : j]
            if slot in FILLERS:
                out.append(FILLERS[slot](rng))
            else:
                entity, value = _slot_value(rng, slot)
                start = sum(map(len, out))
                out.append(value)
                if entity:
                    spans.append({"entity": entity, "start": start, "end": start + len(value)})
            i = j + 1
        else:
            out.append(template[i])
            i += 1
    return "".join(out), spans


def _slot_value(rng: random.Random, slot: str) -> tuple[str, str]:
    if slot == "CN_MOBILE_SPOKEN":
        return "CN_MOBILE", _spoken(rng)
    if slot == "TW_PERMIT":
        return "TRAVEL_PERMIT", pv.digits(rng, 8)
    if slot == "US_PASSPORT":
        return "PASSPORT", pv.digits(rng, 9)
    return LABEL.get(slot, slot), MAKERS[slot](rng)


def build(seed: int = 20261130) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for _ in range(4):
        for t in POSITIVE:
            text, spans = fill(rng, t)
            rows.append({"text": text, "spans": spans, "kind": "positive"})
    for _ in range(3):
        for t in NEGATIVE:
            text, spans = fill(rng, t)
            rows.append({"text": text, "spans": spans, "kind": "hard_negative"})
    rows.extend(_long_texts(rng))
    for n, row in enumerate(rows):
        row["id"] = f"pii-{n:04d}"
        row["lang"] = (
            "en" if sum(c.isascii() for c in str(row["text"])) > 0.8 * len(str(row["text"])) else "zh"
        )
    return rows


def _long_texts(rng: random.Random) -> list[dict[str, object]]:
    """Very long texts (a pasted chat log): PII buried among hundreds of sentences of hard negatives."""
    rows = []
    for _ in range(4):
        parts: list[str] = []
        spans: list[dict[str, object]] = []
        for k in range(120):
            t = rng.choice(NEGATIVE) if k % 10 else rng.choice(POSITIVE)
            text, sp = fill(rng, t)
            offset = sum(map(len, parts))
            spans += [{**s, "start": int(s["start"]) + offset, "end": int(s["end"]) + offset} for s in sp]
            parts.append(text + "\n")
        rows.append({"text": "".join(parts), "spans": spans, "kind": "long_text"})
    return rows
