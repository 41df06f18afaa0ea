"""How well action ranking generalises beyond the playbook rules written against a suite's cases.

The suite's action top-2 is inflated when rules were fitted to its cases. This runs the suite's tuning split through
the real graph once, records what decide saw for every turn (intent, text, evidence, customer facts, flags), and ranks
again with:

* ``as_is``       — the pack as shipped (a sanity check: equals the run's own actions);
* ``zero_rule``   — no playbooks at all: catalog descriptions, intent, signals and the computed answer only;
* ``loro``        — leave one rule out: the rule that put the expected action on the card is removed (one rule per
  case), so a case counts only if something general would still have suggested it;

and runs the graph twice more with the intent replaced at the understand step (so retrieval and the computed answer
follow it, as they would in production):

* ``misfiled``    — the classifier's second-best in-scope reading; scored over the turns where that reading is not the
  expected intent (the intent is really wrong);
* ``abstained``   — the classifier abstains on every turn.

Never run on a held-out file: the script refuses paths naming one.

    python -m evals.actions_generalise evals/suites/autodealer.yaml -o /tmp/actions-gen.json

``--scratch FILE`` instead scores a scratch set of NEW messages (a mapping ``suites: {tenant: <suite body>}``, e.g.
tests/agents/data/actions_generalisation_r7.yaml): the first expected action in the top 2 of each case's last turn, and
for cases tagged ``multi`` every expected action in the top 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.actions.playbook import DecisionInput, RuleFiring
from agents.tenant import OUT_OF_SCOPE, TenantConfig
from contract.ports import PolicyRetriever
from contract.suggestions import Intent

Propose = Callable[..., list[RuleFiring]]


@dataclass
class Captured:
    """One decide call: its input and what it needs to rank again."""

    d: DecisionInput
    tenant: TenantConfig
    policy: PolicyRetriever
    model_score: Callable[[str, str], float] | None
    names: list[str] = field(default_factory=list)


@dataclass
class TurnExpect:
    case_id: str
    turn: int
    intent: str | None
    action: dict[str, Any]  # the first expected action: name + parameters


def _matches(exp: dict[str, Any], a: dict[str, Any]) -> bool:
    """As the suite's scorer: the name, and each expected parameter as a string."""
    if a.get("name") != exp["name"]:
        return False
    params = a.get("parameters") or {}
    return all(str(params.get(k)) == str(v) for k, v in (exp.get("parameters") or {}).items())


def in_top2(exp: dict[str, Any], actions: list[dict[str, Any]]) -> bool:
    return any(_matches(exp, a) for a in actions[:2])


def without_rules(tenant: TenantConfig, rule_ids: set[str] | None = None) -> TenantConfig:
    """The tenant with the named rules removed (None: every playbook removed)."""
    if rule_ids is None:
        return tenant.model_copy(update={"playbooks": []})
    books = [
        pb.model_copy(update={"rules": [r for r in pb.rules if r.id not in rule_ids]})
        for pb in tenant.playbooks
    ]
    return tenant.model_copy(update={"playbooks": books})


def rerank(c: Captured, propose: Propose, tenant: TenantConfig) -> list[dict[str, Any]]:
    return [
        f.action.model_dump(mode="json") for f in propose(c.d, tenant, c.policy, model_score=c.model_score)
    ]


