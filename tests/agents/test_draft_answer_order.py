"""The draft states the answers of the first three tools, however many sentences each takes (a term per asked column
and who pays under it are one tool's answer)."""

from __future__ import annotations

import pytest

from agents.drafting.template import _first_tools
from contract.evidence import Evidence, EvidenceKind


def fact(tool_id: str, n: int) -> tuple[Evidence, str]:
    ev = Evidence(
        id=Evidence.make_id(EvidenceKind.COMPUTED_FACT, tool_id, str(n)),
        kind=EvidenceKind.COMPUTED_FACT,
        title="t",
        content=f"{tool_id} {n}",
        source_ids={"tool_id": tool_id},
    )
    return ev, f"{tool_id} {n}"


@pytest.mark.parametrize(
    ("tools", "kept"),
    [
        (
            ["w", "w", "w", "dtc", "sla"],
            ["w", "w", "w", "dtc", "sla"],
        ),  # one tool, three sentences: still 3 tools
        (["a", "b", "c", "d"], ["a", "b", "c"]),
        (["a", "b", "a", "c", "d", "b"], ["a", "b", "a", "c", "b"]),  # a kept tool's later fact stays
        ([], []),
    ],
)
def test_three_tools_not_three_sentences(tools: list[str], kept: list[str]) -> None:
    said = [fact(t, i) for i, t in enumerate(tools)]
    assert [s.split()[0] for _, s in _first_tools(said, 3)] == kept
