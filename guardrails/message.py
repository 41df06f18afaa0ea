"""Guard a whole `InboundMessage`: mask PII in every part that carries text (typed text, voice transcripts, OCR text,
link and menu text) and check each for injection with the right source, returning a masked copy of the message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contract.evidence import Evidence
from contract.messages import ImagePart, InboundMessage, LinkPart, MenuPart, TextPart, VoicePart
from contract.ports import MaskResult
from contract.suggestions import GuardVerdict, VerdictOutcome
from guardrails.pipeline import Guardrails, pii_verdict
from guardrails.verdicts import with_evidence

# part kind → (field holding text, injection source)
_TEXT_FIELDS: dict[type, tuple[str, str]] = {
    TextPart: ("text", "customer"),
    VoicePart: ("transcript", "transcript"),
    ImagePart: ("ocr_text", "ocr"),
    LinkPart: ("description", "document"),
    MenuPart: ("text", "customer"),
}


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
    parts: list[Any] = []
    spans = []
    injection: list[GuardVerdict] = []
    for index, part in enumerate(message.parts):
        field_name, source = _TEXT_FIELDS.get(type(part), ("", ""))
        text = getattr(part, field_name, None) if field_name else None
        if not text:
            parts.append(part)
            continue
        masked = guards.pii.mask(text, vault_key=key)
        spans.extend(masked.spans)
        parts.append(part.model_copy(update={field_name: masked.text}))
        v = guards.injection.check(text, source=source)
        injection.append(
            v.model_copy(update={"details": {**v.details, "part": index, "part_kind": part.kind}})
        )
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
