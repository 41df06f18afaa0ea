"""Optional OpenTelemetry export: one GenAI span per graph node, rebuilt from a suggestion's recorded timings.

Off unless a TracerProvider is passed to the ledger (open_ledger(..., tracer_provider=…)). Spans are laid end to end,
ending at the suggestion's created_at, because the timings are per-node durations; attributes follow the OpenTelemetry
GenAI semantic conventions (`gen_ai.*`) plus a few `copilot.*` ones.
"""

from __future__ import annotations

from typing import Any

from contract.suggestions import Suggestion

AGENT_NAME = "channel-copilot"
_LLM_NODES = ("draft", "llm", "summar", "compose")  # nodes that call the chat model


def _ns(seconds: float) -> int:
    return int(seconds * 1_000_000_000)


def emit_genai_spans(suggestion: Suggestion, *, tracer_provider: Any) -> list[str]:
    """Emits the spans and returns their names (root first)."""
    try:
        from opentelemetry.trace import SpanKind
    except ImportError as exc:  # pragma: no cover - the sdk ships with the project
        raise ImportError('OpenTelemetry export needs: pip install "opentelemetry-sdk"') from exc
    tracer = tracer_provider.get_tracer("copilot.ledger")
    end = suggestion.created_at.timestamp()
    total_s = sum(suggestion.timings_ms.values()) / 1000.0
    model = suggestion.model or (suggestion.draft.model if suggestion.draft else "")
    root_attrs = {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": AGENT_NAME,
        "gen_ai.conversation.id": suggestion.conversation_id,
        "gen_ai.response.id": suggestion.id,
        "gen_ai.request.model": model,
        "copilot.tenant": suggestion.tenant,
        "copilot.intent": suggestion.intent.name,
        "copilot.suggestion_kind": suggestion.kind.value,
        "copilot.evidence_count": len(suggestion.evidence),
    }
    names = [f"invoke_agent {AGENT_NAME}"]
    root = tracer.start_span(
        names[0], kind=SpanKind.INTERNAL, attributes=root_attrs, start_time=_ns(end - total_s)
    )
    try:
        from opentelemetry import trace

        ctx = trace.set_span_in_context(root)
        cursor = end - total_s
        for node, ms in suggestion.timings_ms.items():
            is_llm = any(part in node.lower() for part in _LLM_NODES)
            attrs: dict[str, Any] = {
                "copilot.node": node,
                "gen_ai.conversation.id": suggestion.conversation_id,
            }
            if is_llm:
                attrs.update({"gen_ai.operation.name": "chat", "gen_ai.request.model": model})
                name = f"chat {model or node}"
            else:
                attrs.update({"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": node})
                name = f"execute_tool {node}"
            span = tracer.start_span(name, context=ctx, attributes=attrs, start_time=_ns(cursor))
            cursor += ms / 1000.0
            span.end(end_time=_ns(cursor))
            names.append(name)
    finally:
        root.end(end_time=_ns(end))
    return names
