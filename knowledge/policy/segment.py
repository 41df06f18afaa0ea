"""jieba's search-mode segmentation (`jieba.lcut_for_search`, HMM on) of a run of common Han characters, computed the
way jieba 0.42.1 computes it but in one pass with fewer Python steps: the word graph (DAG) and the best route are built
together right to left, without jieba's generators, per-position tuples and `max` over a generator. Same dictionary,
same floating-point sums in the same order, same tie rule (the longer word wins an equal score), same HMM for runs of
unknown single characters (jieba's finalseg), same 2- and 3-gram additions: the output is identical (a test compares
it with jieba on every policy of both tenants and the question sets). A query's tokens cost ~20 % less; anything
else (mixed scripts, rare characters) goes to jieba itself. 查询分词：与 jieba 搜索模式逐词相同，只是少走几步 Python。"""

from __future__ import annotations

import re
from collections.abc import Callable
from math import log

import jieba
from jieba import finalseg

# a run of these is one block of jieba's default cut (its re_han_default), so jieba cuts it with __cut_DAG as a whole
_HAN = re.compile(r"[\u4E00-\u9FD5]+")


def lcut_for_search(run: str) -> list[str]:
    """`jieba.lcut_for_search(run)`; the caller holds the lock that guards jieba's lazy dictionary load."""
    if not _HAN.fullmatch(run):
        return list(jieba.lcut_for_search(run))
    dt = jieba.dt
    dt.check_initialized()
    freq = dt.FREQ
    get = freq.get
    n = len(run)
    logtotal = log(dt.total)
    score = [0.0] * (n + 1)  # the best route's log-probability from each position to the end
    end = [0] * (n + 1)  # the last character of the word the best route takes at each position
    for k in range(n - 1, -1, -1):
        # jieba's get_DAG for position k: every dictionary word (frequency > 0) starting there, else the character
        best_v = 0.0
        best_x = -1
        i = k
        frag = run[k]
        while i < n and frag in freq:
            f = freq[frag]
            if f:
                v = log(f) - logtotal + score[i + 1]
                if best_x < 0 or v > best_v or (v == best_v and i > best_x):
                    best_v, best_x = v, i
            i += 1
            frag = run[k : i + 1]
        if best_x < 0:  # no word starts here: the single character (frequency 0 or unknown counts as 1)
            best_v, best_x = log(get(run[k]) or 1) - logtotal + score[k + 1], k
        score[k], end[k] = best_v, best_x
    words: list[str] = []
    buf = ""
    x = 0
    while x < n:
        y = end[x] + 1
        if y - x == 1:
            buf += run[x]
        else:
            if buf:
                _flush(buf, get, words)
                buf = ""
            words.append(run[x:y])
        x = y
    if buf:
        _flush(buf, get, words)
    out: list[str] = []
    for w in words:
        size = len(w)
        if size > 2:
            for i in range(size - 1):
                gram = w[i : i + 2]
                if get(gram):
                    out.append(gram)
        if size > 3:
            for i in range(size - 2):
                gram = w[i : i + 3]
                if get(gram):
                    out.append(gram)
        out.append(w)
    return out


def _flush(buf: str, get: Callable[[str], int | None], words: list[str]) -> None:
    """A run of single characters on the route: one character as it is, a known word's characters one by one, an
    unknown run through jieba's HMM (finalseg), as jieba's __cut_DAG does."""
    if len(buf) == 1:
        words.append(buf)
    elif not get(buf):
        words.extend(finalseg.cut(buf))
    else:
        words.extend(buf)
