"""Typos and homophones in chat, read as the taxonomy's own words before intent reads the message.

Customers type with a pinyin IME and pick the wrong character of the right sound (过宝 for 过保, 这扣 for 折扣, 多少前
for 多少钱, 投述 for 投诉), or type the pinyin itself (fapiao). An embedder sees a different word; a keyword never
matches. The lexicon is the tenant's own words: intent labels, keywords and the words of the descriptions (segmented),
plus the vocabulary's terms and product names. A window of the message is replaced by a lexicon word when
- its toneless pinyin equals the word's (near sounds fold: zh/z, ch/c, sh/s, -ng/-n, as southern speakers type), and
- it shares at least one character at the same place with the word, and differs in at most half of them
  (加个 is not 价格), and it is no word of the language's dictionary (到齐 is not a typo of 到期);
a Latin token equal to a word's pinyin (fapiao → 发票, ≥ 2 syllables) is replaced as well.
Nothing here names a tenant: the words come from the pack."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

_HAN = re.compile(r"[\u4e00-\u9fff]")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_LATIN = re.compile(r"(?<![A-Za-z])[A-Za-z]{4,}(?![A-Za-z])")
_FOLD_INITIAL = (("zh", "z"), ("ch", "c"), ("sh", "s"))
_FOLD_FINAL = (("ing", "in"), ("eng", "en"))
MIN_WORD, MAX_WORD = 2, 4
# A phrase with a grammatical particle (定了, 在吗) is a keyword, not a term one mistypes: read against it, 订了 would
# become 定了 and a keyword hit nobody typed.
_PARTICLES = frozenset("了的吗呢吧啊呀么着嘛")


@lru_cache(maxsize=16384)
def _syllable(char: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return fold(lazy_pinyin(char, style=Style.NORMAL)[0])


def fold(syllable: str) -> str:
    """A toneless syllable with near sounds merged (zh→z, ch→c, sh→s, ing→in, eng→en)."""
    for a, b in _FOLD_INITIAL:
        if syllable.startswith(a):
            syllable = b + syllable[len(a) :]
            break
    for a, b in _FOLD_FINAL:
        if syllable.endswith(a):
            syllable = syllable[: -len(a)] + b
            break
    return syllable


def syllables(text: str) -> tuple[str, ...]:
    """Per character (Chinese text only), each character's usual reading. Both the lexicon and the message are read
    this way, so a polyphone (行, 还) reads the same on both sides; per character and cached, it costs ~1 us a
    character, where pypinyin's phrase-aware reading costs ~0.5 ms a call."""
    return tuple(_syllable(c) for c in text)


def lexicon_words(texts: Iterable[str]) -> list[str]:
    """Chinese words of 2-4 characters in the texts (segmented), each once."""
    import jieba

    words: dict[str, None] = {}
    for text in texts:
        for run in _HAN_RUN.findall(text):
            if MIN_WORD <= len(run) <= MAX_WORD:
                words[run] = None
            for w in jieba.lcut(run, HMM=False):
                if MIN_WORD <= len(w) <= MAX_WORD:
                    words[w] = None
    return list(words)


def _dictionary_word(window: str) -> bool:
    """A real word of the language (到齐, 包养, 异想) is what the customer meant, even when it sounds like one of the
    tenant's words and shares a character with it: only a string no dictionary knows is read as a typo."""
    import jieba

    jieba.dt.check_initialized()  # the dictionary loads on first use; get_FREQ alone does not load it
    return bool(jieba.get_FREQ(window))


@dataclass(frozen=True)
class Fix:
    typed: str
    read_as: str


@dataclass
class Spelling:
    """The corrector for one lexicon. `correct(text)` → (text with fixes, fixes)."""

    words: list[str]
    _by_sound: dict[tuple[str, ...], list[str]] = field(default_factory=dict, init=False, repr=False)
    _by_latin: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _known: set[str] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        for w in self.words:
            if (
                not (MIN_WORD <= len(w) <= MAX_WORD)
                or not all(_HAN.match(c) for c in w)
                or _PARTICLES & set(w)
            ):
                continue
            self._known.add(w)
            sound = syllables(w)
            self._by_sound.setdefault(sound, []).append(w)
            self._by_latin.setdefault("".join(sound), w)
        self._lengths = sorted({len(s) for s in self._by_sound}, reverse=True)

    def _word_for(self, window: str, sound: tuple[str, ...]) -> str:
        candidates = self._by_sound.get(sound)
        if not candidates or window in self._known or _dictionary_word(window):
            return ""
        for word in candidates:
            same = sum(a == b for a, b in zip(word, window, strict=True))
            if same >= 1 and len(word) - same <= len(word) // 2:
                return word
        return ""

    def correct(self, text: str) -> tuple[str, list[Fix]]:
        if not self._by_sound:
            return text, []
        fixes: list[Fix] = []
        pieces: list[str] = []
        last = 0
        for run in _HAN_RUN.finditer(text):
            s, i = run.group(0), 0
            sound = syllables(s)  # once per run: windows take slices (pypinyin per window costs ~30x more)
            pieces.append(text[last : run.start()])
            while i < len(s):
                for n in self._lengths:
                    if i + n > len(s):
                        continue
                    window = s[i : i + n]
                    if window in self._known:  # a lexicon word as typed: keep it and move past it
                        pieces.append(window)
                        i += n
                        break
                    word = self._word_for(window, sound[i : i + n])
                    if word:
                        fixes.append(Fix(window, word))
                        pieces.append(word)
                        i += n
                        break
                else:
                    pieces.append(s[i])
                    i += 1
            last = run.end()
        pieces.append(text[last:])
        out = "".join(pieces)
        out = _LATIN.sub(lambda m: self._latin(m.group(0), fixes), out)
        return out, fixes

    def _latin(self, token: str, fixes: list[Fix]) -> str:
        from pypinyin import Style, lazy_pinyin

        word = self._by_latin.get(fold_run(token.lower()))
        if word is None or "".join(lazy_pinyin(word, style=Style.NORMAL)) != token.lower():
            return token
        fixes.append(Fix(token, word))
        return word


@lru_cache(maxsize=8)
def spelling_for(texts: tuple[str, ...]) -> Spelling:
    """The corrector for a taxonomy's words, built once per process (segmenting the words and reading every lexicon
    word's pinyin cost ~1-2 s on a busy box; a learned or zero-config copy of a pack, or a second classifier over the
    same pack, reuses it). `correct` reads the corrector and never changes it, so one instance is shared."""
    return Spelling(lexicon_words(texts))


def fold_run(latin: str) -> str:
    """A run of pinyin letters with the near sounds merged, as `syllables` joined (shi → si, ping → pin). Exact
    pinyin is checked again by the caller, so folding only finds the candidate."""
    for a, b in _FOLD_INITIAL:
        latin = latin.replace(a, b)
    for a, b in _FOLD_FINAL:
        latin = latin.replace(a, b)
    return latin
