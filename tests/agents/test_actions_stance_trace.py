"""Every AI output explainable (session 17, note16's gap): an action the stance reader keeps off the card (the message
declines it or says it is done already: agents.actions.stance) leaves a trace — RULE evidence on the suggestion (the
action, the stance, the cue's words, the word naming the action, the stretch of the message), a flag, and the state's
`action_stances` for the drafting step — so the ledger entry of that turn says why the action is not suggested. A turn
that asks for the action carries none of it."""

from __future__ import annotations

import pytest

from agents import Copilot, TenantConfig
from agents.actions.stance import DECLINED, DONE, stance_details
from agents.copilot import thread_id
from agents.nodes.decide import STANCE_RULE
from contract.evidence import EvidenceKind
from copilot.ledger.entries import suggestion_row
from tests.agents.agent_helpers import msg
from tests.agents.test_ask_authz import CRM_DIR, HUANG, crm  # noqa: F401  (the module-scoped CRM fixture)

TENANT = CRM_DIR.parent
DEALER = TenantConfig.load(TENANT)
EXT = "sell_extended_warranty"


@pytest.fixture
def run(make_deps, crm):  # noqa: F811
    deps = make_deps(customers=crm, tenant=DEALER, tenant_dir=TENANT)
    cp = Copilot(deps)

    def go(text: str, customer: str = "P004", conv: str = ""):
        m = msg(
            text, customer=customer, rep=HUANG.id, conv=conv or f"stance-{len(text)}", tenant="autodealer"
        )
        out = cp.handle(m, HUANG)
        state = cp.graph.get_state(cp._config(thread_id(m.tenant, m.conversation_id))).values
        return out, deps.ledger, state

    return go


def _stance_evidence(suggestion) -> list:
    return [e for e in suggestion.evidence if e.source_ids.get("rule_id") == STANCE_RULE]


@pytest.mark.parametrize(
    ("text", "stance", "cue"),
    [
        ("延保就免了，我这台E5的整车质保到哪天？", DECLINED, "免了"),
        ("喂 你好 延保 就 不用 了 我 就 问 一下 质保 到 哪天", DECLINED, "不用"),
        ("延保我去年就买过了，整车质保到什么时候？", DONE, "买过了"),
    ],
)
def test_a_kept_off_action_is_evidence_on_the_card_and_in_the_ledger(run, text, stance, cue):
    out, ledger, state = run(text)
    assert EXT not in [a.name for a in out.actions]
    [ev] = _stance_evidence(out)
    assert ev.kind is EvidenceKind.RULE
    assert ev.source_ids["action"] == EXT and ev.source_ids["stance"] == stance
    assert ev.lineage["cue"] == cue and "延保" in ev.lineage["word"]
    [inp] = ev.lineage["inputs"]
    start, end = inp["span"]
    # the message has nothing to mask: the text read is the text sent
    assert text[start:end] == inp["value"] and cue in inp["value"].replace(" ", "")
    assert ("action_declined" if stance == DECLINED else "action_already_done") in out.flags
    # the ledger's entry of the turn (the row it writes) carries it like any other evidence
    row, _ = suggestion_row(ledger.suggestions[out.id], {"masked_text": ""})
    payload = row.get("payload", row)
    logged = [
        e
        for e in _payload(payload)["suggestion"]["evidence"]
        if e["source_ids"].get("rule_id") == STANCE_RULE
    ]
    assert [e["id"] for e in logged] == [ev.id]
    # the drafting step reads it from the state under its own name
    held = state["action_stances"][EXT]
    assert held["stance"] == stance and held["evidence_id"] == ev.id and held["cue"] == cue


def test_an_ask_for_the_action_leaves_no_stance(run):
    out, _, state = run("我已经决定了要买延保，两年的多少钱？")
    assert not _stance_evidence(out)
    assert not {"action_declined", "action_already_done"} & set(out.flags)
    assert state["action_stances"] == {}


def test_a_stance_does_not_carry_into_the_next_turn(run):
    _, _, first = run("延保就免了，我这台E5的整车质保到哪天？", conv="stance-next")
    assert EXT in first["action_stances"]
    # the same conversation's next turn: nothing held over
    _, _, state = run("整车质保到哪天？", conv="stance-next")
    assert state["action_stances"] == {}


def test_the_span_is_the_messages_own_offsets():
    text = "喂 你好 延保 就 不用 了 我 就 问 一下"
    st = stance_details(text, DEALER)[EXT]
    assert text[st.start : st.end] == st.quote == "延保 就 不用"
    en = stance_details("We won't be renewing the service contract this year.", DEALER)
    assert [s.quote for s in en.values()] == ["won't be renewing"]


def _payload(row):
    import json

    return json.loads(row) if isinstance(row, str) else row
