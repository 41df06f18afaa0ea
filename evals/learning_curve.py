"""Does learning from reps' corrections generalise to authors it has not seen? A leave-batches-out experiment over the
open blind batches (tests/agents/data/fresh_r12 … fresh_r22, one author each, lettered a..m by their file names).

1. gather: the training batches run through the real copilot (the no-LLM config) on a COPY of the tenant pack, with
   a ledger in a temporary data directory. Each answered turn with an expected intent is then decided as a rep would
   through the service's `decide`: a wrong intent is rejected `wrong_intent` with 「应为 <expected>」; else an expected
   first action missing from the top two is rejected `wrong_action` with 「应为 <expected>」 (one decision per
   suggestion, as in the product). With `--teach all` a turn the copilot got right is also rejected `wrong_intent`
   naming its (same) intent: a rep teaching every turn, not only the misses.
2. learn: `agents.learning.collect_candidates` reads those rejections from the ledger, `write_candidates` writes the
   reviewable file, the admin approves them (all of them for `all`; for `wrong`, those whose prediction differed from
   the correction), and `apply_candidates` adds them to the copy's intents.yaml / actions.yaml.
3. measure: the test batches (never trained on) and the tuning suite run before and after on the copy, with
   `agents.understanding.intent.EXAMPLE_CAP` as shipped or raised (`--caps`), each setting in its own process.

    python -m evals.learning_curve [--train a..i] [--test j,k,l,m] [--caps 3,99] [--teach wrong,all]
        [--out evals/results/learning_curve.json]
    python -m evals.learning_curve --gather-only --train a..m --data-dir DIR   # a ledger `copilot tenant learn` reads

Nothing under copilot/tenants is written unless `--gather-only` is run and its ledger applied by hand with
`COPILOT_DATA_DIR=DIR copilot tenant learn <pack>` (then review, then `--apply`)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from copilot.settings import REPO_ROOT
from evals.all import DEFAULT_CONFIG, load_config
from evals.metrics import compute_metrics

PACK = REPO_ROOT / "copilot" / "tenants" / "autodealer"
DATA = REPO_ROOT / "tests" / "agents" / "data"
TUNING = (
    REPO_ROOT / "evals" / "suites" / "autodealer.yaml"
)  # the tuning split; the held-out file is never read
DEMO = REPO_ROOT / "evals" / "suites" / "demo.yaml"
RESULT = REPO_ROOT / "evals" / "results" / "learning_curve.json"
METRICS = {
    "intent": "intent.accuracy",
    "top2": "action.top2",
    "must_mention": "must_mention.coverage",
    "cases": "cases.n",
}


def batches() -> dict[str, Path]:
    """letter → suite file of every open blind batch (autodealer-fresh.yaml is batch a)."""
    out: dict[str, Path] = {}
    for path in sorted(DATA.glob("fresh_r*/autodealer-fresh*.yaml")):
        tail = path.stem.removeprefix("autodealer-fresh").lstrip("-") or "a"
        out[tail] = path
    return dict(sorted(out.items()))


def letters(spec: str) -> list[str]:
    """ "a..i" or "j,k,l,m" → letters."""
    out: list[str] = []
    for part in spec.split(","):
        part = part.strip()
        if ".." in part:
            lo, hi = part.split("..")
            out += [chr(c) for c in range(ord(lo), ord(hi) + 1)]
        elif part:
            out.append(part)
    return out


def check_split(train: list[str], test: list[str]) -> None:
    known = batches()
    unknown = sorted({*train, *test} - set(known))
    if unknown:
        raise ValueError(f"unknown batch(es) {unknown}; open batches: {', '.join(known)}")
    both = sorted(set(train) & set(test))
    if both:
        raise ValueError(f"batch(es) {both} both trained and tested: a test batch is never trained on")


def copy_pack(dest: Path, src: Path = PACK) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("learning"))
    return dest


def _suite_on(path: Path, pack: Path | None) -> Any:
    from evals.suite import load_suite
    from evals.suite import resolve_tenant_dir as resolve

    suite = load_suite(path)
    if pack is not None and suite.tenant is not None and resolve(suite, path) == PACK.resolve():
        suite = suite.model_copy(update={"tenant": suite.tenant.model_copy(update={"path": str(pack)})})
    return suite


def run_one(
    path: Path, pack: Path | None, config: dict[str, Any], cache_root: Path, keep: bool = False
) -> Any:
    """(suite, run, target) of one suite on `pack` (a suite on another tenant runs on its own). The target is closed
    unless `keep` (its services and ledger are needed for the decisions)."""
    from evals.runner import run_suite, target_from_config
    from evals.suite import resolve_tenant_dir

    suite = _suite_on(path, pack)
    target = target_from_config(
        config, tenant_dir=resolve_tenant_dir(suite, path), tenant=suite.tenant, cache_root=cache_root
    )
    run = run_suite(suite, target, suite_path=path, config=config, workers=int(config.get("workers", 1)))
    if not keep:
        close = getattr(target, "close", None)
        if callable(close):
            close()
    return suite, run, target


def scores(run: Any) -> dict[str, Any]:
    m = compute_metrics([c.model_dump(mode="json") for c in run.cases])
    return {
        k: (round(v, 4) if isinstance(v, float) else v)
        for k, v in ((n, m.get(key)) for n, key in METRICS.items())
    }


def _first_action(turn: Any) -> str:
    acts = (turn.expect or {}).get("actions") or []
    return str(acts[0].get("name", "")) if acts and isinstance(acts[0], dict) else ""


def teach(suite: Any, run: Any, target: Any, tenant: str, mode: str) -> dict[str, int]:
    """The reps' decisions on one training run (see the module docstring); counts by reason."""
    from contract.decisions import DecisionKind, HumanDecision
    from evals.runner.run import actor_for

    services = target.services()
    cases = {c.id: c for c in suite.cases}
    counts = {"wrong_intent": 0, "wrong_action": 0, "taught_right": 0, "accepted": 0, "not_decided": 0}
    for case in run.cases:
        spec = cases.get(case.case_id)
        if spec is None:
            continue
        actor = actor_for(spec)
        for turn in case.turns:
            exp = turn.expect or {}
            s = turn.suggestion
            if not s or turn.refusal or not exp.get("intent"):
                continue
            intent_ok = next((c["passed"] for c in turn.checks if c["name"] == "intent"), True)
            want_action = _first_action(turn)
            top2 = [a.get("name") for a in (s.get("actions") or [])][:2]
            if not intent_ok:
                reason, value = "wrong_intent", exp["intent"]
            elif want_action and want_action not in top2:
                reason, value = "wrong_action", want_action
            elif mode == "all":
                reason, value = "wrong_intent", exp["intent"]
            elif mode == "accept":
                reason, value = "accepted", ""
            else:
                continue
            decision = (
                HumanDecision(suggestion_id=s["id"], kind=DecisionKind.ACCEPT, actor=actor.id)
                if reason == "accepted"
                else HumanDecision(
                    suggestion_id=s["id"],
                    kind=DecisionKind.REJECT,
                    actor=actor.id,
                    reason_code=reason,
                    reason_text=f"应为 {value}",
                )
            )
            try:
                services.decide(decision, actor)
            except Exception:  # a suggestion the actor may not decide (a call's caller) is not taught
                counts["not_decided"] += 1
                continue
            counts["taught_right" if intent_ok and reason == "wrong_intent" else reason] += 1
    return counts


