"""evals/results/privacy.json + privacy.md: spoken-PII recall and non-PII precision, the canary run over every store
(demo and second-tenant tuning suites; embedded, then Redis), and the CRM field-level PIPL baseline of both tenants.

Run: python -m evals.privacy_report [--quick] (make eval runs it). --quick replays 8 cases per suite instead of all.
Never reads a *heldout* suite."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "evals" / "results"
DATASETS = ROOT / "evals" / "datasets" / "privacy"
SUITES = [ROOT / "evals" / "suites" / "demo.yaml", ROOT / "evals" / "suites" / "autodealer.yaml"]
TENANTS = {
    "demo": ROOT / "copilot" / "tenants" / "demo",
    "autodealer": ROOT / "copilot" / "tenants" / "autodealer",
}


def spoken_section() -> dict[str, Any]:
    from copilot.privacy.spoken_eval import load, score

    sets = {name: score(load(DATASETS / f"{name}.jsonl")) for name in ("spoken_pii", "spoken_pii_fresh")}
    rows = load(DATASETS / "spoken_pii.jsonl") + load(DATASETS / "spoken_pii_fresh.jsonl")
    combined = score(rows)
    return {
        "spoken_pii_recall": combined["spoken_pii_recall"],
        "non_pii_precision": combined["non_pii_precision"],
        "transcripts": combined["transcripts"],
        "labelled_values": combined["labelled_values"],
        "sets": sets,
    }


def crm_section(work: Path) -> dict[str, Any]:
    from copilot.privacy.crm_scan import scan_crm
    from knowledge.crm import build_demo_crm, import_csv, load_mapping

    out: dict[str, Any] = {}
    for tenant, folder in TENANTS.items():
        if not (folder / "crm" / "mapping.yaml").is_file():
            out[tenant] = {"skipped": "no crm/mapping.yaml"}
            continue
        url = f"sqlite:///{work / f'{tenant}-crm.sqlite'}"
        crm = folder / "crm"
        if any(crm.glob("*.csv")):
            import_csv(crm, url, load_mapping(crm / "mapping.yaml"))
        else:
            build_demo_crm(url)
        out[tenant] = scan_crm(url, crm / "mapping.yaml")
    return out


def canary_section(work: Path, quick: bool) -> dict[str, Any]:
    from evals.privacy_canary import run_canaries

    suites = [s for s in SUITES if s.is_file() and "heldout" not in s.name]
    return run_canaries(suites, work, with_redis=True, max_cases=8 if quick else None)


def render(report: dict[str, Any]) -> str:
    sp, can, crm = report["spoken_pii"], report["canary"], report["crm_scan"]
    lines = [
        "# Privacy · 隐私",
        "",
        f"Generated {report['generated_at']} in {report['seconds']} s{' (quick: 8 cases per suite)' if report['quick'] else ''}.",
        "",
        "## The masking boundary 脱敏边界",
        "",
        "`perceive` is the boundary: the message (every text-bearing part field), the perceived text, the injection-check "
        "texts and the perception evidence (voice transcripts, OCR text, file text) are masked with the conversation's "
        "vault key before anything is written to the graph state. So intent entities, the LLM prompt, the ledger "
        "(suggestion, inputs, evidence), pushes and pages carry tokens such as `<CN_MOBILE_1>`. Behind it: the "
        "checkpointer's serializer masks any message it persists (durability sync/async checkpoint the raw input "
        "before `perceive` runs), a rep's edited reply is masked before the ledger, the inbox redacts a payload when "
        "it is acknowledged (SQLite, secure_delete) or deletes the stream entry (Redis, after "
        "`COPILOT_QUEUE_REDACT_AFTER_S`), eval reports mask the turn text. Raw values live only in the vault: Redis "
        "hashes sealed with AES-256-GCM (key `COPILOT_PII_VAULT_KEY`, required in production with Redis), an HMAC "
        "index instead of the value, TTL `COPILOT_PII_VAULT_TTL_S` (72 h) refreshed on use, dropped by a subject "
        "erasure. CRM contact names are the masker's `known_names`.",
        "",
        "## Spoken and mixed PII 口述与混写号码",
        "",
        f"**spoken_pii_recall {sp['spoken_pii_recall']}** (goal ≥ 0.99) over {sp['labelled_values']} labelled values in "
        f"{sp['transcripts']} generated caller transcripts (mobiles, resident IDs, bank cards read in Chinese digits with "
        f"幺/两/洞/叉, spaced or grouped digits, digits read one by one, mixed 一三八 1762 四五九零); non-PII numbers "
        f"(amounts, dates, model and alarm codes, order numbers, hotlines, quantities) left intact: "
        f"**{sp['non_pii_precision']}**.",
        "",
        "| set | transcripts | values | recall | entity recall | negatives flagged | span precision |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in sp["sets"].items():
        lines.append(
            f"| {name} | {s['transcripts']} | {s['labelled_values']} | {s['spoken_pii_recall']} | {s['entity_recall']} | "
            f"{s['negatives_flagged']}/{s['negatives']} | {s['span_precision']} |"
        )
    lines += [
        "",
        "`spoken_pii.jsonl` is the development set the normaliser was checked against; `spoken_pii_fresh.jsonl` was "
        "generated afterwards from other templates and seeds. Both are synthetic (bench/datasets/privacy/gen_spoken.py): "
        "real ASR output has its own errors (a misheard digit is no longer the customer's number, but 10 of 11 digits "
        "still are personal data), which this set does not measure.",
        "",
        "## Canaries over every store 金丝雀扫描",
        "",
        f"{can['canaries_seeded']} canary parts ({can['canary_values_seeded']} values: name, mobile, resident ID, bank "
        "card) planted across text, voice transcripts, OCR'd PNG images (Noto CJK) and text files, one per case, "
        "through inbox → worker → graph → ledger → decisions → wrap-ups → hub pushes → page data → ledger exports → "
        f"subject exports → eval HTML/JSON report. **Leaked: {can['canaries_leaked_total']}** (goal 0). Reached the pipeline and came out "
        f"masked: {can['canaries_reached']} of {can['canaries_seeded']}"
        + (
            " — the others never got past a refusal before perception (e.g. a tenant configuration the graph rejects, "
            "see each run's `case_status`), so their zero leak proves nothing."
            if can["canaries_reached"] < can["canaries_seeded"]
            else "."
        ),
        "",
        "| run | cases | seeded | reached the pipeline and masked (text/voice/image/file) | verify | leaked |",
        "|---|---|---|---|---|---|",
    ]
    for r in can["runs"]:
        reached = " / ".join(f"{v['tokens_seen']}/{v['cases']}" for v in r["masked_in_pipeline"].values())
        lines.append(
            f"| {r['suite']} ({r['mode']}) | {r['cases']} | {r['canaries_seeded']} | {reached} | "
            f"{'ok' if r['ledger_verify_ok'] else 'BROKEN'} | {r['canaries_leaked']} |"
        )
    lines += [
        "",
        "Case pass/fail is not what this run measures: the planted sentence changes what some cases are about (a "
        "customer registering a phone number reads as a privacy request), so cases fail their own intent checks; "
        "the suites' real scores are in suite_*.json.",
    ]
    lines += ["", "| store | items scanned | leaked |", "|---|---|---|"]
    for r in can["runs"]:
        for store, s in r["stores"].items():
            lines.append(
                f"| {r['suite']}/{r['mode']}: {store} | {s['items_scanned']} | {s['canaries_leaked']} |"
            )
    redis_runs = [r for r in can["runs"] if r["mode"] == "redis"]
    if redis_runs:
        r = redis_runs[0]
        lines += [
            "",
            f"Redis: {r.get('vault_keys', 0)} vault keys hold the raw values, sealed (AES-256-GCM, HMAC index): "
            f"{r.get('vault_plaintext_hits', 0)} plaintext hits. Before an AOF rewrite the append-only file still "
            f"replays the raw XADD of each message ({r['redis_aof_before_rewrite']['canaries_leaked']} canary values "
            "found); after BGREWRITEAOF it holds the current data only. Production: keep `auto-aof-rewrite-percentage` "
            "on (or schedule BGREWRITEAOF) and treat the AOF as raw until rewritten.",
        ]
    lines += [
        "",
        "Not covered: audio bytes (voice parts arrive transcribed here, as live calls do; a chat voice message's audio "
        "file stays in the media store), the customer's own uploads in the media store, and a rep's edited text "
        "(masked before the ledger, tested in tests/privacy, but not exercised by this run). The PostgreSQL run reads "
        "every table back through SQL (large values are TOAST-compressed on disk) and every cluster file after a "
        "CHECKPOINT; a subject erasure there needs a VACUUM before the old row versions leave the heap.",
        "",
        "## CRM field-level baseline (PIPL) CRM 字段级基线",
        "",
        "| tenant | tables | columns | personal | sensitive | exposed unmasked | never_read | not read |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for tenant, scan in crm.items():
        if "summary" not in scan:
            lines.append(f"| {tenant} | {scan.get('skipped', '')} |")
            continue
        s, st = scan["summary"], scan["summary"]["by_status"]
        lines.append(
            f"| {tenant} | {s['tables']} | {s['columns']} | {s['personal_columns']} | {s['sensitive_columns']} | "
            f"{st.get('exposed_unmasked', 0)} | {st.get('never_read', 0)} | {st.get('not_read', 0)} |"
        )
    for tenant, scan in crm.items():
        personal = [c for c in scan.get("columns", []) if c["pii_kinds"]]
        if not personal:
            continue
        lines += [
            "",
            f"**{tenant}**",
            "",
            "| column | PII | copilot reads as | status | action |",
            "|---|---|---|---|---|",
        ]
        for c in personal:
            lines.append(
                f"| {c['table']}.{c['column']} | {', '.join(c['pii_kinds'])} | {c['mapped_as'] or '—'} | "
                f"{c['status']} | {c['action']} |"
            )
    lines += [
        "",
        "Full per-column reports: `copilot privacy scan --out DIR`. Subject requests: `copilot privacy export "
        "--customer ID`, `copilot privacy erase --customer ID --yes` (tests/privacy/test_subject_requests.py).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 cases per suite instead of all")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--render-only", action="store_true", help="rewrite privacy.md from privacy.json")
    args = parser.parse_args(argv)
    from copilot.ledger.canonical import now_iso

    if args.render_only:
        saved = json.loads((args.out / "privacy.json").read_text(encoding="utf-8"))
        (args.out / "privacy.md").write_text(render(saved), encoding="utf-8")
        return 0

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="privacy-report-") as tmp:
        work = Path(tmp)
        report: dict[str, Any] = {
            "generated_at": now_iso(),
            "quick": args.quick,
            "spoken_pii": spoken_section(),
            "crm_scan": crm_section(work),
        }
        report["canary"] = canary_section(work / "canary", args.quick)
    report["seconds"] = round(time.monotonic() - started, 1)
    report["spoken_pii_recall"] = report["spoken_pii"]["spoken_pii_recall"]
    report["canaries_seeded"] = report["canary"]["canaries_seeded"]
    report["canaries_leaked"] = report["canary"]["canaries_leaked"]
    report["canaries_reached"] = report["canary"]["canaries_reached"]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "privacy.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (args.out / "privacy.md").write_text(render(report), encoding="utf-8")
    print(f"privacy: spoken_pii_recall {report['spoken_pii_recall']}, canaries leaked "  # noqa: T201
          f"{report['canary']['canaries_leaked_total']} of {report['canaries_seeded']} seeded → {args.out / 'privacy.md'}")  # fmt: skip
    return 0 if report["canary"]["canaries_leaked_total"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
