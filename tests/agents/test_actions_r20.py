"""Session 20, actions: a step the message names by its catalog label's own word, backed by the customer's record or
the computed answer (agents.actions.playbook._the_named_step), on new messages (tests/agents/data/actions_scratch_r20.yaml,
written before the change; see its header for kinds). Per tag: the cases whose first expected action is in the top 2
(`hesitate`: whose top 2 holds none of its forbidden actions). Floors are the counts measured at the commit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agents.actions.playbook import label_words
from tests.agents.scratch_suite import run_scratch_suite

DATA = Path(__file__).parent / "data" / "actions_scratch_r20.yaml"


@pytest.fixture(scope="module")
def scratch_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("actions-r20"))


def _top2(run: Any, tag: str) -> tuple[int, int]:
    ok = n = 0
    for case in run.cases:
        if tag not in (case.tags or []):
            continue
        n += 1
        turn = case.turns[-1]
        acts = [str(a.get("name")) for a in ((turn.suggestion or {}).get("actions") or [])][:2]
        expect = turn.expect or {}
        if expect.get("actions"):
            ok += expect["actions"][0]["name"] in acts
        else:
            ok += not set(expect.get("forbidden_actions") or []) & set(acts)
    return ok, n


def test_a_service_visit_asked_with_its_offer_gets_the_booking(scratch_run: Any) -> None:
    # measured at 04d7dfd (clean copy): 2/11; with _the_named_step: 7/11 (sv05/sv06 English and code-mixed: the label
    # is Chinese; sv09 traditional: no campaign row computed for the message; sv03: the campaign's own registration
    # holds the second place under the weakly read package card, and the booking follows it, third — as the tuning
    # suite's ad-t7-18 wants the registration first)
    ok, n = _top2(scratch_run, "service_visit")
    assert n >= 11 and ok >= 7, (ok, n)


def test_innocents_and_signal_backed_actions_keep_their_place(scratch_run: Any) -> None:
    # measured before and after: innocents 5/6 (in04: a campaign's end date asked beside 保养 gets the renewal, both
    # times), signal_read 6/6 (batch J's j-extwarranty-p004-voice-asr miss did not reproduce in these variants)
    ok, n = _top2(scratch_run, "innocent")
    assert n >= 6 and ok >= 5, (ok, n)
    ok, n = _top2(scratch_run, "signal_read")
    assert n >= 6 and ok >= 6, (ok, n)


def test_hesitation_measured(scratch_run: Any) -> None:
    # measured before and after: 1/4 (a not-now to the rep's offer still gets the contract; not fixed this session)
    ok, n = _top2(scratch_run, "hesitate")
    assert n >= 4 and ok >= 1, (ok, n)


def test_label_words_are_each_one_labels_own() -> None:
    from agents.tenant import TenantConfig

    pack = TenantConfig.load(Path(__file__).parents[2] / "copilot" / "tenants" / "autodealer")
    words = label_words(pack)
    assert set(words) == {a.name for a in pack.actions}
    labels = {a.name: a.label_zh for a in pack.actions}
    for name, ws in words.items():
        for w in ws:
            assert len(w) >= 2 and w in labels[name]
            assert not any(w in label for other, label in labels.items() if other != name), (w, name)
    # the label's object, not its verb: 预约 (预约保养 and 预约拜访) or 查询 name no step
    assert words["book_maintenance"] == {"保养", "进店"}
    assert words["trade_in_appraisal"] == {"置换评估"}
    assert not any(w in ("预约", "查询", "办理", "推荐") for ws in words.values() for w in ws)
