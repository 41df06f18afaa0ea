"""Embedded mode (SQLite inbox + ledger, the worker inside `copilot serve`) on real processes: kill -9 mid-batch,
restart, SIGTERM mid-batch, restart. Every accepted message is processed exactly once and nothing is left stranded,
although the lease (an hour) is far longer than the run and than any wait in it: start-up recovery and graceful
give-back do the work. Behaviour, not speed: no wall-clock bound on the restart (a loaded machine may take minutes to
load models); a claim that came back at all within the run can only have come back by start-up recovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scale.embedded import run

pytestmark = [pytest.mark.models, pytest.mark.slow]


def test_kill9_and_restart_process_every_message_exactly_once(tmp_path: Path) -> None:
    res = run(tmp_path, n=10, conversations=4, lease_s=3600.0)
    assert res["after_kill9"]["held_by_killed"] >= 1, res  # the kill did strand work
    assert res["killed_claims_left_after_restart"] == 0, (
        res
    )  # given back at start-up: the lease never ran out
    assert res["after_sigterm"]["held_by_stopped"] == 0, res  # graceful stop gave its messages back
    assert res["processed_exactly_once"] and res["suggestions_per_message"] == [1], res
    assert res["stranded"] == 0 and res["final_inbox"]["done"] == 10, res
    assert res["ledger_verify_exit"] == 0, res
