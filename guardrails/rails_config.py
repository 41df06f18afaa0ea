"""The tenant's rails file (`copilot/tenants/<tenant>/rails.yaml`), validated on load: a typo is a UserError at start,
not a rail that silently never fires."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from contract.errors import UserError

Severity = str  # "warn" | "block", checked below


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConfirmedBy(_Strict):
    kind: str = "customer_fact"
    tables: list[str] = Field(default_factory=list)


class ForbiddenPromise(_Strict):
    id: str
    description: str = ""
    severity: str = "block"
    patterns: list[str]
    confirmed_by: ConfirmedBy | None = None

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            re.compile(p)
        return patterns


class WordList(_Strict):
    severity: str = "block"
    words: list[str] = Field(default_factory=list)


class Competitors(_Strict):
    severity: str = "warn"
    names: list[str] = Field(default_factory=list)


class Disclaimer(_Strict):
    id: str
    description: str = ""
    severity: str = "warn"
    when_any: list[str]
    require_any: list[str]


class RailsConfig(_Strict):
    version: int = 1
    discount_authority: dict[str, float]
    escalation: dict[str, str] = Field(default_factory=dict)
    discount_actions: list[str] = Field(default_factory=lambda: ["offer_discount"])
    discount_parameters: list[str] = Field(default_factory=lambda: ["discount_pct"])
    role_rank: dict[str, int] = Field(default_factory=dict)
    forbidden_promises: list[ForbiddenPromise] = Field(default_factory=list)
    banned_words: WordList = Field(default_factory=WordList)
    competitors: Competitors = Field(default_factory=Competitors)
    disclaimers: list[Disclaimer] = Field(default_factory=list)


def load_rails(path: Path) -> RailsConfig:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UserError(f"rails file not found: {path}", reason="rails_missing") from exc
    except yaml.YAMLError as exc:
        raise UserError(f"rails file {path} is not valid YAML: {exc}", reason="rails_invalid") from exc
    try:
        config = RailsConfig.model_validate(raw or {})
    except (ValidationError, re.error) as exc:
        raise UserError(f"rails file {path} is invalid: {exc}", reason="rails_invalid") from exc
    bad = [s for s in _severities(config) if s not in ("warn", "block")]
    if bad:
        raise UserError(
            f"rails file {path}: severity must be warn or block, got {bad}", reason="rails_invalid"
        )
    return config


def _severities(c: RailsConfig) -> list[str]:
    return (
        [p.severity for p in c.forbidden_promises]
        + [c.banned_words.severity, c.competitors.severity]
        + [d.severity for d in c.disclaimers]
    )
