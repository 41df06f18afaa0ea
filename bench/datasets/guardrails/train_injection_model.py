"""Train the character n-gram injection scorer (guardrails/injection/ngram.py) on the labelled sets written before
held-out set 3: injection.jsonl, heldout_injection.jsonl, heldout2_injection.jsonl. Held-out set 3 is never used here.
Deterministic (fixed seed, fixed epochs); writes guardrails/injection/ngram_model.json (weights pruned to |w| ≥ 0.02).

    python bench/datasets/guardrails/train_injection_model.py
"""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict
from pathlib import Path

from guardrails.injection.ngram import MODEL_PATH, features

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2] / "evals" / "datasets" / "guardrails"  # the labelled sets this trains on
TRAIN_SETS = ("injection.jsonl", "heldout_injection.jsonl", "heldout2_injection.jsonl")
EPOCHS, RATE, L2, SEED, PRUNE = 30, 0.1, 0.001, 0, 0.02


def main() -> None:
    rows = [
        json.loads(line)
        for name in TRAIN_SETS
        for line in (DATA / name).read_text(encoding="utf-8").splitlines()
    ]
    xs = [features(r["text"]) for r in rows]
    ys = [int(r["label"]) for r in rows]
    weights: dict[str, float] = defaultdict(float)
    bias = 0.0
    rng = random.Random(SEED)
    order = list(range(len(rows)))
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for i in order:
            z = bias + sum(weights[f] for f in xs[i])
            grad = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))) - ys[i]
            for f in xs[i]:
                weights[f] -= RATE * (grad + L2 * weights[f])
            bias -= RATE * grad
    kept = {f: round(w, 4) for f, w in sorted(weights.items()) if abs(w) >= PRUNE}
    MODEL_PATH.write_text(
        json.dumps(
            {"bias": round(bias, 4), "trained_on": list(TRAIN_SETS), "rows": len(rows), "weights": kept},
            ensure_ascii=False,
            separators=(",", ":"),
        ),
        encoding="utf-8",
    )
    print(
        f"{MODEL_PATH.name}: {len(kept)} weights from {len(rows)} texts, {MODEL_PATH.stat().st_size // 1024} KB"
    )


if __name__ == "__main__":
    main()
