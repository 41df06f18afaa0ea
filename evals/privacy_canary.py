"""The canary run: an eval suite replayed through the real stack (inbox → worker → graph → ledger → decisions →
exports → HTML report) with canary identities planted in text, voice transcripts, OCR images and files, then every
persisted byte scanned (copilot.privacy.canary, the product's scanner). A canary found anywhere outside the vault is a
leak. It drives the evaluator's suite runner, so it lives here, beside evals/privacy_report.py that runs it.

Embedded mode by default (SQLite ledger, checkpoints and inbox, Chroma directory); with `redis_url` the inbox, the
checkpoints and the PII vault live in Redis and its keys are scanned too (the vault's sealed values are counted apart)."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from contract.decisions import DecisionKind, HumanDecision
from contract.errors import CopilotError
from contract.messages import FilePart, ImagePart, InboundMessage, TextPart, VoicePart
from contract.ports import Actor
from contract.suggestions import Suggestion
from copilot.privacy.canary import Canary, Scanner, StoreScan, grouped, make_canaries, mixed, spoken

MODALITIES = ("text", "voice", "image", "file")
FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
VAULT_PREFIX = "copilot:pii:"
ADMIN = Actor(id="privacy_canary_admin", role="admin")


# ---- planting ------------------------------------------------------------------------------------------------------


def render_card(lines: list[str], path: Path) -> None:
    """A PNG a customer might photograph: black text on white, CJK font (OCR reads it like a screenshot)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), 34) if FONT.is_file() else ImageFont.load_default()
    img = Image.new("RGB", (900, 70 + 60 * len(lines)), "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((30, 30 + 60 * i), line, fill="black", font=font)
    img.save(path)


def canary_part(c: Canary, modality: str, media_dir: Path, tag: str) -> Any:
    if modality == "text":
        return TextPart(
            text=f"顺便登记一下：我叫{c.name}，手机{grouped(c.mobile, (3, 4, 4))}，身份证{c.resident_id}，"
            f"卡号{grouped(c.bank_card, (4, 4, 4, 4))}。"
        )
    if modality == "voice":
        return VoicePart(
            transcript=f"嗯，我是{c.name}，手机号{spoken(c.mobile)}……要不要我报一下身份证号？{c.resident_id}，"
            f"银行卡号{mixed(c.bank_card)}。",
            format="pcm16",
        )
    if modality == "image":
        path = media_dir / f"canary_{tag}.png"
        render_card(
            [f"姓名：{c.name}", f"手机：{c.mobile}", f"身份证：{c.resident_id}", f"银行卡：{c.bank_card}"],
            path,
        )
        return ImagePart(media_ref=f"file:media/{path.name}")
    path = media_dir / f"canary_{tag}.txt"
    path.write_text(
        f"客户资料\n姓名：{c.name}\n手机：{c.mobile}\n身份证号：{c.resident_id}\n银行卡号：{c.bank_card}\n",
        encoding="utf-8",
    )
    return FilePart(
        media_ref=f"file:media/{path.name}", name="客户资料.txt", mime="text/plain", size=path.stat().st_size
    )


def seed_suite(suite: Any, canaries: list[Canary], media_dir: Path) -> tuple[Any, dict[str, int]]:
    """A copy of the suite with one canary part added to each case's first customer turn, modalities in rotation."""
    media_dir.mkdir(parents=True, exist_ok=True)
    cases: list[Any] = []
    planted: Counter[str] = Counter()
    for k, case in enumerate(suite.cases):
        modality = MODALITIES[k % len(MODALITIES)]
        turns = list(case.turns)
        for i, turn in enumerate(turns):
            if turn.sender == "customer":
                part = canary_part(canaries[k % len(canaries)], modality, media_dir, f"{k}")
                turns[i] = turn.model_copy(update={"parts": [*turn.parts, part]})
                planted[modality] += 1
                break
        cases.append(case.model_copy(update={"turns": turns}))
    return suite.model_copy(update={"cases": cases}), dict(planted)


# ---- the target: through the inbox and a worker, as production does ------------------------------------------------


class InboxTarget:
    """Each message is accepted by the durable inbox and processed by a real worker; the suggestion is read back
    from the ledger (what the rep's page shows)."""

    thread_safe = False

    def __init__(self, services: Any) -> None:
        from copilot.worker import Worker

        self.services = services
        self.worker = Worker(services.inbox, services, worker_id="canary-worker", batch=1)

    def run_turn(self, msg: InboundMessage, actor: Actor) -> Suggestion | None:
        if not self.services.inbox.accept(msg):
            raise RuntimeError(f"message {msg.dedupe_key} was deduplicated")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.worker.run_once() == 0:
                break
        for entry in self.services.ledger.find(conversation=msg.conversation_id, kind="suggestion"):
            sug = (entry.payload or {}).get("suggestion") or {}
            if sug.get("message_id") == msg.message_id:
                return Suggestion.model_validate(sug)
        return None

    def reset(self) -> None:
        return None


# ---- one run -------------------------------------------------------------------------------------------------------


@contextmanager
def _captured_logs(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()


@contextmanager
def _env(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_canary_suite(
    suite_path: Path,
    work_dir: Path,
    *,
    redis_url: str = "",
    database_url: str = "",
    canaries: int = 12,
    max_cases: int | None = None,
    seed: int = 2121,
) -> dict[str, Any]:
    """Replay `suite_path` with canaries, then scan. Returns the per-store result (JSON-ready)."""
    from copilot.settings import Settings
    from copilot.wiring import build_services
    from evals.report.html import write_html
    from evals.runner import tenant_loader
    from evals.runner.run import run_suite
    from evals.suite.loader import load_suite, resolve_tenant_dir

    started = time.monotonic()
    suite = load_suite(suite_path)
    if max_cases is not None:
        suite = suite.model_copy(update={"cases": suite.cases[:max_cases]})
    source_tenant = resolve_tenant_dir(suite, suite_path)
    if source_tenant is None:
        raise CopilotError(f"suite {suite_path} names no tenant folder", reason="canary_no_tenant")
    work_dir.mkdir(parents=True, exist_ok=True)
    tenant_dir = work_dir / "tenant"
    shutil.copytree(source_tenant, tenant_dir, dirs_exist_ok=True)
    data_dir = work_dir / "data"
    people = make_canaries(canaries, seed=seed)
    seeded, planted = seed_suite(suite, people, tenant_dir / "media")
    overrides: dict[str, Any] = {
        "data_dir": data_dir,
        "tenant_dir": tenant_dir,
        "tenant": (getattr(suite.tenant, "id", None) or source_tenant.name) if suite.tenant else "demo",
        "checkpointer": "redis" if redis_url else "sqlite",
        "redis_url": redis_url,
        "llm": {"backend": "none"},
    }
    if redis_url:
        overrides["pii_vault_key"] = "canary-run-vault-key-" + "k" * 16
    if database_url:  # the ledger and the graph's checkpoints in PostgreSQL, as scale-out runs them
        overrides["database_url"] = database_url
        overrides["checkpointer"] = "postgres"
    settings = Settings(**overrides)
    subdirs = (suite.tenant.policies, suite.tenant.crm) if suite.tenant else ("policies", "crm")
    decided = denied = 0
    with _captured_logs(data_dir / "logs" / "copilot.log"), _env(COPILOT_QUEUE_REDACT_AFTER_S="0"):
        as_of_time = (
            suite.tenant.as_of_time() if suite.tenant and hasattr(suite.tenant, "as_of_time") else None
        )
        # the CRM comes from the suite's own tenant folder (the demo generator recognises it by path)
        tenant_loader.prepare_crm(
            settings, source_tenant, subdirs[1], as_of=as_of_time.date() if as_of_time else None
        )
        services = build_services(settings, use_llm=False)
        ledger: Any = services.ledger  # the concrete Ledger (export, verify), not only the port
        pushes = _record_pushes(services.hub, data_dir / "pushes" / "events.jsonl")
        try:
            tenant_loader.ingest_policies(services, tenant_dir, subdirs[0])
            run = run_suite(
                seeded, InboxTarget(services), suite_path=suite_path, run_id=f"canary-{suite.name}"
            )
            reports = data_dir / "reports"
            reports.mkdir(parents=True, exist_ok=True)
            write_html(run, reports / f"{suite.name}.html")
            (reports / f"{suite.name}.json").write_text(run.model_dump_json(), encoding="utf-8")
            conversations = set()
            for entry in ledger.find(kind="suggestion"):
                sug: dict[str, Any] = dict((entry.payload or {}).get("suggestion") or {})
                conversations.add((str(sug["tenant"]), sug.get("conversation_id", "")))
                try:
                    services.copilot.decide(
                        HumanDecision(
                            suggestion_id=entry.suggestion_id, kind=DecisionKind.ACCEPT, actor=ADMIN.id
                        ),
                        ADMIN,
                        conversation_id=sug.get("conversation_id", ""),
                        tenant=str(sug["tenant"]),
                    )
                    decided += 1
                except CopilotError:
                    denied += 1
            for tenant, conversation in sorted(conversations)[:10]:
                with suppress(CopilotError):
                    services.copilot.wrap_up(conversation, ADMIN, tenant=tenant)
            exports = data_dir / "exports"
            exports.mkdir(parents=True, exist_ok=True)
            with (exports / "ledger.jsonl").open("w", encoding="utf-8") as f:
                ledger.export(f, fmt="jsonl")
            with (exports / "ledger.csv").open("w", encoding="utf-8") as f:
                ledger.export(f, fmt="csv")
            from copilot.privacy.subject import export_subject

            for customer in sorted({c.customer_ref for c in seeded.cases})[:5]:
                (exports / f"subject_{customer}.json").write_text(
                    json.dumps(export_subject(ledger, customer), ensure_ascii=False),
                    encoding="utf-8",
                )
            pages = data_dir / "pages"
            pages.mkdir(parents=True, exist_ok=True)
            for entry in ledger.find(kind="suggestion")[
                :50
            ]:  # what the rep's sidebar and the admin ledger page load
                view = services.suggestion_view(entry.suggestion_id, ADMIN)
                (pages / f"{entry.suggestion_id}.json").write_text(
                    json.dumps(view, ensure_ascii=False, default=str), encoding="utf-8"
                )
            verify_ok = bool(ledger.verify().ok)
        finally:
            pushes.close()
            services.close()
    scan = scan_stores(people, data_dir, redis_url=redis_url)
    return {
        "masked_in_pipeline": reached(run, seeded),
        "suite": suite.name,
        "mode": "postgres" if database_url else "redis" if redis_url else "embedded",
        "cases": len(seeded.cases),
        "case_status": dict(Counter(c.status for c in run.cases)),
        "canary_identities": len(people),
        "canaries_seeded": sum(planted.values()),
        "seeded_by_modality": planted,
        "values_per_canary": 4,
        "decisions_recorded": decided,
        "decisions_refused": denied,
        "ledger_verify_ok": verify_ok,
        "seconds": round(time.monotonic() - started, 1),
        **scan,
    }


_TOKEN = re.compile(r"<(CN_MOBILE|CN_RESIDENT_ID|BANK_CARD|PERSON)_\d+>")


def reached(run: Any, seeded: Any) -> dict[str, dict[str, int]]:
    """Per modality: in how many seeded cases the canary reached the pipeline and came out as tokens (a canary that
    never arrived, e.g. an image OCR could not read, would make a zero-leak result meaningless)."""
    out: dict[str, dict[str, int]] = {m: {"cases": 0, "tokens_seen": 0} for m in MODALITIES}
    by_id = {c.case_id: c for c in run.cases}
    for k, case in enumerate(seeded.cases):
        modality = MODALITIES[k % len(MODALITIES)]
        result = by_id.get(case.id)
        if result is None or not any(t.sender == "customer" for t in case.turns):
            continue  # a rep-only case carries no canary
        out[modality]["cases"] += 1
        first = next((t for t in result.turns if t.sender == "customer"), None)
        suggestion = (first.suggestion or {}) if first else {}
        blob = json.dumps(suggestion, ensure_ascii=False)
        pii_masked = any(
            v.get("guard") == "pii" and (v.get("details") or {}).get("masked")
            for v in suggestion.get("verdicts", [])
        )
        out[modality]["tokens_seen"] += int(bool(_TOKEN.search(blob)) or pii_masked)
    return out


class _PushRecorder:
    """Every event the hub publishes (sidebar and desk pushes), appended to a file the scan reads."""

    def __init__(self, hub: Any, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.hub, self._file, self._inner = hub, path.open("a", encoding="utf-8"), hub.publish
        hub.publish = self.publish

    def publish(self, topic: str, event: dict[str, Any]) -> None:
        self._file.write(json.dumps({"topic": topic, "event": event}, ensure_ascii=False, default=str) + "\n")
        self._inner(topic, event)

    def close(self) -> None:
        self.hub.publish = self._inner
        self._file.close()


def _record_pushes(hub: Any, path: Path) -> _PushRecorder:
    return _PushRecorder(hub, path)


STORES: dict[str, tuple[str, ...]] = {
    "ledger": ("ledger.sqlite*",),
    "checkpoints": ("checkpoints.sqlite*",),
    "inbox": ("inbox.sqlite*",),
    "chroma": ("chroma/**/*",),
    "logs": ("logs/**/*",),
    "html_reports": ("reports/**/*",),
    "exports": ("exports/**/*",),
    "pushes": ("pushes/**/*",),
    "pages": ("pages/**/*",),
}


@contextmanager
def temporary_postgres(work_dir: Path) -> Iterator[tuple[str, Path]]:
    """A throwaway PostgreSQL cluster (initdb runs as `postgres` when we are root); yields (url, its data dir)."""
    import socket
    import subprocess

    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    initdb = next((str(b / "initdb") for b in bins if (b / "initdb").exists()), None)
    pg_ctl = next((str(b / "pg_ctl") for b in bins if (b / "pg_ctl").exists()), None)
    if initdb is None or pg_ctl is None:
        raise CopilotError("PostgreSQL not found: apt-get install postgresql", reason="postgres_missing")
    base = Path(tempfile.mkdtemp(prefix="canary-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, user="postgres")
        shutil.chown(sock, user="postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    run = subprocess.run  # noqa: S603 - our own argv: binaries from the PostgreSQL package, temp paths
    run([*as_user, initdb, "-D", str(data), "-U", "copilot", "--auth=trust", "-E", "UTF8", "--no-locale"],
        check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
    run([*as_user, pg_ctl, "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w", "start"],
        check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    try:
        yield f"postgresql+psycopg://copilot@127.0.0.1:{port}/postgres", data
    finally:
        run([*as_user, pg_ctl, "-D", str(data), "-m", "fast", "stop"], check=False, stdout=subprocess.DEVNULL)
        shutil.rmtree(base, ignore_errors=True)


def scan_postgres_files(canaries: list[Canary], url: str, data: Path) -> dict[str, Any]:
    """Every file of the cluster (tables, indexes, TOAST, WAL) after a CHECKPOINT, i.e. the bytes on disk; and, since
    PostgreSQL compresses large values (TOAST, pglz) where a byte scan cannot read them, every row of every table
    read back as text through SQL."""
    import psycopg
    from psycopg import sql

    scanner = Scanner(canaries)
    scan = StoreScan("postgres")
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        for table in tables:
            rows = conn.execute(sql.SQL("SELECT t::text FROM {} t").format(sql.Identifier(table))).fetchall()
            scanner.scan_text("\n".join(r[0] for r in rows), scan, f"table {table}")
    scanner.scan_files(sorted(p for p in data.rglob("*") if p.is_file()), scan, data)
    return scan.as_dict()


@contextmanager
def temporary_redis(work_dir: Path) -> Iterator[tuple[str, Path]]:
    """A private redis-server (AOF on, like production) in `work_dir`; yields (url, its data dir)."""
    import socket
    import subprocess

    binary = shutil.which("redis-server")
    if binary is None:
        raise CopilotError("redis-server not found: apt-get install redis-server", reason="redis_missing")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    data = work_dir / "redis"
    data.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(  # noqa: S603 - our own argv: the binary found on PATH, a port, a directory
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(data),
            "--save",
            "",
            "--appendonly",
            "yes",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0", data
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def scan_redis_aof(canaries: list[Canary], url: str, redis_dir: Path) -> dict[str, Any]:
    """Redis' append-only file is persisted bytes too: it still replays every XADD of a raw message until Redis
    rewrites it. Scanned before and after a rewrite (production: auto-aof-rewrite, or BGREWRITEAOF on a schedule)."""
    import redis

    scanner = Scanner(canaries)
    before = StoreScan("redis_aof_before_rewrite")
    scanner.scan_files(sorted(p for p in redis_dir.rglob("*") if p.is_file()), before, redis_dir)
    client = redis.Redis.from_url(url)
    client.bgrewriteaof()
    deadline = time.monotonic() + 30
    time.sleep(0.2)
    while time.monotonic() < deadline and client.info("persistence").get("aof_rewrite_in_progress"):
        time.sleep(0.1)
    client.close()
    after = StoreScan("redis_aof")
    scanner.scan_files(sorted(p for p in redis_dir.rglob("*") if p.is_file()), after, redis_dir)
    return {"redis_aof_before_rewrite": before.as_dict(), "redis_aof": after.as_dict()}


def scan_stores(canaries: list[Canary], data_dir: Path, *, redis_url: str = "") -> dict[str, Any]:
    scanner = Scanner(canaries)
    results: dict[str, StoreScan] = {}
    claimed: set[Path] = set()
    for store, patterns in STORES.items():
        scan = results[store] = StoreScan(store)
        files = sorted({p for pat in patterns for p in data_dir.glob(pat) if p.is_file()})
        claimed.update(files)
        scanner.scan_files(files, scan, data_dir)
    other = results["other_data_files"] = StoreScan("other_data_files")
    scanner.scan_files(
        sorted(p for p in data_dir.rglob("*") if p.is_file() and p not in claimed), other, data_dir
    )
    vault_note: dict[str, Any] = {}
    if redis_url:
        scan = results["redis"] = StoreScan("redis")
        vault_keys = scanner.scan_redis(redis_url, scan, skip_prefix=VAULT_PREFIX)
        vault = StoreScan("vault")
        import redis

        client = redis.Redis.from_url(redis_url)
        for key in vault_keys:
            scanner.scan_bytes(b"".join(_vault_bytes(client, key)), vault, key)
        client.close()
        vault_note = {
            "vault_keys": len(vault_keys),
            "vault_plaintext_hits": len(vault.findings),  # sealed with AES-GCM: expected 0
        }
    per_store = {name: s.as_dict() for name, s in results.items()}
    return {
        "stores": per_store,
        "canaries_leaked": sum(s["canaries_leaked"] for s in per_store.values()),
        **vault_note,
    }


def _vault_bytes(client: Any, key: str) -> Iterator[bytes]:
    for k, v in client.hgetall(key).items():
        yield k + b"\x00" + v


def run_canaries(
    suites: list[Path],
    work_dir: Path,
    *,
    with_redis: bool = True,
    with_postgres: bool = True,
    max_cases: int | None = None,
) -> dict[str, Any]:
    """Every suite in embedded mode, and (with_redis) the first one again with Redis holding the inbox, checkpoints
    and vault, its keys and AOF scanned. Totals: canaries seeded, leaked per store (goal 0)."""
    runs: list[dict[str, Any]] = []
    for path in suites:
        runs.append(run_canary_suite(path, work_dir / f"{path.stem}-embedded", max_cases=max_cases))
    if with_redis and suites and shutil.which("redis-server"):
        with temporary_redis(work_dir / "redis-run") as (url, redis_dir):
            result = run_canary_suite(
                suites[0], work_dir / f"{suites[0].stem}-redis", redis_url=url, max_cases=max_cases
            )
            aof = scan_redis_aof(make_canaries(result["canary_identities"]), url, redis_dir)
            result["stores"]["redis_aof"] = aof["redis_aof"]
            result["redis_aof_before_rewrite"] = aof["redis_aof_before_rewrite"]
            result["canaries_leaked"] = sum(s["canaries_leaked"] for s in result["stores"].values())
            runs.append(result)
    if (
        with_postgres
        and suites
        and shutil.which("runuser")
        and list(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    ):
        with temporary_postgres(work_dir / "pg-run") as (url, data):
            result = run_canary_suite(
                suites[0], work_dir / f"{suites[0].stem}-postgres", database_url=url, max_cases=max_cases
            )
            result["stores"]["postgres"] = scan_postgres_files(
                make_canaries(result["canary_identities"]), url, data
            )
            result["canaries_leaked"] = sum(s["canaries_leaked"] for s in result["stores"].values())
            runs.append(result)
    leaked: Counter[str] = Counter()
    for r in runs:
        for store, s in r["stores"].items():
            leaked[store] += s["canaries_leaked"]
    return {
        "runs": runs,
        "canaries_reached": sum(v["tokens_seen"] for r in runs for v in r["masked_in_pipeline"].values()),
        "canaries_seeded": sum(r["canaries_seeded"] for r in runs),
        "canary_values_seeded": sum(r["canaries_seeded"] * r["values_per_canary"] for r in runs),
        "canaries_leaked": dict(sorted(leaked.items())),
        "canaries_leaked_total": sum(leaked.values()),
    }
