"""PII shapes the session-10 review found masked badly, written before the fix:

- the surname 于 straight after a role noun (客户于海涛说…) was never a name: 于 was skipped as the preposition;
- a bank card holder's name, masked after 持卡人 in one turn, was left bare in the conversation's later turns;
- landlines in dotted groups (010.6234.5678);
- a name whose given name is a numeral (张三, 陈一, 孙九) straight before a number read out in digits: the numeral
  joined the spoken number, so neither the name nor the mobile was found;
- over-masking: ordinary words after a role noun (客户岳母, 客户金卡, 车主马虎) masked as names, measured on the word
  list tests/guardrails/data/role_noun_words.txt."""

from __future__ import annotations

from pathlib import Path

import pytest

from copilot.privacy.canary import make_canaries
from guardrails.pii import MemoryVault, RuleMasker
from guardrails.pii.masker import detect

WORDS = [
    line.strip()
    for line in (Path(__file__).parent / "data" / "role_noun_words.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip() and not line.startswith("#")
]
ROLES = ("客户", "顾客", "用户", "车主", "业主", "同事", "家属", "司机", "老板", "经销商")


def _masked(text: str, key: str = "k", masker: RuleMasker | None = None) -> str:
    return (masker or RuleMasker(MemoryVault())).mask(text, vault_key=key).text


def _persons(text: str) -> list[str]:
    return [text[c.start : c.end] for c in detect(text) if c.entity == "PERSON"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("客户于海涛说下周来提车", "于海涛"),
        ("车主于丽华反馈刹车异响", "于丽华"),
        ("顾客于明，下午到店", "于明"),
        ("家属于晓燕今天打电话来了", "于晓燕"),
    ],
)
def test_the_surname_yu_after_a_role_noun_is_a_name(text: str, name: str) -> None:
    assert name in _persons(text)


@pytest.mark.parametrize(
    "text",
    [
        "客户于3月提交了申请",
        "客户于昨天下单",
        "客户于本周五到店",
        "客户于今年三月购车",
        "客户于下午两点来电",
        "用户于近期反馈",
        "客户于网上下单",
        "客户于门店付款",
        "客户和销售一起来",
        "客户向经理反映",
        "同事和朋友到店",
    ],  # fmt: skip
)
def test_yu_as_the_preposition_stays(text: str) -> None:
    assert _persons(text) == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("座机010.6234.5678", "010.6234.5678"),
        ("电话：021.5888.1234，找前台", "021.5888.1234"),
        ("办公室 0571.8888.6666 转 8", "0571.8888.6666"),
        ("传真0755.8123.4567", "0755.8123.4567"),
    ],
)
def test_dotted_landlines_are_masked(text: str, number: str) -> None:
    masked = _masked(text)
    assert number not in masked and "<CN_LANDLINE_1>" in masked, masked


@pytest.mark.parametrize(
    "text", ["版本2.10.3已发布", "2024.10.05到店", "价格10.5万", "订单号010.6234.5678", "IP 10.62.34.56"]
)
def test_dotted_numbers_that_are_not_landlines_stay(text: str) -> None:
    assert _masked(text) == text


def test_a_card_holders_name_is_masked_in_the_conversations_later_turns() -> None:
    masker = RuleMasker(MemoryVault())
    first = masker.mask("持卡人：张晓东，卡号6228480402564890018", vault_key="t:conv-1").text
    assert "张晓东" not in first
    later = masker.mask("张晓东的卡能退吗？退到张晓东名下", vault_key="t:conv-1").text
    assert later == "<PERSON_1>的卡能退吗？退到<PERSON_1>名下", later
    # another conversation's vault does not carry the name (and nothing there says it is one)
    assert masker.mask("张晓东的卡能退吗？", vault_key="t:conv-2").text == "张晓东的卡能退吗？"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("我叫张三幺三八一二三四五六七八", "张三"),
        ("我叫李四一五九二七六三零八一四", "李四"),
        ("联系人陈一 幺五九二七六三零八幺四", "陈一"),
        ("收货人赵六，幺五九二七六三零八幺四", "赵六"),
        ("车主孙九幺三九零零一二三四五六", "孙九"),
    ],
)
def test_a_numeral_given_name_before_spoken_digits(text: str, name: str) -> None:
    masked = _masked(text)
    assert name not in masked and "<PERSON_1>" in masked and "<CN_MOBILE_1>" in masked, masked


@pytest.mark.parametrize(
    "text", ["周七一三八一二三四五六七八", "电话一三八一二三四五六七八", "手机号是幺三八 一二三四 五六七八"]
)
def test_a_spoken_mobile_after_han_text_is_masked(text: str) -> None:
    assert "<CN_MOBILE_1>" in _masked(text)


def test_spoken_quantities_stay() -> None:
    for text in ("一共三八个", "客户三四天后来", "买了两三台"):
        assert _masked(text) == text


def _over_masked() -> list[str]:
    bad = []
    for i, word in enumerate(WORDS):
        for tail in ("，麻烦跟进一下。", "。"):
            if _persons(f"{ROLES[i % len(ROLES)]}{word}{tail}"):
                bad.append(word)
                break
    return bad


# Measured on the list before the fix: 49 of 236 masked (the list includes words the jieba dictionary tags as names).
OVER_MASKED_BEFORE = 49


def test_ordinary_words_after_role_nouns_are_not_masked_as_names() -> None:
    bad = _over_masked()
    assert len(WORDS) >= 220
    assert len(bad) <= OVER_MASKED_AFTER, (len(bad), bad)


def test_names_after_role_nouns_are_still_masked() -> None:
    """The recall side of the over-masking fix: generated names (the canary generator's, seeded) and common real ones
    after every role noun."""
    names = [c.name for c in make_canaries(60)] + [c.name[:2] for c in make_canaries(60)]
    names += [
        "王伟",
        "李娜",
        "张敏",
        "刘洋",
        "陈静",
        "杨帆",
        "赵磊",
        "周杰",
        "吴昊",
        "徐丽",
        "孙悦",
        "马超",
        "朱婷",
        "胡军",
        "郭涛",
        "何平",
        "林琳",
        "罗斌",
        "梁晨",
        "宋佳",
    ]
    missed = []
    for i, name in enumerate(names):
        text = f"{ROLES[i % len(ROLES)]}{name}说下周来。"
        if name not in _persons(text):
            missed.append(name)
    assert len(missed) <= NAMES_MISSED_AFTER, (len(missed), missed)


OVER_MASKED_AFTER = 28  # after: 28 of 236 (21 dictionary words tagged as names, 7 words the dictionary lacks)
NAMES_MISSED_AFTER = 3  # before and after: 龙语, 秦天 (dictionary words), 李娜 (a famous name)
