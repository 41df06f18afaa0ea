"""Review of d7547a8 (NIT): a Redis error in the call claims (the gateway's replay check in POST /v1/calls, a socket's
claim) surfaced as a 500; it is a BackendUnavailable (503, claims_unavailable) like the API's other backend outages."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from contract import BackendUnavailable
from copilot.calls import RedisClaims


class _Down:
    def register_script(self, _source: str) -> Any:
        def run(**_kw: Any) -> Any:
            raise redis.ConnectionError("Connection refused")

        return run

    def set(self, *_a: Any, **_kw: Any) -> Any:
        raise redis.ConnectionError("Connection refused")


def test_a_redis_outage_is_a_backend_unavailable() -> None:
    claims = RedisClaims(_Down())
    for call in (
        lambda: claims.claim("gateway-signature:x", "accepted", 60),
        lambda: claims.refresh("socket:t:c", "o", 30),
        lambda: claims.release("socket:t:c", "o"),
    ):
        with pytest.raises(BackendUnavailable) as caught:
            call()
        assert caught.value.reason == "claims_unavailable"
        assert caught.value.http_status == 503
