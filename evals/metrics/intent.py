"""Intent accuracy, macro-F1 and abstain quality (abstaining = predicting the out-of-scope label)."""

from __future__ import annotations

from collections.abc import Sequence

ABSTAIN = "out_of_scope"


def _safe(num: float, den: float) -> float | None:
    return num / den if den else None


def macro_f1(gold: Sequence[str], pred: Sequence[str]) -> float | None:
    """Unweighted mean of per-label F1 over every label that occurs in gold or pred."""
    labels = sorted(set(gold) | set(pred))
    if not labels:
        return None
    f1s = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == label and p != label)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return sum(f1s) / len(f1s)


def intent_scores(
    gold: Sequence[str], pred: Sequence[str], abstain_label: str = ABSTAIN
) -> dict[str, float | None]:
    """accuracy, macro_f1, abstain_precision (of the abstentions, how many should have been), abstain_recall
    (of the out-of-scope cases, how many abstained) and in_scope_accuracy."""
    if len(gold) != len(pred):
        raise ValueError("gold and pred differ in length")
    n = len(gold)
    correct = sum(1 for g, p in zip(gold, pred, strict=True) if g == p)
    abstained = [g for g, p in zip(gold, pred, strict=True) if p == abstain_label]
    oos = [p for g, p in zip(gold, pred, strict=True) if g == abstain_label]
    in_scope = [(g, p) for g, p in zip(gold, pred, strict=True) if g != abstain_label]
    return {
        "accuracy": _safe(correct, n),
        "macro_f1": macro_f1(gold, pred),
        "abstain_precision": _safe(sum(1 for g in abstained if g == abstain_label), len(abstained)),
        "abstain_recall": _safe(sum(1 for p in oos if p == abstain_label), len(oos)),
        "in_scope_accuracy": _safe(sum(1 for g, p in in_scope if g == p), len(in_scope)),
        "n": float(n),
    }
