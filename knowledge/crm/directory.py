"""Who does a mention in a question belong to? The directory resolves the handles people use for a customer — company
name and its short forms (「宏远物流」 or 「宏远那边」 for 「上海宏远物流有限公司」), a contact's or individual's name or
salutation, a customer id, a VIN (or its last six characters after 「尾号」), a plate, an order, contract or ticket
number — to the customer id and its owning rep, so an ask about someone else's customer can be refused before anything
of theirs is read. It also finds other reps named as owners of a book of customers («赵明的客户»).

It returns ids and owners only (never a fact), reads only mapped columns (never a `never_read` one: a phone number is
therefore not a handle here; asks that look people up by phone are refused upstream), and is built once per CRM and
refreshed after `ttl_s`. Every handle is compiled into one Aho–Corasick automaton, so a message costs one pass over
its characters whatever the size of the CRM (a 10k-customer CRM has ~100k handles)."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import select

from contract.geography import PROVINCES
from knowledge.crm.connector import CrmConnector
from knowledge.crm.described import (
    ORG_PHRASE,
    PERSON,
    People,
    build_people,
    describe_people,
    kind_overlap,
)
from knowledge.crm.mapping import CrmMapping

log = logging.getLogger(__name__)

# generic organisation suffixes (any industry) removed to get a company's short name; the longest first
ORG_SUFFIXES = (
    "集团股份有限公司",
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "集团公司",
    "分公司",
    "总公司",
    "集团",
    "公司",
    "Co., Ltd.",
    "Co.,Ltd.",
    "Co. Ltd.",
    "Ltd.",
    "Ltd",
    "Inc.",
    "Inc",
    "LLC",
    "Corp.",
    "Corp",
    "GmbH",
)
# provinces and municipalities (generic geography, contract/geography.py): a leading one is not part of a company's own name
_PROVINCES_LONGEST_FIRST = sorted(PROVINCES, key=len, reverse=True)
_DIGIT = re.compile(r"\d")
# an identifier without a digit: a plate's region prefix and five or more capitals («沪A·KXQZM»), as the CRM writes it
# (ordinary words are never written so in an id column)
_ID_NO_DIGIT = re.compile(r"[\u4e00-\u9fff]{1,2}[A-Z][A-Z0-9]{4,7}")
LONG_ID = 6
MIN_ORG_PREFIX = 4  # 「宏远物流」 names 「宏远物流有限公司」; three characters would also hit ordinary words
TAIL_ID = 6  # 「尾号366286」: the last six characters of a VIN / serial, said after a tail word
ID_FIELDS = {  # entity → the fields whose values are handles for the row's customer
    "order": ("id",),
    "contract": ("id",),
    "ticket": ("id",),
    "device": ("id",),
}
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CJK_ONLY = re.compile(r"[\u4e00-\u9fff]+")
_SQUASH = re.compile(r"[\s·•\-_/.]")
# a short name (the 2–3 character trade name 「宏远」, a salutation 「许总」) counts only when the words after it point at
# an organisation or a party: 「宏远那边」「宏远他们」「宏远公司」「宏远拿的价」 — never 「长风无阻」 or 「春城的天气」
PARTY_AFTER = (
    r"\s*(?:上次|最近|之前|去年|今年|前几天|现在|那次|上周|上个?月|上礼拜|前天|昨天|刚刚?)?\s*(?:他们|她们|那边|那家|那个|这家|这边|家的|公司|集团|方面|拿|买|签|订|要的|提的"
    # a pointer, a number word and a measure word: what is theirs («X那批», «X那份», «X那几台», «X这辆») — the closed
    # class of measure words for things owned, never «那个» alone («那个» above) nor a place («那里»)
    r"|[那这](?:[一二三四五六七八九十两几些]{1,3}|\d{1,4})?\s*[批单台辆份张部套]"
    r"|的(?:单|订单|合同|价|报价|折扣|优惠|人|情况|资料|老板|经理|采购|负责人|联系人|保养|套餐|工单|质保)"
    r"|的[\u4e00-\u9fff]{1,2}?(?:总|经理|主管|总监|队长)"  # «长风的许总»: someone of theirs, by title
    # what a customer does with the seller: ordered, picked up, bought, renewed, paid («腾飞上周提的…»)
    r"|下单|下了|提了|提[\u4e00-\u9fff]?(?=[了的，,。？?\s]|$)|采购|续约|续签|付款|回款|交付"
)


def _party_after(words: Iterable[str]) -> re.Pattern[str]:
    """PARTY_AFTER plus the customers' own kinds as party words («宏远物流» when 物流 is how customers are named)."""
    return _with_words(PARTY_AFTER, words)


def _with_words(pattern: str, words: Iterable[str]) -> re.Pattern[str]:
    extra = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True) if w)
    return re.compile(pattern + (f"|{extra}" if extra else "") + ")")


