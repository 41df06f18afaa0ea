"""Generates the spoken-PII evaluation sets: caller transcripts with mobiles, resident IDs and bank cards read aloud
(Chinese digits, 幺 / 两 / 洞, spaced and grouped digits, mixed Chinese and ASCII groups), and hard negatives whose
numbers must survive masking (amounts, dates, model and alarm codes, order numbers, hotlines).

Every value is fake and made here with the published check-digit rules (bench/datasets/guardrails/pii_values.py, which
imports nothing from guardrails/). Run: python -m bench.datasets.privacy.gen_spoken

Two files: spoken_pii.jsonl (seed 21, the development set the normaliser was checked against) and
spoken_pii_fresh.jsonl (seed 2119, different templates mixed the same way, generated once the normaliser was frozen).
The sentence templates and hard negatives come from the tenant folder (<tenant>/synthetic/gen_spoken.yaml, default
copilot/tenants/demo; --tenant-dir to use another)."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from bench.datasets.guardrails.pii_values import bank_card, mobile, resident_id
from bench.datasets.guardrails.tenant_vocabulary import DEFAULT_TENANT_DIR, Vocabulary, VocabularyError

HERE = Path(__file__).parent
OUT = HERE.parents[2] / "evals" / "datasets" / "privacy"  # the sets live with the evaluator's data
_HAN = "零一二三四五六七八九"


def say_digit(rng: random.Random, d: str, *, yao: float, liang: float) -> str:
    if d == "1" and rng.random() < yao:
        return "幺"
    if d == "2" and rng.random() < liang:
        return "两"
    if d == "0" and rng.random() < 0.15:
        return rng.choice("〇洞")
    if d in "Xx":
        return rng.choice(["叉", "X"])
    return _HAN[int(d)]


def groups_of(value: str, kind: str) -> list[str]:
    if kind == "mobile":
        cuts = [3, 7]
    elif kind == "id":
        cuts = [6, 14]
    else:
        cuts = list(range(4, len(value), 4))
    out, prev = [], 0
    for c in [*cuts, len(value)]:
        out.append(value[prev:c])
        prev = c
    return out


def spoken_form(rng: random.Random, value: str, kind: str) -> tuple[str, str]:
    """(form name, how the caller's number appears in the transcript)."""
    yao = 0.7 if kind == "mobile" else 0.3
    han = lambda s: "".join(say_digit(rng, d, yao=yao, liang=0.15) for d in s)  # noqa: E731
    form = rng.choice(["han", "han_grouped", "spaced", "mixed", "single_spaced", "han_comma"])
    groups = groups_of(value, kind)
    if form == "han":
        text = han(value)
    elif form == "han_grouped":
        text = " ".join(han(g) for g in groups)
    elif form == "han_comma":
        text = rng.choice(["，", "、"]).join(han(g) for g in groups)
    elif form == "spaced":
        text = rng.choice([" ", "-"]).join(groups)
    elif form == "single_spaced":
        text = " ".join(value)
    else:  # mixed: some groups read in Chinese, some transcribed as digits
        parts = [han(g) if i % 2 == 0 else g for i, g in enumerate(groups)]
        if rng.random() < 0.5:
            parts = [g if i % 2 == 0 else han(g) for i, g in enumerate(groups)]
        text = rng.choice([" ", ""]).join(parts)
    return form, text


def make(
    seed: int, templates: dict[str, list[str]], n_per_kind: int, negatives: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    makers = {"mobile": mobile, "id": resident_id, "card": bank_card}
    entity = {"mobile": "CN_MOBILE", "id": "CN_RESIDENT_ID", "card": "BANK_CARD"}
    rows: list[dict[str, Any]] = []
    for kind, make_value in makers.items():
        for _ in range(n_per_kind):
            value = make_value(rng)
            form, said = spoken_form(rng, value, kind)
            template = rng.choice(templates[kind])
            start = template.index("{v}")
            text = template.replace("{v}", said)
            rows.append(
                {
                    "kind": "positive",
                    "form": form,
                    "text": text,
                    "spans": [
                        {"entity": entity[kind], "start": start, "end": start + len(said), "value": value}
                    ],
                }
            )
    # a call with two values: the shape (a mobile in Chinese digits, an ID in plain digits)
    for _ in range(max(4, n_per_kind // 5)):
        m, i = mobile(rng), resident_id(rng)
        _, said_m = spoken_form(rng, m, "mobile")
        head = "手机号"
        mid = "……要不要我报一下身份证号？"
        text = head + said_m + mid + i
        s1, s2 = len(head), len(head) + len(said_m) + len(mid)
        rows.append(
            {
                "kind": "positive",
                "form": "two_values",
                "text": text,
                "spans": [
                    {"entity": "CN_MOBILE", "start": s1, "end": s1 + len(said_m), "value": m},
                    {"entity": "CN_RESIDENT_ID", "start": s2, "end": s2 + len(i), "value": i},
                ],
            }
        )
    for category, text in negatives:
        rows.append({"kind": "negative", "form": category, "text": text, "spans": []})
    rng.shuffle(rows)
    for n, row in enumerate(rows):
        row["id"] = f"spoken-{seed}-{n:03d}"
    return rows


def write(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Regenerate the spoken-PII evaluation sets.")
    parser.add_argument(
        "--tenant-dir", type=Path, default=DEFAULT_TENANT_DIR, help="tenant folder with synthetic/"
    )
    parser.add_argument("--out", type=Path, default=None, help=f"output folder (default {OUT})")
    args = parser.parse_args(argv)
    out: Path = args.out or OUT
    try:
        words = Vocabulary("gen_spoken", args.tenant_dir)
        negatives = words.pairs("hard_negatives")
        dev, fresh = words.text_lists("templates_dev"), words.text_lists("templates_fresh")
    except VocabularyError as exc:  # a missing or malformed words file: one line, no traceback
        raise SystemExit(f"error: {exc}") from None
    out.mkdir(parents=True, exist_ok=True)
    write(out / "spoken_pii.jsonl", make(21, dev, 30, negatives))
    write(out / "spoken_pii_fresh.jsonl", make(2119, fresh, 20, negatives))


if __name__ == "__main__":
    main()
