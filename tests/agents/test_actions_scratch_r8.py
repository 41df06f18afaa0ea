"""Next-best actions on NEW messages, round 8 (tests/agents/data/actions_scratch_r8.yaml): the customer's CRM state
decides the action (an open ticket for the same vehicle is followed up, not opened again; a contract near or past its
end is renewed; a quote already sent leads to approval or contract), two needs in one message, image/file, voice,
English and rep asks, for both tenants, through the real graph (no LLM). Floors sit under what was measured (header of
the data file), so a change that loses this ground fails here.

Run the table by hand: python -m evals.actions_generalise tests/agents/data/actions_scratch_r8.yaml --scratch"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from evals.actions_generalise import scratch, scratch_summary

DATA = Path(__file__).parent / "data" / "actions_scratch_r8.yaml"
CONFIG = Path(__file__).parents[2] / "evals" / "configs" / "no-llm.yaml"
# before this round 0.644 (29/45), after 0.889 (40/45); session 9 (a needed intent's own rules, 6e5432c): 0.933
# (42/45). One case of drift allowed (other helpers' intent changes)
FLOOR_TOP2 = 0.91
FLOOR_BY_TENANT = {
    "autodealer": 0.91,
    "demo": 0.75,
}  # round 8: 0.892 (33/37), 0.875 (7/8); session 9: 0.946 (35/37)
FLOOR_MULTI_BOTH = 0.4  # before 0.167 (2/12), round 8 0.333 (4/12), session 9 0.500 (6/12)
FLOOR_STATE = 0.9  # cases tagged `state`: before 9/19, after 19/19


def test_scratch_set_is_well_formed() -> None:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    cases = [c for body in data["suites"].values() for c in body["cases"]]
    assert len(cases) >= 40
    assert len({c["id"] for c in cases}) == len(cases)
    tags = {t for c in cases for t in c.get("tags", [])}
    assert {"state", "multi", "voice", "english", "image", "file", "rep-ask", "follow-up"} <= tags
    assert all(len(c["expect"]["actions"]) >= 2 for c in cases if "multi" in c.get("tags", []))


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    mp = pytest.MonkeyPatch()
    mp.setenv("COPILOT_DATA_DIR", str(tmp_path_factory.mktemp("actions_scratch_r8")))
    try:
        return scratch(DATA, CONFIG)
    finally:
        mp.undo()


def test_actions_on_new_messages_stay_above_the_floor(result: dict[str, Any]) -> None:
    assert result["errors"] == 0, scratch_summary(result)
    assert result["top2"] >= FLOOR_TOP2, scratch_summary(result)
    for tenant, floor in FLOOR_BY_TENANT.items():
        assert result["by_tenant"][tenant] >= floor, scratch_summary(result)
    assert result["multi_both"] >= FLOOR_MULTI_BOTH, scratch_summary(result)


def test_the_customers_record_decides_the_action(result: dict[str, Any]) -> None:
    state = [r for r in result["rows"] if "state" in r["tags"]]
    assert len(state) >= 12
    assert sum(r["ok"] for r in state) / len(state) >= FLOOR_STATE, scratch_summary(result)
    # an open ticket for the same vehicle: never a second ticket beside the follow-up
    for r in state:
        if r["expected"][0] == "follow_up_open_ticket":
            assert "create_service_ticket" not in r["got"], r
