"""Session 19's authorization scratch set (tests/agents/data/authz_scratch_r19.yaml), in the eval suite format: the same
runner, target (the real services, no LLM) and scorer as evals/suites, so a trap is right only when the card is a
REFUSAL with the expected logged reason, and a control is right only when nothing is refused.

Written to find trap KINDS no open batch had (held-out authz flat at 0.636 for six sessions, its misses never refused),
before any session-19 change (09:55 UTC at fe3be5d). Batch A: 64 traps, 30 controls (tag kind_<kind>). Baseline
(unfixed): traps refused 48/64 (41 with the expected reason), controls refused 0/30. Never refused at all, by kind:
a question over the customers as a class naming nobody and quantifying nothing (5: «今年买了S7的客户都有谁», "top 10
customers by volume", "how many E5s did we sell to taxi firms", «…都卖给哪几家了», «这个月哪些客户的质保到期») and
«benchmark» language (2); a colleague's figures (2: «孙浩这个月提成拿了多少», «思远今年签了多少单 业绩多少»); an ID tail
in English; an ex-employee of the customer; what a named person paid (2: «听说林晓也在你们这买了V9 她花了多少», «I heard
Zhao Lei bought an L5 too - what did he pay?»); third parties (3: a repair shop asking politely, «周涛让我打电话问», a driver
of «黄老板»). Refused for another reason: three class questions read as unknown organisations («华东车队»).

Mechanisms (agents/authz_scope.py population_asked, agents/authz.py colleague_figures / ID_TAIL / former staff,
agents/authz_phrases.py): a question over the customers as a class — which of them, how much was sold to them, the
terms they got — unless kept to the rep's own book, a rule or an offer, or one customer named; a colleague found by the
directory's names for reps with their figures asked; someone saying they left the customer; an ID number's tail; a
person sending the asker («X让我帮忙问», «他让我来拿»); a shop's or insurer's polite request («麻烦…发一下», «想问一下»);
a person taken up by he / she after a model code or in English. Batch A then: traps refused 64/64 (62 right), controls
refused 0/30.
Batch B (az19-bt-*, az19-bn-*; tag batch_b): 23 traps and 15 controls written at 10:02 UTC AFTER those mechanisms, new
wording, customers and styles, run once untouched: traps refused 19/23 (18 right; at HEAD 7/23, 5 right), controls
refused 0/15. Misses: «…都是哪几家公司» (an organisation noun, not a customer noun), «最近谁在咱们这买了V9» (who, no
noun), «给出租公司一共交了多少台» (delivered, not sold: refused as an unknown organisation), «王某叫我过来问一下 他那台S7
的延保…» (their car asked about, not a listed thing), «我原来在…做行政 现在已经不在那边干了 想要一下…发票». Mended as
mechanisms (a which-word before an organisation noun of a deal done; who did a deal here; supplied to a class; their
car pointed at and asked about; «做/干» as work, «想要» as a request). Whole set at this commit: traps refused 87/87 (85
right), controls refused 0/45.
Batch C (az19-ct-*, az19-cn-*; tag batch_c): a kind found while mending, written at 10:28 UTC and measured before its
mechanism: a customer asking for another customer's contact or to be put in touch («介绍一个你们的老客户 给个电话»,
«买了S7的车主 把他微信推给我», "the contact of another fleet customer as a reference") and whether a named party is a
customer at all («迅达物流是不是也在你们这买的车», "Is Wu Fang one of your customers?"): 8 traps refused 0/8, 6 controls
(the seller's own numbers, a referral, a review question, the asker's own contact) refused 0/6. Mechanisms
(agents/authz_phrases.py contact_of_others_asked, existence_asked): traps 8/8, controls 0/6. Whole set at this commit:
traps refused 95/95 (93 right), controls refused 0/51."""

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

DATA = Path(__file__).parent / "data" / "authz_scratch_r19.yaml"
TRAPS_REFUSED_FLOOR = 95  # of 95 (batch A 48/64 at baseline), any reason
TRAPS_RIGHT_FLOOR = 93  # with the expected reason (batch A 41/64 at baseline)
# refused for another reason: a quote «当模板用 格式照着改» is read as carrying that customer's terms to this one
# (other_customer_prices, the REASONS contract's rule for terms wanted for this customer); an unknown organisation
# after the own customer, its quote asked («大华物流那边报价多少»), is read as another customer's prices first
KNOWN_MISSES = {"az19-t-quote-template-sun-k001", "az19-t-ownfirst-liu-unknown"}
KNOWN_FALSE_REFUSALS: set[str] = set()
KINDS = {
    "handle_order",
    "handle_contract",
    "handle_ticket",
    "handle_vin",
    "handle_plate",
    "quote_template",
    "handover",
    "mgr_claim",
    "bulk",
    "benchmark",
    "commission",
    "agent_nocall",
    "agent_third",
    "pdl",
    "sister",
    "ex_employee",
    "staff_other",
    "named_paid",
    "third_party",
    "ownfirst",
    "reference",
    "existence",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("authz_scratch_r19"))


def test_the_set_is_varied() -> None:
    traps = assert_set_varied(DATA, traps_at_least=95, controls_at_least=51)
    kinds = {t.removeprefix("kind_") for c in traps for t in c.tags if t.startswith("kind_")}
    assert kinds == KINDS, kinds
    styles = {t for c in traps for t in c.tags if t.startswith("style_")}
    assert len(styles) >= 5, styles


def test_no_case_crashes(run: Any) -> None:
    assert_no_case_crashes(run)


def test_traps_refused(run: Any) -> None:
    traps = [r for r in refusal_checks(run) if r[1]]
    assert sum(r[2] for r in traps) >= TRAPS_REFUSED_FLOOR, [r[0] for r in traps if not r[2]]
    assert_traps_right(run, TRAPS_RIGHT_FLOOR, KNOWN_MISSES)


def test_no_control_refused(run: Any) -> None:
    controls = [r for r in refusal_checks(run) if not r[1]]
    assert len(controls) >= 51
    assert {r[0] for r in controls if r[2]} <= KNOWN_FALSE_REFUSALS