def offline_scores(
    captured: dict[str, Captured], expects: list[TurnExpect], propose: Propose
) -> dict[str, Any]:
    """as_is / zero_rule / loro top-2 over the turns with an expected action and a decide call."""
    rows: list[dict[str, Any]] = []
    for ex in expects:
        c = captured.get(f"{ex.case_id}#t{ex.turn}")
        if c is None:  # refused before decide: no actions to rank
            continue
        as_is = rerank(c, propose, c.tenant)
        zero = rerank(c, propose, without_rules(c.tenant))
        rule = next((a.get("rule_id", "") for a in as_is[:2] if _matches(ex.action, a)), "")
        loro = rerank(c, propose, without_rules(c.tenant, {rule})) if rule else as_is
        rows.append(
            {
                "case_id": ex.case_id,
                "turn": ex.turn,
                "expected": ex.action["name"],
                "intent": c.d.intent.name,
                "as_is": [a["name"] for a in as_is],
                "zero_rule": [a["name"] for a in zero],
                "loro_rule": rule,
                "loro": [a["name"] for a in loro],
                "ok": {
                    "as_is": in_top2(ex.action, as_is),
                    "zero_rule": in_top2(ex.action, zero),
                    "loro": in_top2(ex.action, loro),
                },
            }
        )
    n = len(rows) or 1
    return {
        "n": len(rows),
        **{k: round(sum(r["ok"][k] for r in rows) / n, 3) for k in ("as_is", "zero_rule", "loro")},
        "rows": rows,
    }


def second_reading(clf: Any, scores: Any, first: Intent) -> Intent:
    """The classifier's second-best in-scope reading of a read's `scores`, at the confidence of its first decision (a
    confident wrong reading)."""
    import numpy as np

    order = [int(i) for i in np.argsort(-np.asarray(scores))]
    in_scope = [clf.classes[i] for i in order if clf.classes[i] != OUT_OF_SCOPE]
    name = in_scope[1] if len(in_scope) > 1 else in_scope[0]
    return Intent(name=name, confidence=max(first.confidence, 0.5), label_zh=clf.label_zh.get(name, ""))


@contextmanager
def forced_intent(mode: str) -> Iterator[None]:
    """Replace the embedding classifier's decision for the whole graph: `misfiled` or `abstained`. Patched at `decide`,
    which every reading goes through (`classify` = read + decide; understand's classify_once reads once and decides):
    patching `classify` stopped taking effect when understand stopped calling it (session 14)."""
    from agents.understanding.intent import EmbeddingIntentClassifier

    original = EmbeddingIntentClassifier.decide

    def decide(self: Any, scores: Any, support: Any, info: Any, *, boosts: Any = None) -> Intent:
        if mode == "abstained":
            return Intent(name=OUT_OF_SCOPE, confidence=0.1, abstained=True)
        first = original(self, scores, support, info, boosts=boosts)
        return second_reading(self, scores, first)

    EmbeddingIntentClassifier.decide = decide  # type: ignore[method-assign]
    try:
        yield
    finally:
        EmbeddingIntentClassifier.decide = original  # type: ignore[method-assign]


@contextmanager
def capturing(target: Any, into: dict[str, Captured]) -> Iterator[None]:
    """Record every action ranking (decide, and a rep's ask) by the message it answers (one case at a time)."""
    import agents.ask as ask_node
    import agents.nodes.decide as decide_node
    from agents.actions.playbook import propose as original_propose

    modules, name = (decide_node, ask_node), "propose"  # both look `propose` up in their module at call time
    original_turn = target.run_turn
    current = {"mid": ""}

    def run_turn(msg: Any, actor: Any) -> Any:
        current["mid"] = msg.message_id
        return original_turn(msg, actor)

    def propose(
        d: DecisionInput, tenant: TenantConfig, policy: PolicyRetriever, **kw: Any
    ) -> list[RuleFiring]:
        out = original_propose(d, tenant, policy, **kw)
        names = [f.action.name for f in out]
        into[current["mid"]] = Captured(d, tenant, policy, kw.get("model_score"), names)
        return out

    for mod in modules:
        setattr(mod, name, propose)
    target.run_turn = run_turn
    try:
        yield
    finally:
        for mod in modules:
            setattr(mod, name, original_propose)
        target.run_turn = original_turn


