"""The masking boundary at the checkpointer: whatever LangGraph persists (checkpoints and pending writes, in every
durability mode) goes through `MaskingSerde`, which masks any inbound message it finds (the graph's input is written
before `perceive` masks it when durability is "sync" or "async") and a human decision's free text.

perceive already replaces the state's message with its masked copy, so with the default durability ("exit") this
finds nothing to do; it is the guarantee for the other modes and for anything a future node might add."""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

from agents.perception.masking import mask_message, mask_text
from contract.messages import InboundMessage
from contract.ports import PiiMasker

_MESSAGE_KEYS = frozenset({"parts", "conversation_id", "message_id", "channel", "customer_ref"})
_DECISION_KEYS = frozenset({"suggestion_id", "kind", "actor", "final_text"})


class MaskingSerde:
    def __init__(self, inner: Any, masker: PiiMasker) -> None:
        self.inner = inner
        self.masker = masker

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        result: tuple[str, bytes] = self.inner.dumps_typed(self._mask(obj, ""))
        return result

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        return self.inner.loads_typed(data)

    def __getattr__(self, name: str) -> Any:  # dumps / loads and whatever else a saver asks its serde for
        return getattr(self.inner, name)

    def _mask(self, value: Any, vault_key: str) -> Any:
        if isinstance(value, dict):
            if value.keys() >= _MESSAGE_KEYS:
                return self._mask_message(value)
            if value.keys() >= _DECISION_KEYS and value.get("final_text"):
                return {
                    **value,
                    "final_text": mask_text(self.masker, str(value["final_text"]), vault_key).text,
                }
            return {k: self._mask(v, vault_key) for k, v in value.items()}
        if isinstance(value, list):
            return [self._mask(v, vault_key) for v in value]
        if isinstance(value, tuple) and not hasattr(value, "_fields"):
            return tuple(self._mask(v, vault_key) for v in value)
        return value

    def _mask_message(self, value: dict[str, Any]) -> dict[str, Any]:
        try:
            msg = InboundMessage.model_validate(value)
        except ValueError:
            return value  # not a message after all; nothing typed to mask
        masked, _ = mask_message(self.masker, msg)
        dumped: dict[str, Any] = masked.model_dump(mode="json")
        return dumped


def mask_checkpoints(saver: BaseCheckpointSaver[Any], masker: PiiMasker) -> BaseCheckpointSaver[Any]:
    """Wrap the saver's serializer in place (savers read `self.serde` on every put) and return the saver."""
    if not isinstance(saver.serde, MaskingSerde):
        saver.serde = MaskingSerde(saver.serde, masker)
    return saver
