"""FastAPI routes for the callbacks. Acknowledge fast: verify, durably enqueue, answer an empty 200; everything
else (the graph, 微信客服 sync) happens after. Mounted by the lead under /channels."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import parse_qsl

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute

from channels.batching import GroupCommitter, InlineGroupCommitter
from channels.callback import Opened, check_fresh, check_replay, open_encrypted, open_plain, require
from channels.config import CallbackCredentials, ChannelConfig
from channels.dedupe import NonceCache
from channels.errors import forbidden
from channels.inbox import BatchInbox, Inbox, SkipRecorder
from channels.kf.sync import KfSyncer
from channels.outcome import KfTrigger
from channels.wecom.crypto import CallbackCrypto
from channels.wecom.normalise import normalise_xml
from channels.wecom.xml import read_capped
from contract.errors import BackendUnavailable, CopilotError
from contract.messages import Channel, InboundMessage

log = logging.getLogger("channels.callback")


def query_params(request: Request) -> dict[str, str]:
    """The query string as a dict, as `dict(request.query_params)` reads it (blank values kept, the last of a repeated
    name wins), without building Starlette's multi-dict first."""
    return dict(parse_qsl(request.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))


class LeanRoute(APIRoute):
    """A callback route whose endpoint takes the Request and returns the Response itself: it is called directly,
    without FastAPI's per-request machinery around it (endpoint-context extraction, dependency solving for the one
    Request parameter, telemetry, response serialisation), ~0.03-0.05 ms of CPU per callback measured in-process. Still
    an APIRoute (same path matching, name, OpenAPI entry; copyable by copilot.api.live.mount_callbacks_first). With any
    dependency, parameter or body declared (a router-level `dependencies=[...]`), FastAPI's own handler as before."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        d = self.dependant
        lean = (
            self.body_field is None
            and d.request_param_name is not None
            and not (d.dependencies or d.path_params or d.query_params or d.header_params)
            and not (d.cookie_params or d.body_params)
            and len(inspect.signature(self.endpoint).parameters) == 1
            and inspect.iscoroutinefunction(self.endpoint)
        )
        if not lean:
            return super().get_route_handler()
        endpoint = self.endpoint
        return endpoint  # type: ignore[no-any-return]


class CallbackHandler:
    """Shared by every route: turns a request into an enqueue, and any refusal into a logged 4xx / 503."""

    def __init__(
        self,
        inbox: Inbox,
        config: ChannelConfig,
        replay: NonceCache,
        skips: SkipRecorder | None,
        kf_syncer: KfSyncer | None,
    ) -> None:
        self.inbox, self.config, self.replay, self.skips, self.kf_syncer = (
            inbox,
            config,
            replay,
            skips,
            kf_syncer,
        )
        self.tasks: set[asyncio.Task[Any]] = set()
        self.committer: GroupCommitter | InlineGroupCommitter | None = None
        if isinstance(inbox, BatchInbox):
            inline = config.policy.commit_on_loop
            self.committer = (
                InlineGroupCommitter(inbox)
                if inline
                else GroupCommitter(inbox, sync_threads=config.policy.fsync_writers)
            )

    async def enqueue(self, msg: InboundMessage) -> bool:
        if self.committer is not None:
            return await self.committer.accept(msg)
        return await anyio.to_thread.run_sync(self.inbox.accept, msg)

    def refuse(self, request: Request, scope: str, exc: CopilotError) -> Response:
        client = request.client.host if request.client else "?"
        log.warning("refused %s callback from %s: %s (%s)", scope, client, exc.reason, exc.message)
        headers = {}
        if isinstance(exc, BackendUnavailable):
            headers["Retry-After"] = str(self.config.policy.retry_after_s)
        return JSONResponse(exc.as_dict(), status_code=exc.http_status, headers=headers)

    async def verify_get(
        self, request: Request, scope: str, verify: Callable[[dict[str, str]], str]
    ) -> Response:
        try:
            params = query_params(request)
            check_fresh(require(params, "timestamp")[0], self.config.policy)
            return PlainTextResponse(verify(params))  # the bare plaintext: no quotes, no newline
        except CopilotError as exc:
            return self.refuse(request, scope, exc)

    async def receive(
        self,
        request: Request,
        scope: str,
        channel: Channel,
        opener: Callable[[dict[str, str], bytes], Opened],
    ) -> Response:
        policy = self.config.policy
        try:
            params = query_params(request)
            timestamp, nonce = require(params, "timestamp", "nonce")
            check_fresh(timestamp, policy)
            body = await read_capped(
                request.stream(), request.headers.get("content-length"), policy.max_body_bytes
            )
            opened = opener(params, body)
            check_replay(self.replay, scope, timestamp, nonce, opened.fingerprint, policy.nonce_ttl_s)
            outcome = normalise_xml(
                opened.fields,
                channel=channel,
                tenant=self.config.tenant,
                ask_prefixes=self.config.ask_prefixes,
            )
            if isinstance(outcome, InboundMessage):
                fresh = await self.enqueue(outcome)
                log.debug("%s %s %s", scope, outcome.message_id, "enqueued" if fresh else "duplicate")
            elif isinstance(outcome, KfTrigger):
                self.start_kf_sync(outcome)
            else:
                log.info("%s skipped %s: %s", scope, outcome.message_id, outcome.reason)
                if self.skips is not None:
                    await anyio.to_thread.run_sync(
                        self.skips.record_skipped,
                        channel.value,
                        outcome.message_id,
                        outcome.reason,
                        outcome.raw,
                    )
        except CopilotError as exc:
            return self.refuse(request, scope, exc)
        return PlainTextResponse("")

    def start_kf_sync(self, trigger: KfTrigger) -> None:
        """sync_msg runs after the 200: the messages stay readable for 3 days and the cursor is persisted, so a
        crash here only delays them until the next kf_msg_or_event."""
        if self.kf_syncer is None:
            log.warning(
                "kf_msg_or_event for %s but no 微信客服 API credentials are configured", trigger.open_kfid
            )
            return
        syncer = self.kf_syncer

        async def run() -> None:
            try:
                await anyio.to_thread.run_sync(syncer.sync, trigger.open_kfid, trigger.token)
            except CopilotError as exc:
                log.warning("kf sync for %s failed: %s (%s)", trigger.open_kfid, exc.reason, exc.message)
            except Exception:
                log.exception("kf sync for %s crashed", trigger.open_kfid)

        task = asyncio.get_running_loop().create_task(run())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def drain(self) -> None:
        """Wait for background 微信客服 syncs (tests, graceful shutdown)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)


