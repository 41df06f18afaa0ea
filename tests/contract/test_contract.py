"""The shared contract: one normalised message type, evidence, suggestions that must stay explainable, decisions."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from contract import (
    Action,
    Channel,
    Citation,
    DecisionKind,
    Draft,
    EmojiPart,
    Evidence,
    EvidenceKind,
    HumanDecision,
    ImagePart,
    InboundMessage,
    Intent,
    Suggestion,
    TextPart,
    VoicePart,
    content_hash,
)


def _msg(**kw: object) -> InboundMessage:
    base: dict[str, object] = {
        "tenant": "demo",
        "channel": Channel.WECOM_KF,
        "conversation_id": "wmAbc:kf001",
        "message_id": "msg-1",
        "customer_ref": "C1001",
        "parts": [TextPart(text="这个型号的代理商返点政策能再发一遍吗?")],
    }
    base.update(kw)
    return InboundMessage(**base)  # type: ignore[arg-type]


def test_message_round_trips_through_json_with_every_part_kind() -> None:
    msg = _msg(
        parts=[
            TextPart(text="你好"),
            EmojiPart(code="[捂脸]"),
            VoicePart(media_ref="media-1", format="amr", duration_ms=3200),
            ImagePart(media_ref="media-2"),
        ]
    )
    again = InboundMessage.model_validate_json(msg.model_dump_json())
    assert again == msg
    assert [p.kind for p in again.parts] == ["text", "emoji", "voice", "image"]
    assert again.dedupe_key == "demo:wecom_kf:msg-1"
    assert again.text() == "你好"


@pytest.mark.parametrize(
    "bad",
    [
        {"parts": []},
        {"parts": [TextPart(text="   ")]},
        {"customer_ref": ""},
        {"message_id": ""},
        {"tenant": ""},
    ],
)
def test_message_refuses_empty_or_anonymous_input(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        _msg(**bad)


def test_unknown_part_kind_is_refused() -> None:
    raw = _msg().model_dump(mode="json")
    raw["parts"] = [{"kind": "hologram", "data": "?"}]
    with pytest.raises(ValidationError, match="hologram|discriminator|kind"):
        InboundMessage.model_validate(raw)


def _clause() -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.POLICY_CLAUSE, "rebate-ortho", "3.2", "第四条"),
        kind=EvidenceKind.POLICY_CLAUSE,
        title="骨科耗材返点协议V3.2",
        content="年度采购额达到500万元的代理商，返点比例为3%。",
        source_ids={"doc_id": "rebate-ortho", "version": "3.2", "clause": "第四条"},
        version="3.2",
        score=0.91,
    )


def test_evidence_hash_is_tagged_and_ids_are_stable() -> None:
    ev = _clause()
    assert ev.content_hash == content_hash(ev.content)
    assert ev.content_hash.startswith("sha256:")
    assert ev.id == Evidence.make_id(EvidenceKind.POLICY_CLAUSE, "rebate-ortho", "3.2", "第四条")


def test_suggestion_must_cite_only_its_own_evidence() -> None:
    ev = _clause()
    ok = Suggestion(
        tenant="demo",
        conversation_id="c",
        message_id="m",
        customer_ref="C1001",
        intent=Intent(name="rebate_policy", confidence=0.9),
        actions=[Action(name="send_policy_document", evidence_ids=[ev.id])],
        draft=Draft(text="返点比例为3%[1]。", citations=[Citation(marker="1", evidence_id=ev.id)]),
        evidence=[ev],
    )
    assert ok.evidence_by_id()[ev.id].version == "3.2"
    with pytest.raises(ValidationError, match="no citation"):
        Suggestion(
            tenant="demo",
            conversation_id="c",
            message_id="m",
            customer_ref="C1001",
            intent=Intent(name="rebate_policy", confidence=0.9),
            draft=Draft(text="返点比例为3%[2]。", citations=[]),
            evidence=[ev],
        )
    with pytest.raises(ValidationError, match="unknown evidence"):
        Suggestion(
            tenant="demo",
            conversation_id="c",
            message_id="m",
            customer_ref="C1001",
            intent=Intent(name="rebate_policy", confidence=0.9),
            actions=[Action(name="push_campaign", evidence_ids=["signal:missing"])],
            evidence=[ev],
        )


def test_decisions_need_what_makes_them_auditable() -> None:
    assert HumanDecision(suggestion_id="s", kind=DecisionKind.ACCEPT, actor="rep_zhang").final_text is None
    with pytest.raises(ValidationError, match="final text"):
        HumanDecision(suggestion_id="s", kind=DecisionKind.EDIT, actor="rep_zhang", final_text=" ")
    with pytest.raises(ValidationError, match="reason_code"):
        HumanDecision(suggestion_id="s", kind=DecisionKind.REJECT, actor="rep_zhang")
    with pytest.raises(ValidationError, match="unknown reason_code"):
        HumanDecision(suggestion_id="s", kind=DecisionKind.REJECT, actor="rep_zhang", reason_code="meh")
    rejected = HumanDecision(
        suggestion_id="s",
        kind=DecisionKind.REJECT,
        actor="rep_zhang",
        reason_code="outdated_policy",
        reason_text="旧版",
    )
    assert rejected.reason_code == "outdated_policy"


def test_a_message_and_a_suggestion_must_say_whose_they_are() -> None:
    """No tenant is assumed: a message or suggestion built without one is refused (no `tenant="demo"` default)."""
    raw = _msg().model_dump(mode="json")
    del raw["tenant"]
    with pytest.raises(ValidationError, match="tenant"):
        InboundMessage.model_validate(raw)
    with pytest.raises(ValidationError, match="tenant"):
        Suggestion.model_validate({"conversation_id": "c", "message_id": "m", "customer_ref": "C1"})


def test_the_customer_never_receives_citation_markers() -> None:
    from contract.suggestions import customer_text

    assert customer_text("至2028年5月19日（《质保政策V1.0》第五条）[1][2]。有需要随时联系我。") == (
        "至2028年5月19日（《质保政策V1.0》第五条）。有需要随时联系我。"
    )
    assert customer_text("rate is 0% [1] [2]. Thanks") == "rate is 0%. Thanks"
    assert customer_text("第[一]条 [x] stays") == "第[一]条 [x] stays"  # only numeric markers are removed
