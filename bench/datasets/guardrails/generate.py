"""Deterministic generator of the guardrail evaluation sets (it imports nothing of the detectors: honest evaluation).

python bench/datasets/guardrails/generate.py   → pii / injection / grounding.jsonl (dev sets, tuned on) and heldout_*.jsonl (never tuned on)
    [--tenant-dir copilot/tenants/demo]  the folder whose synthetic/*.yaml hold the generators' words
    [--out evals/datasets/guardrails]    where the sets are written
"""

from __future__ import annotations

import argparse
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
from tenant_vocabulary import DEFAULT_TENANT_DIR, VocabularyError  # noqa: E402


def write(name: str, rows: list[dict[str, object]], out: Path | None = None) -> None:
    path = (out or OUT) / name
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{path.name}: {len(rows)} rows, {path.stat().st_size // 1024} KB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Regenerate the guardrail evaluation sets.")
    parser.add_argument(
        "--tenant-dir", type=Path, default=DEFAULT_TENANT_DIR, help="tenant folder with synthetic/"
    )
    parser.add_argument("--out", type=Path, default=None, help=f"output folder (default {OUT})")
    args = parser.parse_args(argv)
    tenant = args.tenant_dir
    try:  # build every set before writing any, so a bad words file leaves the checked-in sets untouched
        sets = {
            "pii.jsonl": gen_pii.build(tenant_dir=tenant),
            "injection.jsonl": gen_injection.build(tenant_dir=tenant),
            "grounding.jsonl": gen_grounding.build(tenant_dir=tenant),
            "heldout_pii.jsonl": gen_heldout.build_pii(tenant_dir=tenant),
            "heldout_injection.jsonl": gen_heldout.build_injection(tenant),
            "heldout_grounding.jsonl": gen_heldout.build_grounding(tenant),
            "heldout2_injection.jsonl": gen_heldout2.build(tenant),
            "heldout3_injection.jsonl": gen_heldout3.build(tenant),
            "heldout2_pii.jsonl": gen_heldout2_pii.build(tenant_dir=tenant),
        }
    except VocabularyError as exc:  # a missing or malformed words file: one line, no traceback
        raise SystemExit(f"error: {exc}") from None
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    for name, rows in sets.items():
        write(name, rows, args.out)


if __name__ == "__main__":
    main()
