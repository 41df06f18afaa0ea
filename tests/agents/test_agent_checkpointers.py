"""The same conversation thread on every checkpointer: multi-turn context survives a restart of the process (a new
Copilot on the same store), and a decision after restart still resumes the interrupt."""

from __future__ import annotations

import pytest

from agents import Copilot, make_checkpointer
from contract.decisions import DecisionKind, HumanDecision
from contract.errors import UserError
from tests.agents.agent_helpers import msg


def _two_turns_across_restart(make_deps, zhang, make_saver, conv):
    deps = make_deps()
    first = Copilot(deps, make_saver()).handle(msg("LCP-3.5锁定加压接骨板有哪些规格", conv=conv), zhang)
    restarted = Copilot(deps, make_saver())
    s = restarted.handle(msg("这个型号的代理商返点政策能再发一遍吗?", conv=conv), zhang)
    assert s.intent.entities["product_model"] == ["LCP-3.5"]
    entry = restarted.decide(
        HumanDecision(suggestion_id=s.id, kind=DecisionKind.ACCEPT, actor="rep_zhang"),
        zhang,
        conversation_id=conv,
        tenant="demo",
    )
    assert entry and deps.ledger.decisions[s.id].kind is DecisionKind.ACCEPT
    assert [h["role"] for h in restarted.history(conv, tenant="demo")] == ["customer", "customer", "decision"]
    assert first.id != s.id


def test_sqlite_checkpointer_keeps_the_thread(make_deps, zhang, tmp_path):
    path = tmp_path / "cp.sqlite"
    _two_turns_across_restart(
        make_deps, zhang, lambda: make_checkpointer("sqlite", sqlite_path=path), "sqlite-conv"
    )


@pytest.mark.redis
def test_redis_checkpointer_keeps_the_thread(make_deps, zhang, redis_url):
    _two_turns_across_restart(
        make_deps, zhang, lambda: make_checkpointer("redis", redis_url=redis_url), "redis-conv"
    )


@pytest.mark.postgres
def test_postgres_checkpointer_keeps_the_thread(make_deps, zhang, postgres_url):
    saver = lambda: make_checkpointer("postgres", postgres_url=postgres_url)  # noqa: E731
    _two_turns_across_restart(make_deps, zhang, saver, "pg-conv")


def test_checkpointer_settings_are_validated():
    with pytest.raises(UserError):
        make_checkpointer("redis")
    with pytest.raises(UserError):
        make_checkpointer("mongo")
    assert make_checkpointer("memory") is not None
