"""Session 12 (privacy, defect 3). Cases written before the fix, phrased fresh (WeCom chat, 微信客服, voice transcripts
with the ASR's spaces, emoji).

(a) A common name that jieba's dictionary also holds often (李强 159, 王明 368, 李娜 438, 汪洋, 马超 …) was masked in
    the turn that introduced it (after a role noun, or 我是) but bare in the conversation's later turns: a guess that
    is also a word was not carried. It is carried now when the dictionary says it is a person's name too (nr); and in
    any later turn a carried name that is also a word is left where it stands as a predicate (after a degree adverb,
    a negation or the complement 得: 考虑得很周全, 服务挺周全的), where no name stands.
(b) A role noun (or 我是) followed by a space, as voice transcripts write it (客户 李强 说…), stopped the finder.

Then canaries end to end through the copilot: planted in a voice call's turns (a role noun and a space, a common
name), never in the ledger or the drafts."""

from __future__ import annotations

import pytest

from guardrails.pii.masker import RuleMasker
from guardrails.pii.vault import MemoryVault


def _conversation(turns: list[str]) -> list[str]:
    m = RuleMasker(MemoryVault())
    key = "t:conv-" + str(abs(hash(tuple(turns))))
    return [m.mask(t, vault_key=key).text for t in turns]


# (turns, the name that must be masked in every turn)
CARRIED = [
    (["客户李强说下周来提车", "好的 李强那边还没回复吗"], "李强"),
    (["喂 您好 我是王明 想问下保养", "对 王明 就是我 车牌后面再发"], "王明"),
    (["车主高强反馈空调不制冷😅", "高强的车下午能修好吗？"], "高强"),
    (["嗯 顾客 马超 说 想 换 轮胎", "嗯 马超 他 下午 到"], "马超"),
    (["用户 李娜 昨天 打过 电话", "李娜说还要开发票🧾"], "李娜"),
    (["我是 汪洋 上次 来过 店里", "汪洋想约周六上午"], "汪洋"),
    # review of ccef4a5: a marker character before a carried name whose clause goes on (得 as the modal "must") is a
    # subject, not a predicate
    (["我是李强，车是我的", "这个得李强签字才行"], "李强"),
    (["嗯 客户 李强 说 要 改 合同", "合同得 李强 签"], "李强"),
    (
        ["我是李强，车是我的", "这事得李强的签字才行"],
        "李强",
    ),  # review of 9ae49c6: a possessive 的, not a final one
    (["我是王明", "合同得王明的章"], "王明"),
    pytest.param(
        ["业主江平想问一下交房的事", "江平又打来了，怎么回？"],
        "江平",
        marks=pytest.mark.xfail(
            strict=True,
            reason="known miss: 江平 is a rare place word to jieba and 想问 is not read as a subject's act",
        ),
    ),
    pytest.param(
        ["家属 方明 在 旁边 听着", "那让方明接一下电话"],
        "方明",
        marks=pytest.mark.xfail(
            strict=True,
            reason="known miss: 方明 is a rare noun to jieba and 在 is not read as a subject's act",
        ),
    ),
    pytest.param(
        ["客户 于洋 说 不要 贴膜 了", "于洋的订单改一下"],
        "于洋",
        marks=pytest.mark.xfail(
            strict=True, reason="known miss: 洋 ends more dictionary words (海洋) than names"
        ),
    ),
    pytest.param(
        ["【微信客服】客户 高明 留言：想试驾", "高明留的电话是多少"],
        "高明",
        marks=pytest.mark.xfail(
            strict=True,
            reason="known miss: 高明 is a common word (791) and 留言 is not read as a subject's act",
        ),
    ),
]


@pytest.mark.parametrize(("turns", "name"), CARRIED)
def test_a_common_name_is_masked_in_every_turn(turns: list[str], name: str) -> None:
    for text in _conversation(turns):
        assert name not in text, text


# the word in a later turn used as a word: must stay
STAYS = [
    (["车主周全说要保养，下周三能排吗", "你们安排得很周全，谢谢🙏"], "周全"),
    (["嗯 客户 周全 他 问 保养", "对 服务 挺 周全 的"], "周全"),
    (["我是周全，来提车", "你们考虑得真周全"], "周全"),
    pytest.param(
        ["车主马虎说刹车有点软", "这事可别马虎"],
        "马虎",
        marks=pytest.mark.xfail(
            strict=True, reason="known over-mask: 可别 is a verb to jieba, so 别 is not read as the negation"
        ),
    ),
    pytest.param(
        ["客户安康说要延保", "祝您全家安康"],
        "安康",
        marks=pytest.mark.xfail(
            strict=True, reason="known over-mask: a predicate after a noun (全家安康) has no marker to read"
        ),
    ),
]


@pytest.mark.parametrize(("turns", "word"), STAYS)
def test_a_carried_word_is_left_where_it_stands_as_a_word(turns: list[str], word: str) -> None:
    first, *later = _conversation(turns)
    assert word not in first, first  # masked where a person may be named
    for text in later:
        assert word in text, text


@pytest.mark.parametrize(
    "text",
    [
        "嗯 客户 李强 说 下周 来 提车",
        "客户　王伟　问能不能便宜点",
        "车主 刘芳 反馈 异响",
        "喂 我是 陈静 想 问下",
    ],
)
def test_a_role_noun_or_self_introduction_then_a_space_is_still_a_name(text: str) -> None:
    masked = RuleMasker(MemoryVault()).mask(text).text
    assert "<PERSON_1>" in masked, masked


@pytest.mark.parametrize(
    "text", ["嗯 客户 明天 来 提车", "客户 方面 说 再等等", "客户 和 销售 一起 来", "我是 华东区 的"]
)
def test_a_space_after_a_role_noun_does_not_make_words_names(text: str) -> None:
    masked = RuleMasker(MemoryVault()).mask(text).text
    assert "PERSON" not in masked, masked


# found by the canary run (tests/privacy/test_name_carry_canary.py), after the fix above: a name said bare earlier in
# the same turn than its cue was left there
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("嗯 那个 马超 是 李强 的 同事 客户 马超 说 也 想 了解", "马超"),
        ("高强的车好了吗？车主高强说急用", "高强"),
    ],
)
def test_a_name_is_masked_where_it_stands_before_its_cue_in_the_same_turn(text: str, name: str) -> None:
    masked = RuleMasker(MemoryVault()).mask(text, vault_key="t:same-turn").text
    assert name not in masked, masked


@pytest.mark.parametrize(
    "text", ["这个得李强签字才行", "合同得 李强 签", "得王明同意", "这单得周全批", "你们考虑得很周全"]
)
def test_a_crm_contact_is_masked_wherever_it_stands(text: str) -> None:
    """Review of ccef4a5: the predicate reading never applies to the tenant's CRM contacts; masking a contact's name
    where it is only a word (考虑得很周全 for a contact 周全) is the safe side."""
    masked = RuleMasker(MemoryVault(), known_names=["李强", "王明", "周全"]).mask(text).text
    assert not any(n in masked for n in ("李强", "王明", "周全")), masked
