"""The real services the suite relies on actually start and answer."""

import pytest
import redis
import sqlalchemy as sa


@pytest.mark.redis
def test_redis_server_answers(redis_url: str) -> None:
    r = redis.Redis.from_url(redis_url)
    r.set("copilot:probe", "好")
    assert r.get("copilot:probe") == "好".encode()


@pytest.mark.postgres
def test_postgres_answers(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select 1 + 1")).scalar() == 2
