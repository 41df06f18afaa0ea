"""The goals table reads values by key and never shows a missing measure as met."""

from __future__ import annotations

import json
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
