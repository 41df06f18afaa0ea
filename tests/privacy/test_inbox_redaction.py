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
        tenant="demo",
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


def test_sqlite_dead_letters_and_skipped_callbacks_lose_raw_content_after_retention(tmp_path: Path) -> None:
    """Dead-lettered rows and skipped callbacks keep their content for the retention (an operator looks), then lose it;
    a pending message keeps it whatever its age (it must still be processed)."""
    from channels.inbox import DEAD_REDACTED_TEXT

    path = tmp_path / "inbox.sqlite"
    inbox = SqliteInbox(path, max_attempts=1, dead_redact_after_s=3600)
    assert inbox.accept(message("d1")) and inbox.accept(message("p1", conv="c-2"))
    dead = inbox.claim("w1", limit=1)
    inbox.nack(dead[0][0])  # attempts 1 of 1: parked as dead
    inbox.record_skipped("wecom_kf", "s1", "unsupported_type", {"content": SECRET, "msgtype": "channels"})
    assert inbox.stats()["dead"] == 1
    # within the retention nothing changes: the dead row and the skipped callback still hold the raw text
    assert inbox.redact_stale() == {"dead": 0, "done": 0, "skipped": 0}
    assert inbox.skipped()[0]["raw"]["content"] == SECRET

    # past the retention (rows aged by moving their arrival time back, the clock the sweep reads)
    inbox._db.execute("UPDATE inbox SET created_at = created_at - 7200")
    inbox._db.execute("UPDATE inbox_skipped SET at = at - 7200")
    assert inbox.redact_stale() == {"dead": 1, "done": 0, "skipped": 1}
    assert inbox.redact_stale() == {"dead": 0, "done": 0, "skipped": 0}  # idempotent
    rows = dict(inbox._db.execute("SELECT status, payload FROM inbox").fetchall())
    assert DEAD_REDACTED_TEXT in rows["dead"] and '"message_id":"d1"' in rows["dead"]  # identity kept
    assert rows["pending"].count("13817624590") == 1  # the pending message is intact
    assert inbox.skipped()[0]["raw"] == {"redacted": True}
    assert [m.text() for _, m in inbox.claim("w1", limit=5)] == [SECRET]  # and still processed
    inbox.close()
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert (
        on_disk.count(b"310112198203154019") == 1
    )  # the claimed row's: the dead and skipped copies are gone


def test_sqlite_retention_sweep_runs_from_the_consumer(tmp_path: Path) -> None:
    inbox = SqliteInbox(tmp_path / "inbox.sqlite", max_attempts=1, dead_redact_after_s=0)
    assert inbox.accept(message("d2")) and inbox.accept(message("a2", conv="c-2"))
    claimed = inbox.claim("w1", limit=2)
    inbox.nack(
        claimed[0][0]
    )  # the first sweep of this process runs here: the dead row loses its content at once
    rows = dict(inbox._db.execute("SELECT status, payload FROM inbox").fetchall())
    assert "13817624590" not in rows["dead"]
    inbox.close()


@pytest.mark.redis
def test_redis_dead_letters_lose_raw_content_after_retention(redis_url: str) -> None:
    import redis

    from channels.inbox import DEAD_REDACTED_TEXT
    from copilot.scale import RedisStreamInbox

    stream = "t:privacy:dead"
    client = redis.Redis.from_url(redis_url)
    client.delete(stream, f"{stream}:dead")
    inbox = RedisStreamInbox(redis_url, stream=stream, group="g", max_attempts=1)
    assert inbox.accept(message("x1"))
    entry = client.xrange(stream)[0]
    client.xadd(f"{stream}:dead", entry[1])  # parked as the dead-letter path does (fields copied as they are)
    assert inbox.redact_dead(older_than_s=3600) == 0  # within the retention: kept for an operator
    assert b"13817624590" in client.xrange(f"{stream}:dead")[0][1][b"payload"]
    assert inbox.redact_dead(older_than_s=0) == 1
    assert inbox.redact_dead(older_than_s=0) == 0  # stubs are not redacted twice
    [(_, fields)] = client.xrange(f"{stream}:dead")
    assert b"13817624590" not in fields[b"payload"] and DEAD_REDACTED_TEXT.encode() in fields[b"payload"]
    assert b'"message_id":"x1"' in fields[b"payload"]
    assert [m.message_id for _, m in inbox.claim("w1", limit=1)] == ["x1"]  # the live stream is untouched
    inbox.close()
