"""`copilot ledger …` — verify the chain, show / list / export entries, metrics, retention, signed checkpoints.

Uses `get_settings().ledger_url` unless `--url` is given (`copilot ledger --url sqlite:///x.sqlite verify`).
Bound to this deployment's tenant (COPILOT_TENANT; tenants may share the database): verify reports that tenant's
entries (the whole chain is still re-hashed; another tenant's broken entry is not named), and list / show / export /
metrics / redact reach that tenant's entries only. `--all-tenants` is the operator's view of the whole database.
Exit codes: 0 ok, 1 the chain is broken (verify), 2 a refused or failed command (one line on stderr).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from contract.errors import CopilotError, InputError
from copilot.ledger import Ledger, open_ledger

app = typer.Typer(no_args_is_help=True)

UrlOpt = Annotated[str, typer.Option("--url", help="ledger database URL (default: settings.ledger_url)")]
AllOpt = Annotated[
    bool,
    typer.Option(
        "--all-tenants",
        help="the operator's view: every tenant's entries (default: this deployment's tenant)",
    ),
]


@app.callback()
def _main(ctx: typer.Context, url: UrlOpt = "", all_tenants: AllOpt = False) -> None:
    ctx.obj = {"url": url, "all_tenants": all_tenants}


def _open(ctx: typer.Context) -> Ledger:
    """The ledger with its checkpoint key and witness (COPILOT_LEDGER_WITNESS; the file in the data dir by default),
    bound to the deployment's tenant unless --all-tenants."""
    from copilot.ledger import WitnessSettings, open_witness
    from copilot.settings import get_settings

    settings = get_settings()
    key: Any = getattr(settings, "ledger_checkpoint_key", "")
    key = key.get_secret_value() if hasattr(key, "get_secret_value") else str(key or "")
    url = (ctx.obj or {}).get("url") or settings.ledger_url
    spec = WitnessSettings().witness
    data_dir = getattr(settings, "data_dir", None)
    # the default witness belongs to the configured ledger; another --url is checked against an explicit one only
    if (url != settings.ledger_url or data_dir is None) and not spec:
        spec = "none"
    redis_url = str(getattr(settings, "redis_url", "") or "")
    deployment_tenant = str(getattr(settings, "tenant", "") or "")
    # the witness is the deployment's (the service signs into the same list, copilot/wiring.py), --all-tenants or not
    witness = open_witness(
        spec, data_dir=Path(data_dir or "."), redis_url=redis_url, tenant=deployment_tenant
    )
    tenant = "" if (ctx.obj or {}).get("all_tenants") else deployment_tenant
    return open_ledger(url, checkpoint_key=key, witness=witness, tenant=tenant)


def _fail(exc: CopilotError) -> typer.Exit:
    typer.echo(f"error ({exc.code.value}/{exc.reason}): {exc.message}", err=True)
    return typer.Exit(2)


