"""Background worker: claims accepted messages from the inbox, runs them through the copilot, acks.

Embedded mode runs one worker thread inside the API process; scale-out runs `copilot worker` processes against Redis
Streams. A message is acked only after its suggestion is in the ledger, so a crash mid-processing means the message is
reclaimed and processed again — and Services.handle_message returns the suggestion already in the ledger for that
(channel, message id) instead of making a second one, so it is one suggestion in effect.

A backend that is down (BackendUnavailable: ledger, CRM, queue) is not the message's fault: it is nacked and retried,
never acked away. A typed refusal (unknown customer, access) or a bug is acked so it cannot poison the queue.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

from contract import BackendUnavailable, CopilotError, InboundMessage
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
        self,
        inbox: ClaimingInbox,
        services: Any,
        worker_id: str = "worker-1",
        poll_s: float = 0.1,
        batch: int = 8,
    ) -> None:
        self.inbox, self.services, self.worker_id, self.poll_s = inbox, services, worker_id, poll_s
        self.batch = max(1, batch)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._in_hand: list[Any] = []  # claimed, not yet acked: the heartbeat keeps their lease
        self._hand_lock = threading.Lock()
        self.processed = 0
        self.failed = 0
        self.retried = 0

    def run_once(self) -> int:
        """Process what is claimable now; returns how many messages were handled."""
        items = self.inbox.claim(self.worker_id, self.batch)
        with self._hand_lock:
            self._in_hand = [item_id for item_id, _ in items]
        for item_id, msg in items:
            if not self._handle(msg):
                nack = getattr(self.inbox, "nack", None)
                if nack is not None:
                    nack(item_id)
                self._drop_from_hand(item_id)
                self._stop.wait(1.0)  # the backend is down: don't spin through retries
                continue
            self.inbox.ack(item_id)
            self._drop_from_hand(item_id)
        return len(items)

    def _handle(self, msg: InboundMessage) -> bool:
        """False = leave the message for a retry (a backend is down)."""
        lock = getattr(
            self.inbox, "conversation_lock", None
        )  # Redis queue: one run per conversation at a time
        try:
            if lock is None:
                self.services.handle_message(msg, actor_for(msg))
            else:
                with lock(msg):
                    self.services.handle_message(msg, actor_for(msg))
            self.processed += 1
        except BackendUnavailable as exc:
            log.warning("message %s waits for %s: %s", msg.dedupe_key, exc.reason, exc.message)
            self.retried += 1
            return False
        except CopilotError as exc:  # refused for a reason (unknown customer, access): recorded, not retried
            log.warning("message %s refused: %s (%s)", msg.dedupe_key, exc.reason, exc.message)
            self.failed += 1
        except Exception:  # a bug: ack so it cannot poison the queue, but shout
            log.exception("message %s crashed the graph", msg.dedupe_key)
            self.failed += 1
        return True

    def _drop_from_hand(self, item_id: Any) -> None:
        with self._hand_lock:
            if item_id in self._in_hand:
                self._in_hand.remove(item_id)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.worker_id, daemon=True)
        self._thread.start()
        lease_s = getattr(self.inbox, "lease_s", 0.0)
        if hasattr(self.inbox, "touch") and lease_s:
            beat = threading.Thread(target=self._heartbeat, args=(lease_s / 3,), daemon=True)
            beat.start()

    def _heartbeat(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            with self._hand_lock:
                ids = list(self._in_hand)
            try:
                self.inbox.touch(self.worker_id, ids)  # type: ignore[attr-defined]
            except (
                Exception
            ):  # Redis blip: the lease may lapse and another worker redo the message (idempotent)
                log.warning("lease heartbeat failed", exc_info=True)

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
