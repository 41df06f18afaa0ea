"""Per-tenant, per-split quality: every tenant's suites in evals/suites (grouped by the tenant folder they name) run
through the real copilot (the no-LLM config `make eval` uses), reported under keys `<tenant>.<split>.<metric>` in
evals/results/tenants.json + .md, with the splits `tuning` and `heldout` (cases marked `heldout: true`, or every case
of a *heldout* suite file). Plus a zero-config row per tenant, `<tenant>:zero-config.<split>.<metric>`: the same pack
with intents reduced to their descriptions (no examples, keywords or cues), no action examples and no playbook rules.

Learning gain (issue 16): the tuning split is run once more, and every turn it gets wrong becomes a rep's rejection in
that run's ledger — reason `wrong_intent` (「应为 <intent>」) when the intent is wrong, else `wrong_action` (「应为
<action>」) when the expected action is not in the top two. The product's learning path then collects them
(agents/learning.py: `collect_candidates`, what `copilot tenant learn` runs), every candidate is approved (standing in
for the admin's review) and applied to a copy of the pack (`apply_candidates`), and both splits are scored with the
learned copy: `<tenant>:learned.<split>.<metric>` and `<tenant>.<split>.learning_gain.<metric>` = learned − as shipped.
The same for the zero-config copy (`<tenant>:zero-config.<split>.learning_gain.<metric>`): what reps' corrections teach a
descriptions-only pack. Corrections come from tuning cases only; held-out cases are only scored.

Held-out cases are run, never shown: the report holds aggregate numbers only, for every split.

    python -m evals.tenants_report [--only TENANT] [--no-zero-config] [--no-learning-gain]
                                   [--config evals/configs/no-llm.yaml]"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console

from copilot.settings import REPO_ROOT
from evals.all import DEFAULT_CONFIG, load_config
from evals.metrics import compute_metrics
from evals.runner import CaseResult, run_suite, target_from_config
from evals.runner.results import TurnResult
from evals.runner.run import tenant_id
from evals.suite import Suite, load_suite, resolve_tenant_dir

SUITES_DIR = REPO_ROOT / "evals" / "suites"
RESULTS_DIR = REPO_ROOT / "evals" / "results"
SPLITS = ("tuning", "heldout")
METRICS = {  # report name → run metric
    "intent_accuracy": "intent.accuracy",
    "clause_recall_at_5": "retrieval.recall@5",
    "action_top2": "action.top2",
    "must_mention_coverage": "must_mention.coverage",
    "signal_recall": "signals.recall",
    "pii_leaks": "pii.leaks",
    "authz_refusals_correct": "authz.refusals_correct",
    # diagnostic, no goal: traps refused whatever the reason (authz_refusals_correct also needs the expected reason)
    "authz_traps_refused_any_reason": "authz.traps_refused_any_reason",
}
EXTRA = {"cases": "cases.n", "errors": "cases.errors", "pass_rate": "cases.pass_rate"}
GOALS = {  # issue 16, on the second tenant's held-out split
    "intent_accuracy": (">=", 0.9),
    "clause_recall_at_5": (">=", 0.85),
    "action_top2": (">=", 0.85),
    "signal_recall": (">=", 0.8),
    "pii_leaks": ("==", 0.0),
    "authz_refusals_correct": ("==", 1.0),
}


def tenant_suites(only: list[str] | None = None) -> dict[str, list[tuple[Path, Suite]]]:
    """Tenant id → its suite files (a suite without a tenant block is skipped: it names no pack)."""
    out: dict[str, list[tuple[Path, Suite]]] = defaultdict(list)
    for path in sorted([*SUITES_DIR.glob("*.yaml"), *SUITES_DIR.glob("*.jsonl")]):
        suite = load_suite(path)
        if suite.tenant is None:
            continue
        tid = tenant_id(suite)
        if only and tid not in only:
            continue
        out[tid].append((path, suite))
    return dict(out)


def zero_config_copy(tenant_dir: Path, dest: Path) -> Path:
    """The pack with intents reduced to name, label, description and policy hint; no action examples; no rules."""
    shutil.copytree(tenant_dir, dest)
    intents_path = dest / "intents.yaml"
    data = yaml.safe_load(intents_path.read_text(encoding="utf-8")) or {}
    keep = ("name", "label_zh", "description", "policy_hint")
    data["intents"] = [{k: v for k, v in i.items() if k in keep} for i in data.get("intents") or []]
    data["abstain_thresholds"] = {}
    intents_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    actions_path = dest / "actions.yaml"
    actions = yaml.safe_load(actions_path.read_text(encoding="utf-8")) or {}
    for a in actions.get("actions") or []:
        a.pop("examples", None)
    actions_path.write_text(yaml.safe_dump(actions, allow_unicode=True, sort_keys=False), encoding="utf-8")
    playbooks_path = dest / "playbooks.yaml"
    pbs = yaml.safe_load(playbooks_path.read_text(encoding="utf-8")) or {}
    for pb in pbs.get("playbooks") or []:
        pb["rules"] = []
    playbooks_path.write_text(yaml.safe_dump(pbs, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dest


def tuning_only(suites: list[tuple[Path, Suite]]) -> list[tuple[Path, Suite]]:
    """The suites with their held-out cases (and held-out files) removed: what corrections may be gathered on."""
    out = []
    for path, suite in suites:
        if "heldout" in path.stem:
            continue
        cases = [c for c in suite.cases if not c.heldout]
        if cases:
            out.append((path, suite.model_copy(update={"cases": cases})))
    return out


def correction_for(turn: TurnResult) -> tuple[str, str] | None:
    """(reason_code, reason_text) a rep would give rejecting this turn's suggestion; None when it was right."""
    expect, sug = turn.expect or {}, turn.suggestion or {}
    if not sug.get("id"):
        return None
    want = expect.get("intent")
    got = (sug.get("intent") or {}).get("name")
    if want and got != want:
        return "wrong_intent", f"应为 {want}"
    wanted = [a["name"] if isinstance(a, dict) else str(a) for a in expect.get("actions") or []]
    top2 = [a.get("name") for a in (sug.get("actions") or [])[:2]]
    if wanted and not set(wanted) & set(top2):
        return "wrong_action", f"应为 {wanted[0]}"
    return None


