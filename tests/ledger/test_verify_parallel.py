"""The parallel verify pass (seq ranges in worker processes) gives exactly the sequential pass's report: on an intact
ledger, and on every kind of tampering, whichever range the damage falls in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from contract import HumanDecision
from copilot.ledger import Ledger, open_ledger
from copilot.ledger import verify as verify_module
from copilot.ledger.canonical import payload_digest

from .conftest import INPUTS, REP_ZHANG, later, make_suggestion, raw

KEY = "k-parallel-test-only"
N_SUGGESTIONS = 9  # + 3 decisions = 12 entries: three ranges of four with workers=3


@pytest.fixture
def big(tmp_path: Path) -> Ledger:
    led = open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}", checkpoint_key=KEY)
    sugs = [make_suggestion(created_at=later(i)) for i in range(N_SUGGESTIONS)]
    led.append_many([(s, INPUTS) for s in sugs])
    for s in sugs[:3]:
        led.record_decision(
            HumanDecision(suggestion_id=s.id, kind="accept", actor="rep_zhang", decided_at=later(20)),
            actor=REP_ZHANG,
        )
    led.checkpoint()  # a signed mark at seq 12
    yield led
    led.engine.dispose()


def both(led: Ledger) -> tuple[dict[str, object], dict[str, object]]:
    seq = verify_module.verify(led.engine, checkpoint_key=KEY, workers=1)
    par = verify_module.verify(led.engine, checkpoint_key=KEY, workers=3, parallel_min_entries=1)
    return seq.model_dump(), par.model_dump()


def test_an_intact_ledger_is_verified_by_the_worker_processes(
    big: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    joined: list[object] = []
    real_join = verify_module._join_ranges

    def spy(*args: object, **kwargs: object) -> object:
        out = real_join(*args, **kwargs)  # type: ignore[arg-type]
        joined.append(out)
        return out

    monkeypatch.setattr(verify_module, "_join_ranges", spy)
    sequential, parallel = both(big)
    assert parallel == sequential
    assert parallel["ok"] is True and parallel["entries"] == 12 and parallel["checkpoints_checked"] == 1
    assert joined and joined[0] is not None  # the ranges agreed: no sequential re-run behind the result


def _payload(seq: int) -> Callable[[Ledger], None]:
    return lambda led: raw(
        led, f"UPDATE ledger_entries SET payload = replace(payload, '3%', '8%') WHERE seq = {seq}"
    )


def _forged_payload(seq: int) -> Callable[[Ledger], None]:
    def tamper(led: Ledger) -> None:
        row = raw(led, f"SELECT payload FROM ledger_entries WHERE seq = {seq}").one()
        forged = row.payload.replace("rep_zhang", "rep_li")
        raw(led, f"UPDATE ledger_entries SET payload = :p, payload_hash = :h WHERE seq = {seq}",
            p=forged, h=payload_digest(forged))  # fmt: skip

    return tamper


TAMPERS: dict[str, Callable[[Ledger], None]] = {
    "payload in range 1": _payload(2),
    "payload in range 3": _payload(9),
    "forged payload hash at a range start": _forged_payload(5),
    "column edit in range 2": lambda led: raw(
        led, "UPDATE ledger_entries SET decision = 'reject' WHERE seq = 11"
    ),
    "deleted entry at a range start": lambda led: raw(led, "DELETE FROM ledger_entries WHERE seq = 5"),
    "deleted entry at a range end": lambda led: raw(led, "DELETE FROM ledger_entries WHERE seq = 8"),
    "whole range deleted": lambda led: raw(led, "DELETE FROM ledger_entries WHERE seq BETWEEN 5 AND 8"),
    "deleted tail": lambda led: raw(led, "DELETE FROM ledger_entries WHERE seq = 12"),
    "payload dropped without redaction": lambda led: raw(
        led, "UPDATE ledger_entries SET payload = NULL WHERE seq = 6"
    ),
    "link across ranges rewritten": lambda led: raw(
        led,
        "UPDATE ledger_entries SET prev_hash = (SELECT entry_hash FROM ledger_entries WHERE seq = 7) WHERE seq = 9",
    ),
    "checkpoint moved": lambda led: raw(
        led, "UPDATE ledger_checkpoints SET entry_hash = 'sha256:' || hex(randomblob(32))"
    ),
}


@pytest.mark.parametrize("name", list(TAMPERS))
def test_tampering_is_reported_the_same_by_both_passes(big: Ledger, name: str) -> None:
    TAMPERS[name](big)
    sequential, parallel = both(big)
    assert sequential["ok"] is False
    assert parallel == sequential
