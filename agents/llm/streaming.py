"""Helpers around `ChatModel.stream`: read a stream to its end, and stream from a model that only completes (an
adapter written before streaming existed gets one piece, so callers have one code path)."""

from __future__ import annotations

from collections.abc import Generator

from contract.errors import BackendUnavailable
from contract.ports import ChatModel, ChatResult, ChatStream


def drain(stream: ChatStream) -> ChatResult:
    """Reads a stream to its end and returns its ChatResult."""
    for _ in stream:
        pass
    if stream.result is None:  # a generator that returned nothing is a backend bug: said plainly, typed
        raise BackendUnavailable("LLM stream ended without a result", reason="llm_transport")
    return stream.result


def open_stream(
    llm: ChatModel,
    messages: list[dict[str, str]],
    *,
    max_tokens: int,
    temperature: float,
    timeout_s: float,
) -> ChatStream:
    """`llm.stream(...)`, or a one-piece stream over `llm.complete(...)` for a model without `stream`."""
    stream = getattr(llm, "stream", None)
    if callable(stream):
        out = stream(messages, max_tokens=max_tokens, temperature=temperature, timeout_s=timeout_s)
        if isinstance(out, ChatStream):
            return out

    def one_piece() -> Generator[str, None, ChatResult]:
        result = llm.complete(messages, max_tokens=max_tokens, temperature=temperature, timeout_s=timeout_s)
        if result.text:
            yield result.text
        return result

    return ChatStream(one_piece())
