"""Configuration objects of the channel adapters. Plain frozen dataclasses so channels never import copilot;
`ChannelConfig.from_settings` reads the lead's Settings by attribute name (duck-typed)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CallbackCredentials:
    """What verifies one callback URL: Token + EncodingAESKey, and the receive id that must trail the plaintext
    (CorpID for a self-built app and 微信客服, AppID for the Official Account)."""

    token: str
    aes_key: str  # EncodingAESKey, 43 characters
    receive_id: str

    def __post_init__(self) -> None:
        if not self.token:
            raise ValueError("callback token is empty")
        if self.aes_key and len(self.aes_key) != 43:
            raise ValueError("EncodingAESKey must be 43 characters")


@dataclass(frozen=True)
class ApiCredentials:
    """A WeCom app (or the 微信客服 app) for calling qyapi: corp id + secret (+ agent id for app messages)."""

    corp_id: str
    secret: str
    agent_id: str = ""
    base_url: str = "https://qyapi.weixin.qq.com"  # tests point this at a local server
    timeout_s: float = 5.0


@dataclass(frozen=True)
class CallbackPolicy:
    max_age_s: int = 300  # |now - timestamp| allowed; 0 disables the check (only for replaying old vectors)
    max_body_bytes: int = 1_000_000
    nonce_ttl_s: int = 900  # how long a (timestamp, nonce) pair is remembered; >= 2 * max_age_s
    retry_after_s: int = 2  # sent with 503 when the queue is down so Tencent retries
    commit_on_loop: bool = (
        False  # group-commit on the event loop instead of a writer thread (see channels.batching)
    )
    # Writer threads that commit a batch and then fdatasync the inbox's WAL apart (channels.batching, pipelined), for
    # a WAL inbox with synchronous=FULL. 0: one writer whose commit carries the fsync. Measured (bench_channels,
    # session 20): pipelined cut the callback p99 under CPU contention (load ~23: 454 -> 206 ms) but costs ~0.4 ms of
    # server CPU per request and lost on an idle host (interleaved A/B at load < 1: p99/bare 1.73, 1.84 with one
    # writer vs 1.94, 2.43 pipelined) — so one writer by default; set 2 on a host whose cores are shared.
    fsync_writers: int = 0
    clock: Callable[[], float] = field(default=time.time, compare=False)


@dataclass(frozen=True)
class ChannelConfig:
    tenant: str  # the deployment's tenant: every message this runtime accepts is stamped with it
    wecom: CallbackCredentials | None = None  # self-built app callback (its kf events are handled too)
    wecom_api: ApiCredentials | None = None
    kf: CallbackCredentials | None = None  # a separate 微信客服 callback config, if the company uses one
    kf_api: ApiCredentials | None = None  # defaults to wecom_api
    oa: CallbackCredentials | None = None
    policy: CallbackPolicy = field(default_factory=CallbackPolicy)
    accept_link_base: str = ""  # e.g. https://copilot.example.com/suggestions/ for text-card accept links
    ask_prefixes: tuple[str, ...] = (
        "@助手",
        "问：",
        "问:",
    )  # a member's app message asking the copilot (rep_ask)

    @property
    def kf_api_or_app(self) -> ApiCredentials | None:
        return self.kf_api or self.wecom_api

    @classmethod
    def from_settings(cls, settings: Any) -> ChannelConfig:
        """Build from copilot's Settings (wecom_* / oa_* / callback_max_age_s / max_body_bytes)."""

        def secret(name: str) -> str:
            value = getattr(settings, name, "")
            return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value or "")

        corp_id = getattr(settings, "wecom_corp_id", "")
        wecom = None
        if corp_id and secret("wecom_token"):
            wecom = CallbackCredentials(secret("wecom_token"), secret("wecom_aes_key"), corp_id)
        api = None
        if corp_id and secret("wecom_secret"):
            api = ApiCredentials(
                corp_id,
                secret("wecom_secret"),
                str(getattr(settings, "wecom_agent_id", "")),
                getattr(settings, "wecom_api_base", "https://qyapi.weixin.qq.com"),
            )
        oa = None
        if getattr(settings, "oa_app_id", "") and secret("oa_token"):
            oa = CallbackCredentials(secret("oa_token"), secret("oa_aes_key"), settings.oa_app_id)
        policy = CallbackPolicy(
            max_age_s=int(getattr(settings, "callback_max_age_s", 300)),
            max_body_bytes=int(getattr(settings, "max_body_bytes", 1_000_000)),
            fsync_writers=int(getattr(settings, "callback_fsync_writers", 0)),
        )
        prefixes = tuple(getattr(settings, "rep_ask_prefixes", None) or cls.ask_prefixes)
        return cls(
            tenant=str(settings.tenant),
            wecom=wecom,
            wecom_api=api,
            oa=oa,
            policy=policy,
            ask_prefixes=prefixes,
        )
