"""The evaluation sets: regenerated exactly from the checked-in generator, big enough for the issue, and independent
of the detectors they grade (no generator imports guardrails/)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "guardrails"
GENERATORS = Path(__file__).resolve().parents[2] / "bench" / "datasets" / "guardrails"  # development tools


def rows(name: str) -> list[dict]:
    return [
        json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()
    ]


@pytest.fixture(scope="module")
def generators():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(GENERATORS))
    try:
        import gen_grounding
        import gen_heldout
        import gen_heldout3
        import gen_injection
        import gen_pii

        yield {
            "pii.jsonl": gen_pii.build,
            "injection.jsonl": gen_injection.build,
            "grounding.jsonl": gen_grounding.build,
            "heldout_pii.jsonl": gen_heldout.build_pii,
            "heldout3_injection.jsonl": gen_heldout3.build,
        }
    finally:
        sys.path.remove(str(GENERATORS))


def test_checked_in_sets_are_what_the_generator_makes(generators) -> None:  # type: ignore[no-untyped-def]
    for name, build in generators.items():
        assert rows(name) == json.loads(json.dumps(build(), ensure_ascii=False)), name


def test_sets_meet_the_issue_sizes() -> None:
    pii = rows("pii.jsonl")
    assert len(pii) >= 300 and {r["lang"] for r in pii} == {"zh", "en"}
    assert sum(r["kind"] == "hard_negative" for r in pii) >= 100
    injection = rows("injection.jsonl")
    assert sum(r["label"] == 1 for r in injection) >= 100 and sum(r["label"] == 0 for r in injection) >= 100
    assert {r["source"] for r in injection if r["label"]} == {"customer", "ocr", "transcript", "document"}
    assert sum(r["planted"] is not None for r in rows("grounding.jsonl")) >= 50


def test_spans_point_at_real_text() -> None:
    for row in rows("pii.jsonl") + rows("heldout_pii.jsonl"):
        for span in row["spans"]:
            assert 0 <= span["start"] < span["end"] <= len(row["text"]), row["id"]
            assert (
                row["text"][span["start"] : span["end"]].strip() == row["text"][span["start"] : span["end"]]
            )


def test_generators_do_not_use_the_detectors() -> None:
    generators = [*GENERATORS.glob("gen*.py"), GENERATORS / "pii_values.py"]
    assert len(generators) >= 7  # the glob must find the generators, or this test would pass on nothing
    for path in generators:
        imports = re.findall(r"^\s*(?:from|import)\s+(\S+)", path.read_text(encoding="utf-8"), re.MULTILINE)
        assert not [m for m in imports if m.split(".")[0] == "guardrails"], path.name
