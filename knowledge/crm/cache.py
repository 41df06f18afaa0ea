"""An optional short cache of customer 360s in Redis. Entries expire after the TTL (Redis SET EX), so a cached 360 is
never older than the TTL; access control runs on every read, cached or not."""

from __future__ import annotations

import json
import logging
from typing import Any

from contract.errors import UserError

log = logging.getLogger(__name__)


class RedisCache:
    def __init__(self, url: str, ttl_s: int, *, namespace: str = "crm360") -> None:
        if ttl_s <= 0:
            raise UserError("crm cache TTL must be > 0 s when a cache is configured", reason="crm_config")
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.ttl_s = ttl_s
        self.namespace = namespace

    def key(self, customer_id: str) -> str:
        return f"{self.namespace}:{customer_id}"

    def get(self, customer_id: str) -> dict[str, Any] | None:
        """A cache outage is not a CRM outage: on any Redis error, read through to the CRM."""
        try:
            raw = self.client.get(self.key(customer_id))
        except Exception as e:  # redis.RedisError and socket errors alike
            log.warning("CRM cache read failed, reading through: %s", e)
            return None
        return None if raw is None else json.loads(raw)  # type: ignore[arg-type]

    def put(self, customer_id: str, value: dict[str, Any]) -> None:
        try:
            self.client.set(
                self.key(customer_id), json.dumps(value, ensure_ascii=False, default=str), ex=self.ttl_s
            )
        except Exception as e:
            log.warning("CRM cache write failed: %s", e)

    def clear(self) -> None:
        for key in self.client.scan_iter(f"{self.namespace}:*"):
            self.client.delete(key)
