"""PII detection and reversible masking for Chinese and English text."""

from guardrails.pii.masker import ENTITIES, RuleMasker, detect
from guardrails.pii.vault import UNMASK_ROLES, MemoryVault, RedisVault, Vault, unmask

__all__ = ["ENTITIES", "UNMASK_ROLES", "MemoryVault", "RedisVault", "RuleMasker", "Vault", "detect", "unmask"]
