"""A customer's document that cannot be read is said, not dropped silently: the suggestion carries a flag naming it
(the rep knows the copilot did not read the file) and the reason is logged. Real local media store, real parsers."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from agents.perception.parts import PerceptionBackends, perceive_message
from contract.messages import FilePart, InboundMessage
from copilot.media import LocalMediaStore


def _message(name: str) -> InboundMessage:
    return InboundMessage(
        tenant="demo",
        channel="rest",
        conversation_id="files-1",
        message_id=f"files-{name}",
        customer_ref="C1001",
        parts=[FilePart(media_ref=f"file:{name}", name=name)],
    )


def test_an_unreadable_document_is_flagged_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "报价单.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    backends = PerceptionBackends(media=LocalMediaStore(tmp_path))
    with caplog.at_level(logging.WARNING):
        seen = perceive_message(_message("报价单.pdf"), backends)
    assert "file_unavailable:file_unreadable" in seen.flags
    assert any("报价单.pdf" not in r.getMessage() and "pdf" in r.getMessage() for r in caplog.records)


def test_a_readable_document_has_no_flag(tmp_path: Path) -> None:
    (tmp_path / "清单.txt").write_text("退货清单：两套", encoding="utf-8")
    seen = perceive_message(_message("清单.txt"), PerceptionBackends(media=LocalMediaStore(tmp_path)))
    assert not [f for f in seen.flags if f.startswith("file_unavailable")]
    assert "退货清单" in " ".join(e.content for e in seen.evidence)
