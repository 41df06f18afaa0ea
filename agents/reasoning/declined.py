"""An offer the customer declines or says they already have asks for nothing: «设备保修到哪天 增值服务就免了» asks
for the term's end, not for the add-on's price. The message's stance towards each action is read by the actions' own
reader (agents.actions.stance: the pack's words naming the action, the cue declining it or saying it is done); the words
naming such an action are taken out of the clause that declines it before the reasoning tools read the message, so no
tool is asked for that offer by those words (its price, when it would start) and the draft does not quote what the
customer turned down. Another clause of the same message that asks about the action still asks («增值服务不用了，
但增值服务什么时候生效？»). Nothing here knows a tenant: the words are the pack's own (naming_words)."""

from __future__ import annotations

import re
from typing import Any

from agents.actions.stance import naming_words, stances

# where one clause ends and the next begins (the same marks the stance reader splits a message on)
_CLAUSE_END = re.compile(r"[，,。！!？?；;\n]")


def declined_actions(text: str, tenant: Any) -> dict[str, str]:
    """action name → declined / done, for every action the message turns down or says is done; {} without a tenant."""
    if tenant is None or not text:
        return {}
    try:
        return dict(stances(text, tenant))
    except Exception:  # noqa: BLE001 — a pack the reader cannot read declines nothing
        return {}


# a price asked: how much, the price, the cost («就是想问下多少钱», "how much is it though")
_PRICE_ASKED = re.compile(
    r"多少钱|几多钱|几钱|多少银子|价格|价钱|价位|报价|怎么卖|咋卖|贵不贵|\bhow much\b|\bprice\b|\bcosts?\b",
    re.I,
)
_NEGATED = re.compile(r"不(?!过)|没|唔|冇|别|\bno\b|\bnot\b|n't", re.I)
# what an English price question holds besides its price words when it names nothing else ("how much is it though")
_EN_PRICE_FILLER = frozenset(
    [
        "how",
        "much",
        "is",
        "it",
        "that",
        "this",
        "those",
        "these",
        "though",
        "then",
        "so",
        "but",
        "and",
        "still",
        "anyway",
        "just",
        "i",
        "i'm",
        "we",
        "was",
        "am",
        "are",
        "be",
        "would",
        "will",
        "does",
        "do",
        "did",
        "to",
        "know",
        "wondering",
        "asking",
        "curious",
        "about",
        "for",
        "of",
        "the",
        "a",
        "what",
        "'s",
        "it's",
        "its",
        "tell",
        "me",
        "us",
        "could",
        "can",
        "you",
        "please",
        "roughly",
        "approximately",
        "exactly",
        "again",
        "ok",
        "okay",
        "well",
    ]
)


def _names_nothing(rest: str) -> bool:
    """A price question's words, its price words and the declined action's words taken out, name no other thing:
    no noun (jieba's tag: a noun, a verbal noun, a name, a Latin code), or in English only function words."""
    if not rest.strip():
        return True
    if not re.search(r"[\u4e00-\u9fff]", rest):
        words = re.findall(r"[a-z0-9']+", rest.lower())
        return all(w in _EN_PRICE_FILLER for w in words)
    try:
        import jieba.posseg as posseg  # loaded once per process; only a decline beside a price question reaches here
    except ImportError:  # pragma: no cover
        return False
    for word in posseg.cut(rest):
        flag = (word.flag or "x")[:1]
        if flag in _FUNCTION_TAGS:
            continue
        if flag == "v" and word.word in _ASKING_VERBS:
            continue
        return False  # a noun, a name, a code, a verb of its own («保养一次多少钱»): another thing priced
    return True


# jieba's tags of words that name nothing: adverb, conjunction, preposition, pronoun, numeral, measure word, place
# word, time word, particle, interjection, onomatopoeia, punctuation
_FUNCTION_TAGS = frozenset("dcprmqftuyeoxz")
# verbs that only ask or tell («就是想问下多少钱», «想先知道价格», «多少钱来着»)
_ASKING_VERBS = frozenset(
    [
        "问",
        "问问",
        "问下",
        "请问",
        "想",
        "想问",
        "知道",
        "了解",
        "请教",
        "打听",
        "咨询",
        "说",
        "讲",
        "是",
        "来",
        "要",
        "卖",
        "算",
        "看",
        "看看",
        "告诉",
        "报",
        "报个",
        "能",
        "会",
        "得",
        "查",
        "查查",
        "有",
        "麻烦",
    ]
)


def _price_asked_back(text: str, words: list[str]) -> bool:
    """Another clause of the message asks the price of nothing but what the decline named («延保先不要了，不过想问下
    多少钱», "I don't need the extended warranty now, how much is it though?"): the customer asks for that price, so
    it is not dropped. A price clause that names another thing («…，另一台车多少钱», «保养一次多少钱») or is negated
    («多少钱都不要») asks nothing back."""
    names = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE) if words else None
    for clause in _CLAUSE_END.split(text):
        if not _PRICE_ASKED.search(clause) or _NEGATED.search(clause):
            continue
        rest = _PRICE_ASKED.sub(" ", clause)
        if names is not None:
            rest = names.sub(" ", rest)
        if _names_nothing(rest):
            return True
    return False


def without_declined(text: str, tenant: Any) -> tuple[str, dict[str, str]]:
    """The message with the words naming a declined / done action removed from the clauses that decline it, and the
    stances read (action → stance). The message itself when it declines nothing."""
    found = declined_actions(text, tenant)
    if not found:
        return text, {}
    names, _ = naming_words(tenant)
    words = sorted((w for w, act in names.items() if act in found), key=len, reverse=True)
    if not words:
        return text, found
    if _price_asked_back(text, words):
        # the message asks the price of what it turned down: the words stay, the price is told
        return text, found
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    pieces: list[str] = []
    start = 0
    blanked = False
    for m in [*_CLAUSE_END.finditer(text), None]:
        end = m.end() if m is not None else len(text)
        clause = text[start:end]
        if clause.strip() and pattern.search(clause) and set(declined_actions(clause, tenant)) & set(found):
            clause = pattern.sub("", clause)
            blanked = True
        pieces.append(clause)
        start = end
    if not blanked:
        # the cue and the action's word stand in different marks' stretches (a voice transcript: «增值服务啊 算了 不要了»
        # has spaces, not commas): the whole message is the clause
        return pattern.sub("", text), found
    return "".join(pieces), found
