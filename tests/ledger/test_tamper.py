"""Tamper evidence: every way of changing the stored rows behind the ledger's back is named by verify()."""

from __future__ import annotations

import json

import pytest

from contract import HumanDecision
from copilot.ledger import Ledger, open_ledger
from copilot.ledger.canonical import chain_digest, payload_digest

from .conftest import INPUTS, REP_ZHANG, later, make_suggestion, raw


@pytest.fixture
def filled(ledger: Ledger) -> Ledger:
    """Five entries: three suggestions and two decisions."""
    sugs = [make_suggestion(created_at=later(i)) for i in range(3)]
    ledger.append_many([(s, INPUTS) for s in sugs])
    for s in sugs[:2]:
        ledger.record_decision(
            HumanDecision(suggestion_id=s.id, kind="accept", actor="rep_zhang", decided_at=later(5)),
            actor=REP_ZHANG,
        )
    assert ledger.verify().ok and ledger.verify().entries == 5
    return ledger


def entry_id(ledger: Ledger, seq: int) -> str:
    return next(e.id for e in ledger.find() if e.seq == seq)


def test_edited_payload_is_named(filled: Ledger) -> None:
    target = entry_id(filled, 2)
    raw(filled, "UPDATE ledger_entries SET payload = replace(payload, '3%', '8%') WHERE seq = 2")
    broken = filled.verify().first_broken
    assert broken is not None and (broken.seq, broken.id, broken.problem) == (2, target, "payload_hash")


def test_edited_payload_with_its_hash_recomputed_is_named(filled: Ledger) -> None:
    row = raw(filled, "SELECT payload FROM ledger_entries WHERE seq = 3").one()
    forged = row.payload.replace("rep_zhang", "rep_li")
    raw(
        filled,
        "UPDATE ledger_entries SET payload = :p, payload_hash = :h WHERE seq = 3",
        p=forged,
        h=payload_digest(forged),
    )
    broken = filled.verify().first_broken
    assert broken is not None and (broken.seq, broken.problem) == (3, "entry_hash")


def test_edited_indexed_column_is_named(filled: Ledger) -> None:
    raw(filled, "UPDATE ledger_entries SET decision = 'reject', reason_code = 'tone' WHERE seq = 4")
    broken = filled.verify().first_broken
    assert broken is not None and (broken.seq, broken.problem) == (4, "entry_hash")
    assert broken.expected != broken.found


def test_deleted_entry_is_named(filled: Ledger) -> None:
    after = entry_id(filled, 3)
    raw(filled, "DELETE FROM ledger_entries WHERE seq = 2")
    broken = filled.verify().first_broken
    assert broken is not None and (broken.seq, broken.id, broken.problem) == (3, after, "seq_gap")
    assert broken.expected == "2"


def test_deleted_tail_is_named(filled: Ledger) -> None:
    raw(filled, "DELETE FROM ledger_entries WHERE seq = 5")
    broken = filled.verify().first_broken
    assert broken is not None and broken.problem == "head"


def test_reordered_entries_are_named(filled: Ledger) -> None:
    raw(filled, "UPDATE ledger_entries SET seq = -1 WHERE seq = 2")
    raw(filled, "UPDATE ledger_entries SET seq = 2 WHERE seq = 3")
    raw(filled, "UPDATE ledger_entries SET seq = 3 WHERE seq = -1")
    broken = filled.verify().first_broken
    assert broken is not None and broken.seq == 2 and broken.problem in ("prev_hash", "entry_hash")


def test_swapped_payloads_are_named(filled: Ledger) -> None:
    a = raw(filled, "SELECT payload, payload_hash FROM ledger_entries WHERE seq = 1").one()
    b = raw(filled, "SELECT payload, payload_hash FROM ledger_entries WHERE seq = 2").one()
    raw(filled, "UPDATE ledger_entries SET payload = :p WHERE seq = 1", p=b.payload)
    raw(filled, "UPDATE ledger_entries SET payload = :p WHERE seq = 2", p=a.payload)
    broken = filled.verify().first_broken
    assert broken is not None and (broken.seq, broken.problem) == (1, "payload_hash")


def rewrite_chain_from(ledger: Ledger, seq: int, *, rep: str) -> None:
    """The strongest attacker without the key: edit an entry and re-hash everything after it, head included."""
    rows = raw(ledger, "SELECT * FROM ledger_entries ORDER BY seq").mappings().all()
    prev = rows[seq - 2]["entry_hash"] if seq > 1 else "sha256:" + "0" * 64
    for row in rows[seq - 1 :]:
        row = dict(row)
        if row["seq"] == seq:
            payload = json.loads(row["payload"])
            payload["suggestion"]["rep_ref"] = rep
            row["payload"] = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            row["payload_hash"] = payload_digest(row["payload"])
            row["rep_ref"] = rep
        row["prev_hash"], row["entry_hash"] = prev, chain_digest(prev, row)
        prev = row["entry_hash"]
        raw(ledger, "UPDATE ledger_entries SET payload=:payload, payload_hash=:payload_hash, rep_ref=:rep_ref, "
            "prev_hash=:prev_hash, entry_hash=:entry_hash WHERE seq=:seq", **row)  # fmt: skip
    raw(ledger, "UPDATE ledger_head SET entry_hash = :h", h=prev)


def test_a_full_rewrite_passes_the_chain_but_not_a_signed_checkpoint(filled: Ledger) -> None:
    mark = filled.checkpoint()
    assert mark.seq == 5 and mark.signature.startswith("hmac-sha256:")
    assert filled.verify().checkpoints_checked == 1
    rewrite_chain_from(filled, 2, rep="rep_li")
    broken = filled.verify().first_broken
    assert broken is not None and (broken.seq, broken.problem) == (5, "checkpoint")


def test_a_forged_checkpoint_fails_its_signature(filled: Ledger) -> None:
    filled.checkpoint()
    rewrite_chain_from(filled, 2, rep="rep_li")
    head = raw(filled, "SELECT entry_hash FROM ledger_head").scalar_one()
    raw(
        filled, "UPDATE ledger_checkpoints SET entry_hash = :h", h=head
    )  # attacker lacks the key for the signature
    broken = filled.verify().first_broken
    assert broken is not None and broken.problem == "checkpoint" and "signature" in broken.detail


def test_checkpoints_need_a_key(ledger_url: str) -> None:
    from contract import UserError

    keyless = open_ledger(ledger_url)
    keyless.record_suggestion(make_suggestion(), inputs={})
    with pytest.raises(UserError):
        keyless.checkpoint()
    keyless.engine.dispose()


def test_payload_dropped_outside_retention_is_named(filled: Ledger) -> None:
    raw(filled, "UPDATE ledger_entries SET payload = NULL WHERE seq = 2")
    broken = filled.verify().first_broken
    assert broken is not None and (broken.seq, broken.problem) == (2, "unrecorded_redaction")


def test_verify_report_reads_as_one_line(filled: Ledger) -> None:
    assert filled.verify().summary().startswith("ok: 5 entries")
    raw(filled, "DELETE FROM ledger_entries WHERE seq = 4")
    assert filled.verify().summary().startswith("BROKEN at seq 5 (entry ")