def _is_miss(c: Any) -> bool:
    """A candidate a rep rejected because the copilot was wrong (not a right turn taught again)."""
    if c.kind == "intent_example":
        return bool(c.predicted != c.corrected)
    return c.corrected not in c.predicted.split(",")[:2]


def open_batch_ledger(data_dir: Path) -> Any:
    """The ledger a gather run wrote in `data_dir` (opened as `copilot tenant learn` opens it)."""
    from copilot.ledger import open_ledger
    from copilot.settings import Settings

    return open_ledger(Settings(data_dir=data_dir).ledger_url)


def learn(
    ledger_dirs: list[Path], pack: Path, file: Path, mode: str, cap: int | None = None
) -> dict[str, Any]:
    """collect (from each batch's ledger, merged into one reviewable file) → approve → apply on the copy
    (agents/learning.py, as `copilot tenant learn` does it)."""
    from agents.learning import (
        CONFIRMED_CAP,
        apply_candidates,
        collect_candidates,
        read_candidates,
        write_candidates,
    )
    from agents.tenant import TenantConfig

    tenant = TenantConfig.load(pack)
    collected = skipped = 0
    skip_why: dict[str, int] = {}
    for d in ledger_dirs:
        ledger = open_batch_ledger(d)
        try:
            found = collect_candidates(
                ledger,
                tenant,
                confirmed=mode == "accept",
                queued=read_candidates(file),
                cap=CONFIRMED_CAP if cap is None else cap,
            )
        finally:
            ledger.close()
        collected += len(found.candidates)
        skipped += len(found.skipped)
        for row in found.skipped:
            why = row["why"].split(":")[0].split(" has ")[-1]
            skip_why[why] = skip_why.get(why, 0) + 1
        write_candidates(found.candidates, file, tenant=tenant.tenant)
    rows = read_candidates(file)
    # the admin's review: every correction of a miss; with `accept`, every confirmation as well
    for c in rows:
        confirmed = mode == "accept" and c.source in ("accepted", "edited")
        c.status = "approved" if mode == "all" or confirmed or _is_miss(c) else "rejected"
    write_candidates(rows, file, tenant=tenant.tenant, replace=True)
    rep = apply_candidates(file, pack)
    kinds = {k: sum(1 for c in rep.applied if c.kind == k) for k in ("intent_example", "action_example")}
    return {
        "candidates": collected,
        "skipped": skipped,
        "skipped_why": skip_why,
        "approved": sum(1 for c in rows if c.status != "rejected"),
        "approved_confirmed": sum(1 for c in rows if c.status != "rejected" and c.source != "correction"),
        "applied": kinds,
        "already_present": len(rep.already_present),
    }


