"""The masking boundary's helpers, for the graph (perceive, guard_input) and the facade (a rep's decision text): mask
every text-bearing field of a message, a decision's free text, JSON-like details, always with the conversation's
vault key. Built on the `PiiMasker` port only (agents depend on contract, never on guardrails)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from agents.traditional import to_simplified
from contract.decisions import HumanDecision
from contract.messages import (
    COORDINATE_DECIMALS,
    TEXT_FIELDS,
    WHOLE_FIELDS,
    BusinessCardPart,
    EventPart,
    InboundMessage,
    LocationPart,
)
from contract.ports import MaskResult, PiiMasker, PiiSpan

# The masker's placeholders: <CN_MOBILE_1>, <PERSON_2> (guardrails.pii.vault.TOKEN_RE, repeated here so agents only
# depend on the contract).
TOKEN_RE = re.compile(r"<([A-Z][A-Z_]*?)_(\d+)>")


def conversation_vault_key(message: InboundMessage) -> str:
    """One vault key per conversation: a value keeps its token across the conversation's messages, and the rep's
    screen unmasks with this key."""
    return f"{message.tenant}:{message.conversation_id}"


def mask_text(masker: PiiMasker, text: str, vault_key: str, names: Sequence[str] = ()) -> MaskResult:
    """`masker.mask` with the conversation's vault key when the masker takes one (the contract's port does not).
    `names`: people's names known for this text (a business card's), masked wherever they occur in it.
    Text in traditional characters is read as simplified (the masker's name rules and surname lists are simplified:
    「我是張明」 kept its name), and what was found there is masked at the same positions of the customer's own
    characters: the conversion keeps every character's position. The vault then holds the simplified form."""
    if not text:
        return MaskResult(text=text, spans=[], vault_key="")
    simple = to_simplified(text)
    result = _masked(masker, simple, vault_key, names)
    if simple == text or not result.spans:
        return result if simple == text else MaskResult(text=text, spans=[], vault_key=result.vault_key)
    if (
        _with_tokens(simple, result.spans) != result.text
    ):  # spans that do not rebuild the masker's text: keep its own
        return result
    return MaskResult(text=_with_tokens(text, result.spans), spans=result.spans, vault_key=result.vault_key)


def _with_tokens(text: str, spans: Sequence[PiiSpan]) -> str:
    out, pos = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < pos:
            return ""  # overlapping spans: not a plain replacement
        out += [text[pos : span.start], span.token]
        pos = span.end
    return "".join([*out, text[pos:]])


def _masked(masker: PiiMasker, text: str, vault_key: str, names: Sequence[str]) -> MaskResult:
    if names:
        try:
            named: MaskResult = masker.mask(text, vault_key=vault_key, names=names)  # type: ignore[call-arg]
            return named
        except TypeError as exc:
            if "names" not in str(exc) and "vault_key" not in str(exc):
                raise
    try:
        result: MaskResult = masker.mask(text, vault_key=vault_key)  # type: ignore[call-arg]
    except TypeError as exc:
        if "vault_key" not in str(exc):
            raise
        result = masker.mask(text)
    return result


def mask_field_as(masker: PiiMasker, text: str, entity: str, vault_key: str) -> MaskResult:
    """A field that is a value of `entity` whatever its words (a business card's name): masked whole. A masker without
    `mask_as` masks what it recognises, and the field is withheld when that leaves the value in place."""
    if not text.strip() or TOKEN_RE.fullmatch(text.strip()):  # empty, or masked already
        return MaskResult(text=text, spans=[], vault_key="")
    mask_as = getattr(masker, "mask_as", None)
    if mask_as is not None:
        whole: MaskResult = mask_as(text, entity, vault_key=vault_key)
        return whole
    result = mask_text(masker, text, vault_key)
    if result.spans:
        return result
    withheld = f"<{entity}>"
    span = PiiSpan(entity=entity, start=0, end=len(text), token=withheld, score=1.0)
    return MaskResult(text=withheld, spans=[span], vault_key=vault_key)


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
    # a business card says who its person is: that name is masked in the card and wherever the message repeats it
    card_names = [
        p.name.strip()
        for p in message.parts
        if isinstance(p, BusinessCardPart) and p.name.strip() and not TOKEN_RE.fullmatch(p.name.strip())
    ]
    parts: list[Any] = []
    spans: list[PiiSpan] = []
    for part in message.parts:
        update: dict[str, Any] = {}
        for name, _ in TEXT_FIELDS.get(type(part), ()):  # the fields that carry text (contract.messages)
            value = getattr(part, name, None)
            if isinstance(value, str) and value:
                whole = WHOLE_FIELDS.get((type(part), name))
                result = (
                    mask_field_as(masker, value, whole, key)
                    if whole
                    else mask_text(masker, value, key, card_names)
                )
                spans.extend(result.spans)
                if result.text != value:
                    update[name] = result.text
        if isinstance(part, EventPart) and part.detail:
            update["detail"] = mask_value(masker, part.detail, key)
        if isinstance(
            part, LocationPart
        ):  # where the customer stands, to ~1 km: enough to route, not to find them
            update["latitude"] = round(part.latitude, COORDINATE_DECIMALS)
            update["longitude"] = round(part.longitude, COORDINATE_DECIMALS)
        parts.append(part.model_copy(update=update) if update else part)
    return message.model_copy(update={"parts": parts}), spans


def mask_decision(masker: PiiMasker, decision: HumanDecision, vault_key: str) -> HumanDecision:
    """A rep's edited reply or reject note may carry what the customer said: the ledger keeps it masked (the text
    actually sent to the customer is the caller's own copy, never this one)."""
    update: dict[str, Any] = {}
    if decision.final_text:
        update["final_text"] = mask_text(masker, decision.final_text, vault_key).text
    if decision.reason_text:
        update["reason_text"] = mask_text(masker, decision.reason_text, vault_key).text
    return decision.model_copy(update=update) if update else decision
