"""CrmCustomerData.mentions / rep_mentions remember a text's directory scan for the index it was made on: the same
hits as the directory's own look-up, a fresh list per caller, and a scan made again once the directory's index is
replaced (a reload)."""

from __future__ import annotations

import pytest

from tests.crm.conftest import MakeCrm

TEXTS = ("C1001 的订单", "张经理好，上次那个合同", "帮我查下 C1002 和 C1003", "王某的客户都有谁", "随便问问")


@pytest.mark.parametrize("crm_url", ["sqlite"], indirect=True)
def test_remembered_scans_equal_the_directory_lookup(make_crm: MakeCrm) -> None:
    crm = make_crm()
    directory = crm._customer_directory()
    for text in TEXTS * 2:  # the second round is served from memory
        assert crm.mentions(text) == directory.lookup(text)
        assert crm.rep_mentions(text) == directory.reps_named(text)
    assert any(crm.mentions(t) for t in TEXTS)  # the texts name someone: the check above compared real hits
    first = crm.mentions(TEXTS[0])
    first.clear()  # a caller's list is its own
    assert crm.mentions(TEXTS[0]) == directory.lookup(TEXTS[0]) != []


@pytest.mark.parametrize("crm_url", ["sqlite"], indirect=True)
def test_a_new_index_is_scanned_again(make_crm: MakeCrm) -> None:
    crm = make_crm()
    directory = crm._customer_directory()
    before = crm.mentions(TEXTS[0])
    assert before
    old = directory._index
    directory._load()  # a reload replaces the index whole
    assert directory._index is not old
    calls: list[str] = []
    scan = directory._index.scan

    def counted(text: str):  # type: ignore[no-untyped-def]
        calls.append(text)
        return scan(text)

    directory._index.scan = counted  # type: ignore[method-assign]
    assert crm.mentions(TEXTS[0]) == before
    assert calls == [TEXTS[0]]
    assert crm.mentions(TEXTS[0]) == before
    assert calls == [TEXTS[0]]  # remembered for the new index


@pytest.mark.parametrize("crm_url", ["sqlite"], indirect=True)
def test_the_memo_keeps_no_message_text(make_crm: MakeCrm) -> None:
    """Messages reach the scan unmasked: the memo holds digests, so a phone number asked about is not kept."""
    crm = make_crm()
    asked = "13812345678 这个号是谁的客户"
    crm.mentions(asked)
    kept = crm._scans[1]
    assert kept and all(isinstance(k, bytes) and len(k) == 16 for k in kept)
    assert not any(b"13812345678" in k for k in kept) and asked not in kept  # type: ignore[comparison-overlap]