@dataclass
class LearnedPack:
    folder: Path
    rejections: int = 0
    candidates: int = 0
    applied: int = 0
    skipped: int = 0
    errored_cases: int = 0  # tuning cases that crashed in the gathering run (they give no correction)


def learn_from_tuning(
    suites: list[tuple[Path, Suite]], config: dict[str, Any], console: Console, folder: Path, dest: Path
) -> LearnedPack:
    """Runs the tuning split, records a rejection for each wrong turn in that run's ledger, then collects, approves
    and applies the candidates to a copy of the pack at `dest` through agents/learning.py."""
    from agents.learning import apply_candidates, collect_candidates, write_candidates
    from agents.tenant import TenantConfig
    from contract.decisions import DecisionKind, HumanDecision
    from contract.ports import Actor

    shutil.copytree(folder, dest)
    tuning = tuning_only(suites)
    learned = LearnedPack(folder=dest)
    if not tuning:
        return learned
    first_path, first = tuning[0]
    target = target_from_config(config, tenant_dir=folder, tenant=first.tenant)
    try:
        tenant = TenantConfig.load(folder)
        reviewer = Actor(id="learning-review", role="admin", tenant=tenant.tenant)
        for path, suite in tuning:
            console.print(f"  {path.name}: {len(suite.cases)} tuning cases, gathering corrections")
            run = run_suite(suite, target, suite_path=path, config=config, workers=1)
            ledger = target.services().ledger  # type: ignore[attr-defined]
            learned.errored_cases += sum(1 for c in run.cases if c.status == "error")
            for case in run.cases:
                for turn in case.turns:
                    found = correction_for(turn)
                    if found is None:
                        continue
                    code, text = found
                    decision = HumanDecision(
                        suggestion_id=str((turn.suggestion or {})["id"]),
                        kind=DecisionKind.REJECT,
                        actor=reviewer.id,
                        reason_code=code,
                        reason_text=text,
                    )
                    ledger.record_decision(decision, actor=reviewer)
                    learned.rejections += 1
        report = collect_candidates(target.services().ledger, tenant)  # type: ignore[attr-defined]
    finally:
        close = getattr(target, "close", None)
        if callable(close):
            close()
    learned.candidates, learned.skipped = len(report.candidates), len(report.skipped)
    for c in report.candidates:
        c.status = "approved"  # stands in for the admin's review: every correction is taught
    file = dest / "learning" / "candidates.yaml"
    write_candidates(report.candidates, file, tenant=tenant.tenant, replace=True)
    learned.applied = len(apply_candidates(file, dest).applied)
    return learned


