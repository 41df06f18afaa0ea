"""Session-wide real services for the tests: redis-server and a PostgreSQL cluster started in temp dirs on free ports.

No fakes: the binaries come from Debian's packages (`make test` installs them with apt when missing). Tests that need a
service ask for its fixture; a missing binary fails loudly with how to install it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # chromadb: no network calls
os.environ.setdefault(
    "OPENBLAS_NUM_THREADS", "1"
)  # one BLAS thread: multi-threaded BLAS thrashes 2 shared cores
os.environ.setdefault("COPILOT_ENV", "test")

PG_BIN_DIRS = [Path(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"service on port {port} did not come up in {timeout}s")


def _need(binary: str, hint: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pytest.fail(f"{binary} not found: {hint}")
    return path


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = _need("redis-server", "apt-get install redis-server (make test does this)")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(workdir),
            "--save",
            "",
            "--appendonly",
            "yes",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _pg_binary(name: str) -> str:
    for d in PG_BIN_DIRS:
        if (d / name).exists():
            return str(d / name)
    return _need(name, "apt-get install postgresql (make test does this)")


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway PostgreSQL cluster. initdb refuses to run as root, so run it as the `postgres` user when root."""
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    # pytest's tmp dirs are private to root (0700); the postgres user needs its own directory it can reach.
    base = Path(tempfile.mkdtemp(prefix="copilot-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    port = free_port()
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, user="postgres")
        shutil.chown(sock, user="postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*as_user, initdb, "-D", str(data), "-U", "copilot", "--auth=trust", "-E", "UTF8", "--no-locale"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*as_user, pg_ctl, "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w", "start"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"postgresql+psycopg://copilot@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
        )
        shutil.rmtree(base, ignore_errors=True)
