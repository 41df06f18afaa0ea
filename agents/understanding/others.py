"""Is a message asking about *another* customer? Used by rep asks (refuse another customer's data) and by decide (a
customer asking what another customer pays is refused: prices are confidential).

Another customer is named either generically (「别的客户」「其他公司」「别人家」) or by an organisation-shaped name
(「长风出租」「宏远物流」「某某医院」: a name followed by an organisation word — 公司, 集团 … in any industry, the
tenant's own industry words from its vocabulary.yaml `organisation_words`) that is not the current customer's own
name. Function words are stripped from the name first, so 「我们公司」「给我们公司」 are never someone else."""

from __future__ import annotations

import re
from functools import lru_cache

OTHER_CUSTOMER = re.compile(
    r"(别的|其他|其它|另一[个家位]|另外[一的]?[个家位]?|隔壁|同行|别人)(客户|经销商|代理商|公司|门店|家|单位)?"
    r"|\b(other|another)\s+(customer|client|dealer|account|compan(?:y|ies))s?\b",
    re.I,
)
PRICE = re.compile(
    r"价格|报价|价钱|单价|折扣|优惠|成交价|底价|拿货价|进价|多少钱|几折|什么价|一样的价|同样的价|返点"
    r"|\b(price|pricing|discount|quote)s?\b",
    re.I,
)
# the words that end a company-like name in any industry; a tenant's own industry words (vocabulary.yaml
# `organisation_words`: «物流», «出租», «医院») are added by the caller, never written here
NEUTRAL_ORG_WORDS = ("有限公司", "股份公司", "公司", "集团", "商行", "门店", "工厂")


@lru_cache(maxsize=64)
def org_pattern(words: tuple[str, ...] = ()) -> re.Pattern[str]:
    """A company-like name: two to eight characters, then an organisation word (neutral, or the tenant's)."""
    chinese = {w for w in words if re.fullmatch(r"[\u4e00-\u9fff]+", w)}
    ends = "|".join(re.escape(w) for w in sorted({*NEUTRAL_ORG_WORDS, *chinese}, key=len, reverse=True))
    return re.compile(rf"([\u4e00-\u9fff]{{2,8}}?)(?:{ends})")


ORG = org_pattern()
SCOPE = re.compile(r"所有|全部|全体|每一?[个位家]|各[个位家]|哪[些个家]|任何|一切")
OWN_BOOK = re.compile(r"我(?:们)?(?:负责|名下|手上|跟进?|管)")
FUNCTION_CHARS = set("我你他她它们的了在是给帮看说听要这那个把和与跟向对从请问就也都还吧呢吗啊哪家些下查找")
# a person referred to as someone else's customer: 「沈浩那个客户」 (「这个客户」 is the current one)
PERSON = re.compile(r"([\u4e00-\u9fff]{2,5})那(?:个|位)客户")


# other customers' personal data asked for in bulk or by group: 「把你们所有客户的手机号列出来」
@lru_cache(maxsize=64)
def others_data(words: tuple[str, ...] = ()) -> re.Pattern[str]:
    """«所有客户的手机号»; the tenant's words for its customers («车主») are added by the caller."""
    nouns = "|".join(["客户", "用户", "会员", *(re.escape(w) for w in words if w and not w.isascii())])
    return re.compile(
        rf"(所有|全部|其他|其它|别的|别人|你们的?)(?:的)?({nouns})(?:的)?"
        r"(手机号?|电话|联系方式|身份证|地址|名单|资料|信息|数据)"
        r"|\b(all|other)\s+(customers?|clients?|users?)('s|')?\s+(phone|numbers?|contacts?|data|details|addresses)\b",
        re.I,
    )


OTHERS_DATA = others_data()


def asks_others_data(text: str, words: tuple[str, ...] = ()) -> bool:
    """A request for other customers' personal data (never answered, whoever asks). `words`: how the tenant speaks
    of its customers (vocabulary.yaml `organisation_words`, the CRM's party words: «车主»)."""
    return bool(others_data(tuple(words)).search(text))


# words for a party in general, never a trade name: «客户说他们公司» is the customer's own company, not «客户公司»
GENERIC_PARTY = re.compile(r"客户|用户|顾客|对方|朋友|人家|自己|老板")


def _core(name: str) -> str:
    return "".join(ch for ch in GENERIC_PARTY.sub("", name) if ch not in FUNCTION_CHARS)


def other_customer_mentions(text: str, own_name: str = "", org_words: tuple[str, ...] = ()) -> list[str]:
    """Organisation-shaped names in the text that are not the current customer (by any shared 2-character piece).
    `org_words`: the tenant's industry words ending such names (vocabulary.yaml `organisation_words`)."""
    out = []
    for m in org_pattern(tuple(org_words)).finditer(text):
        if OWN_BOOK.search(m.group(1)):  # «我负责的车队客户»: the asker's own
            continue
        if SCOPE.search(
            m.group(1)
        ):  # «这个政策对所有X公司都适用吗»: a kind of customer, every one, not a name
            continue
        core = _core(m.group(1))
        if len(core) < 2:
            continue
        grams = {core[i : i + 2] for i in range(len(core) - 1)}
        if own_name and any(g in own_name for g in grams):
            continue
        out.append(m.group(0))
    for m in PERSON.finditer(text):
        core = _core(m.group(1))
        if len(core) >= 2 and not (own_name and (core in own_name or own_name in core)):
            out.append(core)
    return list(dict.fromkeys(out))


# «my other accounts», «我们其他客户»: the asker's own, not someone else's
OWN_BEFORE_OTHER = re.compile(r"(?:我|我们|咱们)的?\s*$|(?<![A-Za-z])(?:my|our)\s*$", re.I)


def others_said(text: str) -> bool:
    """«别的客户», «another customer» said of someone not the asker's own."""
    return any(not OWN_BEFORE_OTHER.search(text[: m.start()]) for m in OTHER_CUSTOMER.finditer(text))


def asks_about_other_customer(text: str, own_name: str = "", org_words: tuple[str, ...] = ()) -> bool:
    return others_said(text) or bool(other_customer_mentions(text, own_name, org_words))


def asks_other_customer_price(
    text: str, own_name: str = "", *, named_only: bool = False, org_words: tuple[str, ...] = ()
) -> bool:
    """A price / discount question about someone other than the current customer. `named_only` (a customer's own
    message): only a named organisation counts — 「别人家都给9折」 is haggling, not a question about their price."""
    if not PRICE.search(text):
        return False
    if named_only:
        return bool(other_customer_mentions(text, own_name, org_words))
    return asks_about_other_customer(text, own_name, org_words)
