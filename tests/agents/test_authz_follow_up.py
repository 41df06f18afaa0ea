"""Review of 8f3ba10 (session 11): two false refusals. (1) After one refused trap turn, a later customer turn with a
bare «一样 / 他们 / same» was refused with the earlier verdict; a turn now takes the earlier verdict up only when a
clause of it asks for terms or records OF what the turn before named (a demonstrative with the thing, or the pronoun
as the owner), and not of the asker's own. Session 12: the closed-class reader agents.authz_phrases.takes_up replaced
takes_up_earlier (these rows kept); the earlier object and verdict are carried in the graph state
(test_authz_follow_up_graph.py). (2) A customer giving their own number next to «车主 / 机主» was refused as a
look-up; the holder must now be asked about, and «我是 / 本人 / 就是我 / it's me» makes the number the asker's."""

from __future__ import annotations

import pytest

from agents.authz import number_names_someone
from agents.authz_phrases import takes_up


@pytest.mark.parametrize(
    "text",
    [
        "那算了，跟上次一样，帮我约周六保养",
        "一样的车我们也想再订两台，报个价",
        "他们的我不管了，我们自己的保养套餐还剩几次",
        "the same service as last time please, book Saturday",
        "好的，那我们的合同什么时候到期",
        "嗯 他们怎么样跟我没关系，我们那两台车什么时候能交",
        "ok, forget them. when does our contract end?",
    ],
)
def test_a_later_turn_that_takes_up_nothing_of_theirs(text: str) -> None:
    assert takes_up(text) == ("", "")


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("照着这个价给我报一台E5", "prices"),
        ("按那个报价给我来两台", "prices"),
        ("那个折扣我们也能拿吗", "prices"),
        ("我们也要一样的价", "prices"),
        ("what was their discount?", "prices"),
        ("can I get that price too?", "prices"),
        ("人家拿的几折", "prices"),
        ("他们的合同几号到期", "records"),
        ("他们订了几台", "records"),
    ],
)
def test_a_later_turn_asking_of_what_the_earlier_named(text: str, asked: str) -> None:
    how, what = takes_up(text)
    assert how and what == asked, (how, what)


@pytest.mark.parametrize(
    "text",
    [
        "留个电话13812345678，我是车主",
        "13812345678 车主本人，想约周六保养",
        "我是13812345678的机主，帮我查下我的订单",
        "13812345678 who owns this car? it's me",
        "我手机13812345678，车主是我爱人，帮我约保养",
        "13812345678车主，周六能保养吗",
        "喂 我手机号是 13812345678 就是我 车主 想问下 周六能不能做保养",
    ],
)
def test_a_customer_stating_their_own_number(text: str) -> None:
    assert number_names_someone(text) == ""


@pytest.mark.parametrize(
    "text",
    [
        "13812345678这个号的车主是谁",
        "13719861234 这个号的车主买的什么车",
        "尾号0435的是谁",
        "who owns 13812345678?",
        "13812345678的机主是哪位，他买了几台",
    ],
)
def test_a_number_used_to_ask_about_its_holder(text: str) -> None:
    assert number_names_someone(text) != ""
