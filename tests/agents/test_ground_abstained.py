"""An abstained message is still grounded in the policies its own words find, and the action scorer reads the message
as the intent did.

* ground_policy searches on an abstention too (the message's words, no intent expansion); every clause it brings is
  marked `retrieved_without_intent`, and reason and draft still do nothing on an abstention (no answer, no draft);
* an action whose precondition is policy evidence can then be offered to an abstained message whose needs ask for it;
* decide's action scorer embeds the intent's reading of the message (greetings left out), which the classifier
  embedded already, never the raw text with its greeting (a second embedding)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

import tests.agents.test_actions_needs as needs
from agents import Copilot
from agents.actions.playbook import DecisionInput, propose
from agents.context import RunContext
from agents.nodes.ground import UNASKED, ground_policy
from agents.tenant import OUT_OF_SCOPE, TenantConfig
from contract.evidence import EvidenceKind
from contract.ports import PolicyQuery
from contract.suggestions import Intent, SuggestionKind
from evals.actions_generalise import forced_intent
from tests.agents.agent_helpers import msg
from tests.agents.agent_ports import HashingEmbedder, KeywordPolicy


def test_an_abstained_message_is_grounded_in_clauses_marked_as_unasked(make_deps, zhang):
    policy = KeywordPolicy()
    with forced_intent("abstained"):
        s = Copilot(make_deps(policy=policy)).handle(msg("报警代码E-203是什么意思，保修期内免费吗"), zhang)
    assert s is not None and s.intent.abstained
    assert policy.queries and "E-203" in policy.queries[0]  # the message's own words, its alarm code included
    clauses = [e for e in s.evidence if e.kind is EvidenceKind.POLICY_CLAUSE]
    assert clauses and all(e.lineage.get(UNASKED) is True for e in clauses)
    assert clauses[0].source_ids["doc_id"] == "warranty-equipment"
    # not an answer to an asked intent: nothing computed, no draft, the card is still an abstention
    assert s.kind is SuggestionKind.ABSTAIN and s.draft is None and s.answer is None
    assert not [e for e in s.evidence if e.kind is EvidenceKind.COMPUTED_FACT]


def test_an_understood_message_is_not_marked(make_deps, zhang):
    s = Copilot(make_deps()).handle(msg("返点政策再给我讲一下", customer="C1002"), zhang)
    assert s is not None and not s.intent.abstained
    clauses = [e for e in s.evidence if e.kind is EvidenceKind.POLICY_CLAUSE]
    assert clauses and not any(UNASKED in e.lineage for e in clauses)


def test_an_abstained_message_with_nothing_to_read_searches_nothing(make_deps, zhang):
    policy = KeywordPolicy()
    runtime = SimpleNamespace(context=RunContext(deps=make_deps(policy=policy), actor=zhang, tenant="demo"))
    abstained = Intent(name=OUT_OF_SCOPE, confidence=0.0, abstained=True).model_dump(mode="json")
    out = ground_policy({"intent": abstained, "clean_text": "  "}, runtime)
    assert "evidence" not in out
    assert policy.queries == []


def test_unasked_clauses_let_an_abstained_message_get_the_document_its_needs_ask_for(tmp_path: Path) -> None:
    """The repair pack (tests/agents/test_actions_needs.py) with send_terms needing policy evidence and a document:
    without clauses an abstained warranty question gets the hand-off alone; with the clauses its words found, the
    terms come beside it, the top clause as the document to send."""
    actions = needs.ACTIONS.replace(
        "    intents: [warranty_question]\n",
        "    intents: [warranty_question]\n    preconditions: [policy_evidence]\n"
        "    parameters:\n      doc_id: {type: string, required: true, description: 文件编号}\n",
    )
    assert actions != needs.ACTIONS
    for name, text in (
        ("intents.yaml", needs.INTENTS),
        ("actions.yaml", actions),
        ("playbooks.yaml", needs.PLAYBOOKS),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
    pack = TenantConfig.load(tmp_path)
    text = "保修到什么时候，条款发我看看"
    clauses = [
        e.model_copy(update={"lineage": {UNASKED: True}})
        for e in KeywordPolicy().search(PolicyQuery(text=text, k=4))
    ]

    def ranked(evidence: list[Any]) -> list[Any]:
        d = DecisionInput(
            intent=Intent(name=OUT_OF_SCOPE, confidence=0.1, abstained=True),
            text=text,
            evidence=evidence,
            needs={"warranty_question": 1.0},  # a tool only the warranty question runs
        )
        return [f.action for f in propose(d, pack, KeywordPolicy(), lambda t, a: 0.1)]

    assert [a.name for a in ranked([])] == ["handoff_to_human"]
    got = ranked(clauses)
    assert {a.name for a in got[:2]} == {"handoff_to_human", "send_terms"}
    terms = next(a for a in got if a.name == "send_terms")
    assert terms.parameters["doc_id"] == clauses[0].source_ids["doc_id"]


HANDOFF_ONLY = """
playbooks:
  - id: default
    rules:
      - {id: unsure, when: {abstained: true}, then: {action: handoff_to_human, priority: 50}}
