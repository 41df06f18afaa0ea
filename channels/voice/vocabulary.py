"""Tenant vocabulary applied AFTER decoding: it corrects what was heard instead of priming the decoder to invent.

Whisper base given the tenant's product names as its prompt wrote product codes nobody said (an alarm call read out as
a list of invented model numbers). Here the decoder runs without tenant terms and the transcript is corrected afterwards:

1. Codes read aloud: letters followed by spoken digits become the tenant's code format — "E二零三" → "E-203",
   "AB三点五" → "AB-3.5", "P零三零一" → "P0301" when the tenant's patterns say codes have no dash. 幺 / 两 / 洞 read as
   1 / 2 / 0 (the digit table is the PII normaliser's, contract/numerals.py, not a copy).
2. Long digit runs (phone numbers, IDs read one by one) become plain digits for display (spoken_to_digits, same module).
3. Pinyin-aware fuzzy matching: a window of the transcript whose pinyin is (nearly) that of a tenant term — a term
   "K形架" is restored from "K型架" or "K行架"; z/zh, c/ch, s/sh, n/l and -n/-ng count as near. Only whole terms, only when every syllable is at
   least near, so ordinary words are not pulled towards product names.

Terms come from the tenant's vocabulary.yaml: `product_names` (each whole name and each space-separated piece),
`terms` (every list), and `asr_terms` (optional: words callers say that are not product names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from contract.errors import UserError
from contract.numerals import HAN_DIGITS, han_to_ascii, spoken_to_digits

_HAN = re.compile(r"[\u3400-\u9fff]")
_CODE_DIGITS = rf"[0-9{HAN_DIGITS}]"
# letters, optional dash/space, spoken or written digits with an optional decimal part (点 / .)
_SPOKEN_CODE = re.compile(
    rf"(?<![A-Za-z])([A-Z]{{1,4}})[\s\-－]?((?:{_CODE_DIGITS}){{1,5}}(?:[点.](?:{_CODE_DIGITS}){{1,2}})?)(?![0-9{HAN_DIGITS}])"
)
# How Mandarin speakers say single Latin letters, as Whisper may write them in characters.
LETTER_SOUNDS: dict[str, frozenset[str]] = {
    "a": frozenset({"ei", "a"}), "b": frozenset({"bi"}), "c": frozenset({"xi", "sei", "si"}),
    "d": frozenset({"di"}), "e": frozenset({"yi", "e"}), "g": frozenset({"ji"}), "j": frozenset({"jie"}),
    "k": frozenset({"kai"}), "o": frozenset({"ou"}), "p": frozenset({"pi"}), "q": frozenset({"kiu", "qiu"}),
    "t": frozenset({"ti"}), "u": frozenset({"you", "yu"}), "v": frozenset({"wei"}), "y": frozenset({"wai"}),
    "z": frozenset({"zei", "zi"}),
}  # fmt: skip
_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z", "c",
             "s", "y", "w")  # fmt: skip
_NEAR_INITIAL = {"zh": "z", "ch": "c", "sh": "s", "n": "l"}
_NEAR_FINAL = {"ing": "in", "eng": "en", "ang": "an", "iang": "ian", "uang": "uan"}


def _split(syllable: str) -> tuple[str, str]:
    for ini in _INITIALS:
        if syllable.startswith(ini) and len(syllable) > len(ini):
            return ini, syllable[len(ini) :]
    return "", syllable


@lru_cache(maxsize=8192)
def syllable_of(char: str) -> str:
    """Toneless pinyin of one character; a Latin letter or digit stands for itself (lower case)."""
    if _HAN.match(char):
        from pypinyin import Style, lazy_pinyin

        return lazy_pinyin(char, style=Style.NORMAL)[0]
    return char.lower()


def syllable_similarity(a: str, b: str) -> float:
    """1 same; 0.85 near (z/zh, n/l, -n/-ng, a letter and how it is said); 0 otherwise."""
    if a == b:
        return 1.0
    if len(a) == 1 and a.isalpha() and b in LETTER_SOUNDS.get(a, ()):
        return 0.85
    if len(b) == 1 and b.isalpha() and a in LETTER_SOUNDS.get(b, ()):
        return 0.85
    if len(a) == 1 or len(b) == 1:
        return 0.0
    (ia, fa), (ib, fb) = _split(a), _split(b)
    if _NEAR_INITIAL.get(ia, ia) == _NEAR_INITIAL.get(ib, ib) and _NEAR_FINAL.get(fa, fa) == _NEAR_FINAL.get(
        fb, fb
    ):
        return 0.85
    return 0.0


@dataclass(frozen=True)
class Correction:
    heard: str
    corrected: str
    rule: str  # code | digits | pinyin


@dataclass
class Corrected:
    text: str
    corrections: list[Correction] = field(default_factory=list)


_FROM_LETTER = re.compile(r"[A-Za-z][A-Za-z0-9]*[\u3400-\u9fff]+$")


def _term_pieces(name: str) -> list[str]:
    """The whole name, each space-separated piece, and a piece's tail from its first Latin letter when that tail
    ends in Chinese ('便携式K形架' → 'K形架': callers say the short name)."""
    pieces = [name.strip(), *name.split()]
    for piece in name.split():
        m = _FROM_LETTER.search(piece)
        if m and m.start() > 0:
            pieces.append(m.group(0))
    return [p for p in dict.fromkeys(pieces) if p]


class VocabularyCorrector:
    """Post-decoding correction with a tenant's vocabulary (see the module doc). Thread-safe, no model."""

    def __init__(self, terms: list[str], code_patterns: list[re.Pattern[str]] | None = None) -> None:
        # pinyin matching needs at least two syllables with one Chinese character: shorter terms would match noise
        self.terms: list[tuple[str, tuple[str, ...]]] = []
        for term in dict.fromkeys(t.strip() for t in terms if t.strip()):
            chars = [c for c in term if not c.isspace()]
            if len(chars) >= 2 and any(_HAN.match(c) for c in chars) and all(c.isalnum() for c in chars):
                self.terms.append((term, tuple(syllable_of(c) for c in chars)))
        self.terms.sort(key=lambda t: -len(t[1]))  # longest first: the full name before its short tail
        self.code_patterns = code_patterns or []

    @classmethod
    def from_tenant_dir(cls, tenant_dir: str | Path) -> VocabularyCorrector:
        """Terms and code patterns from `vocabulary.yaml`; an empty corrector (codes only) without the file."""
        import yaml

        path = Path(tenant_dir) / "vocabulary.yaml"
        if not path.is_file():
            return cls([])
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise UserError(f"{path}: {exc}", reason="tenant_config_invalid") from exc
        terms: list[str] = []
        for name in data.get("product_names") or []:
            terms += _term_pieces(str(name))
        for values in (data.get("terms") or {}).values():
            terms += [str(v) for v in values or []]
        terms += [str(t) for t in data.get("asr_terms") or []]
        patterns = []
        for row in data.get("patterns") or []:
            try:
                flags = re.I if row.get("ignore_case") else 0
                patterns.append(re.compile(str(row["regex"]), flags))
            except (re.error, KeyError, TypeError):
                continue  # the tenant validator reports bad patterns; the ASR just does not use them
        return cls(terms, patterns)

    # ---- codes ---------------------------------------------------------------------------------------------------
    def code_format(self, letters: str, digits: str) -> str:
        """'E', '203' → 'E-203' by default; the dash-less form when only it matches one of the tenant's patterns."""
        dashed, plain = f"{letters}-{digits}", f"{letters}{digits}"
        for candidate in (dashed, plain):
            if any(p.fullmatch(candidate) for p in self.code_patterns):
                return candidate
        return dashed

    def _codes(self, text: str, out: list[Correction]) -> str:
        def repl(m: re.Match[str]) -> str:
            letters, spoken = m.group(1), m.group(2)
            if not any(c in HAN_DIGITS or c == "点" for c in spoken) and "-" in m.group(0):
                return m.group(0)  # already written as a code
            digits = han_to_ascii(spoken).replace("点", ".")
            code = self.code_format(letters.upper(), digits)
            if code != m.group(0):
                out.append(Correction(m.group(0), code, "code"))
            return code

        return _SPOKEN_CODE.sub(repl, text)

    # ---- pinyin ----------------------------------------------------------------------------------------------------
    def _pinyin(self, text: str, out: list[Correction]) -> str:
        if not self.terms:
            return text
        units = [(i, c) for i, c in enumerate(text) if c.isalnum()]
        sylls = [syllable_of(c) for _, c in units]
        replaced: list[tuple[int, int, str]] = []  # (start, end) in text, term
        taken = [False] * len(units)
        for term, pys in self.terms:
            n = len(pys)
            k = 0
            while k + n <= len(units):
                window = units[k : k + n]
                contiguous = window[-1][0] - window[0][0] == n - 1
                if not contiguous or any(taken[k : k + n]):
                    k += 1
                    continue
                scores = [syllable_similarity(a, b) for a, b in zip(sylls[k : k + n], pys, strict=True)]
                heard = text[window[0][0] : window[-1][0] + 1]
                exact_chars = sum(
                    1 for (_, c), t in zip(window, term.replace(" ", ""), strict=False) if c == t
                )
                if min(scores) >= 0.85 and heard != term.replace(" ", "") and exact_chars >= 1:
                    replaced.append((window[0][0], window[-1][0] + 1, term.replace(" ", "")))
                    taken[k : k + n] = [True] * n
                    k += n
                    continue
                if heard == term.replace(" ", ""):
                    taken[k : k + n] = [True] * n
                k += 1
        for start, end, term in sorted(replaced, reverse=True):
            out.append(Correction(text[start:end], term, "pinyin"))
            text = text[:start] + term + text[end:]
        return text

    def correct(self, text: str) -> Corrected:
        corrections: list[Correction] = []
        fixed = self._codes(text, corrections)
        digits = spoken_to_digits(fixed)
        if digits != fixed:
            corrections.append(Correction(fixed, digits, "digits"))
        fixed = self._pinyin(digits, corrections)
        return Corrected(fixed, corrections)