def add_wecom_routes(
    router: APIRouter, handler: CallbackHandler, path: str, creds: CallbackCredentials, channel: Channel
) -> None:
    crypto = CallbackCrypto(creds)
    scope = path.strip("/").replace("/", ".")

    def verify(params: dict[str, str]) -> str:
        sig, ts, nonce, echostr = require(params, "msg_signature", "timestamp", "nonce", "echostr")
        return crypto.verify_echostr(sig, ts, nonce, echostr)

    @router.get(path, response_class=PlainTextResponse, name=f"{scope}.verify")
    async def wecom_verify(request: Request) -> Response:
        return await handler.verify_get(request, scope, verify)

    async def wecom_receive(request: Request) -> Response:
        return await handler.receive(request, scope, channel, lambda p, b: open_encrypted(crypto, p, b))

    router.add_api_route(
        path,
        wecom_receive,
        methods=["POST"],
        response_class=PlainTextResponse,
        name=f"{scope}.receive",
        route_class_override=LeanRoute,
    )


def add_oa_routes(router: APIRouter, handler: CallbackHandler, path: str, creds: CallbackCredentials) -> None:
    crypto = CallbackCrypto(creds)

    def verify(params: dict[str, str]) -> str:
        """OA verification is plaintext even in safe mode: sha1(token, timestamp, nonce), echo echostr unchanged."""
        sig, ts, nonce, echostr = require(params, "signature", "timestamp", "nonce", "echostr")
        crypto.check_signature(sig, ts, nonce)
        return echostr

    def opener(params: dict[str, str], body: bytes) -> Opened:
        if params.get("encrypt_type", "raw") == "aes":  # safe and compatibility modes: trust only <Encrypt>
            return open_encrypted(crypto, params, body)
        if crypto.key:
            # An EncodingAESKey means the account runs in safe/compatibility mode, where Tencent always sends
            # encrypt_type=aes. A plain body here is unsigned: accepting it would let anyone who drops the
            # parameter inject messages (a downgrade). Plain mode is only for accounts configured without a key.
            raise forbidden(
                "encryption_required",
                "plain (unencrypted) OA callback refused: an EncodingAESKey is configured, send encrypt_type=aes",
            )
        return open_plain(crypto, params, body)

    @router.get(path, response_class=PlainTextResponse, name="oa.verify")
    async def oa_verify(request: Request) -> Response:
        return await handler.verify_get(request, "oa", verify)

    async def oa_receive(request: Request) -> Response:
        return await handler.receive(request, "oa", Channel.WECHAT_OA, opener)

    router.add_api_route(
        path,
        oa_receive,
        methods=["POST"],
        response_class=PlainTextResponse,
        name="oa.receive",
        route_class_override=LeanRoute,
    )
