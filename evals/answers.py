"""`python -m evals.answers` (a step of `make eval`): do the drafts answer, and are they fit to send?

Runs every suite in evals/suites through the real graph in two modes — `no_llm` (the template composer) and `llm`
(the local model phrases the template; slow on 2 shared cores, so by default a labelled subset of each suite) — and
writes evals/results/answers.json + answers.md:

- `must_mention.<tenant>.<mode>` — the suites' must-mention coverage; a tenant with a held-out suite reports its
  tuning and held-out splits apart (`must_mention.autodealer.tuning.no_llm`, `must_mention.autodealer.heldout.no_llm`);
- `hygiene_violations` — over every draft of every run, with counts per check (evals/answers_hygiene.py);
- `ttft_ratio_vs_raw` — copied from evals/results/llm_ttft.json when the LLM bench wrote it (else null);
- `cases_covered.<tenant>[.<split>].<mode>` — how many cases (of how many) each must-mention figure rests on, and
  `llm_phrased.<…>.llm` — the share of the llm run's LLM attempts that the LLM phrased (the rest fell back to the
  template); drafts that are templates by design (no LLM call) are counted apart in each run's `draft_sources`.

`--llm-only demo,autodealer-heldout` runs llm mode on those suites only (all their cases unless `--llm-limit`), the
others in no_llm mode; progress (case i/N, elapsed, seconds per case, ETA) goes to stderr.

Held-out suites are run and reported as numbers only: no case text or example from them is written anywhere."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from contract import InboundMessage, Suggestion
from contract.ports import Actor
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


class ProgressTarget:
    """Wraps a run's target and says on `out` when each case starts: `[demo.llm] case 3/20 · 41 s elapsed · 13.7 s
    per case · ETA 4 min`. A case is a conversation (the runner gives each case its own conversation id); the warm-up
    turn (services, tenant and model loading) is reported apart. Everything else is the wrapped target's."""

    def __init__(self, target: Any, label: str, total: int, out: TextIO | None = None) -> None:
        self.target, self.label, self.total = target, label, total
        self.out = out if out is not None else sys.stderr
        self.thread_safe = bool(getattr(target, "thread_safe", False))
        self.seen: set[str] = set()
        self.t0 = time.perf_counter()
        self.cases_started_at: float | None = None

    def say(self, line: str) -> None:
        print(f"[{self.label}] {line}", file=self.out, flush=True)

    def run_turn(self, msg: InboundMessage, actor: Actor) -> Suggestion | None:
        if msg.conversation_id not in self.seen:
            self.seen.add(msg.conversation_id)
            now = time.perf_counter()
            if self.cases_started_at is None:
                self.cases_started_at = now
            done = len(self.seen) - 1
            elapsed = now - self.cases_started_at
            line = f"case {done + 1}/{self.total} · {elapsed:.0f} s elapsed"
            if done:
                per = elapsed / done
                line += f" · {per:.1f} s per case · ETA {(self.total - done) * per / 60:.1f} min"
            self.say(line)
        result: Suggestion | None = self.target.run_turn(msg, actor)
        return result

    def warm_up(self, msg: InboundMessage, actor: Actor) -> None:
        warm = getattr(self.target, "warm_up", None)
        if callable(warm):
            t = time.perf_counter()
            warm(msg, actor)
            self.say(f"warm-up (services, tenant, models, first turn) {time.perf_counter() - t:.1f} s")

    def reset(self) -> None:
        self.target.reset()

    def describe(self) -> dict[str, Any]:  # the wrapped target's description (and so its cache key)
        describe = getattr(self.target, "describe", None)
        info = dict(describe()) if callable(describe) else {}
        info.setdefault("class", f"{type(self.target).__module__}.{type(self.target).__qualname__}")
        return info

    def ledger_inputs(self, suggestion: Suggestion, actor: Actor) -> dict[str, Any] | None:
        inputs = getattr(self.target, "ledger_inputs", None)
        return inputs(suggestion, actor) if callable(inputs) else None

    def finish(self) -> float:
        elapsed = time.perf_counter() - (self.cases_started_at or self.t0)
        cases = len(self.seen)
        per = f", {elapsed / cases:.1f} s per case" if cases else ""
        self.say(f"done: {cases} case(s) in {elapsed:.0f} s{per}")
        return elapsed


def run_one(
    path: Path, mode: str, limit: int | None, *, progress: TextIO | None = None
) -> tuple[RunResult, int, float]:
    """One suite in one mode: (run, cases in the suite, seconds spent on the cases after the warm-up)."""
    suite = load_suite(path)
    total = len(suite.cases)
    if limit is not None and limit < total:
        suite = suite.model_copy(update={"cases": suite.cases[:limit]})
    config = load_config(CONFIGS[mode])
    config["cache"] = False  # answers are measured on the code as it is now
    inner = target_from_config(config, tenant_dir=resolve_tenant_dir(suite, path), tenant=suite.tenant)
    target = ProgressTarget(inner, f"{path.stem}.{mode}", len(suite.cases), progress)
    try:
        run = run_suite(
            suite, target, suite_path=path, config=config, workers=int(config.get("workers", 1)), seed=7
        )
    finally:
        close = getattr(inner, "close", None)
        if callable(close):
            close()
    return run, total, target.finish()


def sources(run: RunResult) -> dict[str, int]:
    """How many drafts each source wrote (template / llm / fallback …): an llm run whose drafts all fell back says so.
    In llm mode a `template` draft is one the LLM never saw by design (a refusal, a holding reply citing nothing)."""
    out: dict[str, int] = {}
    for case in run.cases:
        for turn in case.turns:
            s = turn.suggestion or {}
            s = s if isinstance(s, dict) else s.model_dump(mode="json")
            d = s.get("draft") or {}
            if d.get("text"):
                out[str(d.get("source"))] = out.get(str(d.get("source")), 0) + 1
    return out


def llm_phrased_share(draft_sources: dict[str, int]) -> float | None:
    """Of the drafts the LLM was asked to phrase, the share it phrased (the rest fell back to the template)."""
    attempted = draft_sources.get("llm", 0) + draft_sources.get("fallback", 0)
    return round(draft_sources.get("llm", 0) / attempted, 3) if attempted else None


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


def metric_key(stem: str, mode: str) -> str:
    """must_mention.<tenant>[.<split>].<mode> for a suite file stem."""
    tenant, split = split_of(SUITES / f"{stem}.yaml")
    return ".".join(p for p in ("must_mention", tenant, split, mode) if p)


def planned_runs(stems: list[str], modes: list[str], llm_only: list[str] | None) -> list[tuple[str, str]]:
    """(suite stem, mode) pairs to run: every suite in every mode, except that with `llm_only` the llm mode runs on
    those suites alone."""
    return [
        (stem, mode)
        for stem in stems
        for mode in modes
        if not (mode == "llm" and llm_only is not None and stem not in llm_only)
    ]


Runner = Callable[[Path, str, "int | None"], tuple[RunResult, int, float]]


def measure(
    modes: list[str],
    llm_limit: int | None,
    only: list[str] | None,
    llm_only: list[str] | None = None,
    *,
    runner: Runner | None = None,
    progress: TextIO | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "metrics": {},
        "runs": {},
        "hygiene_violations": {},
        "examples": [],
        "cases_covered": {},
        "llm_phrased": {},
    }
    counts_total = dict.fromkeys(CHECKS, 0)
    drafts_total = 0
    stems = [p.stem for p in sorted(SUITES.glob("*.yaml")) if not only or p.stem in only]
    plan = planned_runs(stems, modes, llm_only)
    started = time.perf_counter()
    for n, (stem, mode) in enumerate(plan, 1):
        path = SUITES / f"{stem}.yaml"
        _, split = split_of(path)
        limit = llm_limit if mode == "llm" else None
        print(
            f"== run {n}/{len(plan)}: {stem}.{mode} ({time.perf_counter() - started:.0f} s since start)",
            file=progress if progress is not None else sys.stderr,
            flush=True,
        )
        t0 = time.perf_counter()
        try:
            if runner is not None:
                run, total, cases_s = runner(path, mode, limit)
            else:
                run, total, cases_s = run_one(path, mode, limit, progress=progress)
        except Exception as exc:  # one broken suite must not hide the others
            out["runs"][f"{stem}.{mode}"] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
            continue
        key = metric_key(stem, mode)
        cov = coverage(run)
        out["metrics"][key] = None if cov is None else round(cov, 3)
        out["cases_covered"][key] = {"cases": len(run.cases), "of": total}
        counts, drafts, examples = hygiene(run, examples=split != "heldout")
        for k, v in counts.items():
            counts_total[k] += v
        drafts_total += drafts
        out["examples"] += examples
        draft_sources = sources(run)
        phrased = llm_phrased_share(draft_sources) if mode == "llm" else None
        if mode == "llm":
            out["llm_phrased"][key.replace("must_mention.", "llm_phrased.", 1)] = phrased
        out["runs"][f"{stem}.{mode}"] = {
            "cases": len(run.cases),
            "cases_in_suite": total,
            "subset": len(run.cases) < total,
            "pass_rate": run.metrics.get("cases.pass_rate"),
            "errors": run.metrics.get("cases.errors"),
            "must_mention": out["metrics"][key],
            "drafts": drafts,
            "draft_sources": draft_sources,
            "llm_phrased": phrased,
            "hygiene": counts,
            "wall_s": round(time.perf_counter() - t0, 1),
            "s_per_case": round(cases_s / len(run.cases), 2) if run.cases else None,
            "run_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
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
        "The facts a manager would state are computed by the reasoning tools and are locked slots in both modes: the "
        "LLM may reword the greeting and the sentence around them, and a draft that changes a slot falls back to the "
        "template. So must-mention is the same in `llm` and `no_llm` by design: it measures what the copilot computed, "
        "not the LLM's wording. What the LLM mode adds is measured by the share of attempts it phrased, hygiene over "
        "its drafts and its time (llm_ttft.md).",
        "",
        "| 指标 Metric | 值 Value |",
        "|---|---|",
    ]
    subsets = {
        name: r
        for name, r in result["runs"].items()
        if isinstance(r, dict) and r.get("subset") and "cases" in r
    }
    covered = result.get("cases_covered") or {}
    for k, v in sorted(result["metrics"].items()):
        n = covered.get(k) or {}
        note = f" ({n['cases']}/{n['of']} cases)" if n.get("cases") is not None and n.get("of") else ""
        lines.append(f"| {k}{note} | {'—' if v is None else f'{v:.3f}'} |")
    for k, v in sorted((result.get("llm_phrased") or {}).items()):
        lines.append(f"| {k} (share of LLM attempts the LLM phrased) | {'—' if v is None else f'{v:.3f}'} |")
    hv = result["hygiene_violations"]
    lines += ["", f"Draft hygiene over {hv.get('drafts', 0)} drafts: **{hv.get('total', 0)} violations**", ""]
    lines += ["| check | drafts with it |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in (hv.get("by_check") or {}).items()]
    lines += [
        "",
        "| run | cases | subset | pass rate | must-mention | drafts (by source) | wall s | s per case | run at |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in sorted(result["runs"].items()):
        if "error" in r:
            lines.append(f"| {name} | error: {r['error']} | | | | | | | |")
            continue
        lines.append(
            f"| {name} | {r['cases']}/{r['cases_in_suite']} | {'yes' if r['subset'] else 'no'} | {r['pass_rate']} | "
            f"{r['must_mention']} | {r['drafts']} {json.dumps(r.get('draft_sources', {}))} | {r['wall_s']} | "
            f"{r.get('s_per_case', '—')} | {r.get('run_at', '—')} |"
        )
    if subsets:
        lines += [
            "",
            "A subset run covers the first cases of its suite only (the local LLM on 2 shared cores is slow): its "
            "coverage is not comparable with the full no_llm runs. `draft_sources` shows how many drafts the LLM "
            "phrased and how many fell back to the template (a phrasing that failed a check).",
        ]
    lines += [
        "",
        "In llm mode `draft_sources` counts `llm` (phrased by the LLM), `fallback` (the LLM's wording failed a check, "
        "the template was sent) and `template` (no LLM call by design: a refusal, or a holding reply that cites "
        "nothing). `s per case` is the cases' wall time after the warm-up (services, tenant and model loading).",
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
    """The new runs plus the old file's runs of every (suite, mode) not run now (as they were, each row with its own
    `run_at`): re-run no_llm and keep the llm rows, or run llm on one more suite and keep the others. Hygiene totals
    are summed again over the merged runs. (`modes` is kept for callers; the pairs run now decide.)"""
    del modes
    merged = dict(new)
    runs = dict(new["runs"])
    metrics = dict(new["metrics"])
    covered = dict(new.get("cases_covered") or {})
    phrased = dict(new.get("llm_phrased") or {})
    for name, row in (old.get("runs") or {}).items():
        if name in runs:
            continue
        runs[name] = row
        stem, _, mode = name.rpartition(".")
        key = metric_key(stem, mode)
        if key in (old.get("metrics") or {}):
            metrics[key] = old["metrics"][key]
        if "cases" in row:
            covered[key] = (old.get("cases_covered") or {}).get(
                key, {"cases": row["cases"], "of": row.get("cases_in_suite")}
            )
        if mode == "llm" and "draft_sources" in row:
            phrased[key.replace("must_mention.", "llm_phrased.", 1)] = llm_phrased_share(row["draft_sources"])
    totals = dict.fromkeys(CHECKS, 0)
    drafts = 0
    for row in runs.values():
        for k, v in (row.get("hygiene") or {}).items():
            totals[k] = totals.get(k, 0) + int(v)
        drafts += int(row.get("drafts") or 0)
    merged.update(
        runs=runs,
        metrics=metrics,
        cases_covered=covered,
        llm_phrased=phrased,
        hygiene_violations={"total": sum(totals.values()), "by_check": totals, "drafts": drafts},
    )
    return merged


def _names(value: str, known: list[str], what: str, ap: argparse.ArgumentParser) -> list[str] | None:
    names = [s.strip() for s in value.split(",") if s.strip()]
    unknown = sorted(set(names) - set(known))
    if unknown:
        ap.error(f"unknown suite(s) in {what}: {unknown}; suites are {known}")
    return names or None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evals.answers", description=__doc__.splitlines()[0])
    ap.add_argument("--modes", default="no_llm,llm", help="comma-separated: no_llm, llm")
    ap.add_argument(
        "--llm-limit",
        type=int,
        default=None,
        help="cases per suite in llm mode (0 = all; default: all with --llm-only, else 6)",
    )
    ap.add_argument("--only", default="", help="comma-separated suite names (file stems)")
    ap.add_argument(
        "--llm-only",
        default="",
        help="comma-separated suite names that run in llm mode (e.g. demo,autodealer-heldout); the others run "
        "no_llm only",
    )
    ap.add_argument("--out", default=str(RESULTS / "answers.json"))
    ap.add_argument("--render", action="store_true", help="only re-render answers.md from --out")
    ap.add_argument(
        "--keep-other-modes",
        "--keep-other-runs",
        action="store_true",
        help="keep from the existing --out the rows of every (suite, mode) not run now (e.g. re-run no_llm and "
        "keep the llm rows, or add the tuning split's llm run to an earlier file)",
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
    known = [p.stem for p in sorted(SUITES.glob("*.yaml"))]
    only = _names(args.only, known, "--only", ap)
    llm_only = _names(args.llm_only, known, "--llm-only", ap)
    limit = args.llm_limit if args.llm_limit is not None else (0 if llm_only else 6)
    result = measure(modes, limit or None, only, llm_only)
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
