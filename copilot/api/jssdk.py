"""`POST /v1/wecom/jssdk`: the signatures the sidebar needs inside the WeCom client.

`wx.config` is signed with the corp's jsapi_ticket and `wx.agentConfig` with the app's (type=agent_config); only after
agentConfig succeeds may the page call `getCurExternalContact` and `sendChatMessage`. Tickets are cached beside the
access token (channels/api/token.py: Redis when scaled out) and refreshed before they expire. The signature covers
the page URL without its #fragment, exactly as the page passes it (location.href)."""

from __future__ import annotations

import secrets
import time
from typing import Annotated
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from channels.api.token import JsapiTickets, js_signature
from contract.errors import InputError, NotFound
from contract.ports import Actor
from copilot.api.deps import ServicesDep
from copilot.auth import SettingsDep, require

router = APIRouter(prefix="/v1", tags=["wecom"])
Rep = Annotated[Actor, Depends(require("rep", "agent", "admin"))]
_TICKETS: WeakKeyDictionary[object, JsapiTickets] = WeakKeyDictionary()
JS_API_LIST = ["getCurExternalContact", "getContext", "sendChatMessage"]


class JssdkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=8, max_length=2000, description="the page's location.href (the #part is dropped)"
    )


class WxConfig(BaseModel):
    beta: bool = True
    appId: str  # noqa: N815 - the JS-SDK's own field names
    timestamp: int
    nonceStr: str  # noqa: N815
    signature: str
    jsApiList: list[str]  # noqa: N815


class WxAgentConfig(BaseModel):
    corpid: str
    agentid: str
    timestamp: int
    nonceStr: str  # noqa: N815
    signature: str
    jsApiList: list[str]  # noqa: N815


class JssdkOut(BaseModel):
    url: str
    config: WxConfig
    agentConfig: WxAgentConfig  # noqa: N815


def sign_page(
    tickets: JsapiTickets, corp_id: str, agent_id: str, url: str, *, now: int | None = None
) -> JssdkOut:
    page = url.split("#", 1)[0]
    parts = urlsplit(page)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError("url must be the page's http(s) address", reason="bad_jssdk_url")
    ts = int(time.time()) if now is None else now
    corp_nonce, agent_nonce = secrets.token_hex(8), secrets.token_hex(8)
    return JssdkOut(
        url=page,
        config=WxConfig(
            appId=corp_id,
            timestamp=ts,
            nonceStr=corp_nonce,
            signature=js_signature(tickets.corp(), corp_nonce, ts, page),
            jsApiList=JS_API_LIST,
        ),
        agentConfig=WxAgentConfig(
            corpid=corp_id,
            agentid=agent_id,
            timestamp=ts,
            nonceStr=agent_nonce,
            signature=js_signature(tickets.agent(), agent_nonce, ts, page),
            jsApiList=JS_API_LIST,
        ),
    )


@router.post("/wecom/jssdk", response_model=JssdkOut)
async def jssdk(body: JssdkIn, actor: Rep, services: ServicesDep, settings: SettingsDep) -> JssdkOut:
    channels = getattr(services, "channels", None)
    api = getattr(channels, "api", None)
    if api is None or not settings.wecom_agent_id:
        # not an outage: this deployment has no WeCom app, so there is nothing to sign (the page falls back to keys)
        raise NotFound(
            "WeCom app API is not configured (COPILOT_WECOM_CORP_ID / _SECRET / _AGENT_ID)",
            reason="wecom_off",
        )

    tickets = _TICKETS.get(api)
    if tickets is None:  # one per API client, so the in-process ticket cache outlives the request

        def call(path: str, params: dict[str, str]) -> dict[str, object]:
            data: dict[str, object] = api.call("GET", path, params=params)
            return data

        tickets = _TICKETS.setdefault(
            api, JsapiTickets(call, api.tokens, f"{api.creds.corp_id}:{settings.wecom_agent_id}")
        )
    return await run_in_threadpool(sign_page, tickets, api.creds.corp_id, settings.wecom_agent_id, body.url)