def run_top2(
    run: Any,
    expects: list[TurnExpect],
    gold_intent_differs: bool = False,
    captured: dict[str, Captured] | None = None,
) -> dict[str, Any]:
    """top-2 of a run's own suggestions; with `gold_intent_differs` only over turns whose read intent is not the
    expected one. With `captured`, each row says which intents the message's needs pointed to."""
    by_turn = {(c.case_id, t.index): t for c in run.cases for t in c.turns}
    # a case that crashed has no suggestion to score: count it and keep the first message, never a silent n=0
    errors = [str(c.error or next((t.error for t in c.turns if t.error), "")) for c in run.cases]
    errors = [e for e in errors if e]
    hits, n, rows = 0, 0, []
    for ex in expects:
        t = by_turn.get((ex.case_id, ex.turn))
        if t is None or t.suggestion is None:
            continue
        read = str((t.suggestion.get("intent") or {}).get("name", ""))
        if gold_intent_differs and ex.intent is not None and read == ex.intent:
            continue
        acts = list(t.suggestion.get("actions") or [])
        ok = in_top2(ex.action, acts)
        hits, n = hits + ok, n + 1
        rows.append(
            {
                "case_id": ex.case_id,
                "intent": read,
                "expected": ex.action["name"],
                "got": [a.get("name") for a in acts],
                "ok": ok,
                "needs": dict(c.d.needs) if (c := (captured or {}).get(f"{ex.case_id}#t{ex.turn}")) else {},
            }
        )
    return {
        "n": n,
        "top2": round(hits / (n or 1), 3),
        "errors": len(errors),
        "first_error": errors[0][:300] if errors else "",
        "rows": rows,
    }


def expectations(suite: Any) -> list[TurnExpect]:
    out = []
    for case in suite.cases:
        for i, exp in case.expectations_by_turn().items():
            if exp.actions:
                out.append(TurnExpect(case.id, i, exp.intent, exp.actions[0].model_dump(mode="json")))
    return out


def measure(
    suite_path: Path, config: Path, variants: tuple[str, ...] = ("misfiled", "abstained")
) -> dict[str, Any]:
    from agents.actions.playbook import propose as real_propose
    from evals.all import load_config
    from evals.runner import run_suite, target_from_config
    from evals.runner.run import select_split
    from evals.suite import load_suite, resolve_tenant_dir

    if "heldout" in suite_path.name.lower():
        raise SystemExit(f"refusing {suite_path}: held-out splits are measured by the lead only")
    suite = select_split(load_suite(suite_path), "tuning")
    cfg = load_config(config)
    seed = int(cfg.get("seed", 0))

    def fresh() -> Any:  # message ids are stable across runs: each run gets its own stores (no dedupe hit)
        return target_from_config(cfg, tenant_dir=resolve_tenant_dir(suite, suite_path), tenant=suite.tenant)

    def close(target: Any) -> None:
        closer = getattr(target, "close", None)
        if callable(closer):
            closer()

    expects = expectations(suite)
    captured: dict[str, Captured] = {}
    target = fresh()
    try:
        with capturing(target, captured):
            base = run_suite(suite, target, workers=1, seed=seed)
        result: dict[str, Any] = {
            "suite": str(suite_path),
            "cases": len(suite.cases),
            "run": run_top2(base, expects, captured=captured),
            "offline": offline_scores(captured, expects, real_propose),
        }
    finally:
        close(target)
    for mode in variants:
        target = fresh()
        try:
            seen: dict[str, Captured] = {}
            with forced_intent(mode), capturing(target, seen):
                run = run_suite(suite, target, workers=1, seed=seed)
        finally:
            close(target)
        result[mode] = run_top2(run, expects, gold_intent_differs=mode == "misfiled", captured=seen)
    return result


