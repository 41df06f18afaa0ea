"""knowledge/policy/segment.py cuts exactly as jieba's search mode: on every Chinese run of both tenants' packs (policies,
CRM exports, suites), the Chinese question set, and shuffled runs that force jieba's HMM on unknown characters."""

from __future__ import annotations

import random
from pathlib import Path

import jieba
import yaml

from knowledge.policy.lexical import CJK, SCRIPT_RUN, tokenize
from knowledge.policy.segment import lcut_for_search

ROOT = Path(__file__).resolve().parents[2]


def _runs() -> list[str]:
    texts = [
        p.read_text("utf-8", errors="ignore")
        for p in sorted((ROOT / "copilot" / "tenants").rglob("*"))
        if p.is_file() and p.suffix in (".md", ".txt", ".yaml", ".csv")
    ]
    cases = yaml.safe_load((ROOT / "evals" / "datasets" / "retrieval_zh.yaml").read_text("utf-8"))["cases"]
    texts += [c["q"] for c in cases]
    return [r for t in texts for r in SCRIPT_RUN.findall(t) if CJK.match(r)]


def test_same_words_as_jieba_search_mode() -> None:
    runs = _runs()
    rng = random.Random(3)
    chars = "".join(runs)
    shuffled = ["".join(rng.choice(chars) for _ in range(rng.randint(2, 30))) for _ in range(3000)]
    rare = [
        "㐀㐁返点",
        "返点䶵政策",
        "鿿",
        "特别条款鿕鿖",
    ]  # outside jieba's Han block: jieba itself cuts these
    checked = 0
    for run in [*runs, *shuffled, *rare]:
        assert lcut_for_search(run) == jieba.lcut_for_search(run), run
        checked += 1
    assert checked > 5000


def test_tokenize_uses_it_and_keeps_codes_and_latin_words() -> None:
    assert tokenize("返点协议V3.2 的 AB-700 rebate") == [
        *[w for w in jieba.lcut_for_search("返点协议") if w not in ("的",)],
        "v3",
        "2",
        "ab",
        "700",
        "rebate",
        "v3.2",
        "ab700",
    ]
