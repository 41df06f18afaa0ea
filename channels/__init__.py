"""Channel adapters: WeCom self-built app, 微信客服 and WeChat Official Account callbacks → InboundMessage → Inbox;
outbound delivery (app messages / text cards, 微信客服 send_msg) and media download. Voice lives in channels.voice."""

from channels.api.client import WeComApi, WeComApiError
from channels.api.media import MediaFile, WeComMediaStore
from channels.api.messages import Outbox
from channels.api.token import InMemoryTokenCache, RedisTokenCache, TokenCache
from channels.config import ApiCredentials, CallbackCredentials, CallbackPolicy, ChannelConfig
from channels.dedupe import InMemoryNonceCache, NonceCache, RedisNonceCache
from channels.errors import CallbackRejected
from channels.inbox import Inbox, SkipRecorder, SqliteInbox
from channels.kf.state import KfState, RedisKfState, SqliteKfState
from channels.kf.sync import KfSyncer, SyncReport
from channels.wiring import ChannelRuntime, build_channel_router, build_channels

__all__ = [
    "ApiCredentials",
    "CallbackCredentials",
    "CallbackPolicy",
    "CallbackRejected",
    "ChannelConfig",
    "ChannelRuntime",
    "InMemoryNonceCache",
    "InMemoryTokenCache",
    "Inbox",
    "KfState",
    "KfSyncer",
    "MediaFile",
    "NonceCache",
    "Outbox",
    "RedisKfState",
    "RedisNonceCache",
    "RedisTokenCache",
    "SkipRecorder",
    "SqliteInbox",
    "SqliteKfState",
    "SyncReport",
    "TokenCache",
    "WeComApi",
    "WeComApiError",
    "WeComMediaStore",
    "build_channel_router",
    "build_channels",
]
