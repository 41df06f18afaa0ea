"""Long requests that ask several things at once: split the request into its needs (sentences / clauses), retrieve
per need, and fuse the rankings by reciprocal rank fusion, together with the ranking of the whole request.

One search for a long request lets its most repeated words decide; a need stated once ("…and my card was charged
twice") then loses to the rest. Retrieving per need gives each a ranking of its own, and RRF rewards a chunk that
several needs, or the whole request, rank high. 多诉求长问题：拆成单句诉求分别检索，再用 RRF 融合。"""

from __future__ import annotations

import re
from typing import Protocol

from contract.evidence import Evidence
from contract.ports import PolicyQuery
from knowledge.policy.search import Mode

RRF_K = 60
# sentence ends (Chinese and Latin), semicolons and line breaks; a Latin full stop only before a space or the end
_NEED_SPLIT = re.compile(r"(?<=[。！？!?；;])|\n+|(?<=[a-z0-9)\"”])\.(?=\s|$)")
_MIN_NEED_CHARS = 12  # shorter pieces ("Thanks.", "好的") are joined to the next one


class Searcher(Protocol):
    def search(self, query: PolicyQuery, *, mode: str = "hybrid", candidates: int = 50) -> list[Evidence]: ...


def split_needs(text: str, max_needs: int = 12) -> list[str]:
    """The request's sentences, short ones joined to the following one, at most `max_needs` (the longest kept, in
    their original order)."""
    needs: list[str] = []
    carry = ""
    for piece in _NEED_SPLIT.split(text):
        piece = (piece or "").strip()
        if not piece:
            continue
        piece = f"{carry} {piece}".strip() if carry else piece
        if len(piece) < _MIN_NEED_CHARS:
            carry = piece
            continue
        needs.append(piece)
        carry = ""
    if carry:
        if needs:
            needs[-1] = f"{needs[-1]} {carry}"
        else:
            needs.append(carry)
    if len(needs) > max_needs:
        keep = sorted(sorted(range(len(needs)), key=lambda i: -len(needs[i]))[:max_needs])
        needs = [needs[i] for i in keep]
    return needs


def multi_need_search(
    store: Searcher, query: PolicyQuery, *, mode: Mode = "hybrid", candidates: int = 50
) -> list[Evidence]:
    """`query.k` chunks fused over the whole request and each of its needs. A request with one need is one search."""
    needs = split_needs(query.text)
    whole = store.search(query, mode=mode, candidates=candidates)
    if len(needs) <= 1:
        return whole
    rankings = [whole]
    for need in needs:
        rankings.append(
            store.search(query.model_copy(update={"text": need}), mode=mode, candidates=candidates)
        )
    score: dict[str, float] = {}
    best: dict[str, Evidence] = {}
    for ranking in rankings:
        for rank, ev in enumerate(ranking, start=1):
            score[ev.id] = score.get(ev.id, 0.0) + 1.0 / (RRF_K + rank)
            best.setdefault(ev.id, ev)
    order = sorted(score, key=lambda i: -score[i])[: query.k]
    return [
        best[i].model_copy(
            update={
                "lineage": {**best[i].lineage, "multi_need": {"needs": len(needs), "rrf": round(score[i], 6)}}
            }
        )
        for i in order
    ]
