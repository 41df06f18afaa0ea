"""The one interrogative pattern of understanding: whether a clause asks something (a question mark, a Chinese question
word or particle, an A-not-A or a trailing 没 / 不, an English wh-word or auxiliary). Intent reads it to weigh the
clause that asks (agents/understanding/intent.py `asks`); the terse-answer check keeps its own narrower TERSE_QUESTION
(a few words answering the previous turn: "Saturday is fine", 还没). Other modules that
need the same shape (authorization's phrase tables, the CRM directory's look-ups) can import it from here instead of
keeping a copy."""

from __future__ import annotations

import re

INTERROGATIVE = re.compile(
    r"[？?]|吗|呢|么|嘛|多少|什么|怎么|哪|几|能不能|可不可以|是不是|有没有|要不要|[没不]\s*$"
    r"|\b(?:what|how|when|which|where|why|can|could|would|will|is|are|do|does|did)\b",
    re.I,
)


# A terse reply's own question, narrower than INTERROGATIVE: a short answer to the previous turn says "is fine", "will
# do", 还没, 先不, 要不要都行 — an English auxiliary, 要不要 or a trailing 没 / 不 in so few words answers, it does not ask.
# (The pattern intent used for the terse check before session 14; INTERROGATIVE widened it for the clause that asks.)
TERSE_QUESTION = re.compile(
    r"[？?]|吗|呢|么|嘛|多少|什么|怎么|哪|几|能不能|可不可以|是不是|有没有|\b(?:what|how|when|which|can|could)\b",
    re.I,
)


def asks(clause: str) -> bool:
    """Whether the clause asks something (INTERROGATIVE, past its trailing punctuation)."""
    return INTERROGATIVE.search(clause.strip(" ，,。.!！~～")) is not None
