"""The step the conversation already asked for: an earlier customer turn of this thread set the need (a fault reported
before the agent's question, a quote asked for before a question about the promotion's deadline) and nobody has taken
the step since, while the latest message, read alone, asks only about a side of it («还在保修吗 / 多久来人 / 到哪天
截止»). Read from the thread's history (agents.nodes.deliver keeps each customer turn's intent and card), not from any
words: the earlier turn's own step is the first action of its card when that action serves the intent that turn was
read as. The search walks back from the latest message:
  - a rep's (or agent's) turn that asks a question is the rep gathering what the step needs: the ask stays open;
  - a rep's turn that says something else (an answer, «报价单已发您», «工单已建好»), or a recorded decision on a card,
    is the rep having acted on the conversation: nothing is carried past it;
  - a short customer turn (under SHORT_TURN characters of content: «在停车场», «AB-100», «要6台») answers the rep or
    leans on the turns around it: it sets no step of its own and is passed over;
  - the first longer customer turn is the one whose step is carried, if it holds one (a card without actions, or a
    transcript the card asked to confirm, carries nothing). Its reading's confidence is not asked: a weakly read price
    ask («AB-100十台 含税总价多少», 0.5) sets its step as surely as a confident one (scratch r21: a gate at the playbook's
    WEAK_READING lost three such conversations and kept no top-2 place anywhere measured).
The playbook puts that step on the latest card's top two (agents.actions.playbook._the_earlier_ask) unless the latest
message declines it or turns it down bare («算了，这批先不买了»), its preconditions fail or the computed answer rules it
out."""

from __future__ import annotations

import re
from typing import Any

# content characters (letters, digits, CJK) a customer turn needs to set a step of its own
SHORT_TURN = 10
# how far back (history entries) the search goes: a step asked many turns ago is no longer the conversation's need
MAX_BACK = 6
_CONTENT = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff]")
# a value the PII screen masked («<CN_PLATE_1>»): no content of the customer's own
_MASKED = re.compile(r"<[A-Z][A-Z0-9_]*_\d+>")
# a turn asking a question: a question mark, or a sentence-final question particle typed without one
_ASKS = re.compile(r"[?？]\s*$|[吗呢么嘛]\s*$")
REP_ROLES = ("rep", "agent")


def content_length(text: str) -> int:
    return len(_CONTENT.sub("", _MASKED.sub("", text)))


def asks(text: str) -> bool:
    """The turn ends asking a question (the rep's clarifying question: «车现在还能正常开吗？»)."""
    return bool(_ASKS.search(text.strip()))


def earlier_ask(history: list[dict[str, Any]], serves: dict[str, list[str]]) -> dict[str, Any]:
    """{action, intent, text, message_id} of the step an earlier customer turn asked for and nobody took since; {}
    when there is none. `serves`: action name → the intents it serves (the catalog's)."""
    for h in list(reversed(history))[:MAX_BACK]:
        role = str(h.get("role") or "")
        text = str(h.get("text") or "")
        if role == "decision":
            return {}
        if role in REP_ROLES:
            if asks(text):
                continue
            return {}
        if role != "customer":
            continue
        if content_length(text) < SHORT_TURN:
            continue
        actions = [str(a) for a in h.get("actions") or []]
        intent = str(h.get("intent") or "")
        if not actions or h.get("uncertain") or intent not in serves.get(actions[0], []):
            return {}
        return {
            "action": actions[0],
            "intent": intent,
            "text": text,
            "message_id": str(h.get("message_id") or ""),
            "suggestion_id": str(h.get("suggestion_id") or ""),
        }
    return {}
