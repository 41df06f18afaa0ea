"""unless words, round 11 defect (e): fleet_count's period words (今年, 这次 …) kept it silent for any message naming a
period, so "连今年4月新提的那10台一起算，一共多少台" got no count. With `unless_not_batch`, an unless word that only
describes a counted batch in its own clause (a number in the pack's count units follows it there) does not stop the
tool; a period the question itself is about still does. Table-driven, over made-up units (套, 件) as well."""

from __future__ import annotations

import pytest

from agents.reasoning.config import Need, unless_hit

PERIODS = ["今年", "这次", "季度", "this year"]


@pytest.mark.parametrize(
    ("text", "units", "not_batch", "want"),
    [
        # a period the question is about: still stops the tool
        ("今年在咱们这下了几单？一共多少台、多少钱？", ("台",), True, True),
        ("这次一共订了几台", ("台",), True, True),
        ("How many did we buy this year?", ("台",), True, True),
        # a period describing a counted batch in its own clause: not the question
        ("连今年4月新提的那10台一起算，我们登记的车一共多少台？", ("台",), True, False),
        ("这次来的3套也算上，总共有几套", ("套",), True, False),
        ("季度里到的20件一起，库里共多少件", ("件",), True, False),
        # without the flag, or without the pack's count units, the whole message decides, as before
        ("连今年4月新提的那10台一起算，一共多少台？", ("台",), False, True),
        ("连今年4月新提的那10台一起算，一共多少台？", (), True, True),
        # a number in another clause is not the period's batch
        ("今年的呢，另外那10台", ("台",), True, True),
    ],
)
def test_unless_hit(text: str, units: tuple[str, ...], not_batch: bool, want: bool) -> None:
    assert unless_hit(PERIODS, text, units, not_batch) is want


def test_a_need_reads_the_batch_the_same_way() -> None:
    need = Need(words=["一共多少台"], unless_words=PERIODS, unless_not_batch=True, tools=["count"])
    assert need.asked("连今年4月新提的那10台一起算，一共多少台？", ("台",))
    assert not need.asked("今年一共多少台？", ("台",))
    assert not Need(words=["一共多少台"], unless_words=PERIODS, tools=["count"]).asked(
        "连今年的10台，一共多少台", ("台",)
    )
