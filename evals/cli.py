"""`copilot eval …`: run suites, report, compare runs, gate releases, build suites from the ledger, run adapters;
and `copilot tenant eval`. The evaluator's commands, mounted on the `copilot` CLI through the `copilot.cli` entry
points (pyproject.toml): copilot never imports this module.

Exit codes: 0 ok · 1 a gate failed / a regression (when asked) · 2 bad input (malformed suite, config, run file)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from contract.errors import CopilotError

if TYPE_CHECKING:  # imported lazily at run time to keep `copilot --help` fast
    from evals.runner import GateResult, RunResult

app = typer.Typer(no_args_is_help=True, help="eval suites, reports, comparisons and release gates")
console = Console()
err = Console(stderr=True, highlight=False)
RUNS_SUBDIR = "eval-runs"  # under the data directory: `eval run` writes nothing outside it


def _fail(exc: CopilotError) -> typer.Exit:
    problems = exc.details.get("problems")
    if isinstance(problems, list):
        for p in problems:
            console.print(f"[red]{p}")
    else:
        console.print(f"[red]error: {exc.message}")
    return typer.Exit(2)


def _load_run(path: Path) -> RunResult:
    from pydantic import ValidationError

    from evals.runner import RunResult

    try:
        return RunResult.load(path)
    except (OSError, ValidationError) as exc:
        console.print(f"[red]cannot read run {path}: {str(exc).splitlines()[0]}")
        raise typer.Exit(2) from exc


def _gate_table(gates: list[GateResult]) -> Table:
    from evals.report.labels import fmt, metric_label

    table = Table(title="发布门禁 Release gates")
    for col in ("结果", "指标 Metric", "值 Value", "门槛 Bar"):
        table.add_column(col)
    for g in gates:
        bar = (f"≥ {fmt(g.min, g.metric)}" if g.min is not None else "") + (
            f" ≤ {fmt(g.max, g.metric)}" if g.max is not None else ""
        )
        table.add_row(
            "[green]✔" if g.passed else "[red]✘", metric_label(g.metric), fmt(g.value, g.metric), bar
        )
    return table


@app.command()
def run(
    suite: Annotated[Path, typer.Argument(help="suite file (.yaml / .jsonl)")],
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="run config YAML (target, settings, use_llm…)")
    ] = None,
    workers: Annotated[int | None, typer.Option("--workers", "-w", min=1)] = None,
    seed: Annotated[int | None, typer.Option("--seed")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="run JSON (default <data dir>/eval-runs/<id>.json)")
    ] = None,
    html: Annotated[Path | None, typer.Option("--html", help="HTML report (default next to --out)")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="run every case again")] = False,
    fail_on_gate: Annotated[
        bool, typer.Option("--fail-on-gate", help="exit 1 when a suite gate fails")
    ] = False,
    split: Annotated[
        str, typer.Option("--split", help="all | tuning | heldout (cases marked `heldout: true`)")
    ] = "all",
) -> None:
    """Run every case of SUITE through the configured target and store the results.

    Everything it writes (run files, caches, the run's fresh stores) goes under the data directory (the config's
    settings.data_dir, else COPILOT_DATA_DIR, else ./var); a data directory that does not exist yet is created."""
    run_eval(suite, config, workers, seed, out, html, no_cache, fail_on_gate, split)


def run_eval(
    suite: Path,
    config: Path | None = None,
    workers: int | None = None,
    seed: int | None = None,
    out: Path | None = None,
    html: Path | None = None,
    no_cache: bool = False,
    fail_on_gate: bool = False,
    split: str = "all",
    tenant_dir: Path | None = None,
    as_of: str | None = None,
) -> None:
    """`copilot eval run` (and `copilot tenant eval`): exits 2 on bad input, 1 on a failed gate when asked.
    `tenant_dir` / `as_of`: the pack to load and its date when the suite names none (the pack's profile)."""
    from evals.all import load_config
    from evals.cache import DiskCache
    from evals.judge import apply_judge, judge_from_config
    from evals.report import write_html, write_markdown
    from evals.runner import new_run_id, run_suite, target_from_config
    from evals.runner.run import select_split
    from evals.runner.target import data_root
    from evals.suite import load_suite, resolve_tenant_dir

    try:
        s = load_suite(suite)
        s = select_split(s, split, file_is_heldout="heldout" in suite.stem)
        if tenant_dir is not None and s.tenant is None:
            from evals.suite import TenantRef

            s = s.model_copy(update={"tenant": TenantRef(path=str(tenant_dir.resolve()), as_of=as_of)})
        elif as_of and s.tenant is not None and s.tenant.as_of is None:
            s = s.model_copy(update={"tenant": s.tenant.model_copy(update={"as_of": as_of})})
        cfg = load_config(config)
        root = data_root(cfg.get("settings"))
        root.mkdir(parents=True, exist_ok=True)
        cache = None if no_cache or not cfg.get("cache", True) else DiskCache(root / "eval-cache")
        target = target_from_config(
            cfg,
            tenant_dir=resolve_tenant_dir(s, suite) or tenant_dir,
            tenant=s.tenant,
            cache_root=cache.root.parent if cache is not None else None,
        )
    except CopilotError as exc:
        raise _fail(exc) from exc
    except OSError as exc:
        console.print(f"[red]error: cannot use the data directory: {exc}")
        raise typer.Exit(2) from exc
    run_id = new_run_id()
    n_workers = workers or int(cfg.get("workers", 1))
    run_seed = seed if seed is not None else int(cfg.get("seed", 0))
    cfg_record = {
        **cfg,
        "config_file": str(config or ""),
        "workers": n_workers,
        "seed": run_seed,
        "split": split,
    }
    result = run_suite(
        s,
        target,
        suite_path=suite,
        config=cfg_record,
        workers=n_workers,
        seed=run_seed,
        cache=cache,
        run_id=run_id,
        console=console,
    )
    judge = judge_from_config(cfg)
    if judge is not None:
        apply_judge(result, judge)
    close = getattr(target, "close", None)
    if callable(close):
        close()
    out_path = out or root / RUNS_SUBDIR / f"{run_id}.json"
    result.save(out_path)
    html_path = write_html(result, html or out_path.with_suffix(".html"))
    write_markdown(result, out_path.with_suffix(".md"))
    console.print(_gate_table(result.gates))
    counts = {k: sum(1 for c in result.cases if c.status == k) for k in ("pass", "fail", "error")}
    console.print(f"run {run_id}: {counts} · results {out_path} · report {html_path}")
    if fail_on_gate and not result.gates_passed:
        raise typer.Exit(1)


@app.command()
def report(
    run_file: Annotated[Path, typer.Argument(help="a run JSON")],
    html: Annotated[Path | None, typer.Option("--html")] = None,
    md: Annotated[Path | None, typer.Option("--md")] = None,
) -> None:
    """Write the HTML report and markdown summary of a stored run."""
    from evals.report import write_html, write_markdown

    r = _load_run(run_file)
    h = write_html(r, html or run_file.with_suffix(".html"))
    m = write_markdown(r, md or run_file.with_suffix(".md"))
    console.print(f"wrote {h} and {m}")


@app.command()
def compare(
    run_a: Annotated[Path, typer.Argument(help="the baseline run JSON")],
    run_b: Annotated[Path, typer.Argument(help="the candidate run JSON")],
    md: Annotated[Path | None, typer.Option("--md", help="also write the comparison as markdown")] = None,
    fail_on_regression: Annotated[bool, typer.Option("--fail-on-regression")] = False,
    latency_tolerance: Annotated[
        float, typer.Option(help="relative latency change treated as noise (shared machines)")
    ] = 0.2,
) -> None:
    """What improved or regressed from RUN_A to RUN_B, per metric and per case."""
    from evals.report import compare_runs, render_comparison_markdown
    from evals.report.labels import fmt, metric_label

    cmp = compare_runs(_load_run(run_a), _load_run(run_b), latency_tolerance=latency_tolerance)
    style = {"improved": "green", "regressed": "red", "same": "dim", "added": "cyan", "removed": "yellow"}
    table = Table(title=f"{cmp.run_a} → {cmp.run_b}")
    for col in ("指标 Metric", "A", "B", "变化 Change"):
        table.add_column(col)
    for d in cmp.metrics:
        table.add_row(
            metric_label(d.metric), fmt(d.a, d.metric), fmt(d.b, d.metric), f"[{style[d.change]}]{d.change}"
        )
    console.print(table)
    for c in cmp.cases:
        if c.change != "same":
            detail = " ".join([*(f"+{x}" for x in c.fixed), *(f"-{x}" for x in c.broken)])
            console.print(f"[{style[c.change]}]{c.change:9}[/] {c.case_id}: {c.a} → {c.b} {detail}")
    if md is not None:
        md.write_text(render_comparison_markdown(cmp), encoding="utf-8")
    if fail_on_regression and cmp.has_regressions:
        raise typer.Exit(1)


@app.command()
def gate(
    run_file: Annotated[Path, typer.Argument(help="a run JSON")],
    thresholds: Annotated[
        Path | None, typer.Option("--thresholds", "-t", help="gates YAML; default: the suite's own")
    ] = None,
) -> None:
    """Exit 1 when any gate fails (for CI)."""
    from evals.gates import evaluate_gates, load_thresholds

    r = _load_run(run_file)
    try:
        results = evaluate_gates(load_thresholds(thresholds), r.metrics) if thresholds else r.gates
    except CopilotError as exc:
        raise _fail(exc) from exc
    console.print(_gate_table(results))
    if not all(g.passed for g in results):
        console.print("[red]gate failed")
        raise typer.Exit(1)
    console.print("[green]all gates pass")


@app.command()
def validate(suite: Annotated[Path, typer.Argument()]) -> None:
    """Check a suite against the schema; every problem is printed with its file and line."""
    from evals.suite import load_suite

    try:
        s = load_suite(suite)
    except CopilotError as exc:
        raise _fail(exc) from exc
    console.print(f"[green]{suite}: {len(s.cases)} cases, {len(s.all_gates())} gates")


@app.command()
def schema(out: Annotated[Path | None, typer.Option("--out")] = None) -> None:
    """Write the suite JSON schema (default evals/schema/suite.schema.json)."""
    from evals.suite.schema import SCHEMA_PATH, write_schema

    console.print(f"wrote {write_schema(out or SCHEMA_PATH)}")


def _read_entries(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        return list(json.loads(text))
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@app.command("from-ledger")
def from_ledger(
    export: Annotated[Path, typer.Argument(help="`copilot ledger export` JSONL (or a JSON list)")],
    out: Annotated[Path, typer.Option("--out", "-o")],
    name: Annotated[str, typer.Option("--name")] = "from-ledger",
    since: Annotated[str | None, typer.Option(help="ISO date/time")] = None,
    until: Annotated[str | None, typer.Option(help="ISO date/time")] = None,
) -> None:
    """Build a suite from ledger entries: the humans' decisions and edits become the expectations."""
    from evals.history import suite_from_ledger, suite_to_yaml

    try:
        s = suite_from_ledger(_read_entries(export), name=name, since=_when(since), until=_when(until))
    except CopilotError as exc:
        raise _fail(exc) from exc
    out.write_text(suite_to_yaml(s), encoding="utf-8")
    console.print(f"wrote {out}: {len(s.cases)} cases")


@app.command("human-rates")
def human_rates_cmd(
    export: Annotated[Path, typer.Argument(help="ledger export JSONL")],
    since: Annotated[str | None, typer.Option()] = None,
    until: Annotated[str | None, typer.Option()] = None,
    by: Annotated[
        str | None, typer.Option(help="group by an entry field: intent, rep_ref, customer_ref")
    ] = None,
) -> None:
    """Acceptance / edit / reject rates of human decisions over a period."""
    from evals.metrics import human_rates

    rates = human_rates(_read_entries(export), since=_when(since), until=_when(until), by=by)
    table = Table(title="人工采纳率 Human decisions")
    for col in ("group", "shown", "decided", "accept", "edit", "reject"):
        table.add_column(col)
    for group, r in rates.items():
        table.add_row(
            group,
            f"{r['shown']:.0f}",
            f"{r['decided']:.0f}",
            f"{r['acceptance_rate']:.2f}",
            f"{r['edit_rate']:.2f}",
            f"{r['reject_rate']:.2f}",
        )
    console.print(table)


@app.command()
def adapter(
    name: Annotated[
        str,
        typer.Argument(help="tau_knowledge | tau2_actions | ecom_actions | banking77 | clinc150 | dstc11"),
    ],
    limit: Annotated[int | None, typer.Option("--limit", help="CI-sized subset")] = None,
) -> None:
    """Run one benchmark adapter and write evals/results/adapter_<name>.{json,md}."""
    from evals.all import adapters

    table = adapters()
    if name not in table:
        console.print(f"[red]unknown adapter {name!r}; choose one of {', '.join(table)}")
        raise typer.Exit(2)
    try:
        result = table[name](limit=limit)
    except CopilotError as exc:
        raise _fail(exc) from exc
    result.save()
    console.print(result.to_markdown())


@app.command("all")
def all_cmd(
    config: Annotated[Path | None, typer.Option("--config", "-c")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="CI-sized adapter subsets")] = None,
    only: Annotated[list[str] | None, typer.Option("--only", help="suite stems / adapter names")] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="exit 1 when a suite gate or an adapter fails")
    ] = False,
) -> None:
    """Every suite and adapter in full; results in evals/results/, docs/benchmarks.md regenerated."""
    from evals.all import run_all

    summary = run_all(config_path=config, limit=limit, only=only, console=console)
    console.print(summary)
    bad = [k for k, ok in summary["suites"].items() if not ok] + [
        k for k, v in summary["adapters"].items() if v != "ok"
    ]
    if strict and bad:
        raise typer.Exit(1)


