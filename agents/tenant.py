"""Tenant configuration for the agent: intent taxonomy, action catalog and playbooks, loaded from YAML and validated.

A broken tenant file is an operator error (`UserError`) that names the file and the field, raised at start, never mid-run.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from contract.errors import UserError

if TYPE_CHECKING:
    from agents.understanding.entities import EntityRules

OUT_OF_SCOPE = "out_of_scope"


class IntentCues(BaseModel):
    """What, besides the words, points to an intent: extracted entity kinds (alarm_code → a fault intent), the kind
    of image perception read (error_screen, invoice, nameplate) and the kind of file sent (document, spreadsheet …)."""

    model_config = ConfigDict(extra="forbid")

    entities: list[str] = Field(default_factory=list)
    image_kinds: list[str] = Field(default_factory=list)
    file_kinds: list[str] = Field(default_factory=list)
    senders: list[str] = Field(default_factory=list)  # [rep_ask]: an intent of reps asking the copilot


class IntentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    label_zh: str
    description: str = ""  # enough on its own: intent works zero-shot from label + description + keywords
    # the description in the other languages customers write in ({en: "…"}): read as the description is, so a message
    # in that language is matched against words of its own language, not only through the embedder's cross-lingual
    # alignment with the first description
    descriptions: dict[str, str] = Field(default_factory=dict)
    policy_hint: str = ""  # words added to the policy query for this intent (e.g. 返点协议)
    keywords: list[str] = Field(default_factory=list)  # taxonomy words; one in the message nudges the intent
    cues: IntentCues = Field(default_factory=IntentCues)
    examples: list[str] = Field(default_factory=list)  # optional; more examples, better intent

    @model_validator(mode="after")
    def _describable(self) -> IntentSpec:
        if not (self.description.strip() or self.examples or self.keywords):
            raise ValueError(f"intent {self.name!r} needs a description, keywords or examples")
        return self


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
    # Used to rank actions when no playbook rule fires: the intents it serves, the customer signals that make it
    # relevant, and example requests (learned from reps' "wrong action" corrections).
    intents: list[str] = Field(default_factory=list)
    signals: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)


Scalar = str | int | float | bool


class FactTest(BaseModel):
    """A test on one customer fact: `{eq: A}`, `{in: [华东, 华南]}`, `{gte: 100}`, `{contains: 车队}`, `{exists: true}`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    eq: Scalar | None = None
    ne: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    not_in: list[Scalar] | None = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    contains: str | None = None
    exists: bool | None = None


class RuleWhen(BaseModel):
    model_config = ConfigDict(extra="forbid")

    intent: list[str] = Field(default_factory=list)  # any of; empty = any intent except out_of_scope
    min_confidence: float = 0.0
    max_confidence: float | None = None  # e.g. low confidence → hand over to a human
    abstained: bool | None = None  # true: only when intent abstained (then `intent` may stay empty)
    # customer facts by field (tier, region, business_unit or any mapped CRM column): a scalar = equal, a list = any
    # of, a mapping = a FactTest
    customer: dict[str, Scalar | list[Scalar] | FactTest] = Field(default_factory=dict)
    flags_any: list[str] = Field(
        default_factory=list
    )  # guard flags: injection_suspected, pii_masked, crm_unavailable …
    flags_none: list[str] = Field(default_factory=list)
    signals_all: list[str] = Field(default_factory=list)  # signal_ids the customer must have
    signals_none: list[str] = Field(default_factory=list)
    entities_any: list[str] = Field(
        default_factory=list
    )  # entity kinds of which at least one must be present
    keywords_any: list[str] = Field(default_factory=list)
    # words that take their place out of the message before keywords_any is read: a keywords_any word found only inside
    # one of them does not count («续签» inside «手续签字»); a rule without keywords_any does not fire when one is there
    keywords_none: list[str] = Field(default_factory=list)
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


class EntityPattern(BaseModel):
    """One entity shape of the tenant (entities.yaml `patterns:` or vocabulary.yaml `patterns:`)."""

    model_config = ConfigDict(extra="forbid")

    kind: str  # product_model, serial_number, vin, sku, alarm_code … (the playbooks' entity kinds)
    regex: str
    group: int = 0  # 0 = whole match (or the only group); n = capture group n
    ignore_case: bool = False
    description: str = ""
    examples: list[str] = Field(default_factory=list)  # each must match: checked on load

    @model_validator(mode="after")
    def _compiles(self) -> EntityPattern:
        try:
            compiled = re.compile(self.regex, re.I if self.ignore_case else 0)
        except re.error as exc:
            raise ValueError(f"pattern for {self.kind!r} does not compile: {exc}") from exc
        if self.group > compiled.groups:
            raise ValueError(f"pattern for {self.kind!r} has no group {self.group}")
        missed = [e for e in self.examples if not compiled.search(e)]
        if missed:
            raise ValueError(f"pattern for {self.kind!r} does not match its examples {missed}")
        return self


class EntitiesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    patterns: list[EntityPattern] = Field(default_factory=list)
    terms: dict[str, list[str]] = Field(default_factory=dict)  # kind → literal words (brand, model names …)
    generic_shapes: bool = (
        True  # letter-digit model / code shapes; switch off when they misread the tenant's ids
    )


class TenantConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenant: str = Field(min_length=1)  # the folder name (read_tenant_data) or profile id
    intents: list[IntentSpec]
    actions: list[ActionSpec]
    playbooks: list[Playbook]
    entities: EntitiesConfig = Field(default_factory=EntitiesConfig)
    # vocabulary.yaml `organisation_words`: the words of this tenant's industry that end its customers' company names
    # («物流», «出租», «医院», «fleet»): «某某出租» is a company, so a question about it is about someone else
    organisation_words: list[str] = Field(default_factory=list)
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
        for a in self.actions:
            unknown = set(a.intents) - intents
            if unknown:
                raise ValueError(f"action {a.name} names unknown intents {sorted(unknown)}")
        return self

    @cached_property
    def entity_rules(self) -> EntityRules:
        from agents.understanding.entities import compile_rules

        return compile_rules(
            [(p.kind, p.regex, p.group, p.ignore_case) for p in self.entities.patterns],
            self.entities.terms,
            generic_shapes=self.entities.generic_shapes,
        )

    def action(self, name: str) -> ActionSpec:
        for a in self.actions:
            if a.name == name:
                return a
        raise UserError(f"action {name!r} is not in the tenant's catalog", reason="unknown_action")

    def intent(self, name: str) -> IntentSpec | None:
        return next((i for i in self.intents if i.name == name), None)

    @classmethod
    def load(cls, tenant_dir: str | Path) -> TenantConfig:
        """Reads intents.yaml, actions.yaml and playbooks.yaml (and, when present, entities.yaml and the `patterns:` /
        `terms:` blocks of vocabulary.yaml). A broken pack is a UserError listing every problem with file:line, field
        and fix (`agents.tenant_validation.validate_tenant_dir`)."""
        root = Path(tenant_dir)
        for fname in REQUIRED_FILES:
            if not (root / fname).is_file():
                raise UserError(f"tenant file missing: {root / fname}", reason="tenant_file_missing")
        try:
            return cls.model_validate(read_tenant_data(root))
        except (ValidationError, yaml.YAMLError, TenantFileError) as exc:
            from agents.tenant_validation import format_problems, validate_tenant_dir

            problems = validate_tenant_dir(root)
            detail = format_problems(problems) if problems else str(exc)
            raise UserError(
                f"tenant {root.name} is invalid:\n{detail}", reason="tenant_config_invalid"
            ) from exc


REQUIRED_FILES = ("intents.yaml", "actions.yaml", "playbooks.yaml")


class TenantFileError(ValueError):
    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path, self.message = path, message


def _yaml(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(loaded, dict):
        raise TenantFileError(path, "the file must be a YAML mapping (key: value)")
    return loaded


def read_tenant_data(root: Path) -> dict[str, Any]:
    """The raw TenantConfig data of a pack folder (YAML errors propagate)."""
    data: dict[str, Any] = {"tenant": root.name}
    for fname in REQUIRED_FILES:
        data.update(_yaml(root / fname))
    entities: dict[str, Any] = {}
    vocab = root / "vocabulary.yaml"
    if vocab.is_file():
        v = _yaml(vocab)
        entities["patterns"] = list(v.get("patterns") or [])
        entities["terms"] = dict(v.get("terms") or {})
        if v.get("organisation_words") is not None:
            data["organisation_words"] = v["organisation_words"]
    ent = root / "entities.yaml"
    if ent.is_file():
        e = _yaml(ent)
        entities["patterns"] = list(e.get("patterns") or []) + entities.get("patterns", [])
        entities["terms"] = {**entities.get("terms", {}), **dict(e.get("terms") or {})}
        if "generic_shapes" in e:
            entities["generic_shapes"] = e["generic_shapes"]
    if entities:
        data["entities"] = entities
    return data
