"""Per-run context passed to every node through LangGraph's `Runtime[RunContext]` (never checkpointed).

`progress` (optional) is the two-phase push of one run: `Copilot.handle(msg, actor, progress=callback)` sets it; the
copilot calls `phase1(state)` once decide has finished, and the draft node streams through `on_draft_token`. Events go
to the caller's callback as plain JSON dicts (shapes in `RunProgress`); a failing callback never fails the run."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agents.deps import AgentDeps
from contract.evidence import Evidence, EvidenceMemo
from contract.ports import Actor

log = logging.getLogger(__name__)

ProgressCallback = Callable[[dict[str, Any]], None]


class RunProgress:
    """Emits the provisional events of one run, in order, and remembers when (ms since the run started):

    phase 1 — as soon as intent, evidence, the computed answer and the actions exist (after decide)::

        {"type": "suggestion_partial", "phase": 1, "tenant": str, "channel": str, "conversation_id": str,
         "message_id": str, "customer_ref": str, "rep_ref": str,
         "intent": Intent, "answer": Answer | None, "evidence": [Evidence], "actions": [Action],
         "flags": [str], "at_ms": float}

    then each piece of the draft as the LLM streams it (placeholders already filled in; provisional)::

        {"type": "draft_token", "tenant": str, "conversation_id": str, "message_id": str,
         "seq": int (0, 1, 2 … per message), "text": str, "at_ms": float}

    The final Suggestion (what `Copilot.handle` returns, already in the ledger) replaces both: its draft may be the
    template when the phrased text failed a check. Match events to it by (tenant, conversation_id, message_id).
    Dicts are JSON-ready (model_dump(mode="json") values).

    `timings()` → {"phase1_ms", "first_token_ms"} (ms since the run started) for Suggestion.timings_ms: the draft
    node returns them in its `timings_ms` update so the ledger records what was shown and when."""

    def __init__(
        self,
        emit: ProgressCallback,
        *,
        tenant: str,
        channel: str,
        conversation_id: str,
        message_id: str,
        customer_ref: str = "",
        rep_ref: str = "",
    ) -> None:
        self._emit_to = emit
        self.started = time.perf_counter()
        self.ids = {"tenant": tenant, "conversation_id": conversation_id, "message_id": message_id}
        self.route = {"channel": channel, "customer_ref": customer_ref, "rep_ref": rep_ref}
        self.marks: dict[str, float] = {}
        self._seq = 0
        self._lock = threading.Lock()  # the draft may stream from a worker thread

    def since_start_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 2)

    def phase1(self, state: dict[str, Any]) -> None:
        if "phase1_ms" in self.marks:
            return
        at = self.since_start_ms()
        self.marks["phase1_ms"] = at
        self._emit(
            {
                "type": "suggestion_partial",
                "phase": 1,
                **self.ids,
                **self.route,
                "intent": state.get("intent"),
                "answer": state.get("answer"),
                "evidence": list(state.get("evidence") or []),
                "actions": list(state.get("actions") or []),
                "flags": sorted(set(state.get("flags") or [])),
                "at_ms": at,
            }
        )

    def draft_token(self, text: str) -> None:
        if not text:
            return
        with self._lock:
            at = self.since_start_ms()
            self.marks.setdefault("first_token_ms", at)
            seq, self._seq = self._seq, self._seq + 1
        self._emit({"type": "draft_token", **self.ids, "seq": seq, "text": text, "at_ms": at})

    def draft_ready(self, draft: Any) -> None:
        """The draft node has returned: a draft nobody streamed (the template — no LLM, or an LLM that gave no piece
        before it fell back) goes out now as one provisional draft_token, before the output guard and the ledger
        write. The final suggestion replaces it as it replaces LLM pieces."""
        if "first_token_ms" in self.marks or not isinstance(draft, dict):
            return
        self.draft_token(str(draft.get("text") or ""))

    def timings(self) -> dict[str, float]:
        return dict(self.marks)

    def _emit(self, event: dict[str, Any]) -> None:
        try:
            self._emit_to(event)
        except Exception:  # a broken push (closed socket, Redis down) must never fail the suggestion itself
            log.exception("progress callback failed for %s", event.get("type"))


@dataclass(frozen=True)
class RunContext:
    deps: AgentDeps
    actor: Actor
    tenant: str
    channel: str = ""
    progress: RunProgress | None = None
    # the run's delivered suggestion: "suggestion" (JSON) set by the graph's turn — the thread's checkpoint keeps only
    # its reference — and "model", the Suggestion object deliver recorded in the ledger
    delivered: dict[str, Any] = field(default_factory=dict)
    # one per turn: reason, decide, draft and guard_output each read the state's evidence; validated once per item
    evidence_memo: EvidenceMemo = field(default_factory=EvidenceMemo)

    @property
    def on_draft_token(self) -> Callable[[str], None] | None:
        """Pass to `phrase(..., on_token=...)`: None when nobody listens (no streaming cost)."""
        return self.progress.draft_token if self.progress is not None else None

    def progress_timings(self) -> dict[str, float]:
        """{"phase1_ms", "first_token_ms"} when this run pushed progress, else {}: merge into `timings_ms`."""
        return self.progress.timings() if self.progress is not None else {}


def state_evidence(context: RunContext, items: list[dict[str, Any]]) -> list[Evidence]:
    """The state's evidence as `Evidence`, validated once per turn through the run's memo."""
    return context.evidence_memo.validate(items)
