"""agents/authz_reading.py: the text the authorization screens read, for askers who write otherwise — Cantonese function
words, the CRM's names in traditional characters or by a homophone or romanised, a terse ask's missing possessive.
Invented names (a directory built here); the autodealer CRM where the whole screen is read (session 17's red-team
set by author style, tests/agents/data/authz_scratch_r17.yaml, measures it end to end)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from agents.authz_reading import cantonese, names_for, reading, terse
from agents.traditional import to_simplified
from knowledge.crm.directory import build_index

INDEX = build_index(
    [
        ("C1", "上海某甲物流有限公司", "r1", ("上海", "")),
        ("C2", "方晓", "r2", ("广州", "")),
        ("C3", "何伟", "r2", ("上海", "")),
    ],
    [("C1", "崔静", "崔经理"), ("C2", "方晓", "方女士"), ("C3", "何伟", "何先生")],
    [],
    {"r1": ("甲", "T1"), "r2": ("乙", "T2")},
)
CRM = SimpleNamespace(mentions=lambda text: INDEX.scan(text)[0], authz_names=names_for(INDEX))


def named(text: str) -> list[str]:
    return [h.customer_id for h in INDEX.scan(reading(text, CRM))[0] if not h.kind.startswith("description")]


@pytest.mark.parametrize(
    ("said", "read"),
    [
        ("我係方曉嘅同事，佢架AB9嘅保養套餐仲剩幾次？", "是"),
        ("佢嗰架X5買咗幾多錢啊", "他那台X5买了多少钱"),
        ("修 好 咗 未 呀", "修 好 了 没"),
        ("我哋啲X3幾時保養", "我们的X3什么时候保养"),
        ("嗰批X5攞咗幾多折", "那批X5拿了几折"),
    ],
)
def test_cantonese_function_words_read_as_mandarin(said: str, read: str) -> None:
    assert read in cantonese(to_simplified(said)), cantonese(to_simplified(said))


@pytest.mark.parametrize("text", ["关系很好", "这个系统", "飞机架次", "未来三年", "仲裁"])
def test_mandarin_words_with_the_same_characters_are_kept(text: str) -> None:
    assert cantonese(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "方曉那台AB9保养做了没",  # a traditional form the masker's table lacks
        "方小那台AB9啥时候保养的",  # a homophone of the given name, the surname as the CRM has it
        "何维订的车到了没",
        "fang xiao 的AB9 修好没",  # romanised, apart and in lower case
        "Xiao Fang 的AB9",
        "方晓ab9 保养到期没",  # a terse possessive
        "某乙 合同价?",
    ],
)
def test_the_crms_names_written_otherwise_are_read_as_the_crm_spells_them(text: str) -> None:
    want = {"某乙": []}.get(text.split()[0], None)
    got = named(text)
    if want is not None:
        assert got == want
    else:
        assert got and set(got) <= {"C2", "C3"}, (text, reading(text, CRM))


@pytest.mark.parametrize(
    "text",
    [
        "方小姐您好，我的车保养啥时候",  # an address, not a homophone of the name
        "崔经理您好",  # a title after a surname is not the given name «静»
        "何为质保期",  # a common word sounding like nobody's name here
        "方便的话明天来",
    ],
)
def test_words_that_only_sound_like_a_name_stay(text: str) -> None:
    assert reading(text, CRM) == text


def test_a_terse_pause_joins_a_short_predicate_but_not_a_transcript() -> None:
    assert terse("方晓的车 修了吗") == "方晓的车修了吗"
    said = "喂 我 想 问 一下 方晓 的 车 修 了 吗"
    assert terse(said) == said
    assert terse("听说他们上周订了6台 我们定金交了多少") == "听说他们上周订了6台 我们定金交了多少"