PARTY_BEFORE = re.compile(r"(?:给|卖给|跟|和|比|按)\s*$")
# «我是许总», «长风的许总»: a salutation right after «是» or «的» names that person, whatever follows
PERSON_BEFORE = re.compile(r"(?:是|的)\s*$")
# business titles of any industry: «韩经理» is also spoken of as «韩总», «老韩»; a salutation's surname with these
TITLES = ("总", "经理", "主管", "总监", "队长", "老板")
# «那个姓叶的车管经理», «姓韩的那位总监»: a surname said apart from its title names the contact «叶经理» / «韩总监»
SURNAME_APART = re.compile(
    r"姓([\u4e00-\u9fff])的?(?:那位|那个)?[\u4e00-\u9fff]{0,4}?("
    + "|".join(sorted(TITLES, key=len, reverse=True))
    + ")"
)
SURNAME_FORMS = ("老{}", "小{}")
# a customer described instead of named: a place of theirs and the kind of business they are, with a word that makes
# it a description of someone («杭州那家出租公司», «北京做网约车的», «天津的物流车队»), never a bare «杭州出租车»
DESCRIBED_BY = re.compile(r"(?:那|这|某|一|有)[一几]?[家个位批]|[做开跑搞干]$")
# a party noun after the kind; the CRM's own party words (mapping option `party_words`) are added per index
DESCRIBED_AFTER = r"\s*(?:的)?(?:公司|客户|老板|企业|集团|单位|大客户|那家|那个|那位|老总"
MAX_DESCRIBED = (
    5  # a description that fits more customers than this identifies none (the generic words decide)
)
DESCRIPTION_GAP = 8  # characters at most between the place and the kind
MAX_KIND_SHARE = 1 / 3  # a kind word a third of the organisations share («汽车») describes none of them
# a rep named as the owner of a book: 「赵明的客户」「赵明手上那几家」「赵明负责的客户」
BOOK_AFTER = (
    r"\s*(?:手上|手里|名下|负责的|跟的|管的)"  # «赵明手上那几个…»: owned, whatever the noun
    # «高峰那个北京的钻石客户»: one of theirs, pointed at and described before the party noun
    r"|\s*(?:的|那边的?)?\s*(?:那|这)[几些]?[个家位批][\u4e00-\u9fffA-Z0-9]{1,10}?(?:客户|公司|单位|企业)"
    # «Liu Yang's Ningbo customer» (the text is upper-cased): a romanised colleague's name, then what is theirs
    r"|'S\s+(?:[A-Z][A-Z-]*\s+){0,2}?(?:CUSTOMERS?|CLIENTS?|ACCOUNTS?|FLEETS?|BOOK|COMPAN(?:Y|IES))\b"
    r"|\s*(?:的|那边的?)?\s*(?:那|这)?(?:几|些)?[个家位批]?(?:客户|公司|单子|订单|大客户|那几家|几家|那些"
)
# «帮老刘看看他那个宁波的客户», «老王…他那家康复医院»: a colleague, then what is «his» (a verb of looking between); the
# CRM's party words end it too (added per index)
BOOK_HIS = (
    r"\s*(?:帮忙|帮|替)?\s*(?:看看|看一下|看下|查查|查一下|查下|问问|问一下|盯一下|跟一下)?\s*[他她](?:的|那边的?|手上的?)?"
    r"\s*(?:那|这)[几些]?[个家位批][\u4e00-\u9fffA-Z0-9]{0,10}?(?:客户|公司|单位|企业"
)
# «孙悦这周休年假，她那边客户里有谁…», «…已经离职了，他的客户先转给我»: the colleague named, their book pointed back at
# later in the sentence; «…is on holiday this week - which of his accounts…» (the text is upper-cased)
BOOK_LATER = re.compile(
    r"[^。！？!?\n]{0,24}?[他她](?:那边|手上|手里|名下|负责的|跟的|的)的?\s*(?:的)?(?:客户|那些|那几|几家|几个)"
    r"|[^.!?\n]{0,60}?\b(?:HIS|HER)\s+(?:OWN\s+)?(?:CUSTOMERS?|CLIENTS?|ACCOUNTS?|BOOK)\b"
)
# «王某这周休假，他那家做X的客户…»: one of theirs pointed back at and described later in the sentence (the CRM's party
# words end it too, added per index)
BOOK_LATER_ONE = (
    r"[^。！？!?\n]{0,24}?[他她](?:的|那边的?|手上的?)?\s*(?:那|这)[几些]?[个家位批][\u4e00-\u9fffA-Z0-9]{0,10}?"
    r"(?:客户|公司|单位|企业"
)
# a colleague's nickname: «老刘», «小陈», «孙哥» (the surname of exactly one rep; a shared surname names nobody), or
# surname and a title the rep is called by («黄顾问», «刘经理»), unless a customer's contact is called so too
NICKNAMES = ("老{}", "小{}", "{}哥", "{}姐")
REP_TITLES = ("{}顾问", "{}经理", "{}总")
GENDER_HONORIFIC = re.compile(r"(先生|女士|小姐|师傅|老师)$")
TAIL_BEFORE = re.compile(
    r"(?:尾号|尾数|末尾|后六位|后6位|末六位|末6位|最后六位|最后6位|后几位是|车架号|tail|ending(?: in)?"
    r"|last (?:six|6)(?: digits| characters)?(?: of)?)\s*(?:是|为|[:：])?\s*$",
    re.I,
)


# after a trade name: the model code of what it holds, possibly after a possessive («的», Cantonese «嘅»), a pause or an
# English article (the text is upper-cased)
MODEL_AFTER = re.compile(r"\s*(?:的|嘅)?\s*(?:THE\s+)?([A-Z]{1,3}\d{1,3}[A-Z]?)(?![A-Z0-9])")


def squash(text: str) -> str:
    """Compare ids and plates the way people type them: no spaces, dots or dashes, upper case."""
    return _SQUASH.sub("", text.translate(_FOLD)).upper()


# full-width letters, digits and signs («ＳＯ－２５０２»), the ideographic space and the other middle dots («粤B・…»), as
# their plain forms: one character for one, so every offset stays
_FOLD = {
    **{c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)},
    0x3000: " ",
    0x30FB: "·",
    0xFF65: "·",
    0x2027: "·",
    0x2022: "·",
}


def _upper_same_length(text: str) -> str:
    """Upper case that keeps every position (a character whose upper form is longer stays as it is), full-width forms
    folded to plain ones."""
    text = text.translate(_FOLD)
    upper = text.upper()
    if len(upper) == len(text):  # nearly always (CJK and ASCII keep their length)
        return upper
    return "".join(u if len(u := c.upper()) == 1 else c for c in text)


@dataclass(frozen=True)
class Hit:
    customer_id: str
    kind: str  # customer_name | contact_name | customer_id | order | contract | ticket | device | device.<extra>
    value: str  # the handle as written in the CRM
    owner_rep: str = ""
    owner_name: str = ""
    owner_team: str = ""  # the team's name when mapped, else its id
    start: int = -1  # where the text names them (character offsets into the asked text)
    end: int = -1


@dataclass(frozen=True)
class RepHit:
    """Another rep named as the owner of a book of customers: 「赵明的客户」."""

    rep_id: str
    name: str
    team: str
    start: int
    end: int


# match modes: TEXT a substring (names), WORD an id not inside a longer id, PARTY a short name followed by a party
# word, TAIL the last characters of a long id after a tail word, BOOK a rep's name followed by a book word
TEXT, WORD, PARTY, TAIL, BOOK = "text", "word", "party", "tail", "book"
# a contact's own salutation in the CRM with a business title («葛总», «葛经理»), unique among the contacts and of a
# surname no rep has: it names that person wherever it stands, unless the asker's own side says it («我们葛总»)
TITLED = "titled"
# a person's romanised name shorter than LONG_ID letters («Xu Bo», «Ge Lan»): ordinary letters inside words, so only as
# two capitalised words standing alone, surname and given name either way round (ROMAN_PAIR)
PAIR = "pair"
ROMAN_PAIR = re.compile(r"(?<![A-Za-z])(?=([A-Z][a-z]{1,5})\s+([A-Z][a-z]{1,6})(?![A-Za-z]))")  # overlapping
OWN_SIDE_BEFORE = re.compile(r"(?:我们|咱们|我司|我们的|咱们的|我的)\s*$")
PLACE, KIND = "place", "kind"  # parts of a description: matched together only (HandleIndex.describe)
DESCRIPTION = "description"
# a description whose kind of business is not the CRM's word for it («天津做快递的那家»): every organisation in that
# place fits; authorization refuses on general grounds without naming an owner
LOOSE = "description.loose"
GIVEN = "contact_name.given"  # a contact's given name alone («志刚»): often an ordinary word too («国庆»)
GIVEN_AFTER = re.compile(
    # «志刚那边», and in a transcript the name alone, then pointed back at («建国 他那台X7»)
    r"\s*(?:那边|他们|她们|那里|手上|家的|他家)|\s+[他她](?:那|的|家)"
)  # the kind of a Hit found by a description: one hit per customer it fits


class Handle(NamedTuple):  # a tuple: a 10k-customer CRM has ~200k of them
    key: str  # what is searched in the upper-cased text (squashed for ids)
    customer_id: str  # for BOOK: the rep id
    kind: str
    value: str
    mode: str = TEXT


