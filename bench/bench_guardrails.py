"""Guardrails benchmark: accuracy on the labelled sets in evals/datasets/guardrails/ and guard-pipeline latency.

  PII        precision / recall per entity (a prediction matches a gold span of the same entity with IoU ≥ 0.5, one to
             one; exact-boundary matches are counted too), false positives on hard negatives.
  injection  detection rate on attacks, false-positive rate on benign texts, per kind.
  grounding  catch rate on drafts with one planted wrong claim (flagged AND the planted claim named unsupported),
             false-alarm rate on the faithful drafts.
  latency    input guards (mask + injection) per message, output guards (grounding + rails) per draft, and their sum,
             p50 / p95 — each beside its floor measured in the same run: NFKC + one digit-regex pass over the same text.
Goals (issue 9): recall ≥ 0.99 on resident IDs, phones and bank cards; precision ≥ 0.95; p95 < 15 ms per message.
Usage: python -m bench.bench_guardrails [--full]   (--full also times a 200,000-char text, the limit)
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench.machine import machine_load_report, measure_load
from contract import Citation, Draft, Evidence, EvidenceKind, VerdictOutcome
from contract.ports import Actor
from guardrails import HeuristicInjectionDetector, build_guardrails, run_input_guards
from guardrails.pii import detect

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "evals" / "datasets" / "guardrails"
RESULTS = ROOT / "evals" / "results"
RAILS = ROOT / "copilot" / "tenants" / "demo" / "rails.yaml"
GOAL_RECALL = {
    "CN_RESIDENT_ID": 0.99,
    "CN_MOBILE": 0.99,
    "CN_LANDLINE": 0.99,
    "PHONE": 0.99,
    "BANK_CARD": 0.99,
}
GOAL_PRECISION = 0.95
GOAL_P95_MS = 15.0
# The dev-set numbers of the very first run, before the detectors were tuned on those sets (kept for honesty).
FIRST_RUN = {
    "pii_micro_precision": 0.9343,
    "pii_micro_recall": 0.965,
    "landline_precision": 0.4915,
    "person_recall": 0.825,
    "address_recall": 0.9355,
    "injection_detection": 0.7909,
    "injection_false_positive_rate": 0.0763,
    "grounding_catch": 1.0,
    "grounding_false_alarm": 0.0,
}
HELDOUT2_FIRST = {"injection_detection": 0.1333, "injection_false_positive_rate": 0.0}
HELDOUT1_FIRST = {
    "pii_micro_precision": 0.973,
    "pii_micro_recall": 0.973,
    "person_precision": 0.8333,
    "person_recall": 0.8333,
    "injection_detection": 0.3667,
    "injection_false_positive_rate": 0.075,
    "grounding_catch": 0.9375,
    "grounding_false_alarm": 0.0,
}


def load(name: str) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def pii_metrics(rows: list[dict[str, Any]]) -> dict[str, Any]:
    tp, fp, fn, exact = Counter(), Counter(), Counter(), Counter()
    untyped_hit, gold_total = 0, 0
    neg_rows_flagged, errors = 0, []
    for row in rows:
        gold = [(s["entity"], s["start"], s["end"]) for s in row["spans"]]
        pred = [(c.entity, c.start, c.end) for c in detect(row["text"])]
        used: set[int] = set()
        for g in gold:
            gold_total += 1
            if any(_iou((g[1], g[2]), (p[1], p[2])) >= 0.5 for p in pred):
                untyped_hit += 1
            k = next(
                (
                    i
                    for i, p in enumerate(pred)
                    if i not in used and p[0] == g[0] and _iou((g[1], g[2]), (p[1], p[2])) >= 0.5
                ),
                None,
            )
            if k is None:
                fn[g[0]] += 1
                errors.append(
                    {"id": row["id"], "type": "FN", "entity": g[0], "span": row["text"][g[1] : g[2]]}
                )
            else:
                used.add(k)
                tp[g[0]] += 1
                exact[g[0]] += pred[k][1:] == g[1:]
        for i, p in enumerate(pred):
            if i not in used:
                fp[p[0]] += 1
                errors.append(
                    {"id": row["id"], "type": "FP", "entity": p[0], "span": row["text"][p[1] : p[2]]}
                )
        if row["kind"] == "hard_negative" and pred:
            neg_rows_flagged += 1
    per_entity = {}
    for e in sorted(set(tp) | set(fp) | set(fn)):
        p = tp[e] / (tp[e] + fp[e]) if tp[e] + fp[e] else None
        r = tp[e] / (tp[e] + fn[e]) if tp[e] + fn[e] else None
        per_entity[e] = {
            "support": tp[e] + fn[e],
            "predicted": tp[e] + fp[e],
            "tp": tp[e],
            "fp": fp[e],
            "fn": fn[e],
            "precision": _r(p),
            "recall": _r(r),
            "exact_boundary": exact[e],
        }
    all_tp, all_fp, all_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    negatives = sum(r["kind"] == "hard_negative" for r in rows)
    return {
        "strings": len(rows),
        "by_kind": dict(Counter(r["kind"] for r in rows)),
        "by_lang": dict(Counter(r["lang"] for r in rows)),
        "per_entity": per_entity,
        "micro": {"precision": _r(all_tp / (all_tp + all_fp)), "recall": _r(all_tp / (all_tp + all_fn))},
        "untyped_recall": _r(untyped_hit / gold_total),
        "hard_negative_strings": negatives,
        "hard_negative_strings_flagged": neg_rows_flagged,
        "errors_sample": errors[:60],
        "errors_total": len(errors),
    }


def injection_metrics(rows: list[dict[str, Any]], guards: Any) -> dict[str, Any]:
    by_kind: dict[str, list[int]] = defaultdict(list)
    missed, false_pos = [], []
    for row in rows:
        v = guards.injection.check(row["text"], source=row["source"])
        flagged = v.outcome is not VerdictOutcome.ALLOW
        by_kind[row["kind"]].append(int(flagged))
        if row["label"] and not flagged:
            missed.append({"id": row["id"], "text": row["text"][:80], "score": v.details["score"]})
        if not row["label"] and flagged:
            false_pos.append({"id": row["id"], "text": row["text"][:80], "rules": v.details["rules"]})
    attacks = [r for r in rows if r["label"]]
    benign = [r for r in rows if not r["label"]]
    return {
        "attacks": len(attacks),
        "benign": len(benign),
        "detection_rate": _r(1 - len(missed) / len(attacks)),
        "false_positive_rate": _r(len(false_pos) / len(benign)),
        "flag_rate_by_kind": {k: _r(sum(v) / len(v)) for k, v in sorted(by_kind.items())},
        "missed": missed,
        "false_positives": false_pos,
    }


def _draft(row: dict[str, Any]) -> tuple[Draft, list[Evidence]]:
    evidence = [
        Evidence(id=e["id"], kind=EvidenceKind.POLICY_CLAUSE, content=e["content"]) for e in row["evidence"]
    ]
    return Draft(text=row["draft"], citations=[Citation(**c) for c in row["citations"]]), evidence


def grounding_metrics(rows: list[dict[str, Any]], guards: Any) -> dict[str, Any]:
    caught, flagged_only, missed, false_alarms, by_kind = 0, 0, [], [], defaultdict(list)
    planted_rows = [r for r in rows if r["planted"]]
    controls = [r for r in rows if not r["planted"]]
    for row in rows:
        draft, evidence = _draft(row)
        _, verdict = guards.grounding.check(draft, evidence)
        bad = [c["text"] for c in verdict.details["claims"] if not c["supported"]]
        if not row["planted"]:
            if verdict.outcome is not VerdictOutcome.ALLOW:
                false_alarms.append({"id": row["id"], "unsupported": bad})
            continue
        planted = row["planted"]["text"]
        named = any(b in planted or planted in b for b in bad)
        flagged = verdict.outcome is not VerdictOutcome.ALLOW
        caught += flagged and named
        flagged_only += flagged and not named
        by_kind[row["planted"]["kind"]].append(int(flagged and named))
        if not (flagged and named):
            missed.append({"id": row["id"], "planted": row["planted"], "unsupported": bad})
    return {
        "planted_drafts": len(planted_rows),
        "faithful_drafts": len(controls),
        "catch_rate": _r(caught / len(planted_rows)),
        "flagged_but_other_claim": flagged_only,
        "false_alarm_rate": _r(len(false_alarms) / len(controls)),
        "catch_rate_by_kind": {k: _r(sum(v) / len(v)) for k, v in sorted(by_kind.items())},
        "missed": missed,
        "false_alarms": false_alarms,
    }


def _floor(text: str) -> None:
    for _ in re.finditer(r"\d+", unicodedata.normalize("NFKC", text)):
        pass


CPU_MS: list[float] = []  # thread CPU time of each _timed call: wall time minus what other processes took


def _timed(fn: Any, *args: Any, **kw: Any) -> float:
    c0, t0 = time.thread_time(), time.perf_counter()
    fn(*args, **kw)
    CPU_MS.append((time.thread_time() - c0) * 1000)
    return (time.perf_counter() - t0) * 1000


def latency(
    guards: Any, messages: list[str], drafts: list[dict[str, Any]], passes: int = 3
) -> dict[str, Any]:
    rep = Actor(id="rep_zhang", role="rep")
    inp, out, floor_in, floor_out, inp_cpu, out_cpu = [], [], [], [], [], []
    prepared = [_draft(d) for d in drafts]
    for _ in range(passes):
        for n, text in enumerate(messages):
            inp.append(_timed(run_input_guards, guards, text, vault_key=f"bench-conv-{n % 50}"))
            inp_cpu.append(CPU_MS[-1])
            floor_in.append(_timed(_floor, text))
        for draft, evidence in prepared:
            c0, t0 = time.thread_time(), time.perf_counter()
            checked, _ = guards.grounding.check(draft, evidence)
            guards.rails.check(checked, [], rep, evidence=evidence)
            out.append((time.perf_counter() - t0) * 1000)
            out_cpu.append((time.thread_time() - c0) * 1000)
            floor_out.append(_timed(_floor, draft.text))
    combined = [a + out[i % len(out)] for i, a in enumerate(inp)]
    floor_combined = [a + floor_out[i % len(floor_out)] for i, a in enumerate(floor_in)]
    return {
        "input_guards_ms": _pct(inp),
        "input_guards_cpu_ms": _pct(inp_cpu),
        "output_guards_cpu_ms": _pct(out_cpu),
        "message_plus_draft_cpu_ms": _pct([a + out_cpu[i % len(out_cpu)] for i, a in enumerate(inp_cpu)]),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "input_floor_ms": _pct(floor_in),
        "output_guards_ms": _pct(out),
        "output_floor_ms": _pct(floor_out),
        "message_plus_draft_ms": _pct(combined),
        "message_plus_draft_floor_ms": _pct(floor_combined),
        "messages": len(messages),
        "drafts": len(drafts),
        "passes": passes,
    }


def long_text(guards: Any, chars: int) -> dict[str, Any]:
    unit = "订单号13812345678已发货，请联系张伟先生，手机139 1234 5678，身份证号11010519491231002X。金额¥13,800.00。"
    text = (unit * (chars // len(unit) + 1))[:chars]
    ms = _timed(run_input_guards, guards, text, vault_key="bench-long")
    cpu_ms = CPU_MS[-1]
    return {
        "chars": len(text),
        "ms": round(ms, 1),
        "cpu_ms": round(cpu_ms, 1),
        "floor_ms": round(_timed(_floor, text), 2),
        "spans": len(guards.pii.mask(text, vault_key="bench-long").spans),
    }


def _pct(xs: list[float]) -> dict[str, float]:
    s = sorted(xs)
    return {
        "p50": round(statistics.median(s), 3),
        "p95": round(s[int(0.95 * (len(s) - 1))], 3),
        "max": round(s[-1], 3),
    }


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def write_md(res: dict[str, Any]) -> str:
    p, inj, g, lat = res["pii"], res["injection"], res["grounding"], res["latency"]
    lines = [
        "# Guardrails benchmark",
        "",
        f"Run {res['run_at']} on {res['machine']}. "
        + (
            machine_load_report(res["load"])
            if "load" in res
            else "Machine load was not recorded for this run."
        ),
        "",
        "**Read this first.** The dev sets (pii / injection / grounding.jsonl) were used to tune the detectors, so their "
        "numbers (1.0 almost everywhere) are optimistic; the first-run numbers before tuning are at the end of the "
        "held-out section. The honest estimates are the held-out sets — above all injection held-out set 3 — and even "
        "they are written by the same author as the detectors, from templates: real customer text will be harder. "
        "Matching rule: a prediction counts when its entity equals the gold entity and the spans overlap with IoU ≥ 0.5.",
        "",
        "Known gaps: Chinese person names are found only after a cue (我叫, 联系人, 收货人 …), before a title (先生, 经理 …) or "
        "right before a phone / ID; English names only after a cue; addresses need a road + number or an estate + "
        "building anchor; grounding compares values and, when a clause holds several values of one kind, which clause "
        "the draft's words match best (8% for reps instead of managers is caught) — claims without numbers, models or "
        "promise words (免运费, 可以退货) are not checked; injection detection on fresh phrasings is ~0.85 at ~5% false positives.",
        "",
        f"## PII — {p['strings']} strings ({p['by_lang']}), {p['hard_negative_strings']} hard negatives",
        "",
        "| entity | support | predicted | precision | recall | exact boundary |",
        "|---|---|---|---|---|---|",
    ]
    for e, m in p["per_entity"].items():
        lines.append(
            f"| {e} | {m['support']} | {m['predicted']} | {m['precision']} | {m['recall']} | {m['exact_boundary']} |"
        )
    lines += [
        "",
        f"Micro precision {p['micro']['precision']}, recall {p['micro']['recall']}; untyped recall (masked under "
        f"any type) {p['untyped_recall']}; hard-negative strings with any flag: {p['hard_negative_strings_flagged']} "
        f"/ {p['hard_negative_strings']}.",
        "",
        f"## Injection — {inj['attacks']} attacks, {inj['benign']} benign",
        "",
        f"Detection rate **{inj['detection_rate']}**, false-positive rate **{inj['false_positive_rate']}**.",
        "",
        "| kind | flag rate |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in inj["flag_rate_by_kind"].items()]
    lines += [
        "",
        f"## Grounding — {g['planted_drafts']} drafts with a planted error, {g['faithful_drafts']} faithful",
        "",
        f"Catch rate **{g['catch_rate']}** (flagged and the planted claim named), false-alarm rate on faithful drafts "
        f"**{g['false_alarm_rate']}**.",
        "",
        "| planted kind | catch rate |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in g["catch_rate_by_kind"].items()]
    h = res["heldout"]
    lines += [
        "",
        "## Held-out sets (written after the first tuning round)",
        "",
        "| entity | support | predicted | precision | recall |",
        "|---|---|---|---|---|",
    ]
    for e, m in h["pii"]["per_entity"].items():
        lines.append(f"| {e} | {m['support']} | {m['predicted']} | {m['precision']} | {m['recall']} |")
    lines += [
        "",
        f"PII held-out: {h['pii']['strings']} strings, micro precision {h['pii']['micro']['precision']}, recall "
        f"{h['pii']['micro']['recall']}, hard-negative strings flagged {h['pii']['hard_negative_strings_flagged']} / "
        f"{h['pii']['hard_negative_strings']}.",
        "",
        "**PII held-out set 2** (written after the name rules were tuned on set 1; never tuned on — quote these): "
        f"{h['pii_2']['strings']} strings, micro precision {h['pii_2']['micro']['precision']}, recall "
        f"{h['pii_2']['micro']['recall']}, hard-negative strings flagged {h['pii_2']['hard_negative_strings_flagged']} "
        f"/ {h['pii_2']['hard_negative_strings']}. Per entity (support, precision, recall): "
        + "; ".join(
            f"{e} {m['support']}, {m['precision']}, {m['recall']}"
            for e, m in h["pii_2"]["per_entity"].items()
        )
        + ". Person names written with no cue, title or adjacent phone (韩芳说下周来) are missed by the rules: pass the "
        "tenant's CRM contact names as `known_names` to mask those.",
        "",
        f"Grounding held-out: {h['grounding']['planted_drafts']} planted → catch **{h['grounding']['catch_rate']}**, "
        f"false alarms {h['grounding']['false_alarm_rate']} on {h['grounding']['faithful_drafts']} faithful drafts.",
        f"Held-out set 1 was then used for one tuning round each for PII (person names) and grounding (measure-word "
        f"units); the numbers above are after it. Its first evaluation: "
        f"{json.dumps(HELDOUT1_FIRST)}.",
        "",
        "### Injection: which set was used for what",
        "",
        "The detector is phrase rules + category co-occurrence + a character n-gram logistic regression trained on the "
        "dev set and held-out sets 1 and 2 (bench/datasets/guardrails/train_injection_model.py). Only held-out set 3 "
        "was never tuned or trained on: **its numbers are the ones to quote**.",
        "",
        "| set | attacks / benign | detection | false positives | status |",
        "|---|---|---|---|---|",
        f"| dev (injection.jsonl) | {inj['attacks']} / {inj['benign']} | {inj['detection_rate']} | "
        f"{inj['false_positive_rate']} | tuned + trained on; first run before tuning: "
        f"{FIRST_RUN['injection_detection']} / {FIRST_RUN['injection_false_positive_rate']} |",
        f"| held-out 1 | {h['injection']['attacks']} / {h['injection']['benign']} | {h['injection']['detection_rate']} | "
        f"{h['injection']['false_positive_rate']} | tuned + trained on; first evaluation: "
        f"{HELDOUT1_FIRST['injection_detection']} / {HELDOUT1_FIRST['injection_false_positive_rate']} |",
        f"| held-out 2 | {h['injection_2']['attacks']} / {h['injection_2']['benign']} | "
        f"{h['injection_2']['detection_rate']} | {h['injection_2']['false_positive_rate']} | tuned + trained on; "
        f"first evaluation: {HELDOUT2_FIRST['injection_detection']} / {HELDOUT2_FIRST['injection_false_positive_rate']} |",
        f"| **held-out 3** | {h['injection_3']['attacks']} / {h['injection_3']['benign']} | "
        f"**{h['injection_3']['detection_rate']}** | **{h['injection_3']['false_positive_rate']}** | clean "
        f"(rules alone: {h['injection_3_rules_only']['detection_rate']} / "
        f"{h['injection_3_rules_only']['false_positive_rate']}) |",
        "",
        f"First run on the dev sets, before any tuning on them: {json.dumps(FIRST_RUN)}",
    ]
    lines += [
        "",
        "## Latency (ms per item; floor = NFKC + one digit-regex pass over the same text)",
        "",
        "| stage | p50 | p95 | max | floor p50 | floor p95 |",
        "|---|---|---|---|---|---|",
    ]
    for name, key, fkey in [
        ("input guards (mask + injection) per message", "input_guards_ms", "input_floor_ms"),
        ("output guards (grounding + rails) per draft", "output_guards_ms", "output_floor_ms"),
        ("message + draft", "message_plus_draft_ms", "message_plus_draft_floor_ms"),
    ]:
        a, f = lat[key], lat[fkey]
        lines.append(f"| {name} | {a['p50']} | {a['p95']} | {a['max']} | {f['p50']} | {f['p95']} |")
    for name, key in [
        ("input guards, CPU time", "input_guards_cpu_ms"),
        ("output guards, CPU time", "output_guards_cpu_ms"),
        ("message + draft, CPU time", "message_plus_draft_cpu_ms"),
    ]:
        cpu = lat[key]
        lines.append(f"| {name} | {cpu['p50']} | {cpu['p95']} | {cpu['max']} | | |")
    lines.append(
        f"\n1-minute load average when the latency loop ended: {lat['load_average_1m']} on {os.cpu_count()} cores. "
        "Wall-clock p95 includes time the scheduler gave to other processes; the CPU-time row does not."
    )
    for lt in res["long_text"]:
        lines.append(
            f"\nLong text (input guards): {lt['chars']:,} chars → {lt['ms']} ms wall, {lt['cpu_ms']} ms CPU "
            f"({lt['spans']} spans; floor {lt['floor_ms']} ms)."
        )
    lines += [
        "",
        f"Goals: recall ≥ 0.99 on resident IDs / phones / bank cards, precision ≥ {GOAL_PRECISION}, p95 < "
        f"{GOAL_P95_MS} ms. Verdict: {json.dumps(res['goals'], ensure_ascii=False)}",
    ]
    return "\n".join(lines) + "\n"


def run_all_measures(
    res: dict[str, Any],
    guards: Any,
    pii_rows: list[dict],
    inj_rows: list[dict],
    grd_rows: list[dict],
    args: list[str],
) -> None:
    res["pii"] = pii_metrics(pii_rows)
    res["injection"] = injection_metrics(inj_rows, guards)
    res["grounding"] = grounding_metrics(grd_rows, guards)
    # Held-out sets, written in rounds after tuning; see the md for which were later tuned / trained on.
    res["heldout"] = {
        "pii": pii_metrics(load("heldout_pii.jsonl")),
        "pii_2": pii_metrics(load("heldout2_pii.jsonl")),
        "injection": injection_metrics(load("heldout_injection.jsonl"), guards),
        "grounding": grounding_metrics(load("heldout_grounding.jsonl"), guards),
        "injection_2": injection_metrics(load("heldout2_injection.jsonl"), guards),
        "injection_3": injection_metrics(load("heldout3_injection.jsonl"), guards),
        "injection_3_rules_only": injection_metrics(
            load("heldout3_injection.jsonl"),
            SimpleNamespace(injection=HeuristicInjectionDetector(use_model=False)),
        ),
    }
    messages = [r["text"] for r in pii_rows if r["kind"] != "long_text"] + [r["text"] for r in inj_rows]
    res["latency"] = latency(guards, messages, grd_rows)
    res["long_text"] = [long_text(guards, 100_000)] + (
        [long_text(guards, 200_000)] if "--full" in args else []
    )


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    guards = build_guardrails(RAILS)
    pii_rows, inj_rows, grd_rows = load("pii.jsonl"), load("injection.jsonl"), load("grounding.jsonl")
    res: dict[str, Any] = {
        "run_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": f"{platform.machine()} {platform.python_version()}",
    }
    with measure_load() as load_window:
        run_all_measures(res, guards, pii_rows, inj_rows, grd_rows, args)
    res["load"] = load_window.as_dict()
    per = res["pii"]["per_entity"]
    res["goals"] = {
        "recall": {e: per.get(e, {}).get("recall") for e in GOAL_RECALL if e in per},
        "recall_met": all((per[e]["recall"] or 0) >= g for e, g in GOAL_RECALL.items() if e in per),
        "precision_met_all_entities": all((m["precision"] or 0) >= GOAL_PRECISION for m in per.values()),
        "p95_wall_met": res["latency"]["message_plus_draft_ms"]["p95"] < GOAL_P95_MS,
        "p95_cpu_met": res["latency"]["message_plus_draft_cpu_ms"]["p95"] < GOAL_P95_MS,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_guardrails.json").write_text(
        json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    md = write_md(res)
    (RESULTS / "bench_guardrails.md").write_text(md, encoding="utf-8")
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
