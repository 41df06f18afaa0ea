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


DEFAULT_QUOTE_FRAMES = [
    r"根据《[^》]{1,40}》",
    r"按照?《[^》]{1,40}》",
    r"依据《[^》]{1,40}》",
    r"《[^》]{1,40}》(?:第[一二三四五六七八九十百\d]+[条款章节项])?(?:规定|约定|明确|写明|中写)",
    r"(?:政策|协议|规定|条款|合同)(?:中|里|上)?(?:规定|约定|写明|明确)",
    r"(?i)\b(?:according to|per|under) (?:the|our) [\w\s-]{0,40}(?:policy|agreement|terms)\b",
]


class PolicyQuotes(_Strict):
    """Quoting the tenant's own policy is not an offer: a sentence that cites a policy clause (or names it with a
    quoting frame such as 根据《…》) and whose figures all appear in that clause is left out of the discount and
    promise rails. A figure the clause does not contain is still checked as the rep's own offer."""

    enabled: bool = True
    frames: list[str] = Field(default_factory=lambda: list(DEFAULT_QUOTE_FRAMES))
    evidence_kinds: list[str] = Field(default_factory=lambda: ["policy_clause"])

    @field_validator("frames")
    @classmethod
    def _compiles(cls, frames: list[str]) -> list[str]:
        for p in frames:
            re.compile(p)
        return frames


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
    policy_quotes: PolicyQuotes = Field(default_factory=PolicyQuotes)


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
