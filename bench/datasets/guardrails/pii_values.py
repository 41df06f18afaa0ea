"""Value makers for the PII evaluation set. Written separately from guardrails/ (no import from it) so the evaluation
does not grade the detector with its own logic: check digits are computed here from the published standards."""

from __future__ import annotations

import random
import string

AREA_CODES = [
    "110105",
    "110108",
    "310104",
    "310115",
    "330106",
    "330203",
    "330212",
    "320508",
    "320106",
    "440305",
    "440106",
    "510107",
    "420106",
    "370202",
    "350203",
    "610113",
    "500103",
    "120101",
    "810000",
    "820000",
    "830000",
]
MOBILE_PREFIXES = (
    [f"13{i}" for i in range(10)]
    + [
        "145",
        "147",
        "149",
        "150",
        "151",
        "152",
        "153",
        "155",
        "156",
        "157",
        "158",
        "159",
        "162",
        "165",
        "166",
        "167",
        "170",
        "171",
        "172",
        "173",
        "175",
        "176",
        "177",
        "178",
    ]
    + [f"18{i}" for i in range(10)]
    + [f"19{i}" for i in range(10)]
)
LANDLINE_AREAS = [
    ("010", 8),
    ("021", 8),
    ("022", 8),
    ("020", 8),
    ("025", 8),
    ("0571", 8),
    ("0574", 8),
    ("0512", 8),
    ("0755", 8),
    ("0731", 7),
    ("0577", 8),
    ("0591", 8),
]
FULLWIDTH = str.maketrans(string.digits + "Xx", "０１２３４５６７８９Ｘｘ")


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def resident_id(rng: random.Random) -> str:
    body = (
        rng.choice(AREA_CODES)
        + f"{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        + digits(rng, 3)
    )
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # ISO 7064 MOD 11-2 weights, derived rather than copied
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def resident_id_15(rng: random.Random) -> str:
    return (
        rng.choice(AREA_CODES[:17])
        + f"{rng.randint(50, 89)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        + digits(rng, 3)
    )


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + digits(rng, 8)


def luhn_complete(partial: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:  # these double once the check digit is appended
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return partial + str((10 - total % 10) % 10)


def bank_card(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.6:
        return luhn_complete(
            "62"
            + rng.choice(["2202", "2848", "2700", "1700", "1226", "2588"])
            + digits(rng, rng.choice([9, 10, 12]))
        )
    if kind < 0.8:
        return luhn_complete("4" + digits(rng, 14))
    return luhn_complete(rng.choice(["51", "52", "53", "54", "55"]) + digits(rng, 13))


def landline(rng: random.Random) -> tuple[str, str]:
    area, n = rng.choice(LANDLINE_AREAS)
    return area, str(rng.randint(2, 8)) + digits(rng, n - 1)


def hk_id(rng: random.Random) -> str:
    letter = rng.choice(string.ascii_uppercase)
    body = digits(rng, 6)
    vals = [36, ord(letter) - 55] + [int(c) for c in body]
    check = (11 - sum(v * w for v, w in zip(vals, range(9, 1, -1), strict=True)) % 11) % 11
    return f"{letter}{body}({'A' if check == 10 else check})"


TW_CODES = dict(zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36), strict=True))


def tw_id(rng: random.Random) -> str:
    letter = rng.choice("ABCDEFGHJKLMNPQRSTUVXYWZIO")
    body = rng.choice("12") + digits(rng, 7)
    code = TW_CODES[letter]
    s = code // 10 + (code % 10) * 9 + sum(int(c) * w for c, w in zip(body, range(8, 0, -1), strict=True))
    return letter + body + str((10 - s % 10) % 10)


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(rng: random.Random) -> str:
    body = (
        rng.choice(["91", "92", "12", "52"])
        + rng.choice(AREA_CODES[:15])
        + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    )
    weights = [3**i % 31 for i in range(17)]  # GB 32100: W_i = 3^(i) mod 31
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, weights, strict=True))
    return body + USCC_CHARS[(31 - total % 31) % 31]


