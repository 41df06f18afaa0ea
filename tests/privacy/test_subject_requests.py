"""Subject requests on a real SQLite ledger fed by the real graph: the voice case of issue 21 (a mobile read out in
spoken digits, a resident ID in plain digits) leaves neither in the ledger; export lists what the ledger holds about
the customer; erase clears it across the ledger, the checkpoints and the vault while `ledger verify` stays green."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents import AgentDeps, Copilot, ModeSettings, TenantConfig, make_checkpointer
from contract.messages import InboundMessage, TextPart, VoicePart
from contract.ports import Actor
from copilot.ledger import open_ledger
from copilot.privacy.canary import normalise_haystack
from copilot.privacy.checkpoint_mask import mask_checkpoints
from copilot.privacy.subject import erase_subject, export_subject
from guardrails.pii import MemoryVault, RuleMasker
from tests.agents.agent_helpers import TENANT_DIR
from tests.agents.agent_ports import (
    AuthorityRails,
    HashingEmbedder,
    KeywordInjection,
    KeywordPolicy,
    NumbersGrounding,
    TinyCrm,
)

# Our own fixture values (not the issue's): mobile 15927630814 read as 幺五九二七六三零八幺四, ID 44030519880721105X.
MOBILE, RESIDENT_ID = "15927630814", "44030519880721105X"
TRANSCRIPT = (
    f"喂，你好，我想问下返点政策。手机号幺五九二七六三零八幺四……要不要我报一下身份证号？{RESIDENT_ID}"
)
REP = Actor(id="rep_zhang", role="rep")


def _leaks(text: str) -> list[str]:
    flat = normalise_haystack(text).upper()
    return [v for v in (MOBILE, RESIDENT_ID) if v in flat]


@pytest.fixture
def stack(tmp_path: Path):
    ledger = open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    vault = MemoryVault()
    masker = RuleMasker(vault)
    deps = AgentDeps(
        policy=KeywordPolicy(),
        customers=TinyCrm(),
        pii=masker,
        injection=KeywordInjection(),
        grounding=NumbersGrounding(),
        rails=AuthorityRails(),
        ledger=ledger,
        tenant=TenantConfig.load(TENANT_DIR),
        embedder=HashingEmbedder(),
        settings=ModeSettings(
            use_llm=False, checkpoint_durability="sync"
        ),  # sync: the input is checkpointed too
    )
    saver = mask_checkpoints(make_checkpointer("sqlite", sqlite_path=tmp_path / "checkpoints.sqlite"), masker)
    copilot = Copilot(deps, saver)
    yield copilot, ledger, saver, vault, tmp_path
    ledger.close()


def _call(copilot: Copilot, mid: str, parts: list) -> None:
    msg = InboundMessage(tenant="demo",
        channel="voice", conversation_id="call-21", message_id=mid, customer_ref="C1001", rep_ref="rep_zhang",
        parts=parts,
    )  # fmt: skip
    assert copilot.handle(msg, REP) is not None


def test_voice_call_with_spoken_mobile_and_plain_id_leaves_neither_in_ledger_or_checkpoints(stack) -> None:
    copilot, ledger, saver, vault, tmp_path = stack
    _call(copilot, "v1", [VoicePart(transcript=TRANSCRIPT, format="pcm16")])
    entries = ledger.find(customer="C1001")
    assert entries
    payload = json.dumps([e.payload for e in entries], ensure_ascii=False)
    assert _leaks(payload) == []
    assert "<CN_MOBILE_1>" in payload and "<CN_RESIDENT_ID_1>" in payload  # masked, not dropped
    suggestion = entries[0].payload["suggestion"]
    assert "pii_masked" in suggestion["flags"]
    transcript_evidence = [e["content"] for e in suggestion["evidence"] if e["title"] == "语音转写"]
    assert transcript_evidence and "<CN_MOBILE_1>" in transcript_evidence[0]
    saver.conn.commit()
    on_disk = b"".join(p.read_bytes() for p in tmp_path.glob("checkpoints.sqlite*"))
    assert _leaks(on_disk.decode("utf-8", errors="ignore")) == []
    # the raw values are in the vault only, for the rep's screen
    assert sorted(vault.values("demo:call-21").values()) == sorted([MOBILE, RESIDENT_ID])


def test_export_then_erase_keeps_the_chain_verifiable(stack) -> None:
    copilot, ledger, saver, vault, _ = stack
    _call(copilot, "v1", [VoicePart(transcript=TRANSCRIPT, format="pcm16")])
    _call(copilot, "t2", [TextPart(text="另外这个型号的返点政策能再发一遍吗？")])
    exported = export_subject(ledger, "C1001")
    assert exported["counts"]["entries"] == len(ledger.find(customer="C1001")) >= 2
    assert exported["conversations"] == ["call-21"] and _leaks(json.dumps(exported, ensure_ascii=False)) == []

    report = erase_subject(ledger, "C1001", checkpointer=saver, vault=vault)
    assert report.ledger_entries_redacted == exported["counts"]["entries"]
    assert report.ledger_verify_ok and ledger.verify().ok
    assert report.checkpoint_threads_deleted == 1 and report.vault_keys_dropped == 1
    assert all(e.payload is None and e.redacted_at for e in ledger.find(customer="C1001"))
    erasure = ledger.find(kind="redaction")[-1]
    assert erasure.reason_code == "subject_erasure" and "C1001" not in json.dumps(erasure.payload)
    assert saver.get_tuple({"configurable": {"thread_id": "demo:call-21"}}) is None
    assert vault.values("demo:call-21") == {}
    after = export_subject(ledger, "C1001")
    assert after["counts"]["redacted"] == after["counts"]["entries"]
    # the same request again: nothing left to clear, still verifiable
    assert erase_subject(ledger, "C1001").ledger_entries_redacted == 0 and ledger.verify().ok


def test_erasing_an_unknown_customer_is_a_clear_error(stack) -> None:
    from contract.errors import InputError, NotFound

    _, ledger, *_ = stack
    with pytest.raises(NotFound):
        erase_subject(ledger, "C9999")
    with pytest.raises(InputError):
        export_subject(ledger, "  ")


def test_cli_export_and_erase(stack, monkeypatch: pytest.MonkeyPatch) -> None:
    from copilot.cli.main import app
    from copilot.settings import get_settings

    copilot, ledger, *_rest, tmp_path = stack
    _call(copilot, "v1", [VoicePart(transcript=TRANSCRIPT, format="pcm16")])
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    runner = CliRunner()
    out = tmp_path / "subject.json"
    res = runner.invoke(app, ["privacy", "export", "--customer", "C1001", "--url", url, "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text(encoding="utf-8"))["counts"]["entries"] >= 1
    refused = runner.invoke(app, ["privacy", "erase", "--customer", "C1001", "--url", url])
    assert refused.exit_code == 2 and "--yes" in refused.output
    res = runner.invoke(app, ["privacy", "erase", "--customer", "C1001", "--url", url, "--yes"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["ledger_verify_ok"] is True
    res = runner.invoke(app, ["ledger", "--url", url, "verify"])
    assert res.exit_code == 0 and res.output.startswith("ok")
    get_settings.cache_clear()


def test_a_reps_edited_reply_is_masked_in_the_ledger(stack) -> None:
    from contract.decisions import DecisionKind, HumanDecision

    copilot, ledger, *_ = stack
    _call(copilot, "v1", [VoicePart(transcript=TRANSCRIPT, format="pcm16")])
    suggestion = ledger.find(customer="C1001", kind="suggestion")[0]
    decision = HumanDecision(
        suggestion_id=suggestion.suggestion_id,
        kind=DecisionKind.EDIT,
        actor="rep_zhang",
        final_text=f"好的，已记录您的手机 {MOBILE}，稍后回电。",
    )
    copilot.decide(decision, REP, conversation_id="call-21", tenant="demo")
    recorded = ledger.find(customer="C1001", kind="decision")[0].payload
    assert _leaks(json.dumps(recorded, ensure_ascii=False)) == []
    assert "<CN_MOBILE_1>" in json.dumps(recorded, ensure_ascii=False)  # the same token as in the transcript
