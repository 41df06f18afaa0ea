"""Next-best actions on NEW messages (tests/agents/data/actions_generalisation_r7.yaml): multi-need, rambling voice,
English and mixed, complaints with a buried request, image and file messages, rep asks and follow-ups, for both
tenants, through the real graph (no LLM). The floors sit under what was measured (before/after in the file's header),
so a change that loses general ground fails here; they are not set to pass trivially.

Run the table by hand: python -m evals.actions_generalise tests/agents/data/actions_generalisation_r7.yaml --scratch"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evals.actions_generalise import scratch, scratch_summary

DATA = Path(__file__).parent / "data" / "actions_generalisation_r7.yaml"
CONFIG = Path(__file__).parents[2] / "evals" / "configs" / "no-llm.yaml"
# measured before this round 0.816 (31/38), after 0.895 (34/38): the floors allow one case of drift (other helpers'
# intent changes move readings), not a return to the baseline
FLOOR_TOP2 = 0.86
FLOOR_BY_TENANT = {"autodealer": 0.82, "demo": 0.9}  # after: 0.857 (24/28), 1.000 (10/10)
FLOOR_MULTI_BOTH = 0.2  # before and after: 0.222 (2/9): not improved this round


def test_scratch_set_is_well_formed():
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    cases = [c for body in data["suites"].values() for c in body["cases"]]
    assert len(cases) >= 30
    assert set(data["suites"]) == {"autodealer", "demo"}
    assert len({c["id"] for c in cases}) == len(cases)
    assert all(c["expect"]["actions"] for c in cases)
    # the shapes the set is about are all there
    tags = {t for c in cases for t in c.get("tags", [])}
    assert {
        "multi",
        "voice",
        "english",
        "mixed",
        "complaint",
        "image",
        "file",
        "rep-ask",
        "follow-up",
    } <= tags
    assert all(len(c["expect"]["actions"]) >= 2 for c in cases if "multi" in c.get("tags", []))


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict:
    mp = pytest.MonkeyPatch()
    mp.setenv("COPILOT_DATA_DIR", str(tmp_path_factory.mktemp("actions_scratch")))
    try:
        return scratch(DATA, CONFIG)
    finally:
        mp.undo()


def test_actions_on_new_messages_stay_above_the_floor(result):
    assert result["n"] >= 30
    assert result["errors"] == 0, scratch_summary(result)
    assert result["top2"] >= FLOOR_TOP2, scratch_summary(result)
    for tenant, floor in FLOOR_BY_TENANT.items():
        assert result["by_tenant"][tenant] >= floor, scratch_summary(result)


def test_both_needs_of_a_multi_need_message_reach_the_card(result):
    assert result["multi_n"] >= 8
    assert result["multi_both"] >= FLOOR_MULTI_BOTH, scratch_summary(result)


def test_no_action_appears_twice_on_a_card(result):
    for r in result["rows"]:
        assert len(r["got"]) == len(set(r["got"])), r
