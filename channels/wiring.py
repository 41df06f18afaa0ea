"""Assemble the channel adapters from a ChannelConfig: routes, the 微信客服 syncer, the outbox and the media store."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter

from channels.api.client import WeComApi
from channels.api.media import WeComMediaStore
from channels.api.messages import Outbox
from channels.api.token import InMemoryTokenCache, RedisTokenCache, TokenCache
from channels.config import ChannelConfig
from channels.dedupe import InMemoryNonceCache, NonceCache, RedisNonceCache
from channels.inbox import Inbox, SkipRecorder
from channels.kf.state import KfState, RedisKfState, SqliteKfState
from channels.kf.sync import KfSyncer
from channels.router import CallbackHandler, add_oa_routes, add_wecom_routes
from contract.messages import Channel

log = logging.getLogger("channels")


@dataclass
class ChannelRuntime:
    router: APIRouter
    handler: CallbackHandler
    api: WeComApi | None
    kf_api: WeComApi | None
    kf_state: KfState
    kf_syncer: KfSyncer | None
    outbox: Outbox | None
    media: WeComMediaStore | None  # a contract.ports.MediaStore for voice / image / file parts


def build_channels(
    inbox: Inbox,
    config: ChannelConfig,
    *,
    redis: Any = None,
    kf_state: KfState | None = None,
    state_path: str = "",
    api: WeComApi | None = None,
    kf_api: WeComApi | None = None,
    replay_cache: NonceCache | None = None,
    skips: SkipRecorder | None = None,
) -> ChannelRuntime:
    """Everything the channels provide. `redis` (a redis.Redis) shares the nonce cache, the access-token cache and the
    kf state across workers; without it they are in-process, and kf state goes to SQLite at `state_path`."""
    if kf_state is None:
        if redis is not None:
            kf_state = RedisKfState(redis)
        else:
            if not state_path:
                log.warning(
                    "no state_path: the 微信客服 cursor lives in memory and is re-read from scratch on restart"
                )
            kf_state = SqliteKfState(state_path or ":memory:")
    if replay_cache is None:
        replay_cache = RedisNonceCache(redis) if redis is not None else InMemoryNonceCache()
    tokens: TokenCache = RedisTokenCache(redis) if redis is not None else InMemoryTokenCache()
    if api is None and config.wecom_api is not None:
        api = WeComApi(config.wecom_api, token_cache=tokens)
    if kf_api is None:
        kf_api = WeComApi(config.kf_api, token_cache=tokens) if config.kf_api is not None else api
    if skips is None and isinstance(inbox, SkipRecorder):
        skips = inbox
    syncer = KfSyncer(kf_api, inbox, kf_state, tenant=config.tenant, skips=skips) if kf_api else None
    handler = CallbackHandler(inbox, config, replay_cache, skips, syncer)

    router = APIRouter(tags=["channels"])
    if config.wecom is not None:
        add_wecom_routes(router, handler, "/wecom/callback", config.wecom, Channel.WECOM_APP)
    if config.kf is not None:
        add_wecom_routes(router, handler, "/kf/callback", config.kf, Channel.WECOM_KF)
    if config.oa is not None:
        add_oa_routes(router, handler, "/oa/callback", config.oa)
    outbox = (
        Outbox(api, kf_api=kf_api, kf_state=kf_state, accept_link_base=config.accept_link_base)
        if api is not None
        else None
    )
    media = WeComMediaStore(api) if api is not None else None
    return ChannelRuntime(router, handler, api, kf_api, kf_state, syncer, outbox, media)


def build_channel_router(inbox: Inbox, config: ChannelConfig, **options: Any) -> APIRouter:
    """The APIRouter the lead mounts under /channels (see build_channels for the options)."""
    return build_channels(inbox, config, **options).router
