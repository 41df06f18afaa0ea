"""`SkipRecorder` is what records callbacks that could not be normalised: an inbox that records them but has no group
commit is one, and build_channels hands it to the callback handler. (An implementation of accept_many once sat inside
the protocol, so such an inbox was not recognised and its skipped callbacks went unrecorded.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from channels import CallbackCredentials, ChannelConfig, SkipRecorder, SqliteInbox, build_channels
from contract.messages import InboundMessage
from tests.channels.wecom_fakes import DOC


class OneByOneInbox:
    """A durable inbox without group commit (accept only) that records skipped callbacks: the SQLite inbox's own
    writes, one message at a time."""

    def __init__(self, path: Path) -> None:
        self.sqlite = SqliteInbox(path)

    def accept(self, msg: InboundMessage) -> bool:
        return self.sqlite.accept(msg)

    def record_skipped(self, channel: str, message_id: str, reason: str, raw: dict[str, Any]) -> None:
        self.sqlite.record_skipped(channel, message_id, reason, raw)


def test_an_inbox_without_group_commit_still_records_skips(tmp_path: Path) -> None:
    inbox = OneByOneInbox(tmp_path / "inbox.sqlite")
    assert isinstance(inbox, SkipRecorder)
    creds = CallbackCredentials(DOC["token"], DOC["aes_key"], DOC["corp_id"])
    runtime = build_channels(inbox, ChannelConfig(tenant="demo", wecom=creds))
    assert runtime.handler.skips is inbox
    assert isinstance(SqliteInbox(tmp_path / "other.sqlite"), SkipRecorder)  # the product's inbox, as before
