"""Domain priming for Whisper: hotwords (tenant product names) go into the initial prompt (`<|startofprev|>` tokens),
which is exactly what faster-whisper's `hotwords=` does; a simplified-Chinese prompt also keeps the output simplified.

Whisper sometimes copies its prompt into the transcript ('…客户关于<产品>…'); a phantom product mention would
mislead intent detection, so `strip_prompt_echo` cuts copied runs — except runs inside one product name, which the
customer may really have said."""

from __future__ import annotations

import re

_HEAD, _MID, _TAIL = "以下是客户关于", "等", "的普通话咨询。"
# No tenant term in it: it only keeps whisper's Mandarin output in simplified characters (without any prompt the base
# model often writes traditional ones, which costs CER and breaks term matching). evals/results/bench_voice.md.
NEUTRAL_PROMPT = "以下是普通话客服电话的简体中文转写。"


def tenant_prompt(product_names: list[str], *, domain: str = "") -> str:
    """An initial prompt that primes Whisper with the tenant's product names (and simplified Chinese). `domain` is the
    tenant's own words for its business (its profile), never a default written here."""
    names = "、".join(dict.fromkeys(n.strip() for n in product_names if n.strip()))
    if not names:
        return "以下是客户的普通话咨询。"
    # A closed sentence: a prompt ending in a list invites the model to continue the list into the transcript.
    return f"{_HEAD}{names}{_MID}{domain}{_TAIL}" if domain else f"{_HEAD}{names}{_TAIL}"


def prompt_terms(prompt: str) -> list[str]:
    """The product names and domain inside a `tenant_prompt`; none for any other prompt (every echo of it is cut)."""
    if not prompt.startswith(_HEAD):
        return []
    body = prompt.removeprefix(_HEAD).removesuffix(_TAIL)
    return [t for t in re.split(r"[、，,。]|" + _MID, body) if t]


def strip_prompt_echo(text: str, prompt: str, min_len: int = 6) -> str:
    if not prompt or len(text) < min_len:
        return text
    terms = prompt_terms(prompt)
    out, i = [], 0
    while i < len(text):
        j = i + min_len
        if j <= len(text) and text[i:j] in prompt:
            while j < len(text) and text[i : j + 1] in prompt:
                j += 1
            if not any(text[i:j] in term for term in terms):
                i = j
                continue
        out.append(text[i])
        i += 1
    return "".join(out).strip(" ,，")