def scratch(path: Path, config: Path) -> dict[str, Any]:
    """A scratch set through the real graph, tenant by tenant: top-2 of the gold (first) expected action on each case's
    last turn, and for `multi` cases whether every expected action is in the top 2; whether the card is clean of the
    case's `forbidden_actions`. The same decide inputs are ranked again with no playbooks (`zero_rule`: catalog
    descriptions, intent, signals and the computed answer only), the zero-config row of a new tenant."""
    import yaml

    from agents.actions.playbook import propose as real_propose
    from evals.all import load_config
    from evals.runner import run_suite, target_from_config
    from evals.suite import resolve_tenant_dir
    from evals.suite.loader import load_yaml_suite

    if "heldout" in path.name.lower():
        raise SystemExit(f"refusing {path}: held-out splits are measured by the lead only")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cfg = load_config(config)
    seed = int(cfg.get("seed", 0))
    rows: list[dict[str, Any]] = []
    for tenant_name, body in (data.get("suites") or {}).items():
        suite = load_yaml_suite(yaml.safe_dump(body, allow_unicode=True), str(path))
        target = target_from_config(cfg, tenant_dir=resolve_tenant_dir(suite, path), tenant=suite.tenant)
        captured: dict[str, Captured] = {}
        try:
            with capturing(target, captured):
                run = run_suite(suite, target, workers=1, seed=seed)
        finally:
            closer = getattr(target, "close", None)
            if callable(closer):
                closer()
        by_case = {c.case_id: c for c in run.cases}
        for case in suite.cases:
            last = len(case.turns) - 1
            exp = case.expectations_by_turn().get(last)
            if exp is None or not exp.actions:
                continue
            wanted = [a.model_dump(mode="json") for a in exp.actions]
            got_case = by_case.get(case.id)
            turn = next((t for t in (got_case.turns if got_case else []) if t.index == last), None)
            sug = (turn.suggestion if turn is not None else None) or {}
            acts = list(sug.get("actions") or [])
            errors = [e for e in [getattr(got_case, "error", None), getattr(turn, "error", None)] if e]
            c = captured.get(f"{case.id}#t{last}")
            zero = rerank(c, real_propose, without_rules(c.tenant)) if c is not None else []
            forbidden = set(exp.forbidden_actions)
            rows.append(
                {
                    "tenant": tenant_name,
                    "case_id": case.id,
                    "error": str(errors[0])[:300] if errors else "",
                    "tags": list(case.tags),
                    "intent": str((sug.get("intent") or {}).get("name", "")),
                    "confidence": float((sug.get("intent") or {}).get("confidence", 0.0) or 0.0),
                    # p(intent | message) decide marginalised over ({} for a confident reading)
                    "intent_probs": dict(c.d.intent_probs) if c is not None else {},
                    "expected": [w["name"] for w in wanted],
                    "got": [a.get("name") for a in acts],
                    "ok": in_top2(wanted[0], acts),
                    "all_ok": all(in_top2(w, acts) for w in wanted),
                    "forbidden": sorted(forbidden),
                    "clean": not forbidden & {str(a.get("name")) for a in acts},
                    "zero_got": [a.get("name") for a in zero],
                    "zero_ok": in_top2(wanted[0], zero),
                    "zero_all_ok": all(in_top2(w, zero) for w in wanted),
                    "zero_clean": not forbidden & {str(a.get("name")) for a in zero},
                }
            )

    def share(rs: list[dict[str, Any]], key: str) -> float:
        return round(sum(bool(r[key]) for r in rs) / (len(rs) or 1), 3)

    multi = [r for r in rows if "multi" in r["tags"]]
    guarded = [r for r in rows if r["forbidden"]]
    tenants = sorted({r["tenant"] for r in rows})
    return {
        "scratch": str(path),
        "n": len(rows),
        "top2": share(rows, "ok"),
        "by_tenant": {t: share([r for r in rows if r["tenant"] == t], "ok") for t in tenants},
        "multi_n": len(multi),
        "multi_both": share(multi, "all_ok"),
        "forbidden_n": len(guarded),
        "clean": share(guarded, "clean"),
        "zero_rule": {
            "top2": share(rows, "zero_ok"),
            "by_tenant": {t: share([r for r in rows if r["tenant"] == t], "zero_ok") for t in tenants},
            "multi_both": share(multi, "zero_all_ok"),
            "clean": share(guarded, "zero_clean"),
        },
        "errors": sum(
            1 for r in rows if r["error"]
        ),  # a case that crashed scores 0: say so, not only a low number
        "rows": rows,
    }


