"""Guard a whole `InboundMessage`: mask PII in every part that carries text (typed text, voice transcripts, OCR text,
link and menu text) and check each for injection with the right source, returning a masked copy of the message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contract.evidence import Evidence
from contract.messages import (
    BusinessCardPart,
    EventPart,
    FilePart,
    ImagePart,
    InboundMessage,
    LinkPart,
    LocationPart,
    MenuPart,
    MiniProgramPart,
    TextPart,
    VoicePart,
)
from contract.ports import MaskResult, PiiMasker, PiiSpan
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


# ---- masking at the perception boundary ------------------------------------------------------------------------------

# Every part field that can carry what a customer wrote or said (names, numbers, addresses): masked before the message
# is stored anywhere (graph state, checkpoints, ledger, inbox after processing).
_MASKED_FIELDS: dict[type, tuple[str, ...]] = {
    TextPart: ("text",),
    VoicePart: ("transcript",),
    ImagePart: ("ocr_text",),
    FilePart: ("name",),
    LinkPart: ("title", "description"),
    MenuPart: ("text",),
    LocationPart: ("label",),
    BusinessCardPart: ("name",),
    MiniProgramPart: ("title",),
}


def conversation_vault_key(message: InboundMessage) -> str:
    """One vault key per conversation: a value keeps its token across the conversation's messages, and the rep's
    screen unmasks with this key."""
    return f"{message.tenant}:{message.conversation_id}"


def mask_text(masker: PiiMasker, text: str, vault_key: str) -> MaskResult:
    """`masker.mask` with the conversation's vault key when the masker takes one (the contract's port does not)."""
    if not text:
        return MaskResult(text=text, spans=[], vault_key="")
    try:
        result: MaskResult = masker.mask(text, vault_key=vault_key)  # type: ignore[call-arg]
    except TypeError as exc:
        if "vault_key" not in str(exc):
            raise
        result = masker.mask(text)
    return result


def mask_value(masker: PiiMasker, value: Any, vault_key: str) -> Any:
    """Strings inside JSON-like data (an event's detail), masked; other values unchanged."""
    if isinstance(value, str):
        return mask_text(masker, value, vault_key).text
    if isinstance(value, dict):
        return {k: mask_value(masker, v, vault_key) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_value(masker, v, vault_key) for v in value]
    return value


def mask_message(
    masker: PiiMasker, message: InboundMessage, vault_key: str = ""
) -> tuple[InboundMessage, list[PiiSpan]]:
    """A copy of `message` with every text-bearing field of every part masked, and the spans found."""
    key = vault_key or conversation_vault_key(message)
    parts: list[Any] = []
    spans: list[PiiSpan] = []
    for part in message.parts:
        update: dict[str, Any] = {}
        for name in _MASKED_FIELDS.get(type(part), ()):
            value = getattr(part, name, None)
            if isinstance(value, str) and value:
                result = mask_text(masker, value, key)
                spans.extend(result.spans)
                if result.text != value:
                    update[name] = result.text
        if isinstance(part, EventPart) and part.detail:
            update["detail"] = mask_value(masker, part.detail, key)
        parts.append(part.model_copy(update=update) if update else part)
    return message.model_copy(update={"parts": parts}), spans


def redact_for_display(text: str) -> str:
    """Masked text for pages and reports nobody unmasks (eval reports, exports): typed tokens, no vault kept."""
    from guardrails.pii import RuleMasker

    return RuleMasker().mask(text).text if text else text
