"""S7 (review session 10, fixed in session 11). Cases written before the fix, phrased fresh (WeCom chat, a voice
transcript, English), with controls that must stay masked.

1. A PERSON guessed at low confidence (after a role noun such as 车主, 0.75: often an ordinary word) was masked in every
   later turn of the conversation, where the same word is plainly not a name. Only confirmed names are carried forward:
   after a strong cue (联系人：, 我叫, 持卡人), a title (先生, 经理), an English cue (Contact:, Mr.), the CRM's list, or a
   field known to hold a name (a business card's). A low-confidence guess is still masked in its own turn.
2. Known names (the CRM's and a conversation's) were matched inside longer words: a 2-letter English name inside a
   longer word (Li in Lisa, Ann in Annual), a Chinese name inside a longer common word (金华 in 金华市 is a place) or
   a tenant's product or company term (the masker's `known_terms`). A name standing as a word is still masked."""

from __future__ import annotations

from guardrails.pii.masker import RuleMasker
from guardrails.pii.vault import MemoryVault


def _masker(names: tuple[str, ...] = (), terms: tuple[str, ...] = ()) -> RuleMasker:
    try:
        return RuleMasker(MemoryVault(), known_names=names, known_terms=terms)  # type: ignore[call-arg]
    except TypeError:  # before the fix: no known_terms
        return RuleMasker(MemoryVault(), known_names=names)


# ---- 1. what is carried to later turns ---------------------------------------------------------------------------------


def test_a_role_noun_guess_is_masked_in_its_turn_but_not_carried_forward() -> None:
    m = _masker()
    key = "t:wecom-carry-1"
    first = m.mask("车主周全说要保养，下周三能排吗", vault_key=key)
    assert "周全" not in first.text  # its own turn: masked (a guess, but a person may be named there)
    later = m.mask("您考虑得真周全👍 那就周三上午吧", vault_key=key)
    assert "周全" in later.text, later.text
    assert not [s for s in later.spans if s.entity == "PERSON"]


def test_a_voice_turn_role_guess_is_not_carried_into_the_next_utterance() -> None:
    m = _masker()
    key = "t:call-carry-2"
    m.mask("嗯 车主周全 他说 那个 保养的事", vault_key=key)
    later = m.mask("对 你们服务挺周全的 就是价格 有点贵", vault_key=key)
    assert "周全" in later.text, later.text


def test_confirmed_names_are_still_masked_in_later_turns() -> None:
    m = _masker()
    key = "t:wecom-carry-3"
    assert "高远" not in m.mask("联系人：高远，电话等会发你", vault_key=key).text
    assert "林海" not in m.mask("我叫林海，想问问保养", vault_key=key).text
    assert "欧阳震华" not in m.mask("持卡人：欧阳震华，定金请退回", vault_key=key).text
    assert "Li Ming" not in m.mask("Contact: Li Ming, about the service", vault_key=key).text
    later = m.mask("高远和林海明天一起来，欧阳震华不来；Li Ming will call", vault_key=key)
    for name in ("高远", "林海", "欧阳震华", "Li Ming"):
        assert name not in later.text, later.text


def test_a_business_card_name_is_carried_forward() -> None:
    m = _masker()
    key = "t:card-carry-4"
    m.mask_as("宓晓岚", "PERSON", vault_key=key)
    assert "宓晓岚" not in m.mask("宓晓岚下午到店", vault_key=key).text


# review of 675d5d2 (BLOCKER): names handed over with a number or relayed after a role noun, then named again bare
_CARRIED = [
    ("张晓东 13912345678 麻烦登记一下", "张晓东明天下午过来提车", "张晓东"),
    ("我朋友 刘雨桐 138 1234 5678", "刘雨桐到了会给你打电话", "刘雨桐"),
    ("车主林雪梅反馈空调异响", "林雪梅下午再打过来", "林雪梅"),
    ("客户 韦思远，15800001111，周六看车", "韦思远说周六改周日了", "韦思远"),
    ("嗯 销售顾问说 车主欧阳嘉树说 他下午过来", "对 欧阳嘉树 还没到", "欧阳嘉树"),
    ("Customer Nora Whitfield said the AC is noisy", "Nora Whitfield will call back at 3", "Nora Whitfield"),
]


def test_names_given_with_a_number_or_after_a_role_noun_are_masked_in_later_turns() -> None:
    leaks = []
    for i, (first, later, name) in enumerate(_CARRIED):
        m = _masker()
        key = f"t:carry-review-{i}"
        assert name not in m.mask(first, vault_key=key).text, first
        text = m.mask(later, vault_key=key).text
        if name in text:
            leaks.append(text)
    assert not leaks, leaks


def test_a_role_noun_guess_that_is_a_word_stays_in_its_turn_while_a_name_is_carried() -> None:
    m = _masker()
    key = "t:carry-review-mixed"
    m.mask("客户周全说想改时间，车主林雪梅反馈空调异响", vault_key=key)
    later = m.mask("你考虑得很周全，林雪梅那边我来回", vault_key=key).text
    assert "周全" in later and "林雪梅" not in later, later


# ---- 2. where a known name may match ----------------------------------------------------------------------------------


def test_a_two_letter_english_name_is_not_matched_inside_a_longer_word() -> None:
    m = _masker(names=("Li", "Ann"))
    out = m.mask("Lisa asked about the Annual service plan; Li will sign, and so will Ann.")
    assert "Lisa" in out.text and "Annual" in out.text, out.text
    assert " Li " not in out.text and "Ann." not in out.text, out.text


def test_a_chinese_name_is_not_matched_inside_a_longer_common_word() -> None:
    m = _masker(names=("金华", "韩芳"))
    out = m.mask("我们在金华市的门店，韩芳说下周来")
    assert "金华市" in out.text, out.text
    assert "韩芳" not in out.text, out.text
    assert "金华" not in m.mask("金华说下周来提车").text  # standing as a word it is the person


def test_a_name_inside_a_tenant_term_is_left_alone() -> None:
    m = _masker(names=("凯美", "韩芳"), terms=("凯美瑞", "远航物流"))
    out = m.mask("想看看凯美瑞的报价，韩芳推荐的")
    assert "凯美瑞" in out.text and "韩芳" not in out.text, out.text
    assert "凯美" not in m.mask("凯美说下周来提车").text


def test_a_conversation_name_is_not_matched_inside_a_later_common_word() -> None:
    m = _masker()
    key = "t:wecom-carry-5"
    assert "金华" not in m.mask("联系人：金华，电话稍后发", vault_key=key).text
    later = m.mask("金华市那家店有现车吗？金华说想今天去", vault_key=key)
    assert "金华市" in later.text and "金华说" not in later.text, later.text
