"""LLM drafts through the ChatModel port.

`phrase(plan, llm, on_token, timeout_s)`: the answer-first path. The template composer decides what to say (a
DraftPlan with locked computed-fact slots); the LLM only re-phrases it, streaming; anything wrong → None and the caller
uses the template.

`llm_draft(...)`: the older path, kept until the draft node switches: the prompt gives numbered evidence and asks for
[n] markers; the output is checked (non-empty, in the customer's language, only known markers, at least one citation
when evidence exists). Timeout or garbage → the extractive draft, DraftSource.FALLBACK with the reason in `flags`."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from agents.drafting.common import CJK, citations_for, draft_evidence, label, numbered
from agents.drafting.extractive import extractive_draft
from agents.drafting.plan import DraftPlan, TenantVoice
from agents.drafting.template import render
from agents.llm.streaming import drain, open_stream
from contract.errors import BackendUnavailable
from contract.evidence import Evidence
from contract.ports import ChatModel
from contract.suggestions import Action, Draft, DraftSource

PROMPT_VERSION = "draft-v1"

SYSTEM_ZH = (
    "你是销售助理，替销售代表起草给客户的微信回复。只依据给出的【依据】作答，"
    "在用到的句子后标注依据编号，如[1]。不得写出依据中没有的数字、日期、价格或承诺。"
    "语气礼貌、简洁，三句话以内，直接输出回复正文。"
)
SYSTEM_EN = (
    "You draft a short reply for a sales rep to their customer. Use ONLY the numbered evidence and put its "
    "number after each sentence that uses it, like [1]. Never state a number, date, price or promise not in the evidence. "
    "Polite, at most three sentences, output only the reply."
)


def build_messages(
    text: str, numbering: list[tuple[str, Evidence]], actions: list[Action], lang: str, tone: str
) -> list[dict[str, str]]:
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
            evidence, actions, lang=lang, source=DraftSource.FALLBACK, polite=polite, focus=focus, said=text
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
            evidence, actions, lang=lang, source=DraftSource.FALLBACK, polite=polite, focus=focus, said=text
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


# ---- phrase(): the LLM re-phrases the answer-first template draft (DraftPlan) ------------------------------------------
#
# By construction the model never writes a number: every computed fact (a locked slot), every other number, date,
# clause number and 《document title》 in the template is replaced by a placeholder such as {A} before the model sees
# it, and put back afterwards. The checks then reject an output that drops a placeholder or a [n] marker, still
# contains a digit or a Chinese amount of its own, claims an approval or a promise the template does not make, repeats
# the customer, speaks as the customer or does not address the customer as the plan says.

PHRASE_PROMPT_VERSION = "phrase-v2"  # v2: greeting + answer only; the tenant's lines after it verbatim
PLACEHOLDER = re.compile(r"\{([A-Z]{1,2})\}")
MARKER = re.compile(r"\[(\d{1,3})\]")
CN_NUM = "零一二两三四五六七八九十百千万亿"
UNITS = (
    r"(?:万元|元|万|亿|%|％|折|个月|个工作日|工作日|天|日|周|年|月|小时|分钟|公里|km|次|台|件|箱|条|款|项)"
)
# What the template may carry that the model must copy exactly: titles with their clause, dates, amounts, clause ids.
CLAUSE_NO = rf"第[{CN_NUM}\d.]+[条款章节项](?:第[{CN_NUM}\d]+款)?"
LOCKED_PATTERNS = (
    re.compile(rf"《[^》]{{1,80}}》(?:\s*(?:{CLAUSE_NO}|\d+(?:\.\d+)+))?"),
    re.compile(r"(?<![\[\d])\d{4}\s*[-/年.]\s*\d{1,2}\s*[-/月.]\s*\d{1,2}\s*日?"),
    re.compile(CLAUSE_NO),
    re.compile(
        rf"(?<![\[\d.])\d[\d,]*(?:\.\d+)?(?:\s*[-~～至到]\s*\d[\d,]*(?:\.\d+)?)?\s*{UNITS}?(?![\d\]])"
    ),
    re.compile(rf"[{CN_NUM}]+{UNITS}"),
)
CN_AMOUNT = re.compile(rf"[{CN_NUM}]+{UNITS}")
# Things already done or granted: only the template (decided by the rails and the rep's authority) may say them.
APPROVAL_CLAIM = re.compile(
    r"(?:已经?|已为您|已帮您|已给您|给您申请|为您申请|帮您申请|替您申请)"
    r"[^，。！？,.!?]{0,6}?(?:提交|申请|批准|审批|通过|批下|办理|开通|安排|发货|寄出|退款|下单|预约|确认|调整|升级|延长|同意)"
    r"|特批|破例|额外(?:的)?(?:优惠|折扣|返点)|(?:可以|能)(?:给您|为您)?(?:打|再打|申请)\s*[{CN_NUM}\d.]+\s*折"
)
# A step reported as done ("我整理了一份报价发给您", "已安排", "I've sent you"): the template says only what will be
# done next, so a completed action the template does not state is one nobody took. Future and modal forms
# ("我整理一份报价发您", "我会安排", "I will send") and words where 了 is not the past tense (了解, 为了) pass.
DONE_VERBS = (
    r"整理|准备|发送|发给|发到|发出|发过去|发了|寄出|寄给|提交|递交|申请|安排|预约|预订|创建|新建|建好|登记|录入|办理|"
    r"开通|下单|核对|核实|确认|联系|通知|上报|报备|审批|批准|处理|调整|修改|更新|退款|退回|派|转交"
)
COMPLETED_ACTION = re.compile(
    rf"(?:已经?|已为您|已帮您|已给您|刚刚?|刚才)[^，。！？,.!?；;]{{0,6}}?(?:{DONE_VERBS})"
    rf"|(?:{DONE_VERBS})(?:好|完|过)?了(?!解|结|吗|么|没)(?:[^，。！？,.!?；;]{{0,12}}?(?:给您|发您|给你|发你|您))?"
    r"|(?:{DONE_VERBS})(?:好|完)(?:了)?"
    r"|\b(?:I|we)(?:'ve| have)\s+(?:already\s+)?(?:sent|submitted|arranged|booked|scheduled|prepared|applied|filed|"
    r"created|opened|confirmed|processed|forwarded|emailed|registered|approved|escalated)\b"
    r"|\b(?:has|have)\s+(?:already\s+)?been\s+(?:sent|submitted|arranged|booked|scheduled|approved|processed|"
    r"confirmed|registered|created|escalated)\b",
    re.IGNORECASE,
)


def completed_actions(text: str) -> list[str]:
    """The completed-action claims in a text ("整理了一份报价发给您", "已安排", "I've sent"); an action of the
    customer's or a condition ("您确认好了告诉我", "等审批好了") is not one."""
    return [
        m.group(0)
        for m in COMPLETED_ACTION.finditer(text)
        if not re.search(r"(?<![为帮给替])您|请", text[max(0, m.start() - 3) : m.start()])
        and not re.search(
            r"等|待|如果|若|一旦|\b(?:when|once|after|if)\b", text[max(0, m.start() - 12) : m.start()], re.I
        )
    ]


