"""LLM drafts through the ChatModel port. The prompt gives numbered evidence and asks for [n] markers; the output is
checked (non-empty, in the customer's language, only known markers, at least one citation when evidence exists).
Timeout or garbage → the extractive draft, recorded as DraftSource.FALLBACK with the reason in `flags`."""

from __future__ import annotations

import re

from agents.drafting.common import CJK, citations_for, draft_evidence, label, numbered
from agents.drafting.extractive import extractive_draft
from contract.errors import BackendUnavailable
from contract.evidence import Evidence
from contract.ports import ChatModel
from contract.suggestions import Action, Draft, DraftSource

PROMPT_VERSION = "draft-v1"

SYSTEM_ZH = (
    "你是医疗器械经销公司的销售助理，替销售代表起草给客户的微信回复。只依据给出的【依据】作答，"
    "在用到的句子后标注依据编号，如[1]。不得写出依据中没有的数字、日期、价格或承诺。"
    "语气礼貌、简洁，三句话以内，直接输出回复正文。"
)
SYSTEM_EN = (
    "You draft a short reply for a sales rep of a medical-device distributor. Use ONLY the numbered evidence and put its "
    "number after each sentence that uses it, like [1]. Never state a number, date, price or promise not in the evidence. "
    "Polite, at most three sentences, output only the reply."
)


def build_messages(
    text: str, numbering: list[tuple[str, Evidence]], actions: list[Action], lang: str, tone: str
):
    ev_lines = "\n".join(f"[{m}] {label(e)}：{e.content[:300]}" for m, e in numbering)
    act_lines = "；".join(f"{a.label or a.name}" for a in actions) or "无"
    if lang == "en":
        user = f"Evidence:\n{ev_lines}\n\nSuggested actions: {act_lines}\nTone: {tone}\n\nCustomer: {text}\n\nReply:"
        return [{"role": "system", "content": SYSTEM_EN}, {"role": "user", "content": user}]
    user = (
        f"【依据】\n{ev_lines}\n\n【建议动作】{act_lines}\n【语气】{tone}\n\n【客户消息】{text}\n\n【回复】"
    )
    return [{"role": "system", "content": SYSTEM_ZH}, {"role": "user", "content": user}]


def garbage_reason(out: str, numbering: list[tuple[str, Evidence]], lang: str) -> str:
    """Why an LLM output is unusable, or '' when it is fine."""
    stripped = out.strip()
    if len(stripped) < 4:
        return "empty"
    if lang == "zh" and not CJK.search(stripped):
        return "wrong_language"
    markers = set(re.findall(r"\[(\d{1,3})\]", stripped))
    known = {m for m, _ in numbering}
    if markers - known:
        return "unknown_citation"
    if numbering and not markers:
        return "no_citation"
    if re.search(r"(.{6,}?)\1{3,}", stripped):
        return "repetition"
    return ""


def _bigrams(text: str) -> set[str]:
    t = re.sub(r"\s+", "", text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


def attach_citations(reply: str, numbering: list[tuple[str, Evidence]], min_overlap: float = 0.35) -> str:
    """Small models often answer from the evidence but forget the [n] markers: put the marker of the evidence a
    sentence overlaps most (character bigrams) after it. Sentences that overlap nothing stay unmarked; the grounding
    check still verifies every claim."""
    grams = [(m, _bigrams(e.content)) for m, e in numbering]
    out = []
    for sentence in re.split(r"(?<=[。！？!?])", reply):
        sg = _bigrams(sentence)
        best = max(((len(sg & g) / len(sg), m) for m, g in grams), default=(0.0, "")) if sg else (0.0, "")
        if best[0] >= min_overlap and sentence.strip():
            stop = sentence[-1] if sentence[-1] in "。！？!?" else ""
            sentence = sentence[: len(sentence) - len(stop)] + f"[{best[1]}]" + stop
        out.append(sentence)
    return "".join(out)


def llm_draft(
    llm: ChatModel,
    text: str,
    evidence: list[Evidence],
    actions: list[Action],
    *,
    lang: str,
    tone: str,
    timeout_s: float,
    max_tokens: int,
    focus: list[str] | None = None,
) -> tuple[Draft, list[str]]:
    """Returns the draft and flags (e.g. ['llm_fallback:llm_timeout'])."""
    numbering = numbered(draft_evidence(evidence, actions, limit=3))
    messages = build_messages(text, numbering, actions, lang, tone)
    polite = tone.startswith("apolog") or "歉" in tone
    try:
        result = llm.complete(messages, max_tokens=max_tokens, temperature=0.2, timeout_s=timeout_s)
    except BackendUnavailable as exc:
        return extractive_draft(
            evidence, actions, lang=lang, source=DraftSource.FALLBACK, polite=polite, focus=focus
        ), [f"llm_fallback:{exc.reason}"]
    reply = result.text.strip()
    reason = garbage_reason(reply, numbering, lang)
    flags: list[str] = []
    if reason == "no_citation":
        reply = attach_citations(reply, numbering)
        reason = garbage_reason(reply, numbering, lang)
        flags = ["citations_attached"] if not reason else []
    if reason:
        return extractive_draft(
            evidence, actions, lang=lang, source=DraftSource.FALLBACK, polite=polite, focus=focus
        ), [f"llm_fallback:{reason}"]
    draft = Draft(
        text=reply,
        citations=citations_for(reply, numbering),
        source=DraftSource.LLM,
        model=result.model or llm.name,
        prompt_version=PROMPT_VERSION,
        lang=lang,
    )
    return draft, flags
