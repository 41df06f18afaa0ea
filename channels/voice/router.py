"""FastAPI WebSocket endpoint for live call audio: `/voice/calls/{call_id}`.

Client → server: a JSON `start` frame, binary 16-bit little-endian PCM chunks (interleaved agent/customer when stereo),
then `{"type": "stop"}`. Server → client: `ready`, `partial`, `final` (with signals), `suggestion`, `error`
(`fatal: true` is followed by a close), and `wrapup` at hang-up. See docs in channels/voice/README.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal

from fastapi import APIRouter, WebSocket
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.websockets import WebSocketState

from channels.voice.asr_service import AsrService, CallLimitExceeded
from channels.voice.call import CallConfig, CallSession, OnFinal, SilenceTimeout
from contract.claims import Claims, LocalClaims
from contract.errors import AccessDenied, BackendUnavailable, CopilotError, InputError

OnHangup = Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]
Authorize = Callable[[WebSocket], Awaitable[None]]
OnFrame = Callable[[str, dict[str, Any]], None]
Admit = Callable[[WebSocket, "StartFrame"], "StartFrame"]
log = logging.getLogger("channels.voice.router")
_STOP: dict[str, Any] = {"type": "__stop__"}
SOCKET_CLAIM_TTL_S = (
    60.0  # a live socket's claim on its call id; refreshed every third of it while the socket lives
)


SocketClaims = Claims  # who holds a call id's one live socket (contract.claims: in this process, or in Redis)


class _SocketClaim:
    """One socket's claim on its call id: taken before the start frame is read, refreshed by a heartbeat task while
    the socket lives (a crashed process stops refreshing, so its claim lapses within one TTL), released on close."""

    def __init__(self, claims: SocketClaims, key: str, ttl_s: float) -> None:
        self.claims, self.key, self.ttl_s = claims, key, ttl_s
        self.owner = uuid.uuid4().hex
        self.heartbeat: asyncio.Task[None] | None = None
        # run once when a refresh finds the claim gone (lapsed, flushed, taken): the socket ends, so that a second
        # socket admitted on the freed claim is never one of two
        self.on_lost: Callable[[], Awaitable[None]] | None = None

    async def take(self) -> bool:
        try:
            return await asyncio.to_thread(self.claims.claim, self.key, self.owner, self.ttl_s)
        except Exception as exc:  # Redis down: no second socket can be ruled out, so none is admitted
            raise BackendUnavailable(
                "the call's socket claim cannot be checked right now; retry", reason="claims_unavailable"
            ) from exc

    def start_heartbeat(self, name: str) -> None:
        self.heartbeat = asyncio.create_task(self._beat(), name=name)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.ttl_s / 3)
            try:
                kept = await asyncio.to_thread(self.claims.refresh, self.key, self.owner, self.ttl_s)
            except Exception:  # a Redis blip: the next beat tries again, well inside the TTL
                log.warning("socket claim %s: refresh failed", self.key, exc_info=True)
                continue
            if not kept:
                log.warning("socket claim %s lapsed while its socket was live: ending the socket", self.key)
                if self.on_lost is not None:
                    await self.on_lost()
                return

    async def release(self) -> None:
        if self.heartbeat is not None:
            self.heartbeat.cancel()
            await asyncio.gather(self.heartbeat, return_exceptions=True)
        try:
            await asyncio.to_thread(self.claims.release, self.key, self.owner)
        except Exception:  # it lapses by itself within one TTL
            log.warning("socket claim %s: release failed", self.key, exc_info=True)


class StartFrame(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["start"]
    sample_rate: int
    channels: int = 1
    customer_ref: str = Field(default="unknown", min_length=1, max_length=200)
    agent_ref: str = Field(default="", max_length=200)
    tenant: str = Field(default="", max_length=100)  # optional; must name the deployment's tenant when sent
    lang: str = "zh"


MIRRORED_TEXT_FIELDS = ("text", "heard")


def masked_frame(frame: dict[str, Any], mask: Callable[[str], str]) -> dict[str, Any]:
    """A copy of a partial / final frame whose transcript fields went through `mask` (the PII masker), for mirrors
    that leave the call (the desk's pub/sub topic): numbers read aloud must not travel unmasked. The frame sent on
    the call's own socket is untouched."""
    out = dict(frame)
    for name in MIRRORED_TEXT_FIELDS:
        if isinstance(out.get(name), str) and out[name]:
            out[name] = mask(out[name])
    if out.get("corrections"):
        out["corrections"] = [[mask(str(a)), mask(str(b))] for a, b in out["corrections"]]
    return out


def _peer(websocket: WebSocket) -> str:
    client = websocket.client
    return f"{client.host}:{client.port}" if client is not None else "?"


def _error(reason: str, message: str, *, fatal: bool) -> dict[str, Any]:
    return {"type": "error", "reason": reason, "message": message, "fatal": fatal}


def build_voice_router(
    asr_service: AsrService,
    on_final: OnFinal,
    on_hangup: OnHangup | None = None,
    *,
    tenant: str,
    idle_timeout_s: float = 30.0,
    min_audio_per_idle_s: float = 1.0,
    max_silence_s: float = 120.0,
    silence_notice_s: float = 8.0,
    start_timeout_s: float = 10.0,
    vad: str = "silero",
    partial_interval_s: float = 0.45,
    first_partial_s: float | None = None,
    cpu_budget_per_audio_s: float | None = None,
    authorize: Authorize | None = None,
    on_frame: OnFrame | None = None,
    status_dependencies: Sequence[Any] = (),
    admit: Admit | None = None,
    claims: SocketClaims | None = None,
    socket_claim_ttl_s: float = SOCKET_CLAIM_TTL_S,
) -> APIRouter:
    """`authorize(websocket)` runs before the start frame and raises a CopilotError to refuse the caller (the socket
    is closed with 1008);
    `admit(websocket, start)`, run in a worker thread (it may read the registry and write the ledger), checks the start frame against what the caller may stream and
    returns the frame the call runs with (e.g. the registered call's customer and agent), or raises likewise. One
    socket per call id: a second socket on a call id that has a live socket is refused (`call_id_in_use`, 1008)
    after `authorize`, before its start frame is read; the live one is untouched. "Live" is what `claims` holds
    (copilot.calls: Redis across API processes when scaled out; this process's by default): the claim is taken with a
    `socket_claim_ttl_s` TTL, refreshed by a heartbeat and released when the socket closes. Every
    refusal is logged with its reason. `on_frame(call_id, frame)` sees every frame sent to the client (e.g. to mirror partials to
    the agent desktop). A call must deliver at least `min_audio_per_idle_s` seconds of audio every `idle_timeout_s`
    seconds of wall-clock time (a live call sends one second per second), or it ends with `no_audio` and frees its
    ASR slot: tiny frames that only keep the socket busy cannot hold a slot forever. `first_partial_s` and
    `cpu_budget_per_audio_s` override CallConfig's partial schedule (None: its defaults)."""
    first_s = CallConfig.first_partial_s if first_partial_s is None else first_partial_s
    budget = CallConfig.cpu_budget_per_audio_s if cpu_budget_per_audio_s is None else cpu_budget_per_audio_s
    router = APIRouter()
    sessions: dict[str, CallSession] = {}
    legs: dict[str, int] = {}  # call id -> connections so far (in this process; bounded below)
    held = claims if claims is not None else LocalClaims()  # call ids with a live socket
    draining: set[asyncio.Task[None]] = set()  # wind-downs and claim releases still running

    @router.get("/voice/calls", dependencies=list(status_dependencies))
    async def voice_status() -> dict[str, Any]:
        """Live calls and voice tasks in this event loop (what the leak tests and operators look at)."""
        tasks = [t.get_name() for t in asyncio.all_tasks() if t.get_name().startswith("voice:")]
        return {"active_calls": asr_service.active_calls, "sessions": sorted(sessions), "voice_tasks": tasks,
                "max_calls": asr_service.max_calls, "pending_jobs": asr_service.pending()}  # fmt: skip

    @router.websocket("/voice/calls/{call_id}")
    async def voice_call(websocket: WebSocket, call_id: str) -> None:
        await websocket.accept()
        claim: _SocketClaim | None = None
        try:
            if authorize is not None:
                await authorize(websocket)
            wanted = _SocketClaim(held, f"socket:{tenant}:{call_id}", socket_claim_ttl_s)
            if not await wanted.take():  # atomic in the claims (a lock, or SET NX): one socket wins
                raise AccessDenied(
                    f"call {call_id!r} already has a live socket; a second one is refused",
                    reason="call_id_in_use",
                )
            claim = wanted
            claim.start_heartbeat(f"voice:{call_id}:claim")
            start = await _read_start(websocket, start_timeout_s)
            if (
                start.tenant and start.tenant != tenant
            ):  # the call belongs to this deployment's tenant, never the client's pick
                raise AccessDenied(
                    f"this service serves tenant {tenant!r}, not {start.tenant!r}", reason="wrong_tenant"
                )
            if admit is not None:
                start = await asyncio.to_thread(admit, websocket, start)  # blocking: registry, ledger
            cfg = CallConfig(call_id=call_id, tenant=tenant, sample_rate=start.sample_rate, channels=start.channels,
                             customer_ref=start.customer_ref, agent_ref=start.agent_ref,
                             lang=start.lang, vad=vad, partial_interval_s=partial_interval_s,
                             max_silence_s=max_silence_s, silence_notice_s=silence_notice_s,
                             first_partial_s=first_s, cpu_budget_per_audio_s=budget,
                             leg=_next_leg(legs, call_id))  # fmt: skip
            session = CallSession(cfg, asr_service, on_final)  # validates rate/channels before taking a slot
            asr_service.open_call(call_id)
        except CopilotError as exc:
            if claim is not None:
                await claim.release()
            log.warning(
                "call %r: socket from %s refused (%s): %s",
                call_id,
                _peer(websocket),
                exc.reason,
                exc.message,
            )
            code = 1013 if isinstance(exc, (CallLimitExceeded, BackendUnavailable)) else 1008
            await _send_and_close(websocket, _error(exc.reason, exc.message, fatal=True), code)
            return
        except BaseException:
            if claim is not None:  # cancelled (client gone, shutdown): released in a task of its own
                releasing = asyncio.create_task(claim.release(), name=f"voice:{call_id}:release")
                draining.add(releasing)
                releasing.add_done_callback(draining.discard)
            raise
        assert claim is not None  # refused above otherwise

        async def claim_lost() -> None:
            await _send_and_close(websocket, _error(
                "claim_lost", "this socket's claim on the call lapsed; reconnect", fatal=True), 1013)  # fmt: skip

        claim.on_lost = claim_lost
        sessions[call_id] = session
        tap = functools.partial(on_frame, call_id) if on_frame is not None else None
        sender = asyncio.create_task(_sender(websocket, session.outbox, tap), name=f"voice:{call_id}:sender")
        reason = "disconnected"  # also when the server cancels this handler (client gone, shutdown)
        try:
            session.start()
            await websocket.send_json({"type": "ready", "call_id": call_id, "sample_rate": cfg.sample_rate,
                                       "channels": cfg.channels, "roles": list(cfg.roles)})  # fmt: skip
            reason = await _receive_audio(websocket, session, idle_timeout_s, min_audio_per_idle_s)
        finally:
            # Winding down runs as its own task: if this handler is cancelled at hang-up, the last utterance is still
            # transcribed and handed to on_final, and on_hangup still runs.
            wind_down = asyncio.create_task(
                _wind_down(websocket, session, sender, reason, on_hangup, sessions, claim),
                name=f"voice:{call_id}:wind-down",
            )
            draining.add(wind_down)
            wind_down.add_done_callback(draining.discard)
        await asyncio.shield(wind_down)

    return router


async def _wind_down(
    websocket: WebSocket,
    session: CallSession,
    sender: asyncio.Task[None],
    reason: str,
    on_hangup: OnHangup | None,
    sessions: dict[str, CallSession],
    claim: _SocketClaim,
) -> None:
    cfg = session.cfg
    try:
        await session.finish(reason=reason)
        summary = {"call_id": cfg.call_id, "tenant": cfg.tenant, "customer_ref": cfg.customer_ref,
                   "agent_ref": cfg.agent_ref, "reason": reason, "turns": session.turns, "states": session.states,
                   "duration_s": round(session.channels[0].segmenter.samples_seen / 16_000, 2)}  # fmt: skip
        wrapup: dict[str, Any] = {"type": "wrapup", **summary}
        if on_hangup is not None:
            try:
                wrapup["payload"] = await on_hangup(summary)
            except Exception as exc:  # the wrap-up failing must not hide the transcript
                session.outbox.put_nowait(
                    _error("wrapup_failed", f"{type(exc).__name__}: {exc}", fatal=False)
                )
        session.outbox.put_nowait(wrapup)
        session.outbox.put_nowait(_STOP)
        await asyncio.wait([sender], timeout=10)
        if websocket.client_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await websocket.close(code=1000)
    finally:
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)
        await session.aclose()
        sessions.pop(cfg.call_id, None)
        await claim.release()


