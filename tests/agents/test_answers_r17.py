"""Answers round 17 (issue #15): the mechanisms behind tests/agents/data/answers_scratch_r17.yaml, one table each.
End to end the scratch set measures them: tests/agents/test_answers_scratch.py (r17 row)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from agents.actions.stance import stances
from agents.drafting.template import in_english
from agents.reasoning.asks import stated_total
from agents.reasoning.authority import asked_at
from agents.reasoning.base import _others_clause, bare_points, english_counts
from agents.reasoning.dates import proposed_day
from agents.reasoning.declined import without_declined
from agents.reasoning.offers import ORDER_BY
from agents.tenant import TenantConfig

TENANT = Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "autodealer"


@pytest.fixture(scope="module")
def dealer() -> TenantConfig:
    return TenantConfig.load(TENANT)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # declined / done: the words naming the offer leave the clause that turns it down
        ("E5质保啥时候到期 延保就免了 不考虑", "E5质保啥时候到期"),
        (
            "When does my L5's warranty end? Not interested in the extended warranty btw.",
            "When does my L5's warranty end?",
        ),
        ("孙顾问，V9的质保到哪天？延保我提车的时候就已经买过了，不用再推给我了", "V9的质保到哪天？"),
        ("就是我那台白色的SUV 它那个质保到哪天啊 然后那个延保啊 算了 不要了", "质保到哪天啊"),
        # another clause still asking about it keeps its words
        ("延保就不考虑了，不过延保一般什么时候生效？", "不过延保一般什么时候生效？"),
    ],
)
def test_a_declined_offer_asks_for_nothing(dealer: TenantConfig, text: str, kept: str) -> None:
    out, found = without_declined(text, dealer)
    assert found, text
    assert kept in out
    declined_clause = out.replace(kept, "")
    assert "延保" not in declined_clause and "extended warranty" not in declined_clause.lower()


@pytest.mark.parametrize(
    "text",
    [
        "E5质保啥时候到期？延保多少钱",
        "我已经决定了要买延保，L5的延保多少钱",
        "延保不是免费的吧？S7买延保要多少钱",  # 免费 is no refusal
        "How much is the extended warranty for my L5? And when does the current warranty end?",
        "延保要不要买？划算吗",  # an A-not-A question
        "不买延保的话，坏了怎么办",  # a condition
    ],
)
def test_an_asked_offer_is_untouched(dealer: TenantConfig, text: str) -> None:
    out, found = without_declined(text, dealer)
    assert out == text and not found


@pytest.mark.parametrize(
    "text",
    [
        # r17b: a decline denied is no decline («不是不…», «并不是不…», «也不是说不…», Cantonese, English)
        "我不是不想买延保，就是想问下多少钱",
        "我不是不要延保，就是觉得贵，能便宜点吗",
        "并不是不考虑延保，想先知道价格",
        "延保也不是说不要，多少钱来着",
        "我唔係唔要延保，想問下幾多錢",
        "喂 那个 延保啊 我也不是 不想买 就是 想问一下 多少钱",
        "It's not that I don't want the extended warranty, how much is it?",
    ],
)
def test_a_denied_decline_declines_nothing(dealer: TenantConfig, text: str) -> None:
    assert stances(text, dealer) == {}
    assert without_declined(text, dealer) == (text, {})


@pytest.mark.parametrize(
    "text",
    [
        # declined, but another clause asks the price of nothing else: the price is told
        "延保先不要了，不过想问下多少钱",
        "I don't need the extended warranty now, how much is it though?",
        "延保暂时不考虑，价格是多少？",
    ],
)
def test_a_price_asked_back_keeps_the_declined_offer(dealer: TenantConfig, text: str) -> None:
    out, found = without_declined(text, dealer)
    assert found == {"sell_extended_warranty": "declined"}
    assert out == text


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # a price clause naming another thing, a negated one, or no price asked: the offer still leaves
        ("延保就免了，E5质保到哪天", "E5质保到哪天"),
        ("延保不要了，E5多少钱", "E5多少钱"),
        ("延保不要了，E5质保到哪天，保养一次多少钱", "保养一次多少钱"),
        ("延保不要了 多少钱都不要", "多少钱都不要"),
        ("不是不想，延保真不需要", "不是不想"),
    ],
)
def test_a_price_of_something_else_drops_the_declined_offer(
    dealer: TenantConfig, text: str, kept: str
) -> None:
    out, found = without_declined(text, dealer)
    assert found and kept in out and "延保" not in out


def test_no_tenant_declines_nothing() -> None:
    assert without_declined("延保就免了", None) == ("延保就免了", {})


TODAY = date(2026, 11, 20)  # a Friday


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "I'm planning to sign for an L5 around mid-January. Will the winter deal still be on?",
            date(2027, 1, 11),
        ),
        ("If I sign the L5 contract on January 15th, can I still get the discount?", date(2027, 1, 15)),
        (
            "thinking of ordering another S7 end of January, does the 8000 off still work then",
            date(2027, 1, 21),
        ),
        ("so I'd order the S7 in early February", date(2027, 2, 1)),
        ("sign on Jan 15", date(2027, 1, 15)),
        ("I'll sign for an L5 on December 15.", date(2026, 12, 15)),
        ("delivery in January, I will sign on the 15th of December", date(2026, 12, 15)),
        # no day to come, or none an order word governs
        ("We bought two in March, want to order more", None),
        ("we ordered in January", None),
        ("I may order one", None),  # "may" is a verb
        ("My insurance expires in January, want to order an S7 now", None),
        ("The January service was fine", None),
    ],
)
def test_an_english_month_is_an_order_day(text: str, want: date | None) -> None:
    got = proposed_day(english_counts(text), TODAY)
    assert (got[1] if got else None) == want, got


def test_an_offer_inside_its_window_says_the_condition_not_a_promise() -> None:
    """No order day named: the window's last day and that the order day decides, never «您符合条件»."""
    assert "您符合条件" not in ORDER_BY
    said = ORDER_BY.format(end="2026年12月31日")
    english = in_english(f"冬季活动：每台立减8000元，{said}", {})
    assert "2026" in english and "order day decides" in english and "qualify" not in english


