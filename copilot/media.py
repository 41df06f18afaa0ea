"""Media stores behind `contract.ports.MediaStore`: local files (demo, archive imports, REST uploads) and, composed in
front of them, Tencent's media API for WeCom / 微信客服 media ids."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from contract import InputError, NotFound

MAX_MEDIA_BYTES = 20 * 1024 * 1024  # WeCom caps media at 20 MB; anything bigger is refused before it is read


class _Fetch(Protocol):
    def fetch(self, media_ref: str) -> bytes: ...


class LocalMediaStore:
    """Files under one root, addressed as `file:<relative path>`; never escapes the root."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def fetch(self, media_ref: str) -> bytes:
        rel = media_ref.removeprefix("file:")
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root):
            raise InputError(f"media path {rel!r} escapes the media root", reason="bad_media_ref")
        if not path.is_file():
            raise NotFound(f"media {rel!r} not found", reason="media_not_found")
        if path.stat().st_size > MAX_MEDIA_BYTES:
            raise InputError(f"media {rel!r} exceeds {MAX_MEDIA_BYTES} bytes", reason="media_too_large")
        return path.read_bytes()


class RoutingMediaStore:
    """`file:` refs go to local files; everything else (a Tencent media_id) to the channel's media client."""

    def __init__(self, local: LocalMediaStore, remote: _Fetch | None = None) -> None:
        self.local, self.remote = local, remote

    def fetch(self, media_ref: str) -> bytes:
        if media_ref.startswith("file:") or self.remote is None:
            return self.local.fetch(media_ref)
        return self.remote.fetch(media_ref)
