"""An offer the customer declines or says they already have asks for nothing: «设备保修到哪天 增值服务就免了» asks
for the term's end, not for the add-on's price. The message's stance towards each action is read by the actions' own
reader (agents.actions.stance: the pack's words naming the action, the cue declining it or saying it is done); the words
naming such an action are taken out of the clause that declines it before the reasoning tools read the message, so no
tool is asked for that offer by those words (its price, when it would start) and the draft does not quote what the
customer turned down. Another clause of the same message that asks about the action still asks («增值服务不用了，
但增值服务什么时候生效？»). Nothing here knows a tenant: the words are the pack's own (naming_words)."""

from __future__ import annotations

import re
from typing import Any

from agents.actions.stance import naming_words, stances

# where one clause ends and the next begins (the same marks the stance reader splits a message on)
_CLAUSE_END = re.compile(r"[，,。！!？?；;\n]")


def declined_actions(text: str, tenant: Any) -> dict[str, str]:
    """action name → declined / done, for every action the message turns down or says is done; {} without a tenant."""
    if tenant is None or not text:
        return {}
    try:
        return dict(stances(text, tenant))
    except Exception:  # noqa: BLE001 — a pack the reader cannot read declines nothing
        return {}


def without_declined(text: str, tenant: Any) -> tuple[str, dict[str, str]]:
    """The message with the words naming a declined / done action removed from the clauses that decline it, and the
    stances read (action → stance). The message itself when it declines nothing."""
    found = declined_actions(text, tenant)
    if not found:
        return text, {}
    names, _ = naming_words(tenant)
    words = sorted((w for w, act in names.items() if act in found), key=len, reverse=True)
    if not words:
        return text, found
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    pieces: list[str] = []
    start = 0
    blanked = False
    for m in [*_CLAUSE_END.finditer(text), None]:
        end = m.end() if m is not None else len(text)
        clause = text[start:end]
        if clause.strip() and pattern.search(clause) and set(declined_actions(clause, tenant)) & set(found):
            clause = pattern.sub("", clause)
            blanked = True
        pieces.append(clause)
        start = end
    if not blanked:
        # the cue and the action's word stand in different marks' stretches (a voice transcript: «增值服务啊 算了 不要了»
        # has spaces, not commas): the whole message is the clause
        return pattern.sub("", text), found
    return "".join(pieces), found