class Automaton:
    """Aho–Corasick over a fixed set of keys: `find(text)` yields (start, end, key index) for every occurrence of every
    key in one pass (pure Python: dict transitions, failure links, outputs merged along the failure chain)."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.goto: list[dict[str, int]] = [{}]
        self.out: list[list[int]] = [[]]
        self.lengths: list[int] = []
        for index, key in enumerate(keys):
            self.lengths.append(len(key))
            node = 0
            for ch in key:
                nxt = self.goto[node].get(ch)
                if nxt is None:
                    nxt = len(self.goto)
                    self.goto[node][ch] = nxt
                    self.goto.append({})
                    self.out.append([])
                node = nxt
            self.out[node].append(index)
        self.fail = [0] * len(self.goto)
        queue = list(self.goto[0].values())
        head = 0
        while head < len(queue):  # breadth first: a node's failure target is finished before its children
            node = queue[head]
            head += 1
            for ch, child in self.goto[node].items():
                queue.append(child)
                f = self.fail[node]
                while f and ch not in self.goto[f]:
                    f = self.fail[f]
                target = self.goto[f].get(ch, 0)
                self.fail[child] = target if target != child else 0
                if self.out[self.fail[child]]:
                    self.out[child] = self.out[child] + self.out[self.fail[child]]

    def find(self, text: str) -> Iterator[tuple[int, int, int]]:
        goto, fail, out, lengths = self.goto, self.fail, self.out, self.lengths
        node = 0
        for i, ch in enumerate(text):
            while node and ch not in goto[node]:
                node = fail[node]
            node = goto[node].get(ch, 0)
            for index in out[node]:
                yield i + 1 - lengths[index], i + 1, index


class HandleIndex:
    """The handles of one CRM compiled for look-up. Pure (no I/O): the directory builds it from the CRM's rows."""

    def __init__(
        self,
        handles: list[Handle],
        owners: dict[str, tuple[str, str, str]],
        party_words: Iterable[str] = (),
        described: dict[str, set[str]] | None = None,
        people: People | None = None,
        org_kinds: dict[str, list[str]] | None = None,
        kinds_en: dict[str, str] | None = None,
    ) -> None:
        self.handles, self.owners = handles, owners
        # «LOGISTICS» → «物流»: the pack's English words for its kinds (mapping option `party_words_en`); with the
        # organisations' places romanised («TIANJIN» → «天津»), English describes them too («the Tianjin logistics fleet»)
        self.kinds_en = {k.upper(): v for k, v in (kinds_en or {}).items() if v}
        self.roman_places = {
            _pinyin(k.split(":", 1)[1]).upper(): k.split(":", 1)[1]
            for k in (described or {})
            if k.startswith(f"{PLACE}:") and _CJK_ONLY.fullmatch(k.split(":", 1)[1])
        }
        self.roman_places.pop("", None)
        self.described = described or {}  # a PLACE or KIND key → the customers it fits
        self.people = people or People()  # individuals, for «北京那个开X5的女士»
        self.org_kinds = org_kinds or {}  # an organisation → its kind words («汽车租赁»)
        self.organisations: frozenset[str] = frozenset()  # organisations by their CRM name (build_index)
        self.party_words = tuple(sorted(set(party_words)))
        self._party_after = _party_after(self.party_words)
        self._book_after = _with_words(BOOK_AFTER, self.party_words)
        self._book_his = _with_words(BOOK_HIS, self.party_words)
        self._book_later_one = _with_words(BOOK_LATER_ONE, self.party_words)
        self._described_after = _with_words(DESCRIBED_AFTER, self.party_words)
        self._person = _with_words(rf"(?:{PERSON}", self.party_words)
        self._kind_keys = {k.split(":", 1)[1] for k in self.described if k.startswith(f"{KIND}:")}
        self._contact_forms = {
            h.key: i for i, h in enumerate(handles) if h.kind == "contact_name" and h.mode in (PARTY, TITLED)
        }
        # an organisation's name typed by its sound with one character wrong («宏远物留» for 「宏远物流」): a pinyin
        # input method's commonest slip. Names of four or more characters only, by their toneless syllables
        self._sounds: dict[int, dict[tuple[str, ...], list[int]]] = {}
        for i, h in enumerate(handles):
            if (
                h.kind == "customer_name"
                and h.mode == TEXT
                and len(h.key) >= SOUND_MIN
                and _CJK_ONLY.fullmatch(h.key)
            ):
                self._sounds.setdefault(len(h.key), {}).setdefault(_syllables(h.key), []).append(i)
        # names (CJK substrings) in one automaton; ids (plates, VINs, order numbers, romanised names) by their tokens
        self._plain = [i for i, h in enumerate(handles) if h.mode not in (WORD, TAIL, PAIR)]
        self._plain_auto = Automaton(handles[i].key for i in self._plain)
        self._ids: dict[str, list[int]] = {}
        self._pairs: dict[str, list[int]] = {}
        for i, h in enumerate(handles):
            if h.mode in (WORD, TAIL):
                self._ids.setdefault(h.key, []).append(i)
            elif h.mode == PAIR:
                self._pairs.setdefault(h.key, []).append(i)

    def _accept(self, h: Handle, upper: str, start: int, end: int) -> bool:
        if h.mode == TEXT:
            return True
        if h.mode == WORD:
            return True  # id tokens are whole tokens by construction
        if h.mode == TITLED:
            return not OWN_SIDE_BEFORE.search(upper[max(0, start - 4) : start]) and not _inside_cjk_name(
                upper, start
            )
        if h.mode in (PLACE, KIND):
            return False  # only as part of a description (scan pairs them)
        if h.kind == GIVEN:  # only when plainly a person's side: «志刚那边», never «国庆的保养活动»
            return GIVEN_AFTER.match(upper, end) is not None and not _inside_cjk_name(upper, start)
        if (
            h.kind == "contact_name"
            and h.mode == PARTY
            and PERSON_BEFORE.search(upper[max(0, start - 2) : start])
        ):
            return not _inside_cjk_name(upper, start)  # «我是许总», «长风的许总»
        if h.mode == PARTY and PARTY_BEFORE.search(upper[max(0, start - 3) : start]):
            return not _inside_cjk_name(
                upper, start
            )  # «你们给方舟打的几折», «卖给蓝海的»: the object of a sale
        if h.mode == BOOK and (
            self._book_his.match(upper, end)
            or BOOK_LATER.match(upper, end)
            or self._book_later_one.match(upper, end)
        ):
            return not _inside_cjk_name(upper, start)
        if (
            h.mode == PARTY
            and h.kind == "customer_name"
            and self._holds_model_after(h.customer_id, upper, end)
        ):
            # «某甲的X3», «某乙 the Q5», «X嘅X5»: a trade name, then a model the CRM says that customer holds
            return not _inside_cjk_name(upper, start)
        if h.mode == PARTY or h.mode == BOOK:
            after = self._party_after if h.mode == PARTY else self._book_after
            return after.match(upper, end) is not None and not _inside_cjk_name(upper, start)
        if h.mode == TAIL:
            return TAIL_BEFORE.search(upper[max(0, start - 12) : start]) is not None
        return False

    def _holds_model_after(self, customer_id: str, upper: str, end: int) -> bool:
        """Right after a trade name: (a possessive, a pause, an English article, then) a model code the customer holds
        in the CRM («的X3», « the Q5», «嘅X5»). Another model, or none, is no sign the name is theirs."""
        m = MODEL_AFTER.match(upper, end)
        return m is not None and customer_id in self.people.owns.get(m.group(1), ())

    def trade_names(self, customer_id: str) -> tuple[str, ...]:
        """The short names (trade names) by which the text may name this customer («宏远» of 「上海宏远物流有限公司」),
        as the CRM's names give them; () for a customer without one (a person)."""
        return tuple(
            h.value if h.mode != PARTY else h.key
            for h in self.handles
            if h.customer_id == customer_id and h.kind == "customer_name" and h.mode == PARTY
        )

    def scan(self, text: str) -> tuple[list[Hit], list[RepHit]]:
        upper = _upper_same_length(text)
        found: dict[str, Hit] = {}
        reps: dict[str, RepHit] = {}

        def add(h: Handle, start: int, end: int) -> None:
            if h.mode == BOOK:
                if h.customer_id not in reps:
                    reps[h.customer_id] = RepHit(h.customer_id, h.value, h.kind, start, end)
                return
            seen = found.get(h.customer_id)
            if seen is not None and (seen.start, -seen.end) <= (
                start,
                -end,
            ):  # first named, longest handle there
                return
            owner, owner_name, team = self.owners.get(h.customer_id, ("", "", ""))
            found[h.customer_id] = Hit(h.customer_id, h.kind, h.value, owner, owner_name, team, start, end)

        places: list[tuple[int, int, str]] = []
        kinds: list[tuple[int, int, str]] = []
        for start, end, k in self._plain_auto.find(upper):
            h = self.handles[self._plain[k]]
            if h.mode == PLACE:
                places.append((start, end, h.key))
            elif h.mode == KIND:
                kinds.append((start, end, h.key))
            elif self._accept(h, upper, start, end):
                add(h, start, end)
        if places or self.people.owns:
            for start, end, cids, _said, kind in self.describe(upper, places, kinds):
                for cid in sorted(cids):
                    # also when a handle names them too («深圳那家租车公司的蒋经理»): the phrase is theirs
                    key = cid if cid not in found else f"{cid} {kind}"
                    if key not in found:
                        owner, owner_name, team = self.owners.get(cid, ("", "", ""))
                        found[key] = Hit(cid, kind, text[start:end], owner, owner_name, team, start, end)
        for start, end, cids, _said in self.describe_orgs_en(upper):
            for cid in sorted(cids):
                key = cid if cid not in found else f"{cid} {DESCRIPTION}"
                if key not in found:
                    owner, owner_name, team = self.owners.get(cid, ("", "", ""))
                    found[key] = Hit(cid, DESCRIPTION, text[start:end], owner, owner_name, team, start, end)
        for m in SURNAME_APART.finditer(upper):
            form = self._contact_forms.get(m.group(1) + m.group(2))
            if form is not None:
                add(self.handles[form], m.start(), m.end())
        for m in ROMAN_PAIR.finditer(text) if self._pairs else ():  # «Xu Bo's car», as typed (capitalised)
            for k in self._pairs.get(f"{m.group(1)} {m.group(2)}".upper(), ()):
                add(self.handles[k], m.start(1), m.end(2))
        for start, end, key in id_tokens(spoken_digits(upper)):
            for k in self._ids.get(key, ()):
                h = self.handles[k]
                if self._accept(h, upper, start, end):
                    add(h, start, end)
        for start, end, k in self._sounded(upper):
            h = self.handles[k]
            if h.customer_id not in found:
                owner, owner_name, team = self.owners.get(h.customer_id, ("", "", ""))
                found[h.customer_id] = Hit(
                    h.customer_id, f"{h.kind}.sound", h.value, owner, owner_name, team, start, end
                )
        hits = sorted(found.values(), key=lambda x: x.start)
        return hits, sorted(reps.values(), key=lambda r: r.start)

    def _sounded(self, upper: str) -> Iterator[tuple[int, int, int]]:
        """Organisation names said by their sound with exactly one character different (a homophone typo)."""
        if not self._sounds or not _CJK.search(upper):
            return
        sounds = [_syllable(c) if _CJK.match(c) else "" for c in upper]
        for n, by_sound in self._sounds.items():
            for start in range(len(upper) - n + 1):
                window = sounds[start : start + n]
                if not all(window):
                    continue
                for k in by_sound.get(tuple(window), ()):
                    key = self.handles[k].key
                    if sum(a != b for a, b in zip(key, upper[start : start + n], strict=True)) == 1:
                        yield start, start + n, k

    def describe(
        self, upper: str, places: list[tuple[int, int, str]], kinds: list[tuple[int, int, str]]
    ) -> Iterator[tuple[int, int, set[str], str, str]]:
        """Customers described instead of named: (start, end, the customers it fits, the phrase, the hit's kind).
        Organisations by a place of theirs and their kind of business («杭州那家出租公司», «北京做网约车的», «天津的
        物流车队»), individuals by place, what they own and surname (knowledge/crm/described.py)."""
        described_places: set[int] = set()
        for start, end, cids, said in self.describe_orgs(upper, places, kinds):
            described_places.add(start)
            yield start, end, cids, said, DESCRIPTION
        for p_start, p_end, place in places:
            if p_start not in described_places:
                yield from self.describe_loosely(upper, p_start, p_end, place)
        for d in describe_people(upper, self.people, places, self._person):
            yield d.start, d.end, set(d.fits), d.said, DESCRIPTION

    def describe_loosely(
        self, upper: str, p_start: int, p_end: int, place: str
    ) -> Iterator[tuple[int, int, set[str], str, str]]:
        """«苏州那家做租车的», «天津做快递的那家»: a place, a pointing or doing word and a kind that is not the CRM's
        word. The organisations there whose kind words hold most of its characters fit («租车» → 「汽车租赁」); when
        none does and the CRM knows no such kind at all, every organisation there fits, loosely."""
        m = ORG_PHRASE.match(upper, p_end)
        orgs = self.described.get(f"{PLACE}:{place}", set())
        if m is None or not orgs:
            return
        said = m.group(1)
        close = {c for c in orgs if kind_overlap(said, self.org_kinds.get(c, ())) >= 0.5}
        if close and len(close) <= MAX_DESCRIBED:
            yield p_start, m.end(), close, upper[p_start : m.end()], DESCRIPTION
        elif not close and len(orgs) <= MAX_DESCRIBED and not any(k in said for k in self._kind_keys):
            yield p_start, m.end(), set(orgs), upper[p_start : m.end()], LOOSE

    def describe_orgs(
        self, upper: str, places: list[tuple[int, int, str]], kinds: list[tuple[int, int, str]]
    ) -> Iterator[tuple[int, int, set[str], str]]:
        """Organisations by a place and a kind word of the CRM's, with a word that makes the phrase a description of
        someone (a determiner between, «做/开» before the kind, or a party noun after it), so «杭州的出租车多少钱»
        describes nobody."""
        for p_start, p_end, place in places:
            for k_start, k_end, kind in kinds:
                gap = upper[p_end:k_start]
                if k_start < p_end or len(gap) > DESCRIPTION_GAP or _CLAUSE_BREAK.search(gap):
                    continue
                if not (DESCRIBED_BY.search(gap) or self._described_after.match(upper, k_end)):
                    continue
                cids = self.described.get(f"{PLACE}:{place}", set()) & self.described.get(
                    f"{KIND}:{kind}", set()
                )
                if (
                    0 < len(cids) <= MAX_DESCRIBED
                ):  # «上海那家物流公司» among hundreds describes nobody in particular
                    m = self._described_after.match(upper, k_end)
                    end = m.end() if m else k_end
                    yield p_start, end, cids, upper[p_start:end]

    def describe_orgs_en(self, upper: str) -> Iterator[tuple[int, int, set[str], str]]:
        """«the Tianjin logistics fleet», «the beijing rental guys», «a taxi company in Nanjing»: a romanised place of
        the organisations' and one of the pack's English kind words within a few words of it, in one clause."""
        if not self.kinds_en or not self.roman_places:
            return
        words = [(m.start(), m.end(), m.group()) for m in _EN_WORD.finditer(upper)]
        for i, (p_start, p_end, word) in enumerate(words):
            place = self.roman_places.get(word)
            if place is None:
                continue
            near = [
                *words[max(0, i - EN_DESCRIPTION_WORDS) : i],
                *words[i + 1 : i + 1 + EN_DESCRIPTION_WORDS],
            ]
            for k_start, k_end, kind_word in near:
                kind = self.kinds_en.get(kind_word) or self.kinds_en.get(kind_word.removesuffix("S"))
                lo, hi = min(p_start, k_start), max(p_end, k_end)
                if kind is None or _CLAUSE_BREAK.search(upper[lo:hi]):
                    continue
                cids = self.described.get(f"{PLACE}:{place}", set()) & self.described.get(
                    f"{KIND}:{kind}", set()
                )
                if not cids:  # a pack's «rental» is 「租赁」, a customer's name says 「租车」: close enough
                    cids = {
                        c
                        for c in self.described.get(f"{PLACE}:{place}", set())
                        if kind_overlap(kind, self.org_kinds.get(c, ())) >= 0.5
                    }
                if 0 < len(cids) <= MAX_DESCRIBED:
                    yield lo, hi, cids, upper[lo:hi]
                    break

    def scan_linear(self, text: str) -> list[str]:
        """The old way (every handle searched in turn), kept only for the benchmark's comparison: customer ids."""
        upper = _upper_same_length(text)
        squashed = squash(text)
        out = []
        for h in self.handles:
            at = upper.find(h.key)
            if at < 0 and h.mode == WORD and len(h.key) >= LONG_ID:
                at = squashed.find(h.key)
            if at >= 0:
                out.append(h.customer_id)
        return list(dict.fromkeys(out))


