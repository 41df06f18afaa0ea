"""Grounding check: claims in a draft versus the evidence it cites."""

from guardrails.grounding.checker import FLAG, ClaimGroundingChecker
from guardrails.grounding.claims import Claim, extract

__all__ = ["FLAG", "Claim", "ClaimGroundingChecker", "extract"]