def gather(
    train: list[str], mode: str, root: Path, config: dict[str, Any], cache_root: Path
) -> dict[str, Any]:
    """Runs each training batch on the shipped pack with its stores (and ledger) kept in `root/<letter>` and records
    the reps' decisions there. Returns per batch the scores and decision counts."""
    paths = batches()
    out: dict[str, Any] = {}
    for letter in train:
        t0 = time.monotonic()
        d = root / letter
        if d.exists():
            shutil.rmtree(d)
        cfg = {**config, "settings": {**(config.get("settings") or {}), "data_dir": str(d)}}
        suite, run, target = run_one(paths[letter], None, cfg, cache_root, keep=True)
        try:
            counts = teach(suite, run, target, "autodealer", mode)
        finally:
            target.close()
        out[letter] = {**scores(run), "decisions": counts, "seconds": round(time.monotonic() - t0, 1)}
        print(f"gather {letter}: {out[letter]}", file=sys.stderr, flush=True)
    return out


def measure(
    pack: Path,
    tests: list[str],
    config: dict[str, Any],
    cache_root: Path,
    with_demo: bool,
    with_tuning: bool = True,
) -> dict[str, Any]:
    paths = batches()
    suites = [(f"batch_{x}", paths[x]) for x in tests] + ([("tuning", TUNING)] if with_tuning else [])
    if with_demo:
        suites.append(("demo", DEMO))
    out: dict[str, Any] = {}
    for name, path in suites:
        t0 = time.monotonic()
        _, run, _ = run_one(path, pack, config, cache_root)
        out[name] = {**scores(run), "seconds": round(time.monotonic() - t0, 1)}
        print(f"  {name}: {out[name]}", file=sys.stderr, flush=True)
    return out


def pooled(rows: dict[str, Any], names: list[str]) -> dict[str, float | None]:
    """Turn-weighted mean over the test batches (cases.n as the weight: each batch's answer turns are ~1 per case)."""
    out: dict[str, float | None] = {}
    for key in ("intent", "top2"):
        pairs = [(rows[n][key], rows[n]["cases"]) for n in names if rows[n].get(key) is not None]
        w = sum(c for _, c in pairs)
        out[key] = round(sum(v * c for v, c in pairs) / w, 4) if w else None
    return out


