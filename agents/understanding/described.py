"""Keywords an intent's own description already says, for an intent that lists none (a zero-config taxonomy).

A new company's first taxonomy often has a label and a description per intent and nothing else. The description's
words are the taxonomy's words: 「退订车辆订单、退定金」 says 退订 and 定金 as plainly as a keyword list would. A word is
taken as an intent's keyword when it is distinctive: it appears in that intent's label, description or policy hint and
in no other intent's (询问 / 客户 / 车辆 appear in many and say nothing about which), and it is no everyday word of the
language (时候, 东西, 一个: inverse document frequency under MIN_IDF in the dictionary's own table). Segmentation is the language's
dictionary (jieba) with the taxonomy's own runs of 2-4 characters kept whole; English words of 4+ letters count too.
An intent that lists keywords keeps its own list: the author's words replace the derivation."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from agents.tenant import OUT_OF_SCOPE, IntentSpec

_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{3,}")
MIN_WORD, MAX_WORD = 2, 4
# jieba's IDF table: everyday words (时候 4.3, 东西 4.8, 公司 3.5) sit under 6, the words that name a topic (保修 10.8,
# 置换 8.3, 投诉 8.1, 合同 6.5) above; a word the table lacks (延保, 立减) is rare and kept
MIN_IDF = 6.0
# Function words a description is written with (what kind of message, not what it is about): never a keyword, even
# when only one description happens to use them.
_DESCRIPTION_WORDS = frozenset(
    [
        "询问",
        "咨询",
        "问题",
        "要求",
        "客户",
        "销售",
        "或者",
        "以及",
        "例如",
        "比如",
        "什么",
        "怎么",
        "多少",
        "是否",
        "能不能",
        "可以",
        "这个",
        "那个",
        "某个",
        "自己",
        "相关",
        "表示",
        "情况",
        "进行",
        "需要",
        "提供",
        "用户",
        "发给",
        "助手",
        "不是",
        "不含",
        "包括",
        "其他",
        "another",
        "about",
        "asks",
        "asking",
        "customer",
        "their",
        "whether",
    ]
)


def _words(text: str) -> set[str]:
    import jieba

    out: set[str] = set()
    for run in _HAN_RUN.findall(text):
        if MIN_WORD <= len(run) <= MAX_WORD:
            out.add(run)
        out.update(w for w in jieba.lcut(run, HMM=False) if MIN_WORD <= len(w) <= MAX_WORD)
    out.update(w.lower() for w in _LATIN_WORD.findall(text))
    idf = _idf()
    return {w for w in out if w not in _DESCRIPTION_WORDS and idf.get(w, MIN_IDF) >= MIN_IDF}


def _idf() -> dict[str, float]:
    from jieba import analyse

    table: dict[str, float] = analyse.default_tfidf.idf_freq
    return table


def derived_keywords(specs: Sequence[IntentSpec]) -> dict[str, list[str]]:
    """Per intent without keywords of its own: the words of its label, description and policy hint that no other
    intent's say (out_of_scope's words are never keywords: it is described by what it is not)."""
    if all(s.keywords or s.name == OUT_OF_SCOPE for s in specs):
        return {}  # every intent has its author's words: nothing to derive (and no dictionary to load)
    words = {s.name: _words(f"{s.label_zh} {s.description} {s.policy_hint}") for s in specs}
    seen = Counter(w for ws in words.values() for w in ws)
    out: dict[str, list[str]] = {}
    for s in specs:
        if s.keywords or s.name == OUT_OF_SCOPE:
            continue
        out[s.name] = sorted(w for w in words[s.name] if seen[w] == 1)
    return out


# A description that says its messages are addressed to the assistant (销售让助手查…（发给助手，不是发给客户） / a rep asks
# the assistant): a rep's ask, never a customer's. The taxonomy's author says who sends an intent in `cues.senders`;
# a descriptions-only taxonomy says it in words, and these are read the same way.
_TO_ASSISTANT = re.compile(
    r"(?:发给|让|请|问|叫|要)助手|助手帮|(?:asks?|tells?|to) the (?:assistant|copilot)|not (?:sent )?to the customer",
    re.I,
)


def described_senders(spec: IntentSpec) -> list[str]:
    """The intent's senders: its cues' when it declares them, else rep_ask when its description addresses the
    assistant, else none (anyone)."""
    if spec.cues.senders:
        return list(spec.cues.senders)
    return ["rep_ask"] if _TO_ASSISTANT.search(spec.description) else []


# Who a clause of a description is about: a description of an intent both customers and reps say often says the rep's
# part in a clause of its own («询问车辆的价格、要求打折，或销售询问某个折扣自己能不能批、该找谁审批»). That clause runs from
# the staff word to the end of its sentence.
_STAFF_CLAUSE = re.compile(
    r"(?:或者?|以及|及|and |or )?(?:销售|顾问|业务员|客户经理|坐席|客服人员|员工|"
    r"(?<![a-z])(?:the )?(?:sales ?)?(?:reps?|agents?|salesperson|staff)(?![a-z]))[^。；;.!?！？]*",
    re.I,
)


# A clause after the customer's part in which a rep asks («…，或销售询问某个折扣自己能不能批» / «…, or a rep asks
# whether…»): the description says the intent is the rep's to ask as well as the customer's. A staff word that is the
# object of the customer's words («对销售人员表示不满») asks nothing and says no sender.
_STAFF_ASKS = re.compile(
    r"(?:或者?|以及|及|[，,；;]\s*|(?<![a-z])(?:and|or) )(?:销售|顾问|业务员|客户经理|坐席|客服人员|员工)(?:人员)?"
    r"(?:询问|问|想知道|想问|咨询|让助手|请助手)"
    r"|(?<![a-z])(?:and|or) (?:the |a )?(?:sales ?)?(?:reps?|agents?|salesperson|staff) (?:asks?|wants? to know)\b",
    re.I,
)


def senders_of(spec: IntentSpec) -> list[str]:
    """Who says the intent, as its author declared or its description says: `described_senders`, and for an intent
    declaring none, customers and reps when the description gives a rep's ask a clause of its own after the
    customer's part (a descriptions-only taxonomy says a shared intent in words)."""
    said = described_senders(spec)
    if said:
        return said
    m = _STAFF_ASKS.search(spec.description)
    return ["customer", "rep_ask"] if m and m.start() > 0 else []


def staff_clause(spec: IntentSpec) -> str:
    """The part of a shared intent's description (said by customers and reps) that says what the rep asks; '' when
    the intent is not shared or its description has no such part."""
    senders = set(senders_of(spec))
    if not {"customer", "rep_ask"} <= senders:
        return ""
    m = _STAFF_CLAUSE.search(spec.description)
    # a description that opens with the staff word is about the rep altogether, not a part of it
    return m.group(0).strip() if m and m.start() > 0 else ""
