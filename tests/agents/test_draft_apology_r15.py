"""R15-05: a complaint's shape (a count, a wait, doubled marks) earns the draft's apology only with a negative reading
of the same message (the sentiment understanding computed, an anger / escalation / threat word, a fault or a
not-done), never from a count or punctuation alone. Probes written fresh, not from the review's words."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.nodes.draft import apologetic
from agents.reasoning.config import load_profile
from agents.understanding.sentiment import score_sentiment
from contract.suggestions import Intent

PROFILE = load_profile(Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "autodealer")


def _says_sorry(text: str, intent: str = "promotion_inquiry") -> bool:
    sentiment, urgency = score_sentiment(text, {})  # what the understand step computes for the message
    it = Intent(name=intent, confidence=0.8, sentiment=sentiment, urgency=urgency)
    return apologetic(it, PROFILE, None, text)


INNOCENT = [
    "这是我家第四次在你们这儿买车了，能不能给老客户算便宜点？",
    "我们公司已经从你们店提了三回车了，这次再订5台有团购价吗？",
    "第二次来你们店保养，上次师傅很专业，这次想约周六上午",
    "新车今天到手了！！开起来太舒服了，第一次保养什么时候做？",
    "提车啦！！！请问首保是5000公里还是一年？",
    "一年保养3次的话，保养套餐怎么买划算？",
    "We've bought 4 cars from your dealership over the years and love it. Any loyalty discount on the new SUV?",
    "This is my second time servicing with you, last visit was excellent. Can I book next Friday?",
    "Just picked up my new car!! Absolutely love it. When is the first service due?",
    "I drive a lot, so I service 3 times a year. Is there a package for that?",
    "I've waited 2 weeks for this moment, so excited to collect the car tomorrow!",
]

COMPLAINT = [
    "我已经打了四次电话了，到现在没人回，太不像话了，这个置换补贴到底给不给？",
    "等了三个星期了还没提到车，你们到底怎么回事？",
    "第三次进店修同一个异响了，又响了，这次保养能不能彻底解决？",
    "I've called 5 times about the trade-in quote and nobody has got back to me. This is unacceptable.",
    "Waited two weeks for the part and still no word. When will my car be ready?",
    "The warning light is on again, third time since the last service. Can you book me in?",
    "问了两遍价格都不一样，你们这是坑人吧？？",
]


@pytest.mark.parametrize("text", INNOCENT)
def test_a_count_or_marks_alone_is_no_apology(text: str) -> None:
    assert not _says_sorry(text), text


@pytest.mark.parametrize("text", COMPLAINT)
def test_a_shaped_complaint_filed_under_another_intent_still_gets_it(text: str) -> None:
    assert _says_sorry(text), text


def test_the_complaint_intent_still_always_gets_it() -> None:
    assert _says_sorry("这是我第三次在你们店买车了", intent="complaint")