@pytest.mark.parametrize(
    ("text", "written", "total"),
    [
        # the whole discount, the tier inside it
        ("陈经理，L5我们要4台，一共给7个点行不行？单价多少", "7个点", True),
        ("对，总共6个点，能批不？", "6个点", True),
        ("T3一共打个九折 能做不", "九折", True),
        ("加起来 九个点 能不能做", "九个点", True),
        ("Can you do 8% all-in (tier included) on 10 S7s?", "8%", True),
        ("连阶梯一起算9个点", "9个点", True),
        # an increment, or a count the total word is about
        ("我们一共要10台能给5个点吗", "5个点", False),
        ("L5在阶梯价基础上再加3个点", "3个点", False),
        ("T3再让2个点吧", "2个点", False),
        ("能不能给8个点", "8个点", False),
    ],
)
def test_a_stated_total_holds_the_tier(text: str, written: str, total: bool) -> None:
    assert stated_total(text, written) is total


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("T3再订5台 总共让7个 单价多少", "T3再订5台 总共让7个点 单价多少"),
        ("也便宜3个呗", "也便宜3个点呗"),
        ("优惠3个", "优惠3个点"),
        ("让两个吧", "让两个点吧"),
        # a count of things keeps its noun
        ("便宜3个月", "便宜3个月"),
        ("能不能少2个人", "能不能少2个人"),
        ("再减1个工时", "再减1个工时"),
        ("打个9折", "打个9折"),
        # r17b: a noun after the measure word is what the figure counts (people, roles, vehicles), read by its tag
        ("周六能让7个司机一起来店里试驾T3吗", "周六能让7个司机一起来店里试驾T3吗"),
        ("让3个师傅上门保养可以吗，多少钱", "让3个师傅上门保养可以吗，多少钱"),
        ("让2个驾驶员先来提车行不行", "让2个驾驶员先来提车行不行"),
        ("让两个客户经理来对接一下", "让两个客户经理来对接一下"),
        ("T3能让3个新手司机开吗", "T3能让3个新手司机开吗"),
        # … a pronoun, an adverb, a verb, a particle or a space after it leaves points
        ("L5再让3个我马上定", "L5再让3个点我马上定"),
        ("L5再让3个就签", "L5再让3个点就签"),
        ("总共让7个行不行", "总共让7个点行不行"),
        ("能便宜3个不", "能便宜3个点不"),
        ("再让2个 T3我就签", "再让2个点 T3我就签"),
        ("让5个，今天就签", "让5个点，今天就签"),
    ],
)
def test_points_said_without_their_unit(text: str, want: str) -> None:
    assert bare_points(text) == want


def test_the_figure_asked_is_its_last_mention() -> None:
    text = "我表姐买L5 给她打了九八折 我这回想要V9 也给我九八折吧"
    assert asked_at(text, "九八折") == text.rfind("九八折")
    assert asked_at(text, "九五折") is None


@pytest.mark.parametrize(
    ("text", "model", "theirs"),
    [
        ("邻居买S7便宜了3个点 我看中的是L5 也便宜3个呗", "S7", True),
        ("邻居买S7便宜了3个点 我看中的是L5 也便宜3个呗", "L5", False),
        ("我同事提了台X7，我想买台Z5", "X7", True),
    ],
)
def test_a_space_in_chat_ends_a_clause(text: str, model: str, theirs: bool) -> None:
    assert _others_clause(text, text.find(model)) is theirs
