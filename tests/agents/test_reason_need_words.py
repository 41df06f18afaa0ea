"""Review NIT (0ef6d9c, e): a need's ASCII words were matched as substrings, so "ship" (a lead-time need) was asked by
"membership" and "relationship". An ASCII word now matches where a word starts (ships, shipped, shipping; a stem such
as "servic" still reads "servicing"), Chinese words as before (no spaces between words). Table-driven."""

from __future__ import annotations

import pytest

from agents.reasoning.config import Need, unless_hit

NEED = Need(words=["ship", "lead time", "交期"], tools=["lead_time"])


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("what's the membership fee this year?", False),
        ("can my relationship manager call me", False),
        ("Worship hours? lol", False),
        ("when will it ship?", True),
        ("Has my order shipped yet 🙏", True),
        ("shipping time to Hangzhou?", True),
        ("it ships tomorrow right", True),
        ("what's the LEAD TIME on 50 units", True),
        ("这批货交期多久", True),
        ("会员卡membership怎么办交期呢", True),  # the Chinese word still asks
    ],
)
def test_need_words_match_as_words(text: str, want: bool) -> None:
    assert NEED.asked(text) is want
    assert bool(NEED.matched(text)) is want


@pytest.mark.parametrize(
    ("words", "text", "want"),
    [
        (["ship"], "the membership card", False),
        (["ship"], "ship it by Friday", True),
        (["保修"], "延保怎么买", False),
        (["保修"], "整车保修期", True),
    ],
)
def test_unless_words_match_as_words(words: list[str], text: str, want: bool) -> None:
    assert unless_hit(words, text) is want


def test_a_stem_still_reads_its_words() -> None:
    # tenants list stems (servic, modif): an ASCII word is matched where a word starts, open at its end
    need = Need(words=["servic", "modif"], tools=["x"])
    assert need.asked("when is the next servicing due") and need.asked("the car was modified")
    assert not need.asked("an unmodified car")
