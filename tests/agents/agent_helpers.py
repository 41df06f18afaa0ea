from __future__ import annotations

import itertools
from pathlib import Path

from contract.messages import InboundMessage, TextPart

_ids = itertools.count(1)
TENANT_DIR = Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "demo"


def msg(
    text: str,
    *,
    customer: str = "C1001",
    conv: str = "conv-1",
    sender: str = "customer",
    rep: str = "rep_zhang",
    **kw,
):
    parts = kw.pop("parts", None) or [TextPart(text=text)]
    return InboundMessage(
        tenant=kw.pop("tenant", "demo"),
        channel=kw.pop("channel", "wecom_app"),
        conversation_id=conv,
        message_id=f"m{next(_ids)}",
        customer_ref=customer,
        rep_ref=rep,
        sender=sender,
        parts=parts,
        **kw,
    )


def load_pack(folder: Path, intents: str, actions: str, playbooks: str):
    """A made-up tenant pack (intents, actions, playbooks YAML) written to `folder` and loaded, for the ranking tests."""
    from agents.tenant import TenantConfig

    for name, text in (("intents.yaml", intents), ("actions.yaml", actions), ("playbooks.yaml", playbooks)):
        (folder / name).write_text(text, encoding="utf-8")
    return TenantConfig.load(folder)


def decision(intent: str, text: str, evidence: list, flags=(), **entities: list[str]):
    """The ranking's input for a message read as `intent` (confidence 0.9) with its evidence, flags and entities."""
    from agents.actions.playbook import DecisionInput
    from contract.suggestions import Intent

    return DecisionInput(
        intent=Intent(name=intent, confidence=0.9, entities=entities),
        text=text,
        evidence=evidence,
        flags=list(flags),
    )


def action_names(firings) -> list[str]:
    """The action names of a ranking, in order."""
    return [f.action.name for f in firings]
