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


def tracer_provider_from_env(environ: dict[str, str] | None = None) -> Any:
    """A TracerProvider when the standard OpenTelemetry settings ask for export, else None (off).

    On when OTEL_TRACES_EXPORTER names an exporter (otlp | console) or OTEL_EXPORTER_OTLP_ENDPOINT /
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set; off when OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. The OTLP
    exporter reads its own OTEL_EXPORTER_OTLP_* settings (endpoint, headers, protocol, timeout); the resource takes
    OTEL_SERVICE_NAME (default channel-copilot) and OTEL_RESOURCE_ATTRIBUTES."""
    import os

    env = dict(os.environ if environ is None else environ)
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    exporters = [e.strip().lower() for e in env.get("OTEL_TRACES_EXPORTER", "").split(",") if e.strip()]
    endpoint = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if not exporters:
        exporters = ["otlp"] if endpoint else []
    exporters = [e for e in exporters if e != "none"]
    if not exporters:
        return None
    from opentelemetry.sdk.resources import OTELResourceDetector, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME") or AGENT_NAME}).merge(
        OTELResourceDetector().detect()
    )
    provider = TracerProvider(resource=resource)
    for name in exporters:
        if name == "console":
            provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
        elif name == "otlp":
            protocol = env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get(
                "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"
            )
            if protocol.startswith("http"):
                try:
                    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
                except ImportError as exc:
                    from contract.errors import UserError

                    raise UserError('OTLP over HTTP needs: pip install "opentelemetry-exporter-otlp-proto-http"; '
                                    "or set OTEL_EXPORTER_OTLP_PROTOCOL=grpc", reason="otel_exporter") from exc  # fmt: skip
            else:
                from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter  # type: ignore[assignment]
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        else:
            from contract.errors import UserError

            raise UserError(f"OTEL_TRACES_EXPORTER={name!r} is not supported here: use otlp, console or none",
                            reason="otel_exporter")  # fmt: skip
    return provider
