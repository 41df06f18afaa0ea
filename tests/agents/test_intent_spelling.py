"""Typos and homophones read as the taxonomy's own words (agents/understanding/spelling.py, real pypinyin + jieba), the
elliptical follow-up rule and emoji glosses (agents/understanding/intent.py). Model-free; the end-to-end effect on new
wording is measured by test_intent_generalisation."""

from __future__ import annotations

import pytest

from agents.tenant import TenantConfig
from agents.understanding.intent import elliptical, gloss_emoji, keyword_hit, taxonomy_words
from agents.understanding.spelling import Spelling, fold, lexicon_words
from tests.agents.agent_helpers import TENANT_DIR

LEXICON = [
    "质保",
    "过保",
    "折扣",
    "多少钱",
    "补贴",
    "保养",
    "投诉",
    "以旧换新",
    "到期",
    "价格",
    "发票",
    "定了",
    "身份证",
]


@pytest.fixture(scope="module")
def spelling() -> Spelling:
    return Spelling(LEXICON)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("我的车只保还有多久", "我的车质保还有多久"),
        ("这车过宝了没", "这车过保了没"),
        ("这扣能再低点不", "折扣能再低点不"),  # zhe/ze: a near sound, the tone differs too
        ("V9多少前一台", "V9多少钱一台"),
        ("补帖还有吗", "补贴还有吗"),
        ("想约个周六做宝养", "想约个周六做保养"),
        ("我要投述你们店", "我要投诉你们店"),
        ("以就换新怎么算", "以旧换新怎么算"),
        ("fapiao寄了没", "发票寄了没"),  # pinyin typed as letters
    ],
)
def test_typos_and_homophones_read_as_the_taxonomy_words(spelling, typed, read):
    out, fixes = spelling.correct(typed)
    assert out == read and len(fixes) == 1


@pytest.mark.parametrize(
    "text",
    [
        "车到齐了吗",  # 到齐 is a word of its own (sounds like 到期, shares 到)
        "能加个微信吗",  # 加个 sounds like 价格 but shares no character with it
        "他们上周订了6台",  # 订了 is no typo of the keyword 定了: particles are not in the lexicon
        "best price多少",  # English stays English
        "我的质保到期了",  # words as typed stay
    ],
)
def test_real_words_and_english_are_left_alone(spelling, text):
    assert spelling.correct(text) == (text, [])


def test_near_sounds_fold():
    assert (
        fold("zhe") == fold("ze") and fold("shi") == "si" and fold("ping") == "pin" and fold("feng") == "fen"
    )


def test_the_lexicon_comes_from_the_pack():
    tenant = TenantConfig.load(TENANT_DIR.parent / "autodealer")
    words = lexicon_words(taxonomy_words(tenant))
    assert "质保" in words and "折扣" in words and all(2 <= len(w) <= 4 for w in words)
    demo = lexicon_words(taxonomy_words(TenantConfig.load(TENANT_DIR)))
    assert "发票" in demo and "质保" not in demo  # each tenant reads typos against its own words


def test_elliptical_follow_ups():
    for text in ("那新款呢", "那剩下5台呢？", "还有S7的呢", "what about the blue one?", "那个呢"):
        assert elliptical(text), text
    for text in ("T3多少钱", "好的", "那台车我们不要了，订金怎么退，多久能到账呢", "", "[OK]"):
        assert not elliptical(text), text


def test_emoji_read_as_their_meaning():
    assert "点赞" in gloss_emoji("👍") and "同意" in gloss_emoji("[OK][抱拳]")
    assert gloss_emoji("见附件[1]") == "见附件[1]"  # citation markers are not emoji


def test_english_keywords_match_whole_words():
    assert keyword_hit("deal", "deal, send the contract") and not keyword_hit("deal", "your dealer")
    assert keyword_hit("trade-in", "the trade-in subsidy") and keyword_hit("cancel", "cancel it")
