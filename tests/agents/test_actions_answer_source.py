"""An action that sends a policy sends the version the answer rests on: when a computed fact chose the version that
governs this customer's asset (by its delivery date), the action's doc_id/version/clause follow it, not the current
version that happened to rank first."""

from __future__ import annotations

from typing import Any

import pytest

from agents.actions.playbook import answer_source
from contract.evidence import Evidence, EvidenceKind


def clause(doc: str, version: str, number: str) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.POLICY_CLAUSE, doc, version, number),
        kind=EvidenceKind.POLICY_CLAUSE,
        title=doc,
        content=f"{number} …",
        version=version,
        source_ids={"doc_id": doc, "version": version, "clause": number},
    )


def fact(doc: str, version: str, number: str) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.COMPUTED_FACT, doc, version, number),
        kind=EvidenceKind.COMPUTED_FACT,
        title="质保截止",
        content="至2028-05-19",
        source_ids={"tool": "term_end", "doc_id": doc, "version": version, "clause": number},
    )


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        # the current version ranks first, the computed fact chose the governing one
        (
            [clause("warranty", "2.0", "第五条"), fact("warranty", "1.0", "第五条")],
            {"version": "1.0", "clause": "第五条"},
        ),
        # no computed fact: the top clause as retrieved
        ([clause("warranty", "2.0", "第五条")], {"version": "2.0", "clause": "第五条"}),
        # a fact on another document never changes this one
        (
            [clause("warranty", "2.0", "第五条"), fact("sla", "1.0", "第四条")],
            {"version": "2.0", "clause": "第五条"},
        ),
        ([], {}),
    ],
)
def test_answer_source(evidence: list[Evidence], expected: dict[str, Any]) -> None:
    got = answer_source(evidence)
    assert {k: got[k] for k in expected} == expected
    if evidence:
        assert got["doc_id"] == "warranty"


PACK = {
    "intents.yaml": """
intents:
  - {name: ask_warranty, label_zh: 保修, description: 询问保修期}
""",
    "actions.yaml": """
actions:
  - name: send_terms
    label_zh: 发送条款
    description: 发送适用的条款
    parameters:
      doc_id: {type: string, required: true, description: 文件编号}
      version: {type: string, description: 版本号}
    intents: [ask_warranty]
""",
    "playbooks.yaml": """
playbooks:
  - id: default
    rules:
      - id: terms
        when: {intent: [ask_warranty]}
        then: {action: send_terms, priority: 80, parameters_from_policy: {doc_id: doc_id, version: version}}
""",
}


def test_a_sent_document_cites_the_version_it_sends(tmp_path):
    from agents.actions.playbook import DecisionInput, propose
    from agents.tenant import TenantConfig
    from contract.suggestions import Intent
    from tests.agents.agent_ports import KeywordPolicy

    for name, text in PACK.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    tenant = TenantConfig.load(tmp_path)

    def sent(evidence: list[Evidence]) -> tuple[dict[str, Any], set[str]]:
        d = DecisionInput(
            intent=Intent(name="ask_warranty", confidence=0.9), text="还在保修吗", evidence=evidence
        )
        action = propose(d, tenant, KeywordPolicy())[0].action
        return action.parameters, set(action.evidence_ids)

    current, governing, older = clause("warranty", "2.0", "第五条"), fact("warranty", "1.0", "第五条"), None
    # the current version ranked first, the governing one was computed: V1.0 sent, and it rests on the fact, not V2.0
    params, ids = sent([current, governing])
    assert params["version"] == "1.0"
    assert current.id not in ids and governing.id in ids
    # the governing version's clause was retrieved too: that clause is cited
    older = clause("warranty", "1.0", "第五条")
    params, ids = sent([current, older, governing])
    assert params["version"] == "1.0" and older.id in ids and current.id not in ids
    # nothing computed: the top clause, as sent
    params, ids = sent([current])
    assert params["version"] == "2.0" and current.id in ids


def test_a_rule_not_sending_a_document_never_rests_on_a_version_ruled_out(tmp_path):
    from agents.actions.playbook import DecisionInput, propose
    from agents.tenant import TenantConfig
    from contract.suggestions import Intent
    from tests.agents.agent_ports import KeywordPolicy

    pack = dict(PACK)
    pack["playbooks.yaml"] = """
playbooks:
  - id: default
    rules:
      - {id: remind, when: {intent: [ask_warranty]}, then: {action: remind, priority: 80}}
"""
    pack["actions.yaml"] = (
        PACK["actions.yaml"]
        + """
  - name: remind
    label_zh: 提醒
    description: 提醒客户
    intents: [ask_warranty]
"""
    )
    for name, text in pack.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    tenant = TenantConfig.load(tmp_path)
    current, governing = clause("warranty", "2.0", "第五条"), fact("warranty", "1.0", "第五条")
    other = clause("sla", "1.0", "第四条")

    def cited(evidence: list[Evidence]) -> set[str]:
        d = DecisionInput(
            intent=Intent(name="ask_warranty", confidence=0.9), text="提醒我", evidence=evidence
        )
        got = {f.action.name: f.action for f in propose(d, tenant, KeywordPolicy())}
        return set(got["remind"].evidence_ids)

    # V1.0 governs (a computed fact chose it): the V2.0 clause that ranked first is not what the rule rests on
    ids = cited([current, other, governing])
    assert current.id not in ids and other.id in ids
    # nothing computed about the document: the first clause, as before
    assert current.id in cited([current, other])
