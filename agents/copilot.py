"""`Copilot`: the public facade over the compiled graph.

handle(msg, actor)      → runs one message on its conversation thread; returns the delivered Suggestion (already in the
                          ledger), or None for a rep's own message (nothing to suggest; automation pauses).
                          A rep's ask (sender "rep_ask") is answered to the rep (REP_ANSWER, or REFUSAL with the
                          reason) without running the thread, so automation does not pause (agents.ask).
                          `progress=callback` also pushes phase 1 and the streaming draft (agents.context.RunProgress).
decide(decision, actor) → resumes the thread's interrupt when it still waits for this suggestion; when a newer message
                          has already advanced the thread, writes the decision to the ledger directly (the ledger is the
                          source of truth for decisions).
wrap_up(conversation_id, actor) → a SUMMARY suggestion (summary, disposition code, follow-ups), recorded in the ledger.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from agents.ask import answer_rep_ask
from agents.context import ProgressCallback, RunContext, RunProgress
from agents.deps import AgentDeps
from agents.graph import PAUSE_BEFORE, compile_graph, inline_graph_writes
from agents.perception.masking import mask_decision
from agents.state import CopilotState
from agents.tenant import OUT_OF_SCOPE
from agents.wrapup import summarize
from contract.decisions import HumanDecision
from contract.errors import NotFound
from contract.messages import InboundMessage
from contract.ports import Actor
from contract.suggestions import Intent, Suggestion, SuggestionKind

PHASE1_AFTER = "decide"  # intent, evidence, the computed answer and the actions all exist once decide has run

PhaseCallback = Callable[[str, Mapping[str, Any]], None]


def as_event_callback(on_progress: PhaseCallback) -> ProgressCallback:
    """(phase, data) callbacks, as copilot.service passes them, from RunProgress's event dicts."""

    def forward(event: dict[str, Any]) -> None:
        data = {k: v for k, v in event.items() if k != "type"}
        on_progress("draft_token" if event["type"] == "draft_token" else "partial", data)

    return forward


def thread_id(tenant: str, conversation_id: str) -> str:
    return f"{tenant}:{conversation_id}"


HINTS_KEPT = 10_000  # suggestions whose thread this process remembers (~0.2 kB each)


