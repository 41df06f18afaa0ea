"""Any OpenAI-compatible /v1/chat/completions endpoint (vLLM, Ollama, DeepSeek, Qwen compatible mode, the local
xllamacpp server), always over SSE: `stream()` yields text pieces as they arrive (time to first token measured at the
first non-empty piece); `complete()` drains the same stream. A timeout raises BackendUnavailable."""

from __future__ import annotations

import json
import time
from collections.abc import Generator
from typing import Any

import httpx

from agents.llm.streaming import drain
from contract.errors import BackendUnavailable
from contract.ports import ChatResult, ChatStream


class OpenAICompatChat:
    """`extra_body` is merged into every request: server-specific knobs such as llama.cpp's `cache_prompt` (a strict
    OpenAI endpoint rejects unknown fields, so it is empty unless the caller knows the server)."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str = "",
        name: str = "",
        extra_body: dict[str, Any] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        if not self.base_url.endswith("/v1"):
            self.base_url += "/v1"
        self.model = model
        self.name = name or f"openai:{model}"
        self.extra_body = dict(extra_body or {})
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def stream(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int = 256,
        temperature: float = 0.2,
        timeout_s: float = 30.0,
    ) -> ChatStream:
        body = {
            **self.extra_body,
            "model": self.model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        return ChatStream(self._pieces(body, timeout_s))

    def _pieces(self, body: dict[str, Any], timeout_s: float) -> Generator[str, None, ChatResult]:
        t0 = time.perf_counter()
        deadline = t0 + timeout_s
        first: float | None = None
        chunks: list[str] = []
        usage: dict[str, Any] = {}
        finish = ""
        try:
            # httpx's read timeout is per read: it bounds the wait for the first byte (the prefill); the deadline
            # below bounds the whole completion.
            timeout = httpx.Timeout(timeout_s, connect=min(5.0, timeout_s))
            with (
                httpx.Client(timeout=timeout, headers=self._headers) as client,
                client.stream("POST", f"{self.base_url}/chat/completions", json=body) as resp,
            ):
                if resp.status_code >= 400:
                    resp.read()
                    raise BackendUnavailable(
                        f"LLM endpoint answered {resp.status_code}",
                        reason="llm_http_error",
                        status=resp.status_code,
                    )
                for line in resp.iter_lines():
                    if time.perf_counter() > deadline:
                        raise BackendUnavailable(f"LLM exceeded {timeout_s}s", reason="llm_timeout")
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    event = json.loads(data)
                    if not isinstance(event, dict):
                        continue
                    if event.get("error"):
                        raise BackendUnavailable(
                            f"LLM endpoint error: {event['error']}", reason="llm_http_error"
                        )
                    usage = event.get("usage") or usage
                    for choice in event.get("choices") or []:
                        finish = choice.get("finish_reason") or finish
                        piece = (choice.get("delta") or {}).get("content") or ""
                        if piece:
                            first = first if first is not None else time.perf_counter()
                            chunks.append(piece)
                            yield piece
        except httpx.TimeoutException as exc:
            raise BackendUnavailable(f"LLM timed out after {timeout_s}s", reason="llm_timeout") from exc
        except (httpx.HTTPError, json.JSONDecodeError) as exc:
            raise BackendUnavailable(f"LLM transport failed: {exc}", reason="llm_transport") from exc
        end = time.perf_counter()
        return ChatResult(
            text="".join(chunks),
            model=self.model,
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            cached_prompt_tokens=int((usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0) or 0),
            completion_tokens=int(usage.get("completion_tokens", len(chunks))),
            first_token_ms=round((first - t0) * 1000, 2) if first is not None else None,
            total_ms=round((end - t0) * 1000, 2),
            finish_reason=str(finish),
        )

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int = 256,
        temperature: float = 0.2,
        timeout_s: float = 30.0,
    ) -> ChatResult:
        return drain(
            self.stream(messages, max_tokens=max_tokens, temperature=temperature, timeout_s=timeout_s)
        )
