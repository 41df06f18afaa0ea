"""B4 (review session 10): a conversation's earlier names are matched by their own small pattern; the CRM name list
is compiled once, never again per turn. Counted, not timed (speed is measured in the benchmarks)."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pytest

import guardrails.pii.masker as masker_module
from guardrails.pii.masker import RuleMasker
from guardrails.pii.vault import MemoryVault

_SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞"


def _crm_names(n: int) -> list[str]:
    out = []
    for i in range(n):
        a, b = divmod(i, len(_GIVEN))
        c, d = divmod(a, len(_GIVEN))
        out.append(_SURNAMES[c % len(_SURNAMES)] + _GIVEN[d] + _GIVEN[b])
    return out


def test_later_turns_do_not_recompile_the_crm_names(monkeypatch: pytest.MonkeyPatch) -> None:
    crm = _crm_names(20_000)
    assert len(set(crm)) > 19_000
    masker = RuleMasker(MemoryVault(), known_names=crm)
    sizes: list[int] = []
    real = masker_module.compile_names

    def counting(names: Iterable[str]) -> re.Pattern[str] | None:
        kept = list(names)
        sizes.append(len(kept))
        return real(kept)

    monkeypatch.setattr(masker_module, "compile_names", counting)
    key = "demo:c-b4"
    first = masker.mask("持卡人：欧阳震华，定金请退回", vault_key=key)
    assert any(s.entity == "PERSON" for s in first.spans)
    for turn in (
        "欧阳震华说下周来提车",
        "欧阳震华还没到",
        "欧阳震华和" + crm[123] + "一起来",
        "欧阳震华到了",
    ):
        out = masker.mask(turn, vault_key=key)
        assert "欧阳震华" not in out.text  # the conversation's name, masked in later turns
        assert crm[123] not in out.text  # the CRM's names still found
    assert sizes, "the conversation's name is compiled into its own pattern"
    assert max(sizes) <= 3  # never the 20k CRM list again
    # cached: each set of names is compiled once ({欧阳震华}, then {欧阳震华, the CRM name the vault now holds})
    assert sizes == [1, 2]


def test_the_same_spans_as_one_alternation() -> None:
    """The two patterns find what one combined alternation found: the longer name wins an overlap."""
    masker = RuleMasker(MemoryVault(), known_names=["王小明", "欧阳明"])
    out = masker.mask("欧阳明月和王小明都来了", names=["欧阳明月"])
    masked = [s for s in out.spans if s.entity == "PERSON"]
    assert [("欧阳明月和王小明都来了"[s.start : s.end]) for s in masked] == ["欧阳明月", "王小明"]


def test_business_card_names_are_cached_too(monkeypatch: pytest.MonkeyPatch) -> None:
    masker = RuleMasker(MemoryVault(), known_names=_crm_names(2_000))
    calls: list[int] = []
    real = masker_module.compile_names

    def counting(names: Iterable[str]) -> re.Pattern[str] | None:
        kept = list(names)
        calls.append(len(kept))
        return real(kept)

    monkeypatch.setattr(masker_module, "compile_names", counting)
    for _ in range(3):
        out = masker.mask("请联系司马相如确认", names=["司马相如"])
        assert "司马相如" not in out.text
    assert calls == [1]


def test_vault_values_filter_by_entity() -> None:
    vault = MemoryVault()
    vault.token_for("k", "PERSON", "张晓东")
    vault.token_for("k", "CN_MOBILE", "13812345678")
    assert vault.values("k", entity="PERSON") == {"<PERSON_1>": "张晓东"}
    assert len(vault.values("k")) == 2
