"""The worker's run keeps its reads of the Redis PII vault (guardrails.pii.vault.reads_kept): masking reads a
conversation's carried names several times per message, one Redis round trip each before. Inside the scope a
(vault key, entity) is read once, a token_for or forget on the key makes the next read go to Redis again, and the
masked texts are the same as without the scope."""

from __future__ import annotations

from typing import Any

import pytest

from guardrails.pii import RedisVault, RuleMasker
from guardrails.pii.vault import reads_kept

SECRET = "test-vault-key-32-bytes-long-rdks"

pytestmark = pytest.mark.redis


def counted(vault: RedisVault) -> list[str]:
    """The Redis reads (HGETALL) the vault makes, by key."""
    calls: list[str] = []
    inner: Any = vault._r
    original = inner.hgetall

    def hgetall(key: str) -> Any:
        calls.append(key)
        return original(key)

    inner.hgetall = hgetall
    return calls


def test_one_read_per_key_and_entity_inside_the_scope(redis_url: str) -> None:
    vault = RedisVault(redis_url, secret=SECRET, prefix="t:kept1")
    vault.token_for("conv-a", "CN_MOBILE", "13812345678")
    calls = counted(vault)
    with reads_kept():
        first = vault.values("conv-a")
        again = vault.values("conv-a")
        mobiles = vault.values("conv-a", entity="CN_MOBILE")
        mobiles_again = vault.values("conv-a", entity="CN_MOBILE")
    assert first == again == mobiles == mobiles_again == {"<CN_MOBILE_1>": "13812345678"}
    assert len(calls) == 2  # one per (key, entity)
    first["<CN_MOBILE_1>"] = "changed by the caller"  # a copy: the kept read is not the caller's dict
    with reads_kept():
        assert vault.values("conv-a") == {"<CN_MOBILE_1>": "13812345678"}
    vault.values("conv-a")
    vault.values("conv-a")
    assert len(calls) == 5  # outside a scope every read goes to Redis, as before


def test_a_new_token_is_read_again(redis_url: str) -> None:
    vault = RedisVault(redis_url, secret=SECRET, prefix="t:kept2")
    calls = counted(vault)
    with reads_kept():
        assert vault.values("conv-b") == {}
        vault.token_for("conv-b", "CN_MOBILE", "13912345678")
        assert vault.values("conv-b") == {"<CN_MOBILE_1>": "13912345678"}
        assert vault.values("conv-other") == {}
        vault.token_for("conv-other", "CN_MOBILE", "13700000000")  # another key's write keeps conv-b's read
        assert vault.values("conv-b") == {"<CN_MOBILE_1>": "13912345678"}
        vault.forget("conv-b")
        assert vault.values("conv-b") == {}
    assert calls.count("t:kept2:conv-b:tokens") == 3


def test_masking_is_the_same_with_the_reads_kept(redis_url: str) -> None:
    """A conversation's turns masked inside the scope (as the worker runs them) and outside it, in two vaults: the
    same texts and tokens, names carried from an earlier turn included."""
    turns = [
        "我是车主张晓东，手机13812345678",
        "张晓东的车什么时候能修好？另一个号码13912345678",
        "还是打13812345678找张晓东",
    ]
    plain = RuleMasker(RedisVault(redis_url, secret=SECRET, prefix="t:kept3a"))
    kept_vault = RedisVault(redis_url, secret=SECRET, prefix="t:kept3b")
    kept = RuleMasker(kept_vault)
    calls = counted(kept_vault)
    expected = [plain.mask(t, vault_key="conv-c").text for t in turns]
    got = []
    for t in turns:
        with reads_kept():  # one run per message
            got += [kept.mask(t, vault_key="conv-c").text]
            assert kept.mask(t, vault_key="conv-c").text == got[-1]  # masked again in the run: the same
    assert got == expected
    assert "<CN_MOBILE_1>" in got[0] and "13812345678" not in "".join(got)
    assert calls  # the scope still reads Redis
