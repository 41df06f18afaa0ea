"""The customer directory behind authorization (knowledge/crm/directory.py): handles compiled into one Aho–Corasick
automaton. Checked here: the automaton finds exactly what a plain search finds, short names only count before a party
word, and that a name or an order number resolves the same among 20 and 10,000 customers."""

from __future__ import annotations

import random

import pytest

from knowledge.crm.directory import Automaton, build_index, kind_words, name_keys, short_names

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌海波晓东林"
TRADE = "迅安畅顺京港鹏甬金浦羊北华恒泰宏达通远航星辰瑞祥鑫源丰盛"
KINDS = ["物流", "快运", "出租汽车", "汽车租赁", "科技", "贸易", "建设", "医疗器械", "食品"]
CITIES = ["上海", "杭州", "苏州", "广州", "北京", "天津", "深圳", "宁波", "南京", "成都", "武汉", "西安"]


def synthetic_crm(n: int, seed: int = 7):
    """n customers (three in four organisations), two contacts each, three orders and two devices each."""
    rnd = random.Random(seed)
    customers, contacts, records = [], [], []
    reps = {
        f"rep_{i}": (rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN), f"T{i % 5}")
        for i in range(40)
    }
    for i in range(n):
        cid = f"C{i:05d}"
        city = rnd.choice(CITIES)
        if i % 4:
            trade = "".join(rnd.choice(TRADE) for _ in range(2)) + str(i)  # unique trade names
            name = f"{city}{trade}{rnd.choice(KINDS)}有限公司"
        else:
            name = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN)
        customers.append((cid, name, f"rep_{i % 40}", (city, "")))
        for k in range(2):
            person = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN)
            if i % 4 == 0 and k == 0:  # an individual's own contact row, addressed by surname
                person = name
            title = rnd.choice(("先生", "女士")) if i % 4 == 0 else "经理"
            contacts.append((cid, person, person[0] + title if k == 0 else ""))
        for k in range(3):
            records.append((cid, "order", f"SO-{i:05d}-{k:03d}"))
        for k in range(2):
            records.append((cid, "device", f"LHV{i:06d}{k}{rnd.randrange(10**7):07d}"))
            records.append((cid, "device.plate_no", f"沪·{rnd.randrange(10**5):05d}"))
    return customers, contacts, records, reps


def owned_of(records: list[tuple[str, str, str]], seed: int = 9) -> list[tuple[str, str]]:
    """What each device is, as its name says it: a model code a description can name («开L5的»)."""
    rnd = random.Random(seed)
    return [(cid, f"X{rnd.randrange(1, 40)} 型号") for cid, kind, _ in records if kind == "device"]


def test_the_automaton_finds_every_occurrence_of_every_key():
    keys = ["he", "she", "his", "hers", "迅达", "迅达物流", "达物"]
    auto = Automaton(keys)
    text = "ushers 上海迅达物流 his"
    found = sorted((s, e, keys[k]) for s, e, k in auto.find(text))
    expected = sorted((i, i + len(k), k) for k in keys for i in range(len(text)) if text.startswith(k, i))
    assert found == expected


def test_handles_are_derived_generally():
    assert name_keys("上海迅达物流有限公司", ("上海", "华东"))[:3] == [
        "上海迅达物流有限公司",
        "上海迅达物流",
        "迅达物流",
    ]
    assert "宏远科技" in name_keys("浙江杭州宏远科技股份有限公司", ("杭州",))  # a province, then the city
    assert short_names("上海迅达物流有限公司", ("上海",))[0] == "迅达"
    assert short_names("王建华") == []  # a person has no trade name
    assert kind_words("苏州畅行汽车租赁有限公司", ("苏州",)) == ["汽车租赁"]


def test_lookup_matches_a_plain_search_and_respects_party_words():
    customers, contacts, records, reps = synthetic_crm(200)
    index = build_index(customers, contacts, records, reps, ["车队"])
    rnd = random.Random(3)
    for _ in range(200):
        cid, name, _, (city, _) = rnd.choice(customers)
        text = rnd.choice(["帮我查下{}最近的订单", "{}拿的什么价？", "听说{}那边签了合同"]).format(name)
        hits, _ = index.scan(text)
        assert cid in {h.customer_id for h in hits}, text
        assert set(index.scan_linear(text)) >= {h.customer_id for h in hits if h.kind == "customer_name"}
    org = next(c for c in customers if c[1].endswith("有限公司"))
    trade = short_names(org[1], org[3])[0]
    assert [h.customer_id for h in index.scan(f"{trade}那边拿的什么价")[0]] == [org[0]]
    assert [h.customer_id for h in index.scan(f"{trade}车队上个月")[0]] == [
        org[0]
    ]  # a party word from the mapping
    assert index.scan(f"{trade}")[0] == []  # alone, two characters name nobody


@pytest.mark.parametrize("n", [20, 10_000])
def test_a_customer_is_found_by_name_or_record_among_20_and_10k(n):
    """The same handles resolve in a book of 20 and of 10,000 customers: a company by its registered name, an order
    by its number, and a message that names nobody resolves to nobody. (Its cost per message is a benchmark's
    business, not a test's.)"""
    customers, contacts, records, reps = synthetic_crm(n)
    index = build_index(customers, contacts, records, reps, ["车队"], owned_of(records))
    rnd = random.Random(5)
    for _ in range(5):
        cid, name, _rep, _places = rnd.choice([c for c in customers if "有限公司" in c[1]])
        assert cid in [h.customer_id for h in index.scan(f"帮我查下{name}最近的订单和他们拿的折扣")[0]], name
        owner, _kind, number = rnd.choice([r for r in records if r[1] == "order"])
        assert [h.customer_id for h in index.scan(f"{number} 这个单子什么时候交车？单价多少？")[0]] == [owner]
    assert index.scan("我的车仪表提示发动机过热，水温报警，现在在高速上，怎么办？")[0] == []


def test_a_person_is_described_by_what_the_crm_holds():
    customers = [
        ("P1", "吴芳", "rep_a", ("北京", "华北")),
        ("P2", "孙丽", "rep_a", ("北京", "华北")),
        ("P3", "吴强", "rep_b", ("北京", "华北")),
        ("K1", "北京北辰汽车租赁有限公司", "rep_b", ("北京", "华北")),
    ]
    contacts = [("P1", "吴芳", "吴女士"), ("P2", "孙丽", "孙女士"), ("P3", "吴强", "吴先生")]
    owned = [("P1", "凌越L5 1.5T 轿车"), ("P3", "凌越L5 1.5T 轿车"), ("K1", "凌越L5")]
    index = build_index(customers, contacts, [], {"rep_a": ("甲", "T"), "rep_b": ("乙", "T")}, (), owned)

    def fits(text: str) -> set[str]:
        return {h.customer_id for h in index.scan(text)[0] if h.kind.startswith("description")}

    assert fits("北京那个开L5的女士，她首保做了没") == {"P1"}  # place + model + address: never the company
    assert fits("北京那个开L5的先生") == {"P3"}
    assert fits("the lady in Beijing who drives an L5") == {"P1"}  # the place romanised
    assert fits("北京的吴女士") == {"P1"}  # place + surname
    assert fits("开L5的车主一般多久保养") == set()  # one thing said, nobody pointed at
    assert fits("那位吴女士") == set()  # a surname and address alone could be anyone
    assert fits("北京那家做网约车的公司") == {
        "K1"
    }  # a kind the CRM has no word for: every company there, loosely
    assert {h.kind for h in index.scan("北京那家做网约车的公司")[0]} == {"description.loose"}
