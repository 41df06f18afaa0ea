"""The scale-out stack as real processes on free ports: a dedicated redis-server (AOF, appendfsync always — the tests
kill it), a Chroma server, `copilot serve` API processes and `copilot worker` processes, plus a local HTTP server that
plays Tencent's qyapi for 微信客服 sync_msg. PostgreSQL comes from the caller (the session fixture, or the benchmark's
own cluster). Used by tests/scale and bench/bench_scale.py."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import httpx
import redis

from copilot.scale import inbox_stream
from copilot.settings import REPO_ROOT
from tests.channels.wecom_fakes import DOC, FakeTencent

VENV_BIN = Path(sys.executable).parent
KF_ID = "wkDemoKf0001"
KF_SECRET = "demo-secret-0123456789"  # noqa: S105 - the local fake's secret


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: S110 - not up yet
            pass
        time.sleep(interval)
    raise TimeoutError(f"{what} did not happen within {timeout}s")


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class Proc:
    """A child process with its output in a log file (read it when something fails)."""

    def __init__(self, name: str, argv: list[str], log_path: Path, env: dict[str, str] | None = None) -> None:
        self.name, self.argv, self.log_path, self.env = name, argv, log_path, env
        self._log: IO[bytes] = log_path.open("ab")
        self.popen = subprocess.Popen(
            argv, stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill9(self) -> None:
        if self.alive():
            os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)

    def stop(self, timeout: float = 20.0) -> None:
        if self.alive():
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
        self._log.close()

    def tail(self, n: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""


class RedisServer:
    def __init__(self, workdir: Path, fsync: str = "always") -> None:
        self.workdir, self.fsync, self.port = workdir, fsync, free_port()
        workdir.mkdir(parents=True, exist_ok=True)
        self.proc: Proc | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.workdir)]
        argv += ["--save", "", "--appendonly", "yes", "--appendfsync", self.fsync]
        self.proc = Proc("redis", argv, self.workdir / "redis.log")
        wait_until(lambda: redis.Redis.from_url(self.url).ping(), 20, "redis-server start")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.kill9()

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()


class ChromaServer:
    def __init__(self, workdir: Path) -> None:
        self.workdir, self.port = workdir, free_port()
        workdir.mkdir(parents=True, exist_ok=True)
        self.proc: Proc | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        argv = [str(VENV_BIN / "chroma"), "run", "--path", str(self.workdir / "db"), "--host", "127.0.0.1"]
        self.proc = Proc("chroma", [*argv, "--port", str(self.port)], self.workdir / "chroma.log")
        wait_until(
            lambda: httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200,
            60,
            "chroma start",
        )

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()


class KfFeed:
    """微信客服 pages on the fake Tencent: each push() adds one page at the tail of the cursor chain, and an empty
    page always waits at the tail so a sync with nothing new is answered like Tencent does."""

    def __init__(self, tencent: FakeTencent) -> None:
        self.tencent, self.n = tencent, 0
        self.tail = ""
        tencent.kf_pages[""] = {"next_cursor": "", "has_more": 0, "msg_list": []}

    def push(self, items: list[dict[str, Any]]) -> None:
        with self.tencent.lock:
            self.n += 1
            nxt = f"c{self.n}"
            self.tencent.kf_pages[nxt] = {"next_cursor": nxt, "has_more": 0, "msg_list": []}
            self.tencent.kf_pages[self.tail] = {"next_cursor": nxt, "has_more": 0, "msg_list": items}
            self.tail = nxt


def kf_text(msgid: str, text: str, customer: str = "C1001") -> dict[str, Any]:
    """A customer text as sync_msg returns it; the external_userid stands for the CRM id (see the report)."""
    return {
        "msgid": msgid,
        "open_kfid": KF_ID,
        "external_userid": customer,
        "send_time": int(time.time()) - 1,
        "origin": 3,
        "msgtype": "text",
        "text": {"content": text},
    }


class Stack:
    """Everything outside the test process. `env` is what every copilot process gets (scale mode by settings)."""

    def __init__(self, root: Path, postgres_url: str, *, lease_s: float = 3.0) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.redis = RedisServer(root / "redis")
        self.chroma = ChromaServer(root / "chroma")
        self.tencent = FakeTencent(corp_id=DOC["corp_id"], secret=KF_SECRET).__enter__()
        self.tencent.token_delay_s = 0.0
        self.kf = KfFeed(self.tencent)
        self.ledger_url = create_database(postgres_url, "scale_ledger")
        self.crm_url = create_database(postgres_url, "scale_crm")
        self.apis: list[Proc] = []
        self.api_url = ""
        self.workers: dict[str, Proc] = {}
        self.env = {
            **os.environ,
            "COPILOT_ENV": "test",
            "COPILOT_DATA_DIR": str(root / "data"),
            "COPILOT_MODEL_CACHE_DIR": str(REPO_ROOT / "var" / "models"),
            "COPILOT_REDIS_URL": self.redis.url,
            "COPILOT_DATABASE_URL": self.ledger_url,
            "COPILOT_CRM_URL": self.crm_url,
            "COPILOT_CHROMA_URL": self.chroma.url,
            "COPILOT_CHECKPOINTER": "redis",
            "COPILOT_LLM__BACKEND": "none",
            "COPILOT_WECOM_CORP_ID": DOC["corp_id"],
            "COPILOT_WECOM_TOKEN": DOC["token"],
            "COPILOT_WECOM_AES_KEY": DOC["aes_key"],
            "COPILOT_WECOM_SECRET": KF_SECRET,
            "COPILOT_WECOM_API_BASE": self.tencent.base_url,
            "COPILOT_QUEUE_LEASE_S": str(lease_s),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
            "PYTHONUNBUFFERED": "1",
        }
        self.logs = root / "logs"
        self.logs.mkdir(exist_ok=True)

    def prepare(self) -> None:
        """Seed the CRM in PostgreSQL and ingest the demo policies into the Chroma server (copilot.demo.prepare)."""
        code = (
            "from rich.console import Console; from copilot.demo import prepare; from copilot.settings import Settings;"
            "prepare(Settings(), use_llm=False, fresh=True, console=Console(quiet=True)).close()"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], env=self.env, cwd=REPO_ROOT, capture_output=True, timeout=900
        )
        if done.returncode != 0:
            raise RuntimeError(f"prepare failed: {done.stderr.decode(errors='replace')[-3000:]}")

    def start_api(self, processes: int = 1) -> str:
        port = free_port()
        argv = [str(VENV_BIN / "copilot"), "serve", "--port", str(port), "--workers", str(processes)]
        proc = Proc(f"api-{port}", argv, self.logs / f"api-{port}.log", self.env)
        self.apis.append(proc)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: httpx.get(f"{url}/readyz", timeout=2).status_code == 200, 300, "API ready")
        except TimeoutError as exc:
            raise RuntimeError(f"API did not start: {proc.tail()}") from exc
        return url

    def start_worker(self, name: str, wait: bool = True, env: dict[str, str] | None = None) -> Proc:
        argv = [str(VENV_BIN / "copilot"), "worker", "--worker-id", name]
        proc = Proc(name, argv, self.logs / f"{name}.log", {**self.env, **(env or {})})
        self.workers[name] = proc
        if wait:
            try:
                wait_until(lambda: self.consumer(name) is not None or not proc.alive(), 300, f"worker {name}")
            except TimeoutError as exc:
                raise RuntimeError(f"worker {name} did not start: {proc.tail()}") from exc
            if not proc.alive():
                raise RuntimeError(f"worker {name} died: {proc.tail()}")
        return proc

    def consumer(self, name: str) -> dict[str, Any] | None:
        """The worker's consumer in the group (name@host:pid), once it has polled the queue."""
        proc = self.workers[name]
        for c in self.redis.client().xinfo_consumers(inbox_stream("demo"), "workers"):
            cname = c["name"].decode()
            if cname.startswith(f"{name}@") and cname.endswith(f":{proc.pid}"):
                return {**c, "name": cname}
        return None

    def stop_workers(self) -> None:
        for proc in self.workers.values():
            proc.stop()
        self.workers.clear()

    def close(self) -> None:
        self.stop_workers()
        for proc in self.apis:
            proc.stop()
        self.tencent.__exit__(None, None, None)
        self.chroma.stop()
        self.redis.stop()


