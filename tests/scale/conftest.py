"""The scale-out stack for the tests: real redis-server, PostgreSQL (the session cluster), Chroma server, one
`copilot serve` and two `copilot worker` processes, all in scale mode by environment settings alone (no LLM)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.scale.stack import Stack, post_kf_callback

__all__ = ["post_kf_callback"]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> Iterator[Stack]:
    root = Path(tmp_path_factory.mktemp("scale"))
    s = Stack(root, postgres_url, lease_s=3.0)
    try:
        s.prepare()
        s.api_url = s.start_api(1)
        s.start_worker("w1")
        s.start_worker("w2")
        yield s
    finally:
        s.close()


@pytest.fixture(scope="session")
def api(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.api_url, timeout=30) as client:
        yield client
