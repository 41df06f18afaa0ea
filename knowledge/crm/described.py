"""A customer described instead of named, for the directory (knowledge/crm/directory.py): which customers a phrase such
as «北京那个开X5的女士», «深圳开X5的黄先生», «the lady in Guangzhou who drives a Q9» or «天津做快递的那家» fits.

Only what the CRM itself holds is compared: the place columns (city, region; their romanised form for English), what
the customer owns (the letter-and-digit codes in their devices' names and product ids: «X5», «Q9»), and for an
individual the surname and form of address of their contact's salutation («吴女士»). The words that make a phrase a
description of one person (a person word, a determiner) are ordinary Chinese and English, no industry's. Nothing here
reads a fact: the result is customer ids, which the caller turns into ids and owners."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

CLAUSE_BREAK = re.compile(r"[。！？!?；;，,\n]")
# a code in a device or product name that people say: «X5», «Q9», «K3», «X200» (letters then digits)
MODEL_CODE = re.compile(r"(?<![A-Z0-9])[A-Z]{1,3}\d{1,3}[A-Z]?(?![A-Z0-9])")
RUN = re.compile(r"[A-Z0-9]+")
# how an individual is addressed, by surname: «吴女士», «黄先生» (the text is upper-cased, CJK is unchanged)
SURNAME_ADDRESS = re.compile(r"([\u4e00-\u9fff])(先生|女士|小姐)")
SURNAME_SAID = re.compile(r"姓([\u4e00-\u9fff])")
ADDRESS_GENDER = {"先生": "m", "女士": "f", "小姐": "f"}
FEMALE = re.compile(
    r"女士|小姐|女的|阿姨|大姐|大妈|姑娘|女(?=[\u4e00-\u9fff]{0,2}(?:主|户|板|人))|\b(?:LADY|WOMAN|MRS?|MS)\b"
)
MALE = re.compile(
    r"先生|男的|大哥|大叔|大爷|小伙子?|老哥|哥们|男(?=[\u4e00-\u9fff]{0,2}(?:主|户|板|人))|\b(?:GUY|MAN|GENTLEMAN|MR)\b"
)
# a word for a person the phrase is about (the anchor of a description); the CRM's party words are added
PERSON = (
    r"女士|小姐|先生|阿姨|大姐|大妈|姑娘|大哥|大叔|大爷|小伙子?|老哥|哥们|客户|老板|主人|买家|用户"
    r"|\b(?:LADY|WOMAN|GUY|MAN|GENTLEMAN|CUSTOMER|CLIENT|OWNER|DRIVER|CALLER|BUYER|PERSON)\b"
)
# a word that points at one particular person: «那位», «那个», «这位», «the»
POINTED = re.compile(r"那位|那个|这位|这个|某位|一位|有位|有个|\bTHE\b")
BEFORE, AFTER = 20, 40  # characters of the person's clause read before and after the person word
MAX_FITS = 5


@dataclass
class People:
    """What the CRM holds of its individual customers that a description can name, as look-up sets."""

    places: dict[str, set[str]] = field(default_factory=dict)  # «北京» / «BEIJING» → individuals there
    owns: dict[str, set[str]] = field(default_factory=dict)  # «X5» → customers owning one (any kind)
    surnames: dict[str, set[str]] = field(default_factory=dict)
    genders: dict[str, set[str]] = field(default_factory=dict)  # "f" / "m", from the salutation
    individuals: set[str] = field(default_factory=set)


def model_codes(text: str) -> set[str]:
    return set(MODEL_CODE.findall(text.upper()))


def build_people(
    individuals: Iterable[tuple[str, str, tuple[str, ...]]],
    salutations: Iterable[tuple[str, str]],
    owned: Iterable[tuple[str, str]],
    roman: dict[str, str],
) -> People:
    """individuals: (customer id, name, places); salutations: (customer id, salutation); owned: (customer id, a device
    name or product id); roman: place → its romanised form («北京» → «BEIJING»)."""
    people = People()
    for cid, name, places in individuals:
        people.individuals.add(cid)
        if name:
            people.surnames.setdefault(name[0], set()).add(cid)
        for place in places:
            for form in {place, place.rstrip("市省"), roman.get(place, "")}:
                if len(form) >= 2:
                    people.places.setdefault(form.upper(), set()).add(cid)
    for cid, salutation in salutations:
        m = SURNAME_ADDRESS.fullmatch(salutation.strip())
        if cid in people.individuals and m:
            people.genders.setdefault(ADDRESS_GENDER[m.group(2)], set()).add(cid)
    for cid, said in owned:
        for code in model_codes(said):
            people.owns.setdefault(code, set()).add(cid)
    return people


@dataclass(frozen=True)
class Described:
    start: int
    end: int
    fits: frozenset[str]
    said: str


def describe_people(
    upper: str, people: People, cjk_places: Sequence[tuple[int, int, str]], person_words: re.Pattern[str]
) -> Iterator[Described]:
    """Individuals described around a person word: by at least two of place, something they own and surname
    («北京那个开X5的女士», «深圳开X5的黄先生»), or by what they own with the form of address and a pointing word
    («那位开Q9的女车主»). Fits more than MAX_FITS: nobody in particular."""
    if not people.individuals:
        return
    seen: set[tuple[int, int]] = set()
    for anchor in person_words.finditer(upper):
        lo, hi = _clause(upper, anchor.start())
        lo, hi = max(lo, anchor.start() - BEFORE), min(hi, anchor.end() + AFTER)
        if (lo, hi) in seen:
            continue
        seen.add((lo, hi))
        window = upper[lo:hi]
        sets: list[set[str]] = []
        spans = [(anchor.start(), anchor.end())]
        places = [(s, e, people.places.get(p, set())) for s, e, p in cjk_places if lo <= s and e <= hi]
        places += [(lo + m.start(), lo + m.end(), people.places[m.group()]) for m in RUN.finditer(window)
                   if m.group() in people.places]  # fmt: skip
        owns = [(lo + m.start(), lo + m.end(), people.owns[m.group()]) for m in MODEL_CODE.finditer(window)
                if m.group() in people.owns]  # fmt: skip
        surname = SURNAME_ADDRESS.search(window) or SURNAME_SAID.search(window)
        named = [(lo + surname.start(), lo + surname.end(), people.surnames[surname.group(1)])] if (
            surname and surname.group(1) in people.surnames) else []  # fmt: skip
        for found in (places, owns, named):
            if found:
                sets.append(set().union(*(f for _, _, f in found)))
                spans += [(s, e) for s, e, _ in found]
        strong = len(sets)
        gender = _gender(window)
        pointed = POINTED.search(upper, lo, anchor.end())  # «那位…女士»: pointing before the person word
        # one thing alone only when it is what they own, said of a pointed-at man or woman («那位开Q9的女车主»); a
        # surname and an address alone («那位王先生说能优惠») could be anyone, staff included
        if strong < 2 and not (strong == 1 and owns and gender and pointed):
            continue
        fits = set(people.individuals)
        for s in sets:
            fits &= s
        if gender:
            fits &= people.genders.get(gender, set())
        if 0 < len(fits) <= MAX_FITS:
            start, end = min(s for s, _ in spans), max(e for _, e in spans)
            yield Described(start, end, frozenset(fits), upper[start:end])


def _gender(window: str) -> str:
    f, m = FEMALE.search(window), MALE.search(window)
    if f and not m:
        return "f"
    if m and not f:
        return "m"
    return ""


def _clause(text: str, at: int) -> tuple[int, int]:
    start = 0
    for m in CLAUSE_BREAK.finditer(text):
        if m.start() >= at:
            return start, m.start()
        start = m.end()
    return start, len(text)


# an organisation described by its place and what it does, when the words for what it does are not the CRM's own
# («苏州那家做租车的» for a 「汽车租赁」 company, «天津做快递的那家»): the place, a pointing or doing word, the kind said
ORG_PHRASE = re.compile(
    r"\s*(?:的)?(?:(?:那|这|某|有|一)[一几]?家(?!店)(?:做|开|搞|跑)?|[做开搞跑])([\u4e00-\u9fff]{1,4}?)"
    r"(?:的(?:那家|那个|这家|公司|企业|单位|大客户|客户)?|公司|集团)"
)


def kind_overlap(said: str, kinds: Iterable[str]) -> float:
    """Share of the said kind's characters that the organisation's own kind words hold («租车» in «汽车租赁»: 1.0)."""
    chars = set(said)
    own = set("".join(kinds))
    return len(chars & own) / len(chars) if chars else 0.0
