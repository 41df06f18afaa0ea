"""Ledger benchmark: batched append throughput and full-chain verify time on SQLite, each beside its floor measured
in the same run on the same data.

  append floor: a raw batched SQLite insert (sqlite3 executemany, same schema, indexes and pragmas) of the very rows
                the ledger wrote (entries, refs, message keys, head) — what the database alone costs, without serialising, hashing or chaining.
  verify floor: sha256 over the same bytes verify hashes (every payload and every chained header), precomputed —
                what the digest alone costs, without reading rows or rebuilding canonical JSON.

Default 100k entries (~3-5 min on 2 heavily shared cores); `--full` runs 1M and writes bench_ledger_full.*;
`--n N` any size (bench_ledger_N.*). Goals (issue 6): ≥ 5k appends/s
batched, verify 1M entries < 30 s. When 1M is not run, the 1M verify time is extrapolated linearly and labelled so.
Writes evals/results/bench_ledger.json and .md. Usage: python -m bench.bench_ledger [--full | --n N]
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import resource
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.machine import machine_load_report, measure_load
from contract import Action, Citation, Draft, Evidence, EvidenceKind, GuardVerdict, Intent, Suggestion
from copilot.ledger import Ledger, open_ledger
from copilot.ledger.canonical import HEADER_FIELDS, header_json
from copilot.ledger.engine import wal_checkpointer

RESULTS = Path(__file__).resolve().parents[1] / "evals" / "results"
BATCH = 5000
GOAL_APPENDS_PER_S = 5000
GOAL_VERIFY_1M_S = 30.0
CUSTOMERS = [
    ("C1001", "rep_zhang"),
    ("C1002", "rep_zhang"),
    ("C1003", "rep_li"),
    ("C1004", "rep_wang"),
    ("C1005", "rep_li"),
]
INTENTS = [
    "rebate_policy",
    "price_discount",
    "order_status",
    "warranty_repair",
    "device_alarm",
    "contract_renewal",
]


def template(i: int) -> Suggestion:
    """A realistic demo-tenant suggestion (~2.5 KB of canonical JSON): three evidence items, two actions, a cited draft."""
    customer, rep = CUSTOMERS[i % len(CUSTOMERS)]
    clause = Evidence(
        id=Evidence.make_id(EvidenceKind.POLICY_CLAUSE, "rebate-ortho", str(i)),
        kind=EvidenceKind.POLICY_CLAUSE,
        title="示例返点协议V3.2 第4.2条",
        content="季度采购额达到50万元的A类代理商，返点比例为3%；达到100万元的，返点比例为5%，返点以货款抵扣方式结算。",
        source_ids={
            "doc_id": "rebate-ortho",
            "version": "3.2",
            "clause": "4.2",
            "chunk_id": f"rebate-ortho:3.2:{i % 40}",
        },
        version="3.2",
        score=0.8123,
        lineage={"query": "返点 怎么算", "rank": 1, "bm25": 7.31, "dense": 0.77},
    )
    fact = Evidence(
        id=Evidence.make_id(EvidenceKind.CUSTOMER_FACT, customer, "tier"),
        kind=EvidenceKind.CUSTOMER_FACT,
        content="customer_tier = A",
        source_ids={"table": "customers", "row_key": customer, "field": "tier", "customer_id": customer},
        lineage={"sql": "SELECT tier FROM customers WHERE customer_id = :c", "params": {"c": customer}},
    )
    signal = Evidence(
        id=Evidence.make_id(EvidenceKind.SIGNAL, customer, "no_spine_purchase_180d"),
        kind=EvidenceKind.SIGNAL,
        content="该客户超过180天未采购品类B",
        source_ids={"signal_id": "no_spine_purchase_180d", "business_unit": "ortho"},
        lineage={"sql": "SELECT max(order_date) FROM orders WHERE customer_id = :c AND category = '品类B'"},
    )
    return Suggestion(
        tenant="demo",
        conversation_id=f"conv_{customer}_{i % 97}",
        message_id=f"msg_{i}",
        customer_ref=customer,
        rep_ref=rep,
        channel="wecom_app",
        intent=Intent(name=INTENTS[i % len(INTENTS)], confidence=0.91, label_zh="返点政策", sentiment=0.1),
        actions=[
            Action(
                name="send_policy_document", parameters={"doc_id": "rebate-ortho"}, evidence_ids=[clause.id]
            ),
            Action(
                name="push_campaign",
                parameters={"doc_id": "spine-trial-incentive"},
                evidence_ids=[signal.id],
                rule_id="rebate_spine_push",
                score=0.9,
                rationale="返点咨询 + 180天未采购品类B",
            ),
        ],  # fmt: skip
        draft=Draft(
            text="您好，按现行《示例返点协议V3.2》，A类代理商季度采购满50万元可享3%返点[1]。另外我们的新品X-7正在试销，有专项激励，需要我发您方案吗？",
            citations=[Citation(marker="1", evidence_id=clause.id)],
            model="qwen2.5-1.5b-instruct-q4_k_m",
            prompt_version="draft-v3",
        ),
        evidence=[clause, fact, signal],
        verdicts=[
            GuardVerdict(guard="grounding", outcome="allow", reasons=["3% ← [1]"]),
            GuardVerdict(guard="pii", outcome="allow"),
        ],  # fmt: skip
        timings_ms={
            "perceive": 2.1,
            "classify": 14.2,
            "retrieve": 41.0,
            "customer_360": 22.4,
            "playbook": 1.3,
            "draft": 880.0,
        },
        model="qwen2.5-1.5b-instruct-q4_k_m",
    )


TEMPLATES = [template(i) for i in range(60)]
INPUTS = {"text": "你好，现在返点是怎么算的？我手机<CN_MOBILE_1>", "channel": "wecom_app", "history_turns": 3}
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def batch_of(start: int, size: int) -> list[tuple[Suggestion, dict[str, Any]]]:
    return [
        (TEMPLATES[i % len(TEMPLATES)].model_copy(update={"id": f"sug_{uuid.uuid4().hex[:20]}",
                                                          "message_id": f"msg_{i}",  # one suggestion per message
                                                          "created_at": T0 + timedelta(seconds=i)}), INPUTS)
        for i in range(start, start + size)
    ]  # fmt: skip


def _sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def _cpu_with_children() -> float:
    """This process's CPU time plus that of its finished children (verify's parallel pass runs worker processes)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


