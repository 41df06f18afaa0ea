"""`media/get` download, our own (wechatpy's is a bare requests.get: no timeout, no errcode check, token in logs).
WeCom answers errors as HTTP 200 JSON, so we look at Content-Type (and sniff small bodies) before calling it audio."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import unquote

import httpx

from channels.api.client import TOKEN_ERRORS, WeComApi, api_error
from contract.errors import BackendUnavailable, InputError

MAX_MEDIA_BYTES = 20 * 1024 * 1024  # WeCom's own limit for files
_FILENAME = re.compile(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)\"?", re.IGNORECASE)


@dataclass(frozen=True)
class MediaFile:
    content: bytes
    content_type: str
    filename: str = ""


def _filename(disposition: str) -> str:
    match = _FILENAME.search(disposition or "")
    return unquote(match.group(1)) if match else ""


def _error_body(content_type: str, body: bytes) -> dict[str, object] | None:
    """The parsed JSON error if this is one (by Content-Type, or a small body that parses with an errcode)."""
    looks_json = "json" in content_type or content_type.startswith("text/")
    if not looks_json and (len(body) > 512 or not body.lstrip().startswith(b"{")):
        return None
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None if not looks_json else {"errcode": -2, "errmsg": "unparsable error body"}
    return data if isinstance(data, dict) and "errcode" in data else None


class WeComMediaStore:
    """Implements contract.ports.MediaStore: `fetch(media_id) -> bytes` (NotFound / BackendUnavailable)."""

    def __init__(self, api: WeComApi, *, max_bytes: int = MAX_MEDIA_BYTES) -> None:
        self.api = api
        self.max_bytes = max_bytes

    def _get(self, media_id: str, token: str) -> tuple[MediaFile | None, dict[str, object] | None]:
        params = {"access_token": token, "media_id": media_id}
        try:
            with self.api.http.stream("GET", "/cgi-bin/media/get", params=params) as response:
                if response.status_code >= 500:
                    raise BackendUnavailable(
                        f"media/get answered HTTP {response.status_code}", reason="wecom_down"
                    )
                length = response.headers.get("content-length") or "0"
                declared = int(length) if length.isdigit() else 0
                if declared > self.max_bytes:
                    raise InputError(
                        f"media of {declared} bytes exceeds {self.max_bytes}", reason="media_too_large"
                    )
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise InputError(f"media exceeds {self.max_bytes} bytes", reason="media_too_large")
                content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                disposition = response.headers.get("content-disposition", "")
        except httpx.HTTPError as exc:
            raise BackendUnavailable(
                f"media/get unreachable: {type(exc).__name__}", reason="wecom_down"
            ) from exc
        error = _error_body(content_type, bytes(body))
        if error is not None:
            return None, error
        return MediaFile(bytes(body), content_type, _filename(disposition)), None

    def download(self, media_id: str) -> MediaFile:
        if not media_id:
            raise InputError("empty media_id", reason="no_media_id")
        token = self.api.token()
        for attempt in (1, 2):
            media, error = self._get(media_id, token)
            if media is not None:
                return media
            assert error is not None
            errcode = int(str(error.get("errcode", -2)))
            if errcode in TOKEN_ERRORS and attempt == 1:
                token = self.api.token(stale=token)
                continue
            raise api_error(errcode, str(error.get("errmsg", "")), "/cgi-bin/media/get")
        raise AssertionError("unreachable")  # pragma: no cover

    def fetch(self, media_ref: str) -> bytes:
        return self.download(media_ref).content
