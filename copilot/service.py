"""The use cases, typed: handle a message, record a decision, read a customer's 360, list suggestions, wrap up a
call. Every backend is a port (contract/ports.py or a small protocol below); `copilot/wiring.py` picks the
implementations and nothing else. Entry points (API, worker, CLI, demo, evals) all go through `Services`.

Order inside each use case, always:
  1. scope   — who is asking, and what they may touch (tenant, role, own customers, an agent's active calls);
               refused before anything that could return data is looked up;
  2. dedupe  — the ledger's unique key (tenant, channel, message id) says whether this message already has a
               suggestion; it is returned only when it belongs to this conversation and this actor may read it;
  3. run     — the graph (the suggestion is in the ledger before anyone sees it);
  4. one event — SuggestionMade | MessageRefused | MessageSkipped | DecisionRecorded; listeners push to the
               sidebar, the WeCom card, the kf reply, the call desk and the metrics (copilot/listeners.py).

A refusal (a rep asking about another rep's customer, an agent without a call to that customer) becomes a REFUSAL
suggestion with the reason as a guardrail verdict, recorded in the ledger with the access_denied entry, pushed like
any suggestion; `handle_message` then raises MessageRefusedError (an AccessDenied carrying the refusal), and the REST
API answers 200 with the refusal (see docs/architecture.md, "Refusals").
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from pydantic import BaseModel

from contract.decisions import DecisionKind, HumanDecision
from contract.errors import (
    AccessDenied,
    BackendUnavailable,
    ConflictError,
    InputError,
    NotFound,
    not_in_scope_message,
)
from contract.evidence import Evidence
from contract.messages import InboundMessage
from contract.ports import Actor, Customer360, CustomerData, PolicyQuery, PolicyRetriever
from contract.suggestions import (
    Answer,
    AnswerStatus,
    GuardVerdict,
    Intent,
    Suggestion,
    SuggestionKind,
    VerdictOutcome,
)
from copilot.calls import ActiveCall, CallRegistry
from copilot.events import (
    DecisionRecorded,
    EventBus,
    MessageRefused,
    MessageSkipped,
    SuggestionMade,
    SuggestionProgress,
)
from copilot.hub import Hub
from copilot.metrics import ServiceMetrics
from copilot.settings import Settings

log = logging.getLogger("copilot.service")

JsonDict = dict[str, object]
ProgressCallback = Callable[[str, Mapping[str, object]], None]


# ---- ports the service needs beyond contract/ports.py -------------------------------------------------------------


@runtime_checkable
class Closeable(Protocol):
    def close(self) -> None: ...


@runtime_checkable
class Pingable(Protocol):
    def ping(self) -> object: ...


class PolicyStore(PolicyRetriever, Protocol):
    def search(self, query: PolicyQuery) -> list[Evidence]: ...

    def ping(self) -> None: ...

    def close(self) -> None: ...


class CustomerStore(CustomerData, Protocol):
    def ping(self) -> None: ...

    def close(self) -> None: ...


class LedgerRow(Protocol):
    @property
    def suggestion_id(self) -> str: ...

    @property
    def decision(self) -> str: ...

    @property
    def payload(self) -> Mapping[str, object] | None: ...


def _masked_text(payload: Mapping[str, object]) -> str:
    """The customer's words as the ledger holds them (PII-masked), for the card's quote."""
    inputs = payload.get("inputs")
    return str(inputs.get("masked_text", "")) if isinstance(inputs, Mapping) else ""


class VerifyResult(Protocol):
    @property
    def ok(self) -> bool: ...

    def summary(self) -> str: ...


class Mark(Protocol):
    @property
    def seq(self) -> int: ...


class LedgerPort(Protocol):
    def record_suggestion(self, suggestion: Suggestion, *, inputs: Mapping[str, object]) -> str: ...

    def record_decision(self, decision: HumanDecision, *, actor: Actor) -> str: ...

    def record_denial(
        self, *, actor: Actor, reason: str, details: Mapping[str, object], suggestion_id: str = ""
    ) -> str: ...

    def get_suggestion(self, suggestion_id: str, *, actor: Actor | None = None) -> Suggestion: ...

    def get_suggestion_view(self, suggestion_id: str, *, actor: Actor) -> dict[str, object]: ...

    def message_suggestion(self, tenant: str, channel: str, message_id: str) -> tuple[str, str] | None: ...

    def conversation_owner(self, tenant: str, conversation_id: str) -> tuple[str, str] | None: ...

    def find(self, **filters: object) -> Sequence[LedgerRow]: ...

    def verify(self) -> VerifyResult: ...

    def checkpoint(self) -> Mark: ...

    def witness_head(self) -> Mark | None: ...

    def head(self) -> tuple[int, str]: ...

    def ping(self) -> None: ...

    def close(self) -> None: ...


class Graph(Protocol):
    """agents.Copilot: the LangGraph copilot."""

    def handle(self, msg: InboundMessage, actor: Actor) -> Suggestion | None: ...

    def decide(
        self, decision: HumanDecision, actor: Actor, *, tenant: str, conversation_id: str = ""
    ) -> str: ...

    def wrap_up(self, conversation_id: str, actor: Actor, *, tenant: str) -> Suggestion: ...


class ProgressGraph(Protocol):
    def handle(
        self, msg: InboundMessage, actor: Actor, *, on_progress: ProgressCallback
    ) -> Suggestion | None: ...


class WorkQueue(Protocol):
    """The durable inbox (channels.SqliteInbox embedded, copilot.scale.RedisStreamInbox scaled out), as the service
    uses it: accept and close. Claiming and acknowledging are the worker's (copilot.worker.ClaimingInbox)."""

    lease_s: float

    def accept(self, msg: InboundMessage) -> bool: ...

    def close(self) -> None: ...


