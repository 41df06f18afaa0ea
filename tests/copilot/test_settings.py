"""Settings: environment overrides, nested values, and refusal of placeholder secrets outside development."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from copilot.settings import Settings


def test_defaults_are_embedded(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path))
    s = Settings()
    assert s.ledger_url == f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    assert s.crm_database_url.startswith("sqlite:///")
    assert s.redis_url == "" and s.chroma_url == ""
    assert s.checkpointer == "sqlite"


def test_env_and_nested_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPILOT_LLM__BACKEND", "openai")
    monkeypatch.setenv("COPILOT_LLM__BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("COPILOT_REDIS_URL", "redis://127.0.0.1:6379/0")
    s = Settings()
    assert s.llm.backend == "openai"
    assert s.llm.base_url == "http://127.0.0.1:9/v1"
    assert s.redis_url.startswith("redis://")


def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPILOT_LLM__BACKEND", "gpt-everything")
    with pytest.raises(ValidationError, match="backend"):
        Settings()


def test_production_refuses_demo_keys_and_placeholders() -> None:
    with pytest.raises(ValidationError, match="DEV_API_KEYS"):
        Settings(env="production")
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(
            env="production", dev_api_keys=False, api_keys={"ab" * 32: "admin:a"}, wecom_token="changeme"
        )
    ok = Settings(
        env="production",
        dev_api_keys=False,
        api_keys={"ab" * 32: "admin:a"},
        wecom_token="Xq9-real-token-2f7",
    )
    assert ok.env == "production"


def test_production_refuses_the_dev_gateway_key_and_registers_no_call_without_one() -> None:
    from copilot.auth import GATEWAY_DEV_KEY, gateway_key

    prod = {"env": "production", "dev_api_keys": False, "api_keys": {"ab" * 32: "admin:a"}}
    with pytest.raises(ValidationError, match="CALL_GATEWAY_KEY is a placeholder"):
        Settings(**prod, call_gateway_key=GATEWAY_DEV_KEY)  # type: ignore[arg-type]
    assert gateway_key(Settings(**prod)) == b""  # type: ignore[arg-type]  # no key: every registration refused
    assert gateway_key(Settings(**prod, call_gateway_key="k-7f2c9e")) == b"k-7f2c9e"  # type: ignore[arg-type]
    assert gateway_key(Settings(env="development")) == GATEWAY_DEV_KEY.encode()
