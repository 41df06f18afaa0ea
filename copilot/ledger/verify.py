"""Re-hash the whole chain and name the first entry that disagrees; write and check HMAC-signed checkpoints.

What each check catches:
  payload_hash  an edited payload (the bytes no longer hash to the chained payload hash)
  entry_hash    an edited chained column (rep, intent, decision, time …) or a payload hash rewritten to match
  seq_gap       a deleted entry (or rows renumbered)
  prev_hash     reordered entries, or an entry re-hashed after its successor was written
  head          entries deleted from the end (the head row remembers the last seq and hash)
  checkpoint    a chain rewritten wholesale: the signed checkpoint no longer matches, or its signature fails
  witness       the head signed into the witness outside the database is past the end of the chain (entries
                deleted from the end and the head row fixed), or disagrees with the entry at its seq
  unrecorded_redaction  a payload removed without a chained redaction entry covering it
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, LargeBinary, Select, case, cast, func, select, type_coerce
from sqlalchemy.engine import Engine

from contract.errors import BackendUnavailable, InputError, UserError
from copilot.ledger.canonical import (
    GENESIS_HASH,
    HEADER_FIELDS,
    checkpoint_signature,
    now_iso,
    signature_matches,
)
from copilot.ledger.chain_scan import ChainBreak, scan, scan_sqlite_range
from copilot.ledger.engine import write_transaction
from copilot.ledger.models import BrokenEntry, Checkpoint, VerifyReport
from copilot.ledger.schema import checkpoints, entries, head
from copilot.ledger.witness import Witness

_HEADER_COLUMNS = [entries.c[name] for name in HEADER_FIELDS]


def _payload_bytes(dialect: str) -> Any:
    """The payload's UTF-8 bytes straight from the database: no decode to str and re-encode per row."""
    if dialect == "sqlite":
        return cast(entries.c.payload, LargeBinary)
    return type_coerce(func.convert_to(entries.c.payload, "UTF8"), LargeBinary)  # PostgreSQL


def _stream_rows(conn: Connection, stmt: Select[Any]) -> Iterator[tuple[Any, ...]]:
    """Rows as plain tuples in seq order, a batch at a time. On SQLite straight from the driver's cursor: the
    columns are plain strings, integers and bytes, so SQLAlchemy's per-row Row objects and result processing would
    only add Python work per entry (a million times) without changing a value."""
    if conn.dialect.name != "sqlite":
        yield from conn.execution_options(stream_results=True, yield_per=5000).execute(stmt)
        return
    sql = str(stmt.compile(dialect=conn.dialect))
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(5000):
            yield from batch
    finally:
        cursor.close()


class _Broken(Exception):
    def __init__(self, broken: BrokenEntry, intact: int, checked: int, redacted: int) -> None:
        self.broken, self.intact, self.checked, self.redacted = broken, intact, checked, redacted


def _fail(
    header: tuple[Any, ...], problem: str, detail: str, expected: str = "", found: str = ""
) -> ChainBreak:
    """`header` starts (seq, id, …) as HEADER_FIELDS does."""
    return ChainBreak(header, problem, detail, expected, found)


def _broken(exc: ChainBreak) -> BrokenEntry:
    return BrokenEntry(seq=exc.header[0], id=exc.header[1], problem=exc.problem, detail=exc.detail,
                       expected=exc.expected, found=exc.found)  # fmt: skip


# The parallel pass: above this many entries a SQLite ledger is checked in seq ranges by several processes (one per
# CPU), each range on its own read-only connection. The links between ranges, the checkpoints and the witness are then
# checked here; any disagreement re-runs the sequential pass, so a broken ledger is always reported exactly as the
# sequential pass names it (first broken entry, entries intact before it).
PARALLEL_MIN_ENTRIES = 200_000
MAX_WORKERS = 8
_SCAN_SCRIPT = str(Path(__file__).with_name("chain_scan.py"))


@dataclass
class _Pass:
    seen: int
    prev: str
    checked: int
    redacted: list[tuple[int, str, str]]
    redaction_before: str


