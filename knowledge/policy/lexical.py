"""BM25 over jieba tokens with Chinese and English stop words. Scores follow rank-bm25's BM25Okapi exactly (same idf
with the epsilon floor, same k1/b; a test checks equality) but run on an inverted index in numpy, so a query costs
O(postings of its terms) instead of a Python loop over every chunk (rank-bm25 needs ~100 ms per query at 100k chunks)."""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import jieba
import numpy as np

from knowledge.policy.segment import lcut_for_search
from knowledge.policy.stopwords import STOP_WORDS

jieba.setLogLevel(logging.WARNING)
_MAX_SEGMENTS = 4  # delta segments per term before they are merged into one
_JIEBA_LOCK = threading.Lock()
CODE = re.compile(r"[A-Za-z]{1,6}-?\d{1,5}(?:\.\d+)?")  # model and alarm codes: AB-700, E-12, XY-3.5, K-9
WORD = re.compile(r"[\w\u4e00-\u9fff]+")
CJK = re.compile(r"[\u3400-\u9fff]")
SCRIPT_RUN = re.compile(r"[\u3400-\u9fff]+|[^\u3400-\u9fff]+")  # alternating Chinese / non-Chinese stretches
LATIN_WORD = re.compile(r"[^\W_]+")


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens for Chinese runs, plain word tokens for the rest (jieba is slow on long English text),
    lowercased, stop words and punctuation dropped, plus whole codes like "ps700"."""
    words: list[str] = []
    for run in SCRIPT_RUN.findall(text):
        if CJK.match(run):
            with _JIEBA_LOCK:  # jieba's lazy dictionary load is not thread-safe
                words += lcut_for_search(run)  # jieba's search mode, word for word (segment.py)
        else:
            words += LATIN_WORD.findall(run)
    tokens = [w.lower() for w in words if WORD.fullmatch(w) and w.lower() not in STOP_WORDS and w != "_"]
    tokens += [c.lower().replace("-", "") for c in CODE.findall(text)]
    return tokens


_BIN_SHIFT = 13  # a float32's top 19 bits: sign, exponent and 10 mantissa bits (bins ~0.1 % wide)
_BINNED_FROM = 4096  # candidates beyond which the selection first narrows them by bins
_PRUNE_FROM = 256  # postings beyond which a query first bounds the n-th best score (Bm25Index._score_floor)
_PER_SEGMENT_FROM = 8192  # postings beyond which each segment is added on its own (no concatenated copies)


def select_top(candidates: np.ndarray, scores: np.ndarray, n: int) -> list[tuple[int, float]]:
    """The n best (candidate, score) pairs, best first; equal scores in candidate order, and at the n-th place the
    lowest candidates win a tie (`candidates` ascending, `scores` > 0). Deterministic, so a selection over fewer
    candidates gives the same answer whenever it holds every chunk that can reach the top n.

    Many candidates (a common term at 100k chunks): positive float32 values order like their bit patterns, so one
    bincount of the top bits finds the bin holding the n-th best and one comparison keeps that bin and those above
    (~1k of 20k, measured); argpartition alone took 4x longer on such arrays, whose scores are mostly ties (a
    templated corpus repeats the same clause: ~0.2 % distinct values). Before this change a tie at the n-th place
    was cut wherever argpartition left it; it is now cut by position, so the answer no longer depends on how
    the candidates were gathered."""
    n = min(n, len(candidates))
    if n <= 0:
        return []
    if n < len(candidates) and len(candidates) > _BINNED_FROM:
        bits = scores.view(np.int32) >> _BIN_SHIFT
        low = int(bits.min())
        if int(bits.max()) - low < 1 << 16:  # scores within a few dozen octaves (any real BM25 query)
            counts = np.bincount(bits - low)
            from_top = np.cumsum(counts[::-1])
            floor = low + len(counts) - 1 - int(np.searchsorted(from_top, n))
            keep = np.flatnonzero(bits >= floor)
            candidates, scores = candidates[keep], scores[keep]
    # a stable sort keeps candidate order among equal scores (what lexsort((candidates, -scores)) gives); on
    # tie-heavy arrays it is several times faster than argpartition, whose introselect degrades on ties
    order = np.argsort(-scores, kind="stable")[:n]
    return list(zip(candidates[order].tolist(), scores[order].tolist(), strict=True))


class _Segments(NamedTuple):
    """A query's posting segments in query order: chunk positions (ascending), term counts, the term's weight, and
    (term id, segment number) naming the segment in the index version's contribution cache."""

    docs: list[np.ndarray]
    tf: list[np.ndarray]
    weights: list[float]
    sizes: list[int]
    keys: list[tuple[int, int]]

    def add(self, docs: np.ndarray, tf: np.ndarray, weight: float, key: tuple[int, int]) -> None:
        self.docs.append(docs)
        self.tf.append(tf)
        self.weights.append(weight)
        self.sizes.append(len(docs))
        self.keys.append(key)


