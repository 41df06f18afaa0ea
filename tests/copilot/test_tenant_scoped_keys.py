"""API keys are scoped to a tenant: `copilot keys new --tenant` issues one, and only that tenant's service takes it."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from contract import AccessDenied
from copilot.auth import actor_for_key, actor_for_stream_token, mint_stream_token
from copilot.cli.main import app
from copilot.settings import Settings


def _issue(*args: str) -> tuple[str, str, str]:
    out = CliRunner().invoke(app, ["keys", "new", *args])
    assert out.exit_code == 0, out.output
    key = re.search(r"key \(shown once\): (\S+)", out.output)
    entry = re.search(r'"([0-9a-f]{64})": "([^"]+)"', out.output)
    assert key and entry, out.output
    return key.group(1), entry.group(1), entry.group(2)


def test_a_key_issued_for_one_tenant_is_refused_by_another() -> None:
    key, digest, spec = _issue("rep", "rep_x", "--team", "east", "--tenant", "acme")
    assert spec == "rep:rep_x:east:acme"
    acme = Settings(env="test", tenant="acme", api_keys={digest: spec})
    actor = actor_for_key(key, acme)
    assert (actor.id, actor.role, actor.team, actor.tenant) == ("rep_x", "rep", "east", "acme")
    other = Settings(env="test", tenant="demo", api_keys={digest: spec})
    with pytest.raises(AccessDenied) as refused:
        actor_for_key(key, other)
    assert refused.value.reason == "wrong_tenant"
    token, _ = mint_stream_token(actor, acme)  # a stream token carries the tenant too
    with pytest.raises(AccessDenied):
        actor_for_stream_token(token, other.model_copy(update={"stream_token_key": acme.stream_token_key}))


def test_a_new_key_defaults_to_the_configured_tenant() -> None:
    _, _, spec = _issue("agent", "agent_y")
    assert spec == f"agent:agent_y::{Settings().tenant}"
