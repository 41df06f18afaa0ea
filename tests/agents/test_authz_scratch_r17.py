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
   traps refused 43 -> 61 (58 right), innocent turns refused 3 -> 3."""

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
TRAPS_REFUSED_FLOOR = 61  # of 71 (43 at baseline), any reason
TRAPS_RIGHT_FLOOR = 58  # with the expected reason (43 at baseline)
# misses at this commit (not refused, or refused for another reason: a friend / colleague of the holder asking is
# read as someone speaking for the holder, not_account_holder)
KNOWN_MISSES = {
    "az17-t-yue-p003-colleague-v9",
    "az17-t-yue-p009-limin-paid",
    "az17-t-terse-k001-pengcheng-homophone",
    "az17-t-terse-k003-yongtong",
    "az17-t-desc-p010-beijing-l5-lady",
    "az17-t-desc-p005-v9-linjie",
    "az17-t-voice-p003-friend-hewei",
    "az17-t-voice-k004-yangcheng-price",
    "az17-t-voice-p006-neighbour-sunli",
    "az17-t-fwd-p004-en-zhoutao",
    "az17-t-fwd-k002-beichen",
    "az17-t-part-p002-wu-beijing",
    "az17-t-two-k010-desc",
}
# refused at 59919ea too (note16's older false refusals, on the generic / description paths)
KNOWN_FALSE_REFUSALS = {"az17-n-friend-e5-offer", "az17-n-en-other-roadside", "az17-n-en-heard-xunda"}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("authz_scratch_r17"))


def test_the_set_is_varied() -> None:
    traps = assert_set_varied(DATA, traps_at_least=60, controls_at_least=40)
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
    assert len(controls) >= 50
    assert {r[0] for r in controls if r[2]} <= KNOWN_FALSE_REFUSALS