def verify(
    engine: Engine,
    *,
    checkpoint_key: str = "",
    witness: Witness | None = None,
    workers: int | None = None,
    parallel_min_entries: int = PARALLEL_MIN_ENTRIES,
) -> VerifyReport:
    """Every entry re-hashed, in seq order. `workers` (default: the CPU count) > 1 splits a large SQLite ledger into
    seq ranges checked in parallel processes; the checks and the report are the same as the sequential pass's."""
    try:
        witnessed = witness.latest() if witness is not None else None
    except (UserError, BackendUnavailable) as exc:  # damaged or unreachable: the chain cannot be vouched for
        broken = BrokenEntry(
            seq=0, id="(witness)", problem="witness", detail=f"the witness cannot be read: {exc}"
        )
        return VerifyReport(ok=False, entries=0, head_seq=0, head_hash="", first_broken=broken)
    with engine.connect() as conn:
        head_row = conn.execute(select(head.c.seq, head.c.entry_hash).where(head.c.id == 1)).first()
        if head_row is None:  # the head row was deleted: a clear verdict, not a crash
            broken = BrokenEntry(seq=0, id="(head)", problem="head",
                                 detail="the chain head row is missing (ledger_head was tampered with)")  # fmt: skip
            return VerifyReport(ok=False, entries=0, head_seq=0, head_hash="", first_broken=broken)
        head_seq, head_hash = head_row
        marks = {r.seq: r for r in conn.execute(select(checkpoints))}
        done = None
        n_workers = workers if workers is not None else min(os.cpu_count() or 1, MAX_WORKERS)
        path = _sqlite_file(engine)
        if n_workers > 1 and path:
            max_seq = conn.execute(select(func.max(entries.c.seq))).scalar() or 0
            if max_seq >= parallel_min_entries:
                done = _parallel_pass(path, max_seq, n_workers, marks, witnessed, checkpoint_key)
        try:
            if done is None:
                done = _sequential_pass(conn, engine.dialect.name, marks, witnessed, checkpoint_key)
            _final_checks(done, marks, witnessed, head_seq, head_hash)
        except _Broken as exc:
            return VerifyReport(ok=False, entries=exc.intact, head_seq=head_seq, head_hash=head_hash,
                                checkpoints_checked=exc.checked, redacted=exc.redacted,
                                first_broken=exc.broken)  # fmt: skip
    return VerifyReport(ok=True, entries=done.seen, head_seq=head_seq, head_hash=head_hash,
                        checkpoints_checked=done.checked, redacted=len(done.redacted))  # fmt: skip


def _sequential_pass(
    conn: Connection, dialect: str, marks: dict[int, Any], witnessed: Checkpoint | None, key: str
) -> _Pass:
    """One streaming pass in seq order (chain_scan.scan: the inner loop runs a million times on plain tuples)."""
    payload_col = _payload_bytes(dialect)
    stmt = select(*_HEADER_COLUMNS, payload_col, entries.c.prev_hash, entries.c.entry_hash).order_by(
        entries.c.seq
    )
    watched = set(marks) | ({witnessed.seq} if witnessed is not None else set())
    checked = 0

    def at_watched(header: tuple[Any, ...], stored_hash: str) -> None:
        nonlocal checked
        seq = header[0]
        if seq in marks:
            _check_mark(header, marks[seq], stored_hash, key)
            checked += 1
        if witnessed is not None and seq == witnessed.seq:
            _check_witness(header, witnessed, stored_hash, key)
            checked += 1

    try:
        res = scan(_stream_rows(conn, stmt), expected_seq=1, prev=GENESIS_HASH, watched=watched,
                   at_watched=at_watched)  # fmt: skip
    except ChainBreak as exc:
        raise _Broken(_broken(exc), exc.intact, checked, exc.redacted) from None
    return _Pass(res.last_seq, res.last_hash or GENESIS_HASH, checked, res.redacted, res.redaction_before)


def _final_checks(
    done: _Pass, marks: dict[int, Any], witnessed: Checkpoint | None, head_seq: int, head_hash: str
) -> None:
    seen, prev = done.seen, done.prev
    last = (seen, "(head)")
    try:
        if witnessed is not None and witnessed.seq > seen:
            raise _fail(last, "witness", f"the witness outside the database signed seq {witnessed.seq} but "
                        f"the chain ends at {seen}: entries were removed from the end",
                        f"{witnessed.seq} {witnessed.entry_hash}", f"{seen} {prev}")  # fmt: skip
        if (head_seq, head_hash) != (seen, prev):
            raise _fail(last, "head", "the chain head disagrees with the last entry: entries were removed from "
                        "the end or appended around the ledger", f"{head_seq} {head_hash}", f"{seen} {prev}")  # fmt: skip
        beyond = [s for s in marks if s > seen]
        if beyond:
            raise _fail(
                last,
                "checkpoint",
                f"a signed checkpoint at seq {min(beyond)} is past the end of the chain",
            )
        for seq, entry_id, created_at in done.redacted:
            if not done.redaction_before or created_at >= done.redaction_before:
                raise _fail((seq, entry_id), "unrecorded_redaction",
                            "payload removed without a redaction entry covering it")  # fmt: skip
    except ChainBreak as exc:
        raise _Broken(_broken(exc), seen, done.checked, len(done.redacted)) from None


