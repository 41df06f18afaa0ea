"""An offer the customer cannot use is said only when they name it: by its name, by shared words, or by the codes and
figures it writes ("S7冬季立减8000" names "冬季焕新季 … S7每台立减8000元"); a year or a quoted amount names no row."""

from __future__ import annotations

import pytest

from agents.drafting.template import _shared_words

ROW = "S7每台立减8000元，L5每台立减5000元"  # the offer cell of the row (each cell is checked on its own)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("看到你们朋友圈说S7冬季立减8000，我们公司能参加不", True),  # 冬季, 立减, S7, 8000
        ("冬季立减还有吗", False),  # two words are not enough to name it
        (
            "报价单 凌越T3 126,000 元 报价日期 2026-11-18，5%是按去年的量算的吧",
            False,
        ),  # a year, amounts: no row
        ("2026年的活动有哪些", False),
        ("L5立减5000是真的吗", True),
    ],
)
def test_an_offer_is_named_by_words_codes_or_figures(text: str, named: bool) -> None:
    assert (_shared_words(ROW, text) >= 3) is named
