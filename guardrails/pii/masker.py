"""`RuleMasker`: the `PiiMasker` for Chinese and English text. Detect on a length-preserving normalised copy (full-width
digits, spoken digits), resolve overlaps, replace each span with a typed token from the vault."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence

from contract.errors import InputError
from contract.ports import Actor, MaskResult, PiiSpan
from guardrails.pii.address import find_addresses
from guardrails.pii.names import (
    a_common_word,
    carried,
    find_names,
    names_before_numbers,
    stands_as_a_predicate,
)
from guardrails.pii.normalise import normalise, normalise_width
from guardrails.pii.numbers import find_numbers
from guardrails.pii.patterns import find_patterns
from guardrails.pii.types import Candidate, resolve
from guardrails.pii.vault import TOKEN_RE, MemoryVault, Vault, unmask

MAX_CHARS = 200_000  # ~1 s of CPU on this machine; a longer paste is refused with a typed error, the worker stays responsive

ENTITIES = (
    "CN_RESIDENT_ID",
    "CN_MOBILE",
    "CN_LANDLINE",
    "PHONE",
    "BANK_CARD",
    "EMAIL",
    "HK_ID",
    "MO_ID",
    "TW_ID",
    "TRAVEL_PERMIT",
    "PASSPORT",
    "CN_USCC",
    "CN_PLATE",
    "US_SSN",
    "IM_ACCOUNT",
    "ADDRESS",
    "PERSON",
)


def detect(
    text: str,
    known_names: re.Pattern[str] | Sequence[re.Pattern[str] | None] | None = None,
    *,
    inside_term: Callable[[str, int, int], bool] | None = None,
) -> list[Candidate]:
    """The resolved PII spans of `text` (positions in `text` itself). `known_names`: a compiled alternation of names
    that are always PERSON (the tenant's CRM contacts), found wherever they stand as a word (`standalone`); or several
    such patterns (the CRM's and a conversation's own few names), whose overlapping matches the resolver settles (the
    longer one wins). `inside_term(text, start, end)`: whether a match lies inside one of the tenant's own terms."""
    if len(text) > MAX_CHARS:
        raise InputError(f"text of {len(text)} chars is over the {MAX_CHARS} limit", reason="text_too_long")
    norm = normalise(text)
    candidates = find_numbers(norm) + find_patterns(norm) + find_addresses(norm) + find_names(norm)
    written = normalise_width(text)
    if written != norm:
        # a Han numeral read as a spoken digit may have joined a written number (张三13817624590 → 张313817624590):
        # the written digits alone are looked at too, and the resolver keeps the better reading
        candidates += find_numbers(written)
        # ... or a spoken one (我叫张三幺三八… → 我叫张3138…: neither the name nor the mobile is found): read again
        # with the first numeral of each spoken run that follows other Han text kept as written
        split = _numeral_kept_after_han(norm, written)
        if split != norm:
            candidates += find_numbers(split) + find_names(split)
    patterns = [known_names] if isinstance(known_names, re.Pattern) else list(known_names or ())
    for n, pattern in enumerate(patterns):
        if pattern is not None:
            candidates += [
                Candidate("PERSON", m.start(), m.end(), 0.9, confirmed=True)
                for m in pattern.finditer(norm)
                if standalone(norm, m.start(), m.end())
                and not (inside_term is not None and inside_term(norm, m.start(), m.end()))
                # 考虑得很周全: no name stands there. Never for the first pattern, the CRM's contacts: masking a
                # contact's name where it is only a word is the safe side
                and not (n > 0 and stands_as_a_predicate(norm, m.start(), m.end()))
            ]
    first = resolve(candidates, len(norm))
    pairs = names_before_numbers(written, first)
    return resolve(first + pairs, len(norm)) if pairs else first


def _numeral_kept_after_han(norm: str, written: str) -> str:
    """`norm` with the first character of each spoken-digit run that follows a Han character (not a numeral) put back
    as written: 张三幺三八… → 张三138…, 周七一三八… → 周七138…. Length-preserving like `normalise`."""
    chars = list(norm)
    for i in range(1, len(norm)):
        spoken = norm[i] != written[i]
        if spoken and norm[i - 1] == written[i - 1] and _HAN.match(written[i - 1]):
            chars[i] = written[i]
    return "".join(chars)


_HAN = re.compile(r"[\u4e00-\u9fff]")
_WIDER = 2  # how many characters either side a longer word around a known name is looked for


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def standalone(text: str, start: int, end: int) -> bool:
    """Whether the known name at text[start:end] stands as a word. Latin letters: no letter or digit runs on from
    either end (Li is not in Lisa, Ann not in Annual). Han: it is not part of a longer common dictionary word (a place,
    a thing, a famous name: 金华 in 金华市, 黄金 in 黄金周); Chinese has no spaces, so the dictionary stands in for
    them. A name next to words it does not form one with (韩芳说, 联系金华，) stands."""
    if (_latin(text[start]) and start > 0 and _latin(text[start - 1])) or (
        _latin(text[end - 1]) and end < len(text) and _latin(text[end])
    ):
        return False
    before = start > 0 and bool(_HAN.match(text[start - 1]))
    after = end < len(text) and bool(_HAN.match(text[end]))
    if not (before or after) or not _HAN.match(text[start]):
        return True
    for a in range(max(0, start - _WIDER), start + 1):
        for b in range(end, min(len(text), end + _WIDER) + 1):
            word = text[a:b]
            if (a, b) != (start, end) and _HAN.fullmatch(word[0]) and a_common_word(word):
                return False
    return True


class TermIndex:
    """The tenant's own words that are not people (product, model and company names): a known name inside one of
    them (凯美 in a model called 凯美瑞) is not a name there. For each name asked about, the terms holding it and
    where, computed once (bounded)."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms = tuple(sorted({t.strip() for t in terms if len(t.strip()) >= 2}))
        self._holding: OrderedDict[str, tuple[tuple[str, int], ...]] = OrderedDict()
        self._lock = threading.Lock()

    def _holders(self, name: str) -> tuple[tuple[str, int], ...]:
        with self._lock:
            if name in self._holding:
                self._holding.move_to_end(name)
                return self._holding[name]
        found = tuple(
            (term, k)
            for term in self.terms
            if len(term) > len(name)
            for k in range(len(term) - len(name) + 1)
            if term.startswith(name, k)
        )
        with self._lock:
            self._holding[name] = found
            if len(self._holding) > 4096:
                self._holding.popitem(last=False)
        return found

    def __call__(self, text: str, start: int, end: int) -> bool:
        return any(
            start - k >= 0 and text.startswith(term, start - k) for term, k in self._holders(text[start:end])
        )


def _value_key(entity: str, raw: str) -> str:
    """Same person, same token: 138 1234 5678 and 13812345678 are one value."""
    if entity in ("ADDRESS", "PERSON", "EMAIL"):
        return raw.strip().lower() if entity == "EMAIL" else raw.strip()
    return "".join(c for c in normalise(raw) if c.isalnum()).upper()


def compile_names(names: Iterable[str]) -> re.Pattern[str] | None:
    """Longest first, so 欧阳明月 wins over 欧阳明; names under two characters are ignored (too ambiguous)."""
    kept = sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, kept))) if kept else None


# compiled patterns of a conversation's (or a business card's) few names: at most this many, least recently used out,
# and none kept this long after its last use (they hold raw names, which should not outlive a conversation in memory)
_SMALL_CACHE = 256
_SMALL_IDLE_S = 600.0


# the vault entity that lists a conversation's names (the values again, under the same key, TTL and erasure as its
# PERSON tokens): what later turns match (names.carried); a guess that is only an ordinary word is masked in its own turn
# only, and a carried name that is also a word is left where it stands as one (names.stands_as_a_predicate)
CARRIED = "NAMED"


class RuleMasker:
    def __init__(
        self, vault: Vault | None = None, *, known_names: Iterable[str] = (), known_terms: Iterable[str] = ()
    ) -> None:
        """`known_names`: contact names from the CRM. Rules find names after cues and titles; a name list is what
        finds 「韩芳说下周来」, where nothing but the name itself says it is one. `known_terms`: the tenant's words
        that are not people (products, models, companies): a known name inside one is not masked there."""
        self.vault: Vault = vault if vault is not None else MemoryVault()
        self._terms = TermIndex(known_terms)
        self._names = tuple(known_names)
        self._known = compile_names(self._names)  # compiled once: the CRM list can hold 200k names
        self._small: OrderedDict[frozenset[str], tuple[re.Pattern[str] | None, float]] = OrderedDict()
        self._small_lock = threading.Lock()

    def _small_pattern(self, names: Iterable[str]) -> re.Pattern[str] | None:
        """The few names of one message or conversation, compiled on their own and cached by the set of names, so
        a later turn never recompiles the CRM list (B4: 36 ms a message with 20k CRM names, 0.4 s with 200k)."""
        key = frozenset(n.strip() for n in names if len(n.strip()) >= 2)
        if not key:
            return None
        now = time.monotonic()
        with self._small_lock:
            while self._small and (
                len(self._small) >= _SMALL_CACHE or now - next(iter(self._small.values()))[1] > _SMALL_IDLE_S
            ):
                self._small.popitem(last=False)
            pattern = self._small.pop(key)[0] if key in self._small else compile_names(key)
            self._small[key] = (pattern, now)
            return pattern

    def mask(self, text: str, *, vault_key: str = "", names: Iterable[str] = ()) -> MaskResult:
        """Mask `text`. Pass the conversation's vault_key to keep tokens stable across its messages; `names`: more
        names known to be people for this text only (a business card's name, in the rest of its message)."""
        key = vault_key or "v_" + uuid.uuid4().hex[:16]
        extra = [
            n for n in names if n and n.strip() and not TOKEN_RE.fullmatch(n.strip())
        ]  # a token is no name
        if (
            vault_key
        ):  # a person named earlier in this conversation (持卡人：张晓东) is one in its later turns too
            extra += self._conversation_names(vault_key)
        terms = self._terms if self._terms.terms else None
        found = detect(
            text, [self._known, self._small_pattern(extra)] if extra else self._known, inside_term=terms
        )
        # a name this turn introduces later on (那个X是…客户X说…) is the same person where it stood before its
        # cue: looked for again over the whole turn, as a later turn would
        again = sorted(
            {
                raw
                for c in found
                if c.entity == "PERSON"
                and len(raw := text[c.start : c.end].strip()) >= 2
                and text.count(raw) > 1
                and carried(raw, c.confirmed)
            }
        )
        if again:
            found = detect(text, [self._known, self._small_pattern([*extra, *again])], inside_term=terms)
        parts: list[str] = []
        spans: list[PiiSpan] = []
        pos = 0
        for c in found:
            raw = text[c.start : c.end]
            token = self.vault.token_for(key, c.entity, _value_key(c.entity, raw))
            if (
                c.entity == "PERSON" and vault_key and carried(raw.strip(), c.confirmed)
            ):  # later turns match it (a guess that is only an ordinary word: this turn only)
                self.vault.token_for(key, CARRIED, _value_key(c.entity, raw))
            parts.append(text[pos : c.start])
            parts.append(token)
            spans.append(PiiSpan(entity=c.entity, start=c.start, end=c.end, token=token, score=c.score))
            pos = c.end
        parts.append(text[pos:])
        return MaskResult(text="".join(parts), spans=spans, vault_key=key if spans or vault_key else "")

    def _conversation_names(self, vault_key: str) -> list[str]:
        """The names masked in this conversation's earlier turns; not the guesses that are also ordinary words, which a
        word after a role noun can be (车主周全说… then 考虑得很周全)."""
        return [
            value
            for token, value in self.vault.values(vault_key, entity=CARRIED).items()
            if token.startswith(f"<{CARRIED}_")
        ]

    def mask_as(self, text: str, entity: str, *, vault_key: str = "") -> MaskResult:
        """The whole of `text` (surrounding blanks kept) is one value of `entity`: a field whose meaning is known, such
        as a business card's name, is masked from the field, not from what the recognisers make of its words."""
        if entity not in ENTITIES:
            raise InputError(f"unknown PII entity {entity!r}", reason="unknown_entity")
        value = text.strip()
        if not value or TOKEN_RE.fullmatch(
            value
        ):  # empty, or masked already (a checkpoint masks masked messages)
            return MaskResult(text=text, spans=[], vault_key=vault_key if value else "")
        if len(text) > MAX_CHARS:
            raise InputError(
                f"text of {len(text)} chars is over the {MAX_CHARS} limit", reason="text_too_long"
            )
        key = vault_key or "v_" + uuid.uuid4().hex[:16]
        start = text.index(value)
        token = self.vault.token_for(key, entity, _value_key(entity, value))
        if entity == "PERSON" and vault_key:  # a field that holds a name: confirmed, carried to later turns
            self.vault.token_for(key, CARRIED, _value_key(entity, value))
        span = PiiSpan(entity=entity, start=start, end=start + len(value), token=token, score=1.0)
        return MaskResult(text=text[:start] + token + text[start + len(value) :], spans=[span], vault_key=key)

    def unmask(self, text: str, vault_key: str, actor: Actor) -> str:
        """Real values back in place of tokens, for roles rep / agent / admin; AccessDenied for evaluator."""
        return unmask(self.vault, vault_key, text, actor)
