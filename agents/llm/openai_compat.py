"""Any OpenAI-compatible /v1/chat/completions endpoint (vLLM, Ollama, DeepSeek, Qwen compatible mode, the local
xllamacpp server). Streams so that time to first token is measured; a timeout raises BackendUnavailable."""

from __future__ import annotations

import json
import time

import httpx

from contract.errors import BackendUnavailable
from contract.ports import ChatResult


class OpenAICompatChat:
    def __init__(self, base_url: str, model: str, *, api_key: str = "", name: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        if not self.base_url.endswith("/v1"):
            self.base_url += "/v1"
        self.model = model
        self.name = name or f"openai:{model}"
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int = 256,
        temperature: float = 0.2,
        timeout_s: float = 30.0,
    ) -> ChatResult:
        body = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        t0 = time.perf_counter()
        deadline = t0 + timeout_s
        first: float | None = None
        chunks: list[str] = []
        usage: dict[str, int] = {}
        try:
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
                    usage = event.get("usage") or usage
                    for choice in event.get("choices") or []:
                        piece = (choice.get("delta") or {}).get("content") or ""
                        if piece:
                            first = first if first is not None else time.perf_counter()
                            chunks.append(piece)
        except httpx.TimeoutException as exc:
            raise BackendUnavailable(f"LLM timed out after {timeout_s}s", reason="llm_timeout") from exc
        except (httpx.HTTPError, json.JSONDecodeError) as exc:
            raise BackendUnavailable(f"LLM transport failed: {exc}", reason="llm_transport") from exc
        end = time.perf_counter()
        return ChatResult(
            text="".join(chunks),
            model=self.model,
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", len(chunks))),
            first_token_ms=round((first - t0) * 1000, 2) if first is not None else None,
            total_ms=round((end - t0) * 1000, 2),
        )