async def _read_start(websocket: WebSocket, timeout_s: float) -> StartFrame:
    try:
        message = await asyncio.wait_for(websocket.receive(), timeout_s)
    except TimeoutError as exc:
        raise InputError(f"no start frame within {timeout_s:.0f} s", reason="start_required") from exc
    if message.get("type") == "websocket.disconnect":
        raise InputError("disconnected before start", reason="start_required")
    if message.get("text") is None:
        raise InputError(
            'send a JSON {"type": "start", "sample_rate": 16000, ...} frame first', reason="start_required"
        )
    try:
        return StartFrame.model_validate_json(message["text"])
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "frame"
        raise InputError(f"bad start frame: {where}: {first['msg']}", reason="bad_start") from exc


async def _receive_audio(
    websocket: WebSocket, session: CallSession, idle_timeout_s: float, min_audio_per_idle_s: float = 1.0
) -> str:
    """Feeds audio until stop / disconnect / a fatal input error / too little audio; returns why the call ended.

    Two clocks: `idle_timeout` when nothing at all arrives for `idle_timeout_s`, and `no_audio` when frames keep
    arriving but carry less than `min_audio_per_idle_s` of audio in that window (e.g. 2-byte frames every 20 s,
    which reset a per-message timer and add no audio time for the silence limit to count)."""
    loop = asyncio.get_running_loop()
    bytes_per_s = 2 * session.cfg.channels * session.cfg.sample_rate
    progress_deadline = loop.time() + idle_timeout_s
    audio_in_window_s = 0.0
    got_frames = False
    while True:
        wait_s = max(0.0, progress_deadline - loop.time())
        try:
            message = await asyncio.wait_for(websocket.receive(), wait_s)
        except TimeoutError:
            if got_frames:
                session.outbox.put_nowait(_error(
                    "no_audio",
                    f"less than {min_audio_per_idle_s:g} s of audio in {idle_timeout_s:.0f} s: not a live call",
                    fatal=True,
                ))  # fmt: skip
                return "no_audio"
            session.outbox.put_nowait(
                _error("idle_timeout", f"no data for {idle_timeout_s:.0f} s", fatal=True)
            )
            return "idle_timeout"
        if message.get("type") == "websocket.disconnect":
            return "disconnected"
        got_frames = True
        if message.get("bytes") is not None:
            audio_in_window_s += len(message["bytes"]) / bytes_per_s
            if audio_in_window_s >= min_audio_per_idle_s:  # real audio flowing: a fresh window
                audio_in_window_s, got_frames = 0.0, False
                progress_deadline = loop.time() + idle_timeout_s
            try:
                session.feed_pcm(message["bytes"])
            except SilenceTimeout as exc:
                session.outbox.put_nowait(_error(exc.reason, exc.message, fatal=True))
                return exc.reason
            except InputError as exc:
                session.outbox.put_nowait(_error(exc.reason, exc.message, fatal=True))
                return exc.reason
            continue
        try:
            frame = json.loads(message.get("text") or "")
            kind = frame.get("type") if isinstance(frame, dict) else None
        except json.JSONDecodeError:
            kind = "<not json>"
        if kind == "stop":
            return "stop"
        session.outbox.put_nowait(
            _error("unknown_frame", f"ignored a {kind!r} frame: send PCM bytes or stop", fatal=False)
        )


async def _sender(
    websocket: WebSocket,
    outbox: asyncio.Queue[dict[str, Any]],
    tap: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    """Drains the outbox to the socket; once the client is gone it keeps draining so nothing piles up."""
    alive = True
    while (frame := await outbox.get()) is not _STOP:
        if tap is not None:
            with contextlib.suppress(Exception):  # a failing observer never disturbs the call
                tap(frame)
        if alive:
            try:
                await websocket.send_json(frame)
            except (
                Exception
            ):  # the client went away; finals still reach on_final, frames just have nowhere to go
                alive = False


async def _send_and_close(websocket: WebSocket, frame: dict[str, Any], code: int) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_json(frame)
        await websocket.close(code=code)


MAX_REMEMBERED_CALLS = 10_000


def _next_leg(legs: dict[str, int], call_id: str) -> int:
    """This connection's leg of the call. Only this process's connections are counted: a reconnect that lands on
    another process starts at leg 1 again (noted in docs/architecture.md)."""
    if len(legs) >= MAX_REMEMBERED_CALLS and call_id not in legs:
        legs.pop(next(iter(legs)))  # the oldest call: long over
    legs[call_id] = legs.get(call_id, 0) + 1
    return legs[call_id]
