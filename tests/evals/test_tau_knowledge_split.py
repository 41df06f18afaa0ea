"""τ-Knowledge through the product's store (bench/retrieval_eval.py) on the vendored slice: the dev / test halves are
disjoint and cover every task, each row reports the test half with dev and all beside it, the product's default (hybrid)
searches a long request with the long-request profile, and the dev grid names what it would pick."""

from __future__ import annotations

from pathlib import Path

import pytest

import bench.retrieval_eval as retrieval_eval
from knowledge.embeddings import CachedEmbedder, Usem3Embedder
from knowledge.policy import PolicyStore
from knowledge.policy.query_profile import LONG_AT, weighted_length

SLICE = Path(__file__).resolve().parents[1] / "fixtures" / "benchmarks" / "tau2-bench" / "banking_knowledge"


@pytest.fixture()
def tau_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PolicyStore:
    monkeypatch.setattr(retrieval_eval, "TAU_DIR", SLICE)
    store = PolicyStore(
        tmp_path / "chroma",
        CachedEmbedder(Usem3Embedder(), tmp_path / "emb.sqlite"),
        tmp_path / "catalog.sqlite",
    )
    retrieval_eval.ingest_tau(store)
    return store


def test_the_halves_are_disjoint_and_cover_every_task() -> None:
    tasks = [{"id": f"t{i}", "required_documents": ["d"]} for i in range(7)]
    halves = retrieval_eval.tau_split(tasks)
    assert [t["id"] for t in halves["dev"]] == ["t0", "t2", "t4", "t6"]
    assert [t["id"] for t in halves["test"]] == ["t1", "t3", "t5"]


def test_rows_report_the_test_half_with_dev_and_all_beside_it(tau_store: PolicyStore) -> None:
    tasks = retrieval_eval.tau_tasks()
    assert len(tasks) >= 2 and all(
        weighted_length(retrieval_eval.tau_queries(t)["Q_full"]) >= LONG_AT for t in tasks
    )
    out = retrieval_eval.eval_tau(tau_store, modes=("lexical", "hybrid"), candidates=20)
    for key in ("Q_full/hybrid", "Q_full/lexical", "Q_full/hybrid_before", "Q_full/decomposed_hybrid"):
        row = out[key]
        assert (
            row["n"] == len(tasks[1::2])
            and row["dev"]["n"] == len(tasks[0::2])
            and row["all"]["n"] == len(tasks)
        )
        assert 0.0 <= row["recall@10"] <= 1.0 and 0.0 <= row["mrr"] <= 1.0
    # the slice's corpus is small and holds every gold document: the product finds some of them
    assert out["Q_full/hybrid"]["all"]["recall@20"] > 0.0
    # at dense weight 0 a long request's hybrid search is its keyword search (same ranking, no query embedding)
    assert out["Q_full/hybrid"]["all"] == out["Q_full/lexical"]["all"]


def test_the_dev_grid_is_scored_on_the_dev_half_only(tau_store: PolicyStore) -> None:
    grid = retrieval_eval.tau_dev_grid(tau_store, candidates=20)
    assert grid["split"] == "dev" and grid["n"] == len(retrieval_eval.tau_tasks()[0::2])
    assert grid["best"] in grid["rows"] and grid["shipped"] in grid["rows"]
