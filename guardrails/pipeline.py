"""The one factory the wiring calls, the input-guard pipeline (mask PII, flag injection) the graph runs on every text, and
the output-guard pipeline (grounding, then policy rails) it runs on every draft."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract.errors import UserError
from contract.evidence import Evidence
from contract.ports import Actor, MaskResult
from contract.suggestions import Draft, GuardVerdict, VerdictOutcome
from guardrails.grounding import ClaimGroundingChecker
from guardrails.injection import HeuristicInjectionDetector
from guardrails.pii import MemoryVault, RedisVault, RuleMasker
from guardrails.pii.vault import DEFAULT_TTL_S
from guardrails.rails import YamlPolicyRails
from guardrails.verdicts import with_evidence


@dataclass
class Guardrails:
    pii: RuleMasker
    injection: HeuristicInjectionDetector
    grounding: ClaimGroundingChecker
    rails: YamlPolicyRails


def build_guardrails(
    rails_path: Path,
    *,
    redis_url: str = "",
    known_names: Iterable[str] = (),
    known_terms: Iterable[str] = (),
    vault_secret: str | bytes = b"",
    vault_ttl_s: int = DEFAULT_TTL_S,
) -> Guardrails:
    """All four guards for a tenant. With `redis_url` the PII vault is shared through Redis, its values sealed with
    `vault_secret` (AES-GCM) and expiring after `vault_ttl_s`; else it is in-process.
    `known_names`: the tenant's contact names (from the CRM), masked wherever they stand as a word; `known_terms`: its
    words that are not people (products, models, companies), inside which a known name is not masked."""
    if redis_url and not vault_secret:
        raise UserError(
            "the Redis PII vault needs a key: set COPILOT_PII_VAULT_KEY (32+ random bytes)",
            reason="pii_vault_key_missing",
        )
    vault = (
        RedisVault(redis_url, secret=vault_secret, ttl_s=vault_ttl_s)
        if redis_url
        else MemoryVault(ttl_s=vault_ttl_s)
    )
    return Guardrails(
        pii=RuleMasker(vault, known_names=known_names, known_terms=known_terms),
        injection=HeuristicInjectionDetector(),
        grounding=ClaimGroundingChecker(),
        rails=YamlPolicyRails.from_file(rails_path),
    )


@dataclass
class InputGuardResult:
    masked: MaskResult
    verdicts: list[GuardVerdict] = field(
        default_factory=list
    )  # pii, injection — each with its evidence_id set
    evidence: list[Evidence] = field(default_factory=list)  # the verdicts as GUARDRAIL_VERDICT evidence

    @property
    def injection_suspected(self) -> bool:
        return any(v.guard == "injection" and v.outcome is not VerdictOutcome.ALLOW for v in self.verdicts)


def pii_verdict(masked: MaskResult) -> GuardVerdict:
    counts = Counter(s.entity for s in masked.spans)
    return GuardVerdict(
        guard="pii",
        outcome=VerdictOutcome.ALLOW,  # masking is the remedy; nothing to warn about
        reasons=[f"masked {', '.join(f'{e}×{n}' for e, n in sorted(counts.items()))}"] if counts else [],
        details={"entities": dict(sorted(counts.items())), "vault_key": masked.vault_key},
    )


def run_input_guards(
    guards: Guardrails, text: str, *, source: str = "customer", vault_key: str = ""
) -> InputGuardResult:
    """Mask PII and check for injection on one text (a message, transcript, OCR text or retrieved document).
    Downstream, use `result.masked.text` only; `injection_suspected` means: no autopilot, warn the human."""
    masked = guards.pii.mask(text, vault_key=vault_key)
    verdicts, evidence = [], []
    for v in (pii_verdict(masked), guards.injection.check(text, source=source)):
        v2, ev = with_evidence(v)
        verdicts.append(v2)
        evidence.append(ev)
    return InputGuardResult(masked=masked, verdicts=verdicts, evidence=evidence)


@dataclass
class OutputGuardResult:
    draft: Draft  # grounded: unsupported claims removed (or flagged), citations kept consistent
    verdicts: list[GuardVerdict] = field(default_factory=list)  # grounding, policy_rails — evidence_id set
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return any(v.outcome is VerdictOutcome.BLOCK for v in self.verdicts)


def run_output_guards(
    guards: Guardrails, draft: Draft, evidence: list[Evidence], actions: list[Any], actor: Actor
) -> OutputGuardResult:
    """Ground the draft in its evidence, then apply the tenant's rails to the grounded draft and the actions."""
    grounded, grounding = guards.grounding.check(draft, evidence)
    rails = guards.rails.check(grounded, actions, actor, evidence=evidence)
    verdicts, ev = [], []
    for v in (grounding, rails):
        v2, e = with_evidence(v)
        verdicts.append(v2)
        ev.append(e)
    return OutputGuardResult(draft=grounded, verdicts=verdicts, evidence=ev)
