"""Background worker: claims accepted messages from the inbox, runs them through the copilot, acks.

Embedded mode runs one worker thread inside the API process; scale-out runs `copilot worker` processes against Redis
Streams. A message is acked only after its suggestion is in the ledger, so a crash mid-processing means the message is
reclaimed and processed again — and the ledger's idempotency on (tenant, channel, message_id) keeps it to one
suggestion in effect.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

from contract import CopilotError, InboundMessage
from contract.ports import Actor

log = logging.getLogger("copilot.worker")


class ClaimingInbox(Protocol):
    def claim(self, worker_id: str, limit: int = 1) -> list[tuple[Any, InboundMessage]]: ...

    def ack(self, item_id: Any) -> None: ...


def actor_for(msg: InboundMessage) -> Actor:
    """Channel messages are processed on behalf of the rep who owns the conversation; without one, as the system."""
    if msg.rep_ref:
        return Actor(
            id=msg.rep_ref,
            role="agent" if msg.channel == "voice" else "rep",
            call_customer_ref=msg.customer_ref,
        )
    return Actor(id="system", role="admin")


class Worker:
    def __init__(
        self, inbox: ClaimingInbox, services: Any, worker_id: str = "worker-1", poll_s: float = 0.1
    ) -> None:
        self.inbox, self.services, self.worker_id, self.poll_s = inbox, services, worker_id, poll_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.processed = 0
        self.failed = 0

    def run_once(self) -> int:
        """Process what is claimable now; returns how many messages were handled."""
        items = self.inbox.claim(self.worker_id, 8)
        for item_id, msg in items:
            try:
                self.services.handle_message(msg, actor_for(msg))
                self.processed += 1
            except (
                CopilotError
            ) as exc:  # refused for a reason (unknown customer, access): recorded, not retried
                log.warning("message %s refused: %s (%s)", msg.dedupe_key, exc.reason, exc.message)
                self.failed += 1
            except Exception:  # a bug: keep the message acked so it cannot poison the queue, but shout
                log.exception("message %s crashed the graph", msg.dedupe_key)
                self.failed += 1
            self.inbox.ack(item_id)
        return len(items)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.worker_id, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self.run_once() == 0:
                    self._stop.wait(self.poll_s)
            except Exception:  # the queue itself failed (e.g. Redis down): back off and retry
                log.exception("worker loop error")
                self._stop.wait(1.0)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