class _Hints:
    """suggestion id → (thread, channel), the most recent `size` only; thread-safe (a worker runs several loops)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, suggestion_id: str, hint: tuple[str, str]) -> None:
        with self._lock:
            self._entries[suggestion_id] = hint
            self._entries.move_to_end(suggestion_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def get(self, suggestion_id: str) -> tuple[str, str] | None:
        with self._lock:
            return self._entries.get(suggestion_id)

    def pop(self, suggestion_id: str) -> None:
        with self._lock:
            self._entries.pop(suggestion_id, None)

    def __len__(self) -> int:
        return len(self._entries)


class _ThreadLocks:
    """One graph run per conversation thread at a time in this process. A message and a decision (or two messages)
    on the same thread would otherwise each read the same checkpoint and the later write would drop the other's
    update (history, the pending suggestion). Locks exist only while someone holds or waits for them."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    @contextmanager
    def hold(self, thread: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(thread, (threading.Lock(), 0))
            self._locks[thread] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[thread]
                if users <= 1:
                    del self._locks[thread]
                else:
                    self._locks[thread] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class Copilot:
    def __init__(self, deps: AgentDeps, checkpointer: BaseCheckpointSaver[str] | None = None) -> None:
        self.deps = deps
        self.graph = compile_graph(checkpointer or InMemorySaver())
        # suggestion id → (thread, channel): an in-process hint only, for a decision that names no conversation.
        # Bounded: most suggestions are never decided here (another process, the ledger directly, none at all), and a
        # worker runs for weeks; a hint that is gone only means the decision goes to the ledger directly.
        self._threads = _Hints(HINTS_KEPT)
        self._running = _ThreadLocks()

    def _config(self, thread: str) -> RunnableConfig:
        return {"configurable": {"thread_id": thread}}

    def handle(
        self,
        msg: InboundMessage,
        actor: Actor,
        *,
        progress: ProgressCallback | None = None,
        on_progress: PhaseCallback | None = None,
    ) -> Suggestion | None:
        """`progress` (optional) receives the two-phase push while the run goes on: one `suggestion_partial` as soon
        as decide has finished, then `draft_token` events as the draft streams (shapes in agents.context.RunProgress).
        `on_progress(phase, data)` is the same push for copilot.service: phase "partial" | "draft_token", data = the
        event without its "type". The returned Suggestion is the final word either way."""
        if progress is None and on_progress is not None:
            progress = as_event_callback(on_progress)
        # the rep asks the copilot: answered to the rep, the conversation thread is not touched
        if msg.sender == "rep_ask":
            return answer_rep_ask(self.deps, msg, actor, self.history(msg.conversation_id, msg.tenant))
        thread = thread_id(msg.tenant, msg.conversation_id)
        sink = None
        if progress is not None:
            sink = RunProgress(
                progress,
                tenant=msg.tenant,
                channel=msg.channel.value,
                conversation_id=msg.conversation_id,
                message_id=msg.message_id,
                customer_ref=msg.customer_ref,
                rep_ref=msg.rep_ref,
            )
        ctx = RunContext(
            deps=self.deps, actor=actor, tenant=msg.tenant, channel=msg.channel.value, progress=sink
        )
        graph_input: CopilotState = {"message": msg.model_dump(mode="json")}
        with self._running.hold(thread), inline_graph_writes():
            if sink is None:
                out = self.graph.invoke(
                    graph_input,
                    self._config(thread),
                    context=ctx,
                    durability=self.deps.settings.checkpoint_durability,
                )
            else:
                out = self._run_with_progress(graph_input, thread, ctx, sink)
        if not out.get("suggestion"):
            return None
        # the full suggestion comes back through the run context (the thread's state keeps its reference only)
        recorded = ctx.delivered.get("model")
        suggestion = (
            recorded
            if isinstance(recorded, Suggestion)
            else Suggestion.model_validate(ctx.delivered.get("suggestion") or out["suggestion"])
        )
        self._threads.put(suggestion.id, (thread, msg.channel.value))
        return suggestion

    def _run_with_progress(
        self, graph_input: CopilotState, thread: str, ctx: RunContext, sink: RunProgress
    ) -> dict[str, Any]:
        """Same run as `invoke`, streamed step by step: the state after the step in which decide ran is phase 1.
        The sync stream runs the next step only when asked for it, so phase 1 is out before the draft starts."""
        out: dict[str, Any] = {}
        decided = False
        for mode, chunk in self.graph.stream(
            graph_input,
            self._config(thread),
            context=ctx,
            durability=self.deps.settings.checkpoint_durability,
            stream_mode=["updates", "values"],
        ):
            if mode == "updates" and isinstance(chunk, dict) and PHASE1_AFTER in chunk:
                decided = True
            elif mode == "values" and isinstance(chunk, dict):
                out = chunk
                if decided:
                    sink.phase1(chunk)
        return out

    def decide(self, decision: HumanDecision, actor: Actor, *, tenant: str, conversation_id: str = "") -> str:
        """Records the human decision and returns its ledger entry id. Resumes the thread's interrupt when it still
        waits for this suggestion; otherwise (a newer message advanced the thread, another process, a restart)
        writes to the ledger directly. Ledger errors (NotFound, ConflictError, AccessDenied) propagate unchanged."""
        hint = self._threads.get(decision.suggestion_id)
        thread, channel = hint or (thread_id(tenant, conversation_id), "")
        decision = mask_decision(self.deps.pii, decision, thread)  # the ledger keeps a rep's free text masked
        with self._running.hold(thread):
            return self._decide_on_thread(
                decision, actor, thread, channel, resumable=bool(conversation_id or hint)
            )

    def _decide_on_thread(
        self, decision: HumanDecision, actor: Actor, thread: str, channel: str, *, resumable: bool
    ) -> str:
        if resumable:
            state = self.graph.get_state(self._config(thread))
            current = (state.values.get("suggestion") or {}).get("id")
            # paused before the decision node (agents.graph.PAUSE_BEFORE), or inside it (threads of earlier versions)
            waiting = current == decision.suggestion_id and any(
                t.interrupts or t.name in PAUSE_BEFORE for t in state.tasks
            )
            if waiting:
                ctx = RunContext(deps=self.deps, actor=actor, tenant=thread.split(":", 1)[0], channel=channel)
                resume: Command[Any] = Command(resume=decision.model_dump(mode="json"))
                with inline_graph_writes():
                    out = self.graph.invoke(
                        resume,
                        self._config(thread),
                        context=ctx,
                        durability=self.deps.settings.checkpoint_durability,
                    )
                self._threads.pop(decision.suggestion_id)
                return str(out.get("decision_entry_id", ""))
        entry_id = self.deps.ledger.record_decision(decision, actor=actor)
        self._threads.pop(decision.suggestion_id)
        return entry_id

    def history(self, conversation_id: str, tenant: str) -> list[dict[str, Any]]:
        return list(
            self.graph.get_state(self._config(thread_id(tenant, conversation_id))).values.get("history", [])
        )

    def wrap_up(self, conversation_id: str, actor: Actor, *, tenant: str) -> Suggestion:
        state = self.graph.get_state(self._config(thread_id(tenant, conversation_id))).values
        history = list(state.get("history", []))
        if not history:
            raise NotFound(
                f"no conversation {conversation_id!r} on this copilot", reason="conversation_unknown"
            )
        summary = summarize(history)
        msg = state.get("message", {})
        last_intent = next((h["intent"] for h in reversed(history) if h.get("intent")), OUT_OF_SCOPE)
        turns = summary["turns"]
        suggestion = Suggestion(
            kind=SuggestionKind.SUMMARY,
            tenant=tenant,
            channel=msg.get("channel", ""),
            conversation_id=conversation_id,
            message_id=f"wrapup:{conversation_id}:{turns}",
            customer_ref=msg.get("customer_ref", "unknown"),
            rep_ref=msg.get("rep_ref", ""),
            intent=Intent(name=last_intent, confidence=1.0, abstained=last_intent == OUT_OF_SCOPE),
            summary=summary,
        )
        self.deps.ledger.record_suggestion(
            suggestion, inputs={"history_turns": len(history), "actor": actor.id}
        )
        return suggestion