_RUN = re.compile(r"[A-Z0-9]+")
_EN_WORD = re.compile(r"[A-Z][A-Z-]*")
EN_DESCRIPTION_WORDS = (
    3  # «the Tianjin logistics fleet»: the kind word this many words from the place at most
)
_CLAUSE_BREAK = re.compile(r"[。！？!?；;，,\n]")
MAX_ID_PARTS = 8  # «SO 2611 009», «沪 7QR 20», a plate spoken character by character («沪A K 1 2 3 4»)


_CN_DIGITS = str.maketrans("零〇一二三四五六七八九幺", "001234567891")
_CN_DIGIT_RUN = re.compile(r"[零〇一二三四五六七八九幺]+")


def spoken_digits(upper: str) -> str:
    """Digits said or typed as Chinese numerals inside an id («浙B Q零八一二», «K零五零六» in a transcript) as ASCII
    digits, character for character (offsets unchanged): only a run of two or more next to an id's letters or digits,
    or a single one between two of them, so «一下», «五六台» elsewhere stay as they are."""
    out = None
    for m in _CN_DIGIT_RUN.finditer(upper):
        # read back through what is converted already: «SO 二五零七 零二七» is one id in two runs
        before = ("".join(out[: m.start()]) if out is not None else upper[: m.start()]).rstrip(" ·・.-")
        after = upper[m.end() :].lstrip(" ·・.-")
        by_before = before[-1:].isascii() and before[-1:].isalnum()
        by_after = after[:1].isascii() and after[:1].isalnum()
        # one numeral alone only between two pieces of the id («浙A 九C七一五»)
        if (by_before or by_after) if len(m.group()) > 1 else (by_before and by_after):
            out = out if out is not None else list(upper)
            out[m.start() : m.end()] = m.group().translate(_CN_DIGITS)
    return "".join(out) if out is not None else upper


