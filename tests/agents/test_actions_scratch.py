"""Next-best actions on NEW messages: every actions scratch set (tests/agents/data/), run through the real graph (no LLM)
by evals.actions_generalise.scratch, against the floors measured when the set was written and fixed. One table row per
set: what it is about, what was measured (before/after, also in the data file's header) and its floors, which sit under
the measured numbers (one case of drift allowed: other helpers' intent changes move readings), so a change that loses
general ground fails here; they are not set to pass trivially.

Run one set by hand: python -m evals.actions_generalise tests/agents/data/<file> --scratch"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from agents.nodes.decide import need_parts
from evals.actions_generalise import scratch, scratch_summary
from tests.agents.scratch_suite import shared_models

DATA = Path(__file__).parent / "data"
CONFIG = Path(__file__).parents[2] / "evals" / "configs" / "no-llm.yaml"


@dataclass(frozen=True)
class ScratchSet:
    file: str
    about: str
    measured: str  # the numbers the floors were set from
    min_cases: int
    tags: frozenset[str] = frozenset()  # the shapes the set must hold
    top2: float = 0.0
    by_tenant: dict[str, float] = field(default_factory=dict)
    multi_both: float = 0.0
    min_multi: int = 0
    state: float = 0.0  # share of `state` cases right
    clean: float = 0.0  # no forbidden action on the card
    min_computed_forbidding: int = 0  # `computed` cases saying what must NOT be on the card
    zero_top2: float = 0.0  # the same decide inputs ranked with no playbooks
    zero_clean: float = 0.0


# What each set is about and what was measured when it was written and fixed (also in the data file's header).
ABOUT: dict[str, tuple[str, str]] = {
    "actions_generalisation_r7.yaml": (
        "multi-need, rambling voice, English and mixed, complaints with a buried request, image and file messages, "
        "rep asks and follow-ups, both tenants",
        "before 0.816 (31/38), after 0.895 (34/38; autodealer 0.857 = 24/28, demo 1.000 = 10/10); multi-need both "
        "0.222 (2/9) before and after",
    ),
    "actions_scratch_r8.yaml": (
        "the customer's CRM state decides the action (an open ticket for the same vehicle is followed up, not "
        "opened again; a contract near or past its end is renewed; a quote already sent leads to approval or "
        "contract), two needs, image/file, voice, English, rep asks, both tenants",
        "before 0.644 (29/45), round 8 0.889 (40/45), session 9 (6e5432c) 0.933 (42/45; autodealer 0.946 = 35/37, "
        "demo 0.875 = 7/8); multi-need both 0.167 -> 0.333 -> 0.500 (6/12); `state` 9/19 -> 19/19",
    ),
    "actions_scratch_r9.yaml": (
        "chat messages typed without sentence punctuation, clauses separated by spaces, raising two needs; each "
        "clause is read on its own (agents.nodes.decide.need_parts)",
        "before (6e5432c) 0.818 (9/11), after 0.909 (10/11); since the learned intent head (14466d2) 0.818: "
        "act9-ad-01 ranks apply_promotion over the send_quote it asked for; multi-need both 0.333 -> 0.444 (4/9)",
    ),
    "actions_scratch_r10.yaml": (
        "voice, emoji-only follow-ups, English, rep asks, multi-need, and a computed fact deciding the action "
        "(within vs above the rep's discount authority, warranty ended vs running, promotion eligible or not), "
        "as shipped and with no playbooks",
        "before (703d429) top-2 0.778 (14/18), no forbidden 0.300 (3/10), zero-rule 0.778 / 0.700; after the "
        "catalog's `fact:` preconditions top-2 0.778, no forbidden 1.000 (10/10), zero-rule 0.778 / 1.000",
    ),
    "actions_scratch_r11.yaml": (
        "vague or abstained readings, emoji replies to a rep's offer, multi-need, voice, English, typos and computed "
        "facts (autodealer), written before the round's changes; as shipped and with no playbooks",
        "before (3bba9e0) top-2 0.679 (19/28), multi-need both 0.167 (1/6), no forbidden 0.667 (2/3), zero-rule "
        "0.714 / no forbidden 0.667; after (likely intents marginalised, the rep's offer a say-little reply accepts, a "
        "term's end computed as a date read by the read day) top-2 0.750 (21/28), multi-need both 0.167, no "
        "forbidden 1.000 (3/3), zero-rule 0.786 (22/28) / no forbidden 1.000",
    ),
    "actions_scratch_r12.yaml": (
        "two asks in one message (the first need's action the gold one), colloquial chat, voice, English and mixed, "
        "typos, emoji, an image and a file, follow-ups and rep asks; as shipped and with no playbooks",
        "before (0b6c666) top-2 0.833 (25/30), multi-need both 0.429 (9/21), zero-rule 0.767; session 12's commit "
        "unchanged; session 13 (9f623ee: the customer's only open ticket on weaker evidence, campaigns as offers, a "
        "part's words choosing its action) top-2 0.867 (26/30), multi-need both 0.500 (10/20; ad-29 untagged: its second "
        "ask has no catalog action), zero-rule 0.833",
    ),
    "actions_scratch_r13.yaml": (
        "an existing open ticket chased without its id (voice, English, one subject word), a warranty question with "
        "an extended-warranty ask behind it, an eligible campaign beside the asked action, discounts above "
        "authority, two asks; as shipped and with no playbooks",
        "before (75cf5fa) top-2 0.667 (14/21), multi-need both 0.429 (3/7), no forbidden 1.000 (3/3), zero-rule "
        "0.762; after (9f623ee) top-2 0.952 (20/21), multi-need both 0.714 (5/7), no forbidden 1.000, zero-rule "
        "0.952 / 0.429 / 1.000",
    ),
    "actions_scratch_r14.yaml": (
        "a package question whose asked step (a renewal, a booking) ranked under the package terms, a price ask's "
        "quote under an approval or a campaign, the only open ticket against a new fault on another vehicle, an "
        "injected message given an unrelated approval, two asks; voice, English, typos, emoji, a file",
        "before (3d199d4, isolated tree) top-2 0.730 (27/37), multi-need both 0.333 (2/6), no forbidden 0.167 (1/6), "
        "zero-rule 0.757 / 0.833; after (session 14: the package-renew-asked rule, injected messages get the approval "
        "only on price asks, a renewal whose price was computed not disfavoured, COMPUTED_CATALOG_PENALTY 0.3, a "
        "guessed reading's follow-up second at the latest) top-2 0.811 (30/37), multi-need both 0.333, no forbidden "
        "0.833 (5/6), zero-rule 0.784 / 0.833",
    ),
    "actions_scratch_r15.yaml": (
        "a lapsed or ending contract renewed without a renewal word, 手续/签字 that is no renewal, an open ticket chased "
        "without its number (voice, English), a warranty ending or ended, a price ask with no campaign for this "
        "customer, injected words beside a non-price ask, two needs, authority computed",
        "before (7ae93fa, clean clone) top-2 0.688 (22/32), multi-need both 0.250 (1/4), no forbidden 0.500 (7/14), "
        "zero-rule 0.844 / 0.500; after (session 15: the catalog's NEXT preconditions, the open ticket the computed "
        "answer read, an injected message's approval only on a reading it serves, a campaign joins beside rules only "
        "with a computed one, keywords_none, the grade the answer computed) top-2 0.844 (27/32), multi-need both 0.250, "
        "no forbidden 0.714 (10/14), `state` 10/13, zero-rule 0.875 (28/32) / 0.643; after 3eb418f (grade support "
        "reverted) top-2 0.844, no forbidden 0.714, zero-rule 0.844 (27/32) / 0.643",
    ),
    "actions_scratch_r15_tickets.yaml": (
        "which open ticket a message is about (review R15-04): a new fault on another vehicle named by plate or said "
        "to be 'not that one' (zh, en, voice) is a new ticket, not a chase of the other vehicle's ticket the computed "
        "answer read; a chase by the ticket's own plate or of the only open ticket is still followed up",
        "before (30ce539 clean copy) top-2 0.667 (6/9), zero-rule 0.333; after (the answer's ticket only on the "
        "message's device, never beside 'another vehicle' or an ask to open one) top-2 1.000 (9/9), zero-rule 0.444",
    ),
    "actions_scratch_r16.yaml": (
        "by kind of miss (session 16 audit of batches A-F): an action the message declines or says is done already "
        "(an extended warranty bought/declined, a renewal declined/signed; zh, en, voice) and controls asking for it; "
        "a package question of a customer whose contract ends or lapsed that is not about renewing; a new fault "
        "without a plate beside another vehicle's open ticket",
        "before (0bd19f5 clean copy) top-2 0.750 (27/36), no forbidden 0.292 (7/24), zero-rule 0.722 / 0.292; after "
        "the message's stance read once for every source (agents.actions.stance, 045bb90) top-2 0.778 (28/36), no "
        "forbidden 0.833 (20/24), zero-rule 0.778 / 0.833; after the only open ticket is followed up only when the "
        "message refers back to it (session 16) top-2 0.861 (31/36), no forbidden 0.958 (23/24), zero-rule 0.861 / "
        "0.958. Still missed: the precond kind's booking asks and two package questions (renewal first, the asked "
        "step third) and an English 'already signed the new contract' (no pack word names the renewal). Review M3 "
        "(19 ticket rows added: 5 English chasers + 6 innocents of the reviewer, 8 new zh/en): before the fix "
        "0.709 (39/55), no forbidden 0.706 (24/34); after (words referring back count for the only ticket only in a "
        "message about a fault or a repair; English chasers of a visit) top-2 0.891 (49/55), no forbidden 0.971 "
        "(33/34), zero-rule 0.873 / 0.971",
    ),
    "actions_scratch_r17.yaml": (
        "by author style (session 17): terse chat, typos/homophones, Cantonese and traditional characters, rambling "
        "voice with fillers and self-corrections, forwarded threads, English mixed with Chinese, vehicles and customers "
        "described rather than named; an action declined or done already in those styles, and innocents wanting it",
        "before (59919ea clean copy) top-2 0.853 (64/75), no forbidden 0.348 (8/23), innocents 18/22, zero-rule 0.827 / "
        "0.348; after the stance reader's under-reach forms (a topic clause before the cue, Cantonese 唔/咗, English "
        "negated verbs, homophones of the pack's words, chat clauses ended by a space after a completion; reported words, "
        "a must, a request and a question are no stance) top-2 0.920 (69/75), no forbidden 0.783 (18/23), innocents "
        "22/22, zero-rule 0.893 / 0.739",
    ),
    "actions_scratch_r18.yaml": (
        "by kind of batch A-H's action misses (session 18): a price asked for a number of vehicles that the intent "
        "reader takes for a trade-in (subsidy words, forwarded threads, voice, English); the most the rep may grant "
        "asked for (customer or rep); a discount made the condition of signing; a quote accepted; stance words the "
        "pack lacks; innocents whose read intent and action stand (real trade-ins, set amounts above authority)",
        "before (fb104de clean copy) top-2 0.717 (38/53), no forbidden 0.769 (10/13), innocents 16/16, zero-rule "
        "0.736 / 0.769; after the quote priced for the quantity asked (agents.actions.computed.priced_asks) and the "
        "authority's ceiling read as within (agents.actions.playbook.within_authority) top-2 0.868 (46/53: quote "
        "12/12, ceiling 5/8), no forbidden 0.769, innocents 16/16, zero-rule 0.887 / 0.769. Still missed: English "
        "acceptances read as a price ask, a ceiling asked in words the authority tool does not read (3), stance "
        "words the pack lacks («续约…签完了», «先放一放», 'signed the new maintenance contract')",
    ),
    "actions_scratch_r19.yaml": (
        "by kind of batch A-H's top-2 misses (session 19): complaints about the service whose topic the reader takes "
        "for the intent or that ask a question beside the grievance, often on an open ticket; the same topics asked "
        "calmly; a say-little reply (emoji, a few words, English) to the rep's quote",
        "before (fe3be5d clean copy) top-2 0.778 (21/27), zero-rule 0.704; after (an empty card answering the rep's "
        "offer marginalised over the likely intents; the open ticket's follow-up displacing the card the reading "
        "supports least) top-2 0.852 (23/27: accept 5/5, complaint 8/12 + late 4/4, innocents 6/6), zero-rule 0.741",
    ),
}
# The shapes each set must hold (its cases' tags).
TAGS: dict[str, str] = {
    "actions_generalisation_r7.yaml": "multi voice english mixed complaint image file rep-ask follow-up",
    "actions_scratch_r8.yaml": "state multi voice english image file rep-ask follow-up",
    "actions_scratch_r11.yaml": "vague emoji multi voice english computed",
    "actions_scratch_r12.yaml": "multi voice english image file state",
    "actions_scratch_r13.yaml": "state multi voice english computed",
    "actions_scratch_r14.yaml": "pkg price ticket state inject multi voice english typo emoji file",
    "actions_scratch_r15.yaml": "pkg state ticket warranty price inject multi voice english computed",
    "actions_scratch_r15_tickets.yaml": "ticket state voice english",
    "actions_scratch_r16.yaml": "stance control precond ticket voice english",
    "actions_scratch_r17.yaml": "stance innocent style terse typo cantonese trad ramble forwarded mixed described voice english",
    "actions_scratch_r18.yaml": "quote ceiling conditional accept stance innocent forwarded voice english terse",
    "actions_scratch_r19.yaml": "complaint complaint_innocent accept late voice english ticket",
}
BY_TENANT: dict[str, dict[str, float]] = {
    "actions_generalisation_r7.yaml": {"autodealer": 0.82, "demo": 0.9},
    "actions_scratch_r8.yaml": {"autodealer": 0.91, "demo": 0.75},
}
# The floors, one row per set, under the measured numbers (0: not checked):
#   file, min cases, top-2, multi-need both, min multi, state, clean, min computed forbidding, zero-rule top-2 / clean
FLOORS: list[tuple[str, int, float, float, int, float, float, int, float, float]] = [
    ("actions_generalisation_r7.yaml", 30, 0.86, 0.2, 8, 0, 0, 0, 0, 0),
    ("actions_scratch_r8.yaml", 40, 0.91, 0.4, 0, 0.9, 0, 0, 0, 0),
    ("actions_scratch_r9.yaml", 10, 0.81, 0.4, 0, 0, 0, 0, 0, 0),
    ("actions_scratch_r10.yaml", 15, 0.72, 0, 0, 0, 0.9, 8, 0.72, 0.9),
    ("actions_scratch_r11.yaml", 25, 0.71, 0, 0, 0, 0.66, 0, 0.75, 0.66),
    # multi-need both 0.45 -> 0.40 measured at 1205997: c11d9f6 (intent r18) read the English «third time I'm asking!!
    # …when is my S7 being delivered?» with complaint at 0.28, under the alternative intent's bar, and English upset is
    # not read as sentiment (agents/understanding/sentiment.py), so the escalation fell to third (session 18 note).
    # Session 19: intent's sentiment fix (0.40 -> 0.45 measured on a copy) is not committed; c46c971 took in its 0.45
    # by accident, put back to the 0.40 measured at HEAD without it.
    ("actions_scratch_r12.yaml", 28, 0.83, 0.4, 19, 0, 0, 0, 0.79, 0),
    ("actions_scratch_r13.yaml", 20, 0.9, 0.57, 6, 0, 0.66, 3, 0.9, 0.66),
    ("actions_scratch_r14.yaml", 35, 0.78, 0.3, 6, 0, 0.66, 0, 0.75, 0.66),
    ("actions_scratch_r15.yaml", 30, 0.81, 0, 4, 0.69, 0.64, 6, 0.84, 0.57),
    ("actions_scratch_r15_tickets.yaml", 9, 0.88, 0, 0, 0, 0, 0, 0.33, 0),
    ("actions_scratch_r16.yaml", 55, 0.87, 0, 0, 0, 0.97, 0, 0.85, 0.97),
    ("actions_scratch_r17.yaml", 70, 0.9, 0, 0, 0, 0.73, 0, 0.87, 0.69),
    ("actions_scratch_r18.yaml", 53, 0.84, 0, 0, 0, 0.69, 0, 0.86, 0.69),
    ("actions_scratch_r19.yaml", 27, 0.81, 0, 0, 0, 0, 0, 0.70, 0),
]
SETS = [
    ScratchSet(
        file,
        *ABOUT[file],
        min_cases=n,
        tags=frozenset(TAGS.get(file, "").split()),
        top2=top2,
        by_tenant=BY_TENANT.get(file, {}),
        multi_both=both,
        min_multi=multi,
        state=state,
        clean=clean,
        min_computed_forbidding=forbidding,
        zero_top2=zero_top2,
        zero_clean=zero_clean,
    )
    for file, n, top2, both, multi, state, clean, forbidding, zero_top2, zero_clean in FLOORS
]
IDS = [s.file.removesuffix(".yaml") for s in SETS]


def cases_of(s: ScratchSet) -> list[dict[str, Any]]:
    data = yaml.safe_load((DATA / s.file).read_text(encoding="utf-8"))
    return [c for body in data["suites"].values() for c in body["cases"]]


@pytest.mark.parametrize("s", SETS, ids=IDS)
def test_scratch_set_is_well_formed(s: ScratchSet) -> None:
    cases = cases_of(s)
    assert len(cases) >= s.min_cases
    assert len({c["id"] for c in cases}) == len(cases)
    assert all(c["expect"]["actions"] for c in cases)
    assert s.tags <= {t for c in cases for t in c.get("tags", [])}
    # a multi-need case names every need's action
    assert all(len(c["expect"]["actions"]) >= 2 for c in cases if "multi" in c.get("tags", []))
    forbidding = [
        c for c in cases if "computed" in c.get("tags", []) and c["expect"].get("forbidden_actions")
    ]
    assert len(forbidding) >= s.min_computed_forbidding


@pytest.fixture(scope="module", params=SETS, ids=IDS)
def run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[ScratchSet, dict[str, Any]]:
    s: ScratchSet = request.param
    mp = pytest.MonkeyPatch()
    mp.setenv("COPILOT_DATA_DIR", str(tmp_path_factory.mktemp(s.file.removesuffix(".yaml"))))
    try:
        with shared_models():  # the session's embedding models, loaded once (tests/agents/scratch_suite.py)
            return s, scratch(DATA / s.file, CONFIG)
    finally:
        mp.undo()


def test_actions_on_new_messages_stay_above_the_floor(run: tuple[ScratchSet, dict[str, Any]]) -> None:
    s, result = run
    why = f"{s.file}: {s.about}\nmeasured: {s.measured}\n{scratch_summary(result)}"
    assert result["errors"] == 0, why
    assert result["top2"] >= s.top2, why
    for tenant, floor in s.by_tenant.items():
        assert result["by_tenant"][tenant] >= floor, why
    assert result["multi_n"] >= s.min_multi, why
    assert result["multi_both"] >= s.multi_both, why
    if s.clean:
        assert result["clean"] >= s.clean, why
    zero = result["zero_rule"]
    assert zero["top2"] >= s.zero_top2, why
    if s.zero_clean:
        assert zero["clean"] >= s.zero_clean, why


def test_the_customers_record_decides_the_action(run: tuple[ScratchSet, dict[str, Any]]) -> None:
    s, result = run
    state = [r for r in result["rows"] if "state" in r["tags"]]
    if s.state:
        assert len(state) >= 12
        assert sum(r["ok"] for r in state) / len(state) >= s.state, scratch_summary(result)
    # an open ticket for the same vehicle: never a second ticket beside the follow-up
    for r in state:
        if r["expected"][0] == "follow_up_open_ticket":
            assert "create_service_ticket" not in r["got"], r


def test_no_action_appears_twice_on_a_card(run: tuple[ScratchSet, dict[str, Any]]) -> None:
    for r in run[1]["rows"]:
        assert len(r["got"]) == len(set(r["got"])), r


def test_clauses_of_an_unpunctuated_message_are_its_parts() -> None:
    text = "王经理 上周订的那批货到哪了 另外再来二十套 麻烦给我们报个价"
    assert need_parts(text, "") == ["上周订的那批货到哪了", "另外再来二十套", "麻烦给我们报个价"]
    # punctuated sentences stay the parts; an English sentence's spaces separate words, not clauses
    assert need_parts("上周订的那批货到哪了？另外再来二十套，麻烦报个价。", "") == [
        "上周订的那批货到哪了？",
        "另外再来二十套，麻烦报个价。",
    ]
    assert need_parts("Where is my order from last week and can you quote twenty more sets", "") == []


def test_innocents_keep_the_action_they_ask_for(run: tuple[ScratchSet, dict[str, Any]]) -> None:
    """A set's `innocent` cases want the action a cue word stands beside («延保不是不要», «不续不行吧», reported words):
    it stays in the top 2 (r17: 22/22 measured, one case of drift allowed)."""
    rows = [r for r in run[1]["rows"] if "innocent" in r["tags"]]
    if rows:
        assert sum(r["ok"] for r in rows) >= len(rows) - 1, scratch_summary(run[1])
