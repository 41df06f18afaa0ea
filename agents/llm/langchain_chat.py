"""langchain-community chat models by class path (e.g. ChatTongyi, ChatZhipuAI, QianfanChatEndpoint).

`stream()` runs the model's own `.stream()` on a worker thread and hands pieces over a queue, so the caller's deadline
holds even when a provider SDK blocks; a model without native streaming yields its whole answer as one piece."""

from __future__ import annotations

import concurrent.futures
import importlib
import queue
import threading
import time
from collections.abc import Generator
from typing import Any

from contract.errors import BackendUnavailable, UserError
from contract.ports import ChatResult, ChatStream

_ROLES = {"system": "SystemMessage", "user": "HumanMessage", "assistant": "AIMessage"}


class LangChainChat:
    """`class_path` like "langchain_community.chat_models.ChatTongyi"; kwargs go to its constructor."""

    def __init__(self, class_path: str, **kwargs: Any) -> None:
        module_name, _, cls_name = class_path.rpartition(".")
        try:
            cls = getattr(importlib.import_module(module_name), cls_name)
        except (ImportError, AttributeError, ValueError) as exc:
            raise UserError(
                f"cannot load chat model class {class_path!r}: {exc}", reason="llm_class"
            ) from exc
        self._model = cls(**kwargs)
        self.name = f"langchain:{cls_name}"
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="lc-chat")

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int = 256,
        temperature: float = 0.2,
        timeout_s: float = 30.0,
    ) -> ChatResult:
        from langchain_core import messages as lc

        converted = [
            getattr(lc, _ROLES.get(m["role"], "HumanMessage"))(content=m["content"]) for m in messages
        ]
        t0 = time.perf_counter()
        future = self._pool.submit(
            self._model.invoke, converted, max_tokens=max_tokens, temperature=temperature
        )
        try:
            out = future.result(timeout=timeout_s)
        except concurrent.futures.TimeoutError as exc:
            raise BackendUnavailable(f"LLM timed out after {timeout_s}s", reason="llm_timeout") from exc
        except Exception as exc:  # provider SDKs raise their own types; surface them as one typed error
            raise BackendUnavailable(f"LLM call failed: {exc}", reason="llm_transport") from exc
        total = (time.perf_counter() - t0) * 1000
        return ChatResult(text=str(out.content), model=self.name, total_ms=round(total, 2))

    def _convert(self, messages: list[dict[str, str]]) -> list[Any]:
        from langchain_core import messages as lc

        return [getattr(lc, _ROLES.get(m["role"], "HumanMessage"))(content=m["content"]) for m in messages]

    def stream(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int = 256,
        temperature: float = 0.2,
        timeout_s: float = 30.0,
    ) -> ChatStream:
        return ChatStream(self._pieces(self._convert(messages), max_tokens, temperature, timeout_s))

    def _pieces(
        self, converted: list[Any], max_tokens: int, temperature: float, timeout_s: float
    ) -> Generator[str, None, ChatResult]:
        handoff: queue.Queue[tuple[str, object]] = queue.Queue()
        stop = threading.Event()  # set when the reader gives up: the worker stops pulling from the provider

        def produce() -> None:
            try:
                for chunk in self._model.stream(converted, max_tokens=max_tokens, temperature=temperature):
                    if stop.is_set():
                        return
                    handoff.put(("piece", chunk.content))
                handoff.put(("done", None))
            except (
                Exception
            ) as exc:  # provider SDKs raise their own types; passed to the reader as one typed error
                handoff.put(("error", exc))

        t0 = time.perf_counter()
        deadline = t0 + timeout_s
        first: float | None = None
        chunks: list[str] = []
        self._pool.submit(produce)
        try:
            while True:
                try:
                    kind, value = handoff.get(timeout=max(0.0, deadline - time.perf_counter()))
                except queue.Empty as exc:
                    raise BackendUnavailable(
                        f"LLM timed out after {timeout_s}s", reason="llm_timeout"
                    ) from exc
                if kind == "done":
                    break
                if kind == "error":
                    raise BackendUnavailable(f"LLM call failed: {value}", reason="llm_transport")
                piece = value if isinstance(value, str) else str(value or "")
                if piece:
                    first = first if first is not None else time.perf_counter()
                    chunks.append(piece)
                    yield piece
        finally:
            stop.set()
        end = time.perf_counter()
        return ChatResult(
            text="".join(chunks),
            model=self.name,
            completion_tokens=len(chunks),
            first_token_ms=round((first - t0) * 1000, 2) if first is not None else None,
            total_ms=round((end - t0) * 1000, 2),
        )