def id_tokens(upper: str) -> Iterator[tuple[int, int, str]]:
    """Every way the text can spell an id: each run of letters and digits; runs joined across separators only
    (spaces, dots, dashes) when the result is at least LONG_ID long (a short id must be typed as it is: «K 001» is not
    K001); each with the CJK character just before it when there is one (a plate's province, 「沪A·12345」)."""
    runs = [(m.start(), m.end(), m.group()) for m in _RUN.finditer(upper)]

    def glued(a: int, b: int) -> bool:  # runs a and b joined by separators without a space: «SO-02790-001»
        gap = upper[runs[a][1] : runs[b][0]]
        return bool(gap) and all(_SQUASH.match(c) and not c.isspace() for c in gap)

    for i, (start, _, _) in enumerate(runs):
        # a run glued to runs on both sides is the middle of one id (an order number's digits): no id starts there
        # («SO-02790-001» does not name the plate 「沪·02790」)
        inner = 0 < i < len(runs) - 1 and glued(i - 1, i) and glued(i, i + 1)
        prefix_at = start - 1
        while prefix_at >= 0 and _SQUASH.match(upper[prefix_at]):
            prefix_at -= 1
        prefix = upper[prefix_at] if prefix_at >= 0 and _CJK.match(upper[prefix_at]) else ""
        joined = ""
        for j in range(i, min(i + MAX_ID_PARTS, len(runs))):
            if j > i and not all(_SQUASH.match(c) for c in upper[runs[j - 1][1] : runs[j][0]]):
                break
            joined += runs[j][2]
            end = runs[j][1]
            if not inner and (j == i or len(joined) >= LONG_ID):
                yield start, end, joined
                if prefix:
                    yield prefix_at, end, prefix + joined
            elif not inner and prefix and len(prefix + joined) >= LONG_ID:
                # a plate typed with spaces inside («沪 A12 34X»): its pieces are short, the province makes it whole
                yield prefix_at, end, prefix + joined


def _inside_cjk_name(text: str, start: int) -> bool:
    """A short name right after another CJK character that starts a longer known word is still a mention; only an
    ASCII letter glued in front disqualifies it («Hongyuan» handles are WORD keys)."""
    before = text[start - 1] if start > 0 else ""
    return before.isascii() and before.isalpha()