@runtime_checkable
class ThreadLocking(Protocol):
    """A shared inbox that also serialises graph runs per conversation across processes (copilot.scale's Redis
    inbox). The embedded inbox has no such lock: its one process serialises runs in agents.copilot."""

    def thread_lock(
        self, tenant: str, conversation_id: str, *, wait_s: float | None = None
    ) -> AbstractContextManager[None]: ...


class Outbox(Protocol):
    """channels.api.messages.Outbox: what the listeners send through WeCom."""

    @property
    def accept_link_base(self) -> str: ...

    def deliver_suggestion(self, suggestion: Suggestion, *, rep_userid: str) -> object: ...

    def kf_send_text(self, open_kfid: str, external_userid: str, text: str, *, msgid: str = "") -> str: ...


class ChannelRuntime(Protocol):
    """channels.wiring.ChannelRuntime, as far as the service is concerned."""

    @property
    def outbox(self) -> Outbox | None: ...


class WorkerHandle(Protocol):
    def start(self) -> None: ...

    def stop(self, timeout: float = 10.0) -> None: ...


# what the refused rep or agent reads (bilingual, polite, naming nobody): the reason code stays in the verdict
_REFUSAL_LINES = {
    "not_owner": "抱歉，该客户不在您的负责范围内，无法查看或处理其会话。如需协作，请联系其负责人或主管。"
    " / Sorry, this customer is not yours; please ask their owner or your manager.",
    "not_on_call": "抱歉，您当前没有与该客户的通话，不能查询其资料。"
    " / Sorry, you can only look up the customer on your current call.",
    "wrong_tenant": "抱歉，该请求不属于本租户。 / Sorry, this request belongs to another tenant.",
    "not_your_conversation": "抱歉，该会话属于另一位客户或同事，不能在其中发送或提问。"
    " / Sorry, this conversation belongs to another customer or colleague.",
}


def refusal_line(reason: str) -> str:
    return _REFUSAL_LINES.get(
        reason, f"抱歉，无权处理该请求（{reason}）。 / Sorry, this is not allowed ({reason})."
    )


