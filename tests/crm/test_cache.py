"""The optional Redis cache of customer 360s (real redis-server): entries carry the TTL, access control still runs on a
hit, and a Redis outage reads through to the CRM."""

from __future__ import annotations

import pytest
import redis
import sqlalchemy as sa

from contract.errors import AccessDenied
from contract.ports import Actor
from knowledge.crm.cache import RedisCache
from tests.crm.conftest import TODAY, MakeCrm

pytestmark = pytest.mark.redis
ADMIN = Actor(id="admin_zhou", role="admin")


@pytest.fixture
def crm_url(sqlite_crm_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A private copy: these tests change a row behind the cache's back."""
    from knowledge.crm import build_demo_crm
    from tests.crm.conftest import TODAY

    url = f"sqlite:///{tmp_path_factory.mktemp('crm_cache') / 'crm.sqlite'}"
    build_demo_crm(url, today=TODAY)
    return url


def test_hit_within_ttl_then_fresh_after_expiry(make_crm: MakeCrm, crm_url: str, redis_url: str) -> None:
    cd = make_crm(redis_url=redis_url, cache_ttl_s=30)
    assert cd.cache is not None
    cd.cache.clear()
    assert cd.customer_360("C1001", ADMIN).tier == "A"
    ttl = redis.Redis.from_url(redis_url).ttl(cd.cache.key(f"{TODAY.isoformat()}:C1001"))
    assert 0 < ttl <= 30  # never staler than the TTL: Redis drops the entry itself

    engine = sa.create_engine(crm_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE crm_customer SET grade = 'B' WHERE cust_no = 'C1001'"))
    engine.dispose()
    assert cd.customer_360("C1001", ADMIN).tier == "A"  # served from cache within the TTL
    redis.Redis.from_url(redis_url).delete(cd.cache.key(f"{TODAY.isoformat()}:C1001"))  # what expiry does
    assert cd.customer_360("C1001", ADMIN).tier == "B"


def test_access_control_runs_on_cache_hits(make_crm: MakeCrm, redis_url: str) -> None:
    cd = make_crm(redis_url=redis_url, cache_ttl_s=30)
    cached = cd.customer_360("C1003", ADMIN)
    with pytest.raises(AccessDenied):
        cd.customer_360("C1003", Actor(id="rep_zhang", role="rep"))
    assert cd.customer_360("C1003", Actor(id="rep_li", role="rep")).signals == cached.signals


def test_redis_down_reads_through(make_crm: MakeCrm) -> None:
    cd = make_crm()
    cd.cache = RedisCache("redis://127.0.0.1:1/0", 30)  # nothing listens on port 1
    assert cd.customer_360("C1001", ADMIN).customer_id == "C1001"


def test_no_cache_without_redis_url(make_crm: MakeCrm) -> None:
    assert make_crm(cache_ttl_s=30).cache is None