class Clock:
    """Wall time and this process's CPU time over the timed sections only. On a shared machine the CPU time is the
    steadier number: it is what the work costs on an idle core (fsync waits are not in it)."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    @contextmanager
    def timed(self) -> Iterator[None]:
        w, c = time.perf_counter(), _cpu_with_children()
        yield
        self.wall += time.perf_counter() - w
        self.cpu += _cpu_with_children() - c

    def rates(self, n: int) -> dict[str, float]:
        return {"wall_s": round(self.wall, 2), "cpu_s": round(self.cpu, 2),
                "per_s_wall": round(n / self.wall), "per_s_cpu": round(n / self.cpu)}  # fmt: skip


class AppendClock(Clock):
    """The appending thread's CPU over the timed sections, plus every WAL checkpoint of the ledger wherever it ran:
    a file SQLite ledger checkpoints on a thread of its own (copilot/ledger/wal.py), also while the next batch is
    built outside the clock, and a process-CPU clock over the timed sections would leave that part out (the raw
    SQLite floor checkpoints inside its commits, so all of its checkpoints are counted)."""

    @contextmanager
    def timed(self) -> Iterator[None]:
        w, c = time.perf_counter(), time.thread_time()
        yield
        self.wall += time.perf_counter() - w
        self.cpu += time.thread_time() - c

    def finish(self, ledger: Ledger) -> None:
        """Stops the ledger's checkpoint thread, adds its CPU, and copies what it left in the log on this thread, in
        the clock (the floor's last commit would have checkpointed it too, had it crossed SQLite's threshold)."""
        checkpointer = wal_checkpointer(ledger.engine)
        if checkpointer is None:
            return
        checkpointer.close()
        self.cpu += checkpointer.cpu_s
        db = sqlite3.connect(_sqlite_path(str(ledger.engine.url)))
        try:
            with self.timed():
                db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            db.close()


def bench_append(url: str, n: int) -> Clock:
    ledger, clock = open_ledger(url), AppendClock()
    for start in range(0, n, BATCH):
        items = batch_of(start, min(BATCH, n - start))  # built outside the clock
        with clock.timed():
            ledger.append_many(items, batch_size=BATCH)
    clock.finish(ledger)
    ledger.close()
    return clock


def bench_append_floor(src_url: str, floor_url: str) -> Clock:
    """The same rows, already serialised, inserted with sqlite3 executemany in the same batches and pragmas."""
    open_ledger(floor_url).close()  # same schema and indexes, empty
    src = sqlite3.connect(_sqlite_path(src_url))
    dst = sqlite3.connect(_sqlite_path(floor_url), isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "cache_size=-32768"):  # the ledger's own pragmas
        dst.execute(f"PRAGMA {pragma}")
    cols = [r[1] for r in src.execute("PRAGMA table_info(ledger_entries)")]
    insert = f"INSERT INTO ledger_entries ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})"
    refs_sql = (
        "SELECT r.* FROM ledger_refs r JOIN ledger_entries e ON e.suggestion_id = r.suggestion_id "
        "WHERE e.kind = 'suggestion' AND e.seq > ? AND e.seq <= ?"
    )
    keys_sql = (  # one message key per suggestion (exactly-once), written by the ledger in the same transaction
        "SELECT k.* FROM ledger_message_keys k JOIN ledger_entries e ON e.suggestion_id = k.suggestion_id "
        "WHERE e.kind = 'suggestion' AND e.seq > ? AND e.seq <= ?"
    )
    key_cols = [r[1] for r in src.execute("PRAGMA table_info(ledger_message_keys)")]
    insert_keys = f"INSERT INTO ledger_message_keys VALUES ({','.join('?' * len(key_cols))})"
    clock, last = Clock(), 0
    while True:
        select = f"SELECT {','.join(cols)} FROM ledger_entries WHERE seq > ? ORDER BY seq LIMIT ?"
        rows = src.execute(select, (last, BATCH)).fetchall()
        if not rows:
            break
        refs = src.execute(refs_sql, (last, rows[-1][0])).fetchall()
        keys = src.execute(keys_sql, (last, rows[-1][0])).fetchall()
        with clock.timed():
            dst.execute("BEGIN IMMEDIATE")
            dst.executemany(insert_keys, keys)
            dst.executemany(insert, rows)
            dst.executemany("INSERT INTO ledger_refs VALUES (?, ?, ?)", refs)
            dst.execute(
                "UPDATE ledger_head SET seq = ?, entry_hash = ? WHERE id = 1", (rows[-1][0], rows[-1][-2])
            )
            dst.execute("COMMIT")
        last = rows[-1][0]
    src.close()
    dst.close()
    return clock


def bench_single(url: str, n: int) -> Clock:
    ledger, clock = open_ledger(url), AppendClock()
    items = batch_of(10_000_000, n)
    with clock.timed():
        for suggestion, inputs in items:
            ledger.record_suggestion(suggestion, inputs=inputs)  # one durable commit each
    clock.finish(ledger)
    ledger.close()
    return clock


def bench_verify(url: str) -> tuple[Clock, int, bool]:
    ledger, clock = open_ledger(url), Clock()
    with clock.timed():
        report = ledger.verify()
    ledger.close()
    return clock, report.entries, report.ok


def bench_verify_floor(url: str) -> tuple[Clock, int, int]:
    """sha256 over exactly the bytes verify digests, built outside the clock chunk by chunk."""
    con = sqlite3.connect(_sqlite_path(url))
    cols = ",".join(HEADER_FIELDS)
    clock, hashed, payload_bytes, last = Clock(), 0, 0, 0
    while True:
        rows = con.execute(
            f"SELECT {cols}, payload, prev_hash FROM ledger_entries WHERE seq > ? ORDER BY seq LIMIT 20000",
            (last,),
        ).fetchall()
        if not rows:
            break
        blobs: list[bytes] = []
        for r in rows:
            header = dict(zip(HEADER_FIELDS, r[: len(HEADER_FIELDS)], strict=True))
            blobs.append(r[-2].encode())
            payload_bytes += len(blobs[-1])
            blobs.append((r[-1] + "\n" + header_json(header)).encode())
        with clock.timed():
            for blob in blobs:
                hashlib.sha256(blob).hexdigest()
        hashed += sum(map(len, blobs))
        last = rows[-1][0]
    con.close()
    return clock, hashed, payload_bytes


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    n = 1_000_000 if "--full" in args else 100_000
    if "--n" in args:
        n = int(args[args.index("--n") + 1])
    if "--verify-existing" in args:
        return verify_existing(Path(args[args.index("--verify-existing") + 1]))
    with measure_load() as load_window, tempfile.TemporaryDirectory(prefix="bench_ledger_") as tmp:
        url, floor_url = f"sqlite:///{tmp}/ledger.sqlite", f"sqlite:///{tmp}/floor.sqlite"
        append = bench_append(url, n)
        floor_append = bench_append_floor(url, floor_url)
        verify, verified, ok = bench_verify(url)
        floor_verify, hashed_bytes, payload_bytes = bench_verify_floor(url)
        db_bytes = sum(p.stat().st_size for p in Path(tmp).glob("ledger.sqlite*"))
        single_n = 300
        single = bench_single(f"sqlite:///{tmp}/single.sqlite", single_n)
    if not (ok and verified == n):
        raise RuntimeError("the benchmark ledger must verify green")
    scale = 1_000_000 / n
    result = {
        "benchmark": "ledger",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
                    "load_avg_1m": [round(load_window.load_before[0], 1), round(load_window.load_after[0], 1)],
                    "nice": os.nice(0)},
        "load": load_window.as_dict(),
        "entries": n,
        "batch_size": BATCH,
        "payload_bytes_avg": round(payload_bytes / n),
        "db_mb": round(db_bytes / 1e6, 1),
        "append": {"ledger": append.rates(n), "floor": floor_append.rates(n), "goal_per_s": GOAL_APPENDS_PER_S,
                   "meets_goal_wall": n / append.wall >= GOAL_APPENDS_PER_S,
                   "meets_goal_cpu": n / append.cpu >= GOAL_APPENDS_PER_S},
        "append_ratio_vs_raw_cpu": round((n / append.cpu) / (n / floor_append.cpu), 3),
        "append_ratio_vs_raw_wall": round((n / append.wall) / (n / floor_append.wall), 3),
        "verify_1m_wall_s": round(verify.wall * scale, 1),
        "verify_1m_cpu_s": round(verify.cpu * scale, 1),
        "verify_1m_measured": n == 1_000_000,
        "single_append": {**single.rates(single_n), "n": single_n, "note": "one durable commit (fsync) per call"},
        "verify": {"ledger": verify.rates(n), "floor": floor_verify.rates(n), "hashed_mb": round(hashed_bytes / 1e6, 1),
                   "ledger_1m_wall_s": round(verify.wall * scale, 1), "ledger_1m_cpu_s": round(verify.cpu * scale, 1),
                   "ledger_1m_measured": n == 1_000_000, "goal_1m_s": GOAL_VERIFY_1M_S,
                   "meets_goal_wall": verify.wall * scale < GOAL_VERIFY_1M_S,
                   "meets_goal_cpu": verify.cpu * scale < GOAL_VERIFY_1M_S},
    }  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = (
        "bench_ledger" if n == 100_000 else ("bench_ledger_full" if n == 1_000_000 else f"bench_ledger_{n}")
    )
    (RESULTS / f"{stem}.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (RESULTS / f"{stem}.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return 0


def verify_existing(path: Path) -> int:
    """Verify (and its floor) re-measured on a ledger this benchmark already built (e.g. the 1M one of an earlier
    `--full` run whose tail was cut short): the result file keeps its append figures, marked with their own run, and
    gets the new verify figures and the load of this run."""
    url = f"sqlite:///{path}"
    with measure_load() as load_window:
        verify, verified, ok = bench_verify(url)
        floor_verify, hashed_bytes, _payload = bench_verify_floor(url)
    if not ok:
        raise RuntimeError("the benchmark ledger must verify green")
    stem = "bench_ledger_full" if verified == 1_000_000 else f"bench_ledger_{verified}"
    previous = json.loads((RESULTS / f"{stem}.json").read_text(encoding="utf-8"))
    scale = 1_000_000 / verified
    result = {
        **previous,
        # a second verify-only run keeps pointing at the run that measured the append
        "append_measured": previous.get("append_measured") or {"when": previous["when"], "load": previous.get("load")},
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "load": load_window.as_dict(),
        "verify_only": True,
        "verify_1m_wall_s": round(verify.wall * scale, 1),
        "verify_1m_cpu_s": round(verify.cpu * scale, 1),
        "verify_1m_measured": verified == 1_000_000,
        "verify": {"ledger": verify.rates(verified), "floor": floor_verify.rates(verified),
                   "hashed_mb": round(hashed_bytes / 1e6, 1),
                   "ledger_1m_wall_s": round(verify.wall * scale, 1), "ledger_1m_cpu_s": round(verify.cpu * scale, 1),
                   "ledger_1m_measured": verified == 1_000_000, "goal_1m_s": GOAL_VERIFY_1M_S,
                   "meets_goal_wall": verify.wall * scale < GOAL_VERIFY_1M_S,
                   "meets_goal_cpu": verify.cpu * scale < GOAL_VERIFY_1M_S},
    }  # fmt: skip
    (RESULTS / f"{stem}.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (RESULTS / f"{stem}.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return 0


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def _load_sentence(r: dict[str, Any]) -> str:
    if "load" in r:
        return machine_load_report(r["load"])
    before, after = r["machine"].get("load_avg_1m", ["?", "?"])
    return f"1-minute load average {before} before and {after} after the run (whole-run CPU time was not recorded then)."


def markdown(r: dict[str, Any]) -> str:
    a, v, n, m = r["append"], r["verify"], r["entries"], r["machine"]
    al, af, vl, vf = a["ledger"], a["floor"], v["ledger"], v["floor"]
    how = "measured" if v["ledger_1m_measured"] else f"extrapolated linearly from {n:,}; 1M not run"
    return f"""# Ledger benchmark ({n:,} entries, SQLite {m["sqlite"]}, {m["cpus"]} CPUs, {r["when"]})

