"""Ledger fixtures: one fresh ledger per test on SQLite (a temp file) and on the session's real PostgreSQL (a fresh
database per test), plus a factory of demo-tenant suggestions (华东康诺: C1001 and the spine push)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from contract import Action, Citation, Draft, Evidence, EvidenceKind, GuardVerdict, Intent, Suggestion
from contract.ports import Actor
from copilot.ledger import Ledger, open_ledger

T0 = datetime(2026, 9, 15, 2, 0, tzinfo=UTC)
REP_ZHANG = Actor(id="rep_zhang", role="rep", team="ortho-east-1")
REP_LI = Actor(id="rep_li", role="rep", team="ortho-east-1")
ADMIN = Actor(id="admin_zhou", role="admin", team="hq")
AGENT = Actor(id="agent_chen", role="agent", team="contact-center")
EVALUATOR = Actor(id="eval_bot", role="evaluator")


def make_suggestion(
    *,
    customer: str = "C1001",
    rep: str = "rep_zhang",
    intent: str = "rebate_policy",
    conversation: str | None = None,
    created_at: datetime = T0,
    spine_push: bool = True,
    **extra: Any,
) -> Suggestion:
    clause = Evidence(
        id=Evidence.make_id(EvidenceKind.POLICY_CLAUSE, "rebate-ortho", "3.2", "4.2"),
        kind=EvidenceKind.POLICY_CLAUSE,
        title="骨科耗材返点协议V3.2 第4.2条",
        content="季度采购额达到50万元的A类代理商，返点比例为3%。",
        source_ids={
            "doc_id": "rebate-ortho",
            "version": "3.2",
            "clause": "4.2",
            "chunk_id": "rebate-ortho:3.2:12",
        },
        version="3.2",
        score=0.83,
        lineage={"query": "返点 政策", "rank": 1},
    )
    signal = Evidence(
        id=Evidence.make_id(EvidenceKind.SIGNAL, customer, "no_spine_purchase_180d"),
        kind=EvidenceKind.SIGNAL,
        content="该客户超过180天未采购脊柱耗材",
        source_ids={"signal_id": "no_spine_purchase_180d", "customer_id": customer},
        lineage={
            "sql": "SELECT max(order_date) FROM orders WHERE customer_id = :c AND category = '脊柱耗材'"
        },
    )
    actions = [
        Action(name="send_policy_document", parameters={"doc_id": "rebate-ortho"}, evidence_ids=[clause.id])
    ]
    if spine_push:
        actions.append(
            Action(
                name="push_campaign",
                parameters={"doc_id": "spine-trial-incentive"},
                evidence_ids=[signal.id],
                rule_id="rebate_spine_push",
                score=0.9,
            )
        )
    return Suggestion(
        tenant="demo",
        conversation_id=conversation or f"conv_{customer}",
        message_id="msg_" + uuid.uuid4().hex[:8],
        customer_ref=customer,
        rep_ref=rep,
        channel="wecom_app",
        intent=Intent(name=intent, confidence=0.92, label_zh="返点政策"),
        actions=actions,
        draft=Draft(
            text="您好，按现行返点协议V3.2，季度采购满50万元可享3%返点[1]。",
            citations=[Citation(marker="1", evidence_id=clause.id)],
            model="qwen2.5-1.5b",
            prompt_version="draft-v3",
        ),
        evidence=[clause, signal],
        verdicts=[GuardVerdict(guard="grounding", outcome="allow", reasons=["所有数字均有出处"])],
        timings_ms={
            "perceive": 3.0,
            "classify": 12.5,
            "retrieve": 40.0,
            "customer_360": 25.0,
            "draft": 900.0,
        },
        model="qwen2.5-1.5b",
        created_at=created_at,
        **extra,
    )


INPUTS = {"text": "你好，返点政策现在是怎么算的？我的电话是<CN_MOBILE_1>", "channel": "wecom_app"}


def later(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _fresh_pg_database(server_url: str) -> str:
    name = "ledger_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    return _fresh_pg_database(request.getfixturevalue("postgres_url"))


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    led = open_ledger(ledger_url, checkpoint_key="k-9f2c7e1a-test-only")
    yield led
    led.engine.dispose()


def raw(ledger: Ledger, sql: str, **params: Any) -> Any:
    """Tampering the way an attacker with database access would: plain SQL around the ledger's API."""
    with ledger.engine.begin() as conn:
        return conn.execute(sa.text(sql), params)