def variant(args: argparse.Namespace) -> dict[str, Any]:
    """One setting in this process: cap, teach mode (or none), kinds applied."""
    import agents.understanding.intent as intent_mod

    intent_mod.EXAMPLE_CAP = args.cap
    config = load_config(args.config)
    work = Path(args.work)
    pack = copy_pack(work / f"pack-{args.name}" / "autodealer")
    res: dict[str, Any] = {"cap": args.cap, "teach": args.teach, "kinds": args.kinds}
    if args.teach != "none":
        mode = args.teach
        file = work / f"candidates-{args.name}.yaml"
        if file.exists():
            file.unlink()
        dirs = [Path(args.ledger_dir) / x for x in letters(args.train)]
        res["learned"] = learn(dirs, pack, file, mode, args.confirmed_cap)
        if args.kinds != "both":  # keep only one kind: put the other file back as shipped
            other = "actions.yaml" if args.kinds == "intent" else "intents.yaml"
            shutil.copy(PACK / other, pack / other)
    res["scores"] = measure(
        pack, letters(args.test), config, work / "embed-cache", args.demo, not args.no_tuning
    )
    return res


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--train", default="a..i")
    p.add_argument("--test", default="j,k,l,m")
    p.add_argument("--caps", default="3,99")
    p.add_argument("--teach", default="wrong,all")
    p.add_argument("--config", default=str(DEFAULT_CONFIG))
    p.add_argument("--out", default=str(RESULT))
    p.add_argument("--work", default="")
    p.add_argument(
        "--demo", action="store_true", help="also run the demo suite (the cap is code: it acts there too)"
    )
    p.add_argument("--gather-only", action="store_true")
    p.add_argument("--no-tuning", action="store_true", help="leave the tuning suite out of the measure")
    p.add_argument("--data-dir", default="")
    # one setting (internal: the driver runs each in its own process)
    p.add_argument("--variant", action="store_true")
    p.add_argument("--name", default="")
    p.add_argument("--cap", type=int, default=3)
    p.add_argument("--kinds", default="both", choices=("both", "intent", "action"))
    p.add_argument("--ledger-dir", default="")
    p.add_argument("--confirmed-cap", type=int, default=None, help="examples per intent after confirmations")
    p.add_argument("--result", default="")
    args = p.parse_args(argv)
    if args.variant:
        Path(args.result).write_text(
            json.dumps(variant(args), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        return 0
    work = Path(args.work or tempfile.mkdtemp(prefix="learning-curve-"))
    work.mkdir(parents=True, exist_ok=True)
    config = load_config(args.config)
    train, test = letters(args.train), letters(args.test)
    ledger_dir = Path(args.data_dir) if args.data_dir else work / "ledger-data"
    teach_modes = [m for m in args.teach.split(",") if m]
    if not args.gather_only:
        check_split(train, test)
    t0 = time.monotonic()
    gathered = gather(
        train,
        "accept" if "accept" in teach_modes else "all" if "all" in teach_modes else "wrong",
        ledger_dir,
        config,
        work / "embed-cache",
    )
    (work / "gathered.json").write_text(json.dumps(gathered, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.gather_only:
        return 0
    settings = [("shipped", "none", 3, "both")]
    for cap in (int(c) for c in args.caps.split(",")):
        for mode in teach_modes:
            settings.append((f"{mode}-cap{cap}", mode, cap, "both"))
    settings += [(f"{m}-cap3-{k}-only", m, 3, k) for m in teach_modes[:1] for k in ("intent", "action")]
    results: dict[str, Any] = {}
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    for name, mode, cap, kinds in settings:
        print(f"setting {name}", file=sys.stderr, flush=True)
        out = work / f"{name}.json"
        cmd = [sys.executable, "-m", "evals.learning_curve", "--variant", "--name", name, "--teach", mode]
        cmd += ["--cap", str(cap), "--kinds", kinds, "--ledger-dir", str(ledger_dir), "--work", str(work)]
        cmd += ["--train", args.train, "--test", args.test, "--config", args.config, "--result", str(out)]
        if args.demo and cap != 3:
            cmd.append("--demo")
        subprocess.run(cmd, check=True, env=env, cwd=REPO_ROOT)
        results[name] = json.loads(out.read_text(encoding="utf-8"))
        results[name]["pooled_test"] = pooled(results[name]["scores"], [f"batch_{x}" for x in test])
    summary = {
        "_meta": {
            "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "train": train,
            "test": test,
            "config": str(Path(args.config).relative_to(REPO_ROOT))
            if Path(args.config).is_absolute()
            else args.config,
            "minutes": round((time.monotonic() - t0) / 60, 1),
            "how": __doc__.split("\n\n")[1],
        },
        "gathered": gathered,
        "settings": results,
    }
    Path(args.out).write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({n: r["pooled_test"] for n, r in results.items()}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
