"""Fixtures for the channel tests: the official vectors, a local fake of Tencent's API, apps with a real SqliteInbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from channels import SqliteInbox
from tests.channels.wecom_fakes import PROTOCOL, FakeTencent, make_amr


@pytest.fixture(scope="session")
def wecom_vectors() -> dict[str, dict[str, Any]]:
    data = json.loads((PROTOCOL / "crypto" / "wecom_vectors.json").read_text(encoding="utf-8"))
    return {v["id"]: v for v in data["vectors"]}


@pytest.fixture(scope="session")
def oa_vector() -> dict[str, Any]:
    return json.loads((PROTOCOL / "crypto" / "oa_vectors.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def amr_bytes() -> bytes:
    return make_amr(1.0, 440.0)


@pytest.fixture()
def tencent(amr_bytes: bytes) -> Iterator[FakeTencent]:
    with FakeTencent() as fake:
        fake.media["voice_media_1"] = (amr_bytes, "audio/amr", "语音.amr")
        yield fake


@pytest.fixture()
def inbox(tmp_path: Path) -> Iterator[SqliteInbox]:
    box = SqliteInbox(tmp_path / "inbox.sqlite")
    yield box
    box.close()
