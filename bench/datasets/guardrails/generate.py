"""Deterministic generator of the guardrail evaluation sets (it imports nothing of the detectors: honest evaluation).

python bench/datasets/guardrails/generate.py   → pii / injection / grounding.jsonl (dev sets, tuned on) and heldout_*.jsonl (never tuned on)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The generated sets live with the evaluator's data; this generator is a development tool.
OUT = HERE.parents[2] / "evals" / "datasets" / "guardrails"
sys.path.insert(0, str(HERE))

import gen_grounding  # noqa: E402 - the generator modules sit beside this script
import gen_heldout  # noqa: E402
import gen_heldout2  # noqa: E402
import gen_heldout2_pii  # noqa: E402
import gen_heldout3  # noqa: E402
import gen_injection  # noqa: E402
import gen_pii  # noqa: E402


def write(name: str, rows: list[dict[str, object]]) -> None:
    path = OUT / name
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{path.name}: {len(rows)} rows, {path.stat().st_size // 1024} KB")


def main() -> None:
    write("pii.jsonl", gen_pii.build())
    write("injection.jsonl", gen_injection.build())
    write("grounding.jsonl", gen_grounding.build())
    write("heldout_pii.jsonl", gen_heldout.build_pii())
    write("heldout_injection.jsonl", gen_heldout.build_injection())
    write("heldout_grounding.jsonl", gen_heldout.build_grounding())
    write("heldout2_injection.jsonl", gen_heldout2.build())
    write("heldout3_injection.jsonl", gen_heldout3.build())
    write("heldout2_pii.jsonl", gen_heldout2_pii.build())


if __name__ == "__main__":
    main()
