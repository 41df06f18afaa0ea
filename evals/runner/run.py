"""Run a suite through a target: cases in parallel (threads), turns of a case in order, every crash recorded as an
error on its case while the run goes on; case results cached by input hash; metrics and gates computed at the end."""

from __future__ import annotations

import random
import threading
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from contract import AccessDenied, CopilotError, InboundMessage
from contract.clock import as_of
from contract.ports import Actor
from evals.cache import DiskCache, input_hash
from evals.metrics import compute_metrics, score_turn
from evals.runner.results import CaseResult, ErrorInfo, RunResult, TurnResult, package_versions
from evals.runner.target import CaseTarget, describe_target
from evals.suite.loader import suite_hash
from evals.suite.models import ActorSpec, Case, Suite

BASE_TIME = datetime(
    2026, 11, 2, 9, 0, tzinfo=UTC
)  # conversations without times get a fixed, reproducible one


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def error_info(exc: BaseException) -> ErrorInfo:
    tb = "".join(traceback.format_exception(exc)[-6:])
    reason = exc.reason if isinstance(exc, CopilotError) else ""
    return ErrorInfo(type=type(exc).__name__, message=str(exc)[:2000], reason=reason, traceback=tb[-4000:])


Split = str  # "all" | "tuning" | "heldout"


def select_split(suite: Suite, split: Split, *, file_is_heldout: bool = False) -> Suite:
    """The cases of one split: `heldout` = cases marked `heldout: true` (every case of a *-heldout suite file),
    `tuning` = the others, `all` = every case. A split with no case is a UserError naming it."""
    if split == "all":
        return suite
    if split not in ("tuning", "heldout"):
        from contract.errors import UserError

        raise UserError(f"unknown split {split!r}: use all, tuning or heldout", reason="eval_split")
    want = split == "heldout"
    cases = [c for c in suite.cases if (c.heldout or file_is_heldout) == want]
    if not cases:
        from contract.errors import UserError

        raise UserError(f"suite {suite.name} has no {split} case", reason="eval_split_empty")
    return suite.model_copy(update={"cases": cases})


def tenant_id(suite: Suite | None) -> str:
    """The tenant id on every message: the suite's `tenant.id`, else its folder's name, else the settings' tenant."""
    if suite is not None and suite.tenant is not None:
        return suite.tenant.id or Path(suite.tenant.path).name
    from copilot.settings import Settings

    return Settings().tenant


def turn_times(case: Case, suite_as_of: datetime | None) -> list[tuple[datetime, datetime | None]]:
    """Per turn: the message's sent_at (always set, reproducible) and the clock to run it at (None = wall clock).
    A turn's own `sent_at` wins; else the suite's `tenant.as_of` plus a minute per turn."""
    out: list[tuple[datetime, datetime | None]] = []
    for i, turn in enumerate(case.turns):
        if turn.sent_at is not None:
            when = turn.sent_at if turn.sent_at.tzinfo else turn.sent_at.replace(tzinfo=UTC)
            out.append((when, when))
        elif suite_as_of is not None:
            when = suite_as_of + timedelta(minutes=i)
            out.append((when, when))
        else:
            out.append((BASE_TIME + timedelta(minutes=i), None))
    return out


def messages_for(
    case: Case, run_id: str, *, tenant: str = "", suite_as_of: datetime | None = None
) -> list[InboundMessage]:
    """Message ids are stable across runs (for replay and comparison); conversation ids are per run (fresh threads)."""
    out = []
    extra: dict[str, Any] = {"tenant": tenant} if tenant else {}
    for i, (turn, (sent, _)) in enumerate(zip(case.turns, turn_times(case, suite_as_of), strict=True)):
        out.append(
            InboundMessage(
                channel=case.channel,
                conversation_id=f"eval:{run_id}:{case.id}",
                message_id=f"{case.id}#t{i}",
                customer_ref=case.customer_ref,
                rep_ref=case.rep_ref,
                sender=turn.sender,
                sent_at=sent,
                parts=turn.parts,
                **extra,
            )
        )
    return out