_CACHED_FROM = 1024  # postings of a segment from which its BM25 contributions are kept per index version
_CACHE_POSTINGS = 8_000_000  # at most this many contributions kept per index version (32 MB of float32)


class Bm25Index:
    """BM25Okapi over an inverted index that takes writes without a rebuild.

    The postings built at construction are one immutable CSR segment; documents added later go to a small per-term
    delta, removed ones become tombstones (their document frequencies are taken back, their scores forced to 0). Each
    write returns a NEW index that shares the immutable parts with the old one, so a query running on the old index
    is never disturbed. Statistics (N, avgdl, idf with rank-bm25's epsilon floor) are always those of the live
    documents, so scores equal a fresh BM25Okapi over exactly the live documents (a test checks it).

    Nothing per write or per query is proportional to the corpus in Python, and a write does no O(N) numpy either:
    N and the total length are kept as running sums, idf is computed for the query's terms only, length norms for
    the postings a query touches, and the epsilon floor (which needs the mean idf over the vocabulary) only when a
    query term has a negative idf, once per index version."""

    def __init__(
        self, corpus: list[list[str]], k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25
    ) -> None:
        self.n = len(corpus)
        self.k1, self.b, self.epsilon = k1, b, epsilon
        vocab: dict[str, int] = {}
        doc_ids: list[int] = []
        term_ids: list[int] = []
        for d, tokens in enumerate(corpus):
            for t in tokens:
                term_ids.append(vocab.setdefault(t, len(vocab)))
                doc_ids.append(d)
        # append-only and shared by every later version of the index: a term id, once given, never changes
        self.vocab = vocab
        self.lengths = np.bincount(np.asarray(doc_ids, dtype=np.int64), minlength=self.n).astype(np.float32)
        # unique (term, doc) pairs with their counts, sorted by term → CSR postings
        keys = np.asarray(term_ids, dtype=np.int64) * max(self.n, 1) + np.asarray(doc_ids, dtype=np.int64)
        uniq, tf = np.unique(keys, return_counts=True)
        self.post_docs = (uniq % max(self.n, 1)).astype(np.int64)
        post_terms = uniq // max(self.n, 1)
        self.offsets = np.searchsorted(post_terms, np.arange(len(vocab) + 1))
        self.offsets_list: list[int] = self.offsets.tolist()  # Python ints: a query reads two per term
        self.post_tf = tf.astype(np.float32)
        self.base_terms = len(vocab)  # terms with a CSR slice
        self.df = np.diff(self.offsets).astype(np.int64)
        self.alive = np.ones(self.n, dtype=bool)
        # term id → (docs, tf) segments added after the build, one per write batch until merged
        self.delta: dict[int, tuple[tuple[np.ndarray, np.ndarray], ...]] = {}
        self.live_n = self.n
        self.total_len = float(
            len(doc_ids)
        )  # tokens in the live documents (exact in float64 at any real size)
        self._floor: float | None = None
        # term id → idf for this index version: a statistic of the live documents, taken once per term and version
        # (the same scalar computation, so scores are bit-identical; a write gives the new version an empty one)
        self._idf: dict[int, float] = {}
        # (term id, segment) → the segment's BM25 contributions at the index's own k1/b: like idf, a statistic of
        # this index version (avgdl, idf), computed once per long posting list and version, bit-identical to the
        # per-query computation (same float32 operations); a write gives the new version an empty one
        self._contrib: dict[tuple[int, int], np.ndarray] = {}
        self._contrib_postings = 0

    @property
    def has_dead(self) -> bool:
        return self.live_n < self.n

    @property
    def avgdl(self) -> float:
        return self.total_len / self.live_n if self.live_n and self.total_len else 1.0

    def idf(self, tid: int) -> float:
        """rank-bm25's idf over the live documents, with its epsilon floor for terms in more than half of them."""
        known = self._idf.get(tid)
        if known is not None:
            return known
        df = float(self.df[tid])
        value = float(np.log(self.live_n - df + 0.5) - np.log(df + 0.5))
        value = value if value >= 0 else self.floor()
        self._idf[tid] = value
        return value

    def floor(self) -> float:
        """epsilon × the mean idf of every term present in a live document (O(V) numpy, once per index version)."""
        if self._floor is None:
            df = self.df[self.df > 0].astype(np.float64)
            idf = np.log(self.live_n - df + 0.5) - np.log(df + 0.5)
            self._floor = self.epsilon * float(idf.mean()) if len(df) else 0.0
        return self._floor

    def with_changes(
        self, added: Sequence[list[str]] = (), removed: Sequence[tuple[int, list[str]]] = ()
    ) -> Bm25Index:
        """A new index with `added` documents appended (positions n, n+1, …) and `removed` (position, tokens) gone.
        Costs O(tokens written) plus a copy of the per-document and per-term arrays: never a rebuild."""
        new = object.__new__(Bm25Index)
        new.__dict__.update(self.__dict__)  # immutable CSR arrays and the append-only vocab are shared
        new.alive = self.alive.copy()
        new.df = self.df.copy()
        new.delta = dict(self.delta)
        new._floor = None
        new._idf = {}
        new._contrib = {}
        new._contrib_postings = 0
        for position, tokens in removed:
            if position < new.n and new.alive[position]:
                new.alive[position] = False
                new.live_n -= 1
                new.total_len -= len(tokens)
                for t in set(tokens):
                    tid = new.vocab.get(t)
                    if tid is not None and tid < len(new.df):
                        new.df[tid] -= 1
        lengths: list[int] = []
        term_ids: list[int] = []
        positions: list[int] = []
        counts: list[int] = []
        for offset, tokens in enumerate(added):
            lengths.append(len(tokens))
            for t, c in Counter(tokens).items():
                term_ids.append(new.vocab.setdefault(t, len(new.vocab)))
                positions.append(new.n + offset)
                counts.append(c)
        if len(new.vocab) > len(new.df):
            new.df = np.concatenate([new.df, np.zeros(len(new.vocab) - len(new.df), dtype=np.int64)])
        if term_ids:
            # the batch's postings as two arrays sorted by term; each term gets views into them (no per-term copy)
            tids = np.asarray(term_ids, dtype=np.int64)
            order = np.argsort(tids, kind="stable")
            tids = tids[order]
            docs = np.asarray(positions, dtype=np.int64)[order]
            tfs = np.asarray(counts, dtype=np.float32)[order]
            new.df += np.bincount(tids, minlength=len(new.df))
            starts = np.flatnonzero(np.r_[True, tids[1:] != tids[:-1]])
            ends = np.r_[starts[1:], len(tids)]
            for tid, lo, hi in zip(tids[starts].tolist(), starts.tolist(), ends.tolist(), strict=True):
                segments = (*new.delta.get(tid, ()), (docs[lo:hi], tfs[lo:hi]))
                if len(segments) > _MAX_SEGMENTS:  # a term written to often: merge its segments (amortised)
                    segments = (
                        (
                            np.concatenate([d for d, _ in segments]),
                            np.concatenate([f for _, f in segments]),
                        ),
                    )
                new.delta[tid] = segments
        if added:
            new.n = self.n + len(added)
            new.lengths = np.concatenate([self.lengths, np.asarray(lengths, dtype=np.float32)])
            new.alive = np.concatenate([new.alive, np.ones(len(added), dtype=bool)])
            new.live_n += len(added)
            new.total_len += float(sum(lengths))
        return new

    def _postings(
        self, query_tokens: list[str], k1: float | None = None, b: float | None = None
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """(docs, BM25 contribution) per query term and segment; a repeated query token counts again (rank-bm25).
        `k1`/`b` override the index's for this query only (knowledge/policy/query_profile.py: long requests)."""
        k1 = self.k1 if k1 is None else k1
        b = self.b if b is None else b
        out: list[tuple[np.ndarray, np.ndarray]] = []
        scale = np.float32(k1 * b / self.avgdl)
        base = np.float32(k1 * (1 - b))
        for weight, docs, tf in self._term_postings(query_tokens, k1):
            out.append((docs, weight * tf / (tf + base + scale * self.lengths[docs])))
        return out

    def _term_postings(
        self, query_tokens: list[str], k1: float
    ) -> Iterator[tuple[np.float32, np.ndarray, np.ndarray]]:
        """Each known query term's posting segments (the frozen base, then the delta of later adds) with the term's
        weight idf × (k1 + 1): the one walk `_postings` and `top` both score from."""
        for t in query_tokens:
            tid = self.vocab.get(t)
            if tid is None or tid >= len(self.df):  # unknown, or added by a later version of the index
                continue
            segments: list[tuple[np.ndarray, np.ndarray]] = []
            if tid < self.base_terms:
                lo, hi = self.offsets[tid], self.offsets[tid + 1]
                segments.append((self.post_docs[lo:hi], self.post_tf[lo:hi]))
            if tid in self.delta:
                segments.extend(self.delta[tid])
            if not segments:
                continue
            weight = np.float32(self.idf(tid) * (k1 + 1))
            for docs, tf in segments:
                yield weight, docs, tf

    def scores(self, query_tokens: list[str], k1: float | None = None, b: float | None = None) -> np.ndarray:
        """BM25 score of every chunk; removed ones score 0 (tests and tools; `top` does not build this)."""
        out = np.zeros(self.n, dtype=np.float32)
        for docs, contribution in self._postings(query_tokens, k1, b):
            out[docs] += contribution
        if self.has_dead:
            out[~self.alive] = 0.0
        return out

    def top(
        self,
        query_tokens: list[str],
        n: int,
        allowed: np.ndarray | None = None,
        *,
        k1: float | None = None,
        b: float | None = None,
    ) -> list[tuple[int, float]]:
        """Indices and scores of the best n chunks with a positive score (restricted to `allowed` when given), best
        first; equal scores in chunk order, also at the n-th place (the lowest positions win a tie there).
        Works on the candidates the query's postings reach, not on all N chunks: the dense accumulator is one calloc,
        and only the candidates are filtered and selected (`select_top`)."""
        k1 = self.k1 if k1 is None else k1
        b = self.b if b is None else b
        segments = self._segments(query_tokens, k1)
        if segments is None:
            return []
        acc = np.zeros(self.n, dtype=np.float32)
        scale = np.float32(k1 * b / self.avgdl)
        base = np.float32(k1 * (1 - b))
        postings = sum(segments.sizes)
        # float32 adds in posting order, one term after another: the same sums as one `acc[docs] += …` per term
        if postings > _PER_SEGMENT_FROM:  # long postings: no concatenated copies (~12 % less at 100k chunks)
            lengths = self.lengths
            cache = self._contrib if (k1, b) == (self.k1, self.b) else None
            for d, f, w, key in zip(segments.docs, segments.tf, segments.weights, segments.keys, strict=True):
                contribution = cache.get(key) if cache is not None else None
                if contribution is None:
                    contribution = np.float32(w) * f / (f + base + scale * lengths[d])
                    if (
                        cache is not None
                        and len(d) >= _CACHED_FROM
                        and self._contrib_postings + len(d) <= _CACHE_POSTINGS
                    ):
                        cache[key] = contribution
                        self._contrib_postings += len(d)
                np.add.at(acc, d, contribution)
        else:  # a few short postings: one vectorised pass (fewer numpy calls)
            docs, contribution = self._combine(segments, scale, base)
            np.add.at(acc, docs, contribution)
        floor = self._score_floor(acc, segments.docs, n, allowed) if postings > _PRUNE_FROM else 0.0
        # O(N) in C, cheaper than a unique over long postings; past a floor only the chunks that can make the top n
        candidates = np.flatnonzero(acc >= floor) if floor > 0 else np.flatnonzero(acc > 0)
        if self.has_dead and allowed is not None:
            candidates = candidates[self.alive[candidates] & allowed[candidates]]
        elif self.has_dead:
            candidates = candidates[self.alive[candidates]]
        elif allowed is not None:
            candidates = candidates[allowed[candidates]]
        return select_top(candidates, acc[candidates], n)

    def _contributions(
        self, query_tokens: list[str], k1: float | None, b: float | None
    ) -> tuple[np.ndarray, np.ndarray, list[int]] | None:
        """Every (doc, BM25 contribution) of the query's postings, concatenated in term order: one vectorised pass
        instead of five small numpy calls per term (what a short query's BM25 cost was made of). Elementwise the
        same float32 operations as `_postings`, so the contributions are bit-identical. Also the segments' sizes."""
        k1 = self.k1 if k1 is None else k1
        b = self.b if b is None else b
        segments = self._segments(query_tokens, k1)
        if segments is None:
            return None
        scale = np.float32(k1 * b / self.avgdl)
        base = np.float32(k1 * (1 - b))
        return (*self._combine(segments, scale, base), segments.sizes)

    def _segments(self, query_tokens: list[str], k1: float) -> _Segments | None:
        """The query's posting segments in order, each with its term's weight idf × (k1 + 1): the walk of
        `_term_postings`, inlined (this loop is most of a short query's cost)."""
        out = _Segments([], [], [], [], [])
        vocab, known, base_terms, delta = self.vocab, len(self.df), self.base_terms, self.delta
        offsets, post_docs, post_tf, idf = self.offsets_list, self.post_docs, self.post_tf, self.idf
        k1_plus = k1 + 1
        for t in query_tokens:
            tid = vocab.get(t)
            if tid is None or tid >= known:
                continue
            w = 0.0
            if tid < base_terms:
                lo, hi = offsets[tid], offsets[tid + 1]
                if hi > lo:
                    w = idf(tid) * k1_plus
                    out.add(post_docs[lo:hi], post_tf[lo:hi], w, (tid, 0))
            for part, (d, f) in enumerate(delta.get(tid, ()), 1):
                if not w:
                    w = idf(tid) * k1_plus
                out.add(d, f, w, (tid, part))
        return out if out.docs else None

    def _combine(
        self, segments: _Segments, scale: np.float32, base: np.float32
    ) -> tuple[np.ndarray, np.ndarray]:
        per_posting: np.floating[Any] | np.ndarray
        if len(segments.docs) == 1:
            docs, tf = segments.docs[0], segments.tf[0]
            per_posting = np.float32(segments.weights[0])  # the float32 weight np.repeat gives every posting
        else:
            docs = np.concatenate(segments.docs)
            tf = np.concatenate(segments.tf)
            per_posting = np.repeat(np.asarray(segments.weights, dtype=np.float32), segments.sizes)
        return docs, per_posting * tf / (tf + base + scale * self.lengths[docs])

    def _score_floor(
        self, acc: np.ndarray, segment_docs: list[np.ndarray], n: int, allowed: np.ndarray | None
    ) -> float:
        """A score no higher than the n-th best's (0.0 when none is found): the n-th best among the chunks of the
        query's shortest posting segment holding n+ postings, counting only chunks the query may return. Any n of
        the returnable chunks bound the n-th best from below, and a rare term's chunks are the ones that score high,
        so the bound is tight: every chunk at or above it is kept, the rest (most of the candidates of a query made
        of common terms) never reach the selection. Exact, ties included: a chunk tied with the n-th best is kept."""
        if n <= 0:
            return 0.0
        sample = min((d for d in segment_docs if len(d) >= n), key=len, default=None)
        if sample is None:
            return 0.0
        if self.has_dead:
            sample = sample[self.alive[sample]]
        if allowed is not None:
            sample = sample[allowed[sample]]
        if len(sample) < n:
            return 0.0
        return float(np.sort(acc[sample])[-n])  # a sort: np.partition crawls on tie-heavy arrays

    def grouped_top(
        self,
        query_tokens: list[str],
        groups: np.ndarray,
        n: int,
        allowed: np.ndarray | None = None,
        *,
        k1: float | None = None,
        b: float | None = None,
    ) -> list[tuple[int, float]]:
        """The best n groups (e.g. the chunks of one document version, `groups[i]` = its group, -1 = none) scored by
        BM25 as if each group were one document made of its chunks' tokens: term counts and lengths summed per group,
        document frequency and average length over the live groups. A document whose chunks each say part of a long
        request wins here where no single chunk does. No index of its own: built from the chunk postings the query
        touches plus one O(chunks) length sum, so it is asked for long requests only (query_profile.py)."""
        k1 = self.k1 if k1 is None else k1
        b = self.b if b is None else b
        live = (groups[: self.n] >= 0) & self.alive[: len(groups)]
        n_groups = int(groups.max()) + 1 if len(groups) else 0
        if not n_groups or not live.any():
            return []
        glen = np.bincount(
            groups[: self.n][live], weights=self.lengths[: len(groups)][live], minlength=n_groups
        )
        present = glen > 0
        total = int(present.sum())
        avg = float(glen[present].mean()) if total else 1.0
        acc = np.zeros(n_groups, dtype=np.float64)
        for t in query_tokens:
            tid = self.vocab.get(t)
            if tid is None or tid >= len(self.df):
                continue
            parts: list[tuple[np.ndarray, np.ndarray]] = []
            if tid < self.base_terms:
                lo, hi = self.offsets[tid], self.offsets[tid + 1]
                parts.append((self.post_docs[lo:hi], self.post_tf[lo:hi]))
            parts.extend(self.delta.get(tid, ()))
            if not parts:
                continue
            docs = np.concatenate([d for d, _ in parts])
            tfs = np.concatenate([f for _, f in parts])
            docs_ok = docs < len(groups)
            docs, tfs = docs[docs_ok], tfs[docs_ok]
            keep = live[docs]
            g, tf = groups[docs[keep]], tfs[keep]
            if not len(g):
                continue
            gtf = np.bincount(g, weights=tf, minlength=n_groups)
            hit = np.flatnonzero(gtf)
            df = len(hit)
            idf = max(float(np.log(total - df + 0.5) - np.log(df + 0.5)), self.epsilon * 0.1)
            norm = k1 * (1 - b + b * glen[hit] / avg)
            acc[hit] += idf * gtf[hit] * (k1 + 1) / (gtf[hit] + norm)
        candidates = np.flatnonzero(acc > 0)
        if allowed is not None:
            ok = np.zeros(n_groups, dtype=bool)
            ok[np.unique(groups[: len(allowed)][allowed & (groups[: len(allowed)] >= 0)])] = True
            candidates = candidates[ok[candidates]]
        scores = acc[candidates]
        n = min(n, len(candidates))
        if n <= 0:
            return []
        order = np.lexsort((candidates, -scores))[:n]
        return [(int(candidates[i]), float(scores[i])) for i in order]