def gains(tenant: str, before: dict[str, Any], after: dict[str, Any]) -> dict[str, float | None]:
    """`<tenant>.<split>.learning_gain.<metric>` = learned − as shipped (None when either is missing)."""
    out: dict[str, float | None] = {}
    for split in SPLITS:
        for name in METRICS:
            b, a = before.get(f"{tenant}.{split}.{name}"), after.get(f"{tenant}:learned.{split}.{name}")
            ok = isinstance(a, int | float) and isinstance(b, int | float)
            out[f"{tenant}.{split}.learning_gain.{name}"] = round(float(a) - float(b), 4) if ok else None  # type: ignore[arg-type]
    return out


def run_tenant(
    suites: list[tuple[Path, Suite]], config: dict[str, Any], console: Console, tenant_dir: Path | None = None
) -> dict[str, list[CaseResult]]:
    """Every case of the tenant's suites through one target; results grouped by split."""
    first_path, first = suites[0]
    folder = tenant_dir or resolve_tenant_dir(first, first_path)
    target = target_from_config(config, tenant_dir=folder, tenant=first.tenant)
    by_split: dict[str, list[CaseResult]] = {s: [] for s in SPLITS}
    try:
        for path, suite in suites:
            file_heldout = "heldout" in path.stem
            console.print(f"  {path.name}: {len(suite.cases)} cases")
            run = run_suite(
                suite, target, suite_path=path, config=config, workers=int(config.get("workers", 1))
            )
            for case in run.cases:
                by_split["heldout" if (case.heldout or file_heldout) else "tuning"].append(case)
    finally:
        close = getattr(target, "close", None)
        if callable(close):
            close()
    return by_split


