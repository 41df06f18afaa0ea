"""`copilot tenant …` — tenant packs as a product: scaffold one, validate it (every problem with file:line and a fix),
import it (CRM, policies, config — validated first, nothing half-way, idempotent), propose its CRM mapping from the
data, and learn from the humans' corrections. `copilot tenant eval` comes from the evaluator plugin (evals/cli.py).
The pack layout: docs/tenant-pack.md.

Exit codes: 0 ok · 1 the pack has problems / a gate failed · 2 bad input (no such folder, unreadable source)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from contract.errors import CopilotError

app = typer.Typer(
    no_args_is_help=True, help="tenant packs: init, validate, import, eval, infer-mapping, learn"
)
console = Console(highlight=False)
err = Console(stderr=True, highlight=False)

PackPath = Annotated[Path, typer.Argument(help="the tenant pack's folder")]


def _fail(exc: CopilotError, code: int = 2) -> typer.Exit:
    err.print(f"[red]error ({exc.reason}): {exc.message}")
    return typer.Exit(code)


def _problems_or_exit(path: Path) -> None:
    from copilot.cli.tenant_validate import validate_pack

    problems = validate_pack(path)
    if problems:
        err.print(f"[red]{path}: {len(problems)} problem(s) — nothing was loaded")
        for p in problems:
            err.print(f"  {p}", soft_wrap=True)
        raise typer.Exit(1)


@app.command()
def init(
    name: Annotated[str, typer.Argument(help="the tenant id (lowercase letters, digits, - or _)")],
    directory: Annotated[
        Path | None, typer.Option("--dir", help="where to write it (default ./NAME)")
    ] = None,
) -> None:
    """Scaffold a small, complete pack (profile, policies, CRM CSVs + mapping, taxonomy, actions, playbooks, signals,
    vocabulary, tools, eval suite) that validates, imports and evaluates as written."""
    from copilot.cli.tenant_scaffold import scaffold
    from copilot.cli.tenant_validate import TENANT_ID

    if not TENANT_ID.match(name):
        err.print(f"[red]tenant id {name!r}: use 2-40 lowercase letters, digits, '-' or '_'")
        raise typer.Exit(2)
    dest = directory or Path(name)
    try:
        files = scaffold(dest, name)
    except CopilotError as exc:
        raise _fail(exc) from exc
    console.print(f"wrote {len(files)} files to {dest}")
    console.print(
        f"next: edit them, then `copilot tenant validate {dest}` and `copilot tenant import {dest}`"
    )


@app.command()
def validate(
    path: PackPath,
    as_json: Annotated[bool, typer.Option("--json", help="print the problems as JSON (for CI)")] = False,
) -> None:
    """Report EVERY problem of the pack at once, each with file:line, the field and a fix."""
    from copilot.cli.tenant_validate import validate_pack

    problems = validate_pack(path)
    if as_json:
        import dataclasses
        import json

        typer.echo(json.dumps([dataclasses.asdict(p) for p in problems], ensure_ascii=False, indent=1))
        raise typer.Exit(1 if problems else 0)
    if not problems:
        console.print(f"[green]{path}: valid")
        return
    err.print(f"[red]{path}: {len(problems)} problem(s)")
    for p in problems:
        err.print(f"  {p}", soft_wrap=True)
    raise typer.Exit(1)


def import_pack(
    path: Path, *, data_dir: Path | None = None, say: Any = None, force: bool = False
) -> dict[str, Any]:
    """Validate, then load the CRM (CSV import, or check the live database) and the policies into the stores of the
    settings (data_dir), and build the services once so the config is known to start. Idempotent: unchanged CSVs
    and policies write nothing. Returns what was loaded."""
    from contract.errors import UserError
    from copilot.cli.tenant_validate import load_profile, validate_pack
    from copilot.settings import Settings
    from knowledge.crm import import_csv, load_mapping
    from knowledge.crm.generator import has_generator, run_generator

    say = say or (lambda _m: None)
    root = Path(path).resolve()
    problems = validate_pack(root)
    if problems:
        raise UserError(
            f"{root}: {len(problems)} problem(s), nothing loaded:\n" + "\n".join(f"  {p}" for p in problems),
            reason="tenant_invalid",
            problems=[str(p) for p in problems],
        )
    profile = load_profile(root)
    values: dict[str, Any] = {"tenant_dir": root, "tenant": profile.id}
    # one data directory per tenant by default, so two tenants' CRM, policies and ledger never share a store
    values["data_dir"] = data_dir if data_dir is not None else Settings().data_dir / "tenants" / profile.id
    if profile.crm.url:
        values["crm_url"] = profile.crm.url
    settings = Settings(**values)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"tenant": profile.id, "data_dir": str(settings.data_dir.resolve())}
    mapping = load_mapping(root / "crm" / "mapping.yaml")
    if profile.crm.url:
        say(f"CRM: live database {profile.crm.url.split('@')[-1]} (read-only), mapping checked")
        report["crm"] = "live"
    elif not any((root / profile.crm.csv).glob("*.csv")) and has_generator(root):
        from datetime import date

        as_of = date.fromisoformat(profile.as_of[:10]) if profile.as_of else None
        say(f"CRM: running the pack's generator (crm/generate.py) as of {as_of or 'today'} …")
        report["crm"] = run_generator(root, settings.crm_database_url, today=as_of)
    else:
        say("CRM: importing CSVs …")
        report["crm"] = import_csv(
            (root / profile.crm.csv), settings.crm_database_url, mapping, progress=say, force=force
        )
    from copilot.wiring import build_services

    say("config: building the copilot once (intents, actions, playbooks, rails, CRM mapping) …")
    services = build_services(settings, use_llm=False)
    try:
        report["policies"] = _import_policies(services.policy_store, root / "policies", say)
    finally:
        services.close()
    return report


def _import_policies(store: Any, folder: Path, say: Any) -> dict[str, int]:
    """Add new or changed policy versions; an unchanged version (same content hash) is left as it is."""
    from knowledge.policy.ingest import doc_hash
    from knowledge.policy.loaders import iter_sources, load_file

    docs = [load_file(p) for p in iter_sources(folder)]
    changed = []
    for d in docs:
        existing = store.catalog.document(d.meta.doc_id, d.meta.version)
        if existing is None or existing.get("content_hash") != doc_hash(d):
            changed.append(d)
    say(f"policies: {len(docs)} documents, {len(changed)} new or changed")
    if changed:

        def progress(step: str, i: int, n: int) -> None:
            say(f"  {step}")

        store.add_documents(changed, replace=True, progress=progress)
    return {"documents": len(docs), "written": len(changed)}


@app.command("import")
def import_cmd(
    path: PackPath,
    data_dir: Annotated[
        Path | None, typer.Option(help="stores to load into (default: COPILOT_DATA_DIR)")
    ] = None,
    force: Annotated[bool, typer.Option(help="re-import CSVs even when unchanged")] = False,
) -> None:
    """Validate, then load it all — CRM, policies, config — with progress. Nothing half-way on error; importing the
    same pack twice changes nothing."""
    try:
        report = import_pack(path, data_dir=data_dir, say=lambda m: console.print(m), force=force)
    except CopilotError as exc:
        problems = exc.details.get("problems")
        if isinstance(problems, list):
            err.print(f"[red]{path}: {len(problems)} problem(s) — nothing was loaded")
            for p in problems:
                err.print(f"  {p}", soft_wrap=True)
            raise typer.Exit(1) from exc
        raise _fail(exc) from exc
    console.print(f"[green]tenant {report['tenant']} imported into {report['data_dir']}")
    console.print(
        f"serve it: COPILOT_TENANT={report['tenant']} COPILOT_TENANT_DIR={Path(path).resolve()} "
        f"COPILOT_DATA_DIR={report['data_dir']} copilot serve"
    )


@app.command("infer-mapping")
def infer_mapping_cmd(
    source: Annotated[str, typer.Argument(help="a folder of CSVs, or a SQL URL (read-only)")],
) -> None:
    """Propose mapping YAML from table and column names (zh/en), types and sampled values; review it, then
    `copilot tenant validate` checks it against the data. Prints to stdout: `… > crm/mapping.yaml`."""
    from knowledge.crm.infer import infer_from

    try:
        typer.echo(infer_from(source))
    except CopilotError as exc:
        raise _fail(exc) from exc
    except OSError as exc:
        err.print(f"[red]cannot read {source}: {exc}")
        raise typer.Exit(2) from exc


@app.command()
def learn(
    path: PackPath,
    candidates: Annotated[
        Path | None, typer.Option(help="reviewable candidates file (default <pack>/learning/candidates.yaml)")
    ] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="merge the approved candidates into the pack")
    ] = False,
    since: Annotated[str | None, typer.Option(help="only decisions since this ISO date")] = None,
    confirmed: Annotated[
        bool,
        typer.Option(
            "--confirmed/--corrections-only",
            help="also take accepted / edited-then-sent suggestions as confirmed intent examples",
        ),
    ] = True,
) -> None:
    """Collect candidate examples from reps' "wrong intent" / "wrong action" rejections in the ledger, and from the
    suggestions they accepted or edited and sent (the intent read was confirmed; capped per intent); an admin marks
    them approved, then `--apply` adds them to intents.yaml / actions.yaml (agents/learning.py)."""
    from agents.learning import apply_candidates, collect_candidates, read_candidates, write_candidates
    from agents.tenant import TenantConfig
    from copilot.ledger import open_ledger
    from copilot.settings import Settings

    root = Path(path).resolve()
    file = candidates or root / "learning" / "candidates.yaml"
    try:
        if apply:
            rep = apply_candidates(file, root)
            console.print(
                f"applied {len(rep.applied)}, already present {len(rep.already_present)}; "
                f"changed: {', '.join(rep.files_changed) or 'nothing'}"
            )
            return
        tenant = TenantConfig.load(root)
        settings = Settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        ledger = open_ledger(settings.ledger_url)
        try:
            found = collect_candidates(
                ledger, tenant, since=since, confirmed=confirmed, queued=read_candidates(file)
            )
        finally:
            close = getattr(ledger, "close", None)
            if callable(close):
                close()
        rows = write_candidates(found.candidates, file, tenant=tenant.tenant)
        console.print(
            f"{len(found.candidates)} candidate(s) from the ledger, {len(found.skipped)} skipped; "
            f"{len(rows)} in {file} — review, set status: approved, then `copilot tenant learn {path} --apply`"
        )
    except CopilotError as exc:
        raise _fail(exc) from exc
