"""`copilot privacy …` — the PIPL field-level baseline of the connected CRM, and data-subject requests.

  copilot privacy scan [--tenant-dir DIR] [--crm-url URL] [--out DIR]   which CRM columns hold personal data, and
                                                                          whether each is masked, encrypted or exposed
  copilot privacy export --customer C1001 [--out FILE]                  what the ledger holds about a customer
  copilot privacy erase --customer C1001 --yes                          redact them across ledger, checkpoints, vault

Exit codes: 0 ok, 1 the scan found personal data exposed to the copilot unmasked (with --strict) or verify failed
after an erase, 2 a refused or failed command (one line on stderr)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from contract.errors import CopilotError, InputError

app = typer.Typer(no_args_is_help=True)

UrlOpt = Annotated[str, typer.Option("--url", help="ledger database URL (default: settings.ledger_url)")]
CustomerOpt = Annotated[
    str, typer.Option("--customer", help="the customer id as the ledger records it (C1001)")
]


def _fail(exc: CopilotError) -> typer.Exit:
    typer.echo(f"error ({exc.code.value}/{exc.reason}): {exc.message}", err=True)
    return typer.Exit(2)


def _ledger(url: str) -> Any:
    from copilot.ledger import open_ledger
    from copilot.settings import get_settings

    settings = get_settings()
    # bound to this deployment's tenant (COPILOT_TENANT): on a database several tenants share, a subject's export and
    # erasure reach only this tenant's entries, never another tenant's customer with the same id
    return open_ledger(
        url or settings.ledger_url,
        checkpoint_key=settings.ledger_checkpoint_key.get_secret_value(),
        tenant=settings.tenant,
    )


@app.command()
def scan(
    tenant_dir: Annotated[
        Path | None, typer.Option(help="tenant folder (default: settings.tenant_dir)")
    ] = None,
    crm_url: Annotated[str, typer.Option(help="CRM database URL (default: settings)")] = "",
    out: Annotated[
        Path | None, typer.Option(help="folder for privacy_scan.json + .md (default: print)")
    ] = None,
    sample: Annotated[int, typer.Option(min=1, max=5000, help="rows sampled per table")] = 200,
    strict: Annotated[
        bool, typer.Option(help="exit 1 when personal data reaches the copilot unmasked")
    ] = False,
) -> None:
    """Which CRM columns hold personal data (by name, type and sampled values), and for each whether the copilot
    reads it (mapped), never reads it (never_read / unmapped), and whether the masker covers it."""
    from copilot.privacy.crm_scan import render_markdown, scan_crm
    from copilot.settings import get_settings

    try:
        settings = get_settings()
        folder = tenant_dir or settings.tenant_dir
        report = scan_crm(
            crm_url or settings.crm_database_url, folder / "crm" / "mapping.yaml", sample=sample
        )
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            (out / "privacy_scan.json").write_text(
                json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8"
            )
            (out / "privacy_scan.md").write_text(render_markdown(report), encoding="utf-8")
            typer.echo(f"wrote {out / 'privacy_scan.json'} and {out / 'privacy_scan.md'}")
        else:
            typer.echo(render_markdown(report))
        if strict and report["summary"]["exposed_unmasked"]:
            raise typer.Exit(1)
    except CopilotError as exc:
        raise _fail(exc) from exc


@app.command()
def export(
    customer: CustomerOpt = "",
    out: Annotated[Path | None, typer.Option(help="write the JSON here (default: stdout)")] = None,
    url: UrlOpt = "",
) -> None:
    """Everything the ledger holds about one customer (masked payloads, hashes, redactions), as JSON."""
    from copilot.privacy.subject import export_subject

    try:
        if not customer:
            raise InputError("give the customer id: --customer C1001", reason="customer_missing")
        data = export_subject(_ledger(url), customer)
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if out is None:
            typer.echo(text)
        else:
            out.write_text(text, encoding="utf-8")
            typer.echo(f"{data['counts']['entries']} entries about {customer} written to {out}")
    except CopilotError as exc:
        raise _fail(exc) from exc


@app.command()
def erase(
    customer: CustomerOpt = "",
    yes: Annotated[bool, typer.Option("--yes", help="confirm: the payloads cannot be brought back")] = False,
    url: UrlOpt = "",
) -> None:
    """Redact a customer across the ledger (payloads cleared, hashes kept, a chained redaction entry appended),
    the graph's checkpoints of their conversations and the PII vault. `ledger verify` stays green."""
    from copilot.privacy.subject import erase_subject
    from copilot.settings import get_settings

    try:
        if not customer:
            raise InputError("give the customer id: --customer C1001", reason="customer_missing")
        if not yes:
            raise InputError(f"erasing {customer} cannot be undone: add --yes", reason="confirm_needed")
        settings = get_settings()
        checkpointer, vault = _stores(settings)
        report = erase_subject(_ledger(url), customer, checkpointer=checkpointer, vault=vault)
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        if not report.ledger_verify_ok:
            raise typer.Exit(1)
    except CopilotError as exc:
        raise _fail(exc) from exc


def _stores(settings: Any) -> tuple[Any, Any]:
    """The checkpointer and (with Redis) the vault the running copilot uses; the in-process vault dies with it."""
    from agents.checkpoint import make_checkpointer
    from copilot.privacy.setup import vault_secret

    kind = settings.checkpointer if settings.checkpointer != "memory" else "sqlite"
    checkpointer = make_checkpointer(
        kind,
        sqlite_path=settings.checkpoint_path,
        redis_url=settings.redis_url,
        postgres_url=settings.database_url.replace("postgresql+psycopg://", "postgresql://"),
    )
    vault = None
    if settings.redis_url:
        from guardrails.pii.vault import RedisVault

        secret = vault_secret(settings.pii_vault_key.get_secret_value(), settings.data_dir, env=settings.env)
        vault = RedisVault(settings.redis_url, secret=secret, ttl_s=settings.pii_vault_ttl_s)
    return checkpointer, vault
