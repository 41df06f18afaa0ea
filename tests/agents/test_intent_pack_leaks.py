"""No tenant pack teaches intent with a suite's own words: every example in a pack's intents.yaml is compared with
every turn of that tenant's tuning suites (character bigrams), and a near-copy fails the test. A pack example must be
written by the business, not lifted from the cases that score it — otherwise the tuning accuracy says nothing about
new messages. Held-out files are never read here (only their owner opens them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.agents.agent_helpers import TENANT_DIR

ROOT = TENANT_DIR.parents[2]
SUITES = ROOT / "evals" / "suites"
# Jaccard of character bigrams, and the share of the example's bigrams found in one turn (containment): the
# de-leaked packs measured at most ~0.35 / ~0.6 on 2026-12-05; a copy with a word changed scores > 0.7 on both.
MAX_JACCARD = 0.6
MAX_CONTAINMENT = 0.8
MIN_BIGRAMS = 4  # 「谢谢」-sized examples say nothing about leakage
# a short everyday phrase (太让人失望了, 货什么时候能到) inside a longer turn is language, not a copied case
MIN_CONTAINED_BIGRAMS = 8
_KEEP = re.compile(r"[\w\u4e00-\u9fff]+", re.UNICODE)


def bigrams(text: str) -> set[str]:
    s = "".join(_KEEP.findall(text.lower()))
    return {s[i : i + 2] for i in range(len(s) - 1)}


def suite_texts(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: list[str] = []
    for case in data.get("cases") or []:
        if case.get("heldout"):
            continue
        for turn in case.get("turns") or []:
            if turn.get("text"):
                out.append(str(turn["text"]))
            for part in turn.get("parts") or []:
                for key in ("text", "transcript", "ocr_text"):
                    if part.get(key):
                        out.append(str(part[key]))
    return out


def tuning_suites(tenant: str) -> list[Path]:
    """The tenant's suites that are not held-out files (named after the tenant: demo.yaml, autodealer.yaml …)."""
    return [p for p in sorted(SUITES.glob(f"{tenant}*.yaml")) if "heldout" not in p.name]


def near_copies(examples: list[str], texts: list[str]) -> list[tuple[str, str, float, float]]:
    grams = [(t, bigrams(t)) for t in texts]
    found = []
    for ex in examples:
        e = bigrams(ex)
        if len(e) < MIN_BIGRAMS:
            continue
        for t, g in grams:
            if not g:
                continue
            inter = len(e & g)
            jac, cont = inter / len(e | g), inter / len(e)
            if jac > MAX_JACCARD or (cont > MAX_CONTAINMENT and len(e) >= MIN_CONTAINED_BIGRAMS):
                found.append((ex, t[:60], round(jac, 2), round(cont, 2)))
    return found


def test_bigram_measures_catch_a_copy_with_a_word_changed():
    turn = "我们车队再订二十台，你们能给到什么折扣？"
    assert near_copies(["我们车队再订二十台，能给到什么折扣"], [turn])
    assert near_copies(["车队再订二十台，你们能给到"], [turn])  # a long piece of the turn
    assert not near_copies(["批量采购有没有阶梯价"], [turn])


@pytest.mark.parametrize("tenant", ["demo", "autodealer"])
def test_pack_examples_are_not_near_copies_of_tuning_turns(tenant):
    suites = tuning_suites(tenant)
    assert suites, f"no tuning suite for {tenant}"
    texts = [t for p in suites for t in suite_texts(p)]
    intents = yaml.safe_load((TENANT_DIR.parent / tenant / "intents.yaml").read_text(encoding="utf-8"))
    examples = [str(e) for i in intents.get("intents") or [] for e in i.get("examples") or []]
    assert examples and texts
    assert not near_copies(examples, texts)
