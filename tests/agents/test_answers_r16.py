"""Answers round 16 (issue #15): the mechanisms behind tests/agents/data/answers_scratch_r16.yaml, one table each.
End to end (a campaign checked at the day the customer says they will order, the most a rep may grant asked with no
figure, a deletion request, why a newer warranty version does not apply) the scratch set measures them:
tests/agents/test_answers_scratch.py (r16 row)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from agents.reasoning.authority import MOST_ASKED
from agents.reasoning.base import english_counts
from agents.reasoning.config import load_tools, unless_hit, words_hit
from agents.reasoning.dates import proposed_day
from agents.reasoning.terms import NEWER_ASKED

TODAY = date(2026, 11, 20)  # a Friday
TENANT = Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "autodealer"


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("不过得等元旦过后才能定下来，立减到时候还能享受吗", date(2027, 1, 1)),
        ("明年一月份吧 想再订十台", date(2027, 1, 1)),
        ("我下个月初想去店里把蓄电池换了", date(2026, 12, 1)),
        ("我们下周三就签12台的合同", date(2026, 11, 25)),
        ("我12月20号过来订一台", date(2026, 12, 20)),
        ("我打算12月28號再訂一台", date(2026, 12, 28)),  # traditional 號
        ("我1月15号发年终奖，那天去订", date(2027, 1, 15)),
        ("12月底下单的话还有吗", date(2026, 12, 21)),
        ("12月10号交车，1月签合同", date(2027, 1, 1)),  # the day an order word follows
        ("10月份提的那8台还有补贴吗", None),  # a month something was done
        ("我们9月份买的车", None),  # an earlier month of this year: the record's own
        ("想要12台，单价多少", None),
        ("这周一订的车", None),  # a day past
        ("我24年5月提的那台L5想换S7", None),  # a year written short: not read as a month to come
        ("旧车去年五月才提的", None),
        ("5月提的那台还有补贴吗", None),
        # review M4: a later day of something else is no order day; an order placed now is today's
        ("我的车险明年1月到期，这周想下单一台S7，冬季焕新季能享受吗？", None),
        ("明年一月提车，现在下单S7能享受冬季焕新季立减吗", None),  # delivery, not the order
        ("元旦以后才提车，但我今天就下单S7，冬季焕新季的立减有吗", None),
        ("我元旦以后要出差，今天就想把S7订了，冬季焕新季能用吗", None),
        ("明年1月我们车队要扩编，这个月先下单10台E5，新能源车队焕新补贴能拿吗？", None),
        ("我的质保明年到期，现在买S7有活动吗", None),
        ("保险下个月底到期，现在下单有优惠吗", None),
        ("下个月交车就行，合同我们马上签", None),
        ("12月15号我去外地，能不能先把L5的定金交了", None),  # a trip's day, no order word by it
        ("年检下个月到期，顺便问问T3有没有活动", None),
        # should-catch: the order word governs the later day
        ("我打算过完年再买S7，冬季焕新季到时候还能用吗", date(2027, 1, 1)),  # review m4
        ("等到2027年春节后再下单S7，冬季焕新季还有吗", date(2027, 1, 1)),
        ("明年1月先订5台", date(2027, 1, 1)),
        ("下个月提车，元旦以后再签合同", date(2027, 1, 1)),  # the signing day, not the delivery day
        ("下个月交车的话，能不能12月25号再下单", date(2026, 12, 25)),
        ("過完年再訂兩台E5", date(2027, 1, 1)),  # traditional
    ],
)
def test_the_day_the_customer_says_they_will_act(text: str, want: date | None) -> None:
    got = proposed_day(text, TODAY)
    assert (got[1] if got else None) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("I'm thinking of signing for an L5 sometime in January next year", date(2027, 1, 1)),
        ("I can only place the order after New Year's Day", date(2027, 1, 1)),
        ("We'd sign next month if the price is right", date(2026, 12, 1)),
        ("We bought two S7s in March", None),  # a month that was
        ("next year I may buy another one, but today I want the S7", None),  # review M4
        ("Our insurance expires in January, we want to order the S7 this week", None),
        ("Delivery in January is fine, but we'll place the order now", None),
        ("We take delivery next month but will sign the contract today", None),
        # r17: "mid-January" is read like 1月中旬 (the 11th), no longer as the month's first day
        ("If I order the S7 in mid-January, is the promotion still on?", date(2027, 1, 11)),
        ("We plan to buy three more E5s next month", date(2026, 12, 1)),
    ],
)
def test_the_day_said_in_english(text: str, want: date | None) -> None:
    got = proposed_day(english_counts(text, TODAY), TODAY)
    assert (got[1] if got else None) == want


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("你那边最多能给到多少钱一台", True),
        ("我权限内最多能让多少钱", True),
        ("最低能到多少钱一台啊", True),
        ("what's the most you can knock off an S7 yourself?", True),
        ("What's the lowest per-unit price you can do?", True),
        ("能不能给3个点", False),  # a figure asked: the approval check, not the ceiling
        ("L5多少钱", False),
        ("你最多能给我优惠多少？S7", True),
        ("孫顧問，S7你最多可以平幾多？", True),
        ("What is the best price on the S7 after the winter promotion?", True),
        ("L5你这边最多能便宜多少？", True),
        # review M5: the lowest trim, the cheapest model, a most of something else: product questions
        ("S7最低配多少钱？", False),
        ("最便宜的车型是哪款？", False),
        ("What's the cheapest trim of the S7?", False),
        ("How much is the base model L5?", False),
        ("我们最多能买多少台？", False),
        ("E5最低配续航多少", False),
        ("最多能坐几个人", False),
        ("What's the maximum range of the E5?", False),
        ("最低首付多少", False),
    ],
)
def test_the_most_asked_with_no_figure(text: str, asked: bool) -> None:
    assert bool(MOST_ASKED.search(text)) is asked


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("听说你们新质保政策是4年，我那台能按新的算吗", True),
        ("新的保修规定出来了", True),
        ("能不能按新规算", True),
        ("Does the new warranty policy cover my S7?", True),
        ("我的L5保到哪天", False),
        ("新车保几年", False),  # a new car, not a new version
    ],
)
def test_a_newer_version_asked_about(text: str, asked: bool) -> None:
    assert bool(NEWER_ASKED.search(text)) is asked


def _privacy_tool(tool_id: str):  # type: ignore[no-untyped-def]
    tools = load_tools(TENANT)
    return next(t for t in tools.intents["privacy_request"] if t.id == tool_id)


@pytest.mark.parametrize(
    ("text", "deletion"),
    [
        ("孙顾问，麻烦把我的手机号从你们系统里删掉，别再给我打营销电话了。", True),
        ("Please delete all my personal data from your system", True),
        ("我要注销账户", True),
        ("把我的身份证号从系统里刪除", True),
        # review M6: an old detail removed and a new one given is a correction, not a deletion request
        ("请把我登记的旧地址删了，改成朝阳区建国路88号", False),
        ("我想更正一下我的姓名，顺便把备用电话删掉", False),
        ("Please remove my old email address and use the new one: a@b.com", False),
        ("把我旧手机号删掉，换成新的", False),
        ("旧邮箱删了吧，新邮箱是 x@y.com", False),
        ("Remove the old number and change it to the one I'm texting from", False),
        ("Please replace my address on file, remove the old one", False),
    ],
)
def test_an_update_is_no_deletion_request(text: str, deletion: bool) -> None:
    spec = _privacy_tool("privacy_delete")
    runs = words_hit(spec.when_words, text) and not unless_hit(spec.unless_words, text)
    assert runs is deletion
    # the view/correct clause is the answer to an update (the deletion fact replaces it when it computes)
    assert "privacy_handling" in spec.replaces
    assert not _privacy_tool("privacy_handling").unless_words
