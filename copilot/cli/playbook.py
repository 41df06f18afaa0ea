"""`copilot playbook …`: list the tenant's playbooks and backtest one over recorded ledger entries and scripted
conversations (rule firing rates vs what humans did)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from contract.errors import CopilotError
from contract.evidence import Evidence
from contract.suggestions import Intent

app = typer.Typer(no_args_is_help=True, help="Next-best-action playbooks and backtests.")

DEFAULT_TENANT = Path(__file__).resolve().parents[1] / "tenants" / "demo"


def _fail(exc: CopilotError) -> None:
    typer.echo(f"error: {exc.message}", err=True)
    raise typer.Exit(2)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                typer.echo(f"error: {path}:{n} is not JSON ({exc.msg})", err=True)
                raise typer.Exit(2) from exc
    return rows


def _conversation_cases(tenant_dir: Path, signals: dict[str, list[str]]) -> list:
    """Scripted turns: the expected intent stands for the intent, the scripted decision for the human's."""
    from agents.actions.backtest import Case
    from agents.perception.emoji import emoji_signals, find_emoji
    from agents.script import load_conversations
    from agents.understanding.entities import extract_entities
    from agents.understanding.sentiment import score_sentiment

    cases = []
    for conv in load_conversations(tenant_dir):
        for turn in conv.turns:
            if turn.sender != "customer" or not turn.expected_intent:
                continue
            text = " ".join(p.get("text", "") for p in turn.parts if p.get("kind") == "text")
            codes = find_emoji(text) + [p["code"] for p in turn.parts if p.get("kind") == "emoji"]
            sentiment, urgency = score_sentiment(text, emoji_signals(codes))
            evidence = [
                Evidence(
                    id=f"signal:{conv.customer_ref}:{s}",
                    kind="signal",
                    content=s,
                    source_ids={"signal_id": s},
                )
                for s in signals.get(conv.customer_ref, [])
            ]
            intent = Intent(
                name=turn.expected_intent,
                confidence=1.0,
                abstained=turn.expected_intent == "out_of_scope",
                entities=extract_entities(text),
                sentiment=sentiment,
                urgency=urgency,
            )
            d = turn.decision
            cases.append(
                Case(
                    case_id=turn.message_id,
                    intent=intent,
                    text=text,
                    evidence=evidence,
                    decision=d.kind.value if d else "",
                    reason_code=(d.reason_code or "") if d else "",
                )
            )
    return cases


@app.command("list")
def list_playbooks(tenant_dir: Path = typer.Option(DEFAULT_TENANT, "--tenant-dir")) -> None:
    """The tenant's playbooks and their rules."""
    from agents.tenant import TenantConfig

    try:
        tenant = TenantConfig.load(tenant_dir)
    except CopilotError as exc:
        _fail(exc)
    for pb in tenant.playbooks:
        typer.echo(f"{pb.id}  (business units: {', '.join(pb.business_units)})")
        for rule in pb.rules:
            typer.echo(f"  {rule.id:<32} → {rule.then.action:<22} priority {rule.then.priority}")


@app.command("backtest")
def backtest_cmd(
    playbook: str = typer.Option("channel-default", "--playbook", "-p", help="playbook id"),
    tenant_dir: Path = typer.Option(DEFAULT_TENANT, "--tenant-dir"),
    ledger: Path | None = typer.Option(
        None, "--ledger", help="ledger export (JSONL, `copilot ledger export`)"
    ),
    conversations: bool = typer.Option(
        True, "--conversations/--no-conversations", help="include conversations.yaml"
    ),
    signal: list[str] = typer.Option(
        [], "--signal", help="CUSTOMER=signal_id for scripted turns (repeatable)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
) -> None:
    """Replay a playbook over history: how often each rule fires, and what humans did when it fired."""
    from agents.actions.backtest import backtest, cases_from_ledger
    from agents.tenant import TenantConfig

    signals: dict[str, list[str]] = {}
    for item in signal:
        customer, _, sid = item.partition("=")
        if not sid:
            typer.echo(f"error: --signal needs CUSTOMER=signal_id, got {item!r}", err=True)
            raise typer.Exit(2)
        signals.setdefault(customer, []).append(sid)
    try:
        tenant = TenantConfig.load(tenant_dir)
        cases = cases_from_ledger(_read_jsonl(ledger)) if ledger else []
        if conversations:
            cases += _conversation_cases(tenant_dir, signals)
        report = backtest(tenant, playbook, cases)
    except CopilotError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    typer.echo(
        f"playbook {report['playbook']}: {report['cases']} cases, {report['cases_without_rule']} with no rule"
    )
    typer.echo(f"{'rule':<30} {'action':<22} {'fired':>5} {'rate':>6} {'acc/edit/rej':>13} {'accept%':>8}")
    for r in report["rules"]:
        d = r["human_decisions_when_fired"]
        acc = (
            "-"
            if r["human_acceptance_when_fired"] is None
            else f"{100 * r['human_acceptance_when_fired']:.0f}%"
        )
        triple = f"{d['accept']}/{d['edit']}/{d['reject']}"
        typer.echo(
            f"{r['rule_id']:<30} {r['action']:<22} {r['fired']:>5} {r['fire_rate']:>6.2f} {triple:>13} {acc:>8}"
        )
