"""Background worker: claims accepted messages from the inbox, runs them through the service, acks.

Embedded mode runs one worker thread inside the API process; scale-out runs `copilot worker` processes against Redis
Streams. A message is acked only after its suggestion is in the ledger, so a crash mid-processing means the message is
reclaimed and processed again — and the ledger's unique key (tenant, channel, message id) makes the second run return
the suggestion already recorded instead of a second one: exactly once in effect.

Claims are leases. The worker renews the leases it holds (heartbeat, every lease/3) for at most `max_hold_s`, so a
message stuck in a hung graph stops blocking its conversation after that; it reclaims expired leases in its loop and
at start-up (where claims of a dead process on this host are given back at once); `stop()` gives the messages it
still holds back to the queue.

A backend that is down (BackendUnavailable: ledger, CRM, queue) is not the message's fault: it is nacked and retried,
never acked away. A typed refusal (unknown customer, access) is recorded by the service and acked so it cannot poison the
queue; a bug is given back for a retry (the inbox parks it after its max attempts). A message this worker may never
process (DEAD_LETTER_REASONS: another tenant's message) is moved to the inbox's dead letters with its reason, where the
inbox can (`dead_letter`: the Redis queue's `<stream>:dead`), instead of being acked away.
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from enum import Enum
from typing import Any, Protocol

from contract import BackendUnavailable, CopilotError, InboundMessage, Suggestion
from contract.ports import Actor
from copilot.heap import freeze_startup_heap
from guardrails.pii.vault import reads_kept

log = logging.getLogger("copilot.worker")

# CPython collects its youngest generation whenever the tracked objects allocated outnumber those freed by its first
# threshold (700). One message keeps thousands of containers alive at once (state dicts, evidence, pydantic models)
# and frees them by reference counting when it ends, so at 700 nearly every message ran a young collection mid-way
# (which walked its live objects, found ~6 garbage and promoted the rest), and every tenth one an older collection.
# Measured on bench_agent's no-LLM suggestion, 7000 vs 700 alternating by 14-message blocks in one process (shared
# machine, load 7-8, two runs of 281 and 421 messages): 130 and 194 collections → 0, their time 0.53 and 0.38 ms per
# message (up to 12.6 ms on one) → 0; CPU mean 20.54 → 20.03 and 17.75 → 17.65 ms (p95 within the runs' noise). What
# a message leaves behind (~22 tracked objects, ~6 of them cyclic garbage) still reaches a collection every few
# hundred messages: memory stays bounded as before.
YOUNG_COLLECTION_THRESHOLD = 7000


def collect_young_less_often() -> None:
    """The youngest generation's threshold raised to YOUNG_COLLECTION_THRESHOLD (the older generations' unchanged),
    once the start-up heap is frozen (after the first message: copilot.heap.freeze_startup_heap)."""
    young, *older = gc.get_threshold()
    if young < YOUNG_COLLECTION_THRESHOLD:
        gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *older)


ItemId = int | str  # an inbox entry's id: the SQLite inbox's row id, the Redis stream's entry id

# Refusals of the message itself, not of its content: no worker serving this inbox may process it, and acking it would
# lose it (another tenant's message on this tenant's stream). Parked as a dead letter for an operator, with the reason.
DEAD_LETTER_REASONS = frozenset({"wrong_tenant"})


class Handled(Enum):
    """What Worker._handle did with a message, so run_once knows what is left to do."""

    RETRY = "retry"  # leave it for a retry (a backend is down, or the run crashed): nacked
    ACK = "ack"  # processed or refused: run_once acks it
    ACKED = "acked"  # processed and already acked, with the conversation lock's release
    DEAD = "dead"  # refused for a DEAD_LETTER_REASONS reason: run_once moves it to the dead letters


class ClaimingInbox(Protocol):
    lease_s: float

    def claim(self, worker_id: str, limit: int = 1) -> list[tuple[Any, InboundMessage]]: ...

    def ack(self, item_id: Any) -> None: ...

    def nack(self, item_id: Any) -> None: ...

    def touch(self, worker_id: str, item_ids: list[Any]) -> None: ...

    def release(self, worker_id: str, item_ids: list[Any] | None = None) -> int: ...

    def requeue_stale(self, older_than_s: float) -> int: ...


class MessageHandler(Protocol):
    def handle_message(self, msg: InboundMessage, actor: Actor) -> Suggestion | None: ...


def worker_name(name: str) -> str:
    """`name@host:pid`: unique per process, and tells a restarted process which claims belonged to a dead one."""
    return f"{name}@{socket.gethostname()}:{os.getpid()}"


def holder_alive(holder: str) -> bool:
    """False only when `holder` names a process on this host that no longer runs (its claims are orphans)."""
    _, _, where = holder.rpartition("@")
    host, _, pid = where.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another host, or a name we did not make: only its lease can tell
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
        services: MessageHandler,
        worker_id: str = "worker-1",
        poll_s: float = 0.1,
        batch: int = 8,
        max_hold_s: float | None = None,
        concurrency: int = 1,
    ) -> None:
        self.inbox, self.services, self.poll_s = inbox, services, poll_s
        self.worker_id = worker_id if "@" in worker_id else worker_name(worker_id)
        self.batch = max(1, batch)
        # Message loops in this process. A message is a chain of waits (vector store, CRM and ledger round trips, the
        # ledger's commit flush, checkpoint writes) between CPU bursts: a second loop uses the CPU while the first
        # waits. Conversations stay in order: the inbox's claim rule / conversation lock allows one run per
        # conversation at a time.
        self.concurrency = max(1, concurrency)
        self.lease_s = float(getattr(inbox, "lease_s", 0.0) or 0.0)
        # a live worker keeps its lease this long at most: a hung graph then frees its conversation
        self.max_hold_s = max_hold_s if max_hold_s is not None else max(self.lease_s * 5, 1.0)
        # an inbox whose claim can block until work arrives (Redis Streams): the loop waits there, not in a sleep
        self._claim_waits = bool(getattr(inbox, "claim_can_wait", False))
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._beat: threading.Thread | None = None
        self._in_hand: dict[Any, float] = {}  # claimed, not yet acked → claimed at (monotonic)
        self._hand_lock = threading.Lock()
        self._last_reap = 0.0
        self.processed = 0
        self.failed = 0
        self.retried = 0
        self.released = 0
        self.dead_lettered = 0

    def run_once(self, wait_s: float = 0.0) -> int:
        """Process what is claimable now (with `wait_s`, an inbox that can wait for work waits that long for some);
        returns how many messages were handled."""
        self._reap_expired()
        if wait_s > 0 and self._claim_waits:
            items = self.inbox.claim(self.worker_id, self.batch, wait_s=wait_s)  # type: ignore[call-arg]
        else:
            items = self.inbox.claim(self.worker_id, self.batch)
        now = time.monotonic()
        with self._hand_lock:  # shared by this process's message loops: each adds and drops its own items
            self._in_hand.update({item_id: now for item_id, _ in items})
        for index, (item_id, msg) in enumerate(items):
            if self._stop.is_set():  # shutting down: what was claimed but not started goes back now
                self._give_back([i for i, _ in items[index:]])
                break
            handled, reason = self._handle(msg, item_id)
            if handled is Handled.DEAD:
                self._dead_letter(item_id, msg, reason)
                self._drop_from_hand(item_id)
                continue
            if handled is Handled.RETRY:
                self._call_quietly("nack", item_id)
                self._drop_from_hand(item_id)
                self._stop.wait(1.0)  # the backend is down: don't spin through retries
                continue
            if handled is Handled.ACK:
                self.inbox.ack(item_id)
            self._drop_from_hand(item_id)
        return len(items)

    def _handle(self, msg: InboundMessage, item_id: ItemId | None = None) -> tuple[Handled, str]:
        """RETRY = leave the message for a retry (a backend is down, or the run crashed); ACK = to be acked; ACKED =
        acked already, with the conversation lock's release (a lock that can: the Redis queue's HeldLock, one round
        trip for both; an ack that fails raises as inbox.ack does); DEAD = to be dead-lettered, with the reason
        (after the conversation lock's release)."""
        lock: Callable[[InboundMessage], AbstractContextManager[Any]] | None = getattr(
            self.inbox, "conversation_lock", None
        )  # Redis queue: one run per conversation at a time
        with ExitStack() as held_for_run:
            try:
                held = held_for_run.enter_context(lock(msg)) if lock is not None else None
            except BackendUnavailable as exc:  # the conversation is busy elsewhere, or the queue is down
                log.warning("message %s waits for %s: %s", msg.dedupe_key, exc.reason, exc.message)
                self.retried += 1
                return Handled.RETRY, exc.reason
            except Exception:  # noqa: BLE001 - as a crash of the run: given back for a retry
                log.exception(
                    "message %s: the conversation lock failed: given back for a retry", msg.dedupe_key
                )
                self.failed += 1
                return Handled.RETRY, "lock_failed"
            ran = self._run(msg)
            if ran is False:
                return Handled.RETRY, ""
            if isinstance(ran, str):  # dead-lettered once the lock is released (this block's exit)
                return Handled.DEAD, ran
            ack_on_release = getattr(held, "ack_on_release", None)
            if ack_on_release is None or item_id is None:
                return Handled.ACK, ""
            ack_on_release(item_id)  # sent as the lock is released, when this block exits
        return Handled.ACKED, ""

    def _dead_letter(self, item_id: Any, msg: InboundMessage, reason: str) -> None:
        """Parks the entry as a dead letter with its reason (the inbox's `dead_letter`; it logs and acks). An inbox
        without `dead_letter` gets it back (nack), logged as an error with the reason: its own max attempts park it as
        dead (the SQLite inbox's 'dead' rows), never acked away. A queue that is down raises here (as a failed ack
        does): the entry stays pending and is parked when it is reclaimed."""
        park = getattr(self.inbox, "dead_letter", None)
        if park is not None:
            park(item_id, msg, reason)
            self.dead_lettered += 1
            return
        log.error(
            "message %s refused (%s): given back until the inbox parks it as dead", msg.dedupe_key, reason
        )
        self.inbox.nack(item_id)

    def _run(self, msg: InboundMessage) -> bool | str:
        """The message through the service; False = leave it for a retry; a reason (DEAD_LETTER_REASONS) = refused
        for a reason that makes it a dead letter."""
        try:
            # the conversation's PII vault is read once per (key, entity) for the run, not at each masking (the
            # conversation lock keeps other workers off it; guardrails.pii.vault.reads_kept)
            with reads_kept():
                self.services.handle_message(msg, actor_for(msg))
            self.processed += 1
        except BackendUnavailable as exc:
            log.warning("message %s waits for %s: %s", msg.dedupe_key, exc.reason, exc.message)
            self.retried += 1
            return False
        except CopilotError as exc:  # refused for a reason (unknown customer, access): recorded, not retried
            log.warning("message %s refused: %s (%s)", msg.dedupe_key, exc.reason, exc.message)
            self.failed += 1
            if exc.reason in DEAD_LETTER_REASONS:
                return exc.reason
        except (
            Exception
        ):  # a bug or a passing fault (a locked SQLite, a Chroma blip): never acked as if it succeeded.
            # Given back for a retry; the inbox parks it as a dead letter, content kept, after its max_attempts, so a
            # poison message cannot loop forever and an accepted one is never silently dropped.
            log.exception("message %s crashed the graph: given back for a retry", msg.dedupe_key)
            self.failed += 1
            return False
        return True

    def _reap_expired(self) -> None:
        """Expired leases (a worker that died) back to pending, every half lease; cheap when there are none."""
        if not self.lease_s:
            return
        now = time.monotonic()
        if now - self._last_reap < self.lease_s / 2:
            return
        self._last_reap = now
        if not hasattr(self.inbox, "reclaim_orphans"):
            return  # Redis Streams: claim() takes expired entries over itself (XAUTOCLAIM)
        try:
            reclaimed = self.inbox.requeue_stale(self.lease_s)
        except BackendUnavailable as exc:
            log.warning("could not reclaim expired leases: %s", exc.message)
            return
        if reclaimed:
            log.warning("reclaimed %d expired lease(s)", reclaimed)

    def _drop_from_hand(self, item_id: Any) -> None:
        with self._hand_lock:
            self._in_hand.pop(item_id, None)

    def _give_back(self, item_ids: list[Any]) -> None:
        if not item_ids:
            return
        release = getattr(self.inbox, "release", None)
        try:
            if release is not None:
                self.released += int(release(self.worker_id, item_ids))
            else:
                for item_id in item_ids:
                    self.inbox.nack(item_id)
        except Exception:  # the queue is down: the leases expire by themselves
            log.warning("could not give back %d message(s)", len(item_ids), exc_info=True)
        with self._hand_lock:
            for item_id in item_ids:
                self._in_hand.pop(item_id, None)

    def _call_quietly(self, name: str, item_id: Any) -> None:
        method = getattr(self.inbox, name, None)
        if method is not None:
            method(item_id)

    def recover(self) -> int:
        """Start-up: claims left by a dead process on this host go back at once; expired leases too."""
        recovered = 0
        reclaim = getattr(self.inbox, "reclaim_orphans", None)
        if reclaim is None:
            return 0  # Redis Streams: XAUTOCLAIM in claim() takes a silent consumer's entries over after the lease
        try:
            recovered += int(reclaim(holder_alive))
            if self.lease_s:
                recovered += int(self.inbox.requeue_stale(self.lease_s))
        except BackendUnavailable as exc:
            log.warning("start-up reclaim failed: %s", exc.message)
        if recovered:
            log.warning("start-up: %d stranded message(s) back in the queue", recovered)
        return recovered

    def start(self) -> None:
        # what the graph loads lazily (jieba's part-of-speech tables, ~1 s) is loaded before the first claim, not
        # inside the first message that needs it
        from guardrails.pii.names import warm_up

        warm_up()
        self.recover()
        self._threads = [
            threading.Thread(target=self._loop, name=f"{self.worker_id}#{i}", daemon=True)
            for i in range(self.concurrency)
        ]
        for thread in self._threads:
            thread.start()
        if hasattr(self.inbox, "touch") and self.lease_s:
            self._beat = threading.Thread(target=self._heartbeat, args=(self.lease_s / 3,), daemon=True)
            self._beat.start()

    def _heartbeat(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            now = time.monotonic()
            with self._hand_lock:
                ids = [i for i, since in self._in_hand.items() if now - since < self.max_hold_s]
            try:
                self.inbox.touch(self.worker_id, ids)
            except Exception:  # a blip: the lease may lapse and another worker redo the message (idempotent)
                log.warning("lease heartbeat failed", exc_info=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                handled = self.run_once(self.poll_s)
                if handled and self.processed:
                    # the first message loaded the lazy models: their objects leave the collector's walk now
                    freeze_startup_heap("first_message")
                    collect_young_less_often()
                if handled == 0 and not self._claim_waits:
                    self._stop.wait(self.poll_s)
            except Exception:  # the queue itself failed (e.g. Redis down): back off and retry
                log.exception("worker loop error")
                self._stop.wait(1.0)

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful shutdown: finish the message in hand (up to `timeout`), then give back whatever is still held."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._hand_lock:
            held = list(self._in_hand)
        self._give_back(held)