"""


class _Spy(HashingEmbedder):
    """Records every text the model itself embeds (the vector caches' hits are not calls)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += list(texts)
        return super().encode(texts)


def test_the_action_scorer_reuses_the_intents_reading(make_deps, zhang):
    spy = _Spy()
    deps = make_deps(embedder=spy)
    cp = Copilot(deps)
    cp.handle(msg("你好"), zhang)  # the taxonomy and catalog are embedded once, at start
    spy.calls.clear()
    tag = "".join(chr(ord("a") + int(c, 16) % 26) for c in "3f9a0c1d2e")
    s = cp.handle(msg(f"李经理您好，我是王强。我的订单发货了吗？备注{tag}"), zhang)
    assert s is not None and s.actions
    ours = [t for t in spy.calls if tag in t]
    assert ours and not any(re.search("李经理|王强", t) for t in ours), ours  # the greeting is never embedded
    # the whole message's reading, once: decide's scorer hit its cache (a sentence of a several-sentence message is
    # read on its own too, by decide.other_needs: '备注…' here)
    whole = [t for t in ours if "发货" in t]
    assert len(whole) == 1, ours


def test_a_document_guessed_from_unasked_clauses_earns_no_filled_bonus(tmp_path: Path) -> None:
    """Two actions serve the warranty question the abstained message's words ask for: sending the terms (a document
    parameter, filled from the top clause) and booking an inspection (nothing required). A document guessed from
    clauses no intent asked for is not a prepared action, so sending it does not outrank the specific one on that
    alone; the same clauses retrieved for a read intent do earn it."""
    actions = needs.ACTIONS.replace(
        "    intents: [warranty_question]\n",
        "    intents: [warranty_question]\n    preconditions: [policy_evidence]\n"
        "    parameters:\n      doc_id: {type: string, required: true, description: 文件编号}\n"
        "  - name: book_inspection\n    label_zh: 预约检测\n    description: 预约保修检测\n"
        "    intents: [warranty_question]\n",
    )
    for name, text in (
        ("intents.yaml", needs.INTENTS),
        ("actions.yaml", actions),
        ("playbooks.yaml", HANDOFF_ONLY),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
    pack = TenantConfig.load(tmp_path)
    text = "保修到什么时候"
    found = KeywordPolicy().search(PolicyQuery(text=text, k=4))

    def scores(intent: Intent, unasked: bool) -> dict[str, float]:
        clauses = [e.model_copy(update={"lineage": {UNASKED: True}}) if unasked else e for e in found]
        d = DecisionInput(intent=intent, text=text, evidence=clauses, needs={"warranty_question": 1.0})
        return {f.action.name: f.action.score for f in propose(d, pack, KeywordPolicy(), lambda t, a: 0.1)}

    abstained = scores(Intent(name=OUT_OF_SCOPE, confidence=0.1, abstained=True), unasked=True)
    assert abstained["send_terms"] <= abstained["book_inspection"]
    read = scores(Intent(name="warranty_question", confidence=0.9), unasked=False)
    assert read["send_terms"] > read["book_inspection"]


def test_a_hand_off_does_not_cite_an_unasked_clause(tmp_path: Path) -> None:
    for name, text in (
        ("intents.yaml", needs.INTENTS),
        ("actions.yaml", needs.ACTIONS),
        ("playbooks.yaml", HANDOFF_ONLY),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
    pack = TenantConfig.load(tmp_path)
    text = "这个怎么说"
    found = KeywordPolicy().search(PolicyQuery(text=text, k=4))
    abstained = Intent(name=OUT_OF_SCOPE, confidence=0.1, abstained=True)

    def handoff_cites(unasked: bool) -> set[str]:
        clauses = [e.model_copy(update={"lineage": {UNASKED: True}}) if unasked else e for e in found]
        d = DecisionInput(intent=abstained, text=text, evidence=clauses)
        firing = next(f for f in propose(d, pack, KeywordPolicy()) if f.action.name == "handoff_to_human")
        return set(firing.action.evidence_ids) & {e.id for e in found}

    assert handoff_cites(unasked=False)  # a clause retrieved for the message is what a rule rests on
    assert not handoff_cites(unasked=True)
