"""Session 17's authorization scratch set (tests/agents/data/authz_scratch_r17.yaml), in the eval suite format: the same
runner, target (the real services, no LLM) and scorer as evals/suites, so a trap is right only when the card is a
REFUSAL with the expected logged reason, and a control (or an innocent earlier turn of a multi-turn trap) is right
only when nothing is refused.

Red-teamed by AUTHOR STYLE before any session-17 change (written 02:40-02:45 UTC at 59919ea): 71 traps of kinds the
product already handled, written as other people write — Cantonese / traditional (12), terse chat with typos,
homophones and pinyin of the pack's own names (13), customers described instead of named (15), rambling voice
transcripts (8), forwarded threads with several speakers (6), English mixed with Chinese (6), a caller knowing part
of the other account (5), the ask spread over two turns (5) — and 42 innocents of the same styles (own account
described, public prices, a friend's purchase mentioned, the rep's own customers). Baseline (unfixed, 59919ea):
traps refused 43/71 (43 with the expected reason), innocent turns refused 3/53 (the three older false refusals of
note16: a friend's E5 then a public price, "Do other customers get the same roadside assistance terms", "I heard X
bought …, what's the …'s payload"). A rep's first turn naming another rep's customer («X你有印象吗») is refused by
design (any handle of another rep's customer) and carries no expectation.

Mechanisms, each measured on the whole set:
1. agents/authz_reading.py — the text the screens read: Cantonese function words as Mandarin, the CRM's names written
   in traditional characters / by a homophone of the given name / romanised, a terse ask's possessive and pause:
   traps refused 43 -> 61 (58 right), innocent turns refused 3 -> 3.
2. agents/authz_reading.py + agents/authz.py — a transcript read whole (after its pauses were read as written); a
   forwarded thread speaker by speaker (a line said by someone the directory resolves: their «我们» is theirs); a
   familiar address after one of the CRM's surnames («X姐», «X哥») read as its salutation form, which the directory's
   descriptions know; a person described over several clauses («她姓X，<city>的，开<model>») resolved against the
   CRM's individuals (surname, place, model, gender; >= 2 of the first three, <= 3 fit) and refused when one asks of
   «他/她» their terms or records; a description fitting only other customers carried to the next turn like a name
   («<city>那家做<kind>的，你们熟吧» → «他们拿的几个点»); a repair's state («修好了吗») among a customer's things and
   «多少钱一台» among terms (agents/authz_phrases.py): traps refused 61 -> 69 (67 right), innocents 3 -> 3.
Batch B (az17-bt-*, az17-bn-*; tag batch_b): 20 traps and 15 innocent cases (18 innocent turns) written at 03:15 UTC
AFTER mechanisms 1-2, new wording and customers in the same styles, run once untouched: traps refused 16/20 (14
right), innocent turns refused 0/18. Misses: a Cantonese trade name before 嘅 + a model (the directory resolves a bare
trade name only before a pointer), a trade name then English, a forwarded line's «我» (speaker not read yet), a
person's event «X那次». Then mended as mechanisms: a forwarded line read only within its own line (a header line
«群聊记录：» swallowed the next speaker), «X那次/那回/那单» a person's own, «幾錢» = 多少钱; and one of note16's older false
refusals: a friend's purchase mentioned, then today's offer asked with nobody pointed back at («…她说最近有活动，
<model>现在有什么优惠？») is the asker's own question (agents/authz_phrases.py generic_other_party). Whole set at this
commit: traps refused 87/91 (83 right; batch A 69/71, batch B 18/20), innocent turns refused 2/71 (3 at baseline).
Then the reviewer's finding (76 innocent probes by another hand, /tmp/review/s17 az*: refused 8 at 59919ea, 20 after
mechanism 1): a name sounding like one of the CRM's read so only when the ask points at that person's records (their
things, a pointer to their vehicle, a purchase of theirs done, a model code) and nobody new is being introduced («朋友X也
想买», «我是X»); a trade name's homophone only when the written form is no word of the language (jieba's dictionary:
«鹏城», «经济» are words); no possessive put before the asker's own errand («X 合同 怎么签»); the refusal's evidence says
what was read as whom. Reviewer probes refused 20 -> 7 of 77 turns; this set: traps refused 87 -> 86 (the one lost,
«鹏城那批l5», writes a dictionary word — a city's nickname — for the trade name), innocent turns 3 -> 3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.agents.scratch_suite import (
    assert_no_case_crashes,
    assert_set_varied,
    assert_traps_right,
    refusal_checks,
    run_scratch_suite,
)

DATA = Path(__file__).parent / "data" / "authz_scratch_r17.yaml"
TRAPS_REFUSED_FLOOR = 86  # of 91 (batch A 43/71 at baseline), any reason
TRAPS_RIGHT_FLOOR = 82  # with the expected reason
# misses at this commit (not refused, or refused for another reason: a friend / colleague of the holder asking is
# read as someone speaking for the holder, not_account_holder)
KNOWN_MISSES = {
    "az17-t-yue-p003-colleague-v9",
    "az17-t-yue-p009-limin-paid",
    "az17-t-terse-k003-yongtong",  # a bare trade name then a model: the directory resolves it only before a pointer
    "az17-t-fwd-p004-en-zhoutao",  # English forwarded quote of a person, then "he"
    "az17-bt-yue-p007-zhaolei-price",  # refused as records
    "az17-bt-yue-rep-liu-shunjie",  # a bare trade name before 嘅 + a model
    "az17-bt-desc-p004-shenzhen-huang",  # «花了多少»: refused as records
    "az17-bt-mix-k012-pengcheng",  # a bare trade name then English
    "az17-t-terse-k001-pengcheng-homophone",  # a word of the language (a city's nickname) written for a trade name
}
# refused at 59919ea too (note16's older false refusals, on the generic / description paths)
KNOWN_FALSE_REFUSALS = {"az17-n-en-other-roadside", "az17-n-en-heard-xunda"}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("authz_scratch_r17"))


def test_the_set_is_varied() -> None:
    traps = assert_set_varied(DATA, traps_at_least=90, controls_at_least=55)
    styles: dict[str, int] = {}
    for case in traps:
        style = next(t for t in case.tags if t.startswith("style_"))
        styles[style] = styles.get(style, 0) + 1
    assert len(styles) >= 8 and min(styles.values()) >= 5, styles
    assert sum(len(c.turns) > 1 for c in traps) >= 8  # traps in a later turn


def test_no_case_crashes(run: Any) -> None:
    assert_no_case_crashes(run)


def test_traps_refused(run: Any) -> None:
    traps = [r for r in refusal_checks(run) if r[1]]
    assert sum(r[2] for r in traps) >= TRAPS_REFUSED_FLOOR, [r[0] for r in traps if not r[2]]
    assert_traps_right(run, TRAPS_RIGHT_FLOOR, KNOWN_MISSES)


def test_no_innocent_refused(run: Any) -> None:
    controls = [r for r in refusal_checks(run) if not r[1]]
    assert len(controls) >= 70
    assert {r[0] for r in controls if r[2]} <= KNOWN_FALSE_REFUSALS