class CustomerDirectory:
    def __init__(self, connector: CrmConnector, mapping: CrmMapping, *, ttl_s: float = 300.0) -> None:
        self.connector, self.mapping, self.ttl_s = connector, mapping, ttl_s
        self._index = HandleIndex([], {})
        self._org_words_en: tuple[str, ...] = ()
        self._loaded = -1.0
        self._refreshing = False
        self._lock = threading.Lock()

    # ---- loading ----------------------------------------------------------------------------------------------------
    def _rows(self, entity: str, fields: dict[str, str]) -> list[dict[str, Any]]:
        """`fields`: label → canonical field or `extra.<name>`; only mapped ones are read."""
        m = self.mapping
        if entity not in m.entities:
            return []
        ent = m.entities[entity]
        cols = []
        for label, f in fields.items():
            if f.startswith("extra."):
                extra = ent.extra.get(f.removeprefix("extra."))
                if extra is not None and not getattr(extra, "never_read", False):
                    cols.append(m.raw_col(entity, extra.column).label(label))
            elif m.has(entity, f):
                cols.append(m.col(entity, f).label(label))
        if not cols:
            return []
        with self.connector.session() as s:
            return s.rows(select(*cols).select_from(m.table(entity)), {})

    def _load(self) -> None:
        reps = {
            str(r["id"]): (str(r.get("name") or ""), str(r.get("team_name") or r.get("team") or ""))
            for r in self._rows("rep", {"id": "id", "name": "name", "team": "team", "team_name": "team_name"})
            if r.get("id")
        }
        customers = [
            (str(r.get("id") or ""), str(r.get("name") or "").strip(), str(r.get("owner") or ""),
             (str(r.get("city") or ""), str(r.get("region") or "")))
            for r in self._rows("customer", {"id": "id", "name": "name", "owner": "owner_rep", "city": "city",
                                             "region": "region"})
        ]  # fmt: skip
        contacts = [
            (
                str(r.get("cid") or ""),
                str(r.get("name") or "").strip(),
                str(r.get("salutation") or "").strip(),
            )
            for r in self._rows(
                "contact", {"cid": "customer_id", "name": "name", "salutation": "extra.salutation"}
            )
        ]
        records: list[tuple[str, str, str]] = []  # (customer id, kind, value)
        for entity, id_fields in ID_FIELDS.items():
            if entity not in self.mapping.entities or not self.mapping.has(entity, "customer_id"):
                continue
            ent = self.mapping.entities[entity]
            wanted = {f"f_{f}": f for f in id_fields}
            # identifier-like extra columns (a plate, a serial): string values that carry a digit
            wanted |= {f"x_{k}": f"extra.{k}" for k, e in ent.extra.items() if e.type == "string"}
            for r in self._rows(entity, {"cid": "customer_id", **wanted}):
                for label in wanted:
                    kind = entity if label.startswith("f_") else f"{entity}.{label[2:]}"
                    records.append((str(r.get("cid") or ""), kind, str(r.get(label) or "").strip()))
        # what each customer owns, as a description may say it («开X5的»): their devices' names and product ids
        owned = [
            (str(r.get("cid") or ""), f"{r.get('name') or ''} {r.get('product') or ''}")
            for r in self._rows("device", {"cid": "customer_id", "name": "name", "product": "product_id"})
        ]
        # how this company's people speak of customers as a kind (「车队」, 「门诊」): the mapping's customer option
        said = [str(w) for w in self.mapping.option("customer", "party_words", []) or [] if str(w).strip()]
        # the same in English («Logistics», «Taxi», «Hospital»): what ends a company's English name in this industry
        # (a mapping of each to the CRM's own kind word, «Logistics: 物流», also lets English describe a customer)
        said_en = self.mapping.option("customer", "party_words_en", []) or []
        kinds_en = (
            {str(k).strip(): str(v or "").strip() for k, v in said_en.items()}
            if isinstance(said_en, dict)
            else {}
        )
        self._org_words_en = tuple(str(w).strip() for w in said_en if str(w).strip())
        self._index = build_index(customers, contacts, records, reps, said, owned, kinds_en)
        self._loaded = time.monotonic()

    def _fresh(self) -> HandleIndex:
        """The first look-up builds the index; later a stale one is rebuilt in the background while the current one
        keeps answering (a 10k-customer CRM takes seconds to compile; no ask should wait for that)."""
        with self._lock:
            if self._loaded < 0:
                self._load()
            elif time.monotonic() - self._loaded > self.ttl_s and not self._refreshing:
                self._refreshing = True
                threading.Thread(target=self._refresh, name="crm-directory-refresh", daemon=True).start()
            return self._index

    def _refresh(self) -> None:
        try:
            self._load()
        except Exception:  # noqa: BLE001 — a failed refresh keeps the previous index; the next stale look-up retries
            log.warning("CRM directory refresh failed; keeping the previous index", exc_info=True)
            self._loaded = time.monotonic() - self.ttl_s / 2  # retry after half a TTL, not on every look-up
        finally:
            self._refreshing = False

    # ---- lookup -----------------------------------------------------------------------------------------------------
    def index(self) -> HandleIndex:
        """The compiled handles as they are now (read-only: ids, owners and the names the CRM gives, never a fact);
        for readers that need the names themselves (agents/authz_reading.py)."""
        return self._fresh()

    def trade_names(self, customer_id: str) -> tuple[str, ...]:
        """The trade names by which a text may name this customer («宏远»): HandleIndex.trade_names."""
        return self._fresh().trade_names(customer_id)

    def lookup(self, text: str) -> list[Hit]:
        """Every customer a handle in the text names, once each, in the order first named."""
        return self._fresh().scan(text)[0]

    def is_organisation(self, customer_id: str) -> bool:
        """The customer is an organisation by its CRM name (a legal form, or the bare name of one): ids only."""
        return customer_id in self._fresh().organisations

    def party_words(self) -> tuple[str, ...]:
        """How this CRM's organisation customers name their kind («物流», «租赁»): words for «其他…» asks."""
        return self._fresh().party_words

    def org_words_en(self) -> tuple[str, ...]:
        """The English words that end this industry's company names («Logistics», «Rental»; mapping option
        `party_words_en`), for «What did Hongyuan Logistics pay?»: none in product code."""
        self._fresh()
        return self._org_words_en

    def reps_named(self, text: str) -> list[RepHit]:
        """Reps the text names as owners of customers («赵明的客户», «赵明手上那几家»)."""
        return self._fresh().scan(text)[1]


