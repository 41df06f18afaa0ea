"""EvidenceMemo gives each node exactly what `Evidence.model_validate` would, validating each state dict once."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from contract.evidence import Evidence, EvidenceKind, EvidenceMemo


def _state() -> list[dict[str, Any]]:
    return [
        Evidence(
            id=Evidence.make_id(EvidenceKind.CUSTOMER_FACT, "C1001", str(i)),
            kind=EvidenceKind.CUSTOMER_FACT,
            title="季度采购金额",
            content=f"创伤耗材 2026年第{i}季度采购金额 = {i * 1000:,.2f} 元",
            source_ids={"table": "erp_order_line", "row_key": f"C1001/{i}"},
            lineage={"sql": "SELECT 1", "params": {"customer_id": "C1001"}, "values": {"amount": i * 1000.0}},
        ).model_dump()
        for i in range(1, 5)
    ]


def test_same_objects_ids_and_hashes_as_plain_validation() -> None:
    state, memo = _state(), EvidenceMemo()
    first = memo.validate(state)
    again = memo.validate(state)
    plain = [Evidence.model_validate(d) for d in state]
    assert first == plain and again == plain
    assert all(a is b for a, b in zip(first, again, strict=True))  # validated once
    assert [e.content_hash for e in first] == [d["content_hash"] for d in state]


def test_a_replaced_value_or_a_new_dict_is_validated_again() -> None:
    state, memo = _state(), EvidenceMemo()
    before = memo.validate(state)
    state[0]["content"] = "改过的内容"
    state[1] = dict(state[1])
    after = memo.validate(state)
    assert after[0].content == "改过的内容" and after[0] is not before[0]
    assert after[1] == before[1] and after[1] is not before[1]
    assert after[2] is before[2]


def test_bad_dicts_still_fail_and_evidence_objects_pass_through() -> None:
    memo = EvidenceMemo()
    good = Evidence.model_validate(_state()[0])
    assert memo.validate([good])[0] is good
    with pytest.raises(ValidationError):
        memo.validate([{**good.model_dump(), "id": ""}])


def test_remembered_pairs_are_returned_until_a_dict_changes() -> None:
    """`remember` (the grounding node's reused customer evidence): a later validate of those dicts returns the
    remembered Evidence without validating; a dict edited since is validated again."""
    state = _state()
    validated = EvidenceMemo().validate(state)  # what another turn's memo built from these dicts
    memo = EvidenceMemo()
    memo.remember(state, validated)
    again = memo.validate(state)
    assert all(a is b for a, b in zip(again, validated, strict=True))
    state[1]["content"] = "改过的内容"
    after = memo.validate(state)
    assert after[1] is not validated[1] and after[1].content == "改过的内容"
    with pytest.raises(ValueError):
        memo.remember(state, validated[:1])  # pairs, or nothing


def test_a_key_added_or_removed_is_validated_again() -> None:
    """The memo compares a dict with the copy taken when it was validated: a key added since (refused: the model
    forbids extras) or removed (its default then) is no hit."""
    state, memo = _state(), EvidenceMemo()
    before = memo.validate(state)
    state[0]["extra_field"] = "x"
    with pytest.raises(ValidationError):
        memo.validate(state[:1])
    del state[1]["score"]
    after = memo.validate(state[1:3])
    assert after[0] is not before[1] and after[0] == before[1]  # validated again, the same evidence
    assert after[1] is before[2]