def _done_verb(claim: str) -> str:
    m = re.search(DONE_VERBS, claim)
    return m.group(0) if m else claim.lower()


NEW_PROMISE = re.compile(r"免费|赠送|包邮|返现|补偿|退款|特价|优惠价|保证|承诺|一定会")
# The customer's voice: "你们" for the supplier, asking for documents, stating their own needs. The rep says 我们/您.
AS_CUSTOMER = re.compile(
    r"你们|贵公司的|请(?:尽快)?(?:发送|发|提供|告知|告诉)(?:给)?(?:我|一下)?"
    r"|我(?:们)?(?:公司|司|医院|单位)?(?:想要|需要|要求)"
)
CASUAL_ONE = {"一次", "一条", "一件", "一项", "一款"}  # "再确认一次" is not an amount
LABEL_PREFIX = re.compile(r"^\s*(?:【[^】]{1,6}】|改写[:：]|回复[:：])\s*")


@dataclass
class PhraseOutcome:
    """What happened in one phrase() call: `reason` says why it returned None ('' when it returned a draft);
    first_token_ms / total_ms are the LLM's, measured from the request."""

    reason: str = ""
    first_token_ms: float | None = None
    total_ms: float = 0.0
    model: str = ""
    prompt_tokens: int = 0
    raw_text: str = ""
    notes: list[str] = field(default_factory=list)  # e.g. "marker_restored:2"


