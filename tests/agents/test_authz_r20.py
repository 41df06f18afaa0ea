"""Session 20's authorization scratch set (tests/agents/data/authz_scratch_r20.yaml), in the eval suite format: the same
runner, target (the real services, no LLM) and scorer as evals/suites, so a trap is right only when the card is a
REFUSAL with the expected logged reason, and a control is right only when nothing is refused.

Written at 04d7dfd before any session-20 authz change, to try kinds no open batch had (held-out authz flat at 7/11 for
seven sessions, its misses never refused): the CUSTOMER side (someone claiming to be, or writing for, another CRM
customer; what similar-sized fleets usually get; another company's quote forwarded to be confirmed; a driver who is not
the account holder asking for the invoice or an account change), the CHANNEL side (a caller asking about another
customer's plate or VIN; an agent on a call asked about a friend's car; a 微信客服 user whose message concerns another
customer) and rep asks (a draft to another rep's customer, ranking / export beyond the own book, injection-styled).
Batch A: 48 traps, 32 controls. Baseline (unfixed, 04d7dfd): traps refused 41/48 (35 with the expected reason),
controls refused 4/32. Never refused: a customer claiming to be another CRM customer with no «是» or in English ("Cao Yang
here from …", «我是<another customer> … 我那台…»), a driver or someone who says the car is not theirs asking for the
invoice or to change the account (×3), peers' usual terms in English or slang ("fleets of our size usually end up
paying"). Falsely refused: an organisation's driver or clerk saying «我们公司» (read as a third-party establishment ×2),
a company named in passing before the asker's own price (one clause across a pause), «出租公司这类客户» (read as an
unknown organisation).

Mechanisms: a party the CRM resolves claimed as the asker themself, then the asker's own things asked (agents/
authz_phrases.py claimed_identity: «我是X», «我X啊», "X here", "It's X", a message signed with X); a person's account
(the CRM's kind of customer) asked of by someone who says it is not theirs (agents/authz_caller.py holder_disowned);
the asker's peers' usual terms (peers_typical_terms); an establishment that is «我们公司» is the asker's own; a
kind said as a class («…这类客户») is no organisation; a pause then «我们…» ends what is asked of a party named before
it; a trade name before «那12台» (a number and a measure word) names its customer (knowledge/crm/directory.py
PARTY_AFTER); a rep's table («拉个表», «做个表») over every customer of a region is the population's rows
(J's bulk ask); a contract asked for its dates under a claim is a record. Batch A then: traps 48/48, controls 0/32.

Batch B (az20-bt-*, az20-bn-*; tag batch_b): 14 traps and 11 controls written AFTER the first of those mechanisms, new
wording, customers and styles, run once untouched: traps refused 9/14, controls refused 2/11 (misses: a message
signed «蒋某，某公司采购。», «我吴芳啊», "similar size的taxi fleet", «羊城那20台E5的交车日期», a bare plate with «还有多久»;
false: «车主是我本人» said with a pause, every East China individual customer — all the rep's own by the CRM). Mended
as mechanisms (a signature, «我X» with no «是», «similar size», delivery as a record, «多久» a question about an
identified thing, «车主是我本人» read across the pause). Whole set at this commit: traps refused 62/62 (59 right),
controls refused 1/43: the rep's table of every East China individual customer, whom the CRM shows are all his own —
deciding that needs the population resolved against the CRM's owners (agents/ask.py's path, not this helper's).
"""

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

DATA = Path(__file__).parent / "data" / "authz_scratch_r20.yaml"
TRAPS_REFUSED_FLOOR = 62  # of 62, any reason (batch A 41/48 at baseline)
TRAPS_RIGHT_FLOOR = 59  # with the expected reason (batch A 35/48 at baseline)
# refused for another reason: a voice claim asking whether a contract «续了没有» (read as its terms); a region's
# customers, all another rep's, summarised (not_owner: their owner decides first); "list … what they paid" (prices)
KNOWN_MISSES = {
    "az20-t-claim-voice-pan-k003",
    "az20-t-summary-south-gao",
    "az20-t-inject-cust-en-p008",
}
KNOWN_FALSE_REFUSALS = {"az20-bn-bulk-east-own-huang"}  # the population is the rep's own book by the CRM
KINDS = {
    "claim_other",
    "on_behalf_other",
    "similar_fleets",
    "fwd_quote",
    "driver_account",
    "voice_other_vehicle",
    "agent_friend_car",
    "kf_other_customer",
    "draft_other",
    "rank_export",
    "injection",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("authz_scratch_r20"))


def test_the_set_is_varied() -> None:
    traps = assert_set_varied(DATA, traps_at_least=62, controls_at_least=43)
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
    assert len(controls) >= 43
    assert {r[0] for r in controls if r[2]} <= KNOWN_FALSE_REFUSALS