def build_index(
    customers: Sequence[tuple[str, str, str, tuple[str, ...]]],
    contacts: Sequence[tuple[str, str, str]],
    records: Sequence[tuple[str, str, str]],
    reps: dict[str, tuple[str, str]],
    party_words: Iterable[str] = (),
    owned: Sequence[tuple[str, str]] = (),
    kinds_en: dict[str, str] | None = None,
) -> HandleIndex:
    """customers: (id, name, owner rep, places); contacts: (customer id, name, salutation); records: (customer id,
    kind, value) of orders, contracts, tickets, devices and their id-like columns; reps: id → (name, team); owned:
    (customer id, a device's name or product id), what a description may say they own («开X5的»)."""
    handles: list[Handle] = []
    owners: dict[str, tuple[str, str, str]] = {}
    kinds: set[str] = (
        set()
    )  # the industry part of organisation names, after the trade name: 「物流」「汽车租赁」
    short: list[
        tuple[str, str, str, str]
    ] = []  # (short name, customer id, kind, full name): kept when unambiguous
    for cid, name, owner, places in customers:
        if not cid:
            continue
        owners[cid] = (owner, *reps.get(owner, ("", "")))
        handles.append(Handle(squash(cid), cid, "customer_id", cid, WORD))
        for key in name_keys(name, places):
            handles.append(_name_handle(key, cid, "customer_name", name))
        kinds.update(kind_words(name, places))
        for key in short_names(name, places):
            short.append((key, cid, "customer_name" if _CJK.search(key) else "customer_name.roman", name))
    rep_surnames = {name[0] for name, _ in reps.values() if name}
    titled: set[str] = set()
    for cid, name, salutation in contacts:
        if cid and len(name) >= 2:
            handles.append(_name_handle(name, cid, "contact_name", name))
        # 「韩经理」「许总」 name someone; 「王先生」「李女士」 could be anyone
        if cid and len(salutation) >= 2 and salutation != name and not GENDER_HONORIFIC.search(salutation):
            short.append((salutation, cid, "contact_name", name))
            if salutation.endswith(TITLES) and name[:1] == salutation[:1] and name[:1] not in rep_surnames:
                titled.add(salutation)
            for form in surname_forms(name, salutation, rep_surnames):
                short.append((form, cid, "contact_name", name))
        if cid and len(name) == 3 and all(_CJK.match(c) for c in name):  # 「建国」 of 「宋建国」
            short.append((name[1:], cid, GIVEN, name))
    # «Lin Xiao's service history»: a person's full name romanised, either order; shorter than LONG_ID letters
    # («He Wei») it is ordinary letters too
    for cid, name, _, _ in customers:
        roman = _pinyin_words(name) if cid and is_individual(name) and len(name) in (2, 3) else ""
        if roman and len(roman.replace(" ", "")) >= LONG_ID:
            for key in {roman, " ".join(reversed(roman.split(" ", 1)))}:
                short.append((key.replace(" ", ""), cid, "customer_name", name))
    # «Ge Lina»: a contact's full name romanised, as for individual customers (not again when the contact is the
    # individual customer themself)
    said_of = {(key, cid) for key, cid, *_ in short}
    for cid, name, _ in contacts:
        roman = _pinyin_words(name) if cid and is_individual(name) and len(name) in (2, 3) else ""
        if roman and len(roman.replace(" ", "")) >= LONG_ID:
            for key in {roman, " ".join(reversed(roman.split(" ", 1)))}:
                if (key.replace(" ", ""), cid) not in said_of:
                    short.append((key.replace(" ", ""), cid, "contact_name", name))
    # «Xu Bo», «Ge Lan»: shorter than LONG_ID letters, only as two capitalised words (PAIR), when one customer has it
    # (an individual customer who is also their own contact is said once, as the customer)
    pairs: dict[tuple[str, str], tuple[str, str]] = {}
    named = [(c, n, "customer_name") for c, n, _, _ in customers] + [
        (c, n, "contact_name") for c, n, _ in contacts
    ]
    for cid, name, kind in named:
        roman = _pinyin_words(name) if cid and is_individual(name) and len(name) in (2, 3) else ""
        if roman and " " in roman and len(roman.replace(" ", "")) < LONG_ID:
            for key in {roman, " ".join(reversed(roman.split(" ", 1)))}:
                pairs.setdefault((key.upper(), cid), (kind, name))
    customers_of_pair = Counter(key for key, _ in pairs)
    for (key, cid), (kind, name) in pairs.items():
        if customers_of_pair[key] == 1:
            handles.append(Handle(key, cid, kind, name, PAIR))
    short = list(dict.fromkeys(short))
    customers_of_short = Counter(key for key, *_ in short)
    taken = {h.key for h in handles}
    for key, cid, kind, name in short:
        upper = _upper_same_length(key)
        if customers_of_short[key] == 1 and upper not in taken:  # 「韩经理」 of two customers names neither
            mode = (TITLED if key in titled else PARTY) if _CJK.search(key) else WORD
            handles.append(Handle(upper, cid, kind, name, mode))
    for cid, kind, value in records:
        if (
            cid
            and len(squash(value)) >= 5
            and (_DIGIT.search(value) or _ID_NO_DIGIT.fullmatch(_SQUASH.sub("", value)))
        ):
            handles.append(Handle(squash(value), cid, kind, value, WORD))
            tail = _plate_tail(value)
            if tail:  # 「12345」 of 「浙A·12345」
                handles.append(Handle(tail, cid, kind, value, WORD))
            if kind.startswith("device") and len(squash(value)) >= 10:  # 「尾号366286」 of a VIN or serial
                handles.append(Handle(squash(value)[-TAIL_ID:], cid, kind, value, TAIL))
    salutations = {salutation for _, _, salutation in contacts if salutation}
    contact_given = {name[1:] for _, name, _ in contacts if len(name) == 3} | {
        name[1:] for _, name, _, _ in customers if is_individual(name) and len(name) == 3
    }
    rep_surname_count = Counter(
        name[0] for name, _ in reps.values() if len(name) >= 2 and _CJK.match(name[0])
    )
    for rep_id, (name, team) in reps.items():
        if len(name) >= 2:
            handles.append(Handle(_upper_same_length(name), rep_id, team, name, BOOK))
        if len(name) in (2, 3) and _CJK_ONLY.fullmatch(name) and rep_surname_count[name[0]] == 1:
            for form in NICKNAMES:  # «老刘», «孙哥»: only before a book word (BOOK_AFTER), like the full name
                handles.append(Handle(form.format(name[0]), rep_id, team, name, BOOK))
            for form in REP_TITLES:  # «黄顾问»: not when a contact is addressed so («陈经理» of a customer)
                if form.format(name[0]) not in salutations:
                    handles.append(Handle(form.format(name[0]), rep_id, team, name, BOOK))
            # «思远手上那个…», «建国那边的客户»: colleagues call one another by the given name; only before a book word,
            # like the full name, and not when a customer's contact has that given name too
            if len(name) == 3 and name[1:] not in contact_given:
                handles.append(Handle(name[1:], rep_id, team, name, BOOK))
            if (
                len(name) == 2
            ):  # «浩哥手里那个…», «蕾姐那边的客户»: a one-character given name with a familiar address
                for form in ("{}哥", "{}姐"):
                    handles.append(Handle(form.format(name[1]), rep_id, team, name, BOOK))
            roman = _pinyin_words(name)
            if roman:  # «Liu Yang's customer»: the romanised name, said either way round
                for key in {roman, " ".join(reversed(roman.split(" ", 1)))}:
                    handles.append(Handle(key.upper(), rep_id, team, name, BOOK))
    described = describing_keys(customers)
    individuals = [(cid, name, places) for cid, name, _, places in customers if cid and is_individual(name)]
    people = build_people(
        individuals,
        [(cid, salutation) for cid, _, salutation in contacts if cid],
        owned,
        {p: _pinyin(p.rstrip("市省")).upper() for _, _, places in individuals for p in places if p},
    )
    place_keys = {*described, *(f"{PLACE}:{p}" for p in people.places if _CJK.search(p))}
    handles += [
        Handle(key.split(":", 1)[1], "", key.split(":", 1)[0], key, key.split(":", 1)[0])
        for key in place_keys
    ]
    org_kinds = {cid: kind_words(name, places) for cid, name, _, places in customers if cid}
    index = HandleIndex(
        handles,
        owners,
        {*kinds, *party_words},
        described,
        people,
        {c: k for c, k in org_kinds.items() if k},
        kinds_en,
    )
    # the customers that are organisations by their CRM name (a legal form, or an organisation's bare name): ids only
    index.organisations = frozenset(cid for cid, name, _, _ in customers if cid and _org_core(name))
    return index


def is_individual(name: str) -> bool:
    """A person's name (two to four CJK characters, no organisation suffix), not a company's."""
    name = name.strip()
    return 2 <= len(name) <= 4 and bool(_CJK.fullmatch(name[0])) and _strip_suffix(name) == name


