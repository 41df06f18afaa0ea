"""The copilot's hybrid intent rule (mean of the top-3 example similarities per intent, blended with the similarity to
the intent's description when one is given — here the label name — as agents/understanding/intent.py does; abstain
under a threshold), re-implemented over a plain embedding matrix so it scales to benchmark-sized example sets.

With `head=True` the scores are put on the product's reference scale and blended with the product's learned head
(agents/understanding/intent_head.py: logistic regression on the examples plus the descriptions, the same share and
blend as the product), as the classifier does per model."""

from __future__ import annotations

import numpy as np

from agents.understanding.intent import REF_MU, REF_SD
from agents.understanding.intent_head import SoftmaxHead, blend, cached_head, head_share

TOP_K = 3
DESCRIPTION_WEIGHT = 2.0  # as agents.understanding.intent: the description counts as two examples


class KnnIntentClassifier:
    def __init__(
        self,
        x: np.ndarray,
        labels: list[str],
        descriptions: dict[str, np.ndarray] | None = None,
        *,
        head: bool = False,
    ) -> None:
        self.classes = sorted(set(labels))
        self.y = np.array([self.classes.index(lbl) for lbl in labels])
        self.x = x
        self.desc = (
            np.vstack([descriptions[c] for c in self.classes])
            if descriptions and all(c in descriptions for c in self.classes)
            else None
        )
        self.head: SoftmaxHead | None = None
        self.share = 0.0
        self.mu, self.sd = 0.0, 1.0
        if head:
            n = len(self.classes)
            # the description as the product gives it: one view (the label) and the description row
            extra = [self.desc, self.desc] if self.desc is not None else []
            xs = np.vstack([x, *extra])
            ys = np.concatenate([self.y, *(np.arange(n) for _ in extra)])
            self.head = cached_head(xs, ys, n)
            self.share = head_share(np.bincount(self.y, minlength=n))
            # the reference scale's spread, from the training rows' pair similarities (a fixed sample of them)
            sample = xs[:: max(1, len(xs) // 2000)]
            sims = sample @ sample.T
            off = sims[~np.eye(len(sample), dtype=bool)]
            self.mu, self.sd = float(off.mean()), max(float(off.std()), 1e-3)

    def scores(self, q: np.ndarray) -> np.ndarray:
        """(n_queries, n_classes) class scores: mean of each class's top-k similarities."""
        sims = q @ self.x.T
        out = np.full((len(q), len(self.classes)), -1.0, dtype=np.float32)
        for c in range(len(self.classes)):
            block = sims[:, self.y == c]
            k = min(TOP_K, block.shape[1])
            top = np.partition(block, -k, axis=1)[:, -k:]
            out[:, c] = top.mean(axis=1)
            if self.desc is not None:
                n = block.shape[1]
                out[:, c] = (n * out[:, c] + DESCRIPTION_WEIGHT * (q @ self.desc[c])) / (
                    n + DESCRIPTION_WEIGHT
                )
        if self.head is not None:
            ref = REF_MU + REF_SD * (out - self.mu) / self.sd
            out = blend(ref, self.head.log_probs(q), self.share, self.head.spread, REF_SD)
        return out

    def predict(
        self, q: np.ndarray, threshold: float | None = None, abstain: str = "oos"
    ) -> tuple[list[str], np.ndarray]:
        s = self.scores(q)
        best = s.argmax(axis=1)
        top = s[np.arange(len(q)), best]
        labels = [self.classes[i] for i in best]
        if threshold is not None:
            labels = [abstain if t < threshold else lbl for lbl, t in zip(labels, top, strict=True)]
        return labels, top


def sample_per_label(labels: list[str], per_label: int, rng: np.random.Generator) -> list[int]:
    """Indices of up to `per_label` examples of each label (the MTEB-style few-shot draw)."""
    by: dict[str, list[int]] = {}
    for i, lbl in enumerate(labels):
        by.setdefault(lbl, []).append(i)
    out: list[int] = []
    for idx in by.values():
        out += list(rng.choice(idx, size=min(per_label, len(idx)), replace=False))
    return sorted(out)