@app.command("docs")
def docs_cmd() -> None:
    """Regenerate docs/benchmarks.md from evals/results/*.md only."""
    from evals.report import write_benchmarks_doc

    console.print(f"wrote {write_benchmarks_doc()}")


# ---- `copilot tenant eval` (entry point `tenant.eval`) ----------------------------------------------------------------


def tenant_eval(
    path: Annotated[Path, typer.Argument(help="the tenant pack's folder")],
    config: Annotated[Path | None, typer.Option("--config", "-c", help="run config YAML")] = None,
    split: Annotated[str, typer.Option(help="all | tuning | heldout")] = "all",
    no_cache: Annotated[bool, typer.Option("--no-cache")] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="run JSON (one suite only)")] = None,
) -> None:
    """Run the pack's eval suites (profile `evals:`, else evals/*.yaml in the pack) through the real copilot."""
    from copilot.cli.tenant_validate import load_profile, suite_paths

    root = Path(path).resolve()
    if not root.is_dir():
        err.print(f"[red]{path}: not a folder")
        raise typer.Exit(2)
    profile = load_profile(root)
    suites = suite_paths(root, profile) or _repo_suites(profile.id)
    if not suites:
        err.print(f"[red]{path}: no eval suite (add evals/suite.yaml or `evals:` in profile.yaml)")
        raise typer.Exit(2)
    for suite in suites:
        console.rule(str(suite.name))
        run_eval(
            suite,
            config,
            out=out if len(suites) == 1 else None,
            no_cache=no_cache,
            split=split,
            tenant_dir=root,
            as_of=profile.as_of,
        )


def _repo_suites(tenant: str) -> list[Path]:
    """A bundled pack's suites live in evals/suites/: <id>.yaml (tuning) and <id>-heldout.yaml."""
    folder = Path(__file__).resolve().parent / "suites"
    return [p for p in (folder / f"{tenant}.yaml", folder / f"{tenant}-heldout.yaml") if p.is_file()]