{_load_sentence(r)} This process ran
at nice {m.get("nice", 0)}. CPU time of this process is shown beside each wall time: wall time also holds fsync waits
and whatever the scheduler gave to other processes. Average payload
{r["payload_bytes_avg"]:,} bytes of canonical JSON; database {r["db_mb"]} MB. Floors are measured in the same run on
the same data.

| measure | ledger (wall) | ledger (CPU) | floor (wall / CPU, same run) | goal | met (wall / CPU) |
|---|---|---|---|---|---|
| batched append, {r["batch_size"]:,}/transaction | {al["per_s_wall"]:,} /s | {al["per_s_cpu"]:,} /s | {af["per_s_wall"]:,} / {af["per_s_cpu"]:,} /s — raw sqlite3 executemany of the same rows | ≥ {a["goal_per_s"]:,} /s | {_yes(a["meets_goal_wall"])} / {_yes(a["meets_goal_cpu"])} |
| verify {n:,} entries | {vl["wall_s"]} s | {vl["cpu_s"]} s | {vf["wall_s"]} / {vf["cpu_s"]} s — sha256 over the same {v["hashed_mb"]} MB | | |
| verify 1M entries ({how}) | {v["ledger_1m_wall_s"]} s | {v["ledger_1m_cpu_s"]} s | | < {v["goal_1m_s"]:.0f} s | {_yes(v["meets_goal_wall"])} / {_yes(v["meets_goal_cpu"])} |
| batched append throughput vs raw SQLite (`append_ratio_vs_raw_cpu`) | {r.get("append_ratio_vs_raw_wall", "—")}× | {r.get("append_ratio_vs_raw_cpu", "—")}× | 1.0× by definition | ≥ 0.5× | {_yes(r.get("append_ratio_vs_raw_wall", 0) >= 0.5)} / {_yes(r.get("append_ratio_vs_raw_cpu", 0) >= 0.5)} |
| unbatched record_suggestion (fsync per call) | {r["single_append"]["per_s_wall"]:,} /s | {r["single_append"]["per_s_cpu"]:,} /s | | | |

Append cost above the floor: turning each Suggestion into canonical JSON (pydantic dump + sorted-key serialisation),
two sha256 digests and the chain. Verify cost above the floor: reading the rows and rebuilding each canonical header.
Verify above 200,000 entries checks seq ranges in one process per CPU (copilot/ledger/verify.py); its CPU column
includes those processes.{_verify_only_note(r)}
"""


def _verify_only_note(r: dict[str, Any]) -> str:
    if not r.get("verify_only"):
        return ""
    a = r["append_measured"]
    load = machine_load_report(a["load"]) if a.get("load") else "load not recorded"
    return (
        f"\n\nThe verify rows (and the load sentence at the top) are from a verify-only run at {r['when']} on a 1M ledger "
        f"built by this benchmark's append; the append rows are from the run of {a['when']} ({load})"
    )


if __name__ == "__main__":
    raise SystemExit(main())
