"""An evidence-usage prior: which documents the humans accepted as evidence for past requests like this one.

The ledger records, for every suggestion a human accepted, the request and the documents cited as its evidence. A new
request is compared with those past requests (tf-idf cosine over the product's BM25 tokens); the documents accepted
for its nearest neighbours get a share of the vote (each neighbour weighs its similarity to the power `power`), and
the search ranks a document by that share plus its own retrieval rank (`base_weight` × (base_k + 1) / (base_k +
rank): 1 × base_weight for the first document). It brings in the procedures a request never names but that requests
of its kind always need (looking the customer's accounts up, a product's entry document), which no lexical or dense
ranking of the request alone finds.

With no history the prior is off and the search is exactly what it was. This is learning to rank from usage logs:
what it learns is the tenant's own accepted evidence, so an evaluation must build it from a history that excludes the
requests it is scored on (bench/bench_knowledge.py: the dev half's tasks as history, reported on the test half).

The numbers below were chosen on the dev half of τ-Knowledge (bench/bench_knowledge.py, `tau_usage_prior`); a plateau
of settings (neighbours 3-10, power 2-4, base weight 0.3-0.8) was within 0.01 of the best there. `shrink` and
`min_records` were chosen on the same half with smaller histories (5-20 of its tasks) so that a young history does not
hurt the ranking it re-ranks."""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from knowledge.policy.lexical import tokenize

NEIGHBOURS = 10
POWER = 2.0
BASE_WEIGHT = 0.5
BASE_K = 5
SHRINK = 0.1
MIN_RECORDS = 10


@dataclass(frozen=True)
class UsageRecord:
    """One accepted suggestion: the request text and the document ids cited as its accepted evidence."""

    request: str
    doc_ids: tuple[str, ...]


def _vector(tokens: Sequence[str], idf: Mapping[str, float]) -> dict[str, float]:
    tf = Counter(tokens)
    v = {w: (1.0 + math.log(c)) * idf.get(w, 0.0) for w, c in tf.items()}
    v = {w: x for w, x in v.items() if x > 0}
    norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
    return {w: x / norm for w, x in v.items()}


@dataclass
class UsagePrior:
    """Built from accepted (request, evidence documents) records; `shares(text)` is each document's vote share for a
    new request, `rerank(text, ranked)` a document ranking with the prior folded in. Empty history: both are no-ops."""

    records: Sequence[UsageRecord] = ()
    neighbours: int = NEIGHBOURS
    power: float = POWER
    base_weight: float = BASE_WEIGHT
    base_k: int = BASE_K
    shrink: float = SHRINK
    min_records: int = MIN_RECORDS
    # word → (record, weight) postings: a request is compared with the past requests sharing a word with it only
    _postings: dict[str, list[tuple[int, float]]] = field(default_factory=dict, init=False, repr=False)
    _idf: dict[str, float] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.records = tuple(r for r in self.records if r.doc_ids and r.request.strip())
        toks = [tokenize(r.request) for r in self.records]
        n = len(toks)
        df = Counter(w for t in toks for w in set(t))
        # smoothed idf over the history's requests: a word every past request has (greetings, role-play) weighs ~0
        self._idf = {w: math.log((n + 1) / (c + 0.5)) for w, c in df.items()}
        self._postings = {}
        for i, t in enumerate(toks):
            for w, x in _vector(t, self._idf).items():
                self._postings.setdefault(w, []).append((i, x))

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, Iterable[str]]], **kw: float) -> UsagePrior:
        """(request, accepted document ids) pairs, e.g. read from the ledger's accepted suggestions."""
        records = [UsageRecord(q, tuple(dict.fromkeys(d))) for q, d in pairs]
        return cls(records, **kw)  # type: ignore[arg-type]

    @property
    def active(self) -> bool:
        """Off below `min_records` accepted records: a handful of past requests, each barely like the new one, would
        otherwise out-vote the retrieval (τ-Knowledge dev half: with 5 records MRR fell below the plain ranking's)."""
        return len(self.records) >= max(self.min_records, 1)

    def shares(self, text: str) -> dict[str, float]:
        """Each document's share of the nearest past requests' vote (0..1; 1 = every neighbour accepted it). The
        votes are divided by their sum plus `shrink`, so neighbours that are all barely similar give small shares."""
        if not self.active:
            return {}
        q = _vector(tokenize(text), self._idf)
        if not q:
            return {}
        dots: dict[int, float] = {}
        for w, x in q.items():
            for i, v in self._postings.get(w, ()):
                dots[i] = dots.get(i, 0.0) + x * v
        top = heapq.nsmallest(self.neighbours, ((-s, i) for i, s in dots.items() if s > 0))
        sims = [(-s, i) for s, i in top]
        total = sum(s**self.power for s, _ in sims) + self.shrink
        if total <= 0:
            return {}
        votes: dict[str, float] = {}
        for s, i in sims:
            for d in self.records[i].doc_ids:
                votes[d] = votes.get(d, 0.0) + s**self.power / total
        return votes

    def doc_score(self, share: float, rank: int | None) -> float:
        """A document's score: its vote share plus its retrieval rank's weight (rank 1 → base_weight; unranked 0)."""
        if rank is None:
            return share
        return share + self.base_weight * (self.base_k + 1) / (self.base_k + rank)

    def rerank(self, text: str, ranked: Sequence[str]) -> list[str]:
        """`ranked` (document ids, best first, no repeats) with the prior folded in; documents only the prior names
        join it. Ties keep the retrieval order, then the prior's."""
        shares = self.shares(text)
        if not shares:
            return list(ranked)
        pos = {d: r for r, d in enumerate(ranked, 1)}
        docs = list(ranked) + sorted((d for d in shares if d not in pos), key=lambda d: (-shares[d], d))
        order = {d: i for i, d in enumerate(docs)}
        return sorted(docs, key=lambda d: (-self.doc_score(shares.get(d, 0.0), pos.get(d)), order[d]))


def pairs_from_ledger(entries: Iterable[Any]) -> list[tuple[str, tuple[str, ...]]]:
    """(request, accepted document ids) from ledger entries (objects with `kind`, `suggestion_id`, `decision` and
    `payload`, as the ledger's `find` returns them, in any order): a suggestion whose human decision was accept or
    edit (the draft went out) contributes its masked request text and the policy documents its evidence cited. A
    rejected or undecided suggestion, a redacted payload (None) or one with no policy evidence contributes nothing."""
    requests: dict[str, tuple[str, tuple[str, ...]]] = {}
    accepted: set[str] = set()
    for e in entries:
        kind = str(getattr(e, "kind", ""))
        payload = getattr(e, "payload", None)
        sid = getattr(e, "suggestion_id", "")
        if kind == "decision" and str(getattr(e, "decision", "")) in ("accept", "edit"):
            accepted.add(sid)
        elif kind == "suggestion" and isinstance(payload, dict):
            text = str((payload.get("inputs") or {}).get("masked_text") or "")
            evidence = (payload.get("suggestion") or {}).get("evidence") or []
            docs = tuple(
                dict.fromkeys(
                    str(ev["source_ids"]["doc_id"])
                    for ev in evidence
                    if isinstance(ev, dict)
                    and ev.get("kind") == "policy_clause"
                    and (ev.get("source_ids") or {}).get("doc_id")
                )
            )
            if text.strip() and docs:
                requests[sid] = (text, docs)
    return [requests[s] for s in requests if s in accepted]
