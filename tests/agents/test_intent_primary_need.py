"""Which part of a message with several needs intent reads as its primary need (agents/understanding/intent.py
`primary_need`), and which class a keyword inside a longer keyword belongs to (`keyword_classes`). Model-free; the
sentences are written for this test (no eval case's words)."""

from __future__ import annotations

from typing import Any

from agents.understanding.intent import keyword_classes, own_need, primary_need


def test_the_customers_own_need_after_another_partys_is_primary() -> None:
    text = "我同事上个月在你们这提了台车，他让我问问他那台保险怎么续。另外我自己的车贷还剩几期？"
    assert own_need(text) == "另外我自己的车贷还剩几期？"
    assert primary_need(text) == own_need(text)
    assert primary_need("他们那批交了多少押金 我们的话押金交多少") == "我们的话押金交多少"
    assert own_need(
        "My friend bought one last year and he wants his invoice. As for me, when is my delivery?"
    ) == ("As for me, when is my delivery?")


def test_an_own_word_without_another_party_before_it_is_no_contrast() -> None:
    # nobody else is asked for before: 我自己的 is just the customer speaking
    assert own_need("订单到哪了？我自己的手机号也换了") == ""
    assert own_need("我们的话一共要十二台") == ""


def test_the_first_of_two_questions_is_primary() -> None:
    assert primary_need("这个月有没有团购价？不行的话按老价格给我开票") == "这个月有没有团购价？"
    assert primary_need(
        "Do you have a loyalty scheme for returning buyers, and how long does delivery take now?"
    ) == ("Do you have a loyalty scheme for returning buyers,")
    # a marked second need keeps its rule
    assert primary_need("套餐还剩几次？还有，帮我把手机号改一下") == "套餐还剩几次？"
    # one need: nothing apart
    assert primary_need("质保到什么时候") == ""
    assert primary_need("and how much is it?") == ""


def test_a_keyword_inside_a_longer_keyword_of_another_class_is_that_class_word() -> None:
    keywords = [["优惠", "价格"], ["有没有优惠", "活动"], ["保养"], ["保养季"]]
    assert keyword_classes(keywords, "换轮胎有没有优惠") == [False, True, False, False]
    assert keyword_classes(keywords, "保养季还有吗") == [False, False, False, True]
    # the shorter keyword elsewhere in the message still counts
    assert keyword_classes(keywords, "有没有优惠，价格多少") == [True, True, False, False]
    # a split two-character keyword (离合词) still matches
    assert keyword_classes([["打折"]], "能打个折吗") == [True]
    # and split by a number (打95折 / 打9.5折), not by a long one
    assert keyword_classes([["打折"]], "给他打95折行吗") == [True]
    assert keyword_classes([["打折"]], "打9.5折") == [True] and keyword_classes([["打折"]], "打1234折") == [
        False
    ]


def test_a_check_back_after_a_terse_answer_is_no_question_of_its_own() -> None:
    from agents.understanding.intent import _CHECK_BACK
    from agents.understanding.questions import TERSE_QUESTION as _ASKS

    for text in ("下午三点可以吗", "20台行不行", "Saturday ok?", "明早九点方便吗？"):
        assert not _ASKS.search(_CHECK_BACK.sub("", text)), text
    # a question of its own stays one
    for text in ("几点可以吗", "能退吗", "what time is ok?"):
        assert _ASKS.search(_CHECK_BACK.sub("", text)), text


def test_a_spoken_opening_before_a_pause_is_no_request() -> None:
    from agents.understanding.intent import focus_text

    assert focus_text("你好 嗯 我想问下那个套餐 还能不能用") == "我想问下那个套餐 还能不能用"
    assert focus_text("喂 喂你好 车子打不着了") == "车子打不着了"
    # a greeting alone, a greeting with little after it, and English stay as they are
    assert focus_text("你好") == "你好" and focus_text("你好 在吗") == "你好 在吗"
    assert focus_text("Hi there, my car is late") == "Hi there, my car is late"


def test_a_terse_answer_with_an_auxiliary_or_a_trailing_no_stays_terse() -> None:
    # review R14-03: the terse check keeps its narrower pattern; the wider INTERROGATIVE (is / will / do, 要不要, a
    # trailing 没 / 不) is for the clause that asks
    from agents.understanding.intent import _CHECK_BACK
    from agents.understanding.questions import INTERROGATIVE, TERSE_QUESTION

    replies = (
        "Saturday is fine",
        "yes we do",
        "ok will do",
        "10 units is fine",
        "还没",
        "先不",
        "暂时不",
        "周六要不要都行",
    )
    for text in replies:
        assert not TERSE_QUESTION.search(_CHECK_BACK.sub("", text)), text
    assert all(
        INTERROGATIVE.search(t) for t in ("Saturday is fine", "还没", "先不")
    )  # the clause pattern is wider


def test_terse_replies_read_as_terse(tenant: Any, embedder: Any) -> None:
    from agents.understanding.intent import EmbeddingIntentClassifier

    clf = EmbeddingIntentClassifier(tenant, embedder)
    for text in ("Saturday is fine", "ok will do", "还没", "先不"):
        assert clf._terse_answer(text), text
