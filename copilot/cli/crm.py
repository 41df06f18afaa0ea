"""`copilot crm …` — the demo CRM, a customer 360 as a given actor, fired signals with lineage, CSV import."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from contract.errors import CopilotError, UserError
from contract.ports import Actor
from copilot.settings import Settings, get_settings

app = typer.Typer(no_args_is_help=True)
ROLES = ("rep", "agent", "evaluator", "admin")


def _paths(settings: Settings) -> tuple[Path, Path]:
    crm_dir = settings.tenant_dir / "crm"
    return crm_dir / "mapping.yaml", crm_dir / "signals.yaml"


def _ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _fail(exc: CopilotError) -> typer.Exit:
    typer.echo(f"error ({exc.code.value}/{exc.reason}): {exc.message}", err=True)
    return typer.Exit(1)


def parse_actor(spec: str, call: str = "") -> Actor:
    """`role:id[:team]`, or a bare demo id whose prefix names the role (rep_zhang, agent_chen, admin_zhou)."""
    parts = spec.split(":")
    if len(parts) >= 2 and parts[0] in ROLES:
        return Actor(
            id=parts[1], role=parts[0], team=parts[2] if len(parts) > 2 else "", call_customer_ref=call
        )  # type: ignore[arg-type]
    prefix = spec.split("_", 1)[0]
    if prefix in ROLES and "_" in spec:
        return Actor(id=spec, role=prefix, call_customer_ref=call)  # type: ignore[arg-type]
    raise UserError(
        f"--as {spec!r}: use role:id[:team] with role one of {', '.join(ROLES)}", reason="bad_actor"
    )


def _customer_data(settings: Settings):  # type: ignore[no-untyped-def]
    from knowledge.crm import build_customer_data

    mapping, signals = _paths(settings)
    return build_customer_data(
        settings.crm_database_url,
        mapping,
        signals,
        statement_timeout_ms=settings.crm_statement_timeout_ms,
        team_visibility=bool(getattr(settings, "crm_team_visibility", False)),
    )


@app.command("seed-demo")
def seed_demo(
    today: Annotated[str, typer.Option(help="anchor date YYYY-MM-DD (default: today)")] = "",
    seed: Annotated[int, typer.Option(help="random seed for the background data")] = 7,
) -> None:
    """(Re)build the demo tenant's CRM database at the configured crm URL."""
    from knowledge.crm import build_demo_crm

    settings = get_settings()
    url = settings.crm_database_url
    _ensure_sqlite_dir(url)
    counts = build_demo_crm(url, today=date.fromisoformat(today) if today else None, seed=seed)
    typer.echo(f"demo CRM written to {url}")
    for table, n in counts.items():
        typer.echo(f"  {table:<16} {n:>6}")


@app.command("show")
def show(
    customer: str,
    as_: Annotated[str, typer.Option("--as", help="who is asking: role:id[:team], e.g. rep:rep_zhang")],
    call: Annotated[str, typer.Option(help="for agents: the customer on their call")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="print the full customer 360 as JSON")] = False,
) -> None:
    """The customer 360 as ACTOR sees it: profile, purchases, contracts, tickets, devices and signals."""
    try:
        data = _customer_data(get_settings())
        c = data.customer_360(customer, parse_actor(as_, call))
    except CopilotError as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps(c.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    typer.echo(f"{c.customer_id} {c.name}  tier {c.tier}  owner {c.owner_rep}  BU {c.business_unit}")
    extras = [f for f in c.facts if f.source_ids.get("entity") == "customer" and f.title not in ("客户名称",)]
    if extras:
        typer.echo("  " + "；".join(f.content for f in extras))
    for cat, windows in c.purchases_by_category.items():
        last = c.last_purchase.get(cat, "-")
        typer.echo(f"  {cat}: " + " ".join(f"{k}={v:g}" for k, v in windows.items()) + f"  last {last}")
    for ev in c.facts:  # every mapped column is a fact; purchases are summarised above
        if ev.title not in ("分品类采购", "最近采购") and ev.source_ids.get("entity") != "customer":
            typer.echo(f"  · {ev.content}")
    for ev in c.signals:
        typer.echo(f"  ! [{ev.source_ids['signal_id']}] {ev.content}")


@app.command("signals")
def signals(
    customer: str,
    as_: Annotated[str, typer.Option("--as", help="who is asking: role:id[:team]")] = "admin:cli",
) -> None:
    """Fired signals for CUSTOMER with their lineage (query, tables, row keys, values)."""
    try:
        fired = _customer_data(get_settings()).customer_360(customer, parse_actor(as_)).signals
    except CopilotError as exc:
        raise _fail(exc) from exc
    if not fired:
        typer.echo(f"{customer}: no signal fired")
    for ev in fired:
        typer.echo(f"[{ev.source_ids['signal_id']}] ({ev.source_ids['business_unit']}) {ev.content}")
        lin = ev.lineage
        typer.echo(
            f"    tables {', '.join(lin.get('tables', []))}; rows {', '.join(lin.get('row_keys', [])[:10])}"
        )
        typer.echo(f"    values {json.dumps(lin.get('values'), ensure_ascii=False)}")
        typer.echo(
            f"    sql {' '.join(str(lin.get('sql', '')).split())}  params {json.dumps(lin.get('params'), ensure_ascii=False)}"
        )


@app.command("import-csv")
def import_csv_cmd(
    directory: Path,
    mapping: Annotated[Path | None, typer.Option(help="mapping.yaml (default: the tenant's)")] = None,
    force: Annotated[bool, typer.Option(help="re-import even when the files are unchanged")] = False,
) -> None:
    """Load one CSV per mapped table (<table>.csv, header = mapped columns) into the configured CRM database."""
    from knowledge.crm import import_csv, load_mapping
    from knowledge.crm.connector import create_readonly_engine

    settings = get_settings()
    url = settings.crm_database_url
    _ensure_sqlite_dir(url)
    try:
        m = load_mapping(mapping or _paths(settings)[0])
        counts = import_csv(directory, url, m, progress=typer.echo, force=force)
        engine = create_readonly_engine(url, statement_timeout_ms=settings.crm_statement_timeout_ms)
        try:
            m.validate_against(engine)
        finally:
            engine.dispose()
    except CopilotError as exc:
        raise _fail(exc) from exc
    typer.echo(f"imported into {url}")
    for table, n in counts.items():
        typer.echo(f"  {table:<16} {n:>6}")
