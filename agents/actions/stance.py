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
and want the extended warranty"), an exception («除了延保其他都不需要»).

Session 17 (under-reach, in the styles customers write): the topic may stand in a clause of its own before the cue
(«延保嘛，算了吧»: the clause holds nothing but the action's word and fillers); Cantonese negation and completion
(«唔使», «唔续», «买咗»); English negated verbs whose object is the action ("we're not renewing", "won't renew", "no
renewal"); a homophone typed for one of the pack's Chinese words («延宝» for «延保», by toneless pinyin, read only beside
a cue that named nothing); a chat message typed without punctuation ends a clause at a space after a completion
(«不续了 车都卖了一半»; not in a transcript, which spaces every word). Still no stance: someone's words reported before
the cue («我老婆说延保没必要», «上次说延保不要»), a must («不续不行»), a request («现在就办了吧»), a question ending the
clause («不续不行吧？», "Is there no renewal discount?").

Every stance is kept with its cue, the word naming the action and the stretch of the message (stance_details): decide
records it as evidence, for the card, the ledger and the draft (agents.nodes.decide.stance_evidence)."""

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
_CLAUSE = re.compile(r"[，,。！!？?；;\n]|\s[-–—]\s|—|\.(?=\s|$)")
_CJK = re.compile(r"[\u4e00-\u9fff]")

# declining: 不 + a verb of wanting / doing (an A-not-A question «要不要» is ruled out in code), and whole words
_ZH_DECLINE = re.compile(
    r"(?:不再?|唔再?)(?P<verb>用|要|需要|必|考虑|打算|想|买|续|办|做|签|搞|弄|加)(?!紧|错|然|好意思)|唔使|算了|免了|[没冇]必要|用不着"
    r"|[没冇]兴趣|不感兴趣|拉倒"
)
# done already: 已(经) … a verb of acquiring (within a few characters), or such a verb + 好/过/了 (not the 续 of 手续 /
# 继续, not the 办 of 怎么办)
_ZH_DONE = re.compile(
    r"已经?(?P<gap>[^，,。；;！!？?不没未]{0,6}?)(?P<verb>买|办|续|签|购|投保)"
    r"|(?P<verb2>买|(?<![怎咋])办|(?<![手继陆连后持])续|签|购)(?:好了|过了|好|过|了|咗)"
)
# between 已经 and the verb: an intent to act («已经决定了要买», «已经想好了要续签», «已经到期了想续») or a finished other
# verb («已经订…了») makes the verb the wish, not the deed
_GAP_INTENT = re.compile(r"想|要|决定|打算|准备|商量|看好|考虑|到期|过期|快|了")
_EN_DECLINE = re.compile(
    r"\b(?:no need (?:for|to)|(?:don'?t|do not|doesn'?t|won'?t|will not|not going to|wouldn'?t)\s+(?:need|want|be|bother)\w*"
    r"|not interested(?: in)?|no thanks|no,? thank you|pass on|skip"
    r"|(?:won'?t|will not|aren'?t|are not|'re not|am not|'m not|not going to)(?!\s+(?:need|want|be|bother)\b)"
    r"|no(?!\s+need\b)(?=\s+[a-z]))\b",
    re.I,
)
_EN_DONE = re.compile(
    r"\balready\b(?:\s+\w+){0,3}?\s+(?:bought|got|purchased|signed|renewed|took|added|have|has|paid)\b"
    r"|\b(?:bought|purchased|signed|renewed|got)\b(?=[^.,;!?]{0,30}\balready\b)",
    re.I,
)
# someone else's words, or the customer's earlier ones, reported before the cue («我老婆说延保没必要», «上次说延保不要»,
# "my boss said no renewal"): not the customer's stance now
_REPORTED = re.compile(r"说|讲|觉得|认为|以为|\bsaid\b|\bsays\b|\bthinks?\b|\btold\b", re.I)
# a DONE form followed by 吧 asks to do it («现在就办了吧», «那就买了吧»), it does not report it done
_URGED = re.compile(r"吧")
# not a stance: «不续不行» (must renew), «唔买唔得»
_DOUBLE_NEGATION = re.compile(r"[不唔](?:行|可以|成|得)")
# not a stance: a negation denied right before the cue («我不是不想买延保», «并不是不要», «也不是说不要», «唔係唔要»,
# "it's not that I don't want …", "not saying we won't …"): the customer says they do NOT decline
_DENIED_BEFORE = re.compile(
    r"(?:不|唔|冇|没)(?:是|係|系)(?:说|講|讲)?\s*$|\bnot\s+(?:that|saying|because)\b[^,.;!?，。；！？]{0,16}$",
    re.I,
)
# a clause that is nothing but a topic, taken up by a cue in the next clause («延保嘛，算了吧», «续约的话呢，就算了»):
# the action's word with only fillers and particles around it
_BARE_TOPIC_FILLER = re.compile(
    r"(?:[这那个些呃嗯啊嘛呢吧哈噢哦喔就也还是我们你的话]|那个|这个|至于|关于|说到)*"
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
_ZH_TOPIC_BLOCK = re.compile(r"想(?![了过]|一下)|要|决定|打算|准备|除|其他|其它|别的|只|帮|请|给|[，,]")
_ZH_TAIL = re.compile(r"(?:[签订购买办续做好过掉完了吧啊哈呢嘛呀啦哦喔哟噢的咗喇咯嘞]|就|也)*")
_ZH_STARTER = re.compile(r"[我你他她咱这那到还也就但可只想要请帮麻不没剩现今明后其嗯呃啊哦]")
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
    "going",
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


def _cues(clause: str, stop: str = "") -> list[tuple[int, int, str, str]]:
    """(start, end, DECLINED/DONE, the cue's own verb or '') of every stance cue in a clause; `stop` is the character
    ending the clause (a question mark close after the cue makes it a question: «不续不行吧？»)."""
    out: list[tuple[int, int, str, str]] = []
    asked_at = clause + stop
    for pat, kind in ((_ZH_DECLINE, DECLINED), (_EN_DECLINE, DECLINED), (_ZH_DONE, DONE), (_EN_DONE, DONE)):
        for m in pat.finditer(clause):
            if _a_not_a(clause, m.start()):
                continue
            if _ASKED.search(asked_at[m.end() : m.end() + ASK_WINDOW]):
                continue
            if kind == DONE and not m.group(0).startswith("已") and _URGED.match(clause, m.end()):
                continue  # «延保现在就办了吧»: a request
            if kind == DECLINED and _DOUBLE_NEGATION.match(clause, m.end()):
                continue  # «不续不行»: a must, not a refusal
            if kind == DECLINED and _DENIED_BEFORE.search(clause[max(0, m.start() - 24) : m.start()]):
                continue  # «我不是不想买延保»: a decline denied
            if pat is _EN_DECLINE and stop in "?？" and stop:
                continue  # an English clause asking ("Is there no renewal discount?")
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
    # any cut inside the completion may be the clause's end («算了吧就是想问…»: 就 starts the next clause)
    for cut in range(tail.end() if tail else end, end - 1, -1):
        rest = clause[cut:].strip()
        if not rest or _ZH_STARTER.match(rest):
            return True
    return False


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


# a space after a completion particle ends a chat clause typed without punctuation («不续了 车都卖了一半»)
_DONE_PARTICLE = "了喇啦吧咯嘞咗"
VOICE_SPACING = 4  # a space at least every 4 Chinese characters: words spaced as a transcript does


def _flat(text: str) -> tuple[str, list[int]]:
    """The text with a voice transcript's spaces between words taken out (a space after a completion particle
    becomes a clause break), and where each of its characters stands in the text as read (a span found in the flat
    text is given in the message's own offsets)."""
    chars: list[str] = []
    where: list[int] = []
    at = 0
    gaps = list(_CJK_SPACE.finditer(text))
    # a voice transcript spaces every word (a space after 了 is no clause's end there); chat spaces its clauses only
    chat = len(gaps) * VOICE_SPACING < len(_CJK.findall(text))
    for m in gaps:
        chars += text[at : m.start()]
        where += range(at, m.start())
        nxt = text[m.end() : m.end() + 1]
        if (
            chat
            and m.start() > 0
            and text[m.start() - 1] in _DONE_PARTICLE
            and _CJK.match(nxt)
            and nxt not in _DONE_PARTICLE
        ):
            chars.append("，")
            where.append(m.start())
        at = m.end()
    chars += text[at:]
    where += range(at, len(text))
    return "".join(chars), where


def _clauses(flat: str) -> list[tuple[int, str, str]]:
    """(offset, clause, the character ending it) of every clause of the flat text."""
    out, at = [], 0
    for m in _CLAUSE.finditer(flat):
        out.append((at, flat[at : m.start()], m.group(0).strip()[:1]))
        at = m.end()
    out.append((at, flat[at:], ""))
    return out


_PINYIN: OrderedDict[int, tuple[Any, dict[tuple[str, ...], tuple[str, str]]]] = OrderedDict()


def _sounds(tenant: Any, names: dict[str, str]) -> dict[tuple[str, ...], tuple[str, str]]:
    """The pack's Chinese naming words by their sound (toneless pinyin) → (word, action): a homophone typed for the
    word («延宝» for «延保») names the same action. Words two sounds sharing one spelling name nothing."""
    hit = _PINYIN.get(id(tenant))
    if hit is not None and hit[0] is tenant:
        return hit[1]
    from pypinyin import lazy_pinyin

    by_sound: dict[tuple[str, ...], set[tuple[str, str]]] = {}
    for w, act in names.items():
        if len(w) >= 2 and all(_CJK.match(c) for c in w):
            by_sound.setdefault(tuple(lazy_pinyin(w)), set()).add((w, act))
    sounds = {k: next(iter(v)) for k, v in by_sound.items() if len({a for _, a in v}) == 1}
    with _MEMO_LOCK:
        _PINYIN[id(tenant)] = (tenant, sounds)
        while len(_PINYIN) > NAMES_SIZE:
            _PINYIN.popitem(last=False)
    return sounds


def _homophones(clause: str, tenant: Any, names: dict[str, str]) -> list[tuple[str, int, int]]:
    """(action, start, end) of each stretch of the clause that sounds like one of the pack's Chinese naming words
    without being spelled as it («延宝»); read only for a clause holding a cue that named nothing."""
    from pypinyin import lazy_pinyin

    sounds = _sounds(tenant, names)
    if not sounds:
        return []
    py = [lazy_pinyin(c)[0] if _CJK.match(c) else c for c in clause]
    out = []
    for key, (w, act) in sounds.items():
        n = len(key)
        for i in range(len(py) - n + 1):
            if tuple(py[i : i + n]) == key and clause[i : i + n] != w:
                out.append((act, i, i + n))
    return out


def stances(text: str, tenant: Any) -> dict[str, str]:
    """action name → DECLINED / DONE for every action the message declines or says is done; {} for most messages."""
    return {a: st.stance for a, st in stance_details(text, tenant).items()}


def _bare_topic(clause: str, names: dict[str, str]) -> tuple[str, int, int] | None:
    """(action, start, end) when the clause is nothing but one action's word with fillers and particles around it
    («延保嘛», «那个续约的话呢»): a topic the next clause comments on."""
    low = clause.lower()
    found = None
    for w, act in names.items():
        at = low.find(w)
        if at < 0:
            continue
        if _BARE_TOPIC_FILLER.fullmatch(low[:at].strip()) and _BARE_TOPIC_FILLER.fullmatch(
            low[at + len(w) :].strip()
        ):
            if found is not None and found[0] != act:
                return None
            if found is None or len(w) > found[2] - found[1]:
                found = (act, at, at + len(w))
    return found


def _about(clause: str, start: int, end: int, english: bool, ws: int, we: int) -> bool:
    """The cue at [start, end) is about the action's word at [ws, we): its topic, its object or part of it."""
    low = clause.lower()
    if _EXCEPT.search(low[:ws]):
        return False  # «除了延保其他都不需要»: the exception is what is wanted
    if _REPORTED.search(low[: min(ws, start)]):
        return False  # «我老婆说延保没必要»: reported words
    if we <= start:  # the action's word, then the cue («增值服务就不考虑了»)
        return _topic_of(clause, we, start, end, english)
    if ws >= end:  # the cue, then its object («不需要增值服务», "no need for …")
        return _object_of(clause, end, ws, english)
    return english or _stands(clause, max(end, we))  # the word is part of the cue («已经续签好了»)


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
    previous: tuple[int, str] | None = None  # the clause before, when it is a bare topic's candidate
    for offset, clause, stop in _clauses(flat):
        prior, previous = previous, (offset, clause)
        if not clause.strip() or _CONDITION.search(clause):
            continue
        low = clause.lower()
        for start, end, kind, verb in _cues(clause, stop):
            english = not _CJK.search(clause[start:end])
            named: dict[str, tuple[int, int]] = {}  # action → the span of the word naming it (flat offsets)

            for w, act in names.items():
                for m in re.finditer(re.escape(w), low):
                    if _about(clause, start, end, english, m.start(), m.end()):
                        named.setdefault(act, (offset + m.start(), offset + m.end()))
            if not named and not english:
                for act, ws, we in _homophones(clause, tenant, names):  # «延宝就不要了»
                    if _about(clause, start, end, english, ws, we):
                        named.setdefault(act, (offset + ws, offset + we))
            if not named and not english and verb in verb_of and _stands(clause, end):
                # the cue's own verb, when one action's label holds it («不续了» → a «续订» label)
                at = clause.find(verb, start, end)
                named = {
                    verb_of[verb]: (offset + at, offset + at + 1)
                    if at >= 0
                    else (offset + start, offset + end)
                }
            if (
                not named
                and prior is not None
                and _BARE_TOPIC_FILLER.fullmatch(clause[:start].strip().lower())
                and _stands(clause, end)
            ):
                # the topic in a clause of its own before the cue («延保嘛，算了吧»)
                topic = _bare_topic(prior[1], names)
                if topic is not None:
                    named = {topic[0]: (prior[0] + topic[1], prior[0] + topic[2])}
            for act, (ws, we) in named.items():
                if act in out:
                    continue
                lo, hi = min(ws, offset + start), max(we, offset + end)
                while hi < len(flat) and (flat[hi].isalnum() and not _CJK.match(flat[hi])):
                    hi += 1  # a whole English word ("renew" of "renewing")
                first, last = where[lo], where[hi - 1] + 1
                out[act] = Stance(
                    action=act,
                    stance=kind,
                    cue=clause[start:end],
                    word=flat[ws:we],
                    quote=text[first:last],
                    start=first,
                    end=last,
                )
    with _MEMO_LOCK:
        _MEMO[key] = (tenant, out)
        while len(_MEMO) > MEMO_SIZE:
            _MEMO.popitem(last=False)
    return out


def bare_decline(text: str) -> str:
    """The cue of a decline that ends its predicate and names nothing of its own («算了，这批先不买了», «不要了»,
    "we won't be needing it"): the message turns down what was on the table before it, whatever that was. '' when the
    message has none (a condition, a question, someone's reported words or a cue with an object of its own are none)."""
    if not text or not text.strip():
        return ""
    flat, _ = _flat(text)
    for _, clause, stop in _clauses(flat):
        if not clause.strip() or _CONDITION.search(clause):
            continue
        for start, end, kind, _verb in _cues(clause, stop):
            if kind != DECLINED or _REPORTED.search(clause[:start].lower()):
                continue
            english = not _CJK.search(clause[start:end])
            if english or _stands(clause, end):
                return clause[start:end]
    return ""
