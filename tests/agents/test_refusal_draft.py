"""A customer-facing refusal keeps the draft's opening: the customer is addressed first, then told what can't be
shared, then the answer about their own case."""

from __future__ import annotations

import pytest

from agents.authz import customer_refusal_line, refusal_draft


@pytest.mark.parametrize(
    ("lang", "text", "opening"),
    [
        ("zh", "王经理您好，您这批车的质保至2028年5月19日[1]。", "王经理您好，"),
        ("zh", "韩志刚先生，您好！冬季焕新季活动对您适用[1]。", "韩志刚先生，您好！"),
        ("en", "Hello Mr. Wang, your warranty runs to 2028-05-19 [1].", "Hello Mr. Wang, "),
    ],
)
def test_refusal_line_follows_the_greeting(lang: str, text: str, opening: str) -> None:
    line = customer_refusal_line("other_customer_prices", lang)
    assert line
    out = refusal_draft(
        {"text": text, "citations": [], "lang": lang}, ["refused:other_customer_prices"], lang
    )
    assert out is not None
    assert out["text"].startswith(opening + line)
    assert out["text"].endswith(text[len(opening) :])


def test_without_a_greeting_the_line_comes_first() -> None:
    line = customer_refusal_line("other_customer_prices", "zh")
    out = refusal_draft(
        {"text": "关于您的订单[1]。", "citations": [], "lang": "zh"}, ["refused:other_customer_prices"]
    )
    assert out is not None and out["text"] == line + "关于您的订单[1]。"


def test_applied_once() -> None:
    first = refusal_draft(
        {"text": "王经理您好，x[1]。", "citations": [], "lang": "zh"}, ["refused:other_customer_prices"]
    )
    assert first is not None
    again = refusal_draft(first, ["refused:other_customer_prices"])
    assert again is not None and again["text"] == first["text"]