def _when(value: str | None) -> datetime | None:
    """2026-09-01 or a full ISO timestamp; a bare date or naive time means UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value) if "T" in value or " " in value else None
        if parsed is None:
            d = date.fromisoformat(value)
            parsed = datetime(d.year, d.month, d.day)
    except ValueError as exc:
        raise InputError(f"not an ISO date or time: {value!r}", reason="bad_date") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


@app.command()
def verify(
    ctx: typer.Context,
    checkpoint: Annotated[
        bool, typer.Option(help="after a green verify, write an HMAC-signed checkpoint")
    ] = False,
) -> None:
    """Re-hash the whole chain and check it against the signed heads in the witness outside the database; names the
    first broken entry and exits 1 if there is one (truncation included)."""
    try:
        ledger = _open(ctx)
        report = ledger.verify()
        typer.echo(report.summary())
        if ledger.witness is not None:
            mark = ledger.witness.latest()
            seen = (
                "no signed head yet"
                if mark is None
                else "a signed head"
                if report.tenant
                else f"signed head at seq {mark.seq}"
            )
            typer.echo(f"witness {ledger.witness.describe()}: {seen}")
        if not report.ok:
            b = report.first_broken
            if b is not None and (b.expected or b.found):
                typer.echo(f"  expected {b.expected}\n  found    {b.found}")
            raise typer.Exit(1)
        if checkpoint:
            typer.echo(_checkpointed(ledger))
    except CopilotError as exc:
        raise _fail(exc) from exc


@app.command()
def show(
    ctx: typer.Context, ident: Annotated[str, typer.Argument(metavar="ID", help="suggestion or entry id")]
) -> None:
    """Everything recorded for one suggestion (or one entry): payloads, hashes, decision, refusals."""
    try:
        ledger = _open(ctx)
        trail = ledger.trail(ident) or [ledger.get_entry(ident)]
        _echo_json([e.model_dump(mode="json") for e in trail])
    except CopilotError as exc:
        raise _fail(exc) from exc


def _filters(**raw: Any) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if v not in (None, "")}


@app.command("list")
def list_entries(
    ctx: typer.Context,
    conversation: Annotated[str, typer.Option()] = "",
    customer: Annotated[str, typer.Option()] = "",
    rep: Annotated[str, typer.Option()] = "",
    intent: Annotated[str, typer.Option()] = "",
    action: Annotated[str, typer.Option()] = "",
    rule: Annotated[str, typer.Option()] = "",
    doc: Annotated[str, typer.Option()] = "",
    kind: Annotated[str, typer.Option(help="suggestion | decision | access_denied | redaction")] = "",
    since: Annotated[str, typer.Option(help="ISO date or time (UTC)")] = "",
    until: Annotated[str, typer.Option(help="ISO date or time (UTC), exclusive")] = "",
    limit: Annotated[int, typer.Option(min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="full entries as JSON")] = False,
) -> None:
    """Entries in chain order, filtered by any key."""
    try:
        found = _open(ctx).find(
            **_filters(conversation=conversation, customer=customer, rep=rep, intent=intent, action=action, rule=rule,
                       doc=doc, kind=kind, since=_when(since), until=_when(until)),
            limit=limit,
        )  # fmt: skip
    except CopilotError as exc:
        raise _fail(exc) from exc
    if as_json:
        _echo_json([e.model_dump(mode="json") for e in found])
        return
    for e in found:
        outcome = " ".join(x for x in (e.decision, e.reason_code) if x)
        typer.echo(
            f"{e.seq:>7}  {e.created_at}  {e.kind.value:<13} {e.suggestion_id:<26} {e.customer_ref:<8} "
            f"{e.rep_ref:<11} {e.intent:<17} {e.actor:<11} {outcome}"
        )
    typer.echo(f"{len(found)} entries", err=True)


@app.command()
def export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help="jsonl (whole entries) or csv (flat)")] = "jsonl",
    out: Annotated[Path | None, typer.Option(help="file to write (default: stdout)")] = None,
    customer: Annotated[str, typer.Option()] = "",
    rep: Annotated[str, typer.Option()] = "",
    since: Annotated[str, typer.Option()] = "",
    until: Annotated[str, typer.Option()] = "",
) -> None:
    """Export entries as JSONL (re-verifiable offline) or CSV."""
    try:
        ledger = _open(ctx)
        filters = _filters(customer=customer, rep=rep, since=_when(since), until=_when(until))
        if out is None:
            count = ledger.export(sys.stdout, fmt=fmt, **filters)
            sys.stdout.flush()  # before the count line on stderr
        else:
            with out.open("w", encoding="utf-8", newline="") as fh:
                count = ledger.export(fh, fmt=fmt, **filters)
        typer.echo(f"exported {count} entries", err=True)
    except CopilotError as exc:
        raise _fail(exc) from exc


@app.command()
def metrics(
    ctx: typer.Context,
    since: Annotated[str, typer.Option()] = "",
    until: Annotated[str, typer.Option()] = "",
) -> None:
    """Acceptance / edit / reject rates per intent, action, rule, document and rep; top reject reasons; time to decide."""
    try:
        _echo_json(_open(ctx).metrics(since=_when(since), until=_when(until)).as_dict())
    except CopilotError as exc:
        raise _fail(exc) from exc


@app.command()
def redact(
    ctx: typer.Context,
    before: Annotated[
        str, typer.Option(help="drop payloads of entries created before this ISO date/time (UTC)")
    ],
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
) -> None:
    """Retention: remove payloads older than a date; hashes stay, so verify stays green."""
    try:
        cutoff = _when(before)
        if cutoff is None:
            raise InputError("--before needs a date", reason="bad_date")
        if not yes:
            typer.confirm(
                f"permanently remove payloads of entries created before {cutoff.isoformat()}?", abort=True
            )
        typer.echo(f"redacted {_open(ctx).redact(before=cutoff, actor_id='cli')} entries")
    except CopilotError as exc:
        raise _fail(exc) from exc


@app.command()
def checkpoint(ctx: typer.Context) -> None:
    """Sign the current head (HMAC-SHA256 with the ledger checkpoint key from settings), in the database and the
    witness."""
    try:
        typer.echo(_checkpointed(_open(ctx), full=True))
    except CopilotError as exc:
        raise _fail(exc) from exc


def _checkpointed(ledger: Ledger, *, full: bool = False) -> str:
    """Signs the shared chain's head; its seq and hash (maybe another tenant's entry) are said to the operator only."""
    mark = ledger.checkpoint()
    if ledger.tenant:
        return "checkpoint signed at the shared chain's head (its seq: `copilot ledger --all-tenants checkpoint`)"
    return (
        f"checkpoint at seq {mark.seq} {mark.entry_hash}: {mark.signature}"
        if full
        else f"checkpoint at seq {mark.seq}: {mark.signature}"
    )