class MessageRefusedError(AccessDenied):
    """The message was refused for access; the REFUSAL suggestion recorded for it travels along."""

    def __init__(self, refusal: Suggestion, reason: str, message: str) -> None:
        super().__init__(message, reason=reason, suggestion_id=refusal.id)
        self.suggestion = refusal


# ---- the service ----------------------------------------------------------------------------------------------------


@dataclass
class Services:
    settings: Settings
    policy_store: PolicyStore
    customers: CustomerStore
    ledger: LedgerPort
    copilot: Graph
    hub: Hub
    inbox: WorkQueue
    calls: CallRegistry
    bus: EventBus
    metrics: ServiceMetrics
    channels: ChannelRuntime | None = None
    guardrails: object = None  # guardrails.Guardrails: the graph uses it; kept for operators' introspection
    asr: Closeable | None = None  # channels.voice.AsrService: the live-call socket needs it
    tenant_playbooks: Sequence[BaseModel] = ()
    readiness_probes: Mapping[str, Pingable] = field(default_factory=dict)  # e.g. redis, witness
    closers: Sequence[Closeable] = ()  # the LLM, the Redis client …: closed last
    worker_factory: Callable[[Services, str], WorkerHandle] | None = None
    _inflight: dict[str, tuple[threading.Lock, int]] = field(default_factory=dict, repr=False)
    _inflight_guard: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _progress_kw: bool | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        """The ledger records and reads for this service's tenant only (tenants may share its database): every entry
        it appends without a tenant of its own (denials, refusals, unmasking records, redactions) carries this one,
        and every look-up, page, export and metric is confined to it (copilot.ledger.store)."""
        bind = getattr(self.ledger, "bind_tenant", None)
        if callable(bind):
            bind(self.settings.tenant)
        # the call registry likewise (its Redis keys carry the tenant: tenants may share the Redis)
        bind_calls = getattr(self.calls, "bind_tenant", None)
        if callable(bind_calls) and self.settings.tenant:
            bind_calls(self.settings.tenant)

    # ---- scope ---------------------------------------------------------------------------------------------------

    def scope_message(self, msg: InboundMessage, actor: Actor) -> InboundMessage:
        """Request-level rules: the message is this service's tenant's; a rep speaks for themselves only (the message
        is bound to them)."""
        if msg.tenant != self.settings.tenant:
            self.record_denial(actor, "wrong_tenant", {"message_id": msg.message_id, "tenant": msg.tenant})
            raise AccessDenied(
                f"this service serves tenant {self.settings.tenant!r}, not {msg.tenant!r}",
                reason="wrong_tenant",
            )
        if actor.role == "rep":
            if msg.rep_ref and msg.rep_ref != actor.id:
                self.record_denial(actor, "not_your_conversation", {"message_id": msg.message_id})
                raise AccessDenied("this conversation belongs to another rep", reason="not_your_conversation")
            if not msg.rep_ref:
                msg = msg.model_copy(update={"rep_ref": actor.id})
        return msg

    def agent_scope(self, actor: Actor, customer_ref: str = "") -> Actor:
        """An agent reads through their calls: the actor with the call's customer, or AccessDenied (not_on_call).
        Trusted callers (the worker, the live-call socket) already set the call's customer."""
        if actor.role != "agent":
            return actor
        if actor.call_customer_ref and (not customer_ref or actor.call_customer_ref == customer_ref):
            return actor
        calls = self.calls.for_agent(actor.id)
        match = next((c for c in calls if not customer_ref or c.customer_ref == customer_ref), None)
        if match is None:
            raise AccessDenied(
                f"agent {actor.id} has no active call with {customer_ref or 'any customer'}",
                reason="not_on_call",
                actor=actor.id,
                customer_ref=customer_ref,
            )
        return actor.model_copy(update={"call_customer_ref": match.customer_ref})

    def authorize_customer(self, msg: InboundMessage, actor: Actor) -> Actor:
        """Before any look-up: the actor works for this tenant and may touch this customer (CRM ownership for reps,
        a call for agents). A rep's ask without a known customer (a WeCom app ask names its subject in the text) goes
        on: the ask checks every customer it names before reading anything (agents/authz.py)."""
        actor_tenant = str(getattr(actor, "tenant", "") or "")  # "" = a development identity (any tenant)
        if actor_tenant and msg.tenant and actor_tenant != msg.tenant:
            raise AccessDenied(
                f"{actor.role} {actor.id} belongs to tenant {actor_tenant!r}, not {msg.tenant!r}",
                reason="wrong_tenant",
                actor=actor.id,
            )
        actor = self.agent_scope(actor, msg.customer_ref)
        if actor.role == "rep":
            try:
                self.customers.customer_360(
                    msg.customer_ref, actor
                )  # AccessDenied / NotFound, nothing returned
            except NotFound:
                if msg.sender != "rep_ask":
                    raise
            except BackendUnavailable as exc:
                # The CRM is down: the graph degrades without CRM evidence (flag crm_unavailable), and a recorded
                # suggestion is still only returned to its own rep (the ledger's rule in get_suggestion).
                log.warning("ownership of %s not checked, CRM unavailable: %s", msg.customer_ref, exc.message)
        return actor

    def check_conversation(self, msg: InboundMessage, actor: Actor) -> None:
        """A conversation id is bound to its customer (and, for a rep's ask, to its rep) by its first suggestion:
        a message naming the actor's own customer cannot be posted into someone else's conversation, whose history
        the graph would read and extend."""
        held = self.ledger.conversation_owner(msg.tenant, msg.conversation_id)
        if held is None:
            return
        customer, rep = held
        if customer == msg.customer_ref:
            return
        if msg.sender == "rep_ask" and actor.role == "rep" and rep == actor.id:
            return  # the rep's own ask thread (e.g. the WeCom app chat) asks about one customer after another
        raise AccessDenied(
            f"conversation {msg.conversation_id!r} belongs to another customer or rep",
            reason="not_your_conversation",
            actor=actor.id,
        )

    # ---- handle a message --------------------------------------------------------------------------------------------

    def handle_message(self, msg: InboundMessage, actor: Actor) -> Suggestion | None:
        """Run one message, exactly once in effect. Returns the suggestion (a redelivery returns the one already
        recorded), None for a rep's own message; raises MessageRefusedError (an AccessDenied) after recording a
        REFUSAL suggestion, ConflictError when the message id belongs to another conversation."""
        started = time.perf_counter()
        msg = self.scope_message(msg, actor)
        try:
            actor = self.authorize_customer(msg, actor)
            self.check_conversation(msg, actor)
        except AccessDenied as exc:
            with self._message_lock(msg):
                return self._refuse(msg, actor, exc, started)
        with self._message_lock(msg):
            earlier = self._recorded(msg, actor)
            if earlier is not None:
                return self._redelivered(msg, actor, earlier, started)
            try:
                suggestion = self._run_graph(msg, actor, started)
            except (
                AccessDenied
            ) as exc:  # the graph's own checks (e.g. a customer reassigned mid-conversation)
                return self._refuse(msg, actor, exc, started)
            except ConflictError as exc:
                if exc.reason != "message_already_recorded":
                    raise
                earlier = self._recorded(msg, actor)  # another process recorded it first
                if earlier is None:
                    raise
                return self._redelivered(msg, actor, earlier, started)
        elapsed = _ms(started)
        if suggestion is None:
            self.bus.publish(MessageSkipped(msg, actor, elapsed))
            return None
        self.bus.publish(SuggestionMade(msg, actor, suggestion, elapsed))
        return suggestion

    def _run_graph(self, msg: InboundMessage, actor: Actor, started: float) -> Suggestion | None:
        if self._progress_kw is None:
            try:
                self._progress_kw = "on_progress" in inspect.signature(self.copilot.handle).parameters
            except (TypeError, ValueError):
                self._progress_kw = False
        if not self._progress_kw:
            return self.copilot.handle(msg, actor)
        graph: ProgressGraph = self.copilot  # type: ignore[assignment]  # checked by signature above
        return graph.handle(msg, actor, on_progress=self.progress_sink(msg, started))

    def progress_sink(self, msg: InboundMessage, started: float | None = None) -> ProgressCallback:
        """What the graph calls while it runs (phase 1 parts, then draft tokens): forwarded as events."""
        since = time.perf_counter() if started is None else started

        def forward(phase: str, data: Mapping[str, object]) -> None:
            self.bus.publish(SuggestionProgress(msg, phase, dict(data), _ms(since)))

        return forward

    def _recorded(self, msg: InboundMessage, actor: Actor) -> Suggestion | None:
        """The suggestion already recorded for this message, if this actor may have it. The key says which
        conversation it belongs to; another conversation's is never returned (409, no data)."""
        held = self.ledger.message_suggestion(msg.tenant, msg.channel.value, msg.message_id)
        if held is None:
            return None
        conversation_id, suggestion_id = held
        if conversation_id != msg.conversation_id:
            self.record_denial(
                actor, "message_id_taken", {"message_id": msg.message_id, "attempted": "message"}
            )
            raise ConflictError(
                f"message id {msg.message_id!r} was already used in another conversation",
                reason="message_id_taken",
            )
        try:
            earlier = self.ledger.get_suggestion(suggestion_id, actor=actor)  # the refusal is recorded there
        except AccessDenied as exc:  # someone else's: same answer as any taken id, naming nothing of theirs
            raise ConflictError(
                f"message id {msg.message_id!r} was already used by another conversation or actor",
                reason="message_id_taken",
            ) from exc
        if earlier.customer_ref != msg.customer_ref:
            raise ConflictError(
                f"message id {msg.message_id!r} was already used for another customer",
                reason="message_id_taken",
            )
        return earlier

    def _redelivered(
        self, msg: InboundMessage, actor: Actor, earlier: Suggestion, started: float
    ) -> Suggestion:
        self.bus.publish(SuggestionMade(msg, actor, earlier, _ms(started), redelivered=True))
        if earlier.kind is SuggestionKind.REFUSAL:
            reason = next(
                (v.reasons[0] for v in earlier.verdicts if v.guard == "access" and v.reasons), "refused"
            )
            raise MessageRefusedError(earlier, reason, f"this message was refused: {reason}")
        return earlier

    def _refuse(self, msg: InboundMessage, actor: Actor, exc: AccessDenied, started: float) -> Suggestion:
        """Record the refusal as a REFUSAL suggestion (and the access_denied entry), publish it, raise it."""
        rep_ref = actor.id if actor.role in ("rep", "agent") else msg.rep_ref
        earlier = self._recorded_refusal(msg, actor, rep_ref)
        if earlier is not None:
            return self._redelivered(msg, actor, earlier, started)
        refusal = Suggestion(
            kind=SuggestionKind.REFUSAL,
            tenant=msg.tenant,
            channel=msg.channel.value,
            conversation_id=msg.conversation_id,
            message_id=msg.message_id,
            customer_ref=msg.customer_ref,
            rep_ref=rep_ref,
            intent=Intent(
                name="out_of_scope", confidence=1.0, abstained=True, label_zh="无权限 / not allowed"
            ),
            verdicts=[
                GuardVerdict(
                    guard="access",
                    outcome=VerdictOutcome.BLOCK,
                    reasons=[exc.reason],
                    details={"message": exc.message},
                )
            ],
            answer=Answer(
                text=refusal_line(exc.reason), status=AnswerStatus.NONE
            ),  # to the asker, never sent on
            flags=["access_denied"],
            timings_ms={"access": _ms(started)},
        )
        inputs: JsonDict = {
            "refused": exc.reason,
            "actor": actor.id,
            "part_kinds": [p.kind for p in msg.parts],
        }
        try:
            self.ledger.record_suggestion(refusal, inputs=inputs)
        except ConflictError as conflict:
            if conflict.reason != "message_already_recorded":
                raise
            earlier = self._recorded_refusal(msg, actor, rep_ref)  # another process recorded it first
            if earlier is None:
                raise
            return self._redelivered(msg, actor, earlier, started)
        details: JsonDict = {
            "attempted": "message",
            "message_id": msg.message_id,
            "customer_ref": msg.customer_ref,
        }
        self.ledger.record_denial(actor=actor, reason=exc.reason, details=details, suggestion_id=refusal.id)
        log.warning("refused %s for %s (%s): %s", msg.dedupe_key, actor.id, actor.role, exc.reason)
        self.bus.publish(MessageRefused(msg, actor, refusal, exc.reason, _ms(started)))
        raise MessageRefusedError(refusal, exc.reason, exc.message)

    def _recorded_refusal(self, msg: InboundMessage, actor: Actor, rep_ref: str) -> Suggestion | None:
        """A refused actor sending the same message again gets the same refusal; any other suggestion recorded
        under this message id stays hidden from them (409, no data)."""
        held = self.ledger.message_suggestion(msg.tenant, msg.channel.value, msg.message_id)
        if held is None:
            return None
        if held[0] == msg.conversation_id:
            earlier = self.ledger.get_suggestion(held[1])
            same_asker = earlier.rep_ref == rep_ref and earlier.customer_ref == msg.customer_ref
            if earlier.kind is SuggestionKind.REFUSAL and same_asker:
                return earlier
        self.record_denial(actor, "message_id_taken", {"message_id": msg.message_id, "attempted": "message"})
        raise ConflictError(
            f"message id {msg.message_id!r} was already used by another conversation or actor",
            reason="message_id_taken",
        )

    @contextmanager
    def _message_lock(self, msg: InboundMessage) -> Iterator[None]:
        """Identical concurrent messages in this process wait for the first one (then get its suggestion); across
        processes the ledger's unique key decides."""
        key = msg.dedupe_key
        with self._inflight_guard:
            lock, users = self._inflight.get(key, (threading.Lock(), 0))
            self._inflight[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._inflight_guard:
                lock, users = self._inflight[key]
                if users <= 1:
                    del self._inflight[key]
                else:
                    self._inflight[key] = (lock, users - 1)

    # ---- decisions -----------------------------------------------------------------------------------------------

    def suggestion_scope(self, actor: Actor, suggestion_id: str) -> Actor:
        """An agent reads and decides a suggestion through the call it belongs to: the active call whose conversation
        it is in, else a call with its customer (the ledger's rule), never just the agent's latest call. The look-ups
        are bounded to the agent's own calls (nothing outside them can come back); no match leaves the actor as it is,
        and the ledger then refuses and records it (unless the agent is the suggestion's own rep)."""
        if actor.role != "agent" or actor.call_customer_ref:
            return actor
        calls = [c for c in self.calls.for_agent(actor.id) if c.customer_ref]
        for by in ("conversation", "customer"):
            for call in calls:
                scope = {by: call.call_id if by == "conversation" else call.customer_ref}
                if self.ledger.find(kind="suggestion", suggestion=suggestion_id, limit=1, **scope):
                    return actor.model_copy(update={"call_customer_ref": call.customer_ref})
        return actor

    def decide(self, decision: HumanDecision, actor: Actor) -> str:
        """Record a human decision (NotFound, AccessDenied recorded, ConflictError when already decided)."""
        actor = self.suggestion_scope(actor, decision.suggestion_id)
        suggestion = self.ledger.get_suggestion(decision.suggestion_id, actor=actor)
        if decision.kind is DecisionKind.ACCEPT and decision.final_text is not None:
            drafted = suggestion.draft.text if suggestion.draft is not None else None
            if decision.final_text != drafted:  # the record would say the AI's draft went out when it did not
                raise InputError(
                    "an accept sends the draft as suggested; send kind=edit with the new text (recorded with its diff)",
                    reason="accept_text_differs",
                )
        self.check_still_owner(suggestion, actor)
        # scaled out, a worker in another process may be running this conversation's next message on the same thread
        across = (
            self.inbox.thread_lock(suggestion.tenant, suggestion.conversation_id)
            if isinstance(self.inbox, ThreadLocking)
            else nullcontext()
        )
        with across:
            entry_id = self.copilot.decide(
                decision, actor, conversation_id=suggestion.conversation_id, tenant=suggestion.tenant
            )
        self.bus.publish(DecisionRecorded(suggestion, decision, actor, entry_id))
        return entry_id

    def check_still_owner(self, suggestion: Suggestion, actor: Actor) -> None:
        """A rep decides only while the customer is theirs: a customer reassigned since the suggestion takes the
        reply away from the old rep (recorded, AccessDenied). A CRM that is down does not block the decision."""
        if actor.role != "rep" or not suggestion.customer_ref:
            return
        try:
            self.customers.customer_360(suggestion.customer_ref, actor)
        except AccessDenied as exc:
            self.record_denial(actor, exc.reason, {"attempted": "decision", "suggestion_id": suggestion.id})
            raise
        except (NotFound, BackendUnavailable) as exc:
            log.warning(
                "ownership of %s not re-checked before the decision: %s", suggestion.customer_ref, exc
            )

    # ---- reads ---------------------------------------------------------------------------------------------------

    def customer_360(self, customer_id: str, actor: Actor) -> Customer360:
        """A rep gets the same 403 for another rep's customer and for an id the CRM does not hold: a 404 would tell
        them which ids exist."""
        try:
            return self.customers.customer_360(customer_id, self.agent_scope(actor, customer_id))
        except AccessDenied as exc:
            self.record_denial(actor, exc.reason, {"attempted": "customer_360", "customer_ref": customer_id})
            raise
        except NotFound:
            if actor.role != "rep":
                raise
            self.record_denial(actor, "not_owner", {"attempted": "customer_360", "customer_ref": customer_id})
            raise AccessDenied(
                not_in_scope_message(actor.id, customer_id),
                reason="not_owner",
                actor=actor.id,
                customer_ref=customer_id,
            ) from None

    def suggestion_view(self, suggestion_id: str, actor: Actor) -> dict[str, object]:
        """What compliance and the suggestion's own rep or agent see; the ledger checks and records a refusal."""
        return self.ledger.get_suggestion_view(
            suggestion_id, actor=self.suggestion_scope(actor, suggestion_id)
        )

    def list_suggestions(
        self, actor: Actor, *, customer: str | None = None, conversation: str | None = None, limit: int = 20
    ) -> list[JsonDict]:
        """Latest suggestions with their decision state, in the actor's scope: a rep their own, an agent those of
        their active calls, evaluators and admins all."""
        scopes: list[dict[str, object]]
        if actor.role == "rep":
            scopes = [{"rep": actor.id}]
        elif actor.role == "agent":
            calls = [c.call_id for c in self.calls.for_agent(actor.id)]
            scopes = [{"conversation": c} for c in calls if conversation in (None, c)]
        else:
            scopes = [{}]
        out: list[JsonDict] = []
        for scope in scopes:
            filters: dict[str, object] = {"customer": customer, "conversation": conversation, **scope}
            entries = self.ledger.find(kind="suggestion", **filters)
            decided = {e.suggestion_id: e for e in self.ledger.find(kind="decision", **filters)}
            for e in entries:
                if e.payload is not None:
                    d = decided.get(e.suggestion_id)
                    out.append(
                        {
                            "suggestion": e.payload.get("suggestion"),
                            "decision": d.decision if d is not None else None,
                            "decided_by": str(getattr(d, "actor", "")),  # the page shows who and when
                            "decided_at": str(getattr(d, "created_at", "")),
                            "message_text": _masked_text(e.payload),
                        }
                    )
        return out[-limit:]

    def record_denial(self, actor: Actor, reason: str, details: Mapping[str, object]) -> None:
        log.warning("access denied for %s (%s): %s %s", actor.id, actor.role, reason, dict(details))
        self.ledger.record_denial(actor=actor, reason=reason, details=details)

    # ---- calls -----------------------------------------------------------------------------------------------------

    def call_started(self, call_id: str, agent_id: str, customer_ref: str, tenant: str) -> None:
        self.calls.start(ActiveCall(call_id, agent_id, customer_ref, tenant, time.time()))

    def register_call(self, call_id: str, agent_id: str, customer_ref: str) -> ActiveCall:
        """The telephony gateway opens a call for an agent and a customer (the caller's only way in: the agent's
        socket attaches to it, never registers it). The same registration again is a no-op; another agent or
        customer on a live call id is ConflictError call_id_in_use; an ended call id starts a new call."""
        held = self.calls.get(call_id)
        if held is not None and not held.ended_at:
            if (held.agent_id, held.customer_ref) != (agent_id, customer_ref):
                log.warning("call %s: a registration for another agent or customer was refused", call_id)
                raise ConflictError(
                    f"call {call_id!r} is live for another registration", reason="call_id_in_use"
                )
            return held
        self.call_started(call_id, agent_id, customer_ref, self.settings.tenant)
        registered = self.calls.get(call_id)
        if registered is None:  # a registry that cannot hold it would open a call no one can attach to
            raise ConflictError(f"call {call_id!r} could not be registered", reason="call_not_registered")
        return registered

    def wrap_up(self, call_id: str, actor: Actor, *, tenant: str) -> Suggestion:
        """The call's wrap-up (NotFound when no customer turn was heard); the call then leaves the active set after
        the grace period the agent has to decide on it."""
        try:
            wrap = self.copilot.wrap_up(call_id, actor, tenant=tenant)
        finally:
            self.calls.end(call_id)
        self.bus.publish(SuggestionMade(_wrap_message(wrap), actor, wrap, 0.0))
        return wrap

    # ---- operations ------------------------------------------------------------------------------------------------

    def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        probes: dict[str, object] = {
            "ledger": self.ledger,
            "policy_store": self.policy_store,
            "crm": self.customers,
            "queue": self.inbox,
            **self.readiness_probes,
        }
        for name, probe in probes.items():
            try:
                if isinstance(probe, Pingable):
                    probe.ping()
                checks[name] = "ok"
            except Exception as exc:  # readiness reports, never raises
                checks[name] = f"down: {exc.__class__.__name__}"
        return checks

    def make_worker(self, worker_id: str = "worker-1") -> WorkerHandle:
        if self.worker_factory is None:
            raise NotFound("no worker factory wired", reason="no_worker")
        return self.worker_factory(self, worker_id)

    def start_worker(self) -> WorkerHandle:
        worker = self.make_worker()
        worker.start()
        return worker

    @property
    def extras(self) -> Mapping[str, object]:
        """Deprecated read-only view for callers written against the old `extras` dict."""
        return {"channels": self.channels, "asr": self.asr}

    def close(self) -> None:
        parts: list[object] = [self.hub, self.ledger, self.policy_store, self.customers, self.inbox, self.asr]
        for part in [*parts, *self.closers]:
            closer = getattr(part, "close", None)
            if closer is not None:
                try:
                    closer()
                except Exception:  # closing is best effort at shutdown
                    log.exception("closing %s failed", type(part).__name__)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 1)


def _wrap_message(wrap: Suggestion) -> InboundMessage:
    """The (synthetic) message a wrap-up answers, so its event has the same shape as any other."""
    from contract.messages import Channel, EventPart

    channel = Channel(wrap.channel) if wrap.channel in {c.value for c in Channel} else Channel.VOICE
    return InboundMessage(
        tenant=wrap.tenant,
        channel=channel,
        conversation_id=wrap.conversation_id,
        message_id=wrap.message_id,
        customer_ref=wrap.customer_ref,
        rep_ref=wrap.rep_ref,
        sender="system",
        parts=[EventPart(event="wrap_up")],
    )
