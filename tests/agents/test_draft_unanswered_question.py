"""An English message of several questions, one of which no stated fact answers, gets "On your other question, I will
check…" (template._unanswered) — round 11 defect (a): a question about a thing the answer speaks of by its code or
model name (the L5, PKG-B) was taken as unanswered because its other words ("cost") were not the answer's ("price"),
so a fully answered message got a holding line. A code or model name shared with the answer now counts as answered;
a question about nothing the answer names still gets the holding line. Table-driven, written before the fix."""

from __future__ import annotations

import pytest

from agents.drafting.template import _unanswered


@pytest.mark.parametrize(
    ("text", "answer", "want"),
    [
        # every question answered by a fact about the thing it names
        (
            "1) can I get the winter 5,000 off on an L5 here in Beijing? 2) what would the L5 cost me then? "
            "3) how long is the warranty on a new one, years and km?",
            "A new vehicle gets a warranty of 48 months or 120,000 km. The Winter Sale does not apply to you: it "
            "applies only in East China; the L5 list price is CNY 159,800.",
            False,
        ),
        (
            "How many visits are left on my PKG-B? And when does the PKG-B run out?",
            "Your PKG-B has 3 visits left and is valid until 2028-02-29.",
            False,
        ),
        # a question about nothing the answer names: the holding line
        (
            "When does my S7 warranty end? Also, do you know a good car wash near your store?",
            "The vehicle warranty of your S7 runs until 2028-05-19.",
            True,
        ),
        (
            "What does the T3 cost? And can you recommend a driving school for our new drivers?",
            "The T3 list price is CNY 126,000.",
            True,
        ),
    ],
)
def test_unanswered(text: str, answer: str, want: bool) -> None:
    assert _unanswered(text, answer, []) is want


@pytest.mark.parametrize(
    ("text", "answer", "want"),
    [
        # review NIT (0ef6d9c): an ordinal, a time or a quantity the other question shares with the answer is no thing
        # that question is about, so it does not mark it answered
        (
            "When is my next service? Is your cafe open on the 2nd?",
            "Your next service is due on the 2nd.",
            True,
        ),
        (
            "What time does my service start? Can your driver drop me home after 5pm?",
            "Your service starts at 5pm on Tuesday.",
            True,
        ),
        (
            "When is the first check due? Do you lend a courtesy car if I drive 100km to get there?",
            "The first check is due at 100km or one month.",
            True,
        ),
        # a model code with digits first still names the thing asked about
        (
            "What does the 320i cost? And is the 320i in stock?",
            "The 320i list price is CNY 299,000.",
            False,
        ),
    ],
)
def test_units_and_ordinals_name_nothing(text: str, answer: str, want: bool) -> None:
    assert _unanswered(text, answer, []) is want
