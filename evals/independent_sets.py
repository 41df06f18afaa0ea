"""Independent sets: suites written for a tenant by someone who had not read its tuning or held-out cases, run through
the real copilot (the no-LLM config `make eval` uses) and reported beside the held-out split, in
evals/results/independent_sets.{json,md} under `<suite>.<metric>` (the metrics of evals/tenants_report.py).

Why: the team's own scratch sets stopped predicting the held-out split (they were written by people who had seen the
tuning cases). A batch written blind, and never fixed against, says whether a session's fixes generalise. Each suite's
`description` says who wrote it, when, and what it was (or was not) fixed against; the report repeats it.

    python -m evals.independent_sets [--dir tests/agents/data/fresh_r12 --dir …] [--config evals/configs/no-llm.yaml]"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console

from copilot.settings import REPO_ROOT
from evals.all import DEFAULT_CONFIG, load_config
from evals.metrics import compute_metrics
from evals.runner import run_suite, target_from_config
from evals.suite import load_suite, resolve_tenant_dir
from evals.tenants_report import EXTRA, METRICS, RESULTS_DIR, fmt, run_meta

SETS_DIRS = [
    REPO_ROOT / "tests" / "agents" / "data" / d
    for d in (
        "fresh_r12",
        "fresh_r13",
        "fresh_r14",
        "fresh_r15",
        "fresh_r16",
        "fresh_r17",
        "fresh_r18",
        "fresh_r19",
        "fresh_r20",
        "fresh_r21",
        "fresh_r22",
        "fresh_r23",
    )
]  # one per session


def measure(path: Path, config: dict[str, Any]) -> dict[str, Any]:
    """One suite's aggregates (every case; independent sets mark none held out)."""
    suite = load_suite(path)
    target = target_from_config(config, tenant_dir=resolve_tenant_dir(suite, path), tenant=suite.tenant)
    try:
        run = run_suite(suite, target, suite_path=path, config=config, workers=int(config.get("workers", 1)))
    finally:
        close = getattr(target, "close", None)
        if callable(close):
            close()
    m = compute_metrics([c.model_dump(mode="json") for c in run.cases])
    row: dict[str, Any] = {"description": suite.description or "", "cases": len(run.cases)}
    for name, key in {**METRICS, **EXTRA}.items():
        if name != "cases":
            value = m.get(key)
            row[name] = round(value, 4) if isinstance(value, float) else value
    return row


def render_markdown(results: dict[str, Any]) -> str:
    meta = results["_meta"]
    names = [k for k in results if not k.startswith("_")]
    cols = ["cases", "errors", *METRICS]
    lines = [
        "# Independent sets — suites written blind, beside the held-out split",
        "",
        f"_Generated {meta['generated_at']} by `python -m evals.independent_sets` (config `{meta['config']}`, "
        "the real graph without the LLM)._",
        "",
        "Each suite was written from the tenant pack alone by someone who had not read the tuning or held-out cases. "
        "Read the held-out split (tenants.md) as the measure; these say whether wording nobody tuned on behaves "
        "like it.",
        "",
        "| suite | " + " | ".join(cols) + " |",
        "|---|" + "---:|" * len(cols),
    ]

    for n in names:
        lines.append(f"| {n} | " + " | ".join(fmt(results[n].get(c)) for c in cols) + " |")
    lines += ["", "## What each suite is", ""]
    lines += [f"- `{n}`: {results[n]['description']}" for n in names]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    ap.add_argument(
        "--dir", type=Path, action="append", help="a folder of suites (repeatable; default: SETS_DIRS)"
    )
    ap.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    ap.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = ap.parse_args(argv)
    console = Console()
    config = {**load_config(args.config), "cache": False}
    results: dict[str, Any] = {"_meta": run_meta(args.config)}
    for path in [p for d in (args.dir or SETS_DIRS) for p in sorted(d.glob("*.yaml"))]:
        console.print(f"{path.name} …")
        results[path.stem] = measure(path, config)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "independent_sets.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (args.out / "independent_sets.md").write_text(render_markdown(results), encoding="utf-8")
    console.print(render_markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
