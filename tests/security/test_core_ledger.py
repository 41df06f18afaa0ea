"""Probes on the ledger's integrity and exactly-once keys, against real SQLite and PostgreSQL ledgers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import copilot.settings
from contract import ConflictError, UserError
from copilot.cli.ledger import app as ledger_cli
from copilot.ledger import FileWitness, Ledger, open_ledger
from tests.ledger.conftest import INPUTS, later, make_suggestion

KEY = "k-security-probe-only"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    from tests.scale.stack import create_database

    return create_database(
        request.getfixturevalue("postgres_url"), f"sec_{abs(hash(request.node.name)) % 10**8}"
    )


@pytest.fixture
def witnessed(ledger_url: str, tmp_path: Path) -> Iterator[Ledger]:
    ledger = open_ledger(ledger_url, checkpoint_key=KEY, witness=FileWitness(tmp_path / "witness.jsonl"))
    ledger.append_many([(make_suggestion(created_at=later(i)), INPUTS) for i in range(3)])
    yield ledger
    ledger.close()


def _truncate_last_and_fix_head(ledger: Ledger) -> None:
    with ledger.engine.begin() as conn:
        last = conn.execute(sa.text("SELECT max(seq) FROM ledger_entries")).scalar_one()
        conn.execute(sa.text("DELETE FROM ledger_entries WHERE seq = :s"), {"s": last})
        prev = conn.execute(
            sa.text("SELECT entry_hash FROM ledger_entries WHERE seq = :s"), {"s": last - 1}
        ).scalar_one()
        conn.execute(
            sa.text("UPDATE ledger_head SET seq = :s, entry_hash = :h WHERE id = 1"),
            {"s": last - 1, "h": prev},
        )
        conn.execute(
            sa.text("DELETE FROM ledger_checkpoints")
        )  # the attacker cleans the in-database marks too


@pytest.mark.probe(
    id="ledger-truncation",
    sends="DELETE the last ledger entry, UPDATE ledger_head to the new last entry, DELETE ledger_checkpoints",
    expect="verify fails: problem 'witness' (the head signed outside the database is past the chain's end)",
)
def test_truncation_is_caught_by_the_witness(witnessed: Ledger) -> None:
    witnessed.witness_head()  # the periodic tick
    assert witnessed.verify().ok
    _truncate_last_and_fix_head(witnessed)
    report = witnessed.verify()
    assert not report.ok
    assert report.first_broken is not None and report.first_broken.problem == "witness"


@pytest.mark.probe(
    id="ledger-verify-head-row-deleted",
    sends="DELETE FROM ledger_head, then `copilot ledger verify`",
    expect="exit 1 with 'BROKEN … head row is missing', no traceback",
)
def test_verify_with_the_head_row_deleted_is_a_clear_error(
    witnessed: Ledger, ledger_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with witnessed.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM ledger_head"))
    settings = SimpleNamespace(  # a deployment always has its tenant: the CLI takes the tenant-bound path
        ledger_url=ledger_url, ledger_checkpoint_key=KEY, data_dir=tmp_path, redis_url="", tenant="demo"
    )
    monkeypatch.setattr(copilot.settings, "get_settings", lambda: settings)
    result = CliRunner().invoke(ledger_cli, ["verify"])
    assert result.exit_code == 1, result.output
    assert "head row is missing" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    with pytest.raises(UserError) as refused:  # appending to a headless chain is refused, not a crash
        witnessed.record_suggestion(make_suggestion(), inputs=INPUTS)
    assert refused.value.reason == "head_missing"


@pytest.mark.probe(
    id="ledger-cli-verify-truncation",
    sends="truncate the configured ledger (last entry + head row), then `copilot ledger verify`",
    expect="exit 1, 'BROKEN … witness'",
)
def test_cli_verify_reads_the_default_witness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    settings = SimpleNamespace(
        ledger_url=url, ledger_checkpoint_key=KEY, data_dir=tmp_path, redis_url="", tenant="demo"
    )
    monkeypatch.setattr(copilot.settings, "get_settings", lambda: settings)
    ledger = open_ledger(url, checkpoint_key=KEY, witness=FileWitness(tmp_path / "ledger.witness.jsonl"))
    ledger.append_many([(make_suggestion(created_at=later(i)), INPUTS) for i in range(2)])
    ledger.witness_head()
    runner = CliRunner()
    ok = runner.invoke(ledger_cli, ["verify"])
    assert ok.exit_code == 0 and "witness file:" in ok.output, ok.output
    _truncate_last_and_fix_head(ledger)
    broken = runner.invoke(ledger_cli, ["verify"])
    assert broken.exit_code == 1 and "witness" in broken.output
    ledger.close()


@pytest.mark.probe(
    id="ledger-duplicate-message-concurrent",
    sends="4 threads on 4 ledger connections record a suggestion for the same (tenant, channel, message id)",
    expect="exactly one is recorded; the other three get ConflictError message_already_recorded naming it",
)
def test_one_suggestion_per_message_across_writers(ledger_url: str) -> None:
    ledgers = [open_ledger(ledger_url) for _ in range(4)]
    results: list[str] = []
    conflicts: list[ConflictError] = []
    gate = threading.Barrier(4)

    def record(ledger: Ledger) -> None:
        suggestion = make_suggestion()  # same tenant / channel / message? set below
        suggestion = suggestion.model_copy(update={"message_id": "dup-1", "conversation_id": "conv-dup"})
        gate.wait()
        try:
            ledger.record_suggestion(suggestion, inputs=INPUTS)
            results.append(suggestion.id)
        except ConflictError as exc:
            conflicts.append(exc)

    threads = [threading.Thread(target=record, args=(lg,)) for lg in ledgers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 1 and len(conflicts) == 3
    assert {c.reason for c in conflicts} == {"message_already_recorded"}
    assert {c.details["suggestion_id"] for c in conflicts} == set(results)
    assert ledgers[0].count() == 1 and ledgers[0].verify().ok
    held = ledgers[0].message_suggestion("demo", "wecom_app", "dup-1") or ("", "")
    assert held == ("conv-dup", results[0])
    for lg in ledgers:
        lg.close()
