"""HubPush builds a push only for topics someone listens on now (copilot/listeners.py over copilot.hub.listened):
a watched conversation still gets every event, once per listened topic; with no page open nothing is built or
published, and the masker that quotes the customer is not even asked."""

from __future__ import annotations

import asyncio
from typing import Any

from contract.messages import InboundMessage, TextPart
from copilot.events import SuggestionProgress
from copilot.hub import LocalHub
from copilot.listeners import HubPush


class CountingMasker:
    """Stands in for the PII masker only to count how often HubPush asks it to quote the customer."""

    def __init__(self) -> None:
        self.calls = 0

    def mask(self, text: str, **_: Any) -> Any:
        self.calls += 1
        raise AssertionError("a push nobody receives must not mask anything")


class RecordingHub(LocalHub):
    def __init__(self) -> None:
        super().__init__()
        self.published: list[tuple[str, dict[str, Any]]] = []

    def publish(self, topic: str, event: dict[str, Any]) -> None:
        self.published.append((topic, event))
        super().publish(topic, event)


def _message() -> InboundMessage:
    return InboundMessage(
        tenant="t1",
        channel="rest",
        conversation_id="c-1",
        message_id="m-1",
        customer_ref="cust-1",
        rep_ref="rep-1",
        parts=[TextPart(text="这台车保修到什么时候")],
    )


def test_nobody_listening_builds_and_publishes_nothing() -> None:
    hub = RecordingHub()
    masker = CountingMasker()
    push = HubPush(hub, masker)  # type: ignore[arg-type]
    push.progress(SuggestionProgress(message=_message(), phase="partial", data={"intent": "warranty"}))
    assert hub.published == [] and masker.calls == 0


def test_a_listened_topic_gets_the_event_and_the_other_is_skipped() -> None:
    hub = RecordingHub()
    push = HubPush(hub, None)

    async def run() -> dict[str, Any]:
        stream = hub.subscribe("conversation:t1:c-1").__aiter__()
        first = asyncio.ensure_future(stream.__anext__())
        await asyncio.sleep(0.01)  # subscribed before the push
        push.progress(SuggestionProgress(message=_message(), phase="draft_token", data={"token": "保修"}))
        event = await asyncio.wait_for(first, 2)
        await stream.aclose()
        return event

    event = asyncio.run(run())
    assert event["type"] == "draft_token" and event["data"] == {"token": "保修"}
    assert [topic for topic, _ in hub.published] == ["conversation:t1:c-1"]  # rep:rep-1 has no listener
