"""Embedded mode on real processes: `copilot serve` with its in-process worker over the SQLite inbox and ledger (no
Redis, no PostgreSQL), killed -9 and restarted, then stopped with SIGTERM and restarted.

Used by tests/scale/test_embedded_crash.py and by bench/bench_scale.py (`embedded_crash` in bench_scale.json).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.scale.stack import REPO_ROOT, VENV_BIN, Proc, free_port, wait_until

QUESTIONS = ["返点协议最新版本是哪个？", "脊柱试用装怎么申请？", "返点什么时候结算？"]
CUSTOMERS = ["C1001", "C1002"]  # rep_zhang's


def embedded_env(root: Path, lease_s: float) -> dict[str, str]:
    return {
        **os.environ,
        "COPILOT_ENV": "test",
        "COPILOT_DATA_DIR": str(root / "data"),
        "COPILOT_MODEL_CACHE_DIR": str(REPO_ROOT / "var" / "models"),
        "COPILOT_LLM__BACKEND": "none",
        "COPILOT_REDIS_URL": "",
        "COPILOT_DATABASE_URL": "",
        "COPILOT_QUEUE_LEASE_S": str(lease_s),
        "COPILOT_LEDGER_WITNESS_INTERVAL_S": "1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "OPENBLAS_NUM_THREADS": "1",
        "PYTHONUNBUFFERED": "1",
    }


def prepare(env: dict[str, str]) -> None:
    code = (
        "from rich.console import Console; from copilot.demo import prepare; from copilot.settings import Settings;"
        "prepare(Settings(), use_llm=False, fresh=True, console=Console(quiet=True)).close()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO_ROOT, capture_output=True, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(f"prepare failed: {done.stderr.decode(errors='replace')[-3000:]}")


def enqueue(data_dir: Path, n: int, conversations: int) -> list[str]:
    """What a callback does before its 200: the message is durably accepted into the inbox."""
    from channels.inbox import SqliteInbox
    from contract import Channel, InboundMessage, TextPart

    inbox = SqliteInbox(data_dir / "inbox.sqlite")
    ids = []
    for i in range(n):
        conv = f"emb-conv-{i % conversations}"
        msg = InboundMessage(
            tenant="demo",
            channel=Channel.WECOM_APP,
            conversation_id=conv,
            message_id=f"emb-{i}",
            customer_ref=CUSTOMERS[i % conversations % len(CUSTOMERS)],
            rep_ref="rep_zhang",
            parts=[TextPart(text=QUESTIONS[i % len(QUESTIONS)])],
        )
        assert inbox.accept(msg)
        ids.append(msg.message_id)
    inbox.close()
    return ids


def inbox_counts(data_dir: Path) -> dict[str, int]:
    db = sqlite3.connect(data_dir / "inbox.sqlite", timeout=30)
    try:
        rows = dict(db.execute("SELECT status, COUNT(*) FROM inbox GROUP BY status").fetchall())
    finally:
        db.close()
    return {s: int(rows.get(s, 0)) for s in ("pending", "claimed", "done", "dead")}


def claimed_by_pid(data_dir: Path, pid: int) -> int:
    """Messages still claimed by the worker of process `pid` (worker ids are name@host:pid)."""
    db = sqlite3.connect(data_dir / "inbox.sqlite", timeout=30)
    try:
        row = db.execute(
            "SELECT COUNT(*) FROM inbox WHERE status = 'claimed' AND claimed_by LIKE ?", (f"%:{pid}",)
        ).fetchone()
    finally:
        db.close()
    return int(row[0])


def suggestion_counts(data_dir: Path, ids: list[str]) -> dict[str, int]:
    seen = dict.fromkeys(ids, 0)
    path = data_dir / "ledger.sqlite"
    if not path.is_file():
        return seen
    db = sqlite3.connect(path, timeout=30)
    try:
        rows = db.execute("SELECT payload FROM ledger_entries WHERE kind = 'suggestion'").fetchall()
    except sqlite3.OperationalError:  # not migrated yet
        rows = []
    finally:
        db.close()
    for (payload,) in rows:
        mid = json.loads(payload)["suggestion"]["message_id"] if payload else ""
        if mid in seen:
            seen[mid] += 1
    return seen


def start_serve(env: dict[str, str], logs: Path, name: str) -> Proc:
    port = free_port()
    argv = [str(VENV_BIN / "copilot"), "serve", "--port", str(port)]
    proc = Proc(name, argv, logs / f"{name}.log", env)
    proc.port = port  # type: ignore[attr-defined]
    return proc


def run(root: Path, n: int = 12, conversations: int = 4, lease_s: float = 60.0) -> dict[str, Any]:
    """kill -9 mid-processing → restart → SIGTERM mid-processing → restart; every accepted message processed exactly
    once and nothing stranded. A long lease, so only start-up recovery (dead pid) and graceful give-back can explain a
    quick finish."""
    env = embedded_env(root, lease_s)
    data = root / "data"
    logs = root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    prepare(env)
    prepare_s = time.perf_counter() - t0
    ids = enqueue(data, n, conversations)

    def done() -> int:
        return sum(1 for v in suggestion_counts(data, ids).values() if v)

    first = start_serve(env, logs, "serve-1")
    wait_until(lambda: done() >= 1 and inbox_counts(data)["claimed"] >= 1 or not first.alive(), 600,
               "the first process to be mid-batch", interval=0.02)  # fmt: skip
    if not first.alive():
        raise RuntimeError(f"serve-1 died: {first.tail()}")
    first.kill9()
    after_kill = {
        "suggested": done(),
        "held_by_killed": claimed_by_pid(data, first.pid),
        **inbox_counts(data),
    }

    second = start_serve(env, logs, "serve-2")
    t_restart = time.perf_counter()
    wait_until(lambda: claimed_by_pid(data, first.pid) == 0 or not second.alive(), 300, "start-up reclaim")
    stranded_after_restart = claimed_by_pid(data, first.pid)
    reclaim_s = time.perf_counter() - t_restart
    wait_until(
        lambda: done() >= after_kill["suggested"] + 1 or not second.alive(), 600, "progress after restart"
    )
    if not second.alive():
        raise RuntimeError(f"serve-2 died: {second.tail()}")
    os.kill(second.pid, signal.SIGTERM)  # graceful: the message in hand finishes, the rest go back
    second.popen.wait(120)
    after_term = {
        "suggested": done(),
        "held_by_stopped": claimed_by_pid(data, second.pid),
        **inbox_counts(data),
    }

    third = start_serve(env, logs, "serve-3")
    wait_until(lambda: inbox_counts(data)["done"] == n or not third.alive(), 900, "every message processed")
    recovered_s = time.perf_counter() - t_restart
    time.sleep(1.0)  # anything still in flight would show up as a second suggestion now
    counts = suggestion_counts(data, ids)
    final = inbox_counts(data)
    third.stop()
    for proc in (first, second):
        proc.stop()
    verify = subprocess.run(
        [str(VENV_BIN / "copilot"), "ledger", "verify"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=300,
    )
    return {
        "messages": n,
        "conversations": conversations,
        "lease_s": lease_s,
        "prepare_s": round(prepare_s, 1),
        "after_kill9": after_kill,
        "killed_claims_left_after_restart": stranded_after_restart,
        "restart_to_reclaim_s": round(reclaim_s, 1),
        "after_sigterm": after_term,
        "final_inbox": final,
        "suggestions_per_message": sorted(set(counts.values())),
        "processed_exactly_once": all(v == 1 for v in counts.values()),
        "stranded": final["claimed"] + final["pending"],
        "restart_to_all_done_s": round(recovered_s, 1),
        "ledger_verify": verify.stdout.decode(errors="replace").strip().splitlines()[:2],
        "ledger_verify_exit": verify.returncode,
    }
