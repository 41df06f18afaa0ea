"""The message's stance towards an action: DECLINED («增值服务就不考虑了», «今年就不续了», "no need for the add-on") or
DONE already («增值服务上个月已经买好了», «已经续签好了», "I already bought the add-on"). Read once per message
(agents.actions.playbook.propose) and applied to every source that could put the action on the card — a rule (its
intent, keywords or a background signal), the catalog's ranking, the computed answer's next step, a part's own reading —
because each of them sees only that the action's subject is mentioned, not what the customer said about it (R15-07: a
negated or already-bought add-on was still sold first; a rule's keywords_none can strip a word but cannot block a rule).

Nothing here knows a tenant. An action is named by the pack's own words for it: the keywords_any of the rules that
propose it, its whole catalog label and the label's object (the label after its leading verb: «安排置换评估» →
«置换评估»), and the words of its catalog name (`sell_premium_support`: "premium support"; `renew_…`: "renew"), each kept
only when it names that one action (no other action's name, label or description holds it). Slices of a label
(«查询», «准备», «推荐», «办理») name a verb, not an action, and are not used (review M2, session 16). A stance cue is a
closed list of Chinese and English words for declining (不用 / 不需要 / 不考虑 / 不买 / 不(再)续 / 算了 / no need / don't
want / won't be) and for having done it (已经…买好 / 办了 / already bought / already signed). It holds for an action
only when the action is what the cue is about: the cue's own OBJECT right after it («不需要延保», «已经买了延保», "no need
for the extended warranty": nothing but a measure word, a pointer or a code between), or the TOPIC right before a cue
that ends its predicate («延保就不考虑了», «延保上个月已经买好了»: no wish, request or exception between, nothing but a
completion after the cue); or, for a cue whose own verb is a verb only one action's label holds and that ends its
predicate («不续了» → 续 of a «续订» label), for that action. Not a stance: an A-not-A question («要不要», «需不需要»), a
condition («不续的话…», "if we don't renew"), a question about the stance («…不用买吗»), a negation between the cue and
the action («买了主机还没买增值服务»), a wish between 已经 and its verb («已经决定了要买延保», «已经到期了想续一年»),
a cue whose object is something else («不用考虑价格帮我推荐个延保», «已经订购了车想查询订单状态», "I already have my car
and want the extended warranty"), an exception («除了延保其他都不需要»)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

DECLINED, DONE = "declined", "done"


@dataclass(frozen=True)
class Stance:
    """What the message says of one action, and where: the stance (DECLINED / DONE), the cue's words («免了», "won't
    be"), the word naming the action (the pack's own: «延保», "renew"; the cue's verb when it named it) and the stretch
    of the message from the first of them to the last, as [start, end) character offsets into the message as read
    (`quote` is that stretch). The evidence a reader of the card or the ledger sees for an action kept off the card."""

    action: str
    stance: str
    cue: str
    word: str
    quote: str
    start: int
    end: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "stance": self.stance,
            "cue": self.cue,
            "word": self.word,
            "quote": self.quote,
            "span": [self.start, self.end],
        }


# voice transcripts put spaces between words: taken out between Chinese characters so a cue reads as written
_CJK_SPACE = re.compile(
    r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])\s+(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])\s+(?=[\u4e00-\u9fff])"
)
_CLAUSE = re.compile(r"[，,。！!？?；;\n]|\s[-–—]\s|—")
_CJK = re.compile(r"[\u4e00-\u9fff]")

# declining: 不 + a verb of wanting / doing (an A-not-A question «要不要» is ruled out in code), and whole words
_ZH_DECLINE = re.compile(
    r"不再?(?P<verb>用|要|需要|必|考虑|打算|想|买|续|办|做|签|搞|弄|加)(?!紧|错|然|好意思)|算了|免了|没必要|用不着|没兴趣|不感兴趣|拉倒"
)
# done already: 已(经) … a verb of acquiring (within a few characters), or such a verb + 好/过/了 (not the 续 of 手续 /
# 继续, not the 办 of 怎么办)
_ZH_DONE = re.compile(
    r"已经?(?P<gap>[^，,。；;！!？?不没未]{0,6}?)(?P<verb>买|办|续|签|购|投保)"
    r"|(?P<verb2>买|(?<![怎咋])办|(?<![手继陆连后持])续|签|购)(?:好了|过了|好|过|了)"
)
# between 已经 and the verb: an intent to act («已经决定了要买», «已经想好了要续签», «已经到期了想续») or a finished other
# verb («已经订…了») makes the verb the wish, not the deed
_GAP_INTENT = re.compile(r"想|要|决定|打算|准备|商量|看好|考虑|到期|过期|快|了")
_EN_DECLINE = re.compile(
    r"\b(?:no need (?:for|to)|(?:don'?t|do not|doesn'?t|won'?t|will not|not going to|wouldn'?t)\s+(?:need|want|be|bother)\w*"
    r"|not interested(?: in)?|no thanks|no,? thank you|pass on|skip)\b",
    re.I,
)
_EN_DONE = re.compile(
    r"\balready\b(?:\s+\w+){0,3}?\s+(?:bought|got|purchased|signed|renewed|took|added|have|has|paid)\b"
    r"|\b(?:bought|purchased|signed|renewed|got)\b(?=[^.,;!?]{0,30}\balready\b)",
    re.I,
)
# not a stance: a condition, or a question about it right after the cue
_CONDITION = re.compile(r"如果|要是|假如|的话|\bif\b|\bunless\b|\bwhether\b", re.I)
_ASKED = re.compile(r"吗|么|嘛|\?|？")
_NEGATED_BETWEEN = re.compile(r"没|未|不|\bnot\b|n't", re.I)
# The action must be what the cue is about: the cue's own object right after it («不需要延保», «已经买了延保», "no need
# for the extended warranty": only a measure word, a pointer, a code or the cue's verb between), or the topic right
# before a cue that ends its predicate («延保就不考虑了», «延保上个月已经买好了»: nothing but a time, a place or a
# subject between, no wish or exception). «不用考虑价格帮我推荐个延保», «我已经买了车想加个延保», "I already have my car
# and want the extended warranty", «除了延保其他都不需要» are no stance on it.
_ZH_OBJECT_FILLER = re.compile(r"(?:[个这那些份项再任何什么啥的了买办续加做签搞弄掉份款]|[A-Za-z0-9\-]+)*")
_ZH_TOPIC_BLOCK = re.compile(r"想|要|决定|打算|准备|除|其他|其它|别的|只|帮|请|给|[，,]")
_ZH_TAIL = re.compile(r"(?:[签订购买办续做好过掉完了吧啊哈呢嘛呀啦哦喔哟噢的]|就|也)*")
_ZH_STARTER = re.compile(r"[我你他她咱这那到还也就但可只想要请帮麻不没剩现今明后其]")
_EN_OBJECT_FILLER = {
    "the",
    "a",
    "an",
    "my",
    "our",
    "your",
    "this",
    "that",
    "any",
    "extra",
    "new",
    "for",
    "to",
    "on",
    "up",
    "in",
    "with",
    "about",
    "it",
    "also",
    "of",
    "one",
    "be",
    "being",
    "get",
    "getting",
    "buy",
    "buying",
    "add",
    "adding",
    "do",
    "doing",
    "have",
    "need",
    "want",
    "bother",
}
_EN_TOPIC_FILLER = {
    "we",
    "i",
    "you",
    "they",
    "have",
    "has",
    "had",
    "already",
    "just",
    "is",
    "was",
    "are",
    "been",
    "it",
    "that",
    "this",
    "one",
    "the",
    "we've",
    "i've",
    "i'm",
    "we're",
    "so",
    "and",
    "thanks",
}
_EXCEPT = re.compile(r"除了|除开|除去|\bexcept\b|\bother than\b|\bapart from\b|\bbesides\b", re.I)
ZH_WINDOW = 10  # characters between a topic and its cue
ZH_OBJECT = 8  # characters between a cue and its object
ASK_WINDOW = 6  # a 吗 this close after the cue makes it a question

_MEMO_LOCK = threading.Lock()
_MEMO: OrderedDict[tuple[int, str], tuple[Any, dict[str, Stance]]] = OrderedDict()
_NAMES: OrderedDict[int, tuple[Any, dict[str, str], dict[str, str]]] = OrderedDict()
NAMES_SIZE = 16  # tenants whose naming words are kept (a process serves a few)
MEMO_SIZE = 512
MIN_NAME_WORD = 5  # an action name's verb shorter than this (book, send, sell) names too much


def naming_words(tenant: Any) -> tuple[dict[str, str], dict[str, str]]:
    """word → the one action it names (rule keywords of two characters or more, the whole catalog label, the catalog
    name's word pairs and verb; not slices of a label: «查询», «准备», «推荐», «办理» name a verb, not an action), and verb
    character → the one action whose label holds it (for cues whose verb is the action's own: «不续» → a «续订» label)."""
    hit = _NAMES.get(id(tenant))
    if hit is not None and hit[0] is tenant:
        return hit[1], hit[2]
    texts = {a.name: f"{a.name.replace('_', ' ')} {a.label_zh} {a.description}" for a in tenant.actions}
    owners: dict[str, set[str]] = {}
    for a in tenant.actions:
        label = (a.label_zh or "").strip().lower()
        # the whole label, and its object: the label after its leading two-character verb («安排置换评估» → «置换评估»)
        for w in (label, label[2:] if _CJK.match(label[:2] or " ") and len(label) >= 4 else ""):
            if len(w) >= 2 and "/" not in w:
                owners.setdefault(w, set()).add(a.name)
        # the catalog's own English name: its word pairs («extended warranty») and its verb («renew»)
        words = [w for w in a.name.lower().split("_") if w]
        for w in [" ".join(words[i : i + 2]) for i in range(len(words) - 1)] + words[:1]:
            if len(w) >= MIN_NAME_WORD:
                owners.setdefault(w, set()).add(a.name)
    for pb in tenant.playbooks:
        for rule in pb.rules:
            if (
                rule.when.customer
            ):  # keywords choosing the customer's product for an offer (a model) name no action
                continue
            for k in rule.when.keywords_any:
                k = k.strip().lower()
                if len(k) >= 2 and not any(c.isdigit() for c in k):  # a model or fault code names no action
                    owners.setdefault(k, set()).add(rule.then.action)
    names: dict[str, str] = {}
    for w, acts in owners.items():
        if len(acts) != 1:
            continue
        act = next(iter(acts))
        # a word another action's label or description also holds names neither
        if any(w in t.lower() for n, t in texts.items() if n != act):
            continue
        names[w] = act
    verbs: dict[str, set[str]] = {}
    for a in tenant.actions:
        for c in set(_CJK.findall(a.label_zh or "")):
            verbs.setdefault(c, set()).add(a.name)
    verb_of = {c: next(iter(v)) for c, v in verbs.items() if len(v) == 1}
    with _MEMO_LOCK:
        _NAMES[id(tenant)] = (tenant, names, verb_of)
        while len(_NAMES) > NAMES_SIZE:
            _NAMES.popitem(last=False)
    return names, verb_of


def _a_not_a(clause: str, at: int) -> bool:
    """«要不要», «需不需要», «续不续»: the character before 不 is the one after it (a question, not a refusal)."""
    return clause[at] == "不" and 0 < at < len(clause) - 1 and clause[at - 1] == clause[at + 1]


def _cues(clause: str) -> list[tuple[int, int, str, str]]:
    """(start, end, DECLINED/DONE, the cue's own verb or '') of every stance cue in a clause."""
    out: list[tuple[int, int, str, str]] = []
    for pat, kind in ((_ZH_DECLINE, DECLINED), (_EN_DECLINE, DECLINED), (_ZH_DONE, DONE), (_EN_DONE, DONE)):
        for m in pat.finditer(clause):
            if _a_not_a(clause, m.start()):
                continue
            if _ASKED.search(clause[m.end() : m.end() + ASK_WINDOW]):
                continue
            groups = m.groupdict()
            if groups.get("gap") and _GAP_INTENT.search(groups["gap"]):
                continue  # «已经决定了要买», «已经到期了想续»: a wish, not a deed
            verb = groups.get("verb") or groups.get("verb2") or ""
            out.append((m.start(), m.end(), kind, verb))
    return out


def _stands(clause: str, end: int) -> bool:
    """The cue ends its predicate: after it only a completion (好了, 过了, 了吧) and then the clause's end or a new
    clause without punctuation (voice: «不用 了 不需要 我 就 问…»), not an object of its own («不用考虑价格», «订购了车»)."""
    tail = _ZH_TAIL.match(clause, end)
    rest = clause[tail.end() if tail else end :].strip()
    return not rest or bool(_ZH_STARTER.match(rest))


def _object_of(clause: str, end: int, w_start: int, english: bool) -> bool:
    """The word right after the cue is its object: nothing but fillers between."""
    between = clause[end:w_start]
    if english:
        words = re.findall(r"[\w']+", between.lower())
        return (
            len(words) <= 5
            and all(w in _EN_OBJECT_FILLER for w in words)
            and not re.search(r"[^\w\s'’-]", between)
        )
    return len(between) <= ZH_OBJECT and bool(_ZH_OBJECT_FILLER.fullmatch(between))


def _topic_of(clause: str, w_end: int, start: int, end: int, english: bool) -> bool:
    """The word right before the cue is its topic: nothing but a time, a place, a subject between, and the cue ends its
    predicate."""
    between = clause[w_end:start]
    if _NEGATED_BETWEEN.search(between):
        return False
    if english:
        words = re.findall(r"[\w']+", between.lower())
        return len(words) <= 4 and all(w in _EN_TOPIC_FILLER for w in words)
    if len(between) > ZH_WINDOW or _ZH_TOPIC_BLOCK.search(between):
        return False
    return _stands(clause, end)


def _flat(text: str) -> tuple[str, list[int]]:
    """The text with a voice transcript's spaces between words taken out, and where each of its characters stands in
    the text as read (a span found in the flat text is given in the message's own offsets)."""
    keep: list[int] = []
    at = 0
    for m in _CJK_SPACE.finditer(text):
        keep += range(at, m.start())
        at = m.end()
    keep += range(at, len(text))
    return "".join(text[i] for i in keep), keep


def _clauses(flat: str) -> list[tuple[int, str]]:
    """(offset, clause) of every clause of the flat text."""
    out, at = [], 0
    for m in _CLAUSE.finditer(flat):
        out.append((at, flat[at : m.start()]))
        at = m.end()
    out.append((at, flat[at:]))
    return out


def stances(text: str, tenant: Any) -> dict[str, str]:
    """action name → DECLINED / DONE for every action the message declines or says is done; {} for most messages."""
    return {a: st.stance for a, st in stance_details(text, tenant).items()}


def stance_details(text: str, tenant: Any) -> dict[str, Stance]:
    """action name → its Stance (the stance, the cue, the word naming the action, where) for every action the message
    declines or says is done; {} for most messages. Read once per message and tenant (memoised)."""
    if not text or not text.strip():
        return {}
    key = (id(tenant), text)
    with _MEMO_LOCK:
        hit = _MEMO.get(key)
    if (
        hit is not None and hit[0] is tenant
    ):  # the tenant pinned with its entry: an id is never reused while it stands
        return hit[1]
    names, verb_of = naming_words(tenant)
    flat, where = _flat(text)
    out: dict[str, Stance] = {}
    for offset, clause in _clauses(flat):
        if not clause.strip() or _CONDITION.search(clause):
            continue
        low = clause.lower()
        for start, end, kind, verb in _cues(clause):
            english = not _CJK.search(clause[start:end])
            named: dict[str, tuple[int, int]] = {}  # action → the span of the word naming it
            for w, act in names.items():
                for m in re.finditer(re.escape(w), low):
                    if _EXCEPT.search(low[: m.start()]):
                        continue  # «除了延保其他都不需要»: the exception is what is wanted
                    if m.end() <= start:  # the action's word, then the cue («增值服务就不考虑了»)
                        ok = _topic_of(clause, m.end(), start, end, english)
                    elif m.start() >= end:  # the cue, then its object («不需要增值服务», "no need for …")
                        ok = _object_of(clause, end, m.start(), english)
                    else:  # the word is part of the cue («已经续签好了»)
                        ok = english or _stands(clause, max(end, m.end()))
                    if ok:
                        named.setdefault(act, (m.start(), m.end()))
            if not named and not english and verb in verb_of and _stands(clause, end):
                # the cue's own verb, when one action's label holds it («不续了» → a «续订» label)
                at = clause.find(verb, start, end)
                named = {verb_of[verb]: (at, at + 1) if at >= 0 else (start, end)}
            for act, (ws, we) in named.items():
                if act in out:
                    continue
                lo, hi = min(ws, start), max(we, end)
                while hi < len(clause) and (clause[hi].isalnum() and not _CJK.match(clause[hi])):
                    hi += 1  # a whole English word ("renew" of "renewing")
                first, last = where[offset + lo], where[offset + hi - 1] + 1
                out[act] = Stance(
                    action=act,
                    stance=kind,
                    cue=clause[start:end],
                    word=clause[ws:we],
                    quote=text[first:last],
                    start=first,
                    end=last,
                )
    with _MEMO_LOCK:
        _MEMO[key] = (tenant, out)
        while len(_MEMO) > MEMO_SIZE:
            _MEMO.popitem(last=False)
    return out
