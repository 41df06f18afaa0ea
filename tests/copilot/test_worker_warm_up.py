"""A worker loads what the graph would load lazily (jieba's tables behind the PII name finder) when it starts, before
its first claim, so no message pays it on its hot path."""

from __future__ import annotations

from typing import Any

from contract import InboundMessage
from contract.ports import Actor
from copilot.worker import Worker
from guardrails.pii import names


class _EmptyInbox:
    lease_s = 0.0

    def claim(self, worker_id: str, limit: int = 1) -> list[tuple[Any, InboundMessage]]:
        return []

    def ack(self, item_id: Any) -> None: ...

    def nack(self, item_id: Any) -> None: ...


class _Nothing:
    def handle_message(self, msg: InboundMessage, actor: Actor) -> None:
        raise AssertionError("no message was queued")


def test_start_loads_the_name_finders_tables_before_any_message() -> None:
    names._lexicon.cache_clear()
    worker = Worker(_EmptyInbox(), _Nothing(), worker_id="warm", poll_s=0.01)  # type: ignore[arg-type]
    worker.start()
    try:
        assert names._lexicon.cache_info().currsize == 1  # loaded at start, not inside a message
    finally:
        worker.stop(timeout=2.0)
    assert worker.processed == 0