def _sqlite_file(engine: Engine) -> str:
    """The database file of a file-backed SQLite ledger ('' for PostgreSQL and in-memory databases)."""
    if engine.dialect.name != "sqlite":
        return ""
    database = engine.url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return ""
    return database if Path(database).is_file() else ""


def _parallel_pass(
    path: str, max_seq: int, n_workers: int, marks: dict[int, Any], witnessed: Checkpoint | None, key: str
) -> _Pass | None:
    """Seq ranges checked at once: ranges 2…n in worker processes (chain_scan.py run as a script: no package
    imports), range 1 here. None = anything disagrees or a worker failed: the caller runs the sequential pass."""
    size = -(-max_seq // n_workers)
    bounds = [(1 + i * size, (i + 1) * size) for i in range(n_workers)]
    los = [lo for lo, _ in bounds]
    watched = sorted(set(marks) | ({witnessed.seq} if witnessed is not None else set()))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for i, (lo, hi) in enumerate(bounds[1:], start=1):
            job = {"path": path, "lo": lo, "hi": None if i == n_workers - 1 else hi, "watched": watched}
            proc = subprocess.Popen(  # noqa: S603 - this interpreter, a fixed script of this package, no shell
                [sys.executable, _SCAN_SCRIPT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            assert proc.stdin is not None
            proc.stdin.write(json.dumps(job).encode("utf-8"))
            proc.stdin.close()
            procs.append(proc)
        first = scan_sqlite_range(path, 1, bounds[0][1] if n_workers > 1 else None, watched)
        results = [first]
        for proc in procs:
            assert proc.stdout is not None
            out = proc.stdout.read()
            if proc.wait() != 0:
                return None
            results.append(json.loads(out))
    except (OSError, ValueError, sqlite3.Error):
        return None
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return _join_ranges(results, los, marks, witnessed, key)


def _join_ranges(
    results: list[dict[str, Any]],
    los: list[int],
    marks: dict[int, Any],
    witnessed: Checkpoint | None,
    key: str,
) -> _Pass | None:
    prev, seen = GENESIS_HASH, 0
    hashes: dict[int, str] = {}
    redacted: list[tuple[int, str, str]] = []
    redaction_before = ""
    for i, res in enumerate(results):
        if not res.get("ok") or res["lo"] != los[i]:
            return None
        if res["rows"] == 0:
            if any(r.get("rows") for r in results[i + 1 :]):
                return None  # an empty range before a non-empty one: a gap (the sequential pass names it)
            continue
        if res["first_prev"] != prev or res["lo"] != seen + 1:
            return None
        prev, seen = res["last_hash"], res["last_seq"]
        hashes.update({int(k): v for k, v in res["hashes"].items()})
        redacted.extend((int(a), str(b), str(c)) for a, b, c in res["redacted"])
        redaction_before = max(redaction_before, res["redaction_before"])
    checked = 0
    for seq, mark in marks.items():
        if seq <= seen:
            if hashes.get(seq) != mark.entry_hash:
                return None
            if key and not signature_matches(key, mark.seq, mark.entry_hash, mark.signature):
                return None
            checked += 1
    if witnessed is not None and witnessed.seq <= seen:
        if hashes.get(witnessed.seq) != witnessed.entry_hash:
            return None
        if key and not signature_matches(key, witnessed.seq, witnessed.entry_hash, witnessed.signature):
            return None
        checked += 1
    return _Pass(seen, prev, checked, redacted, redaction_before)


def _check_mark(row: tuple[Any, ...], mark: Any, stored_hash: str, key: str) -> None:
    if mark.entry_hash != stored_hash:
        raise _fail(row, "checkpoint", "differs from the signed checkpoint at this seq (chain rewritten)",
                    mark.entry_hash, stored_hash)  # fmt: skip
    if key and not signature_matches(key, mark.seq, mark.entry_hash, mark.signature):
        raise _fail(row, "checkpoint", "the checkpoint's signature is not valid under the configured key")


def _check_witness(row: tuple[Any, ...], mark: Checkpoint, stored_hash: str, key: str) -> None:
    if mark.entry_hash != stored_hash:
        raise _fail(row, "witness", "differs from the head signed into the witness (chain rewritten)",
                    mark.entry_hash, stored_hash)  # fmt: skip
    if key and not signature_matches(key, mark.seq, mark.entry_hash, mark.signature):
        raise _fail(row, "witness", "the witnessed head's signature is not valid under the configured key")


OTHER_TENANTS_ENTRY = "(another tenant's entry)"
SHARED_CHAIN = "(the shared chain)"
# what a tenant reads of a break in the chain as a whole: the problem, said without another entry's seq, id or hashes
# (a missing head row keeps its own fixed text, which names nothing)
_SHARED_DETAIL = {
    "head": "the chain head disagrees with the chain's last entry: entries were removed or the head rewritten",
    "witness": "the chain does not match the head signed outside the database",
    "checkpoint": "the chain differs from a signed checkpoint: the chain was rewritten",
    "seq_gap": "entries of the chain are missing or renumbered",
}


def for_tenant(engine: Engine, report: VerifyReport, tenant: str) -> VerifyReport:
    """`report` (the chain-wide verify: the chain cannot be checked a tenant at a time) as `tenant` may see it. The
    verdict is the chain's (a break anywhere means none of the chain can be vouched for). The counts are the tenant's
    own: its entries among the intact ones (seq 1..report.entries), its redacted payloads among them, its last intact
    entry as the head. The first broken entry is named only when it is the tenant's own; another tenant's entry, or
    the chain's head, checkpoints or witness, is said by its problem and a fixed sentence (no seq, id, hash or detail of
    another entry: those are the operator's, `copilot ledger --all-tenants verify`); a break of the chain as a whole is
    not said to lie outside this tenant's entries, since it concerns them too."""
    own = (entries.c.tenant == tenant, entries.c.seq <= report.entries)
    with engine.connect() as conn:
        count, redacted = conn.execute(
            select(
                func.count(), func.coalesce(func.sum(case((entries.c.payload.is_(None), 1), else_=0)), 0)
            ).where(*own)
        ).one()
        last = conn.execute(
            select(entries.c.seq, entries.c.entry_hash).where(*own).order_by(entries.c.seq.desc()).limit(1)
        ).first()
        broken = report.first_broken
        if broken is not None:
            holder = conn.execute(
                select(entries.c.tenant).where(entries.c.seq == broken.seq, entries.c.id == broken.id)
            ).scalar()
            if holder is not None and holder != tenant:
                broken = BrokenEntry(
                    seq=0,
                    id=OTHER_TENANTS_ENTRY,
                    problem=broken.problem,
                    detail=f"the chain this tenant shares fails its {broken.problem} check outside this tenant's "
                    "entries; the operator's `copilot ledger --all-tenants verify` names where",
                )
            elif (
                holder is None
            ):  # the head, witness or checkpoints: the whole chain, this tenant's entries included
                broken = BrokenEntry(
                    seq=0,
                    id=SHARED_CHAIN,
                    problem=broken.problem,
                    detail=broken.detail if broken.id == "(head)" else _SHARED_DETAIL.get(broken.problem, ""),
                )
    return report.model_copy(
        update={
            "entries": int(count),
            "head_seq": int(last[0]) if last is not None else 0,
            "head_hash": str(last[1]) if last is not None else "",
            "redacted": int(redacted),
            "first_broken": broken,
            "tenant": tenant,
        }
    )


def write_checkpoint(engine: Engine, key: str) -> Checkpoint:
    """Signs the current head with HMAC-SHA256. Keep the key outside the database (settings / a secret store):
    whoever can rewrite the tables cannot then forge a matching checkpoint."""
    if not key:
        raise UserError(
            "signed checkpoints need a key: set the ledger checkpoint key in settings", reason="no_key"
        )
    with write_transaction(engine) as conn:
        head_row = conn.execute(select(head.c.seq, head.c.entry_hash).where(head.c.id == 1)).first()
        if head_row is None:
            raise UserError(
                "the chain head row is missing: run `copilot ledger verify`", reason="head_missing"
            )
        seq, entry_hash = head_row
        if seq == 0:
            raise InputError("the ledger is empty: nothing to checkpoint", reason="empty_ledger")
        existing = conn.execute(select(checkpoints).where(checkpoints.c.seq == seq)).first()
        if existing is not None:
            return Checkpoint(**existing._mapping)
        mark = Checkpoint(seq=seq, entry_hash=entry_hash, signature=checkpoint_signature(key, seq, entry_hash),
                          created_at=now_iso())  # fmt: skip
        conn.execute(checkpoints.insert().values(**mark.model_dump()))
        return mark