@dataclass(frozen=True)
class Masked:
    """The template text with locked spans replaced by {A}, {B} …; `values` maps each letter back."""

    text: str
    values: dict[str, str]


def _letters(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else chr(ord("A") + i // 26 - 1) + chr(ord("A") + i % 26)


def mask_template(plan: DraftPlan) -> Masked:
    """Slots first (longest first, so "86 万元" wins over "86"), then every other locked span in reading order."""
    text = plan.template_text.replace("{", "｛").replace(
        "}", "｝"
    )  # literal braces cannot pose as placeholders
    values: dict[str, str] = {}
    by_value: dict[str, str] = {}

    def token_for(value: str) -> str:
        if value not in by_value:
            letter = _letters(len(values))
            values[letter] = value
            by_value[value] = letter
        return "{" + by_value[value] + "}"

    for slot in sorted(plan.slots, key=lambda s: -len(s.text)):
        if slot.text and slot.text in text:
            text = text.replace(slot.text, token_for(slot.text))
    for pattern in LOCKED_PATTERNS:
        pieces, last = [], 0
        for m in pattern.finditer(text):
            span = m.group(0).strip()
            # never split a placeholder or swallow one into a longer span
            if not span or "{" in span or "}" in span or _inside_placeholder(text, m.start()):
                continue
            lead = m.group(0)[: len(m.group(0)) - len(m.group(0).lstrip())]
            pieces.append(text[last : m.start()] + lead + token_for(span))
            last = m.start() + len(lead) + len(span)
        text = "".join(pieces) + text[last:]
    # letters in reading order ({A} first), which is what the prompt's example shows the model
    order = list(dict.fromkeys(PLACEHOLDER.findall(text)))
    rename = {old: _letters(i) for i, old in enumerate(order)}
    text = PLACEHOLDER.sub(lambda m: "{" + rename.get(m.group(1), m.group(1)) + "}", text)
    return Masked(text=text, values={rename[k]: v for k, v in values.items() if k in rename})


def _inside_placeholder(text: str, pos: int) -> bool:
    opening = text.rfind("{", 0, pos + 1)
    return opening != -1 and text.find("}", opening) >= pos


def unmask(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


class Unmasker:
    """Streams the model's pieces to `on_token` with placeholders already put back: text is held back only while a
    placeholder (or a leading 【label】) may still be incomplete."""

    def __init__(self, values: dict[str, str], on_token: Callable[[str], None] | None) -> None:
        self.values, self.on_token = values, on_token
        self.raw, self._held, self._started = "", "", False

    def feed(self, piece: str) -> None:
        self.raw += piece
        self._held += piece
        if not self._started:  # drop a leading 【改写】-style label the model may echo from the prompt
            if len(self._held) < 6 and "【".startswith(self._held[:1]) and "】" not in self._held:
                return
            self._held = LABEL_PREFIX.sub("", self._held, count=1)
            self._started = True
        cut = self._held.rfind("{")
        if cut != -1 and "}" not in self._held[cut:] and len(self._held) - cut <= 4:
            ready, self._held = self._held[:cut], self._held[cut:]
        else:
            ready, self._held = self._held, ""
        self._emit(unmask(ready, self.values))

    def finish(self) -> None:
        self._emit(unmask(self._held, self.values))
        self._held = ""

    def _emit(self, text: str) -> None:
        if text and self.on_token is not None:
            self.on_token(text)


def phrase_messages(plan: DraftPlan, masked: Masked) -> list[dict[str, str]]:
    """System message = the stable prefix (rules + the tenant's voice), identical for every message of a tenant, so
    llama.cpp reuses its cached prefill; the user message = the short per-message part (addressee and masked draft).
    The customer's own words are deliberately left out: a small model shown them repeats them."""
    voice = plan.voice
    if plan.lang == "en":
        who = voice.persona or "a sales rep"
        company = f" at {voice.company}" if voice.company else ""
        system = (
            f"You are {who}{company}, rewording a reply draft to your customer so it reads naturally in your own "
            f"voice. Tone: {voice.tone or 'polite, concise, professional'}.\n"
            "Rules: 1. Keep every placeholder such as {A} and every citation marker such as [1] exactly as written, "
            "each one at least once. 2. Add no fact, number, date, price, discount, approval or promise; write no "
            "digits yourself. 3. Never say something was submitted, approved or arranged unless the draft says so. "
            "4. You are the rep writing to the customer: do not write as the customer. 5. Start with the given "
            "greeting name. 6. Add no next step and no closing line of your own (the draft's own are kept). "
            "Output only the reworded reply.\n"
            "Example:\nGreeting: Ms. Li\nDraft: Ms. Li, your service fee this month is {A} [1], billed on {B}.\n"
            "Rewrite: Hello Ms. Li, your service fee for this month comes to {A} [1], billed on {B}."
        )
        user = f"Greeting: {plan.addressee or 'Hello'}\nDraft: {masked.text}\nRewrite:"
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]
    who = voice.persona or "销售代表"
    company = f"（{voice.company}）" if voice.company else ""
    system = (
        f"你是{who}{company}，把一段发给客户的回复草稿改写得自然、得体，像你本人在微信上说话。"
        f"语气：{voice.tone or '礼貌、简洁、专业，称呼“您”'}。\n"
        "规则：1. 草稿里的占位符（如{A}、{B}）和引用编号（如[1]）必须原样保留，每个至少出现一次，不得改写。"
        "2. 不增加任何事实、数字、日期、价格、折扣、审批或承诺，自己不写任何数字。"
        "3. 草稿没说已办成的事，不得说“已提交”“已申请”“已批准”“已安排”。"
        "4. 你是销售代表，对客户说话，不要用客户的口吻，不要复述客户的话。"
        "5. 以给定的称呼开头。6. 不要自己添加下一步或结束语（草稿里有的照常保留）。"
        "只输出改写后的回复正文。\n"
        "示例：\n【称呼】李经理\n【草稿】李经理您好，您本月的服务费为{A}[1]，账单日是{B}。\n"
        "【改写】李经理，您好！您本月的服务费是{A}[1]，账单日为{B}。"
    )
    user = f"【称呼】{plan.addressee or '您好'}\n【草稿】{masked.text}\n【改写】"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def phrase_problem(plan: DraftPlan, masked: Masked, raw: str, *, finish_reason: str = "") -> str:
    """Why a phrased output (still masked) is unusable, or '' when it may be sent. Pure: tested on strings."""
    out = LABEL_PREFIX.sub("", raw.strip(), count=1).strip()
    if len(out) < 4:
        return "empty"
    if finish_reason == "length":
        return "truncated"
    if plan.lang == "zh" and not CJK.search(out):
        return "wrong_language"
    if plan.lang == "en" and len(CJK.findall(out)) > len(out) // 4:
        return "wrong_language"
    used = set(PLACEHOLDER.findall(out))
    if used - set(masked.values):
        return "unknown_placeholder"
    if set(masked.values) - used:
        return "missing_slot" if _drops_slot(plan, masked, used) else "missing_locked_fact"
    if _reordered(out):
        return "reordered_facts"
    if _doubled_unit(masked, out):
        return "doubled_unit"
    markers, template_markers = set(MARKER.findall(out)), set(MARKER.findall(masked.text))
    if markers - template_markers:
        return "unknown_citation"
    if template_markers - markers:
        return "missing_citation"
    claim = _claims_problem(plan, masked, out)
    if claim:
        return claim
    if re.search(r"【[^】]*】", out):
        return "markup"
    final = unmask(out, masked.values)
    if plan.addressee and plan.addressee not in final:
        return "wrong_addressee"
    if plan.customer_text_masked and _parrots(final, plan.customer_text_masked, plan.template_text):
        return "parrots_customer"
    if len(out) > 2 * len(masked.text) + 60:
        return "too_long"
    if re.search(r"(.{6,}?)\1{2,}", out):
        return "repetition"
    return ""


def _doubled_unit(masked: Masked, out: str) -> bool:
    """A unit written right after a fact that already carries one ("顺延{A}天" with {A} = "1至2日" reads "1至2日天"):
    the model added a word to a locked value. The template's own text after the placeholder is never counted."""
    for m in PLACEHOLDER.finditer(out):
        value = masked.values.get(m.group(1), "")
        after = re.match(UNITS, out[m.end() :])
        if after and re.search(rf"{UNITS}$", value) and m.group(0) + after.group(0) not in masked.text:
            return True
    return False


def _reordered(out: str) -> bool:
    """Placeholders are lettered in the template's reading order, so their first appearances must stay A, B, C …:
    a small model that swaps two (the 3% and the 5% tier) keeps every value yet attaches each to the wrong thing."""
    firsts = list(dict.fromkeys(PLACEHOLDER.findall(out)))
    return firsts != sorted(firsts, key=lambda letter: (len(letter), letter))


def _claims_problem(plan: DraftPlan, masked: Masked, out: str) -> str:
    """What the model wrote on its own (outside placeholders and markers) that the template does not say. Once true
    for a prefix of the output it stays true, so it also runs on the partial stream."""
    free = MARKER.sub("", PLACEHOLDER.sub("", out))
    if re.search(r"\d", free):
        return "invented_number"
    template_free = MARKER.sub("", PLACEHOLDER.sub("", masked.text))
    if any(a not in template_free and a not in CASUAL_ONE for a in CN_AMOUNT.findall(free)):
        return "invented_number"
    if any(c.group(0) not in plan.template_text for c in APPROVAL_CLAIM.finditer(free)):
        return "approval_claim"
    # a completed action is backed only when the template (which states what the system did) reports the same one
    done_in_template = {_done_verb(c) for c in completed_actions(template_free)}
    if any(_done_verb(c) not in done_in_template for c in completed_actions(free)):
        return "completed_action_claim"
    if any(p.group(0) not in plan.template_text for p in NEW_PROMISE.finditer(free)):
        return "new_promise"
    if out.count("|") >= 2:
        return "markup"
    if any(c.group(0) not in template_free for c in AS_CUSTOMER.finditer(free)):
        return "as_customer"
    return ""


def early_problem(plan: DraftPlan, masked: Masked, partial: str) -> str:
    """The checks that a prefix of the output already fails for good (an unknown placeholder or marker, an invented
    number, approval or promise, the customer's voice, a ramble): phrase() stops the model at once instead of letting
    a doomed draft use the shared CPU for another minute."""
    out = LABEL_PREFIX.sub("", partial.lstrip(), count=1)
    out = re.sub(r"(?:\[\d{0,3}|\{[A-Z]{0,2})$", "", out)  # a marker or placeholder still being written
    if set(PLACEHOLDER.findall(out)) - set(masked.values):
        return "unknown_placeholder"
    if set(MARKER.findall(out)) - set(MARKER.findall(masked.text)):
        return "unknown_citation"
    if _reordered(out):
        return "reordered_facts"
    if _doubled_unit(masked, out):
        return "doubled_unit"
    claim = _claims_problem(plan, masked, out)
    if claim:
        return claim
    if len(out) > 2 * len(masked.text) + 60:
        return "too_long"
    if re.search(r"(.{6,}?)\1{2,}", out):
        return "repetition"
    return ""


def restore_markers(out: str, template: str, min_overlap: float = 0.4) -> tuple[str, list[str]]:
    """Puts back a [n] marker the model dropped: after the output sentence that best matches (character bigrams,
    placeholders included) the template sentence carrying it. Only markers; the checks still run afterwards."""
    missing = sorted(set(MARKER.findall(template)) - set(MARKER.findall(out)))
    if not missing:
        return out, []
    sentences = re.split(r"(?<=[。！？!?\n])", out)
    restored = []
    for marker in missing:
        carrier = next((t for t in re.split(r"(?<=[。！？!?\n])", template) if f"[{marker}]" in t), "")
        grams = _bigrams(MARKER.sub("", carrier))
        scored = [
            (len(_bigrams(x) & grams) / max(1, len(grams)), i) for i, x in enumerate(sentences) if x.strip()
        ]
        best = max(scored, default=(0.0, -1))
        if best[0] < min_overlap:
            continue
        sentence = sentences[best[1]]
        body = sentence.rstrip()
        stop = body[-1] if body and body[-1] in "。！？!?" else ""
        body = body[: len(body) - len(stop)]
        sentences[best[1]] = body + f"[{marker}]" + stop + sentence[len(sentence.rstrip()) :]
        restored.append(f"marker_restored:{marker}")
    return "".join(sentences), restored


def _drops_slot(plan: DraftPlan, masked: Masked, used: set[str]) -> bool:
    slot_texts = {s.text for s in plan.slots}
    return any(v in slot_texts for k, v in masked.values.items() if k not in used)


def _parrots(text: str, customer: str, template: str, max_jaccard: float = 0.3, max_copy: int = 10) -> bool:
    """Character-bigram Jaccard with the customer's message above 0.3, or a run of 10+ characters copied from it
    that the template itself does not contain."""
    a, b = _bigrams(text), _bigrams(customer)
    if a and b and len(a & b) / len(a | b) > max_jaccard:
        return True
    squeezed = re.sub(r"\s+", "", customer)
    for i in range(0, max(0, len(squeezed) - max_copy + 1)):
        run = squeezed[i : i + max_copy]
        if run in re.sub(r"\s+", "", text) and run not in re.sub(r"\s+", "", template):
            return True
    return False


@dataclass(frozen=True)
class PhraseScope:
    """What the LLM is given to re-word (`plan`: the greeting and the answer) and what follows it verbatim (`tail`:
    the tenant's own lines after the answer — disclaimer, next step, offer details, sign-off). A plan without an
    answer sentence is phrased whole (tail '')."""

    plan: DraftPlan
    tail: str = ""


def phrase_scope(plan: DraftPlan) -> PhraseScope:
    """The answer is what the model can word better for this customer; the lines after it are the tenant's fixed
    wording (profile.yaml next steps, disclaimer, sign-off, a campaign's table row), which the 1.5B model only copied
    (measured: its rewording of them changed 发您 to 发给您) at ~30 tokens a second. Kept verbatim, they cost nothing
    and can never be garbled."""
    text, answer = plan.template_text, plan.answer.strip()
    at = text.find(answer) if answer else -1
    if at == -1:
        return PhraseScope(plan)
    cut = at + len(answer)
    head, tail = text[:cut], text[cut:]
    if not tail.strip():
        return PhraseScope(plan)
    return PhraseScope(replace(plan, template_text=head), tail)


def template_by_design(scope: PhraseScope) -> str:
    """Why the LLM is not asked at all ('' when it is): what it would re-word cites nothing — a holding reply
    ("我确认后尽快回复您"), a thank-you, an acknowledgement — fixed wording the composer chose, with no fact to phrase."""
    if not MARKER.search(scope.plan.template_text):
        return "no_citation"
    return ""


# Where a small model starts the prompt's next example or a label of its own: the reply has ended there.
STOP_AT = re.compile(r"\n\s*【|【(?:称呼|草稿|改写|回复)】|\n\s*(?:Greeting|Draft|Rewrite):")


def phrase(
    plan: DraftPlan,
    llm: ChatModel,
    on_token: Callable[[str], None] | None = None,
    timeout_s: float = 30.0,
    *,
    outcome: PhraseOutcome | None = None,
    max_tokens: int | None = None,
) -> Draft | None:
    """The LLM re-phrases the greeting and answer of `plan.template_text` in the rep's voice to `plan.addressee`,
    keeping every locked slot and [n] marker; the tenant's lines after the answer follow verbatim (phrase_scope).
    Pieces go to `on_token` (placeholders already filled in) as they stream; they are provisional: the caller shows
    the returned draft, or the template when this returns None (timeout, transport error, garbage, a missing slot,
    an invented number or approval, parroting …; the reason is in `outcome.reason`). A plan whose part to phrase
    cites nothing is returned as the template itself (source TEMPLATE, no LLM call; outcome.notes says why).
    One attempt only: a rejected wording is never retried, the template is sent at once."""
    report = outcome if outcome is not None else PhraseOutcome()
    if not plan.template_text.strip():
        report.reason = "empty_template"
        return None
    scope = phrase_scope(plan)
    fixed = template_by_design(scope)
    if fixed:
        report.notes.append(f"template_by_design:{fixed}")
        return render(plan)
    head = scope.plan
    masked = mask_template(head)
    messages = phrase_messages(head, masked)
    # Chinese runs about one token per 1–1.5 characters here: room for a slightly longer wording, never a ramble
    # (the same bound as early_problem's too_long); a smaller cap from the caller wins
    budget = max(48, min(320, int(len(masked.text) * 1.3) + 32))
    budget = min(budget, max_tokens) if max_tokens else budget
    unmasker = Unmasker(masked.values, on_token)
    deadline = time.perf_counter() + timeout_s
    stream = open_stream(llm, messages, max_tokens=budget, temperature=0.0, timeout_s=timeout_s)
    stopped_at: int | None = None
    try:
        for piece in stream:
            unmasker.feed(piece)
            if time.perf_counter() > deadline:
                report.reason = "llm_timeout"
                return None
            stop = STOP_AT.search(unmasker.raw, 1)
            if stop is not None:  # a stop sequence: the reply ended before it; stop generating now
                stopped_at = stop.start()
                report.notes.append("stop_sequence")
                break
            doomed = early_problem(head, masked, unmasker.raw)
            if doomed:  # stop generating now: the draft will be the template anyway
                report.reason = doomed
                report.notes.append("stopped_early")
                return None
        else:
            unmasker.finish()
    except BackendUnavailable as exc:
        report.reason = exc.reason or "llm_unavailable"
        return None
    finally:
        stream.close()  # an abandoned stream hangs up, so the server stops generating
        result = stream.result
        if result is not None:
            report.first_token_ms, report.total_ms = result.first_token_ms, result.total_ms
            report.model, report.prompt_tokens = result.model or llm.name, result.prompt_tokens
        report.raw_text = unmasker.raw
    if stopped_at is not None:
        raw_text, finish_reason = unmasker.raw[:stopped_at], "stop"
    else:
        assert result is not None  # the stream ran to its end
        raw_text, finish_reason = result.text, result.finish_reason
    raw = LABEL_PREFIX.sub("", raw_text.strip(), count=1).strip()
    raw, restored = restore_markers(raw, masked.text)
    report.notes += restored
    problem = phrase_problem(head, masked, raw, finish_reason=finish_reason)
    if problem:
        report.reason = problem
        return None
    text = unmask(raw, masked.values) + scope.tail
    if plan.voice.sign_off and plan.voice.sign_off in plan.template_text and plan.voice.sign_off not in text:
        text = f"{text}\n{plan.voice.sign_off}"
    missing = plan.missing_slots(text)
    if missing:  # cannot happen once every placeholder is back; checked again because it is the contract
        report.reason = "missing_slot"
        return None
    used = set(MARKER.findall(text))
    return Draft(
        text=text,
        citations=[c for c in plan.citations if c.marker in used],
        source=DraftSource.LLM,
        model=report.model or llm.name,
        prompt_version=PHRASE_PROMPT_VERSION,
        lang=plan.lang,
    )


def warm_phrase_prefix(
    llm: ChatModel, voice: TenantVoice, lang: str = "zh", timeout_s: float = 300.0
) -> float:
    """Prefills a tenant's stable prompt prefix (rules + voice) once, e.g. at start-up, so the first real draft only
    prefills its short per-message part. Returns the milliseconds it took; raises BackendUnavailable like the model."""
    plan = DraftPlan(lang=lang, addressee="", voice=voice, answer="", next_step="", template_text="您好[1]。")
    t0 = time.perf_counter()
    drain(
        open_stream(
            llm,
            phrase_messages(plan, mask_template(plan)),
            max_tokens=1,
            temperature=0.0,
            timeout_s=timeout_s,
        )
    )
    return round((time.perf_counter() - t0) * 1000, 2)
