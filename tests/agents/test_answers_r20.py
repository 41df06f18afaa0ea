"""Answers round 20: the mechanisms behind tests/agents/data/answers_scratch_r20.yaml (the kinds of blind batch J's
must-mention misses), one table each, and the scratch set run end to end through the real graph (no LLM).

Scratch r20 (36 messages, 5 of them innocents that must not change: dp-e, dp-f, dp-g, cr-d, hp-d), measured on the session-start code (04d7dfd) before any fix:
items 32/61, 15/36 cases, 1 must-not-claim break (tp-e: an English "8 of them" priced the whole batch). After this round's fixes (the pack's English measure words and
model codes in English counts, the count said to work by, the rest of a batch not traded, a pack term heard through a
homophone, a deposit asked as the first payment, a fact's table cells in the tenant's English, a renewal window's
opening day, a follow-up asking its question of the matter before, the model of the turn before for a longer turn that
prices a count, the price of the model bought as the final price, "8 of them"): items 57/61, 34/36 cases, 0 breaks. Misses:
ec-d (the English draft does not say the in-authority price the fact states: drafting, board), cr-c (an English
correction turn read as out of scope: intent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.reasoning.asks import asked_units
from agents.reasoning.base import english_counts
from agents.reasoning.homophones import heard_terms
from tests.agents.scratch_suite import must_mention_items, must_not_claim_breaks, run_scratch_suite

DATA = Path(__file__).parent / "data" / "answers_scratch_r20.yaml"
NOUNS = ("vehicles", "vans", "sedans", "SUVs")  # a pack's English measure words (tools.yaml count_units_en)
TERMS = ("延保", "保养套餐", "蓄电池")  # a pack's terms (tools.yaml synonyms)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("we'd like 7 X7 SUVs for the shuttle", "7台X7"),  # the pack's word after the model code
        ("Please price 9 Z5 sedans for us", "9台Z5"),
        ("a formal offer on 4 K9 people carriers", "4台K9"),  # two words between the count and the code
        ("We trade in 6 of the twelve old K2s this round", "6台K2"),  # of the N: the count chosen
        ("quote for Z5 x 12 please", "12台Z5"),
        ("make it 11 units", "11台"),  # the neutral measure word
        ("another 4 new vans", "4台"),
        ("We have 12 old K2s. What if we only trade in 8 of them?", "8台"),  # of the assets just named
    ],
)
def test_an_english_count_reads_the_packs_words_and_model_codes(text: str, read: str) -> None:
    assert f"（{read}）" in english_counts(text, nouns=NOUNS)


@pytest.mark.parametrize(
    "text",
    [
        "delivery in 2 weeks for the X7 please",  # a measure of time before the code
        "can you do 3 points off the X7",
        "I have 2 points to raise about the Z5",
        "we have 3 dogs",  # a noun the pack does not count
    ],
)
def test_innocents_are_no_english_counts(text: str) -> None:
    assert "台" not in english_counts(text, nouns=NOUNS)


def test_a_count_of_vans_needs_the_pack_word() -> None:
    assert "台" not in english_counts("another 4 new vans")  # a pack that counts no vans
    assert "（4台）" in english_counts("another 4 new vans", nouns=NOUNS)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("老板说再加2台，按14台算，总价多少", "14台"),
        ("数量改成20台，总价多少", "20台"),
        ("Correction - make it 11 units（11台）. What is the total", "11台"),
        # innocents: one count; a claim about someone else's order first; a basis word with no other count
        ("再订3台", "3台"),
        ("听说江华上周订了6台X7，我们也想订3台", "3台"),
        ("Z5 15台，单价按我们的折扣", "15台"),
    ],
)
def test_the_count_said_to_work_by_is_the_one_asked(text: str, count: str) -> None:
    m = asked_units(text)
    assert m is not None and m.group(0) == count


@pytest.mark.parametrize(
    ("text", "batch", "units"),
    [
        ("本来想12台一起置换，财务说预算不够，先换8台，剩下4台明年下半年再说", 12, 8),
        ("原计划12台全换，这次只换5台，另外7台明年再说", 12, 5),
        ("一共12台，先拿10台出来置换，剩下2台留着跑机场线", 12, 10),
        ("We trade in 6 of the 12 old K2s（6台K2） now and the other 6 K2s（6台K2） next year", 12, 6),
        ("那12台老K2全部置换", 12, 12),  # innocent: the whole batch
    ],
)
def test_the_rest_of_a_batch_is_not_what_is_traded(text: str, batch: int, units: int) -> None:
    from agents.reasoning.tiers import _traded_units

    assert _traded_units(text, batch) == units


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("让我考虑一下烟保 好像是五千八", "烟保（延保）"),
        ("你们那个颜保大概要多少钱", "颜保（延保）"),
        ("X7的言保现在什么价格", "言保（延保）"),
        ("车队宝养套餐我们10台", "宝养套餐（保养套餐）"),
    ],
)
def test_a_pack_term_is_heard_through_a_homophone(text: str, read: str) -> None:
    assert read in heard_terms(text, TERMS)


@pytest.mark.parametrize(
    "text",
    [
        "我平时在车里抽烟保养的时候能顺便帮我清洗下空调吗",  # 抽烟 + 保养: an edge makes a word
        "我的电话和地址你们会严格保密吧",  # dictionary words
        "延保多少钱",  # the term as written
        "研究一下保养",
    ],
)
def test_innocents_hear_no_term(text: str) -> None:
    assert heard_terms(text, TERMS) == text
    assert heard_terms(text, ()) == text


def test_a_follow_up_asks_its_question_of_the_matter_before() -> None:
    from agents.reasoning.config import Need

    need = Need(
        words=["到期"],
        with_words=["一台多少", "总共"],
        unless_words=["质保"],
        tools=["package_renewal_price"],
    )
    assert need.asked("一台多少，总共多少？", subject="我们车队的保养合同快到期了")
    assert not need.asked("一台多少，总共多少？")  # no turn before
    assert not need.asked("好的谢谢", subject="我们车队的保养合同快到期了")  # asks nothing
    assert not need.asked("一台多少？", subject="我的质保快到期了")  # the matter before is not this need's


def test_a_window_opens_days_before_an_end() -> None:
    from datetime import date

    from agents.reasoning.config import ToolSpec
    from agents.reasoning.records import _compute

    spec = ToolSpec(id="w", tool="crm_record", compute={"opens": "end_date - 30", "last": "end_date + 7"})
    scope: dict[str, object] = {"end_date": "2026-12-31"}
    values: dict[str, object] = {}
    assert _compute(spec, scope, values, date(2026, 11, 20)) is None
    assert scope["opens"] == "2026-12-01" and scope["last"] == "2027-01-07"


# ------------------------------------------------------------------ the scratch set end to end
ITEMS_FLOOR, CASES_FLOOR = 0.93, 34  # measured at this commit: 57/61 items, 34/36 cases (docstring)


@pytest.fixture(scope="module")
def scratch_run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("r20"))


def test_scratch_set_is_new_and_hand_computed() -> None:
    text = DATA.read_text(encoding="utf-8")
    assert text.count("  - id: scr-r20-") >= 36
    assert "heldout" not in text.split("cases:")[1]  # never a held-out case


def test_scratch_must_mention(scratch_run) -> None:  # type: ignore[no-untyped-def]
    hit, total = must_mention_items(scratch_run)
    assert total >= 61
    assert hit / total >= ITEMS_FLOOR, f"{hit}/{total}"
    passed = sum(1 for c in scratch_run.cases if c.status == "pass")
    assert passed >= CASES_FLOOR, f"{passed}/{len(scratch_run.cases)} cases"


def test_scratch_no_must_not_claim_broken(scratch_run) -> None:  # type: ignore[no-untyped-def]
    assert not must_not_claim_breaks(scratch_run)
