"""Heads and out-of-scope gates over frozen sentence embeddings, for bench/bench_intent.py's extra rows (numpy only).

- `lda_head`: class means with one shared covariance shrunk towards a scaled identity (an LDA-style linear head); its
  logits also give the Mahalanobis distance to the nearest class mean (`mahalanobis_min`, Podolskiy et al. 2021).
- `prototype_logits`: cosine to each class's normalised mean (nearest class mean).
- `knn_class_scores` / `knn_mean_cosine`: cosine k-nearest-neighbour votes and the mean cosine of the k nearest rows.
- `blend`: a weighted sum of log-probabilities of several heads.
- `pick_gates` / `gate_read`: a row is kept in scope when every score is at or over its threshold; the thresholds are
  the grid point with the best in-scope accuracy whose out-of-scope recall reaches the target on the rows given
  (val or cross-fitted rows: never test)."""

from __future__ import annotations

import itertools

import numpy as np


def unit(x: np.ndarray) -> np.ndarray:
    return np.asarray(x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return np.asarray(p / p.sum(axis=1, keepdims=True))


def lda_head(
    x: np.ndarray, y: np.ndarray, n: int, *, shrink: float = 0.2
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(W, b, P): logits x @ W + b = -1/2 Mahalanobis distance to each class mean up to a per-row constant, with the
    shared within-class covariance shrunk as (1 - shrink) S + shrink tr(S)/d I; P is its inverse (the precision)."""
    d = x.shape[1]
    mu = np.stack([x[y == c].mean(0) for c in range(n)])
    r = x - mu[y]
    cov = r.T @ r / len(x)
    prec = np.linalg.inv((1 - shrink) * cov + shrink * np.trace(cov) / d * np.eye(d))
    w = prec @ mu.T
    b = -0.5 * (mu * (mu @ prec)).sum(1)
    return w, b, prec


def lda_logits(head: tuple[np.ndarray, np.ndarray, np.ndarray], q: np.ndarray) -> np.ndarray:
    return np.asarray(q @ head[0] + head[1])


def mahalanobis_min(head: tuple[np.ndarray, np.ndarray, np.ndarray], q: np.ndarray) -> np.ndarray:
    """Minus the smallest Mahalanobis distance to a class mean (higher = more in scope)."""
    qpq = ((q @ head[2]) * q).sum(1)
    return np.asarray(-(qpq - 2 * lda_logits(head, q).max(1)))


def prototype_logits(q: np.ndarray, x: np.ndarray, y: np.ndarray, n: int) -> np.ndarray:
    protos = unit(np.stack([x[y == c].mean(0) for c in range(n)]))
    return np.asarray(unit(q) @ protos.T)


def _top_k(q: np.ndarray, bank: np.ndarray, k: int, chunk: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Indices and cosines of the k nearest bank rows of each query (rows are unit vectors), best first."""
    k = min(k, len(bank))
    idx, sims = [], []
    for s in range(0, len(q), chunk):
        c = q[s : s + chunk] @ bank.T
        part = np.argpartition(-c, k - 1, axis=1)[:, :k]
        ps = np.take_along_axis(c, part, 1)
        order = np.argsort(-ps, axis=1)
        idx.append(np.take_along_axis(part, order, 1))
        sims.append(np.take_along_axis(ps, order, 1))
    return np.vstack(idx), np.vstack(sims)


def knn_class_scores(
    q: np.ndarray, bank: np.ndarray, ybank: np.ndarray, n: int, *, k: int = 10, temp: float = 0.05
) -> np.ndarray:
    """Class probabilities from the k nearest bank rows, each vote weighted exp(cosine / temp), normalised."""
    idx, sims = _top_k(q, bank, k)
    votes = np.zeros((len(q), n))
    wts = np.exp((sims - sims[:, :1]) / temp)
    np.add.at(votes, (np.repeat(np.arange(len(q)), idx.shape[1]), ybank[idx].ravel()), wts.ravel())
    return np.asarray(votes / votes.sum(1, keepdims=True))


def knn_mean_cosine(q: np.ndarray, bank: np.ndarray, *, k: int = 1) -> np.ndarray:
    return np.asarray(_top_k(q, bank, k)[1].mean(1))


def blend(probs: list[np.ndarray], weights: list[float]) -> np.ndarray:
    """Weighted sum of log-probabilities (a product of experts); the argmax is the blended prediction."""
    return np.asarray(sum(w * np.log(np.maximum(p, 1e-12)) for p, w in zip(probs, weights, strict=True)))


def gate_read(
    s_in: np.ndarray,
    correct: np.ndarray,
    s_oos: np.ndarray,
    t: np.ndarray,
    reject_in: np.ndarray | None = None,
    reject_oos: np.ndarray | None = None,
) -> tuple[float, float]:
    """(in-scope accuracy, out-of-scope recall) when a row is kept iff every score column >= its threshold and the
    head does not reject it (`reject_*`: e.g. the head's own out-of-scope class won)."""
    keep = (s_in >= t).all(1)
    if reject_in is not None:
        keep &= ~reject_in
    caught = ~(s_oos >= t).all(1)
    if reject_oos is not None:
        caught |= reject_oos
    return float((correct & keep).mean()), float(caught.mean())


def pick_gates(
    s_in: np.ndarray,
    correct: np.ndarray,
    s_oos: np.ndarray,
    *,
    target: float = 0.90,
    steps: int = 40,
    reject_in: np.ndarray | None = None,
    reject_oos: np.ndarray | None = None,
) -> tuple[np.ndarray, float, float]:
    """Thresholds (one per score column) on a grid of each score's quantiles over the in-scope rows (0 to 60 %),
    maximising in-scope accuracy subject to out-of-scope recall >= target (else the best accuracy + recall).
    Returns (thresholds, accuracy, recall) on the rows given."""
    m = s_in.shape[1]
    qs = np.linspace(0.0, 0.6, steps)
    grids = [np.concatenate([[-np.inf], np.quantile(s_in[:, j], qs[1:])]) for j in range(m)]
    # thresholds per column as boolean "kept" matrices, combined by AND over columns
    best: tuple[float, float, tuple[int, ...]] | None = None
    fallback: tuple[float, float, tuple[int, ...]] | None = None
    ok_in = [s_in[:, j][None, :] >= grids[j][:, None] for j in range(m)]
    ok_oos = [s_oos[:, j][None, :] >= grids[j][:, None] for j in range(m)]
    base_in = correct & (~reject_in if reject_in is not None else True)
    base_oos = reject_oos if reject_oos is not None else np.zeros(len(s_oos), bool)
    for combo in itertools.product(*[range(len(g)) for g in grids]):
        keep = base_in.copy()
        kept_oos = ~base_oos
        for j, i in enumerate(combo):
            keep &= ok_in[j][i]
            kept_oos &= ok_oos[j][i]
        acc, rec = float(keep.mean()), 1.0 - float(kept_oos.mean())
        if rec >= target and (best is None or acc > best[0]):
            best = (acc, rec, combo)
        if fallback is None or acc + rec > fallback[0] + fallback[1]:
            fallback = (acc, rec, combo)
    acc, rec, combo = best if best is not None else fallback  # type: ignore[misc]
    return np.array([grids[j][i] for j, i in enumerate(combo)]), acc, rec
