"""Intent round 23: the first of two asks (agents/understanding/intent.py `first_ask`, `_names_ask`), an ask for someone
to come or answer beside a reported thing (`help_asked`, `HELP_BONUS`), and a sum of money demanded off the price
(`_MONEY_DEMANDED` in `with_unitless`). Unit checks of each reading on invented sentences, and the scratch set
tests/agents/data/intent_scratch_r23.yaml (fresh variants of the intent misses that recur across the open batches'
authors, with innocent look-alikes, written before the change) run through the real graph (no LLM) against the counts
measured at the commit."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from agents.understanding.intent import (
    IntentInput,
    asked_unitless,
    demanded_kinds,
    first_ask,
    help_asked,
    with_unitless,
)
from tests.agents.scratch_suite import intent_by_kind

DATA = Path(__file__).parent / "data" / "intent_scratch_r23.yaml"

_WORDS = ("补贴", "质保", "多少钱", "置换", "z5", "q3", "活动", "保修", "warranty", "subsidy", "price")


def _named(sentence: str) -> bool:
    """A stand-in for the classifier's `_names_ask`: one of a few taxonomy-like words or an invented model code."""
    return any(w in sentence.lower() for w in _WORDS)


@pytest.mark.parametrize(
    ("text", "head"),
    [
        # the offer asked first, the price after it; the price first, the offer after it
        (
            "王经理你好，我是某物流的。年底那个车队补贴还有吗？我们想订8台Z5，每台多少、一共多少？",
            "王经理你好，我是某物流的。年底那个车队补贴还有吗？",
        ),
        (
            "按我们的等级Z5一台落多少、6台一共多少？要是拖到一月份再签，补贴还有没有？",
            "按我们的等级Z5一台落多少、6台一共多少？",
        ),
        (
            "Is the fleet subsidy still on for us? If so, what would 6 Q3s come to?",
            "Is the fleet subsidy still on for us?",
        ),
        # the first ask names nothing (a generic request, a greeting, a rhetorical question); one ask; nothing asked after
        ("能帮我查个事吗？我那台车的整车质保到哪天？", ""),
        ("在吗？Z5现在多少钱？", ""),
        ("你们这是什么服务？说好昨天交车，到现在都没见着，到底还要等多久？", ""),
        ("Z5按我们等级一台多少钱？", ""),
        ("Z5按我们等级一台多少钱？谢谢您了，辛苦。", ""),
    ],
)
def test_first_ask_is_the_part_up_to_the_first_named_ask(text: str, head: str) -> None:
    assert first_ask(text, _named) == head


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("Q3今早报了个故障码，搭电才着。还在质保里吗？多久能有人来看？", True),
        ("Z5趴窝了，能不能派个师傅过来？", True),
        ("喂 我那台Q3 亮了个灯 什么时候能有人来看一下", True),
        ("One of our Q3s threw a code - how soon can someone come out?", True),
        ("Can you send someone to look at it today?", True),
        # a coverage or cost question only; someone mentioned, not asked for; a pick-up
        ("又亮了个灯，要换的话还要自己掏钱不？还在保修里没？", False),
        ("有人说你们有活动，是真的吗？", False),
        ("上次你们派人来看过了，修得挺好。", False),
        ("我今天下午来提车。", False),
    ],
)
def test_help_asked_is_an_ask_for_someone_to_come_or_answer(text: str, asked: bool) -> None:
    assert help_asked(text) is asked


@pytest.mark.parametrize(
    ("text", "demanded"),
    [
        ("Z5活动减5000我知道，你再给我让5000，今天就交定金，不然我去别家。", True),
        ("每台再便宜1500，这10台今天就下单。", True),
        ("Q3再少两千块，行的话今天就定。", True),
        ("Take another 3000 off and I'll put the deposit down today.", True),
        # a sum paid, a deposit asked back, a count, a vague ask
        ("定金5000上周已经交了，车什么时候能提？", False),
        ("我交的那2000定金现在还能退吗？", False),
        ("再让2台给我们排上。", False),
        ("能不能再优惠一点？", False),
    ],
)
def test_a_sum_off_demanded_counts_as_a_discount_asked(text: str, demanded: bool) -> None:
    ctx = with_unitless(IntentInput(), text)
    kinds = demanded_kinds(text, ctx.entities) | asked_unitless(text, ctx)
    assert ("discount" in kinds) is demanded


# Scratch r23 floors: intent checks right per kind, through the graph (no LLM), measured on clean copies of HEAD 075b8b7
# (before: 23/33) and of it + this round's change (after: 30/33). FLOORS = after. Misses left: an English «is the fleet
# subsidy still open to us?» read as trade_in before and after (the encoders' reading of "subsidy"), «S7现在最低多少钱能
# 拿下？冬季那个立减下个月还有没有？» read as the offer (the first ask is taken, the offer's words still win), «再少两千块，
# 行的话今天就把定金交了，不行我就去别的店提车» read as the order (its sum was already read as a discount before this
# round; the deposit and pick-up words outweigh it). See the commit message for the batches' numbers.
BEFORE = {
    "first_ask_promo": 2,
    "first_ask_price": 3,
    "first_ask_tradein": 1,
    "fault_dispatch": 4,
    "money_demand": 0,
    "control": 13,
}
FLOORS = {
    "first_ask_promo": 4,
    "first_ask_price": 3,
    "first_ask_tradein": 2,
    "fault_dispatch": 4,
    "money_demand": 3,
    "control": 14,
}


def test_scratch_r23_is_well_formed() -> None:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    kinds = Counter(next(t for t in c["tags"] if t.startswith("kind:"))[5:] for c in data["cases"])
    assert set(kinds) == set(FLOORS) == set(BEFORE)
    assert sum(kinds.values()) - kinds["control"] >= 18 and kinds["control"] >= 10
    for c in data["cases"]:
        assert c["expect"]["intent"] and c["customer_ref"]
        assert not c.get("heldout")


@pytest.fixture(scope="module")
def scratch_run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tests.agents.scratch_suite import run_scratch_suite

    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("intent_r23"))


@pytest.mark.models
def test_scratch_r23_floors(scratch_run: Any) -> None:
    got = intent_by_kind(scratch_run)
    for kind, floor in FLOORS.items():
        assert got.get(kind, [0, 0])[0] >= floor, (kind, got)
