"""The wrap-up is read as fact: an uncertain voice turn never sets the main request, and a hand-off proposed on the
current message counts that message."""

from __future__ import annotations

from typing import Any

import pytest

from agents.wrapup import summarize


def turn(intent: str, *, uncertain: bool = False, text: str = "问题") -> dict[str, Any]:
    return {
        "role": "customer",
        "intent": intent,
        "text": text,
        "suggestion_id": f"s-{intent}",
        "uncertain": uncertain,
    }


@pytest.mark.parametrize(
    ("history", "main", "disposition"),
    [
        ([turn("warranty_repair", uncertain=True)], "待坐席确认", "pending_confirmation"),
        (
            [turn("warranty_repair", uncertain=True), turn("order_status")],
            "order_status",
            "order_inquiry_answered",
        ),
        (
            [turn("order_status"), turn("order_status"), turn("complaint")],
            "order_status",
            "order_inquiry_answered",
        ),
        ([turn("out_of_scope")], "out_of_scope", "handed_off"),
    ],
)
def test_main_request_ignores_uncertain_turns(
    history: list[dict[str, Any]], main: str, disposition: str
) -> None:
    summary = summarize(history)
    assert f"主要诉求：{main}" in summary["summary"]
    assert summary["disposition"] == disposition
    assert summary["uncertain_turns"] == sum(1 for t in history if t["uncertain"])


def test_current_turn_counts_before_it_reaches_the_history() -> None:
    summary = summarize([], current={"role": "customer", "intent": "complaint", "text": "我要投诉"})
    assert summary["turns"] == 1
    assert "客户共发来 1 条消息，主要诉求：complaint" in summary["summary"]
    assert "我要投诉" in summary["summary"]
