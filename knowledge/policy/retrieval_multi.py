"""Long requests that ask several things at once: split the request into its needs (sentences / clauses), retrieve
per need, and fuse the rankings with the ranking of the whole request: by need slots (`need_slots`, what the product
runs: each need's best clause gets a place in the top k when its document is missing) or by reciprocal rank fusion
(`multi_need_search`, measured on τ-Knowledge).

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
MAX_NEEDS = 4  # per-need searches a question may add in the product (the longest needs are kept)
# sentence ends (Chinese and Latin), semicolons and line breaks; a Latin full stop only before a space or the end
_NEED_SPLIT = re.compile(r"(?<=[。！？!?；;])|\n+|(?<=[a-z0-9)\"”])\.(?=\s|$)")
_MIN_NEED_CHARS = (
    12  # shorter pieces ("Thanks.", "好的") are joined to the next one; a Chinese character counts 2
)
_CJK = re.compile(r"[\u3400-\u9fff]")


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
        if _weight(piece) < _MIN_NEED_CHARS:
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


def _weight(piece: str) -> int:
    """Length in Latin-character equivalents: "能优惠多少钱？" says as much as "How much is the discount?"."""
    return len(piece) + len(_CJK.findall(piece))


def _doc_key(ev: Evidence) -> str:
    return f"{ev.source_ids.get('doc_id', '')}@{ev.version}"


def need_slots(whole: list[Evidence], need_best: list[str | None], k: int) -> list[Evidence]:
    """`whole`: the whole request's ranking, 2k deep; `need_best`: each need's best keyword clause (an evidence id).
    Returns the whole request's top k, where a need whose best clause comes from a document the top k lacks gets that
    clause in, provided the whole request ranks the same clause in its top 2k too (one short need alone is a noisy
    keyword query: "我能自己做主吗" matches anything; the agreement keeps the slot for a clause the request as a whole
    also points at). At most k // 2 slots, in need order, each taken from the top k's tail, first from a document
    holding two clauses there, so no document the whole request found is dropped while another can give.
    每个诉求的最佳条款若所在文档不在前k、且整句检索也排在前2k，就给它一个名额。"""
    selected = list(whole[:k])
    pool = {e.id: e for e in whole[: 2 * k]}
    present = {_doc_key(e) for e in selected}
    additions: list[tuple[int, Evidence]] = []
    for n, ev_id in enumerate(need_best):
        ev = pool.get(ev_id or "")
        if ev is None or _doc_key(ev) in present or len(additions) >= max(1, k // 2):
            continue
        additions.append((n, ev))
        present.add(_doc_key(ev))
    if not additions:
        return selected
    for _ in range(max(0, len(selected) + len(additions) - k)):
        counts: dict[str, int] = {}
        for e in selected:
            counts[_doc_key(e)] = counts.get(_doc_key(e), 0) + 1
        shared = [i for i, e in enumerate(selected) if counts[_doc_key(e)] > 1]
        selected.pop(shared[-1] if shared else len(selected) - 1)
    floor = min((e.score for e in selected if e.score is not None), default=0.0)
    out = list(selected)
    for j, (n, ev) in enumerate(additions, start=1):
        # ranked after the whole request's clauses it displaced none of: the evaluator and the card order by score
        out.append(
            ev.model_copy(
                update={
                    "score": round(max(floor - 1e-6 * j, 0.0), 6),
                    "lineage": {**ev.lineage, "need_slot": {"need": n, "needs": len(need_best)}},
                }
            )
        )
    return out


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
