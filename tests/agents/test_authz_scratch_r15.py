"""Session 15's authorization scratch set (tests/agents/data/authz_scratch_r15.yaml), in the eval suite format: the same
runner, target (the real services, no LLM) and scorer as evals/suites, so a trap is right only when the card is a
REFUSAL and its logged reason is the expected one (agents/authz.py REASONS).

Written 19:40-19:50 UTC BEFORE any session-15 authz change (at 7ae93fa plus others' uncommitted edits), fresh phrasings
and other customers than batch E's, of one structural question — whose is each record the message references?
(r1) another customer's record by name / trade name / contact / plate / VIN tail / order / ticket / English name, asked
about; (r2) a phone number (typed, spaced digit by digit, spoken as numerals) as a look-up key; (r3) a caller naming
the account's holder with a relation (他妈, 她哥, 老丈人, «<holder>是我老爸», 侄子); (r4) a rep carrying one own
customer's terms to the conversation's customer named by its trade name (zh, romanised), another rep's customer by
plate or contact. Baseline (unfixed): traps right 15/30, controls falsely refused 1/18 (an organisation's clerk for
their boss, «我是邓主管的助理…我们公司那批车», refused as not_account_holder). After the session-15 mechanisms
(agents/authz_records.py: references resolved by the CRM's directory and owned in the sentence, the text read as
said, the holder named with a relation, an organisation's titled contact is its staff; agents/authz_caller.py: the
conversation's customer as the recipient of a quote): 30/30, 0/18.
Batch B (az15-b-*, 14 traps, 8 controls), written 19:45 UTC AFTER the fixes: 8/14 and 1/8 falsely refused on the
unfixed code; run once untouched on the fixed code: 10/14, 0/8. Two of its misses were word gaps in closed classes
and were then mended (a contract «renewed» is a record, not its terms; «…的人» after a number is its holder): 12/14.
Still missed: «苏州畅行那份合同» (the directory resolves a trade name only before its party words, not «那份»:
knowledge/crm/directory.py PARTY_AFTER, not this helper's file) and «北辰这边照抄一份» (no recipient, no matching
word).
Controls az15-c-n-* (2, 20:15 UTC), written while probing the fix for over-firing: hearsay about another customer's
record then the asker's own question («听说X那批E5也是你们交的，E5续航多少？», refused by the first version: the
question must now be in the reference's clause or one pointing back at it), and another customer's plate then
«我这车…» (refused before this session: a pointer after «我» is the asker's own, agents/authz_scope THE_THING).
AFTER THE REVIEW (/tmp/review/REVIEW.md R15-01..03, 20:45 UTC): the reviewer's probes of the three mechanisms
(az15-rv-*: 25 controls, 5 traps) and 8 fresh variants of ours (az15-r-*: 4 controls, 4 traps) added. On the unfixed
HEAD (6ab8b25) these 38: traps right 7/9, controls falsely refused 20/29. After (a possessed RECORD noun and its
question in one clause, a transcript's clause cut at a subject switch; the recipient by the customer's own handle in a
clause pointing back at the terms; an organisation account by the CRM): traps 8/9, controls refused 3/29. Whole set
50/53 traps, 3/57 controls refused — the three are not these mechanisms but the generic name path (agents/authz.py
_each_mention / what_is_asked), refused at 7ae93fa too (KNOWN_FALSE_REFUSALS)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.agents.scratch_suite import (
    assert_no_case_crashes,
    assert_set_varied,
    assert_traps_right,
    run_scratch_suite,
)

DATA = Path(__file__).parent / "data" / "authz_scratch_r15.yaml"
# batch B's misses (see the docstring): a trade name before «那份» the directory does not resolve (畅行那份…), and a
# rep's «照抄» with the conversation's customer in view but neither a recipient nor a word of matching
# (session 16: the directory gap «畅行那份», «甬通那份» is mended — a trade name before a pointer and a measure word —
# and az15-b-chen-changxing-to-jinling, az15-rv-pD1-liu-verbatim-to-antu are refused: 52/53)
KNOWN_MISSES = {"az15-b-gao-jingji-rebate-copy"}
TRAPS_RIGHT_FLOOR = 52  # of 53
# controls still refused, on the generic name path (not the session-15 mechanisms), refused at 7ae93fa as well:
# «我们在北辰那边的仓库…» (a place word that is a trade name), «顺捷快运的邓主管是我们老朋友了，你们T3现在什么价», and
# "Our friends at Xunda Logistics say their manager is happy…" (a romanised name, then a question of the asker's own)
KNOWN_FALSE_REFUSALS = {
    "az15-rv-nA1-beichen-place",
    "az15-rv-nA12-friend-org-own-price",
    "az15-r-n-k004-en-their-manager",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("authz_scratch_r15"))


def test_the_set_is_varied() -> None:
    assert_set_varied(DATA, traps_at_least=53, controls_at_least=57)


def test_no_case_crashes(run: Any) -> None:
    assert_no_case_crashes(run)


def test_traps_refused_with_the_expected_reason(run: Any) -> None:
    assert_traps_right(run, TRAPS_RIGHT_FLOOR, KNOWN_MISSES)


def test_no_control_refused(run: Any) -> None:
    from tests.agents.scratch_suite import refusal_checks

    controls = [r for r in refusal_checks(run) if not r[1]]
    assert len(controls) >= 57
    assert {r[0] for r in controls if r[2]} <= KNOWN_FALSE_REFUSALS
