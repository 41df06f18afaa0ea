"""langchain-community chat models by class path (e.g. ChatTongyi, ChatZhipuAI, QianfanChatEndpoint)."""

from __future__ import annotations

import concurrent.futures
import importlib
import time
from typing import Any

from contract.errors import BackendUnavailable, UserError
from contract.ports import ChatResult

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
