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