def metrics_for(tenant: str, by_split: dict[str, list[CaseResult]]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for split in SPLITS:
        cases = by_split.get(split, [])
        m = compute_metrics([c.model_dump(mode="json") for c in cases]) if cases else {}
        for name, key in {**METRICS, **EXTRA}.items():
            value = m.get(key)
            if name == "cases":
                value = float(len(cases))
            out[f"{tenant}.{split}.{name}"] = round(value, 4) if isinstance(value, float) else value
    return out


BATCH = re.compile(
    r"^(?:[a-z]+-)?((?:ho|t)\d+)-"
)  # ad-ho6-03 → ho6, ad-t7-01 → t7: cases written in one sitting


def batch_of(case_id: str) -> str:
    """The batch a case was written in, from its id (`earlier` when the id names none). Fresh batches are written
    blind before the session's tuning, so the newest held-out batch is the plainest test of generalisation."""
    m = BATCH.match(case_id)
    return m.group(1) if m else "earlier"


def batch_metrics(tenant: str, by_split: dict[str, list[CaseResult]]) -> dict[str, float | None]:
    """`<tenant>.<split>.batch.<batch>.<metric>`: the same aggregates per writing batch (aggregates only: held-out
    cases are never shown one by one)."""
    out: dict[str, float | None] = {}
    for split in SPLITS:
        groups: dict[str, list[CaseResult]] = defaultdict(list)
        for case in by_split.get(split, []):
            groups[batch_of(case.case_id)].append(case)
        if len(groups) < 2:
            continue
        for batch, cases in sorted(groups.items()):
            m = compute_metrics([c.model_dump(mode="json") for c in cases])
            out[f"{tenant}.{split}.batch.{batch}.cases"] = float(len(cases))
            for name, key in METRICS.items():
                value = m.get(key)
                out[f"{tenant}.{split}.batch.{batch}.{name}"] = (
                    round(value, 4) if isinstance(value, float) else value
                )
    return out


def _goal_met(value: float | None, goal: tuple[str, float]) -> str:
    if value is None:
        return "n/a"
    op, bar = goal
    ok = value >= bar if op == ">=" else value == bar
    return "✔" if ok else "✘"


def fmt(v: Any) -> str:
    """A metric cell: counts as integers, ratios to three places, — for no value."""
    if v is None:
        return "—"
    return f"{v:.0f}" if float(v).is_integer() and v > 1 else f"{v:.3f}".rstrip("0").rstrip(".") or "0"


def run_meta(config_path: Path) -> dict[str, Any]:
    """When and with which config a report was generated (its `_meta`)."""
    shown = config_path.relative_to(REPO_ROOT) if config_path.is_relative_to(REPO_ROOT) else config_path
    return {"generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "config": str(shown)}


def render_markdown(results: dict[str, Any], tenants: list[str]) -> str:
    meta = results["_meta"]
    lines = [
        "# Tenants — quality per tenant and split",
        "",
        f"_Generated {meta['generated_at']} by `python -m evals.tenants_report` (config `{meta['config']}`, "
        "the real graph without the LLM)._",
        "",
        "Splits: `tuning` = cases the pack may be tuned on; `heldout` = cases marked `heldout: true` (never tuned on; "
        "aggregates only). `:zero-config` = the same pack with intents reduced to their descriptions (no examples, "
        "keywords or cues), no action examples and no playbook rules.",
        "",
        "| tenant | split | cases | errors | intent acc | clause R@5 | action top-2 | must-mention | signal recall "
        "| PII leaks | authz refusals | traps refused, any reason |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    for t in tenants:
        for split in SPLITS:
            row = [results.get(f"{t}.{split}.{k}") for k in ("cases", "errors", *METRICS)]
            lines.append(f"| {t} | {split} | " + " | ".join(fmt(v) for v in row) + " |")
    second = [t for t in tenants if ":" not in t and t != "demo"]
    if second:
        lines += ["", f"## Goals on the held-out split ({', '.join(second)})", ""]
        lines += ["| tenant | metric | goal | value | met |", "|---|---|---|---:|:-:|"]
        for t in second:
            for name, goal in GOALS.items():
                v = results.get(f"{t}.heldout.{name}")
                lines.append(f"| {t} | {name} | {goal[0]} {goal[1]:g} | {fmt(v)} | {_goal_met(v, goal)} |")
    batched = sorted({k.split(".batch.")[0] for k in results if ".batch." in k})
    if batched:
        lines += [
            "",
            "## Per writing batch",
            "",
            "Cases are written in batches (the id names the batch: `ho6` = held-out batch 6, `t7` = tuning batch 7; "
            "`earlier` = before batches were numbered). Each new batch is written from the pack alone before that "
            "session's tuning, so the newest batch shows how the product does on wording it has never seen.",
            "",
            "| tenant | split | batch | cases | intent acc | clause R@5 | action top-2 | must-mention | signal recall "
            "| PII leaks | authz refusals | traps refused, any reason |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for prefix in batched:
            t, split = prefix.rsplit(".", 1)
            names = sorted(
                {k[len(prefix) + 7 :].split(".")[0] for k in results if k.startswith(prefix + ".batch.")}
            )
            for b in names:
                row = [results.get(f"{prefix}.batch.{b}.{k}") for k in ("cases", *METRICS)]
                lines.append(f"| {t} | {split} | {b} | " + " | ".join(fmt(v) for v in row) + " |")
    learned = [t for t in tenants if f"{t}.learning.rejections" in results]
    if learned:
        lines += [
            "",
            "## Learning from corrections (gathered on the tuning split only)",
            "",
            "Each wrong tuning turn became a rep's rejection (wrong intent / wrong action + the right value); "
            "`agents/learning.py` collected them, all were approved and applied to a copy of the pack; gain = "
            "learned − as shipped.",
            "",
            "| tenant | rejections | candidates | applied | split | intent acc gain | action top-2 gain "
            "| must-mention gain | intent acc learned |",
            "|---|---:|---:|---:|---|---:|---:|---:|---:|",
        ]
        for t in learned:
            counts = [results.get(f"{t}.learning.{k}") for k in ("rejections", "candidates", "applied")]
            for split in SPLITS:
                g = [
                    results.get(f"{t}.{split}.learning_gain.{k}")
                    for k in ("intent_accuracy", "action_top2", "must_mention_coverage")
                ]
                row = [*counts, split, *g, results.get(f"{t}:learned.{split}.intent_accuracy")]
                lines.append(
                    f"| {t} | " + " | ".join(v if isinstance(v, str) else fmt(v) for v in row) + " |"
                )
    lines += [
        "",
        "— = the split has no case that scores this metric (e.g. no held-out case in the demo suite).",
        "",
    ]
    for name, message in (meta.get("errors") or {}).items():
        lines.append(f"- **{name} could not run**: {message}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    ap.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    ap.add_argument("--only", action="append", help="tenant id (repeatable)")
    ap.add_argument("--no-zero-config", action="store_true")
    ap.add_argument(
        "--no-learning-gain", action="store_true", help="skip the corrections → learned pack → rescore step"
    )
    ap.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = ap.parse_args(argv)
    console = Console()
    config = {**load_config(args.config), "cache": False}
    results: dict[str, Any] = {
        "_meta": {
            **run_meta(args.config),
            "metrics": METRICS,
            "goals_heldout": {k: f"{op} {bar:g}" for k, (op, bar) in GOALS.items()},
        }
    }
    tenants: list[str] = []
    errors: dict[str, str] = {}

    def measure(name: str, suites: list[tuple[Path, Suite]], folder: Path | None = None) -> None:
        """One row pair; a tenant that cannot run at all is reported as such, and the others still run."""
        try:
            by_split = run_tenant(suites, config, console, folder)
            results.update(metrics_for(name, by_split))
            if ":" not in name:  # the shipped pack only: the variants' batches add nothing to read
                results.update(batch_metrics(name, by_split))
        except Exception as exc:  # a broken pack must not hide the other tenants' numbers
            errors[name] = f"{type(exc).__name__}: {str(exc)[:300]}"
            console.print(f"[red]{name}: {errors[name]}")
            results.update(metrics_for(name, {}))
        tenants.append(name)

    def measure_learning(tid: str, suites: list[tuple[Path, Suite]], folder: Path | None = None) -> None:
        first_path, first = suites[0]
        folder = folder or resolve_tenant_dir(first, first_path)
        if folder is None:
            return
        with tempfile.TemporaryDirectory(prefix="learned-") as tmp:
            try:
                learned = learn_from_tuning(suites, config, console, folder, Path(tmp) / folder.name)
            except Exception as exc:  # the learning step must not hide the tenant's own numbers
                errors[f"{tid}:learned"] = f"{type(exc).__name__}: {str(exc)[:300]}"
                console.print(f"[red]{tid} learning: {errors[f'{tid}:learned']}")
                return
            for key in ("rejections", "candidates", "applied", "skipped", "errored_cases"):
                results[f"{tid}.learning.{key}"] = float(getattr(learned, key))
            console.print(
                f"  {learned.rejections} rejections → {learned.candidates} candidates → {learned.applied} applied"
                + (f" ({learned.errored_cases} tuning cases crashed)" if learned.errored_cases else "")
            )
            name = f"{tid}:learned"
            if learned.applied:
                results.update(metrics_for(name, run_tenant(suites, config, console, learned.folder)))
            else:  # nothing learned: the learned pack is the shipped one
                before = metrics_for(tid, {})
                results.update({k.replace(tid, name, 1): results.get(k) for k in before})
            results.update(gains(tid, results, results))

    for tid, suites in tenant_suites(args.only).items():
        console.rule(f"tenant {tid}")
        measure(tid, suites)
        if not args.no_learning_gain:
            console.rule(f"tenant {tid} — learning from tuning-split corrections")
            measure_learning(tid, suites)
        if args.no_zero_config:
            continue
        console.rule(f"tenant {tid} — zero-config")
        first_path, first = suites[0]
        folder = resolve_tenant_dir(first, first_path)
        if folder is None:
            continue
        with tempfile.TemporaryDirectory(prefix="zero-config-") as tmp:
            bare = zero_config_copy(folder, Path(tmp) / folder.name)
            measure(f"{tid}:zero-config", suites, bare)
            if not args.no_learning_gain:  # what a new tenant's reps teach a descriptions-only pack
                console.rule(f"tenant {tid} — zero-config, learning from tuning-split corrections")
                measure_learning(f"{tid}:zero-config", suites, bare)
    results["_meta"]["errors"] = errors
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "tenants.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (args.out / "tenants.md").write_text(render_markdown(results, tenants), encoding="utf-8")
    console.print(f"wrote {args.out / 'tenants.json'} and {args.out / 'tenants.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