def actor_for(case: Case) -> Actor:
    """The case's actor; `on_call` puts the case's customer on their call. Without one: the case's rep, else an
    evaluator (sees every customer)."""
    spec = case.actor or ActorSpec()
    actor_id = spec.id or case.rep_ref
    if not actor_id:
        return Actor(id="evaluator", role="evaluator")
    call = case.customer_ref if spec.on_call else ""
    return Actor(id=actor_id, role=spec.role, team=spec.team, call_customer_ref=call)


def display_text(msg: InboundMessage) -> str:
    """What the report shows for a message: text parts, and for other parts their transcript / OCR / code / name."""
    out = []
    for p in msg.parts:
        shown = getattr(p, "text", None) or getattr(p, "transcript", None) or getattr(p, "ocr_text", None)
        label = {"voice": "🎤", "image": "🖼", "emoji": "", "file": "📎"}.get(p.kind, "")
        if p.kind == "emoji":
            shown = getattr(p, "code", "")
        elif p.kind == "file":
            shown = getattr(p, "name", "")
        if shown:
            out.append(f"{label} {shown}".strip() if p.kind != "text" else shown)
        elif p.kind != "text":
            out.append(f"[{p.kind}]")
    from guardrails.message import (
        redact_for_display,  # reports are read by evaluators: masked, like the ledger
    )

    return redact_for_display(" ".join(out).strip())


def _score(result: CaseResult, case: Case) -> CaseResult:
    """(Re)score every turn against its expectations; scoring is never cached, so metric changes apply at once."""
    expected = case.expectations_by_turn()
    for t in result.turns:
        exp = expected.get(t.index)
        t.expect = exp.model_dump(mode="json", exclude_defaults=True) if exp is not None else None
        t.checks, t.facts = [], None
        # an access denial is a refusal (logged by the service), not a crash: scored like a REFUSAL suggestion
        seen = t.suggestion
        if seen is None and t.refusal is not None:
            seen = {
                "kind": "refusal",
                "intent": {},
                "summary": {"refusal_reason": t.refusal.get("reason", "")},
            }
        if seen is not None:
            t.facts = {"timings": dict(seen.get("timings_ms") or {})}
            if exp is not None:
                t.checks, t.facts = score_turn(seen, exp, t.ledger_inputs)
            t.facts["timings"].setdefault("total", round(t.wall_ms, 3))  # the whole turn as the runner saw it
        elif exp is not None and t.error is None:
            t.checks = [{"name": "suggestion", "passed": False, "detail": "the target made no suggestion"}]
    if result.error is not None:
        result.status = "error"
    else:
        result.status = "fail" if result.failed_checks() else "pass"
    return result


def _warm_up(target: CaseTarget, suite: Suite, run_id: str) -> None:
    """Targets that load models lazily get one throwaway turn first, so no case's latency includes the loading."""
    warm = getattr(target, "warm_up", None)
    if not callable(warm):
        return
    first = suite.cases[0]
    as_of_time = suite.tenant.as_of_time() if suite.tenant else None
    msg = messages_for(first, run_id, tenant=tenant_id(suite), suite_as_of=as_of_time)[0].model_copy(
        update={"conversation_id": f"eval:{run_id}:warm-up", "message_id": f"warm-up:{run_id}"}
    )
    try:
        with as_of(as_of_time):
            warm(msg, actor_for(first))
    except Exception:  # a broken target shows up, with its error, on the real cases
        return


