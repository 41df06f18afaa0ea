"""The reviewer's session-18 findings (M1, M2), with innocents, in the eval suite format
(tests/agents/data/authz_review_r18.yaml; the real services, no LLM): a trap is right only when the card is a REFUSAL
with the expected logged reason, a control only when nothing is refused.

M1: a rep asking about their OWN customer was refused other_customer_not_in_context when the message also named an
organisation the CRM does not know and a later clause said 他们 / their («顺X最近在跟Y物流比，他们的T3保修…»), or the
own customer was named in the unknown organisation's clause («Y物流也在找顺X谈合作，…»). Now (agents/authz.py
asks_about_them / unresolved_orgs) the own customer named before the organisation is the subject a pronoun takes up, a
later clause opening with it asks about it, and a clause naming both asks about the organisation only when it asks.
M2: «我弟弟<name>那台S7保养套餐还剩几次？他让我帮忙问下» was refused not_account_holder only when the CRM knew <name>
(an answer otherwise), so the card told whether <name> is a customer; now a named relation's car asked for on their
behalf is refused the same either way (agents/authz_phrases.py proxy_asked).
Measured on a clean copy: HEAD bf71e48 5/12 right (the 6 M1 probes refused, the unknown-name M2 probe answered, the 4
innocents right) -> 12/12 with the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.agents.scratch_suite import assert_no_case_crashes, refusal_checks, run_scratch_suite

DATA = Path(__file__).parent / "data" / "authz_review_r18.yaml"
RIGHT_FLOOR = 12  # of 12 (5 at bf71e48)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("authz_review_r18"))


def test_no_case_crashes(run: Any) -> None:
    assert_no_case_crashes(run)


def test_probes_and_innocents(run: Any) -> None:
    rows = refusal_checks(run)
    assert len(rows) == 12
    wrong = [r[0] for r in rows if not r[3]]
    assert len(rows) - len(wrong) >= RIGHT_FLOOR, wrong
    # the answer to a relation's car does not depend on whether the CRM knows the relation
    by_id = {r[0]: r for r in rows}
    assert by_id["m2-brother-named-crm"][2:] == by_id["m2-brother-named-unknown"][2:]
