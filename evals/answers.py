"""`python -m evals.answers` (a step of `make eval`): do the drafts answer, and are they fit to send?

Runs every suite in evals/suites through the real graph in two modes — `no_llm` (the template composer) and `llm`
(the local model phrases the template; slow on 2 shared cores, so by default a labelled subset of each suite) — and
writes evals/results/answers.json + answers.md:

- `must_mention.<tenant>.<mode>` — the suites' must-mention coverage; a tenant with a held-out suite reports its
  tuning and held-out splits apart (`must_mention.autodealer.tuning.no_llm`, `must_mention.autodealer.heldout.no_llm`);
- `hygiene_violations` — over every draft of every run, with counts per check (evals/answers_hygiene.py);
- `ttft_ratio_vs_raw` — copied from evals/results/llm_ttft.json when the LLM bench wrote it (else null).

Held-out suites are run and reported as numbers only: no case text or example from them is written anywhere."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from evals.answers_hygiene import CHECKS, check_draft
from evals.runner import RunResult, run_suite, target_from_config
from evals.suite import load_suite, resolve_tenant_dir

ROOT = Path(__file__).resolve().parents[1]
SUITES = ROOT / "evals" / "suites"
RESULTS = ROOT / "evals" / "results"
CONFIGS = {
    "no_llm": ROOT / "evals" / "configs" / "no-llm.yaml",
    "llm": ROOT / "evals" / "configs" / "local-llm.yaml",
}


def split_of(path: Path) -> tuple[str, str]:
    """(tenant, split) from the suite file name: demo.yaml → (demo, ""), autodealer-heldout.yaml → (autodealer, heldout);
    a tenant that has a held-out file reports its plain file as the tuning split."""
    stem = path.stem
    if stem.endswith("-heldout"):
        return stem[: -len("-heldout")], "heldout"
    has_heldout = (path.parent / f"{stem}-heldout{path.suffix}").exists()
    return stem, "tuning" if has_heldout else ""


def load_config(path: Path) -> dict[str, Any]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return dict(data)


def run_one(path: Path, mode: str, limit: int | None) -> tuple[RunResult, int]:
    suite = load_suite(path)
    total = len(suite.cases)
    if limit is not None and limit < total:
        suite = suite.model_copy(update={"cases": suite.cases[:limit]})
    config = load_config(CONFIGS[mode])
    config["cache"] = False  # answers are measured on the code as it is now
    target = target_from_config(config, tenant_dir=resolve_tenant_dir(suite, path), tenant=suite.tenant)
    try:
        run = run_suite(
            suite, target, suite_path=path, config=config, workers=int(config.get("workers", 1)), seed=7
        )
    finally:
        close = getattr(target, "close", None)
        if callable(close):
            close()
    return run, total


def sources(run: RunResult) -> dict[str, int]:
    """How many drafts each source wrote (template / llm / fallback …): an llm run whose drafts all fell back says so."""
    out: dict[str, int] = {}
    for case in run.cases:
        for turn in case.turns:
            s = turn.suggestion or {}
            s = s if isinstance(s, dict) else s.model_dump(mode="json")
            d = s.get("draft") or {}
            if d.get("text"):
                out[str(d.get("source"))] = out.get(str(d.get("source")), 0) + 1
    return out


def hygiene(run: RunResult, *, examples: bool) -> tuple[dict[str, int], int, list[dict[str, Any]]]:
    counts = dict.fromkeys(CHECKS, 0)
    drafts, found_examples = 0, list[dict[str, Any]]()
    for case in run.cases:
        for turn in case.turns:
            s = turn.suggestion or {}
            s = s if isinstance(s, dict) else s.model_dump(mode="json")
            text = str((s.get("draft") or {}).get("text") or "")
            if not text:
                continue
            drafts += 1
            found = check_draft(text, turn.text or "", s)
            for k, v in found.items():
                counts[k] += bool(v)
            bad = {k: v for k, v in found.items() if v}
            if bad and examples and len(found_examples) < 30:
                found_examples.append(
                    {"case": case.case_id, "turn": turn.index, "found": bad, "draft": text[:240]}
                )
    return counts, drafts, found_examples


def coverage(run: RunResult) -> float | None:
    value = run.metrics.get("must_mention.coverage")
    return float(value) if isinstance(value, int | float) else None


def measure(modes: list[str], llm_limit: int | None, only: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {"metrics": {}, "runs": {}, "hygiene_violations": {}, "examples": []}
    counts_total = dict.fromkeys(CHECKS, 0)
    drafts_total = 0
    for path in sorted(SUITES.glob("*.yaml")):
        if only and path.stem not in only:
            continue
        tenant, split = split_of(path)
        for mode in modes:
            limit = llm_limit if mode == "llm" else None
            t0 = time.perf_counter()
            try:
                run, total = run_one(path, mode, limit)
            except Exception as exc:  # one broken suite must not hide the others
                out["runs"][f"{path.stem}.{mode}"] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
                continue
            key = ".".join(p for p in ("must_mention", tenant, split, mode) if p)
            cov = coverage(run)
            out["metrics"][key] = None if cov is None else round(cov, 3)
            counts, drafts, examples = hygiene(run, examples=split != "heldout")
            for k, v in counts.items():
                counts_total[k] += v
            drafts_total += drafts
            out["examples"] += examples
            out["runs"][f"{path.stem}.{mode}"] = {
                "cases": len(run.cases),
                "cases_in_suite": total,
                "subset": len(run.cases) < total,
                "pass_rate": run.metrics.get("cases.pass_rate"),
                "errors": run.metrics.get("cases.errors"),
                "must_mention": out["metrics"][key],
                "drafts": drafts,
                "draft_sources": sources(run),
                "hygiene": counts,
                "wall_s": round(time.perf_counter() - t0, 1),
            }
    out["hygiene_violations"] = {
        "total": sum(counts_total.values()),
        "by_check": counts_total,
        "drafts": drafts_total,
    }
    ttft = RESULTS / "llm_ttft.json"
    out["ttft_ratio_vs_raw"] = None
    if ttft.exists():
        try:
            data = json.loads(ttft.read_text(encoding="utf-8"))
            out["ttft_ratio_vs_raw"] = data.get("ttft_ratio_vs_raw", data)
        except (OSError, ValueError):
            out["ttft_ratio_vs_raw"] = None
    return out


def to_markdown(result: dict[str, Any]) -> str:
    lines = [
        "## 答案与草稿卫生 Answers and draft hygiene",
        "",
        "`python -m evals.answers` (part of `make eval`). Must-mention coverage per tenant and mode; a `subset` run is "
        "labelled (the local LLM on 2 shared cores is slow). Held-out suites are reported as numbers only.",
        "",
        "| 指标 Metric | 值 Value |",
        "|---|---|",
    ]
    subsets = {
        name: r
        for name, r in result["runs"].items()
        if isinstance(r, dict) and r.get("subset") and "cases" in r
    }
    for k, v in sorted(result["metrics"].items()):
        mode = k.rsplit(".", 1)[-1]
        tenant = k.split(".")[1]
        split = k.split(".")[2] if k.count(".") == 3 else ""
        run = f"{tenant}-heldout.{mode}" if split == "heldout" else f"{tenant}.{mode}"
        note = f" (subset {subsets[run]['cases']}/{subsets[run]['cases_in_suite']})" if run in subsets else ""
        lines.append(f"| {k}{note} | {'—' if v is None else f'{v:.3f}'} |")
    hv = result["hygiene_violations"]
    lines += ["", f"Draft hygiene over {hv.get('drafts', 0)} drafts: **{hv.get('total', 0)} violations**", ""]
    lines += ["| check | drafts with it |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in (hv.get("by_check") or {}).items()]
    lines += [
        "",
        "| run | cases | subset | pass rate | must-mention | drafts | wall s |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in sorted(result["runs"].items()):
        if "error" in r:
            lines.append(f"| {name} | error: {r['error']} | | | | | |")
            continue
        lines.append(
            f"| {name} | {r['cases']}/{r['cases_in_suite']} | {'yes' if r['subset'] else 'no'} | {r['pass_rate']} | "
            f"{r['must_mention']} | {r['drafts']} {json.dumps(r.get('draft_sources', {}))} | {r['wall_s']} |"
        )
    if subsets:
        lines += [
            "",
            "A subset run covers the first cases of its suite only (the local LLM on 2 shared cores is slow): its "
            "coverage is not comparable with the full no_llm runs. `draft_sources` shows how many drafts the LLM "
            "phrased and how many fell back to the template (a phrasing that failed a check).",
        ]
    ttft = result.get("ttft_ratio_vs_raw")
    lines += [
        "",
        f"ttft_ratio_vs_raw: {json.dumps(ttft, ensure_ascii=False) if ttft is not None else 'not measured (evals/results/llm_ttft.json absent)'}",
    ]
    if result.get("examples"):
        lines += ["", "Examples (tuning suites only):", ""]
        for e in result["examples"][:10]:
            lines.append(f"- `{e['case']}#{e['turn']}` {json.dumps(e['found'], ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def keep_other_modes(new: dict[str, Any], old: dict[str, Any], modes: list[str]) -> dict[str, Any]:
    """The new runs plus the old file's runs of the other modes (as they were, labelled by their own rows); hygiene
    totals are summed again over the merged runs."""
    merged = dict(new)
    runs = dict(new["runs"])
    metrics = dict(new["metrics"])
    for name, row in (old.get("runs") or {}).items():
        if name.rsplit(".", 1)[-1] not in modes and name not in runs:
            runs[name] = row
    for key, value in (old.get("metrics") or {}).items():
        if key.rsplit(".", 1)[-1] not in modes and key not in metrics:
            metrics[key] = value
    totals = dict.fromkeys(CHECKS, 0)
    drafts = 0
    for row in runs.values():
        for k, v in (row.get("hygiene") or {}).items():
            totals[k] = totals.get(k, 0) + int(v)
        drafts += int(row.get("drafts") or 0)
    merged.update(
        runs=runs,
        metrics=metrics,
        hygiene_violations={"total": sum(totals.values()), "by_check": totals, "drafts": drafts},
    )
    return merged


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evals.answers", description=__doc__.splitlines()[0])
    ap.add_argument("--modes", default="no_llm,llm", help="comma-separated: no_llm, llm")
    ap.add_argument("--llm-limit", type=int, default=6, help="cases per suite in llm mode (0 = all)")
    ap.add_argument("--only", default="", help="comma-separated suite names (file stems)")
    ap.add_argument("--out", default=str(RESULTS / "answers.json"))
    ap.add_argument("--render", action="store_true", help="only re-render answers.md from --out")
    ap.add_argument(
        "--keep-other-modes",
        action="store_true",
        help="keep the rows of the modes not run now from the existing --out (e.g. re-run no_llm, keep the llm rows)",
    )
    args = ap.parse_args(argv)
    if args.render:
        data = json.loads(Path(args.out).read_text(encoding="utf-8"))
        Path(args.out).with_suffix(".md").write_text(to_markdown(data), encoding="utf-8")
        return 0
    modes = [m for m in args.modes.split(",") if m]
    unknown = set(modes) - set(CONFIGS)
    if unknown:
        ap.error(f"unknown mode(s) {sorted(unknown)}; use no_llm, llm")
    result = measure(modes, args.llm_limit or None, [s for s in args.only.split(",") if s] or None)
    out = Path(args.out)
    if args.keep_other_modes and out.exists():
        result = keep_other_modes(result, json.loads(out.read_text(encoding="utf-8")), modes)
    out.parent.mkdir(parents=True, exist_ok=True)
    result = {**result["metrics"], **result}  # flat keys at the top: must_mention.<tenant>.<mode>
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    out.with_suffix(".md").write_text(to_markdown(result), encoding="utf-8")
    print(to_markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
