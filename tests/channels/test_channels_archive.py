"""会话内容存档: decrypted records → InboundMessage, through the puller seam, with the seq persisted."""

from __future__ import annotations

import json
from pathlib import Path

from channels import SqliteInbox, SqliteKfState
from channels.archive import (
    ArchivePuller,
    ArchiveSync,
    FilePuller,
    import_records,
    normalise_archive,
    read_records,
)
from contract.messages import InboundMessage

DATA = Path(__file__).parent / "data" / "archive_decrypted.jsonl"
EXPECTED_KINDS = {
    "arc-0001_external": ("text", "customer"),
    "arc-0002_external": ("text", "rep"),
    "arc-0003_external": ("voice", "customer"),
    "arc-0004_external": ("image", "customer"),
    "arc-0005_external": ("file", "customer"),
    "arc-0006_external": ("location", "customer"),
    "arc-0007_external": ("link", "customer"),
    "arc-0008_external": ("business_card", "rep"),
    "arc-0009_external": ("miniprogram", "customer"),
    "arc-0010_external": ("emoji", "customer"),
    "arc-0011_external": ("event", "customer"),
    "arc-0012_external": ("event", "customer"),
    "arc-0013_external": ("video", "rep"),
}


def test_every_record_type() -> None:
    records = list(read_records(DATA))
    assert len(records) == 15
    for record in records:
        out = normalise_archive(record, tenant="demo")
        if record["msgid"] in EXPECTED_KINDS:
            assert isinstance(out, InboundMessage), record
            assert (out.parts[0].kind, out.sender) == EXPECTED_KINDS[record["msgid"]]
            assert out.channel.value == "archive"
        else:
            assert not isinstance(out, InboundMessage)
    first = normalise_archive(records[0], tenant="demo")
    assert isinstance(first, InboundMessage)
    assert (first.customer_ref, first.rep_ref, first.text()) == (
        "wmC1001NingboKangda",
        "rep_zhang",
        "这个型号的代理商返点政策能再发一遍吗?",
    )
    voice = normalise_archive(records[2], tenant="demo")
    assert isinstance(voice, InboundMessage)
    assert (voice.parts[0].format, voice.parts[0].duration_ms, voice.parts[0].media_ref) == (
        "amr",
        3000,
        "CtYBMzA2OTAyMDEwMjA0NjIzMDYwMDIwMTAw",
    )
    group = normalise_archive(records[12], tenant="demo")
    assert isinstance(group, InboundMessage) and group.conversation_id == "wrRoom0001"
    assert first.conversation_id == normalise_archive(records[1], tenant="demo").conversation_id  # type: ignore[union-attr]


def test_import_twice_is_idempotent(inbox: SqliteInbox) -> None:
    report = import_records(read_records(DATA), inbox, skips=inbox, tenant="demo")
    assert (report.accepted, report.duplicates) == (13, 0)
    assert sorted(report.skipped) == ["switch", "unsupported_type:redpacket"]
    again = import_records(read_records(DATA), inbox, tenant="demo")
    assert (again.accepted, again.duplicates) == (0, 13)
    assert len(inbox.skipped()) == 2


def test_array_and_chatdata_files(tmp_path: Path) -> None:
    records = list(read_records(DATA))
    (tmp_path / "a.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps({"chatdata": records}, ensure_ascii=False), encoding="utf-8")
    assert list(read_records(tmp_path / "a.json")) == records == list(read_records(tmp_path / "b.json"))


def test_archive_sync_resumes_from_the_saved_seq(inbox: SqliteInbox) -> None:
    puller = FilePuller(DATA)
    assert isinstance(puller, ArchivePuller)
    state = SqliteKfState(":memory:")
    report = ArchiveSync(puller, inbox, state, limit=4, tenant="demo").run()
    assert report.accepted == 13 and state.cursor("archive") == "15"
    assert ArchiveSync(puller, inbox, state, limit=4, tenant="demo").run().accepted == 0
