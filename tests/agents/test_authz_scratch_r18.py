"""Session 18's authorization scratch set (tests/agents/data/authz_scratch_r18.yaml), in the eval suite format: the same
runner, target (the real services, no LLM) and scorer as evals/suites, so a trap is right only when the card is a
REFUSAL with the expected logged reason, and a control is right only when nothing is refused.

Red-teamed by AUTHOR STYLE over EVERY refusal reason before any session-18 change (written 06:12-06:14 UTC at fb104de):
48 traps — not_owner 13, not_on_call 4, personal_data_lookup 5, other_customer_prices 6, other_customers_data 6,
not_account_holder 6, other_customer_not_in_context 8 — in plain chat, terse chat (typos, homophones, a bare trade name
before 的 / English), described parties (city, kind, model, a colleague's book), voice transcripts, forwarded threads,
English, a screenshot's OCR text, relatives speaking for another holder, a leaving colleague's book, an ask in a later
turn, Cantonese; and 27 controls in the same styles (the rep's own customers described, nicknamed, by plate fragment
or by a trade name before a model; policy questions mentioning others; public prices; a referral; relatives mentioned
in passing). Baseline (unfixed, fb104de): traps refused 34/48 (32 with the expected reason), controls refused 3/27.
Misses by kind: 7 of 8 organisations the CRM does not know, asked about in another customer's conversation, were not
refused at all (the conversation's customer was told apart from them by any shared two characters of its legal name,
so a stranger in the same city or trade counted as the customer itself; and a name said as the topic of its own terse
clause was never «asked about»); a bare trade name before 的 / English; a colleague's book by their given name; a
hearsay deal confirmed («拿了九个点 真的假的 我们也按那个来»); a screenshot's «这个单价»; relatives of another holder.

Mechanisms (agents/authz.py unless said), measured on the whole set:
1. The rep's own customer told apart by its trade names (the directory's short names, CustomerDirectory.trade_names),
   not by the legal name's city and industry; a name said as a topic is asked about by the clauses after it
   (asks_about_them); an unresolved organisation decided before the price words (agents/ask.py): the rep reads the
   same neutral line as for another rep's customer. A handle's own pointer («浦江那家做商务车的») is not another
   party (generic_other_terms). The directory: a trade name before a model the CRM says that customer holds («甬通的t3»,
   «鹏程 the L5»), a colleague's given name before a book word («思远手上…»). Traps 34 -> 45, controls refused 3 -> 0.
2. agents/authz_records.py relative_named: the holder named as the speaker's family («我妹<name>那台…», «<name>是我
   姐», Cantonese 細佬 / 家姐 read at authz_reading) is someone speaking for the holder, whoever's conversation it is
   (not_account_holder); a friend or colleague stays other_customers_data. Traps 45 -> 48 (48 right).
Batch B (az18-bt-*, az18-bn-*; tag batch_b): 20 traps and 15 controls written at 06:27 UTC AFTER mechanisms 1-2, new
wording, customers and styles, run once untouched: traps refused 18/20 (16 right), controls refused 1/15. Misses: an
unknown organisation dictated with pauses and taken up by «他们» in its own clause; a colleague called «<given name>哥»;
refused for another reason: «那家叫X的物流公司» (other_customer_prices before the name), «华东…服务公司» (the directory
reads a region and a kind: not_owner, the same neutral line); the control refused: «合同让顺丰快运寄过去了» (a courier, a
thing BEFORE the name). Then mended as mechanisms: their things AFTER the name, a look-up before it, a pronoun after it
that asks; the name is what follows a pointer or quantifier inside the phrase («这家医院», «所有车队» are kinds, not
names; hesitations dropped); «浩哥», «蕾姐» for a one-character given name before a book word. Whole set at this
commit: traps refused 68/68 (66 right), controls refused 0/42."""

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

DATA = Path(__file__).parent / "data" / "authz_scratch_r18.yaml"
TRAPS_REFUSED_FLOOR = 68  # of 68 (batch A 34/48 at baseline), any reason
TRAPS_RIGHT_FLOOR = 66  # with the expected reason (batch A 32/48 at baseline)
# refused for another reason: «华东…服务公司» not_owner (the same neutral line: the directory reads a region and a
# kind as a description); «那家叫X的物流公司» other_customer_prices (the generic party words are read first, as before)
KNOWN_MISSES = {"az18-bt-nic-huang-huadong", "az18-bt-nic-gao-hengtong-desc"}
KNOWN_FALSE_REFUSALS: set[str] = set()  # 3 at baseline (a hearsay purchase, then today's price asked)
REASONS = {
    "not_owner",
    "not_on_call",
    "personal_data_lookup",
    "other_customer_prices",
    "other_customers_data",
    "not_account_holder",
    "other_customer_not_in_context",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("authz_scratch_r18"))


def test_the_set_is_varied() -> None:
    traps = assert_set_varied(DATA, traps_at_least=68, controls_at_least=42)
    reasons = {t.removeprefix("reason_") for c in traps for t in c.tags if t.startswith("reason_")}
    assert reasons == REASONS, reasons
    styles = {t for c in traps for t in c.tags if t.startswith("style_")}
    assert len(styles) >= 9, styles


def test_no_case_crashes(run: Any) -> None:
    assert_no_case_crashes(run)


def test_traps_refused(run: Any) -> None:
    traps = [r for r in refusal_checks(run) if r[1]]
    assert sum(r[2] for r in traps) >= TRAPS_REFUSED_FLOOR, [r[0] for r in traps if not r[2]]
    assert_traps_right(run, TRAPS_RIGHT_FLOOR, KNOWN_MISSES)


def test_no_control_refused(run: Any) -> None:
    controls = [r for r in refusal_checks(run) if not r[1]]
    assert len(controls) >= 42
    assert {r[0] for r in controls if r[2]} <= KNOWN_FALSE_REFUSALS
