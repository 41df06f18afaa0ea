"""What the rep reads: an answer in the ask's language, sentences rather than CRM rows, only the rows the ask is about
under a computed answer. Real CRM (the second tenant's CSVs), real policy store, real tools."""

from __future__ import annotations

import re

import pytest

from agents.ask import fact_sentence
from contract.suggestions import SuggestionKind
from tests.agents.test_ask_answer_text import ask, store  # noqa: F401  (fixtures)
from tests.agents.test_ask_authz import HUANG, LIU, crm  # noqa: F401  (the module-scoped CRM fixture)

ROW = re.compile(r"^- [^=\n]+ = ", re.M)  # «- 订单 SO-… 每台补贴 = 0 元»: a row, not a sentence


@pytest.mark.parametrize(
    ("content", "zh", "en"),
    [
        ("订单 SO-1 每台补贴 = 0 元", "订单 SO-1 的每台补贴为 0 元", "订单 SO-1 每台补贴: CNY 0"),
        ("联系人 = 邓飞（车管主管）", "联系人为邓飞（车管主管）", "联系人: 邓飞 (车管主管)"),
        (
            "整车 最近一次采购 = 2026-03-11",
            "整车的最近一次采购为 2026-03-11",
            "vehicles 最近一次采购: 2026-03-11",
        ),
        ("近180天无采购", "近180天无采购", "近180天无采购"),  # already a sentence
    ],
)
def test_a_crm_fact_is_read_as_a_sentence(content, zh, en):
    assert fact_sentence(content) == zh
    assert fact_sentence(content, en=True, terms_en={"整车": "vehicles"}) == en


@pytest.mark.parametrize(
    ("text", "actor", "customer"),
    [
        ("这位客户的质保到哪天", HUANG, "P002"),
        ("车队合同什么时候到期", LIU, "K001"),
        ("帮我想想这个客户怎么跟进", LIU, "K001"),
        ("What fleet discount tier is this customer in?", LIU, "K001"),
    ],
)
def test_a_rep_answer_has_no_raw_rows(ask, text, actor, customer):  # noqa: F811
    out = ask(text, actor, customer)
    assert out.kind is SuggestionKind.REP_ANSWER and out.answer is not None
    assert not ROW.search(out.answer.text), out.answer.text
    assert "每台补贴" not in out.answer.text or "补贴" in text  # a row nobody asked about stays evidence


@pytest.mark.parametrize(
    ("text", "actor", "customer"),
    [
        ("What fleet discount tier is this customer in?", LIU, "K001"),
        ("Any open tickets for this customer?", HUANG, "P002"),
        ("How should I follow up with this customer?", LIU, "K001"),
    ],
)
def test_an_english_ask_reads_english_framing(ask, text, actor, customer):  # noqa: F811
    out = ask(text, actor, customer)
    assert out.kind is SuggestionKind.REP_ANSWER and out.answer is not None
    answer = out.answer.text
    # the copilot's own words are English; bilingual «中文 / English» lines are gone
    assert "建议切入点" not in answer and "没有找到" not in answer and " / " not in answer, answer
    if out.actions:
        assert "Suggested next steps: " in answer, answer
