"""Guard a whole `InboundMessage`: mask PII in every part that carries text (typed text, voice transcripts, OCR text,
link, menu, file, place and mini-program text, an event's detail, a business card's name) and check what a customer or
a document says for injection with the right source, returning a masked copy of the message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contract.evidence import Evidence
from contract.messages import (
    COORDINATE_DECIMALS,
    TEXT_FIELDS,
    WHOLE_FIELDS,
    BusinessCardPart,
    EventPart,
    InboundMessage,
    LocationPart,
)
from contract.ports import MaskResult, PiiSpan
from contract.suggestions import GuardVerdict, VerdictOutcome
from guardrails.pipeline import Guardrails, pii_verdict
from guardrails.verdicts import with_evidence


def _mask_value(guards: Guardrails, value: Any, key: str, names: list[str], spans: list[PiiSpan]) -> Any:
    """Strings inside JSON-like data (an event's detail) masked, other values as they are."""
    if isinstance(value, str):
        masked = guards.pii.mask(value, vault_key=key, names=names)
        spans.extend(masked.spans)
        return masked.text
    if isinstance(value, dict):
        return {k: _mask_value(guards, v, key, names, spans) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_value(guards, v, key, names, spans) for v in value]
    return value


@dataclass
class MessageGuardResult:
    message: InboundMessage  # the same message with every text field masked
    vault_key: str
    verdicts: list[GuardVerdict] = field(
        default_factory=list
    )  # one pii verdict, one injection verdict per text part
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def injection_suspected(self) -> bool:
        return any(v.guard == "injection" and v.outcome is not VerdictOutcome.ALLOW for v in self.verdicts)


def run_message_guards(
    guards: Guardrails, message: InboundMessage, *, vault_key: str = ""
) -> MessageGuardResult:
    """Tokens stay stable across a conversation: the vault key defaults to tenant:conversation_id."""
    key = vault_key or f"{message.tenant}:{message.conversation_id}"
    # a business card's name is a person's whatever its words: masked whole, and wherever the message repeats it
    names = [p.name.strip() for p in message.parts if isinstance(p, BusinessCardPart) and p.name.strip()]
    parts: list[Any] = []
    spans: list[PiiSpan] = []
    injection: list[GuardVerdict] = []
    for index, part in enumerate(message.parts):
        update: dict[str, Any] = {}
        for field_name, source in TEXT_FIELDS.get(type(part), ()):  # the one field list (contract.messages)
            text = getattr(part, field_name, None)
            if not isinstance(text, str) or not text.strip():
                continue
            whole = WHOLE_FIELDS.get((type(part), field_name))
            masked = (
                guards.pii.mask_as(text, whole, vault_key=key)
                if whole
                else guards.pii.mask(text, vault_key=key, names=names)
            )
            spans.extend(masked.spans)
            update[field_name] = masked.text
            if source:
                v = guards.injection.check(text, source=source)
                injection.append(
                    v.model_copy(update={"details": {**v.details, "part": index, "part_kind": part.kind}})
                )
        if isinstance(part, EventPart) and part.detail:
            update["detail"] = _mask_value(guards, part.detail, key, names, spans)
        if isinstance(
            part, LocationPart
        ):  # as at the masking boundary: to ~1 km, enough to route, not to find them
            update["latitude"] = round(part.latitude, COORDINATE_DECIMALS)
            update["longitude"] = round(part.longitude, COORDINATE_DECIMALS)
        parts.append(part.model_copy(update=update) if update else part)
    masked_message = message.model_copy(update={"parts": parts})
    summary = pii_verdict(MaskResult(text="", spans=spans, vault_key=key if spans else ""))
    verdicts, evidence = [], []
    for v in [summary, *injection]:
        v2, ev = with_evidence(v)
        verdicts.append(v2)
        evidence.append(ev)
    return MessageGuardResult(message=masked_message, vault_key=key, verdicts=verdicts, evidence=evidence)


def redact_for_display(text: str) -> str:
    """Masked text for pages and reports nobody unmasks (eval reports, exports): typed tokens, no vault kept."""
    from guardrails.pii import RuleMasker

    return RuleMasker().mask(text).text if text else text
