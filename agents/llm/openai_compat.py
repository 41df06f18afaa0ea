"""Any OpenAI-compatible /v1/chat/completions endpoint (vLLM, Ollama, DeepSeek, Qwen compatible mode, the local
xllamacpp server), always over SSE: `stream()` yields text pieces as they arrive (time to first token measured at the
first non-empty piece); `complete()` drains the same stream. A timeout raises BackendUnavailable."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import httpx

from agents.llm.streaming import drain
from contract.errors import BackendUnavailable
from contract.ports import ChatResult, ChatStream


@dataclass(frozen=True)
class ToolCall:
    """One function call the model asked for: its name and its arguments (parsed JSON; {} when they were not JSON,
    with the raw text kept so the caller can say why)."""

    name: str
    arguments: dict[str, Any]
    raw_arguments: str = ""
    call_id: str = ""


@dataclass(frozen=True)
class ToolCallResult:
    calls: list[ToolCall] = field(default_factory=list)
    content: str = ""  # any text the model wrote instead of (or besides) calls
    total_ms: float = 0.0
    model: str = ""


# Some servers hand back a model's native tool-call markup as text (Qwen: <tool_call>{"name": …}</tool_call>)
# instead of parsing it into `tool_calls`: read it the same way.
_TOOL_CALL_TAG = re.compile(r"<tool_call>\s*(\{.*?\})\s*</tool_call>", re.DOTALL)


def _arguments(raw: Any) -> tuple[dict[str, Any], str]:
    if isinstance(raw, dict):
        return raw, json.dumps(raw, ensure_ascii=False)
    text = str(raw or "")
    try:
        value = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError:
        return {}, text
    return (value if isinstance(value, dict) else {}), text


def parse_tool_calls(message: dict[str, Any]) -> list[ToolCall]:
    """The calls of one assistant message: OpenAI `tool_calls`, else tagged calls in its content."""
    calls: list[ToolCall] = []
    for c in message.get("tool_calls") or []:
        fn = (c or {}).get("function") or {}
        if not fn.get("name"):
            continue
        args, raw = _arguments(fn.get("arguments"))
        calls.append(ToolCall(str(fn["name"]), args, raw, str(c.get("id", ""))))
    if not calls:
        calls = _calls_in_text(str(message.get("content") or ""))
    return calls


def _calls_in_text(content: str) -> list[ToolCall]:
    """Calls a model wrote as text: <tool_call> tags, else bare JSON objects {"name": …, "arguments": …} (a small
    model seen here doubles the braces, {{"name": …}}, and llama.cpp then does not parse it as a call)."""
    calls: list[ToolCall] = []
    for m in _TOOL_CALL_TAG.finditer(content):
        try:
            obj = json.loads(m.group(1))
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict) and obj.get("name"):
            args, raw = _arguments(obj.get("arguments", obj.get("parameters", {})))
            calls.append(ToolCall(str(obj["name"]), args, raw))
    if calls or '"name"' not in content:
        return calls
    return _json_calls(content) or _json_calls(content.replace("{{", "{").replace("}}", "}"))


def _json_calls(text: str) -> list[ToolCall]:
    calls: list[ToolCall] = []
    decoder = json.JSONDecoder()
    at = text.find("{")
    while at != -1:
        try:
            obj, end = decoder.raw_decode(text, at)
        except json.JSONDecodeError:
            at = text.find("{", at + 1)
            continue
        if isinstance(obj, dict) and obj.get("name") and isinstance(obj.get("arguments", {}), dict | str):
            args, raw = _arguments(obj.get("arguments", obj.get("parameters", {})))
            calls.append(ToolCall(str(obj["name"]), args, raw))
        at = text.find("{", end)
    return calls


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
        # llama.cpp's own `timings` of the last finished stream (cache_n, prompt_n, prompt_ms, predicted_n,
        # predicted_ms): diagnostics for benchmarks and the eval's profile; {} for servers that send none
        self.last_timings: dict[str, float] = {}

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
        timings: dict[str, Any] = {}
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
                    timings = event.get("timings") or timings
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
        self.last_timings = {k: v for k, v in timings.items() if isinstance(v, int | float)}
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

    supports_tools = True  # the OpenAI protocol's `tools`; a server without them answers with text (no calls)

    def call_tools(
        self,
        messages: list[dict[str, str]],
        tools: list[dict[str, Any]],
        *,
        max_tokens: int = 256,
        timeout_s: float = 30.0,
    ) -> ToolCallResult:
        """One non-streamed round of function calling: which of `tools` (OpenAI JSON-schema functions) the model
        calls, with which arguments. The caller runs them; nothing here executes anything."""
        body = {
            **self.extra_body,
            "model": self.model,
            "messages": messages,
            "tools": tools,
            "tool_choice": "auto",
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "stream": False,
        }
        t0 = time.perf_counter()
        try:
            timeout = httpx.Timeout(timeout_s, connect=min(5.0, timeout_s))
            with httpx.Client(timeout=timeout, headers=self._headers) as client:
                resp = client.post(f"{self.base_url}/chat/completions", json=body)
            if resp.status_code >= 400:
                raise BackendUnavailable(
                    f"LLM endpoint answered {resp.status_code}",
                    reason="llm_http_error",
                    status=resp.status_code,
                )
            data = resp.json()
        except httpx.TimeoutException as exc:
            raise BackendUnavailable(f"LLM timed out after {timeout_s}s", reason="llm_timeout") from exc
        except (httpx.HTTPError, json.JSONDecodeError) as exc:
            raise BackendUnavailable(f"LLM transport failed: {exc}", reason="llm_transport") from exc
        choices = data.get("choices") or [] if isinstance(data, dict) else []
        message = (choices[0] or {}).get("message") or {} if choices else {}
        return ToolCallResult(
            calls=parse_tool_calls(message),
            content=str(message.get("content") or ""),
            total_ms=round((time.perf_counter() - t0) * 1000, 2),
            model=str(data.get("model") or self.model) if isinstance(data, dict) else self.model,
        )
