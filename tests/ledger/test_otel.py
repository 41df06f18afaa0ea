"""Optional OpenTelemetry export: GenAI spans per graph node, caught by the SDK's in-memory exporter."""

from __future__ import annotations

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from copilot.ledger import Ledger, open_ledger

from .conftest import INPUTS, make_suggestion


def test_spans_per_node_with_gen_ai_attributes(tmp_path) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    ledger = open_ledger(f"sqlite:///{tmp_path / 'l.sqlite'}", tracer_provider=provider)
    s = make_suggestion()
    ledger.record_suggestion(s, inputs=INPUTS)
    spans = {span.name: span for span in exporter.get_finished_spans()}
    root = spans["invoke_agent channel-copilot"]
    assert root.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert root.attributes["gen_ai.conversation.id"] == "conv_C1001"
    assert root.attributes["gen_ai.response.id"] == s.id
    assert root.attributes["copilot.intent"] == "rebate_policy"
    chat = spans["chat qwen2.5-1.5b"]
    assert (
        chat.attributes["gen_ai.request.model"] == "qwen2.5-1.5b"
        and chat.parent.span_id == root.context.span_id
    )
    assert (chat.end_time - chat.start_time) == 900_000_000  # the draft node's 900 ms
    assert spans["execute_tool retrieve"].attributes["gen_ai.tool.name"] == "retrieve"
    assert len(spans) == 1 + len(s.timings_ms)
    assert root.end_time == int(s.created_at.timestamp() * 1e9)


def test_off_by_default(ledger: Ledger) -> None:
    assert ledger.tracer_provider is None


def test_export_is_switched_on_by_the_standard_otel_settings() -> None:
    from copilot.ledger.otel import tracer_provider_from_env

    assert tracer_provider_from_env({}) is None  # off unless asked
    assert tracer_provider_from_env({"OTEL_TRACES_EXPORTER": "none"}) is None
    assert (
        tracer_provider_from_env(
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317", "OTEL_SDK_DISABLED": "true"}
        )
        is None
    )
    otlp = tracer_provider_from_env(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317", "OTEL_SERVICE_NAME": "cc-x"}
    )
    assert otlp is not None and otlp.resource.attributes["service.name"] == "cc-x"
    console = tracer_provider_from_env({"OTEL_TRACES_EXPORTER": "console"})
    assert console is not None and console.resource.attributes["service.name"] == "channel-copilot"
    otlp.shutdown()
    console.shutdown()