class _Runner:
    def __init__(
        self,
        target: CaseTarget,
        run_id: str,
        cache: DiskCache | None,
        key_base: str,
        *,
        tenant: str = "",
        suite_as_of: datetime | None = None,
    ) -> None:
        self.target, self.run_id, self.cache, self.key_base = target, run_id, cache, key_base
        self.tenant, self.suite_as_of = tenant, suite_as_of
        self.lock = None if getattr(target, "thread_safe", False) else threading.Lock()

    def _call(self, msg: InboundMessage, actor: Actor) -> Any:
        if self.lock is None:
            return self.target.run_turn(msg, actor)
        with self.lock:
            return self.target.run_turn(msg, actor)

    def run_case(self, case: Case) -> CaseResult:
        key = input_hash(self.key_base, case.model_dump(mode="json"))
        if self.cache is not None and (hit := self.cache.get_json(key)) is not None:
            return _score(CaseResult.model_validate({**hit, "cached": True}), case)
        actor = actor_for(case)
        result = CaseResult(
            case_id=case.id,
            title=case.title,
            tags=case.tags,
            customer_ref=case.customer_ref,
            heldout=case.heldout,
        )
        started = time.perf_counter()
        msgs = messages_for(case, self.run_id, tenant=self.tenant, suite_as_of=self.suite_as_of)
        clocks = [c for _, c in turn_times(case, self.suite_as_of)]
        for i, msg in enumerate(msgs):
            turn = TurnResult(index=i, message_id=msg.message_id, sender=msg.sender, text=display_text(msg))
            t0 = time.perf_counter()
            try:
                with as_of(clocks[i]):  # the clock port: signals, versions and dates as of this turn
                    suggestion = self._call(msg, actor)
                if suggestion is not None:
                    turn.suggestion = suggestion.model_dump(mode="json")
                    inputs = getattr(self.target, "ledger_inputs", None)
                    turn.ledger_inputs = inputs(suggestion, actor) if callable(inputs) else None
            except AccessDenied as exc:  # refused and logged by the service: a result to score, not a crash
                turn.refusal = {"reason": exc.reason, "message": exc.message}
            except Exception as exc:  # a crashing case is a result, never the end of the run
                turn.error = error_info(exc)
                result.error = turn.error
            turn.wall_ms = (time.perf_counter() - t0) * 1000
            result.turns.append(turn)
            if turn.error is not None:
                break
        result.wall_ms = (time.perf_counter() - started) * 1000
        if self.cache is not None and result.error is None:
            self.cache.put_json(key, result.model_dump(mode="json"))
        return _score(result, case)


def run_suite(
    suite: Suite,
    target: CaseTarget,
    *,
    suite_path: str | Path | None = None,
    config: dict[str, Any] | None = None,
    workers: int = 1,
    seed: int = 0,
    cache: DiskCache | None = None,
    run_id: str | None = None,
    console: Console | None = None,
) -> RunResult:
    """Every case of `suite` through `target`. `console=None` runs quietly (tests); pass a Console for progress."""
    run_id = run_id or new_run_id()
    random.seed(seed)
    try:
        import numpy as np

        np.random.seed(seed)
    except ImportError:  # numpy is a base dependency; the guard keeps the runner importable without it
        pass
    target.reset()
    _warm_up(target, suite, run_id)
    target_info = describe_target(target)
    versions = package_versions()
    run = RunResult(
        run_id=run_id,
        suite={
            "name": suite.name,
            "version": suite.version,
            "path": str(suite_path or ""),
            "hash": suite_hash(suite_path) if suite_path else "",
            "tenant": suite.tenant.model_dump() if suite.tenant else None,
        },
        started_at=datetime.now(UTC).isoformat(),
        seed=seed,
        workers=workers,
        config=dict(config or {}),
        target=target_info,
        versions=versions,
        sla=suite.sla.model_dump(mode="json"),
    )
    key_base = input_hash(target_info, seed, {k: v for k, v in versions.items() if k not in ("git_dirty",)})
    as_of_time = suite.tenant.as_of_time() if suite.tenant else None
    runner = _Runner(target, run_id, cache, key_base, tenant=tenant_id(suite), suite_as_of=as_of_time)
    order = {c.id: i for i, c in enumerate(suite.cases)}
    results: list[CaseResult] = []
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=console or Console(quiet=True),
        disable=console is None,
    )
    with progress, ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        task = progress.add_task(f"eval {suite.name}", total=len(suite.cases), status="")
        futures = {pool.submit(runner.run_case, c): c for c in suite.cases}
        for fut in as_completed(futures):
            res = fut.result()
            results.append(res)
            colour = {"pass": "green", "fail": "yellow", "error": "red"}[res.status]
            progress.update(task, advance=1, status=f"[{colour}]{res.case_id} {res.status}")
    run.cases = sorted(results, key=lambda r: order[r.case_id])
    run.metrics = compute_metrics([c.model_dump(mode="json") for c in run.cases])
    from evals.gates import evaluate_gates  # here: evals.gates imports the result types of this package

    run.gates = evaluate_gates(suite.all_gates(), run.metrics)
    if cache is not None:
        run.cache = {"hits": cache.hits, "misses": cache.misses}
    run.finished_at = datetime.now(UTC).isoformat()
    return run