def ssn(rng: random.Random) -> str:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def us_phone(rng: random.Random) -> str:
    a, b, c = rng.randint(201, 989), rng.randint(200, 999), rng.randint(0, 9999)
    if a in (400, 800, 833, 844, 855, 866, 877, 888):
        a = 415
    return rng.choice([f"({a}) {b}-{c:04d}", f"{a}-{b}-{c:04d}", f"+1 {a} {b} {c:04d}", f"{a}.{b}.{c:04d}"])


PLATE_PROV = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def plate(rng: random.Random) -> str:
    head = rng.choice(PLATE_PROV) + rng.choice(PLATE_LETTERS)
    kind = rng.random()
    if kind < 0.5:
        tail = digits(rng, 5) if rng.random() < 0.5 else rng.choice(PLATE_LETTERS) + digits(rng, 4)
    elif kind < 0.8:
        tail = (
            rng.choice("DF") + rng.choice(PLATE_LETTERS + string.digits) + digits(rng, 4)
        )  # new energy, small car
    else:
        tail = digits(rng, 5) + rng.choice("DF")  # new energy, large vehicle
    return head + ("·" if rng.random() < 0.2 else "") + tail


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈姚卢姜崔钟谭陆汪范金"
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞辉建国宇浩文博思雨欣怡晨嘉俊凯琳雪峰海燕晓东"
)
EN_FIRST = [
    "John",
    "Mary",
    "David",
    "Sarah",
    "Michael",
    "Emily",
    "James",
    "Linda",
    "Robert",
    "Anna",
    "Kevin",
    "Grace",
]
EN_LAST = [
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Miller",
    "Wilson",
    "Moore",
    "Clark",
    "Lewis",
    "Walker",
    "Chen",
    "Wong",
]


def zh_name(rng: random.Random) -> str:
    if rng.random() < 0.04:
        return rng.choice(["欧阳", "司马", "诸葛", "上官"]) + rng.choice(GIVEN) + rng.choice(GIVEN)
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2])))


def en_name(rng: random.Random) -> str:
    return f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"


ZH_ADDR = [
    ("浙江省", "杭州市", ["西湖区", "滨江区", "上城区"], ["文三路", "江南大道", "延安路", "学院路"]),
    ("浙江省", "宁波市", ["鄞州区", "海曙区", "北仑区"], ["中山东路", "天童南路", "四明中路"]),
    ("江苏省", "苏州市", ["工业园区", "姑苏区", "吴中区"], ["星湖街", "人民路", "东环路"]),
    ("", "上海市", ["徐汇区", "浦东新区", "黄浦区"], ["瑞金二路", "张江路", "南京东路", "漕溪北路"]),
    ("江苏省", "南京市", ["鼓楼区", "玄武区"], ["中山路", "北京西路", "珠江路"]),
]


def zh_address(rng: random.Random) -> str:
    prov, city, districts, roads = rng.choice(ZH_ADDR)
    parts = []
    if rng.random() < 0.7:
        parts.append(prov + city)
    elif rng.random() < 0.5:
        parts.append(city)
    parts.append(rng.choice(districts) if parts else "")
    tail = rng.choice(
        [
            "",
            f"{rng.randint(1, 30)}幢{rng.randint(101, 2505)}室",
            f"{rng.randint(1, 12)}号楼{rng.randint(1, 6)}单元{rng.randint(101, 1802)}室",
            f"{rng.randint(2, 28)}楼",
            f"A座{rng.randint(3, 20)}层",
        ]
    )
    return "".join(parts) + rng.choice(roads) + f"{rng.randint(1, 999)}号" + tail


EN_STREETS = [
    "Main Street",
    "Oak Avenue",
    "Park Road",
    "Sunset Blvd",
    "Maple Drive",
    "Elm Street",
    "Lake Shore Drive",
    "Market Street",
    "Cedar Lane",
    "Amphitheatre Parkway",
]


def en_address(rng: random.Random) -> str:
    base = f"{rng.randint(1, 9999)} {rng.choice(EN_STREETS)}"
    return rng.choice(
        [base, base + f", Apt {rng.randint(1, 40)}", base + ", Springfield, IL 62704", base + ", Suite 300"]
    )
