"""Outbound delivery: suggestions to the rep as a WeCom app text card with an accept link, and — after a human
accepted — the reply to the customer through 微信客服 `send_msg` inside its 48-hour / 5-message window."""

from __future__ import annotations

from typing import Any

from channels.api.client import WeComApi
from channels.kf.state import KfState
from contract.errors import ConflictError, InputError
from contract.suggestions import Suggestion

KF_MSGTYPES = {
    "text",
    "image",
    "voice",
    "video",
    "file",
    "link",
    "miniprogram",
    "msgmenu",
    "location",
    "business_card",
}


def _clip(text: str, limit_bytes: int) -> str:
    data = text.encode("utf-8")
    return text if len(data) <= limit_bytes else data[: limit_bytes - 3].decode("utf-8", "ignore") + "…"


class Outbox:
    def __init__(
        self,
        api: WeComApi,
        *,
        kf_api: WeComApi | None = None,
        kf_state: KfState | None = None,
        accept_link_base: str = "",
    ) -> None:
        self.api = api
        self.kf_api = kf_api or api
        self.kf_state = kf_state
        self.accept_link_base = accept_link_base

    def _agent(self) -> int:
        if not self.api.creds.agent_id.isdigit():
            raise InputError("wecom agent_id must be set to send app messages", reason="no_agent_id")
        return int(self.api.creds.agent_id)

    def send_app_text(self, touser: str, content: str) -> dict[str, Any]:
        body = {
            "touser": touser,
            "msgtype": "text",
            "agentid": self._agent(),
            "text": {"content": _clip(content, 2048)},
        }
        return self.api.call("POST", "/cgi-bin/message/send", json_body=body)

    def send_text_card(
        self, touser: str, title: str, description: str, url: str, btntxt: str = "详情"
    ) -> dict[str, Any]:
        card = {
            "title": _clip(title, 128),
            "description": _clip(description, 512),
            "url": url,
            "btntxt": btntxt,
        }
        body = {"touser": touser, "msgtype": "textcard", "agentid": self._agent(), "textcard": card}
        return self.api.call("POST", "/cgi-bin/message/send", json_body=body)

    def deliver_suggestion(self, suggestion: Suggestion, rep_userid: str = "") -> dict[str, Any]:
        """A text card to the rep: intent, first action, the draft; the button opens the accept page."""
        touser = rep_userid or suggestion.rep_ref
        if not touser:
            raise InputError("suggestion has no rep to deliver to", reason="no_rep")
        if not self.accept_link_base:
            raise InputError("accept_link_base is not configured", reason="no_accept_link")
        intent = suggestion.intent.label_zh or suggestion.intent.name
        lines = [f"客户意图：{intent}"]
        if suggestion.actions:
            lines.append(f"建议动作：{suggestion.actions[0].label or suggestion.actions[0].name}")
        if suggestion.draft is not None:
            lines.append(f"草稿：{suggestion.draft.text}")
        url = self.accept_link_base.rstrip("/") + "/" + suggestion.id
        return self.send_text_card(
            touser, f"Copilot 建议 · {suggestion.customer_ref}", "\n".join(lines), url, "查看并采纳"
        )

    def kf_send(
        self, open_kfid: str, external_userid: str, msgtype: str, body: dict[str, Any], msgid: str = ""
    ) -> str:
        """Send through 微信客服; returns Tencent's msgid. ConflictError when the window is closed or used up."""
        if msgtype not in KF_MSGTYPES:
            raise InputError(f"kf cannot send msgtype {msgtype!r}", reason="kf_bad_msgtype")
        if self.kf_state is not None and not self.kf_state.reserve_send(open_kfid, external_userid):
            raise ConflictError(
                "微信客服 window closed: 48 h since the customer's last message or 5 messages already sent",
                reason="kf_window_closed",
            )
        payload: dict[str, Any] = {
            "touser": external_userid,
            "open_kfid": open_kfid,
            "msgtype": msgtype,
            msgtype: body,
        }
        if msgid:
            payload["msgid"] = msgid[:32]
        try:
            data = self.kf_api.call("POST", "/cgi-bin/kf/send_msg", json_body=payload)
        except Exception:
            if self.kf_state is not None:
                self.kf_state.release_send(open_kfid, external_userid)
            raise
        return str(data.get("msgid", ""))

    def kf_send_text(self, open_kfid: str, external_userid: str, content: str, msgid: str = "") -> str:
        return self.kf_send(open_kfid, external_userid, "text", {"content": _clip(content, 2048)}, msgid)
