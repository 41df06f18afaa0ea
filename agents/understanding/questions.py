"""The one interrogative pattern of understanding: whether a clause asks something (a question mark, a Chinese question
word or particle, an A-not-A or a trailing 没 / 不, an English wh-word or auxiliary). Intent reads it to weigh the
clause that asks (agents/understanding/intent.py `asks`) and to tell a terse answer from a question; other modules that
need the same shape (authorization's phrase tables, the CRM directory's look-ups) can import it from here instead of
keeping a copy."""

from __future__ import annotations

import re

INTERROGATIVE = re.compile(
    r"[？?]|吗|呢|么|嘛|多少|什么|怎么|哪|几|能不能|可不可以|是不是|有没有|要不要|[没不]\s*$"
    r"|\b(?:what|how|when|which|where|why|can|could|would|will|is|are|do|does|did)\b",
    re.I,
)


def asks(clause: str) -> bool:
    """Whether the clause asks something (INTERROGATIVE, past its trailing punctuation)."""
    return INTERROGATIVE.search(clause.strip(" ，,。.!！~～")) is not None
