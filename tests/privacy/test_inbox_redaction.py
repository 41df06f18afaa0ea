"""The inbox keeps a raw customer message only until it is processed: SQLite redacts the payload on ack (and
secure_delete overwrites the old bytes), Redis deletes acknowledged entries from the stream after the grace period."""

from __future__ import annotations

from pathlib import Path

import pytest

from channels.inbox import REDACTED_TEXT, SqliteInbox
from contract.messages import InboundMessage, TextPart

SECRET = "我的手机13817624590，身份证310112198203154019"


def message(mid: str, conv: str = "c-1") -> InboundMessage:
    return InboundMessage(
        channel="wecom_app",
        conversation_id=conv,
        message_id=mid,
        customer_ref="C1001",
        parts=[TextPart(text=SECRET)],
    )


def test_sqlite_inbox_redacts_a_payload_once_it_is_processed(tmp_path: Path) -> None:
    path = tmp_path / "inbox.sqlite"
    inbox = SqliteInbox(path)
    assert inbox.accept(message("m1")) and inbox.accept(message("m2", conv="c-2"))
    claimed = inbox.claim("w1", limit=2)
    assert [m.text() for _, m in claimed] == [SECRET, SECRET]  # the worker gets the raw message
    inbox.ack(claimed[0][0])
    inbox.ack_many([claimed[1][0]])
    assert not inbox.accept(message("m1"))  # still deduped after redaction
    rows = inbox._db.execute("SELECT status, payload FROM inbox").fetchall()
    assert all(
        status == "done" and REDACTED_TEXT in payload and "13817624590" not in payload
        for status, payload in rows
    )
    inbox.close()
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"13817624590" not in on_disk and b"310112198203154019" not in on_disk


@pytest.mark.redis
def test_redis_inbox_deletes_processed_entries_and_keeps_unprocessed_ones(redis_url: str) -> None:
    import redis

    from copilot.scale import RedisStreamInbox

    inbox = RedisStreamInbox(redis_url, stream="t:privacy:inbox", group="g")
    assert inbox.accept(message("r1")) and inbox.accept(message("r2", conv="c-2"))
    first = inbox.claim("w1", limit=1)
    inbox.ack(first[0][0])
    assert inbox.accept(message("r3", conv="c-3"))  # never delivered: must survive the purge
    assert inbox.purge_processed(older_than_s=0) == 1
    client = redis.Redis.from_url(redis_url)
    left = [f[b"payload"] for _id, f in client.xrange("t:privacy:inbox")]
    assert len(left) == 2 and all(b'"message_id":"r1"' not in p for p in left)
    assert not inbox.accept(message("r1"))  # the dedupe key outlives the entry
    second = inbox.claim("w1", limit=1)
    assert second and second[0][1].message_id == "r2"
    assert inbox.purge_processed(older_than_s=0) == 0  # r2 is pending (claimed, not acked): kept
    inbox.close()
