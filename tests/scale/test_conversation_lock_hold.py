"""Scale-out (Redis stream inbox): one stuck message never blocks its conversation for longer than its hold. The worker
stops renewing a message's lease after `max_hold_s`; the conversation lock used to be extended by every heartbeat for
as long as the process lived, so a hung run kept its conversation locked forever while other workers took the message
over, waited for the lock and gave it back, again and again (issue #17: 'one stuck message never blocks its
conversation for longer than a lease')."""

from __future__ import annotations

import time

import pytest

from contract import Channel, InboundMessage, TextPart
from copilot.scale import RedisStreamInbox

pytestmark = pytest.mark.redis


def _msg(conversation: str) -> InboundMessage:
    return InboundMessage(tenant="demo", channel=Channel.WECOM_APP, conversation_id=conversation, message_id="m1",
                          customer_ref="C1001", parts=[TextPart(text="在吗")])  # fmt: skip


def test_the_heartbeat_stops_extending_a_lock_held_past_the_hold(redis_url: str) -> None:
    box = RedisStreamInbox(redis_url, stream=f"test:hold:{time.time_ns()}", lease_s=60.0)  # lock TTL 120 s
    fresh, stuck = _msg("conv-fresh"), _msg("conv-stuck")
    with box.conversation_lock(fresh), box.conversation_lock(stuck):
        keys = {
            m.conversation_id: k for m in (fresh, stuck) for k in box._held if k.endswith(m.conversation_id)
        }
        token, _ = box._held[keys["conv-stuck"]]
        box._held[keys["conv-stuck"]] = (
            token,
            time.monotonic() - box.max_hold_s - 1,
        )  # taken longer ago than that
        for key in keys.values():
            box._r.pexpire(key, 30_000)  # both locks close to lapsing
        box.touch("w1", [])  # one heartbeat
        assert box._r.pttl(keys["conv-fresh"]) > 60_000  # a run within its hold keeps its conversation
        assert box._r.pttl(keys["conv-stuck"]) <= 30_000  # a run past its hold lets the lock lapse
    assert not box._held  # both released on the way out
    box.close()
