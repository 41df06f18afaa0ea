"""Session 18: the mechanisms behind the authz scratch set r18, each with the innocent shapes next to it. Invented names
where the directory is built here: a trade name before a model the CRM says that customer holds, a colleague by given
name, the conversation's own customer told apart by its trade name (not its city or industry), a name said as a topic,
a kind pointed at is not a name, a relative of another holder."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from agents.authz import _named_part, asks_about_them, own_forms
from agents.authz_reading import directory_of
from agents.authz_records import relative_named
from knowledge.crm.directory import build_index

INDEX = build_index(
    [
        ("C1", "上海某甲物流有限公司", "r1", ("上海", "")),
        ("C2", "杭州某乙出租汽车有限公司", "r2", ("杭州", "")),
        ("C3", "某丙", "r2", ("某市", "")),
    ],
    [("C1", "某丁", "某经理"), ("C3", "某丙", "某女士")],
    [("C1", "device", "ABCDE1234FG801008")],
    {"r1": ("甲乙丙", "T1"), "r2": ("丁戊", "T2")},
    owned=[("C1", "某车型X3 V-X3"), ("C2", "某车型Q5 V-Q5")],
)


class _Directory:
    """A port that is the directory itself (index / trade_names / mentions)."""

    def index(self):  # type: ignore[no-untyped-def]
        return INDEX

    def trade_names(self, cid: str) -> tuple[str, ...]:
        return INDEX.trade_names(cid)

    def mentions(self, text: str):  # type: ignore[no-untyped-def]
        return INDEX.scan(text)[0]


@pytest.mark.parametrize("text", ["某甲的x3 交了几台", "某甲 the X3 batch", "某甲嘅X3", "某甲 X3 保养"])
def test_a_trade_name_before_a_model_the_customer_holds_names_it(text: str) -> None:
    assert [h.customer_id for h in INDEX.scan(text)[0]] == ["C1"], text


@pytest.mark.parametrize("text", ["某甲的Q5 多少钱", "某甲的天气", "某甲 the weather"])
def test_a_trade_name_before_another_model_or_word_names_nobody(text: str) -> None:
    assert INDEX.scan(text)[0] == [], text


def test_a_colleague_by_given_name_before_a_book_word() -> None:
    assert [r.rep_id for r in INDEX.scan("乙丙手上那个杭州的客户")[1]] == ["r1"]
    assert [r.rep_id for r in INDEX.scan("戊哥手里那几家")[1]] == ["r2"]
    assert INDEX.scan("乙丙说这个政策下周改")[1] == []


def test_the_public_accessors_give_names_not_facts() -> None:
    d = _Directory()
    assert directory_of(SimpleNamespace(_port=d)) is d
    assert "某甲" in INDEX.trade_names("C1")
    assert INDEX.trade_names("C3") == ()
    # the conversation's customer told apart by its trade name, not by its city or industry words
    assert own_forms(d, "C2", "杭州某乙出租汽车有限公司") == "某乙"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("某戊物流 去年在咱这拿了多少台 啥折扣", "某戊物流"),
        ("btw 某戊物流 上次 quote 给了多少", "某戊物流"),
        ("群里的：\n张总（某戊物流）：我们那批车啥时候到？\n帮我看下他们订单", "某戊物流"),
        ("某戊物流他们的车交了没", "某戊物流"),
        ("帮我查下某戊物流", "某戊物流"),
    ],
)
def test_a_name_said_as_a_topic_is_asked_about_by_what_follows(text: str, name: str) -> None:
    assert asks_about_them(text, name), text


@pytest.mark.parametrize(
    ("text", "name"),
    [("合同让某戊快运寄过去了 明天到", "某戊快运"), ("某戊物流 我们下周去拜访 你准备下资料", "某戊物流")],
)
def test_a_name_not_asked_about(text: str, name: str) -> None:
    assert not asks_about_them(text, name), text


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("这家医院", ""),
        ("所有车队", ""),
        ("那家做物流", ""),
        ("全公司", ""),
        ("那个呃广州某戊出租", "广州某戊出租"),
    ],
)
def test_a_kind_pointed_at_is_not_a_name(said: str, name: str) -> None:
    assert _named_part(said) == name


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("我妹某丙那台车的套餐还剩几次", True),
        ("某丙是我表姐 她那台车保养哪天做的", True),
        ("我是某丙的弟弟 她那台车质保到哪天", True),
        ("我朋友某丙那台车保到啥时候", False),
        ("我同事某丙的车哪天提的", False),
    ],
)
def test_a_relative_of_the_holder_is_told_from_a_friend(text: str, family: bool) -> None:
    at = text.index("某丙")
    assert relative_named(text, at, at + 2) is family, text
