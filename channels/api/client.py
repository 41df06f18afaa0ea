"""A thin WeCom API client on httpx. Errors come back as HTTP 200 JSON with `errcode`; we turn them into typed
errors, retry once with a fresh token on 40001/40014/42001, and never put the token in an exception message."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx

from channels.api.token import InMemoryTokenCache, TokenCache
from channels.config import ApiCredentials
from contract.errors import BackendUnavailable, ConflictError, CopilotError, NotFound, UserError

TOKEN_ERRORS = {40001, 40014, 42001}  # invalid / expired access token → refresh once and retry
CONFIG_ERRORS = {
    40013,
    40056,
    60011,
    48002,
    41001,
    301002,
}  # bad corpid, agentid, no privilege, api forbidden
NOT_FOUND_ERRORS = {40007, 40008}  # invalid media_id / message type
CONFLICT_ERRORS = {95015, 95016, 95018, 95011}  # kf session state / window does not allow this


class WeComApiError(CopilotError):
    """An errcode we do not map to something more specific."""


def api_error(errcode: int, errmsg: str, path: str) -> CopilotError:
    message = f"WeCom {path} failed: errcode {errcode} {errmsg}"
    details = {"errcode": errcode, "errmsg": errmsg}
    if errcode in CONFIG_ERRORS:
        return UserError(message, reason="wecom_config", **details)
    if errcode in NOT_FOUND_ERRORS:
        return NotFound(message, reason="wecom_not_found", **details)
    if errcode in CONFLICT_ERRORS:
        return ConflictError(message, reason="wecom_conflict", **details)
    if errcode in (-1, 45009, 45033) or errcode in TOKEN_ERRORS:
        return BackendUnavailable(message, reason="wecom_busy", **details)
    return WeComApiError(message, reason="wecom_error", **details)


class WeComApi:
    def __init__(
        self,
        creds: ApiCredentials,
        *,
        token_cache: TokenCache | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        self.creds = creds
        self.tokens = token_cache or InMemoryTokenCache()
        self.http = http or httpx.Client(base_url=creds.base_url.rstrip("/"), timeout=creds.timeout_s)
        digest = hashlib.sha256(creds.secret.encode()).hexdigest()[:12]
        self._token_key = (
            f"{creds.corp_id}:{digest}"  # per corp AND secret (wechatpy's expiry key forgot the secret)
        )

    # ---- tokens ------------------------------------------------------------------------------------------------------

    def _fetch_token(self) -> tuple[str, int]:
        data = self._send(
            "GET", "/cgi-bin/gettoken", params={"corpid": self.creds.corp_id, "corpsecret": self.creds.secret}
        )
        errcode = int(data.get("errcode", 0))
        if errcode:
            raise api_error(errcode, str(data.get("errmsg", "")), "/cgi-bin/gettoken")
        return str(data["access_token"]), int(data.get("expires_in", 7200))

    def token(self, stale: str | None = None) -> str:
        return self.tokens.get_or_refresh(self._token_key, self._fetch_token, stale)

    # ---- transport ---------------------------------------------------------------------------------------------------

    def _send(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise BackendUnavailable(
                f"WeCom {path} unreachable: {type(exc).__name__}", reason="wecom_down"
            ) from exc
        if response.status_code >= 500:
            raise BackendUnavailable(
                f"WeCom {path} answered HTTP {response.status_code}", reason="wecom_down"
            )
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BackendUnavailable(f"WeCom {path} answered non-JSON", reason="wecom_bad_response") from None
        if not isinstance(data, dict):
            raise BackendUnavailable(f"WeCom {path} answered a non-object", reason="wecom_bad_response")
        return data

    def call(
        self, method: str, path: str, *, json_body: Any = None, params: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Call an API with the access token; one retry with a fresh token when it was rejected."""
        token = self.token()
        for attempt in (1, 2):
            query = {**(params or {}), "access_token": token}
            data = self._send(method, path, params=query, json=json_body)
            errcode = int(data.get("errcode", 0))
            if errcode == 0:
                return data
            if errcode in TOKEN_ERRORS and attempt == 1:
                token = self.token(stale=token)
                continue
            raise api_error(errcode, str(data.get("errmsg", "")), path)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self.http.close()
