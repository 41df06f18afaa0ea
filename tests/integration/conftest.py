"""The demo tenant wired for real — Chroma directory, SQLite CRM and ledger, real offline embeddings, real guardrails —
built once per test session in a temp dir. No LLM here (extractive drafts); the LLM path has its own marked test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from copilot.settings import REPO_ROOT, Settings


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data = tmp_path_factory.mktemp("demo-data")
    return Settings(
        env="test",
        data_dir=data,
        model_cache_dir=REPO_ROOT / "var" / "models",
        llm={"backend": "none"},
    )


@pytest.fixture(scope="session")
def demo_services(demo_settings: Settings) -> Iterator[Any]:
    from rich.console import Console

    from copilot.demo import prepare

    services = prepare(demo_settings, use_llm=False, fresh=True, console=Console(quiet=True))
    yield services
    services.close()


@pytest.fixture(scope="session")
def tenant_dir(demo_settings: Settings) -> Path:
    return demo_settings.tenant_dir
