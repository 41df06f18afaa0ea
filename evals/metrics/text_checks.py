"""Text checks on drafts: must-mention coverage, must-not claims, PII leaks and citation precision."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

MARKER = re.compile(r"\[(\d{1,3})\]")
SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")
NUMBER = re.compile(r"\d+(?:\.\d+)?\s*%?")
MODEL_CODE = re.compile(r"[A-Za-z]{1,6}-?\d(?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
BOOK_TITLE = re.compile(r"《([^》]+)》")
CJK = re.compile(r"[\u4e00-\u9fff]")


def normalise(text: str) -> str:
    """Case- and space-insensitive, full-width digits/percent folded (「３．２％」 matches "3.2%")."""
    text = text.translate({0xFF05: "%", 0xFF0E: ".", **{0xFF10 + i: ord("0") + i for i in range(10)}})
    return re.sub(r"\s+", "", text).casefold()


def contains(haystack: str, needle: str) -> bool:
    return normalise(needle) in normalise(haystack)


def mention_hits(draft: str, must: Sequence[str | Sequence[str]]) -> list[bool]:
    """One bool per item; an item that is a list is a set of alternatives (any one counts)."""
    out = []
    for item in must:
        options = [item] if isinstance(item, str) else list(item)
        out.append(any(contains(draft, o) for o in options))
    return out


def violations(draft: str, must_not: Sequence[str]) -> list[str]:
    return [claim for claim in must_not if contains(draft, claim)]


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def pii_leaks(places: Mapping[str, str], planted: Sequence[str]) -> list[str]:
    """'value@place' for each planted value found verbatim or, for numbers (phones, ids), with separators removed."""
    leaks = []
    for value in planted:
        digits = _digits(value)
        for place, text in places.items():
            if contains(text, value) or (len(digits) >= 6 and digits in _digits(text)):
                leaks.append(f"{value}@{place}")
    return leaks


def key_terms(claim: str) -> list[str]:
    """Numbers (with %), model codes (XY-3.5) and 《titles》: what a citation must back up."""
    claim = MARKER.sub(" ", claim)
    terms = [t.strip() for t in NUMBER.findall(claim)]
    terms += [m.group(0) for m in MODEL_CODE.finditer(claim)]
    terms += BOOK_TITLE.findall(claim)
    return [t for t in dict.fromkeys(terms) if t]


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if CJK.match(c)]
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}


def claim_supported(claim: str, evidence_text: str) -> bool:
    """All key terms occur in the evidence; a claim without key terms needs half its CJK bigrams there."""
    terms = key_terms(claim)
    if terms:
        return all(contains(evidence_text, t) for t in terms)
    grams = _bigrams(MARKER.sub("", claim))
    if not grams:
        return True
    return len(grams & _bigrams(evidence_text)) / len(grams) >= 0.5


def citation_support(
    draft: str, citations: Mapping[str, str], evidence_text: Mapping[str, str]
) -> list[bool]:
    """One bool per citation marker in the draft: does the cited evidence contain the key terms of its sentence?
    `citations` maps marker → evidence id; `evidence_text` maps evidence id → title + content."""
    out = []
    for sentence in SENTENCE_END.split(draft):
        for marker in MARKER.findall(sentence):
            ev = evidence_text.get(citations.get(marker, ""), "")
            out.append(bool(ev) and claim_supported(sentence, ev))
    return out
