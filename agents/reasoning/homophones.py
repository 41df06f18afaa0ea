"""A pack's own terms heard through a homophone: a call transcript or a pinyin typist writes the right sound with the
wrong characters («烟保», «沿保», «颜保» for the pack's «延保»), so no word gate or tool reading the pack's words hears
the question. The message reads with the pack's term written after such a window, as synonyms are («烟保（延保）»).

A window of 2–4 Chinese characters is heard as a term when its toneless reading equals the term's (near sounds folded,
as agents.understanding.spelling reads them), it shares at least one character at the same place and differs in at most
half of them, it is no word of the language's dictionary, and neither of its edges makes a dictionary word with the
character beside it («抽烟保养» is 抽烟 + 保养, not a term), nor is it inside a longer word the segmenter reads (a
place's name «延宝路»). The terms come from the pack (tools.yaml synonyms, the
vocabulary's terms and product names); nothing here names a tenant."""

from __future__ import annotations

import re
from functools import lru_cache

from agents.understanding.spelling import syllables

_HAN = re.compile(r"[\u4e00-\u9fff]")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
MIN_TERM, MAX_TERM = 2, 4


def _word(text: str) -> bool:
    import jieba

    jieba.dt.check_initialized()
    return bool(jieba.get_FREQ(text))


@lru_cache(maxsize=256)
def _segments(run: str) -> tuple[tuple[int, int], ...]:
    """The spans of the words the segmenter reads in a run of Chinese characters (new words found by its HMM too)."""
    import jieba

    out: list[tuple[int, int]] = []
    at = 0
    for token in jieba.lcut(run):
        out.append((at, at + len(token)))
        at += len(token)
    return tuple(out)


def _inside_longer_word(run: str, i: int, n: int) -> bool:
    """The window run[i:i+n] is part of a word that reaches beyond it («延宝路» is a place's name, read as one word:
    its «延宝» is no term heard)."""
    return any(a < i + n and b > i and (a < i or b > i + n) for a, b in _segments(run))


@lru_cache(maxsize=8)
def _by_sound(terms: tuple[str, ...]) -> dict[tuple[str, ...], str]:
    out: dict[tuple[str, ...], str] = {}
    for t in terms:
        if MIN_TERM <= len(t) <= MAX_TERM and all(_HAN.match(c) for c in t):
            out.setdefault(syllables(t), t)
    return out


def heard_terms(text: str, terms: tuple[str, ...]) -> str:
    """`text` with the pack term written after each window that sounds like it (see the module's rule)."""
    by_sound = _by_sound(terms)
    if not by_sound:
        return text
    known = set(by_sound.values())
    lengths = sorted({len(s) for s in by_sound}, reverse=True)
    out: list[str] = []
    last = 0
    for run in _HAN_RUN.finditer(text):
        s, i = run.group(0), 0
        sound = syllables(s)
        out.append(text[last : run.start()])
        while i < len(s):
            for n in lengths:
                window = s[i : i + n]
                if len(window) < n:
                    continue
                if window in known:
                    out.append(window)
                    i += n
                    break
                term = by_sound.get(sound[i : i + n])
                if term is None or term in s:  # the term as written is in the same run: it is heard already
                    continue
                same = sum(a == b for a, b in zip(term, window, strict=True))
                edges = (s[i - 1 : i + 1] if i else "", s[i + n - 1 : i + n + 1] if i + n < len(s) else "")
                if same < 1 or n - same > n // 2 or _word(window) or any(e and _word(e) for e in edges):
                    continue
                if _inside_longer_word(s, i, n):
                    continue
                out.append(f"{window}（{term}）")
                i += n
                break
            else:
                out.append(s[i])
                i += 1
        last = run.end()
    out.append(text[last:])
    return "".join(out)