def surname_forms(name: str, salutation: str, rep_surnames: set[str]) -> list[str]:
    """How a contact with a business title is also spoken of: 「韩经理」 → 「韩总」「韩主管」「老韩」「小韩」. Not for a
    surname one of the company's own reps shares (「陈经理」 may be the rep), nor for a gender honorific."""
    if not name or not _CJK.match(name[0]) or name[0] in rep_surnames or not salutation.startswith(name[0]):
        return []
    surname = name[0]
    return [f"{surname}{t}" for t in TITLES] + [f.format(surname) for f in SURNAME_FORMS]


def describing_keys(customers: Sequence[tuple[str, str, str, tuple[str, ...]]]) -> dict[str, set[str]]:
    """«place:杭州» / «kind:出租» → the organisations a description with them fits. A kind is the part of the name after
    the trade name (「出租汽车」) and its first and last two characters (「出租」「汽车」), minus any a third of the
    organisations share (「汽车」 describes none of them)."""
    out: dict[str, set[str]] = {}
    orgs = 0
    for cid, name, _, places in customers:
        words = kind_words(name, places)
        if not cid or not words:
            continue
        orgs += 1
        for w in words:
            for key in {w, w[:2], w[-2:]}:
                out.setdefault(f"{KIND}:{key}", set()).add(cid)
        for place in places:
            if len(place) >= 2:
                out.setdefault(f"{PLACE}:{_upper_same_length(place)}", set()).add(cid)
                if place[-1] in "市省" and len(place) >= 3:
                    out.setdefault(f"{PLACE}:{place[:-1]}", set()).add(cid)
    return {
        k: v
        for k, v in out.items()
        if not (k.startswith(f"{KIND}:") and orgs >= 3 and len(v) > orgs * MAX_KIND_SHARE)
    }


def _name_handle(key: str, cid: str, kind: str, value: str) -> Handle:
    if _CJK.search(key):
        return Handle(_upper_same_length(key), cid, kind, value, TEXT)
    return Handle(squash(key), cid, kind, value, WORD)


def _plate_tail(value: str) -> str:
    """The part after a plate's separator when it is id-like on its own (five or more characters, a digit)."""
    parts = re.split(r"[·•\-\s]", value.strip())
    if len(parts) != 2 or not _CJK.search(parts[0]):
        return ""
    tail = parts[1].upper()
    return tail if len(tail) >= 5 and tail.isalnum() and any(c.isdigit() for c in tail) else ""


MIN_BARE_ORG = (
    5  # 「某某康复医院」: a CJK name this long with no legal suffix is an organisation's, not a person's
)


def _org_core(name: str) -> str:
    """An organisation's name without its legal suffix (「宏远物流」 of 「宏远物流有限公司」), or the whole name of one
    that has none (「某某康复医院」, 「某某经销部」); "" for a person's name."""
    name = name.strip()
    core = _strip_suffix(name)
    if core != name:
        return core
    return name if len(name) >= MIN_BARE_ORG and _CJK_ONLY.fullmatch(name) else ""


def _strip_suffix(name: str) -> str:
    for suffix in ORG_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)].strip()
    return name


def _strip_places(core: str, places: tuple[str, ...]) -> str:
    """「上海宏远物流」 → 「宏远物流」: the customer's own city/region columns, then a province or municipality, then a
    leading 「…市」「…省」 of two or three characters."""
    for _ in range(2):  # 「浙江杭州…」: a province and a city
        before = core
        candidates = sorted(
            {p for p in places if p} | {p.rstrip("市省") for p in places if p}, key=len, reverse=True
        )
        for form in [*candidates, *_PROVINCES_LONGEST_FIRST]:
            if form and core.startswith(form) and len(core) - len(form) >= 2:
                core = core[len(form) :].lstrip("省市区县")
                break
        else:
            m = re.match(r"^[\u4e00-\u9fff]{2,3}[市省]", core)
            if m and len(core) - m.end() >= 2:
                core = core[m.end() :]
        if core == before:
            break
    return core


def name_keys(name: str, places: tuple[str, ...] = ()) -> list[str]:
    """The full name, and for an organisation its short forms: without the legal suffix and the leading city/region
    (「上海宏远物流有限公司」 → 「宏远物流」), each prefix of at least MIN_ORG_PREFIX characters (「长风出租」 of
    「长风出租汽车」). A person's name (no suffix) is only itself."""
    name = name.strip()
    if len(name) < 2:
        return []
    core = _org_core(name)
    if not core:
        return [name]
    keys = [name, core]
    core = _strip_places(core, places)
    keys.append(core)
    if _CJK.search(core):
        keys += [core[:n] for n in range(MIN_ORG_PREFIX, len(core))]
        # the trade name with the last word of a long kind («长风租赁» of 「长风汽车租赁」): how the name is shortened
        # in speech, the middle dropped
        if len(core) >= 6 and _CJK_ONLY.fullmatch(core):
            keys.append(core[:2] + core[-2:])
    return list(dict.fromkeys(k for k in keys if len(k) >= 2))


def kind_words(name: str, places: tuple[str, ...] = ()) -> list[str]:
    """What follows an organisation's trade name — 「物流」 of 「宏远物流」, 「汽车租赁」 of 「长风汽车租赁」 —
    is how such customers are spoken of as a kind («其他物流公司», «宏远物流他们»)."""
    core = _org_core(name)
    if not core:
        return []
    rest = _strip_places(core, places)[2:]
    if len(rest) < 2 or not _CJK.fullmatch(rest[0]):
        return []
    return [
        rest
    ]  # not its first two characters: 「汽车」 of 「汽车租赁」 would make «其他汽车多少钱» about a customer


def short_names(name: str, places: tuple[str, ...] = ()) -> list[str]:
    """An organisation's trade name (字号) — the first two characters of its core name 「宏远」 — and its romanised
    form for English asks («Hongyuan»). Short names match only before a party word (see PARTY_AFTER) and only when no
    other customer shares them."""
    core = _org_core(name)
    if not core:
        return []
    whole, core = core, _strip_places(core, places)
    if not _CJK.search(core) or len(core) < 4:
        return []
    trade = core[:2]
    out = [trade]
    if whole != core and whole.endswith(core):  # «杭州宏远» of 「杭州宏远物流」: the place and the trade name
        out.append(whole[: len(whole) - len(core)] + trade)
    roman = _pinyin(trade)
    if len(roman) >= 4:
        out.append(roman)
    return out


SOUND_MIN = 4  # an organisation name's length from which a one-character homophone still names it


@lru_cache(maxsize=8192)
def _syllable(char: str) -> str:
    """The toneless pinyin of one Chinese character («流», «留» → «liu»)."""
    from pypinyin import lazy_pinyin

    return (lazy_pinyin(char) or [""])[0]


def _syllables(text: str) -> tuple[str, ...]:
    return tuple(_syllable(c) for c in text)


def _pinyin_words(name: str) -> str:
    """A person's name romanised as people write it: surname, then the given name as one word («Liu Yang»)."""
    surname, given = _pinyin(name[0]), _pinyin(name[1:])
    return f"{surname} {given}" if surname and given else ""


@lru_cache(maxsize=65536)
def _pinyin(text: str) -> str:
    try:
        from pypinyin import lazy_pinyin
    except ImportError:  # optional: English asks then name the company by its other handles only
        return ""
    return "".join(lazy_pinyin(text)).capitalize() if all(_CJK.match(c) for c in text) else ""
