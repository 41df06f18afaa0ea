"""Retention keeps the chain verifiable; exports carry what an auditor and a spreadsheet need."""

from __future__ import annotations

import csv
import io
import json

import pytest

from contract import HumanDecision, InputError, NotFound
from copilot.ledger import Ledger
from copilot.ledger.canonical import chain_digest, payload_digest

from .conftest import INPUTS, REP_ZHANG, later, make_suggestion, raw


def _decide(ledger: Ledger, suggestion_id: str, minutes: float, **kw: object) -> None:
    fields = {"kind": "accept", **kw}
    ledger.record_decision(
        HumanDecision(suggestion_id=suggestion_id, actor="rep_zhang", decided_at=later(minutes), **fields),
        actor=REP_ZHANG,
    )


def test_redaction_removes_payloads_and_keeps_verify_green(ledger: Ledger) -> None:
    old, new = make_suggestion(created_at=later(0)), make_suggestion(created_at=later(24 * 60))
    ledger.append_many([(old, INPUTS), (new, INPUTS)])
    _decide(ledger, old.id, 5, kind="edit", final_text="改过的回复")
    before = [e.payload_hash for e in ledger.find()]

    assert ledger.redact(before=later(60)) == 2  # the old suggestion and its decision
    report = ledger.verify()
    assert report.ok and report.redacted == 2 and report.entries == 4
    old_entries = ledger.find(suggestion=old.id)
    assert all(e.payload is None and e.redacted_at for e in old_entries)
    assert [e.payload_hash for e in ledger.find()][:3] == before  # hashes survive the payloads
    assert ledger.get_suggestion(new.id) == new
    with pytest.raises(NotFound) as err:
        ledger.get_suggestion(old.id)
    assert err.value.reason == "redacted"
    redaction = ledger.find(kind="redaction")[0]
    assert redaction.payload["redacted_entries"] == 2
    assert ledger.redact(before=later(60)) == 0  # idempotent, no second entry
    assert len(ledger.find(kind="redaction")) == 1


def test_redacted_bytes_cannot_be_replaced(ledger: Ledger) -> None:
    s = make_suggestion()
    ledger.record_suggestion(s, inputs=INPUTS)
    ledger.redact(before=later(60))
    raw(ledger, "UPDATE ledger_entries SET payload = '{\"suggestion\":{}}' WHERE seq = 1")
    broken = ledger.verify().first_broken
    assert broken is not None and broken.problem == "payload_hash"


def test_jsonl_export_is_whole_and_re_verifiable_offline(ledger: Ledger) -> None:
    s = make_suggestion()
    ledger.record_suggestion(s, inputs=INPUTS)
    _decide(ledger, s.id, 1)
    out = io.StringIO()
    assert ledger.export(out, fmt="jsonl") == 2
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0]["payload"]["suggestion"]["draft"]["text"] == s.draft.text
    assert "返点" in out.getvalue()  # real UTF-8, no \u escapes
    prev = "sha256:" + "0" * 64
    for line in lines:  # an auditor needs nothing but the file to re-check the chain
        payload = json.dumps(line["payload"], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert payload_digest(payload) == line["payload_hash"]
        assert line["prev_hash"] == prev and chain_digest(prev, line) == line["entry_hash"]
        prev = line["entry_hash"]


def test_csv_export_has_flat_columns(ledger: Ledger) -> None:
    s = make_suggestion()
    ledger.record_suggestion(s, inputs=INPUTS)
    _decide(ledger, s.id, 1)
    ledger.record_suggestion(make_suggestion(customer="C1003", rep="rep_li"), inputs={})
    out = io.StringIO()
    assert ledger.export(out, fmt="csv", customer="C1001") == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["kind"] for r in rows] == ["suggestion", "decision"]
    assert rows[0]["actions"] == "push_campaign;send_policy_document"
    assert rows[0]["doc_ids"] == "rebate-ortho;spine-trial-incentive"
    assert rows[1]["final_text"] == s.draft.text and rows[1]["time_to_decision_ms"] == "60000"


def test_bad_export_format_and_filter_are_input_errors(ledger: Ledger) -> None:
    with pytest.raises(InputError):
        ledger.export(io.StringIO(), fmt="xml")
    with pytest.raises(InputError):
        ledger.find(colour="red")
