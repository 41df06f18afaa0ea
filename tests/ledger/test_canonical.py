"""The canonical bytes the chain covers do not depend on which JSON library wrote them."""

from __future__ import annotations

import json

import pytest

from contract import InputError
from copilot.ledger import entries as build
from copilot.ledger.canonical import (
    HEADER_FIELDS,
    canonical_json,
    chain_digest,
    chain_digest_values,
    header_json,
)

from .conftest import make_suggestion

NASTY = "".join(chr(i) for i in range(0x80)) + "\u2028\u2029返点协议“V3.2”\U0001f600\\/"


def test_header_bytes_equal_the_stdlib_canonical_form() -> None:
    row = {name: NASTY if name not in ("seq", "time_to_decision_ms") else 2**40 for name in HEADER_FIELDS}
    stdlib = json.dumps({**row, "v": 1}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert header_json(row) == stdlib
    assert "返点" in stdlib and "\\u8fd4" not in stdlib  # UTF-8, not escapes


def test_tuple_fast_path_matches_the_mapping_path() -> None:
    row, _ = build.suggestion_row(make_suggestion(), {"text": "你好"})
    row.update(seq=7, recorded_at="2026-09-15T02:00:00.000000Z")
    values = tuple(row[name] for name in HEADER_FIELDS)
    assert chain_digest_values("sha256:" + "a" * 64, values) == chain_digest("sha256:" + "a" * 64, row)


def test_non_json_inputs_are_refused_before_anything_is_written() -> None:
    from datetime import datetime

    with pytest.raises(InputError):
        build.suggestion_row(make_suggestion(), {"when": datetime(2026, 1, 1)})
    assert canonical_json({"b": 1, "a": [1.5, None, True]}) == '{"a":[1.5,null,true],"b":1}'
