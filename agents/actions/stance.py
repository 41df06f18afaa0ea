"""The message's stance towards an action: DECLINED («增值服务就不考虑了», «今年就不续了», "no need for the add-on") or
DONE already («增值服务上个月已经买好了», «已经续签好了», "I already bought the add-on"). Read once per message
(agents.actions.playbook.propose) and applied to every source that could put the action on the card — a rule (its
intent, keywords or a background signal), the catalog's ranking, the computed answer's next step, a part's own reading —
because each of them sees only that the action's subject is mentioned, not what the customer said about it (R15-07: a
negated or already-bought add-on was still sold first; a rule's keywords_none can strip a word but cannot block a rule).

Nothing here knows a tenant. An action is named by the pack's own words for it: the keywords_any of the rules that
propose it, the two-character words of its catalog label and the words of its catalog name (`sell_premium_support`:
"premium support"; `renew_…`: "renew"), each kept only when it names that one action (no other action's name, label
or description holds it: a renewal label's subject that the policy document's description also names, names neither). A stance cue is a closed list of Chinese and English words for declining (不用 / 不需要 / 不考虑 / 不买 / 不续 /
算了 / no need / don't want / won't be) and for having done it (已经…买好 / 办了 / already bought / already signed); it
holds for an action named in the same clause within a few characters of the cue, or, for a cue whose own verb is a
verb only one action's label holds («不续» → 续 of a «续订» label), for that action. Not a stance: an A-not-A question
(«要不要», «需不需要»), a condition («不续的话…», "if we don't renew"), a question about the stance («…不用买吗»), a
negation between the cue and the action («买了主机还没买增值服务»)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Any

DECLINED, DONE = "declined", "done"

# voice transcripts put spaces between words: taken out between Chinese characters so a cue reads as written
_CJK_SPACE = re.compile(
    r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])\s+(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])\s+(?=[\u4e00-\u9fff])"
)
_CLAUSE = re.compile(r"[，,。！!？?；;\n]|\s[-–—]\s|—")
_CJK = re.compile(r"[\u4e00-\u9fff]")

# declining: 不 + a verb of wanting / doing (an A-not-A question «要不要» is ruled out in code), and whole words
_ZH_DECLINE = re.compile(
    r"不(?P<verb>用|要|需要|必|考虑|打算|想|买|续|办|做|签|搞|弄|加)(?!紧|错|然|好意思)|算了|免了|没必要|用不着|没兴趣|不感兴趣|拉倒"
)
# done already: 已(经) … a verb of acquiring (within a few characters), or such a verb + 好/过/了 (not the 续 of 手续 /
# 继续, not the 办 of 怎么办)
_ZH_DONE = re.compile(
    r"已经?[^，,。；;！!？?不没未]{0,6}?(?P<verb>买|办|续|签|购|投保)"
    r"|(?P<verb2>买|(?<![怎咋])办|(?<![手继陆连后持])续|签|购)(?:好了|过了|好|过|了)"
)
_EN_DECLINE = re.compile(
    r"\b(?:no need (?:for|to)|(?:don'?t|do not|doesn'?t|won'?t|will not|not going to|wouldn'?t)\s+(?:need|want|be|bother)\w*"
    r"|not interested|no thanks|no,? thank you|pass on|skip)\b",
    re.I,
)
_EN_DONE = re.compile(
    r"\balready\b(?:\s+\w+){0,3}?\s+(?:bought|got|purchased|signed|renewed|took|added|have|has|paid)\b"
    r"|\b(?:bought|purchased|signed|renewed|got)\b[^.,;!?]{0,30}\balready\b",
    re.I,
)
# not a stance: a condition, or a question about it right after the cue
_CONDITION = re.compile(r"如果|要是|假如|的话|\bif\b|\bunless\b|\bwhether\b", re.I)
_ASKED = re.compile(r"吗|么|嘛|\?|？")
_NEGATED_BETWEEN = re.compile(r"没|未|不|\bnot\b|n't", re.I)
ZH_WINDOW = 10  # characters between a cue and the action's word, either side
EN_WINDOW = 40
ASK_WINDOW = 6  # a 吗 this close after the cue makes it a question

_MEMO_LOCK = threading.Lock()
_MEMO: OrderedDict[tuple[int, str], tuple[Any, dict[str, str]]] = OrderedDict()
_NAMES: OrderedDict[int, tuple[Any, dict[str, str], dict[str, str]]] = OrderedDict()
NAMES_SIZE = 16  # tenants whose naming words are kept (a process serves a few)
MEMO_SIZE = 512
MIN_NAME_WORD = 5  # an action name's verb shorter than this (book, send, sell) names too much
_CUE_CHARS = re.compile(r"[不已经了好过没]")  # a label word holding a cue's character (已有) names nothing


def _words_of(label: str) -> set[str]:
    """The two-character words of a label's Chinese runs."""
    out: set[str] = set()
    for run in re.findall(r"[\u4e00-\u9fff]+", label or ""):
        out |= {run[i : i + 2] for i in range(len(run) - 1)}
    return out


def naming_words(tenant: Any) -> tuple[dict[str, str], dict[str, str]]:
    """word → the one action it names (rule keywords of two characters or more, label words), and verb character → the
    one action whose label holds it (for cues whose verb is the action's own: «不续» → a «续订» label)."""
    hit = _NAMES.get(id(tenant))
    if hit is not None and hit[0] is tenant:
        return hit[1], hit[2]
    texts = {a.name: f"{a.name.replace('_', ' ')} {a.label_zh} {a.description}" for a in tenant.actions}
    owners: dict[str, set[str]] = {}
    for a in tenant.actions:
        for w in _words_of(a.label_zh):
            if not _CUE_CHARS.search(w):
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
            verb = groups.get("verb") or groups.get("verb2") or ""
            out.append((m.start(), m.end(), kind, verb))
    return out


def stances(text: str, tenant: Any) -> dict[str, str]:
    """action name → DECLINED / DONE for every action the message declines or says is done; {} for most messages."""
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
    flat = _CJK_SPACE.sub("", text)
    out: dict[str, str] = {}
    for clause in _CLAUSE.split(flat):
        if not clause.strip() or _CONDITION.search(clause):
            continue
        low = clause.lower()
        for start, end, kind, verb in _cues(clause):
            english = not _CJK.search(clause[start:end])
            window = EN_WINDOW if english else ZH_WINDOW
            named: set[str] = set()
            for w, act in names.items():
                for m in re.finditer(re.escape(w), low):
                    if m.end() <= start:  # the action's word, then the cue («增值服务就不考虑了»)
                        between = clause[m.end() : start]
                    elif (
                        m.start() >= end
                    ):  # the cue, then the action's word («不需要增值服务», "no need for …")
                        between = clause[end : m.start()]
                    else:  # the word is part of the cue («已经续签好了»)
                        between = ""
                    if len(between) <= window and not _NEGATED_BETWEEN.search(between):
                        named.add(act)
            if not named and not english:
                # the cue's own verb, when one action's label holds it («不续了» → a «续订» label)
                named = {verb_of[verb]} if verb in verb_of else set()
            for act in named:
                out.setdefault(act, kind)
    with _MEMO_LOCK:
        _MEMO[key] = (tenant, out)
        while len(_MEMO) > MEMO_SIZE:
            _MEMO.popitem(last=False)
    return out