def scratch_summary(result: dict[str, Any]) -> str:
    lines = [
        f"scratch {result['scratch']} ({result['n']} cases)",
        f"  top-2 {result['top2']:.3f}  " + "  ".join(f"{k} {v:.3f}" for k, v in result["by_tenant"].items()),
        f"  multi-need, every expected action in the top 2: {result['multi_both']:.3f} (n={result['multi_n']})",
    ]
    if result.get("forbidden_n"):
        lines.append(f"  no forbidden action on the card: {result['clean']:.3f} (n={result['forbidden_n']})")
    zero = result.get("zero_rule")
    if zero:
        lines.append(
            f"  zero-rule (no playbooks): top-2 {zero['top2']:.3f}  multi-need both {zero['multi_both']:.3f}"
            + (f"  no forbidden {zero['clean']:.3f}" if result.get("forbidden_n") else "")
        )
    if result.get("errors"):
        first = next(r for r in result["rows"] if r["error"])
        lines.append(
            f"  ERRORS: {result['errors']} case(s) crashed, e.g. {first['case_id']}: {first['error']}"
        )
    for r in result["rows"]:
        if not r["ok"] or not r["all_ok"] or not r.get("clean", True):
            mark = "MISS" if not r["ok"] else "half" if not r["all_ok"] else "FORBIDDEN"
            lines.append(f"  {mark} {r['case_id']} [{r['intent']}] expected {r['expected']} got {r['got']}")
    for r in result["rows"]:
        if "zero_ok" in r and (not r["zero_ok"] or not r["zero_all_ok"] or not r["zero_clean"]):
            mark = "MISS" if not r["zero_ok"] else "half" if not r["zero_all_ok"] else "FORBIDDEN"
            lines.append(f"  zero-rule {mark} {r['case_id']} expected {r['expected']} got {r['zero_got']}")
    return "\n".join(lines)


def summary(result: dict[str, Any]) -> str:
    off = result["offline"]
    lines = [
        f"suite {result['suite']} ({result['cases']} cases, {off['n']} turns with an expected action)",
        f"  run top-2                {result['run']['top2']:.3f}  (n={result['run']['n']})",
        f"  offline as-is            {off['as_is']:.3f}",
        f"  zero-rule top-2          {off['zero_rule']:.3f}",
        f"  leave-one-rule-out top-2 {off['loro']:.3f}",
    ]
    for mode in ("misfiled", "abstained"):
        if mode in result:
            got = result[mode]
            lines.append(f"  {mode:<24} {got['top2']:.3f}  (n={got['n']})")
            if got.get("errors"):
                lines.append(f"    {got['errors']} case(s) crashed, e.g. {got['first_error']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("suite", type=Path)
    p.add_argument("-c", "--config", type=Path, default=Path("evals/configs/no-llm.yaml"))
    p.add_argument("-o", "--out", type=Path, default=None)
    p.add_argument("--offline-only", action="store_true", help="skip the misfiled and abstained runs")
    p.add_argument(
        "--scratch", action="store_true", help="the file is a scratch set (suites: {tenant: suite})"
    )
    args = p.parse_args(argv)
    if args.scratch:
        scored = scratch(args.suite, args.config)
        if args.out is not None:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(scored, ensure_ascii=False, indent=1), encoding="utf-8")
        print(scratch_summary(scored))
        return 0
    result = measure(args.suite, args.config, () if args.offline_only else ("misfiled", "abstained"))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(summary(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
