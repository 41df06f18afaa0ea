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
