"""Tenant configuration for the agent: intent taxonomy, action catalog and playbooks, loaded from YAML and validated.

A broken tenant file is an operator error (`UserError`) that names the file and the field, raised at start, never mid-run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from contract.errors import UserError

OUT_OF_SCOPE = "out_of_scope"


class IntentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    label_zh: str
    description: str = ""
    policy_hint: str = ""  # words added to the policy query for this intent (e.g. 返点协议)
    examples: list[str] = Field(min_length=1)


class ParameterSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = "string"
    required: bool = False
    description: str = ""


class ActionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    label_zh: str
    description: str
    parameters: dict[str, ParameterSpec] = Field(default_factory=dict)
    preconditions: list[str] = Field(default_factory=list)
    required_authority: str = "rep"  # rep | manager | director | agent


class RuleWhen(BaseModel):
    model_config = ConfigDict(extra="forbid")

    intent: list[str] = Field(default_factory=list)  # any of; empty = any intent except out_of_scope
    min_confidence: float = 0.0
    signals_all: list[str] = Field(default_factory=list)  # signal_ids the customer must have
    signals_none: list[str] = Field(default_factory=list)
    entities_any: list[str] = Field(
        default_factory=list
    )  # entity kinds of which at least one must be present
    keywords_any: list[str] = Field(default_factory=list)
    sentiment_below: float | None = None
    evidence_kinds: list[str] = Field(
        default_factory=list
    )  # evidence kinds that must be present (policy_clause …)


class RuleRetrieve(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str
    doc_id: str = ""  # keep only clauses of this document
    k: int = 3


class RuleThen(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    parameters_from_entities: dict[str, str] = Field(default_factory=dict)  # parameter → entity kind
    parameters_from_policy: dict[str, str] = Field(
        default_factory=dict
    )  # parameter → source_ids key of top clause
    retrieve: RuleRetrieve | None = None
    priority: int = 50
    rationale_zh: str = ""


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    description: str = ""
    when: RuleWhen = Field(default_factory=RuleWhen)
    then: RuleThen


class Playbook(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    business_units: list[str] = Field(default_factory=lambda: ["*"])
    rules: list[Rule]


class TenantConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenant: str = "demo"
    intents: list[IntentSpec]
    actions: list[ActionSpec]
    playbooks: list[Playbook]
    autopilot_intents: list[str] = Field(default_factory=list)
    abstain_thresholds: dict[str, float] = Field(
        default_factory=dict
    )  # per embedding model; scores differ by model

    @model_validator(mode="after")
    def _consistent(self) -> TenantConfig:
        names = {a.name for a in self.actions}
        intents = {i.name for i in self.intents}
        for pb in self.playbooks:
            for rule in pb.rules:
                if rule.then.action not in names:
                    raise ValueError(f"rule {rule.id} proposes unknown action {rule.then.action!r}")
                unknown = set(rule.when.intent) - intents
                if unknown:
                    raise ValueError(f"rule {rule.id} names unknown intents {sorted(unknown)}")
        return self

    def action(self, name: str) -> ActionSpec:
        for a in self.actions:
            if a.name == name:
                return a
        raise UserError(f"action {name!r} is not in the tenant's catalog", reason="unknown_action")

    def intent(self, name: str) -> IntentSpec | None:
        return next((i for i in self.intents if i.name == name), None)

    @classmethod
    def load(cls, tenant_dir: str | Path) -> TenantConfig:
        """Reads intents.yaml, actions.yaml and playbooks.yaml from the tenant directory."""
        root = Path(tenant_dir)
        data: dict[str, Any] = {"tenant": root.name}
        for fname in ("intents.yaml", "actions.yaml", "playbooks.yaml"):
            path = root / fname
            if not path.is_file():
                raise UserError(f"tenant file missing: {path}", reason="tenant_file_missing")
            try:
                loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise UserError(f"{path}: not valid YAML ({exc})", reason="tenant_yaml_invalid") from exc
            data.update(loaded)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise UserError(f"tenant {root.name}: {exc}", reason="tenant_config_invalid") from exc
