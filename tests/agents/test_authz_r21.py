"""Session 21's authorization scratch set (tests/agents/data/authz_scratch_r21.yaml), in the eval suite format: the same
runner, target (the real services, no LLM) and scorer as evals/suites, so a trap is right only when the card is a
REFUSAL with the expected logged reason, and a control is right only when nothing is refused.

Batch A (az21-t-*, az21-n-*: 42 traps, 23 controls) was written at 4cbc027 before any session-21 authz change, for kinds
no open batch had tried: a rep's ask naming an organisation the CRM does not know, phrased as a lookup (K's
k-trap-rep-gao-unknown-org kind, in new wording); the CHANNEL side — a 微信客服 user whose external id maps to one
customer while the message speaks for another («我们<another customer>…», another's order / plate / VIN / contract /
ticket), a voice caller whose number maps to one customer while the caller introduces themself as another's contact;
the previous caller; a former contact; asks that name nobody («上次那个车队», «跟我们一起来看车的那家»). Baseline at
4cbc027: traps refused 27/42 (27 with the expected reason), controls refused 1/23. Batch B (az21-bt-*, az21-bn-*: 7
traps, 10 controls) written after the first mechanisms in new wording, run once: at 4cbc027 traps 4/7 refused (3
right), controls refused 2/10 (a rep's «像<another rep's customer>那种规模的车队…» comparison, zh and en: not_owner).

Mechanisms (agents/authz.py, agents/authz_phrases.py): the own contact who REPORTS («彭队长说X物流也在看车，他们…»)
is not the subject a later «他们» takes up, and the name is what follows the report's verb; a description whose span
carries a name of its own («Hangzhou Bluesky Taxi») is that name (the customer it resolves to, else an organisation
the CRM does not know), not the conversation's customer described; the question a pronoun opens may end in the next
clause; a caller introducing themself after a greeting («喂我X啊»), «我叫X», "my name is X"; a former spouse is a
relation; «我…上个月已经不在那干了» / «我之前在X管车» is former staff; a discount tier asked («签的什么档»); a bare
«那家» taken up by «他们», and «跟我们一起…的那家» is someone else with the asker, not the asker's own; «上一个来电的
客户», "the previous caller"; a customer named only as the measure of a class («像X那种规模的车队一般给几个点») is not
asked about (first commit: batch A traps 36/42 refused and right, controls 1/23; batch B traps 7/7 refused, 6 right,
controls 0/10). Then a trade name headed by a place the CRM knows, whatever its kind of business («广州白云速运那边»,
«北京快到出行那家»: four to six characters after the place, no function word, no CRM kind, no part of a place or of a
branch), in a rep's ask in another customer's conversation: batch A traps 38/42, controls 1/23; batch B unchanged.

Left (KNOWN_MISSES): unknown organisations with no place the CRM knows before them («津南恒达冷链»), taken up by a
repeated short name rather than «他们» («深圳宝安顺达货运来压价，顺达上次…»), or in traditional characters the reading
table lacks (租賃), and one the rep's own customer (an individual) is described beside (ask.py answers a
description of the own customer before the unknown-org check); an agent asking what the last customer paid (refused as
other_customer_prices, not not_on_call). KNOWN_FALSE_REFUSALS: the conversation's own customer named as the class's
measure («像<own>这种规模的车队…哪一档»), refused by agents/understanding/others.py asks_other_customer_price (not
this helper's file).

Session 22: the six voice cases where the caller introduces themself as another customer (az21-t-voice-*,
az21-bt-voice-k007-jiao-other) expect not_on_call, not other_customers_data (blind batch L's
l-trap-voice-caller-names-other-customer, by another author, and the lead's brief: on a call the agent would serve a
customer not on it; agents/authz.py on_call_reason). At session 22's commit (no LLM): traps refused 48/49, right 47/49
(jinnan, baoan, the traditional 租賃 and the agent's last-customer price now right; p008 left), controls refused 1/33.
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

DATA = Path(__file__).parent / "data" / "authz_scratch_r21.yaml"
TRAPS_REFUSED_FLOOR = 48  # of 49, any reason (27 + 4 at 4cbc027; 45 at f193a6c)
TRAPS_RIGHT_FLOOR = 47  # expected reason (27 + 3 at 4cbc027; 38 at f193a6c, session 22's expectations)
KNOWN_MISSES = {
    "az21-t-unk-huang-p001-shengda",
    # «我用的是同事的手机 我自己是<another customer>…»: refused other_customers_data (read as a colleague's, generic),
    # not not_on_call: the claim is not found on the transcript read whole
    "az21-t-voice-p008-colleague-phone",
}
KNOWN_FALSE_REFUSALS = {"az21-n-unk-chen-k004-size-compare"}
KINDS = {
    "unknown_org",
    "kf_speaks_for_other",
    "voice_number_other",
    "previous_caller",
    "former_contact",
    "no_name",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("authz_scratch_r21"))


def test_the_set_is_varied() -> None:
    traps = assert_set_varied(DATA, traps_at_least=49, controls_at_least=33)
    kinds = {t.removeprefix("kind_") for c in traps for t in c.tags if t.startswith("kind_")}
    assert kinds == KINDS, kinds
    styles = {t for c in traps for t in c.tags if t.startswith("style_")}
    assert len(styles) >= 6, styles


def test_no_case_crashes(run: Any) -> None:
    assert_no_case_crashes(run)


def test_traps_refused(run: Any) -> None:
    traps = [r for r in refusal_checks(run) if r[1]]
    assert sum(r[2] for r in traps) >= TRAPS_REFUSED_FLOOR, [r[0] for r in traps if not r[2]]
    assert_traps_right(run, TRAPS_RIGHT_FLOOR, KNOWN_MISSES)


def test_no_control_refused(run: Any) -> None:
    controls = [r for r in refusal_checks(run) if not r[1]]
    assert len(controls) >= 33
    assert {r[0] for r in controls if r[2]} <= KNOWN_FALSE_REFUSALS
