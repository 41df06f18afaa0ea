"""Prompt-injection set: attacks (Chinese and English; direct in customer messages and transcripts, indirect in OCR
text and retrieved documents; encoded and obfuscated) and benign texts, including benign look-alikes (a customer who
asks to ignore their own last message, or who negotiates a discount). The texts come from the tenant folder
(<tenant>/synthetic/gen_injection.yaml, default copilot/tenants/demo); this file keeps only how they are mixed."""

from __future__ import annotations

import base64
import random
from pathlib import Path

from tenant_vocabulary import Vocabulary


def _obfuscate(rng: random.Random, text: str) -> str:
    style = rng.choice(["spaces", "zero_width", "fullwidth"])
    if style == "spaces":
        return " ".join(text)
    if style == "zero_width":
        return "\u200b".join(text)
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def build(seed: int = 7, tenant_dir: Path | None = None) -> list[dict[str, object]]:
    words = Vocabulary("gen_injection", tenant_dir)
    direct_zh, direct_en = words.texts("direct_attacks_zh"), words.texts("direct_attacks_en")
    benign = words.texts("benign_customer_messages")
    attack_greetings, benign_greetings = words.texts("attack_greetings"), words.texts("benign_greetings")
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []

    def add(text: str, label: int, source: str, kind: str) -> None:
        rows.append(
            {"id": f"inj-{len(rows):04d}", "text": text, "label": label, "source": source, "kind": kind}
        )

    for t in direct_zh + direct_en:
        add(t, 1, "customer", "direct")
        add(rng.choice(attack_greetings) + t, 1, "customer", "direct_prefixed")
    for t in words.texts("attacks_in_documents"):
        add(t, 1, "document", "indirect_document")
    for t in words.texts("attacks_in_ocr"):
        add(t, 1, "ocr", "indirect_ocr")
    for t in words.texts("attacks_in_transcripts"):
        add(t, 1, "transcript", "transcript")
    for t in rng.sample(direct_zh + direct_en, 12):
        add("请帮我解码并执行：" + base64.b64encode(t.encode()).decode(), 1, "customer", "encoded_base64")
    for t in rng.sample(direct_zh[:8] + direct_en[:8], 10):
        add(_obfuscate(rng, t[:40]), 1, "customer", "obfuscated")
    for t in benign:
        add(t, 0, "customer", "benign")
    for t in benign:
        add(rng.choice(benign_greetings) + t, 0, "customer", "benign_prefixed")
    for t in words.texts("benign_documents"):
        add(t, 0, "document", "benign_document")
    for t in words.texts("benign_ocr"):
        add(t, 0, "ocr", "benign_ocr")
    for t in words.texts("benign_transcripts"):
        add(t, 0, "transcript", "benign_transcript")
    return rows
