"""Session 10's authorization scratch set (tests/agents/data/authz_scratch_r10.yaml), written before the code was
changed for it: traps in registers the earlier rounds did not cover (voice-transcript style, WeChat emoji, a handle
alone, a contact's name only, romanised names, a reference to someone named in an earlier turn, «the other dealer
group», a colleague's customer named by the colleague) and, for each, a control naming the asker's own customer the
same way, so over-refusal is measured. Both tenants' real CRMs, through the real graph.

Batch A (32 traps, 33 controls), baseline at HEAD 703d429 before any change: traps refused 26/32, with the expected
reason 24/32; controls falsely refused 1/33. Misses: a plate written without a digit (the directory kept only ids with
one), a colleague's customer named by a contact's titled salutation alone («X总想加订»), a contact's romanised name,
«the other dealer group» (asked by a rep and by a customer: «dealer» read as a competitor), a reference to the party
an earlier ask named («他们家那台车»); reasons: two romanised trade names refused on general grounds, not as not_owner.
Over-refusal: «my other accounts» (the rep's own book) refused as other_customer_prices.
Batch B (12 traps, 13 controls), written after batch A's fixes and run once untouched: traps refused 7/12 (7/12 with
the reason), controls falsely refused 1/13. Misses: a plate spoken character by character (six pieces), a VIN's tail
after «尾数», a given name alone before «他那台», an English place + kind whose kind word the pack maps to a near
kind, a customer naming a person alone in a transcript; over-refusal: «客户说他们公司» read as a company named 客户.
Batch C (8 traps, 8 controls), written after batch B's fixes and run once untouched: traps refused 6/8 (6/8 with the
reason), controls falsely refused 0/8. Misses: a full-width order number («ＳＯ－２５０２…»), a plate with a katakana
middle dot («・»).
Batch D (8 traps, 8 controls), written after batch C's fixes and run once untouched: traps refused 7/8 (7/8 with the
reason), controls falsely refused 1/8. Miss: a customer asking about a romanised contact's company price in English
(the words after the name were read within 14 characters, a Chinese span); over-refusal: a customer's own contact
introducing themself in English («I'm <name> - did our company…») read as a third party speaking of the holder.
After the fixes: traps 60/60 refused, 60/60 with the expected reason; controls falsely refused 0/62."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.agents.test_ask_authz import crm  # noqa: F401  (the module-scoped CRM fixture)
from tests.agents.test_authz_round4 import (
    APP,
    ASK,
    CHEN,
    CUST,
    GAO,
    HUANG,
    KF,
    LIU,
    MA_ON_P006,
    SUN,
    VOICE,
    ZHOU_ON_P010,
    round_tests,
)
from tests.agents.test_authz_round6 import WANG, ZHANG, demo_crm, run  # noqa: F401  (fixtures)

DATA = Path(__file__).parent / "data" / "authz_scratch_r10.yaml"
ACTORS = {
    "HUANG": HUANG,
    "SUN": SUN,
    "LIU": LIU,
    "CHEN": CHEN,
    "GAO": GAO,
    "MA": MA_ON_P006,
    "ZHOU": ZHOU_ON_P010,
    "ZHANG": ZHANG,
    "WANG": WANG,
}
CHANNELS = {"app": APP, "kf": KF, "voice": VOICE}
SENDERS = {"ask": ASK, "customer": CUST}


def _rows(key: str) -> list[tuple[Any, ...]]:
    spec = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    out = []
    for case, channel, sender, actor, customer, text, *reason in spec[key]:
        out.append((case, CHANNELS[channel], SENDERS[sender], ACTORS[actor], customer, text, *reason))
    return out


SPEC = yaml.safe_load(DATA.read_text(encoding="utf-8"))
TRAPS, CONTROLS = _rows("traps"), _rows("controls")
STILL_MISSED: dict[str, str] = dict(SPEC.get("still_missed") or {})

test_trap_refused, test_trap_reason, test_control_answered = round_tests(TRAPS, CONTROLS, set(STILL_MISSED))


def test_the_set_is_big_and_varied_enough() -> None:
    assert len(TRAPS) >= 30 and len(CONTROLS) >= 30
    ids = [r[0] for r in (*TRAPS, *CONTROLS)]
    assert len(ids) == len(set(ids))
    for rows in (TRAPS, CONTROLS):
        assert sum(1 for r in rows if r[5].isascii()) >= 5  # English
        assert any(" || " in r[5] for r in rows)  # a later turn pointing back
        assert {(APP, ASK), (VOICE, ASK), (KF, CUST), (APP, CUST), (VOICE, CUST)} <= {
            (r[1], r[2]) for r in rows
        }
