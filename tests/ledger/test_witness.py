"""The witness outside the ledger database: append-only file and Redis list, the periodic ticker, and verify against
it (truncation is caught even after the in-database checkpoints are deleted)."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from contract import UserError
from copilot.ledger import FileWitness, Ledger, RedisWitness, open_ledger, open_witness
from copilot.ledger.witness import WitnessTicker

from .conftest import INPUTS, later, make_suggestion

KEY = "k-witness-test-only"


def _truncate(ledger: Ledger) -> None:
    with ledger.engine.begin() as conn:
        last = conn.execute(sa.text("SELECT max(seq) FROM ledger_entries")).scalar_one()
        conn.execute(sa.text("DELETE FROM ledger_entries WHERE seq = :s"), {"s": last})
        prev = conn.execute(
            sa.text("SELECT entry_hash FROM ledger_entries WHERE seq = :s"), {"s": last - 1}
        ).scalar_one()
        conn.execute(sa.text("UPDATE ledger_head SET seq = :s, entry_hash = :h"), {"s": last - 1, "h": prev})
        conn.execute(sa.text("DELETE FROM ledger_checkpoints"))


@pytest.mark.parametrize("kind", ["file", pytest.param("redis", marks=pytest.mark.redis)])
def test_verify_against_the_witness(
    kind: str, ledger_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if kind == "file":
        witness = FileWitness(tmp_path / "w.jsonl")
    else:
        client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
        witness = RedisWitness(client, key=f"test:witness:{request.node.name}")
        client.delete(witness.key)
    ledger = open_ledger(ledger_url, checkpoint_key=KEY, witness=witness)
    ledger.append_many([(make_suggestion(created_at=later(i)), INPUTS) for i in range(3)])
    ticker = WitnessTicker(ledger, interval_s=0)  # ticked by hand here
    ticker.tick()
    mark = witness.latest()
    assert mark is not None and (mark.seq, mark.entry_hash) == ledger.head()
    ticker.tick()  # the head did not move: nothing new signed
    assert witness.latest() == mark
    report = ledger.verify()
    assert report.ok and report.checkpoints_checked >= 1
    _truncate(ledger)
    broken = ledger.verify()
    assert not broken.ok and broken.first_broken is not None and broken.first_broken.problem == "witness"
    ledger.close()


def test_an_unsigned_mark_without_a_key_still_catches_truncation(tmp_path: Path) -> None:
    ledger = open_ledger(f"sqlite:///{tmp_path / 'l.sqlite'}", witness=FileWitness(tmp_path / "w.jsonl"))
    ledger.append_many([(make_suggestion(created_at=later(i)), INPUTS) for i in range(2)])
    mark = ledger.witness_head()
    assert mark is not None and mark.signature == "unsigned"
    _truncate(ledger)
    assert not ledger.verify().ok
    ledger.close()


def test_witness_settings(tmp_path: Path) -> None:
    default = open_witness("", data_dir=tmp_path)
    assert isinstance(default, FileWitness) and default.path == tmp_path / "ledger.witness.jsonl"
    assert open_witness("none", data_dir=tmp_path) is None
    assert isinstance(open_witness(f"file:{tmp_path / 'x.jsonl'}", data_dir=tmp_path), FileWitness)
    with pytest.raises(UserError):
        open_witness("redis", data_dir=tmp_path)  # no Redis configured
    with pytest.raises(UserError):
        open_witness("s3://bucket", data_dir=tmp_path)


def test_a_damaged_witness_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "w.jsonl"
    path.write_text("not json\n", encoding="utf-8")
    with pytest.raises(UserError) as err:
        FileWitness(path).latest()
    assert err.value.reason == "witness_damaged"


def test_verify_with_a_damaged_witness_is_a_broken_report_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "w.jsonl"
    ledger = open_ledger(f"sqlite:///{tmp_path / 'l.sqlite'}", witness=FileWitness(path))
    ledger.record_suggestion(make_suggestion(), inputs=INPUTS)
    path.write_text("{half a line\n", encoding="utf-8")
    report = ledger.verify()
    assert not report.ok and report.first_broken is not None and report.first_broken.problem == "witness"
    ledger.close()


@pytest.mark.redis
def test_tenants_sharing_a_redis_keep_their_own_witness(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Two deployments (tenants a and b, each with its own ledger) on one Redis: b's verify must never read a's head,
    which it would take for a truncation of its own chain."""
    url = request.getfixturevalue("redis_url")
    base = f"test:witness:{request.node.name}"
    a = open_witness("redis", data_dir=tmp_path, redis_url=url, key=base, tenant="a")
    b = open_witness("redis", data_dir=tmp_path, redis_url=url, key=base, tenant="b")
    assert isinstance(a, RedisWitness) and isinstance(b, RedisWitness)
    assert (a.key, b.key) == (f"{base}:a", f"{base}:b")
    ledger = open_ledger(f"sqlite:///{tmp_path / 'a.sqlite'}", checkpoint_key=KEY, witness=a)
    ledger.append_many([(make_suggestion(created_at=later(i)), INPUTS) for i in range(2)])
    mark = ledger.witness_head()
    assert mark is not None and a.latest() == mark
    assert b.latest() is None
    ledger.close()