def create_database(postgres_url: str, name: str) -> str:
    """A fresh database on the cluster (dropped first), as a SQLAlchemy URL."""
    import psycopg

    base = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    head, _, _db = postgres_url.rpartition("/")
    return f"{head}/{name}"


def kf_event_xml(token: str = "ENCApHxnGDNAVNY4AaSJKj4Tb5mw") -> str:  # noqa: S107 - a kf callback token sample
    return (
        f"<xml><ToUserName><![CDATA[{DOC['corp_id']}]]></ToUserName><CreateTime>{int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>"
        f"<Token><![CDATA[{token}]]></Token><OpenKfId><![CDATA[{KF_ID}]]></OpenKfId></xml>"
    )


def signed_callback(plaintext: str, nonce: str, timestamp: int | None = None) -> tuple[dict[str, str], bytes]:
    """Query and body exactly as WeCom posts them, sealed with the official doc's test credentials."""
    from channels import CallbackCredentials
    from tests.channels.wecom_fakes import encrypted_post

    creds = CallbackCredentials(DOC["token"], DOC["aes_key"], DOC["corp_id"])
    return encrypted_post(creds, plaintext, str(timestamp or int(time.time())), nonce)


def ledger_suggestions(ledger_url: str) -> list[dict[str, Any]]:
    """Every suggestion payload in the PostgreSQL ledger (read straight from the table, not through the app)."""
    import json

    from sqlalchemy import create_engine, text

    engine = create_engine(ledger_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT payload FROM ledger_entries WHERE kind = 'suggestion'")).all()
    finally:
        engine.dispose()
    return [json.loads(r[0])["suggestion"] for r in rows if r[0]]


def post_kf_callback(api: httpx.Client, nonce: str, times: int = 1) -> httpx.Response:
    """Tencent's kf_msg_or_event on the WeCom app callback: the API answers 200, then pulls sync_msg. `times` > 1
    re-sends the identical request, as Tencent does when it missed our answer."""
    params, body = signed_callback(kf_event_xml(), nonce)
    for _ in range(times):
        r = api.post("/channels/wecom/callback", params=params, content=body)
    return r
