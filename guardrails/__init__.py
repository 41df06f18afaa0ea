"""Guardrails: PII masking, prompt-injection detection, grounding of drafts in evidence, and the tenant's policy rails.
Each guard returns a `GuardVerdict`; `verdict_evidence` turns any verdict into ledger evidence."""

from guardrails.grounding import ClaimGroundingChecker
from guardrails.injection import HeuristicInjectionDetector
from guardrails.message import MessageGuardResult, run_message_guards
from guardrails.pii import MemoryVault, RedisVault, RuleMasker
from guardrails.pipeline import (
    Guardrails,
    InputGuardResult,
    OutputGuardResult,
    build_guardrails,
    pii_verdict,
    run_input_guards,
    run_output_guards,
)
from guardrails.rails import YamlPolicyRails
from guardrails.verdicts import verdict_evidence, with_evidence

__all__ = [
    "ClaimGroundingChecker",
    "Guardrails",
    "HeuristicInjectionDetector",
    "InputGuardResult",
    "MemoryVault",
    "MessageGuardResult",
    "OutputGuardResult",
    "RedisVault",
    "RuleMasker",
    "YamlPolicyRails",
    "build_guardrails",
    "pii_verdict",
    "run_input_guards",
    "run_message_guards",
    "run_output_guards",
    "verdict_evidence",
    "with_evidence",
]
