"""The answer-first template composer: a `DraftPlan` and its text, without a model.

One sentence answers with the computed fact and its citation; the next sentence is the next step (the chosen action),
in the rep's voice to this customer, addressed by the CRM contact's name and title, in the tenant's tone and sign-off
(profile.yaml). It never repeats the customer's message, never pastes table markup or a clause heading twice, never
promises what needs approval, and carries no internal tag: where the text came from is `Draft.source`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from agents.drafting.common import CJK
from agents.drafting.plan import DraftPlan, Slot, TenantVoice
from agents.reasoning.combine import OWN_WORKING
from agents.reasoning.config import AUTHORITY_TOOL
from agents.reasoning.crm import Contact, CrmRecord
from agents.reasoning.english import TITLES_EN, role_en
from agents.reasoning.tiers import WHAT_IF_HEDGE
from contract.evidence import Evidence, EvidenceKind
from contract.numerals import cn_to_number
from contract.suggestions import Action, Citation, Draft, DraftSource
from contract.tables import find_tables

PROMPT_VERSION = "template-v1"
CN = "一二三四五六七八九十百千零〇两"
CLAUSE_LABEL = re.compile(
    rf"^\s*(?:第[{CN}\d]+条|(?:Article|Section|Clause)\s+\d+(?:\.\d+)*|\d{{1,2}}(?:\.\d{{1,2}})+|[（(][{CN}]+[)）])\s*[:：、.]?\s*"
)
# sentence ends; a '.' between digits (3.1, 2.5%) is never one
SENTENCE = re.compile(r"[^。！？；!?\n]+?(?:[。！？；!?]|(?<!\d)\.(?!\d)|$)")
COMPOUND_SURNAMES = {
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "令狐",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
}
# how a title becomes a form of address (王 + 总经理 → 王总); checked in order
ADDRESS_FORMS = (
    ("副总经理", "总"),
    ("总经理", "总"),
    ("总裁", "总"),
    ("董事长", "董"),
    ("总监", "总监"),
    ("经理", "经理"),
    ("主任", "主任"),
    ("科长", "科长"),
    ("处长", "处长"),
    ("部长", "部长"),
    ("院长", "院长"),
    ("店长", "店长"),
    ("主管", "主管"),
    ("工程师", "工"),
    ("医生", "医生"),
    ("教授", "教授"),
    ("老师", "老师"),
    ("律师", "律师"),
)
DEFAULT_DOC_NEXT = {
    "zh": "另外，{doc}或许也适合您：{summary}。",
    "en": "Also, {doc} may interest you: {summary}.",
}
DEFAULT_NEXT = {"zh": "接下来我这边为您{label}。", "en": "I will follow up on this for you."}


def address(contact: Contact | None) -> str:
    """王芳 + 采购经理 → 王经理; 李强 + 总经理 → 李总; a title with no form of address → the full name."""
    if contact is None or not contact.name.strip():
        return ""
    if contact.salutation.strip():
        return contact.salutation.strip()
    name = contact.name.strip()
    if not CJK.search(name):
        return name
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]
    for ending, form in ADDRESS_FORMS:
        if contact.title.endswith(ending):
            return surname + form
    return name


def _pinyin(text: str) -> str:
    from pypinyin import (
        lazy_pinyin,
    )  # a product dependency (voice vocabulary); imported when an English draft needs it

    return "".join(lazy_pinyin(text)).capitalize()


def address_en(contact: Contact | None) -> str:
    """How an English draft addresses the contact: 王先生 → Mr. Wang, 李女士 → Ms. Li; a job title and no gender
    (魏然, 采购总监) → the title and the surname (Director Wei), never a guessed Mr./Ms.; nothing of either → the name in
    pinyin, surname first (Han Zhigang). Never a Chinese form like 曹总."""
    if contact is None or not contact.name.strip():
        return ""
    name = contact.name.strip()
    if not CJK.search(name):
        return name
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]
    form = contact.salutation.strip() or contact.title.strip()
    if form.endswith("先生"):
        return f"Mr. {_pinyin(surname)}"
    if form.endswith(("女士", "小姐", "太太")):
        return f"Ms. {_pinyin(surname)}"
    title = contact.title.strip()
    for ending, english in TITLES_EN:
        if title.endswith(ending):
            return f"{english} {_pinyin(surname)}"
    given = name[len(surname) :]
    return f"{_pinyin(surname)} {_pinyin(given)}".strip()


def approver_en(approver: str, terms: dict[str, str]) -> str:
    """Who approves, in an English draft: the tenant's word for the role (profile terms_en), else the generic title
    ending (总经理 → the General Manager), never the Chinese role."""
    english = in_english(approver, terms)
    if not CJK.search(english):
        return english
    return role_en(approver, terms)


def clean_clause(text: str, focus: list[str], limit: int = 90) -> str:
    """A clause as a customer can read it: a focused table row as "列：值" pairs (never `|` markup), else the clause's
    first sentences without its own heading ("第四条 …" → "…")."""
    tables = find_tables(text)
    if tables:
        for t in tables:
            for row in t.rows:
                if any(f and any(f in c.raw for c in row) for f in focus):
                    return "，".join(
                        f"{h}{c.raw}" if h.endswith(("：", ":")) else f"{h}：{c.raw}"
                        for h, c in zip(t.headers, row, strict=True)
                        if c.raw
                    )
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith(("|", "#"))]
    if tables and lines and re.search(r"如下|下表", lines[-1]):
        return _table_summary(text)  # "…按下表时限申请：" says nothing without its rows
    body = "".join(CLAUSE_LABEL.sub("", ln, count=1) if i == 0 else ln for i, ln in enumerate(lines))
    body = CLAUSE_LABEL.sub("", body, count=1)
    parts = [p.strip() for p in SENTENCE.findall(body) if p.strip()]
    hits = [p for p in parts if any(f and f in p for f in focus)] or parts
    out = ""
    for p in hits:
        if out and len(out) + len(p) > limit:
            break
        out += p
    out = out or body[:limit]
    return out.rstrip("：:；;，,")


def doc_label(ev: Evidence) -> str:
    """《title》第四条 — the full title (versions included: the cited evidence backs them)."""
    clause = ev.source_ids.get("clause", "")
    if clause in ("前言", "") or clause.startswith("¶"):
        clause = ""
    return f"《{ev.title or ev.source_ids.get('doc_id', '')}》{clause}"


@dataclass
class _Numbering:
    items: list[tuple[str, Evidence]] = field(default_factory=list)

    def mark(self, ev: Evidence) -> str:
        for m, e in self.items:
            if e.id == ev.id:
                return f"[{m}]"
        m = str(len(self.items) + 1)
        self.items.append((m, ev))
        return f"[{m}]"

    def citations(self, text: str) -> list[Citation]:
        used = set(re.findall(r"\[(\d{1,3})\]", text))
        return [Citation(marker=m, evidence_id=e.id) for m, e in self.items if m in used]


def _citable_clause(e: Evidence) -> bool:
    clause = e.source_ids.get("clause", "")
    return e.kind is EvidenceKind.POLICY_CLAUSE and clause not in ("前言", "") and not clause.startswith("¶")


@dataclass(frozen=True)
class Composition:
    """Everything the composer needs, gathered by the draft node."""

    lang: str
    evidence: list[Evidence]
    actions: list[Action]
    contact: Contact | None
    voice: TenantVoice
    next_steps: dict[str, str]
    customer_text: str = ""
    focus: tuple[str, ...] = ()
    cite_policy: bool = True  # False for small talk: a greeting gets no clause and no pitch
    apologetic: bool = False
    action_labels: dict[str, str] = field(default_factory=dict)
    policy_words: tuple[
        str, ...
    ] = ()  # the intent's policy hint: a clause-only answer must be about one of them
    disclaimer: str = ""  # said after a computed or quoted policy figure (e.g. 具体以协议原文为准。)
    disclaimer_when: tuple[str, ...] = ()  # … when the answer names one of these words (补贴, 折扣 …)
    intent_actions: tuple[
        str, ...
    ] = ()  # the catalog's actions that serve this intent: the next step comes from them
    cannot_compute: tuple[str, ...] = ()  # why a tool could not compute (the reason step's answer)
    terms_en: dict[str, str] = field(default_factory=dict)  # the tenant's words in English (profile.yaml)
    internal_docs: tuple[str, ...] = ()  # documents of the rep's own limits (authority tables): never pasted
    # … and their titles: a computed sentence that names one inside it («按《…》第五条须报总经理审批») says who decides,
    # not the rule book it is in
    internal_titles: tuple[str, ...] = ()
    clarify_which: str = ""  # the tenant's question when several of the customer's assets match ("{count}")
    # the columns of an offer table that say WHO and WHEN it is for (its scope's region, customer kind and period, from
    # the tenant's tools.yaml): checked for eligibility, they are no sign the customer asked about the offer — a rental
    # company's service-contract question shares 租赁 with an offer "for 商户（餐饮、零售、租赁）" without being about it
    offer_audience: tuple[str, ...] = ()
    # a customer-facing refusal (another customer's prices, data): the polite line said right after the greeting,
    # citing the tenant's rule when decide found one; then whatever the draft answers about the customer's own case
    refusal: str = ""
    refusal_rule: Evidence | None = None
    not_after_refusal: tuple[
        str, ...
    ] = ()  # actions whose step is never said right after a refusal (profile.yaml)
    # the customer names a day to come in (a later day the message names) and these actions book one: the first of
    # them among the actions is the next step (profile.yaml scheduling_steps)
    scheduling: tuple[str, ...] = ()
    # the reply is said aloud (a voice call): no 《document》第N条 label in the words, the markers stay on the card
    spoken: bool = False
    # what the rep (or the agent on the call) said to the customer since the customer's previous message: a reply to it
    # («好的», "OK go ahead") is not read the same sums back
    rep_told: str = ""
    # the day the answer is computed for (the draft node's as_of): a day of the customer's own record that is before it
    # and that the customer is still waiting on is said to have passed
    today: date | None = None
    # the tenant's taxonomy words (its intents' keywords, its product names): what a part of the message no fact answers
    # is named by, never the customer's own sentence
    subject_words: tuple[str, ...] = ()


# after a refusal with nothing of the customer's own to answer: the help they can have (their own matters)
REFUSAL_HELP = {
    "zh": "您本人名下的事项有需要的话，我随时帮您查。",
    "en": "Anything on your own account, I am glad to look it up for you.",
}
# what the rep can say about a figure the customer asked for above the rep's authority (an authority fact that needs
# approval), however it was asked (a plain ask, "必须…现在就确认", an injected "直接打五折并确认"): who decides and that
# nothing is agreed before, never "I'll submit it right away" — a step taken on the customer's figure reads as the
# approval on its way; whether to ask for approval at all is the rep's (the escalation stays on the card)
APPROVAL_HOLD = {
    "zh": "这需要{approver}审批，审批前我这边不能先答应您。",
    "en": "It needs approval by {approver}; until then I cannot agree to it.",
}


def compose(c: Composition) -> DraftPlan:
    en = c.lang == "en"
    by_id = {e.id: e for e in c.evidence}
    nums = _Numbering()
    refusal = _refusal_line(c, nums)  # said (and numbered) first, right after the greeting
    slots: list[Slot] = []
    computed = [e for e in c.evidence if e.kind is EvidenceKind.COMPUTED_FACT]
    approvals = [
        str(e.lineage.get("needs_approval") or "") for e in computed if e.lineage.get("needs_approval")
    ]
    answer_parts: list[str] = []
    answered_clauses: set[str] = set()
    held = _asked_over_authority(computed)
    said = _customer_statements(c, computed, en=en)
    said = _without_quoted(said, c.customer_text)
    # a rate the customer quoted from the policy is no discount asked of the rep: nobody approves it
    quoted = {ev.id for ev, _ in said if ev.lineage.get("quoted_clause")} | {
        e.id
        for e in computed
        if e.source_ids.get("tool") == AUTHORITY_TOOL and _policy_rate_quoted(e, c) is not None
    }
    if quoted:
        approvals = [
            str(e.lineage.get("needs_approval"))
            for e in computed
            if e.id not in quoted and e.lineage.get("needs_approval")
        ]
        held = _asked_over_authority([e for e in computed if e.id not in quoted])
    # a figure the customer put to the rep («是不是到2030年？», "…right?"): yes or no opens the sentence stating it
    verdict = None if c.refusal else _confirmed(c.customer_text, said)
    verdict_on = _closest(said, c.customer_text) if verdict is not None else ""
    # a complaint about a promised day that has passed, answered by facts that do not state it (a repair ticket read
    # instead of the late order): the record's day, and that it has passed, is said first (and numbered first)
    awaited = None if c.refusal else _awaited_record_day(c)
    awaited_said = (
        _awaited_day_sentence(awaited, en=en) + nums.mark(awaited[0])
        if awaited is not None and not any(awaited[2] in st or _past_record_day(ev, st, c) for ev, st in said)
        else ""
    )
    told = ""  # the answer's sentences so far
    # the figures those sentences stated: their slots, and what their text states outside a window ("…至2026年12月31日"
    # of a promotion's period is not a contract ending that day)
    told_slots: set[str] = set()
    earlier: list[tuple[str, str]] = []  # the answer's statements so far, one by one, with their tool
    stated: list[tuple[Evidence, str]] = []  # the facts the answer states, as stated
    for ev, statement in _without_restated(
        _options_after_main(
            _without_same_result(
                _asked_order_after_tickets(
                    # (the facts chosen first, then the ones the message names among them first: a word of background —
                    # «在你们店做保养的时候» — must not bring a fourth answer in and push an asked one out)
                    _named_first(
                        _first_tools(_without_unasked_options(said, c.customer_text), 3),
                        c.customer_text,
                        c.terms_en,
                    ),
                    c.customer_text,
                    c.terms_en,
                )
            )
        )
    ):
        figures = [str(s) for s in ev.lineage.get("slots") or [] if str(s).strip()]
        # … and every day its own sentence names: a contract ending the day an offer ends («2026年12月31日当天及之前下单可享»)
        # still says when its renewal opens (2026年12月1日), which nothing said
        own_days = [d for d in DAY.findall(CITED_LABEL.sub("", statement)) if d not in figures]
        if (
            answer_parts
            and figures
            and not WHAT_IF_OPTION.search(
                statement
            )  # (a what-if day's answer: its day differs, see _without_restated)
            and all(
                f in told_slots or f in DATE_RANGE.sub("", told) or _iso_day(f) in DATE_RANGE.sub("", told)
                for f in figures + own_days
            )
            and (
                len(figures) > 1
                or re.search(r"\d年\d{1,2}月\d{1,2}日|\d{4}-\d{2}-\d{2}|\d{2},\d{3}", figures[0])
            )
        ):
            # every figure it states is said already (a contract's end date after the package's own, a renewal total
            # the tier sentence gave): a second sentence of the same figures reads as a copy. One lone amount may be
            # another thing of the same size (a 5,000 deposit after a 5,000 cut): only a date, a sum of five digits or more, or
            # several figures
            continue
        if answer_parts and not WHAT_IF_OPTION.search(statement) and _result_restated(statement, told):
            continue  # its result (the total it ends on) and all but one of its amounts were said: one figure, once
        if _rep_told_it(c, figures):
            continue  # the rep has just told them this sum; they reply to it, they did not ask it again
        if answer_parts:
            statement = _without_said_tail(statement, told)
            # (a subject is shared with another tool's sentence only: the same tool's sentences are about different
            # things of the same kind, each batch's or part's term, and keep their openings)
            tool = str(ev.source_ids.get("tool_id") or ev.id)
            others = [prev for prev_tool, prev in earlier if prev_tool != tool]
            statement = _without_told_parts(_without_told_subject(statement, others), told)
            statement = _without_told_base(statement, told)
        statement = _without_amount_echo(statement)
        earlier.append((str(ev.source_ids.get("tool_id") or ev.id), statement))
        told += statement
        told_slots |= set(figures)
        if ev.source_ids.get("doc_id") in c.internal_docs:
            # an internal document informs the answer; the customer's text does not name it (《…》第N条)
            statement = CITED_LABEL.sub("", statement).rstrip("，,；; ")
        statement = _without_internal_titles(statement, c.internal_titles)
        clause_id = str(ev.lineage.get("clause_evidence_id") or "")
        marks = nums.mark(ev)
        if clause_id in by_id:
            marks += nums.mark(by_id[clause_id])
            answered_clauses.add(clause_id)
        for eid in _input_clauses(ev, statement, by_id):
            # a clause the fact read besides its own (the offer a tier price stacks): its source is cited too
            if nums.mark(by_id[eid]) not in marks:
                marks += nums.mark(by_id[eid])
            answered_clauses.add(eid)
        for eid in (
            ev.lineage.get("cite_evidence_ids") or []
        ):  # a CRM record the answer states (an order, a ticket)
            if eid in by_id and f"{nums.mark(by_id[eid])}" not in marks:
                marks += nums.mark(by_id[eid])
        stated.append((ev, statement))
        if ev.id == verdict_on:
            statement = (
                ("yes, " if verdict else "no, ") if en else ("对，" if verdict else "不是，")
            ) + statement
        answer_parts.append(statement + marks)
        for s in ev.lineage.get("slots") or []:
            slots.append(Slot(str(s), ev.id, marks.strip("[]").split("][")[0]))
    if awaited_said:
        answer_parts.insert(0, awaited_said)
        if not c.apologetic:
            c = replace(c, apologetic=True)
    if answer_parts:
        answer_parts = _merge(answer_parts)
        # one sentence per answered question: the first answers, each further fact is a short sentence of its own
        if en:
            answer_parts = [answer_parts[0]] + [p[:1].upper() + p[1:] for p in answer_parts[1:]]
        answer = (". ".join(answer_parts) + ".") if en else ("。".join(answer_parts) + "。")
        if en:
            answer = in_english(answer, c.terms_en)
            # a sentence that now opens with a tenant's word in English ("units deposit: …") opens in capitals
            answer = re.sub(r"((?:^|[.!?](?:\[\d{1,3}\])*)\s+)([a-z])", lambda m: m[1] + m[2].upper(), answer)
    elif computed:  # computed, but nothing for the customer's ears (the next step says it): no clause pasted
        answer = ""
    elif question := _clarifying_question(c):
        answer = question
    elif c.refusal:
        # nothing of their own to answer beside the refusal: no clause on the refused matter (it was retrieved for the
        # other party's order, price or account) and no step on it — what they can have instead, their own matters
        answer = REFUSAL_HELP["en" if en else "zh"] if c.cite_policy else ""
    elif c.cite_policy:
        clauses = sorted(
            [
                e
                for e in c.evidence
                if _citable_clause(e)
                and _about(e, c.policy_words)
                and e.source_ids.get("doc_id") not in c.internal_docs
            ],
            key=lambda e: -(e.score or 0.0),
        )
        action_clause_ids = {eid for a in c.actions for eid in a.evidence_ids}
        primary = next((e for e in clauses if e.id not in action_clause_ids), clauses[0] if clauses else None)
        if primary is not None and en and _mostly_chinese(clean_clause(primary.content, list(c.focus))):
            primary = None  # a clause in Chinese answers no English reader: the honest "I will check" instead
        if primary is not None:
            answered_clauses.add(primary.id)
            excerpt = clean_clause(primary.content, list(c.focus)).rstrip("。.；;，,：: ")
            label = doc_label(primary)
            answer = (
                f"Under {label}: {excerpt}{nums.mark(primary)}."
                if en
                else f"按{label}：{excerpt}{nums.mark(primary)}。"
            )
        else:
            answer = ""
    else:
        answer = ""
    if (
        not answer
        and not answer_parts
        and c.cite_policy
        and QUESTION.search(c.customer_text)
        and not c.refusal
    ):
        # (a refused question is not "being checked", and its words, another customer's order number, are never echoed)
        # nothing the policies or the CRM answer: say the question is being checked, never only an unrelated step
        topic = next((f for f in c.focus if f in c.customer_text), "")
        answer = (
            (
                f"about {topic}, I will check the latest and get back to you shortly."
                if topic
                else "I will check this and get back to you shortly."
            )
            if en
            else (f"关于{topic}，我确认最新情况后尽快回复您。" if topic else "您问的情况我确认后尽快回复您。")
        )
    booked = any(
        a.name in c.scheduling for a in c.actions
    )  # the step books the day the other question asks for
    if (
        en
        and answer_parts
        and not c.refusal
        and not booked
        and (asked := _unanswered_parts(c.customer_text, answer, said))
    ):
        # a question of several that no fact answers: said honestly, never left out silently, by its words
        answer += _other_question_en(asked, c.subject_words)
    elif (
        not en
        and answer_parts
        and not c.refusal
        and not booked
        and (left := _unanswered_parts_zh(c.customer_text, stated))
    ):
        # the same in Chinese: a question of several that nothing stated answers is said to be checked, by its words
        answer += _other_question_zh(left, c.subject_words)
    # every fact said is an offer the customer cannot have (ended, another region): a quote or a registration of it
    # next reads as the offer on its way, as after a refusal
    not_theirs_only = bool(stated) and all(
        str(e.lineage.get("unit") or "") == "bool" and str(e.lineage.get("output") or "") == "false"
        for e, _ in stated
    )
    if (c.refusal or not_theirs_only) and c.not_after_refusal:
        # a refusal is not followed by a pitch or a look-up of what was refused ("我整理一份报价单发您" right after
        # "不便透露" reads as the refused figure on its way): the tenant's list of such steps; they stay on the card
        c = replace(c, actions=[a for a in c.actions if a.name not in c.not_after_refusal])
    if not c.apologetic and any(_past_record_day(e, "", c) for e in computed):
        c = replace(c, apologetic=True)  # a day they were promised has passed: sorry first, whatever the tone
    next_step = (
        _next_steps(c, nums, by_id, answered_clauses, approvals, _quiet_docs(computed, said), held=held)
        if (c.cite_policy or answer_parts)
        and not (answer and not answer_parts and _clarifying_question(c))
        and not (c.refusal and not answer_parts)
        else ""
    )
    if (
        not (answer or next_step) and c.cite_policy and not c.refusal
    ):  # a question the policies do not answer: acknowledge, no guess
        next_step = "I will check and get back to you." if en else "收到，我确认后尽快回复您。"
    if answer and next_step and not en:
        next_step = _without_repeated_clauses(next_step, answer)
    greeting = _greeting(c, bare=not (answer or next_step or refusal))
    disclaimer = (
        c.disclaimer if answer and c.disclaimer and any(w in answer for w in c.disclaimer_when) else ""
    )
    if en and refusal:
        # "Hello Director Wei, sorry, …[1]. Your 2025 purchases …": the refusal continues the greeting, the answer is
        # a sentence of its own
        if greeting.endswith(",") and re.match(r"[A-Z][a-z]", refusal):
            refusal = refusal[0].lower() + refusal[1:]
        answer = answer[:1].upper() + answer[1:]
    elif en and greeting.rstrip().endswith((".", "!", "?")) and answer[:1].islower():
        answer = answer[0].upper() + answer[1:]  # "Hello Ms. Li, sorry for the trouble. An advisor …"
    elif (
        en
        and greeting.endswith(",")
        and re.match(r"[A-Z][a-z]", answer)
        and not re.match(
            r"[A-Z][a-z]*\s+[A-Z]", answer
        )  # a name ("Winter Renewal Sale …") keeps its capitals
    ):
        answer = answer[0].lower() + answer[1:]  # "Hello 黄经理, last quarter …", not ", Last quarter"
    if c.spoken:
        refusal, answer, next_step = (_unlabelled(p) for p in (refusal, answer, next_step))
    body = [greeting, refusal, answer, disclaimer, next_step, c.voice.sign_off]
    text = " ".join(p for p in body if p) if en else "".join(p for p in body if p)
    text = re.sub(r"([。！？])\1+", r"\1", text)
    citations = tuple(nums.citations(text))
    slots = [
        s for s in slots if s.text in text
    ]  # a fact kept for the rep only locks nothing in the sent text
    return DraftPlan(
        lang=c.lang,
        addressee=address_en(c.contact) if en else address(c.contact),
        voice=c.voice,
        answer=answer,
        next_step=next_step,
        template_text=text,
        slots=tuple(slots),
        citations=citations,
        customer_text_masked=c.customer_text,
        notes=tuple(f"needs approval: {a}" for a in approvals),
    )


# a document's label inside a sentence: «（《title》第四条）», «按《title》第四条：», "Under 《title》 第四条: "
SPOKEN_LABEL = re.compile(
    r"（《[^》]+》[^（）]*）|按《[^》]+》[^：:，,。]{0,8}[：:]|Under 《[^》]+》[^:]{0,12}:\s*"
)


def _unlabelled(text: str) -> str:
    """What is said aloud: the text without its documents' labels (the [n] markers stay: the agent's card shows what
    each figure rests on)."""
    return SPOKEN_LABEL.sub("", text) if text else text


SUM_FIGURE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def _rep_told_it(c: Composition, figures: list[str]) -> bool:
    """The rep's last words to the customer (c.rep_told) already gave this fact's answer: two or more of its sums of
    four digits or more, its last one among them (the total the sentence ends on), and the customer does not ask a sum
    again («刚才单价多少来着？» gets it again)."""
    if not c.rep_told or (ASK_TYPES["amount"].search(c.customer_text) and _is_question(c.customer_text)):
        return False
    sums = [f for f in figures if SUM_FIGURE.fullmatch(f)]
    told = [f for f in sums if f in c.rep_told]
    return len(told) >= 2 and sums[-1] in told


def _stated_figures(ev: Evidence, statement: str) -> set[str]:
    """The figures a statement says: its fact's slots found in it and every day it writes outside a window, days as
    2027-05-19."""
    body = DATE_RANGE.sub(" ", CITED_LABEL.sub("", statement))  # (a window's days say when an offer runs)
    figs = {str(f) for f in ev.lineage.get("slots") or [] if str(f).strip() and str(f) in body}
    figs |= {_iso_day(d) if d.endswith("日") else d for d in DAY.findall(body)}
    return {_iso_day(f) if ZH_DAY.fullmatch(f) else f for f in figs}


# an option priced for another order day than the main quote's (reason's option head «若…下单：», "if ordered …: ")
WHAT_IF_OPTION = re.compile(r"若[^：:，,。]{1,20}下单[：:]|\bif ordered\b", re.IGNORECASE)


def _without_restated(said: list[tuple[Evidence, str]]) -> list[tuple[Evidence, str]]:
    """Without a statement whose every figure another statement of the reply says beside more of its own (a
    contract's end day before the package sentence stating its visits and the same day: "The contract … ends on
    2027-05-19" then "… valid until 2027-05-19"): a customer reads a figure once. Only a day, a sum of five digits or
    more, or several figures count (one lone small number may be another thing of the same size)."""
    figures = [_stated_figures(ev, st) for ev, st in said]
    out = []
    for i, (ev, st) in enumerate(said):
        mine = figures[i]
        weighty = len(mine) > 1 or any(re.search(r"\d{4}-\d{2}-\d{2}|\d{2},\d{3}", f) for f in mine)
        # (an option priced for another order day — «若…下单：» / "if ordered …" — answers a what-if the customer asked:
        # its day differs from the main quote's, so it stays even when its figures were said)
        what_if = bool(WHAT_IF_OPTION.search(st))
        if (
            mine
            and weighty
            and not what_if
            and any(j != i and mine < other for j, other in enumerate(figures))
        ):
            continue
        out.append((ev, st))
    return out


def _result_restated(statement: str, told: str) -> bool:
    """A sentence that ends on a sum the reply has said already, with at most one amount of its own besides (a list
    price it starts from): the same total said twice in one draft reads as a copy («…重新购买，每台 Y 元，N 台合计 Z 元»
    then the tier's «…X 元/台/年，折后 Y 元/台/年，N 台合计 Z 元»). Only sums of four digits or more count, and the
    result must be one of five digits or more (a lone 6,000 may be another offer of the same size)."""
    mine = SAID_AMOUNT.findall(YEAR_OR_DAY.sub(" ", CITED_LABEL.sub("", statement)))
    if len(mine) < 2:
        return False
    said = _amounts(YEAR_OR_DAY.sub(" ", told))
    result = _amounts(mine[-1])
    if not result or not result <= said or any(len(a.split(".")[0]) < 5 for a in result):
        return False
    own = _amounts(" ".join(mine))
    # (one amount said before is a base it starts from — a list price — not the same statement: two at least)
    return len(own & said) >= 2 and len(own - said) <= 1


# an amount said again right after it, under another name («20 台合计 X 元，金额 X 元超过…», "CNY X in total, an order of
# CNY X, above …"): the second naming goes, what it says of the amount stays
AMOUNT_ECHO = re.compile(
    r"(?P<amt>\d{1,3}(?:,\d{3})+)(?P<unit>\s*元)(?P<sep>[，,]\s*)[^\d，,。；;（）()]{1,8}?\s*(?P=amt)\s*元\s*"
    r"|(?P<amt_en>CNY\s?\d{1,3}(?:,\d{3})+)(?P<rest>[^,.;]{0,20}),\s+(?:an? |the )?[a-z ]{1,20}?(?:of )?(?P=amt_en)\s*"
)


def _without_amount_echo(statement: str) -> str:
    """A sentence without an amount named twice in a row («…合计 3,152,360 元，总额 3,152,360 元超过300万元» →
    «…合计 3,152,360 元，超过300万元»): a customer reads a figure once."""

    def keep(m: re.Match[str]) -> str:
        if m["amt"]:
            return f"{m['amt']}{m['unit']}{m['sep']}"
        return f"{m['amt_en']}{m['rest']}, "

    return AMOUNT_ECHO.sub(keep, statement)


# the base an amount is worked out from, said as an aside («按X7指导价 225,800 元计，», "on the X7 list price of CNY
# 225,800"): said again after a sentence that stated that very amount, it goes (the amount worked out stays)
TOLD_BASE = re.compile(
    r"按[^，,（）()。]{0,12}?(?P<amt>\d{1,3}(?:,\d{3})+)\s*元计[，,]\s*"
    r"|\s+on the [A-Za-z0-9 ]{0,20}?list price of CNY\s?(?P<amt_en>\d{1,3}(?:,\d{3})+)"
)


def _without_told_base(statement: str, told: str) -> str:
    said = _amounts(told)
    return TOLD_BASE.sub(lambda m: "" if _amounts(m["amt"] or m["amt_en"]) <= said else m[0], statement)


# a year or a day written in digits (2025年, 2026-05-31, 2026年5月31日): no amount
YEAR_OR_DAY = re.compile(r"\d{4}\s*年|\d{4}-\d{2}-\d{2}|\b\d{4}\b(?=\s*(?:purchases|年度))")


def _without_same_result(said: list[tuple[Evidence, str]]) -> list[tuple[Evidence, str]]:
    """Of two statements ending on the same sum with the same amounts but one (`_result_restated`: a lapsed package's
    re-purchase and the tier's package price of the same units), the one that says more of the customer's case (the
    days it states: when the term ended) is kept, whichever came first; on a tie the first."""
    out = list(said)
    i = 0
    while i < len(out):
        j = i + 1
        while j < len(out):
            a, b = out[i][1], out[j][1]
            if WHAT_IF_OPTION.search(a) or WHAT_IF_OPTION.search(b):
                j += 1  # (a what-if day's option is another day's answer, not the same result)
                continue
            if _result_restated(b, a) or _result_restated(a, b):
                days_a, days_b = len(DAY.findall(a)), len(DAY.findall(b))
                if days_b > days_a:
                    out[i] = out[j]
                del out[j]
                continue
            j += 1
        i += 1
    return out


# an option's fact of the reasoning step (its head names the option: «按N台：», «新增的N台：», "for N units: ")
OPTION_HEAD = re.compile(
    r"^\s*(?:按(\d+)\s*台[：:]|新增的(\d+)\s*台[：:]|for (?:the )?(\d+) (?:units?|added)\b)", re.I
)
# the count the customer asks the price of, pointed at («这3台», «现在这6台», «眼下这6台», "these 4", "this 4")
ASKED_THESE = re.compile(r"(?:这|這)\s*(\d+)\s*[台辆部架]|\bthese (\d+)\b", re.I)
# the message weighs counts itself («6台还是8台», "6 or 8"): every option is asked
WEIGHS = re.compile(r"还是|或者|或是|\bor\b|假如|如果|要是|万一|假设|\bif\b|\bwhat if\b", re.I)


def _option_count(statement: str) -> str:
    m = OPTION_HEAD.match(statement)
    return next((g for g in m.groups() if g), "") if m else ""


def _without_unasked_options(
    said: list[tuple[Evidence, str]], customer_text: str
) -> list[tuple[Evidence, str]]:
    """Without the options for a count the customer did not ask a price of: a message asking the price of the units it
    points at («这4台多少钱», "the price for these 4") names other counts only as background (what they ordered before,
    what the order comes to with it: «加上之前订的6台一共10台»), unless it weighs them («还是», a what-if, "or")."""
    asked = {g for m in ASKED_THESE.finditer(customer_text) for g in m.groups() if g}
    if not asked or WEIGHS.search(customer_text):
        return said
    return [(ev, st) for ev, st in said if not (n := _option_count(st)) or n in asked]


def _options_after_main(said: list[tuple[Evidence, str]]) -> list[tuple[Evidence, str]]:
    """The main answer before the options weighed beside it («按10台：…» after the quote for the units asked): an option
    said first would state the unit price, and the main quote would then lose it as said already."""

    def option(st: str) -> bool:  # (a count's option, or a what-if day's: «若元旦以后下单：…»)
        return bool(_option_count(st) or WHAT_IF_OPTION.search(st))

    main = [(ev, st) for ev, st in said if not option(st)]
    return main + [(ev, st) for ev, st in said if option(st)] if main else said


def _input_clauses(ev: Evidence, statement: str, by_id: dict[str, Evidence]) -> list[str]:
    """The policy clauses a computed fact read besides its own clause, that the sentence says something of: a row of
    another document it applied (an offer stacked on a tier price: «叠加…（AB-12）每台 6,000 元后»), named in the
    sentence by its id (AB-12) or by a cell of four characters or more (its name). A computed fact's inputs are its
    explanation: what the sentence states from them is cited to them, as its own clause is."""
    own = str(ev.lineage.get("clause_evidence_id") or "")
    said = CITED_LABEL.sub("", statement)
    out: list[str] = []
    for inp in ev.lineage.get("inputs") or []:
        if not isinstance(inp, dict) or inp.get("kind") != "policy":
            continue
        eid = str(inp.get("evidence_id") or "")
        if not eid or eid == own or eid in out or eid not in by_id:
            continue
        if by_id[eid].kind is not EvidenceKind.POLICY_CLAUSE:
            continue
        if input_named(str(inp.get("value") or ""), said):
            out.append(eid)
    return out


def input_named(value: str, said: str) -> bool:
    """A policy input of a computed fact (a row «活动编号：AB-12；活动名称：…», a clause «AB-12｜第四条») is named in
    what the fact says: by an id of its own (AB-12) or by a cell of four characters or more with no figure (a name)."""
    cells = [c.split("：", 1)[-1].strip() for c in re.split(r"[；;｜|]", value)]
    names = [c for c in cells if len(c) >= 4 and CJK.search(c) and not re.search(r"\d", c)]
    return bool(set(ROW_ID.findall(value)) & set(ROW_ID.findall(said))) or any(n in said for n in names)


RATE = re.compile(r"\d\s*%|\d\s*折")
DAY = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{2}-\d{2}")
DATE_RANGE = re.compile(
    r"\d{4}年\d{1,2}月\d{1,2}日\s*(?:至|到|-|~)\s*\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{2}-\d{2}\s*(?:至|to|-|~)\s*\d{4}-\d{2}-\d{2}"
)
ZH_DAY = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def _iso_day(figure: str) -> str:
    """A day written «2027年5月19日» as an English sentence writes it (2027-05-19); "\x00" when it is no such day."""
    m = ZH_DAY.fullmatch(figure.strip())
    return f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}" if m else "\x00"


QUESTION = re.compile(r"[？?]|吗|怎么|多少|什么|哪|几|能不能|是否|how|what|when|which|can you", re.IGNORECASE)
ROW_PAIR = re.compile(r"([^；：]+)：([^；]*)")
AUTHORITY_OK = {
    "zh": "您提到的{asked}优惠在我的权限内，可以直接给您",
    "en": "The {asked} you asked for is within what I can grant",
}
AUTHORITY_NEEDS = {
    "zh": "您提到的{asked}优惠需要{approver}审批",
    "en": "The {asked} you asked for needs approval by {approver}",
}


def _row(ev: Evidence) -> dict[str, str]:
    """The policy row a computed fact read ("列：值；列：值" in its first policy input)."""
    for inp in ev.lineage.get("inputs") or []:
        if isinstance(inp, dict) and inp.get("kind") == "policy":
            return {k.strip(): v.strip() for k, v in ROW_PAIR.findall(str(inp.get("value", "")))}
    return {}


def _statement(ev: Evidence, *, en: bool) -> str:
    statement = (
        str(ev.lineage.get("say_en") or ev.lineage.get("statement_en") or "")
        if en
        else str(ev.lineage.get("say") or "")
    )
    return statement or ev.content.split("\n")[0]


def _asked(ev: Evidence) -> str:
    for inp in ev.lineage.get("inputs") or []:
        if isinstance(inp, dict) and str(inp.get("field", "")).endswith("requested_discount"):
            return str(inp.get("value", ""))
    return ""


# the customer asks how many days are left («还剩多少天», «还有几天到期», "how many days are left")
DAYS_ASKED = re.compile(
    r"(?:剩|还有|还差|离[^，。？?]{0,8}有)\s*(?:多少|几)\s*天|(?:多少|几)\s*天\s*(?:就)?(?:到期|过期|结束|过保)"
    r"|\bhow many days\b|\bdays (?:are )?(?:left|remaining)\b",
    re.I,
)
DAYS_LEFT = re.compile(r"，还剩 (\d+) 天")


def _with_asked_days(ev: Evidence, statement: str, customer_text: str, *, en: bool) -> str:
    """A term's statement with the days left, when the customer asked how many: the fact computed them (its full
    statement «…至2027年1月9日，还剩 31 天；…») but the sentence the customer hears keeps only the end day."""
    if not DAYS_ASKED.search(customer_text):
        return statement
    full = ev.content.split("\n")[0]
    m = DAYS_LEFT.search(full)
    if not m or m.group(0) in statement:
        return statement
    if en:
        end = re.search(r"\bruns until \d{4}-\d{2}-\d{2}", statement)
        if end is None or re.search(rf"\b{m[1]} days\b", statement):
            return statement
        return f"{statement[: end.end()]}, {m[1]} days from today{statement[end.end() :]}"
    head = full[: m.start()]
    if not statement.startswith(head):
        return statement
    return head + m.group(0) + statement[len(head) :]


# the customer is still waiting on something («还没», «没动静», «连车影子都没见着», "heard nothing", "still not")
WAITING = re.compile(
    r"还没|还未|没(?:有)?(?:动静|消息|音信|下文|通知|见着|见到|收到|到)|(?:动静|消息|音信|下文|影子)[^，。？?]{0,3}没"
    r"|连[^，。？?]{0,6}影子|到现在|都过了|过了[^，。？?]{0,4}天"
    r"|\bstill (?:no|not|nothing|waiting|haven't|hasn't)\b|\bheard nothing\b|\bnothing (?:yet|so far)\b"
    r"|\bnot (?:yet )?(?:arrived|delivered|received|here)\b|\bsupposed to\b|\bwas due\b|\boverdue\b|\blate\b",
    re.I,
)
DAY_PASSED = {"zh": "，这个日期已经过了", "en": ", and that date has passed"}
# … on a day they were promised («说好8号交车», «不是定的12月8号吗», «交车日子都过了», "supposed to be … on the 8th"): a
# ticket's or an order's own past day (when it was reported or placed) is no promise
PROMISED = re.compile(
    r"说好|约好|定好|定的|约定|答应|承诺|保证|不是说|不是[^，。？?]{0,12}[号日]|应该[^，。？?]{0,6}[号日交到]"
    r"|(?:日子|日期|时间)[^，。？?]{0,2}过了|[号日](?:就)?(?:交|到|提)"
    r"|\bsupposed to\b|\bpromised\b|\b(?:was|were|is|are) due\b|\bdue on\b|\bscheduled\b",
    re.I,
)


# a record's day that was promised to the customer («确认的…日期为», «约定», «预计», "confirmed", "due") …
PROMISED_DAY = re.compile(
    r"确认的|已确认|约定|承诺|预计|计划|应于|到期|截止|\b(?:confirmed|due|promised|scheduled|expected)\b",
    re.I,
)
# … and the day something was reported, opened, placed or created (no promise)
REPORTED_DAY = re.compile(
    r"报修|报的|提交|创建|下单|受理|登记|\b(?:opened|placed|reported|created|submitted)\b", re.I
)
MONTH_DAY = re.compile(
    r"(?<![\d.])(\d{1,2})\s*[号日](?!\s*[前后内])|\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b"
    r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(\d{1,2})\b",
    re.I,
)


def _days_of_month(text: str) -> set[int]:
    """The days of the month a message names («8号», «12月8日», "the 8th", "December 8")."""
    out = set()
    for m in MONTH_DAY.finditer(text):
        d = int(next(g for g in m.groups() if g))
        if 1 <= d <= 31:
            out.add(d)
    return out


def _past_record_day(ev: Evidence, statement: str, c: Composition) -> bool:
    """The fact states one day of the customer's own record (a CRM record it cites, not a policy's window) that is
    before today, and the message says they are still waiting on a day they were promised («说好8号交车…还没动静»,
    "supposed to be delivered on the 8th … heard nothing"): the day has passed. A record's own past day (a ticket
    reported on the 19th, «报修到现在还没个说法») is no promise."""
    if c.today is None or not ev.lineage.get("cite_evidence_ids") or ev.source_ids.get("doc_id"):
        return False
    if not (WAITING.search(c.customer_text) and PROMISED.search(c.customer_text)):
        return False
    body = DATE_RANGE.sub(" ", CITED_LABEL.sub("", ev.content.split("\n")[0]))
    days = {d for d in DAY.findall(body)}
    if len(days) != 1:
        return False
    day = days.pop()
    iso = _iso_day(day) if ZH_DAY.fullmatch(day) else day
    try:
        when = date.fromisoformat(iso)
    except ValueError:
        return False
    if when >= c.today:
        return False
    said = _days_of_month(c.customer_text)
    if said:
        # the message names the day it was promised («说好8号», "on the 8th"): it must be this record's day
        return when.day in said
    # no day named: the record's day must be one promised to the customer (a confirmed / agreed / due day), never
    # the day a ticket was reported or an order placed
    return bool(PROMISED_DAY.search(body)) and not REPORTED_DAY.search(body)


RECORD_ID = re.compile(r"\b[A-Z]{1,4}-\d{2,}(?:-\d+)*\b")
# a CRM record's field as the customer facts carry it: «<record kind> <ID> <field> = <YYYY-MM-DD>»
RECORD_DAY_FACT = re.compile(
    r"^\s*(?P<kind>[^\s=]{1,8})\s+(?P<rid>[A-Z]{1,4}-\d{2,}(?:-\d+)*)\s+(?P<field>[^=\n]{1,16}?)\s*=\s*"
    r"(?P<day>\d{4}-\d{2}-\d{2})\s*$"
)
RECORD_STATUS_FACT = re.compile(
    r"^\s*[^\s=]{1,8}\s+(?P<rid>[A-Z]{1,4}-\d{2,}(?:-\d+)*)\s+(?:状态|status)\s*=\s*(?P<v>\S+)", re.I
)
# a record's field that is a day promised to the customer (not a term's end: a contract that ended is no wait)
AWAITED_FIELD = re.compile(
    r"确认|约定|承诺|预计|计划|应于|\b(?:confirmed|due|promised|scheduled|expected)\b", re.I
)
# a record that is finished: its promised day is no longer awaited
RECORD_DONE = re.compile(
    r"deliver|closed|complete|cancel|done|resolved|finish|已交|已完成|已关闭|已取消|已结", re.I
)


def _awaited_record_day(c: Composition) -> tuple[Evidence, str, str, str] | None:
    """The customer complains that a promised day has passed and they are still waiting («定好的时间早过了，东西还是没
    见着», "promised for last week … still no sign"), and no fact computed for the answer states that record: the day
    of their own open record (a CRM field that is a promised day — confirmed / agreed / due — never a reported or
    placed day) that is before today, the latest of them (the one the message names, when it names a day of the
    month). (evidence, record kind, record id, ISO day); None otherwise."""
    if c.today is None or not (WAITING.search(c.customer_text) and PROMISED.search(c.customer_text)):
        return None
    done = set()
    for e in c.evidence:
        m = RECORD_STATUS_FACT.match(e.content) if e.kind is EvidenceKind.CUSTOMER_FACT else None
        if m and RECORD_DONE.search(m["v"]):
            done.add(m["rid"])
    said = _days_of_month(c.customer_text)
    found: list[tuple[date, Evidence, str, str]] = []
    for e in c.evidence:
        if e.kind is not EvidenceKind.CUSTOMER_FACT or not (m := RECORD_DAY_FACT.match(e.content)):
            continue
        if m["rid"] in done or not AWAITED_FIELD.search(m["field"]) or REPORTED_DAY.search(m["field"]):
            continue
        try:
            when = date.fromisoformat(m["day"])
        except ValueError:
            continue
        if when < c.today and (not said or when.day in said):
            found.append((when, e, m["kind"], m["rid"]))
    if not found:
        return None
    when, e, kind, rid = max(found, key=lambda f: f[0])
    return e, kind, rid, when.isoformat()


def _awaited_day_sentence(record: tuple[Evidence, str, str, str], *, en: bool) -> str:
    ev, kind, rid, iso = record
    if en:
        return f"the date on record for {rid}, {iso}, has passed"
    m = RECORD_DAY_FACT.match(ev.content)
    field = m["field"].strip() if m else ""
    y, mo, d = (int(x) for x in iso.split("-"))
    return f"您的{kind} {rid} {field}为{y}年{mo}月{d}日{DAY_PASSED['zh']}"


def _with_day_passed(ev: Evidence, statement: str, c: Composition, *, en: bool) -> str:
    if not _past_record_day(ev, statement, c):
        return statement
    if en and CJK.search(CITED_LABEL.sub("", statement)):
        # the record's sentence has no English wording: what matters to an English reader, said in English — which
        # record, its day, and that the day has passed
        body = DATE_RANGE.sub(" ", ev.content.split("\n")[0])
        day = DAY.findall(body)[0]
        iso = _iso_day(day) if ZH_DAY.fullmatch(day) else day
        record = RECORD_ID.search(body)
        return f"the date on record{f' for {record[0]}' if record else ''}, {iso}, has passed"
    label = _cited_label(statement)
    body = statement[: len(statement) - len(label)] if label else statement
    return body.rstrip("。.，, ") + DAY_PASSED["en" if en else "zh"] + label


# the message takes a figure as the policy's («条款写了», «你们规定», «不是说…吗», "your terms say")
POLICY_SAID = re.compile(
    r"条款|规定|政策|章程|写着|写了|写的|上面说|不是说|不是[^，。？?]{0,24}吗|按你们|你们[^，。？?]{0,4}(?:说|讲)的"
    r"|\b(?:terms|policy|rules?)\b|\bit says\b",
    re.I,
)


def _rate_forms(asked: str) -> list[str]:
    """The ways a rate is written in a clause: «9折» also as «九折», «10%» also as «10 %»."""
    cn = "零一二三四五六七八九"
    m = re.fullmatch(rf"\s*(\d+(?:\.\d+)?|[{cn}])\s*折\s*", asked)
    if m:
        digit = str(cn.index(m[1])) if m[1] in cn else m[1]
        forms = [f"{digit}折"]
        if digit.isdigit() and len(digit) == 1:
            forms.append(f"{cn[int(digit)]}折")
        return forms
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%\s*", asked)
    if not m:
        return []
    forms = [f"{m[1]}%", f"{m[1]} %", f"{m[1]} percent", f"{m[1]} per cent"]
    # "10% off" is what a clause writes as «9折» («九折»): a rate taken off is the price's tenth left
    left = round((100 - float(m[1])) / 10, 1)
    if 0 < left < 10:
        digit = str(int(left)) if left == int(left) else str(left)
        forms.append(f"{digit}折")
        if digit.isdigit():
            forms.append(f"{cn[int(digit)]}折")
    return forms


SENTENCE_END = re.compile(r"[。？?！!；;\n]")


def _rate_said_of_policy(text: str, forms: list[str]) -> bool:
    """The rate is said to be the policy's in one sentence («条款写了续购打9折», «你们规定不是说续购9折吗»); a policy
    word or a rhetorical «不是…吗» in another sentence («你们不是说老客户有优惠吗？X7给我打9折») does not make it so."""
    return any(
        POLICY_SAID.search(part) and any(f in part for f in forms) for part in SENTENCE_END.split(text)
    )


def _clauses_used(c: Composition, authority: Evidence) -> set[str]:
    """The clauses another computed fact of this answer was computed from or cites (a renewal price's own clause): the
    only clauses that are about the thing the rate is asked on. A clause that merely contains the same rate (another
    package's renewal 9折 for a car discount) is not."""
    out: set[str] = set()
    for e in c.evidence:
        if (
            e.kind is not EvidenceKind.COMPUTED_FACT
            or e is authority
            or e.source_ids.get("tool") == AUTHORITY_TOOL
        ):
            continue
        out.update(str(i) for i in e.lineage.get("cite_evidence_ids") or [])
        for inp in e.lineage.get("inputs") or []:
            if isinstance(inp, dict) and inp.get("evidence_id"):
                out.add(str(inp["evidence_id"]))
    return out


def _policy_rate_quoted(ev: Evidence, c: Composition) -> tuple[Evidence, str] | None:
    """An authority fact (a discount asked of the rep) whose figure the customer takes from the policy itself («条款写
    了续购打9折», «你们规定续购9折对吧»): a clause of a document the customer may read (not the rep's own limits) states
    that very rate, and the message says it is the policy's. The clause and its sentence stating the rate; None for a
    discount asked of the rep («能不能给到8个点»)."""
    asked = _asked(ev)
    forms = _rate_forms(asked) if asked else []
    if not forms or not _rate_said_of_policy(c.customer_text, forms):
        return None
    used = _clauses_used(c, ev)
    for e in c.evidence:
        if not _citable_clause(e) or e.source_ids.get("doc_id") in c.internal_docs or e.id not in used:
            continue
        if e.source_ids.get("doc_id") == ev.source_ids.get("doc_id"):
            continue
        for sentence in re.split(r"(?<=[。；;])", e.content):
            if any(f in sentence for f in forms) and not find_tables(sentence):
                said = ASIDE.sub(
                    "", re.sub(r"^\s*第[一二三四五六七八九十百零\d]+条\s*", "", sentence.strip())
                )
                return e, said.rstrip("。；; ")
    return None


def _customer_statements(c: Composition, computed: list[Evidence], *, en: bool) -> list[tuple[Evidence, str]]:
    """What the customer hears of each computed fact (the answer line keeps them whole for the rep):
    - an eligibility row that does not apply (a promotion the customer cannot use) only when the customer named it;
    - an authority check in the customer's words: never the rep's internal limit; when approval is needed and the
      next step already says who approves, nothing more;
    - a table row with one value per column of another fact's value (SLA hours per fault level) only for the value
      that another computed fact names (this fault's level)."""
    out: list[tuple[Evidence, str]] = []
    named_values = {v for e in computed for v in _row(e).values() if v}
    told = [e for e in computed if e.lineage.get("to_customer", True) is not False] or [
        e
        for e in computed[:1]
        if not e.lineage.get("fallback")  # another intent's fact is never said by default
    ]
    told = [e for e in told if not _subsumed(e, told, c.customer_text)]
    answers = [e for e in told if str(e.lineage.get("unit") or "") != "bool"]
    # the discount asked is within what the rep may grant: the price it makes (the tier fact's what-if, kept from the
    # customer while it needs approval) is the answer, hedged as the fact words it
    granted = any(
        e.source_ids.get("tool") == AUTHORITY_TOOL and str(e.lineage.get("output") or "") == "within"
        for e in computed
    )
    for ev in told:
        statement = _with_asked_days(ev, _statement(ev, en=en), c.customer_text, en=en)
        statement = _with_day_passed(ev, statement, c, en=en)
        if granted and not en and _asked(ev) and ev.source_ids.get("tool") != AUTHORITY_TOOL:
            # the what-if price is the answer now the check says it is the rep's to grant: without its hedge
            statement = ev.content.split("\n")[0].replace(WHAT_IF_HEDGE, "")
        unit = str(ev.lineage.get("unit") or "")
        output = str(ev.lineage.get("output") or "")
        tool = ev.source_ids.get("tool", "")
        if unit == "bool" and output == "true" and not _offer_relevant(ev, c, answers):
            continue  # an offer on something else (a service promotion on a trade-in answer): not for this message
        if unit == "bool" and _stated_by_another(ev, answers):
            continue  # the quote already stacks it ("叠加…（AB-12）每台 6,000 元后"): said once
        if (
            unit == "bool"
            and output == "false"
            and not _named_offer(_row(ev), c.customer_text, others=_others_said(ev, answers))
            and not _asked_offer_out_of_reach(ev, c)
        ):
            continue  # a promotion the customer did not ask about and cannot use: not worth their time
        if tool == AUTHORITY_TOOL and (quoted := _policy_rate_quoted(ev, c)) is not None:
            # the customer quotes the policy's own rate («条款写了续购9折»): not a discount asked of the rep, so no
            # approval; the clause that says when it applies is quoted (the other facts say whether it does now)
            if en:
                continue  # the clause is in Chinese: the English reader has the facts that apply
            statement = f"您提到的{_asked(ev)}，条款原文是：{quoted[1]}"
            lineage = {
                **ev.lineage,
                "needs_approval": "",
                "quoted_clause": True,
                "clause_evidence_id": quoted[0].id,
            }
            out.append((ev.model_copy(update={"lineage": lineage}), statement))
            continue
        if tool == AUTHORITY_TOOL:
            asked = _asked(ev) or ("the discount" if en else "")
            approver = str(ev.lineage.get("needs_approval") or "")
            say = str(ev.lineage.get("say") or "")
            # what they asked for and what it is worth, without who decides: the sentence is assembled around it
            head = str(ev.lineage.get("say_head_en" if en else "say_head") or "")
            if en:
                head = in_english(head, c.terms_en)
            if approver and head:
                # their figure is beyond what the rep may grant (never the limit itself: an invitation to ask for
                # that much); who approves and that nothing is agreed before is the next step (APPROVAL_HOLD)
                statement = head + (
                    " is beyond what I can grant myself" if en else "，超出了我可以直接给的范围"
                )
            elif approver and say and not en:
                statement = say
            elif not approver and not head and say:
                # the most the rep grants, asked with no figure ("最多能给到多少一台"): said as computed
                statement = str(ev.lineage.get("say_en") or "") if en else say
            elif not approver and head:
                # within what the rep may grant, with what it is worth and the price it makes ("折后 156,604 元")
                statement = head + (
                    " is within what I can grant" if en else "，这个优惠在我的权限内，可以直接给您"
                )
            else:
                phrase = (AUTHORITY_NEEDS if approver else AUTHORITY_OK)["en" if en else "zh"]
                statement = phrase.format(
                    asked=asked, approver=approver_en(approver, c.terms_en) if en else approver
                )
                if not en and not asked:
                    statement = statement.replace("您提到的优惠", "这个优惠")
        if (
            unit == "bool"
        ):  # an eligibility row: its name and what it gives; the scope checked stays for the rep
            statement = _short_scope(statement, _row(ev))
            if output == "false" and not en:
                statement = _not_theirs_first(statement, _row(ev))
        others = tuple(_statement(e, en=en) for e in computed if e.id != ev.id)
        statement = _only_named_column(
            ev, statement, named_values - set(_row(ev).values()), others, c.customer_text
        )
        if statement is None:
            continue  # a whole row (every fault level's hours) when nothing says which applies: the rep's, not theirs
        if en and _mostly_chinese(in_english(statement, c.terms_en)):
            continue  # a clause quoted in Chinese is no answer to an English reader (the rep still sees it)
        if _asked_in_aside_only(ev, c.customer_text):
            # asked for only by a bracketed note (to the rep, to "the assistant"), in a message asking no sum: what it
            # says of the customer's own case answers the note; a price × the count of the message is nobody's question
            statement = _without_sums(statement, en=en)
        if RATE.search(
            statement
        ):  # a rate stays in the sentence that cites it: uncited, the rails read an offer
            statement = re.sub(r"[；;]\s*", "，" if not en else ", ", statement)
        out.append((ev, statement))
    return _picked_offers(out, c)


# an aside the message puts in brackets (a note «（内部备注：…）», "[note to assistant: …]", «【备注：…】»)
ASIDE = re.compile(r"（[^（）]*）|\([^()]*\)|【[^】]*】|\[[^\]]*\]")
MONEY = re.compile(r"\d[\d,]*(?:\.\d+)?\s*元|CNY\s?\d")


def _asked_in_aside_only(ev: Evidence, text: str) -> bool:
    """Every word that asked for this fact (reasoning's `asked_by`) is inside a bracketed aside of the message, none is
    outside it, and nothing in the message asks a sum («多少钱», "how much"): the fact was brought in by the note, not
    by the customer's question."""
    asked = [str(w).strip().lower() for w in ev.lineage.get("asked_by") or [] if len(str(w).strip()) >= 2]
    asides = " ".join(m.group(0) for m in ASIDE.finditer(text)).lower()
    rest = ASIDE.sub(" ", text).lower()
    if not asked or not asides.strip() or ASK_TYPES["amount"].search(text):
        return False
    return not any(_holds_word(rest, w) for w in asked) and any(_holds_word(asides, w) for w in asked)


def _without_sums(statement: str, *, en: bool) -> str:
    """The fact's statement up to its first part (between ；/; ) stating a sum of money, its citation label kept:
    «…未达到最低档，不享受档位折扣；X7 指导价 26,000 元，2 台合计 52,000 元（《…》第三条）» → «…不享受档位折扣（《…》第三条）»."""
    label = _cited_label(statement)
    body = statement[: len(statement) - len(label)] if label else statement
    parts = re.split(r"；|;\s*", body)
    kept: list[str] = []
    for part in parts:
        if MONEY.search(part):
            break
        kept.append(part)
    if not kept or len(kept) == len(parts):
        return statement
    return ("; " if en else "；").join(kept) + label


def _offer_row(ev: Evidence, c: Composition) -> dict[str, str]:
    """The offer's row without its audience columns (who and when it is for: c.offer_audience): what it is on and what
    it gives, the words a customer asking about it would use."""
    return {h: v for h, v in _row(ev).items() if h not in c.offer_audience}


def _code_key(code: str) -> str:
    return re.sub(r"[\s\-·]", "", code).upper()


def _offer_picked(ev: Evidence, c: Composition) -> int:
    """How much of the message points at this offer: the Chinese word pairs and the codes («Z5», "ab12" for AB-12) it
    shares with the offer's own cells (its name, products, what it gives; never its audience), and the products it
    names that the offer is on."""
    row = _offer_row(ev, c)
    # the message without the words of any offer's audience (its region, customer kind: «华东», «商户»), which its
    # name may carry too («华东春季焕新月», «商户开业补贴»): a customer saying where or who they are asks for
    # none of them in particular
    text = _without_owned(c.customer_text)
    for pair in _audience_pairs(c):
        text = text.replace(pair, " ")
    said_codes = {_code_key(m) for m in re.findall(r"[A-Za-z]{1,4}[\-·]?\d{1,4}[A-Za-z]?", text)}
    cells = " ".join(v for v in row.values() if v)
    cell_codes = {_code_key(m) for m in re.findall(r"[A-Za-z]{1,4}[\-·]?\d{1,4}[A-Za-z]?", cells)}
    products = {_code_key(p) for p in _products_of(row, ev)}
    return (
        sum(_shared_bigrams(v, text) for v in row.values() if v)
        + len(said_codes & cell_codes)
        + len(said_codes & products)
    )


def _audience_pairs(c: Composition) -> set[str]:
    """The Chinese word pairs of every offer's audience cells (region, customer kind, period) in this draft."""
    return {
        pair
        for e in c.evidence
        if e.kind is EvidenceKind.COMPUTED_FACT and str(e.lineage.get("unit") or "") == "bool"
        for h, v in _row(e).items()
        if h in c.offer_audience
        for pair in _cjk_pairs(v)
    }


def _picked_offers(out: list[tuple[Evidence, str]], c: Composition) -> list[tuple[Evidence, str]]:
    """Of several offers the customer qualifies for, asked by one general word («补贴», «活动», "subsidy"), the ones the
    message points at (_offer_picked: «Z5的补贴» → the Z5 subsidy; «维修工时» → the service offer); the others
    are pitches beside the answer. When the message points at none («都有哪些活动») or at each, all are said."""
    offers = [
        ev
        for ev, _ in out
        if str(ev.lineage.get("unit") or "") == "bool" and str(ev.lineage.get("output") or "") == "true"
    ]
    if len(offers) < 2 or c.refusal:
        return out
    picked = {ev.id: _offer_picked(ev, c) for ev in offers}
    if not any(picked.values()) or all(picked.values()):
        return out
    return [(ev, s) for ev, s in out if picked.get(ev.id, 1) > 0]


def _subject(
    ev: Evidence, terms: dict[str, str], *, with_inputs: bool = True, with_statement: bool = True
) -> tuple[set[str], set[str]]:
    """What a fact is about, as words: the Chinese word pairs of its statement and of the policy row it read (a column
    «主机（压缩机、电机）» names the parts its term covers), and the English words of both, the tenant's words in
    English (profile terms_en: 主机 → "main unit warranty"); its citation label and the documents' titles aside.
    Without the statement: the policy cells it read alone (a term's «…｜压缩机｜5年…», not the unit's name its sentence
    opens with, which every term of that unit is about); without inputs: its statement alone."""
    inputs = (
        " ".join(
            str(i.get("value") or "")
            for i in ev.lineage.get("inputs") or []
            if isinstance(i, dict) and i.get("kind") == "policy"
        )
        if with_inputs
        else ""
    )
    said_zh = CITED_LABEL.sub("", _statement(ev, en=False)) if with_statement else ""
    zh = re.sub(r"《[^》]*》", "", said_zh + " " + inputs)
    said_en = re.sub(r"《[^》]*》", "", _statement(ev, en=True)) if with_statement else ""
    en = in_english(said_en + " " + zh, terms).lower()
    return _cjk_pairs(zh), {w for w in re.findall(r"[a-z][a-z\-]{3,}", en) if w not in STOP_EN}


def _named_first(
    said: list[tuple[Evidence, str]], customer_text: str, terms: dict[str, str] | None = None
) -> list[tuple[Evidence, str]]:
    """Of several facts of one document (a warranty's terms: the whole machine's, its filter's, its main unit's),
    the ones the message names — it shares words with them that the others do not have («压缩机» → 主机（压缩机、电机）,
    "filter") — come first: the part asked about is the answer, the whole machine's term
    beside it is context. When the message names each (or none), the order stays (the order asked decides)."""
    if len(said) < 2 or not customer_text:
        return said
    own_text = _own_words(customer_text)  # what they quote is what they were told, not what they ask
    msg_pairs = _cjk_pairs(own_text)
    msg_words = {w for w in re.findall(r"[a-z][a-z\-]{3,}", own_text.lower()) if w not in STOP_EN}
    read = {ev.id: _subject(ev, terms or {}, with_statement=False) for ev, _ in said}
    full = {ev.id: _subject(ev, terms or {}) for ev, _ in said}
    out = list(said)
    docs = {str(ev.source_ids.get("doc_id") or "") for ev, _ in said}
    for doc in sorted(d for d in docs if d):
        slots = [i for i, (ev, _) in enumerate(out) if str(ev.source_ids.get("doc_id") or "") == doc]
        if len(slots) < 2:
            continue
        group = [out[i] for i in slots]

        def own(
            ev: Evidence,
            subjects: dict[str, tuple[set[str], set[str]]],
            group: list[tuple[Evidence, str]] = group,
        ) -> tuple[set[str], set[str]]:
            """The words the message shares with this fact and with no other of the group."""
            pairs, words = subjects[ev.id]
            other_pairs = set().union(*(subjects[e.id][0] for e, _ in group if e.id != ev.id))
            other_words = set().union(*(subjects[e.id][1] for e, _ in group if e.id != ev.id))
            return msg_pairs & (pairs - other_pairs), msg_words & (words - other_words) - UNIT_WORDS

        # the terms one tool read (a part's and the whole unit's): the policy cells each read first (a term's own
        # column: «压缩机» names that part, the whole machine's «整机保修» does not, though both sentences name the
        # unit the message names too), then what each says and read («压缩机» → 主机（压缩机、电机）)
        one_tool = len({str(ev.source_ids.get("tool_id") or ev.id) for ev, _ in group}) == 1
        for subjects in (read, full) if one_tool else (full,):
            owns = [own(ev, subjects) for ev, _ in group]
            named = [bool(p or w) for p, w in owns]
            if any(named) and not all(named):
                break
        if not any(named) or all(named):
            continue
        if _asked_before_named(customer_text, [o for o, n in zip(owns, named, strict=True) if n]):
            continue  # «保修到几时？滤网又保多久？»: the whole term answers the first question, asked first
        asked = [{str(w) for w in ev.lineage.get("asked_by") or []} for ev, _ in group]
        named_asked = set().union(*(a for a, n in zip(asked, named, strict=True) if n))
        if all(a for a, n in zip(asked, named, strict=True) if n) and any(
            a - named_asked for a, n in zip(asked, named, strict=True) if not n
        ):
            continue  # the other fact was asked for by words of its own («套餐还能用吗» beside «好久没保养了»)
        ordered = [g for g, n in zip(group, named, strict=True) if n] + [
            g for g, n in zip(group, named, strict=True) if not n
        ]
        for i, g in zip(slots, ordered, strict=True):
            out[i] = g
    return out


def _asked_before_named(customer_text: str, named: list[tuple[set[str], set[str]]]) -> bool:
    """A question comes before the first part of the message that names one of these facts, and names none of them
    itself: a general question («保修到几时？») asked first, answered by the fact the message does not name."""
    parts = _clauses(customer_text)
    for i, part in enumerate(parts):
        pairs, words = _cjk_pairs(part), {w for w in re.findall(r"[a-z][a-z\-]{3,}", part.lower())}
        if any(pairs & p or words & w for p, w in named):
            return any(_is_question(q) or CONFIRM.search(q) for q in parts[:i])
    return False


# a figure put to the rep to confirm: a tag asking whether it is right (generic words of any tenant)
CONFIRM = re.compile(
    r"是不是|是吗|是嗎|对吧|對吧|对不对|對不對|对吗|對嗎|没错吧|沒錯吧|吧[？?]|\b(?:right|correct)\W*$|\bisn'?t it\b|"
    r"\bis that (?:right|correct)\b|\bam i right\b",
    re.I,
)
CONFIRM_DAY = re.compile(
    r"(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})"
    r"|(\d{4})\s*年|\b(?:until|till|to|in|by|through)\s+(\d{4})\b",
    re.I,
)
CN_NUM = "一二三四五六七八九十百千两零〇"
SUM_WAN = re.compile(rf"(\d+(?:\.\d+)?|[{CN_NUM}]+)\s*万\s*([一二三四五六七八九\d])?(?![\d{CN_NUM}])")
SUM_PLAIN = re.compile(
    rf"(?<![\d.,])(\d{{1,3}}(?:,\d{{3}})+|\d{{3,}})(?!\d|,\d|\s*(?:年|月|日|号|號|台|辆|次|km|公里|个月|天))"
    rf"|(?<![{CN_NUM}])([{CN_NUM}]*[百千][{CN_NUM}]*)(?![{CN_NUM}万]|\s*(?:年|月|日|号|台|辆|次|个))"
)


def _working_result(working: str) -> str:
    """The result of the customer's own working: the amount after its equals sign («…=147800» → «147800»)."""
    amounts = re.findall(r"\d[\d,]*(?:\.\d+)?\s*(?:万|w|元|块)?", working)
    return amounts[-1] if amounts else working


def _put_figures(customer_text: str) -> tuple[list[tuple[int, int, int]], list[float]]:
    """The days (y, m, d; a year alone as (y, 0, 0)) and the sums the customer puts to the rep to confirm: those in the
    part of the message that asks whether it is right («…是到2027年1月9号 是不是», «总价是一百六十四万八对吧», "runs until
    2030, right?")."""
    # the customer's own working («159800-5000-6000=147800») puts its result only: the amounts worked from are no
    # figure to confirm (and a clause pointing back at it — «…等于149800，是这个价吧» — puts that result)
    worked = OWN_WORKING.sub(lambda m: " 等于" + _working_result(m.group(0)) + " ", customer_text)
    parts = _clauses(worked)
    asked = []
    for i, part in enumerate(parts):
        if CONFIRM.search(part):
            # a tag said on its own («… 是不是») confirms the part before it
            bare = len(CONFIRM.sub("", part).strip(" ，,。？?啊呀吗嘛")) < 2
            asked.append((parts[i - 1] + part) if bare and i else part)
    days: list[tuple[int, int, int]] = []
    sums: list[float] = []
    for part in asked:
        for m in CONFIRM_DAY.finditer(part):
            if m.group(1):
                days.append((int(m.group(1)), int(m.group(2)), int(m.group(3))))
            elif (year := m.group(4) or m.group(5)) and 1990 <= int(year) <= 2100:
                days.append((int(year), 0, 0))
        rest = CONFIRM_DAY.sub(" ", part)
        for m in SUM_WAN.finditer(rest):
            head = float(m.group(1)) if m.group(1)[0].isdigit() else cn_to_number(m.group(1))
            if head:
                tail = m.group(2)
                sums.append(head * 10000 + (int(cn_to_number(tail) or 0) * 1000 if tail else 0))
        for m in SUM_PLAIN.finditer(SUM_WAN.sub(" ", rest)):
            value = float(m.group(1).replace(",", "")) if m.group(1) else cn_to_number(m.group(2))
            if value and value >= 100:
                sums.append(value)
    if not sums and worked != customer_text and CONFIRM.search(customer_text):
        # the working's result put back by a tag after it («…等于149800，今天下单是这个价吧？»)
        sums = [float(r.replace(",", "")) for r in re.findall(r"等于(\d[\d,]*(?:\.\d+)?)\s", worked)]
    return days, sums


def _fact_figures(stated: list[tuple[Evidence, str]]) -> tuple[list[tuple[int, int, int]], list[float]]:
    """The days and sums of these facts: their slots and their sentences' own figures, distances aside."""
    said = " ".join(
        [str(s) for ev, _ in stated for s in ev.lineage.get("slots") or []]
        + [CITED_LABEL.sub("", statement) for _, statement in stated]
    )
    said = FULL_DATE.sub(lambda m: f" {m.group(0)} ", re.sub(r"\d[\d,.]*\s*(?:万)?\s*km", " ", said))
    days = [(int(y), int(m), int(d)) for y, m, d in FULL_DATE.findall(said)]
    plain = FULL_DATE.sub(" ", said)
    sums = [float(a) for a in _amounts(plain)] + [
        float(x) for x in re.findall(r"(?<![\d,.])\d{3}(?![\d,.])", plain)
    ]
    return days, sums


def _closest(said: list[tuple[Evidence, str]], customer_text: str) -> str:
    """The id of the fact holding the figure closest to the one the customer puts to the rep to confirm."""
    days, sums = _put_figures(customer_text)
    if not said or (not days and not sums):
        return ""

    def distance(pair: tuple[Evidence, str]) -> float:
        """How far the fact's closest figure is from one put (0: the same day, year or sum)."""
        f_days, f_sums = _fact_figures([pair])
        gaps = [
            abs(f[0] - d[0]) + (0 if not d[1] or (f[1], f[2]) == (d[1], d[2]) else 0.5)
            for f in f_days
            for d in days
            if abs(f[0] - d[0]) <= 3
        ] + [abs(f - v) / v for f in f_sums for v in sums if 0.5 < f / v < 2]
        return min(gaps, default=float("inf"))

    gaps = [distance(p) for p in said]
    best = min(gaps)
    return "" if best == float("inf") else next(p[0].id for p, g in zip(said, gaps, strict=True) if g == best)


def _confirmed(customer_text: str, stated: list[tuple[Evidence, str]]) -> bool | None:
    """Whether the figure the customer asks the rep to confirm is right, by the computed facts the answer states (their
    figures and their sentences' own, distances aside): a day (a year alone against the year) among their days, a sum
    within half a percent of one of their sums (a round «一百六十四万八» for 1,648,100). None when no figure is put, or
    no stated fact has a figure of that kind close enough to be the same thing (a year within three, a sum within a
    factor of two): then the answer speaks for itself."""
    days, sums = _put_figures(customer_text)
    if not days and not sums:
        return None
    fact_days, fact_sums = _fact_figures(stated)
    verdicts: list[bool] = []
    for y, m, d in days:
        near = [f for f in fact_days if abs(f[0] - y) <= 3]
        if near:
            verdicts.append(any(f[0] == y and (not m or (f[1], f[2]) == (m, d)) for f in near))
    for v in sums:
        near = [f for f in fact_sums if 0.5 < f / v < 2]
        if near:
            verdicts.append(any(abs(f - v) <= 0.005 * f for f in near))
    if not verdicts:
        return None
    return all(verdicts)


# what a customer quotes back (a WeChat quoted reply, a copied line): a span in quotation marks, a line opening with
# ">", or everything above a line of dashes that separates the quote from the reply
QUOTE_SPAN = re.compile(r"“[^”]{6,}”|「[^」]{6,}」|『[^』]{6,}』|\"[^\"]{6,}\"")
QUOTE_LINE = re.compile(r"^\s*>.*$", re.M)
QUOTE_RULE = re.compile(r"^\s*(?:[-—–_=]\s*){4,}$", re.M)
FULL_DATE = re.compile(r"(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})")


POINTER = re.compile(r"这个|那个|这样|这么|这话|\b(?:that|this|it)\b|\d", re.I)


def _own_words(customer_text: str) -> str:
    """The message without what it quotes."""
    own = customer_text
    for q in sorted({quote for quote in _quoted(customer_text).split("\n") if quote}, key=len, reverse=True):
        own = own.replace(q, " ")
    return own


def _quoted(text: str) -> str:
    """What the customer quotes: spans in quotation marks, lines opening with ">", and the text above a dashed line
    when the text below it asks something (a reply under a quote; a signature under a dashed line asks nothing)."""
    parts = [m.group(0) for m in QUOTE_SPAN.finditer(text)] + QUOTE_LINE.findall(text)
    rules = list(QUOTE_RULE.finditer(text))
    if rules and any(_is_question(q) for q in _clauses(text[rules[-1].end() :])):
        parts.append(text[: rules[-1].start()])
    return "\n".join(parts)


def _figures(text: str) -> set[str]:
    """The dates (as y-m-d) and the amounts of 1,000 or more a text states."""
    dates = {f"{int(y)}-{int(m)}-{int(d)}" for y, m, d in FULL_DATE.findall(text)}
    return dates | {a for a in _amounts(FULL_DATE.sub(" ", text)) if len(a.split(".")[0]) >= 4}


def _without_quoted(said: list[tuple[Evidence, str]], customer_text: str) -> list[tuple[Evidence, str]]:
    """The facts without those the customer quotes back (every date and sum the fact rests on is in the quote: the
    rep's earlier reply «您的X7整机保修至2029年10月7日»), when another fact answers what they ask now («那滤网呢？»): what
    they quote they have read; said again it reads as not having listened."""
    quote = _quoted(customer_text)
    if not quote or len(said) < 2:
        return said
    in_quote = _figures(quote)

    def quoted(ev: Evidence) -> bool:
        # its dates when it rests on any (the km left beside a warranty's end is worked out from it), else its sums
        figures = _figures(" ".join(str(s) for s in ev.lineage.get("slots") or []))
        dates = {f for f in figures if "-" in f}
        figures = dates or figures
        return bool(figures) and figures <= in_quote

    kept = [(ev, s) for ev, s in said if not quoted(ev)]
    if not kept or len(kept) == len(said):
        return said
    # … unless they question what they quote («“整机保修至…”，这个没错吧？», "… - is that right?"): a tag of
    # confirmation in their own words that names none of the other facts is about the quote (yes or no, then the fact)
    own = _own_words(customer_text)
    dropped = {ev.id for ev, _ in said} - {ev.id for ev, _ in kept}
    theirs = [_subject(ev, {}) for ev, _ in said if ev.id in dropped]
    others = [_subject(ev, {}) for ev, _ in kept]
    other_pairs = set().union(*(p for p, _ in others)) - set().union(*(p for p, _ in theirs))
    other_words = set().union(*(w for _, w in others)) - set().union(*(w for _, w in theirs))
    for part in _clauses(own):
        # the tag points back at the quote: «这个没错吧», "is that right", a bare «是不是»; not «是不是更长一点» of another part
        pointed = bool(POINTER.search(part)) or len(CONFIRM.sub("", part).strip(" ，,。？?-—啊呀吗嘛")) < 2
        if (
            CONFIRM.search(part)
            and pointed
            and not (
                _cjk_pairs(part) & other_pairs
                or set(re.findall(r"[a-z][a-z\-]{3,}", part.lower())) & other_words
            )
        ):
            return said
    return kept


def _mostly_chinese(text: str) -> bool:
    """More Chinese characters than Latin letters, citations aside: a sentence an English reader cannot read."""
    body = CITED_LABEL.sub("", re.sub(r"《[^》]*》", "", text))
    return len(CJK.findall(body)) > len(re.findall(r"[A-Za-z]", body))


STOP_EN = frozenset(
    [
        "what",
        "when",
        "which",
        "where",
        "does",
        "have",
        "this",
        "that",
        "with",
        "will",
        "from",
        "they",
        "there",
        "about",
        "also",
        "know",
        "would",
        "could",
        "should",
        "much",
        "many",
        "long",
        "soon",
        "then",
        "into",
        "just",
        "like",
        "here",
        "your",
        "mine",
        "ours",
        "them",
        "their",
        "it's",
        "been",
        "were",
        "than",
        "some",
        "more",
        "most",
        "well",
        "very",
        "need",
        "want",
        "tell",
        "please",
        "thanks",
        "thank",
        "hello",
        "dear",
        "things",
        "questions",
        "question",
    ]
)
QUESTION_SPLIT = re.compile(r"(?<=[?？])|(?:^|\s)\d\)\s*")
HOW_MUCH = re.compile(r"\bhow much\b|\bcost\b|\bprice\b", re.IGNORECASE)
STATED_AMOUNT = re.compile(r"CNY\s?\d|\d[\d,]*\s?(?:元|yuan|RMB)", re.IGNORECASE)


# a code or model name (X7, PKG-Q, AB-12, SO-1234-567, 320i): letters with digits, the thing a question is about;
# digits before an ordinal, a clock or a unit suffix (2nd, 5pm, 100km, 3h) say when or how much, not what
NOT_A_NAME = (
    r"(?:st|nd|rd|th|am|pm|[kcm]?m|km/?h|mph|kg|g|t|l|ml|h|hrs?|min|mins|s|sec|kw|kwh|hp|k|x|yrs?|mo|days?)"
)
IDENTIFIER = re.compile(rf"\b[a-z]+-?\d[a-z\d\-]*\b|\b\d+(?!{NOT_A_NAME}\b)[a-z]+\b")


def _content_words(text: str) -> set[str]:
    low = text.lower()
    return {w for w in re.findall(r"[a-z][a-z\-]{3,}", low) if w not in STOP_EN} | set(
        IDENTIFIER.findall(low)
    )


def _sum_answers(question: str, questions: list[str], answer: str) -> bool:
    """A how-much question a stated sum answers: a sentence stating a sum shares one of its words, or it is the only
    how-much question and the answer states a sum. A second price question is not answered by the first one's sum."""
    if not HOW_MUCH.search(question):
        return False
    sums = [s for s in re.split(r"(?<=[.!?;])\s+|(?<=[。！？；])", answer) if STATED_AMOUNT.search(s)]
    if not sums:
        return False
    if any(_content_words(question) & _content_words(s) for s in sums):
        return True
    return sum(1 for q in questions if QUESTION.search(q) and HOW_MUCH.search(q)) == 1


HOW_MANY = re.compile(r"\bhow many\b", re.I)
STATED_COUNT = re.compile(r"\b\d+\s+(?:unused|left|remaining|visits?|services?|times?|units?)\b", re.I)


def _day_answers(question: str, questions: list[str], answer: str) -> bool:
    """A when / last-day question the answer's day answers ("is there a last day we have to order by?" and "…orders
    by 2026-12-31"): the only question of the message asking a day (a price question naming "year end" asks a sum),
    and the answer states one."""
    days = [q for q in questions if DAY_ASKED_EN.search(q) and not HOW_MUCH.search(q)]
    return bool(question in days and len(days) == 1 and GIVE_TYPES["date"].search(answer))


# an English question whose ask IS a day: a when / what-date / last-day / expiry question. "until" or "end" inside a
# request ("can you hold one for me until my bonus comes in?", "sign at the end of the month?") asks for no day: a date
# the answer states elsewhere does not answer it
DAY_ASKED_EN = re.compile(
    r"\bwhen\b|\bwhat (?:day|date|month)\b|\bwhich (?:day|date|month)\b|\blast day\b|\bdeadline\b|\bexpir\w*"
    r"|\brun(?:s|ning)? out\b|\bend date\b|\bhow long\b|\bvalid (?:until|till|through)\b\W*$",
    re.I,
)


def _count_answers(question: str, questions: list[str], answer: str) -> bool:
    """A how-many question the answer's count answers ("how many time I still have left?" and "… 2 used and 4
    unused"): the only how-many question of the message, and the answer states a count."""
    return bool(
        HOW_MANY.search(question)
        and STATED_COUNT.search(answer)
        and sum(1 for q in questions if HOW_MANY.search(q)) == 1
    )


def _unanswered(customer_text: str, answer: str, said: list[tuple[Evidence, str]]) -> bool:
    """An English message of several questions has one that no stated fact answers: none of its words is in the
    answer, nor among the words of the message that asked for a stated fact."""
    return bool(_unanswered_parts(customer_text, answer, said))


def _unanswered_parts(customer_text: str, answer: str, said: list[tuple[Evidence, str]]) -> list[str]:
    """The questions of an English message of several that no stated fact answers (see `_unanswered`), as written."""
    questions = [q.strip() for q in QUESTION_SPLIT.split(customer_text) if q and len(q.strip()) > 8]
    if len(questions) < 2:
        return []
    answered_words = _content_words(answer) | {
        str(w).lower() for ev, _ in said for w in ev.lineage.get("asked_by") or []
    }
    return [
        q
        for q in questions
        if QUESTION.search(q)
        # "roughly how much?" asks for a sum: a sum the answer states answers it (and a count a how-many)
        and not _sum_answers(q, questions, answer)
        and not _count_answers(q, questions, answer)
        and not _day_answers(q, questions, answer)
        and _content_words(q)  # a question of no words of its own ("3 yrs or 4?") follows the one before it
        and not (_content_words(q) & answered_words)
        and not any(w in q.lower() for w in answered_words if " " in w)
    ]


def _subject_of(part: str, subjects: tuple[str, ...], *, en: bool) -> str:
    """What a part of the message is about, in the product's own words: the longest of the tenant's taxonomy words
    (its intents' keywords, its product names) the part contains, that is a thing and not a way of asking («多少钱»,
    «送不送», "how much"); "" when it names none. The customer's sentence itself is never said back: it may be rude,
    a judgement on a person, or broken English ("do you guys" said back as "do we guys")."""
    low = part.lower()
    found = ""
    for word in subjects:
        w = word.strip()
        if len(w) < 2 or len(w) <= len(found) or bool(CJK.search(w)) is en:
            continue
        if QUESTION_ZH.search(w) or EN_QUESTION.search(w) or any(t.search(w) for t in ASK_TYPES.values()):
            continue
        hit = re.search(rf"(?<![a-z]){re.escape(w.lower())}(?![a-z])", low) if en else (w.lower() in low)
        if hit and not MASKED.search(w):
            found = w
    return found


def _other_question_en(parts: list[str], subjects: tuple[str, ...] = ()) -> str:
    """'On your question about installation, I will check …': the question no fact answers, named by what it is
    about in the product's own words (`_subject_of`); the generic line when it names none of them."""
    named = [w for w in dict.fromkeys(_subject_of(p, subjects, en=True) for p in parts) if w]
    if not named:
        return " On your other question, I will check and get back to you shortly."
    return f" On your question about {' and '.join(named[:2])}, I will check and get back to you shortly."


SAID_AMOUNT = re.compile(r"(?<!\d)(?<!\d[,.])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{4,}(?:\.\d+)?)")


def _amounts(text: str) -> set[str]:
    """The whole amounts a text states, one form each ("5,000" and "5000" alike): 5,000 is not said by 15,000."""
    return {a.replace(",", "") for a in SAID_AMOUNT.findall(text)}


def _without_said_tail(statement: str, told: str) -> str:
    """A later sentence's trailing parts (after ；/ ; ) whose every amount the answer already said are dropped ("…您不
    适用：客户类型限个人客户；X7指导价 199,900 元" after the tier sentence gave that price): a figure said twice reads as
    a copy. The first part and its citation label stay; a part with no amount is kept (it says something else)."""
    sep = "；" if "；" in statement else "; "
    parts = statement.split(sep)
    if len(parts) < 2:
        return statement
    label = _cited_label(parts[-1])
    said = _amounts(told)
    kept = [parts[0]]
    for part in parts[1:]:
        amounts = _amounts(CITED_LABEL.sub("", part))
        if amounts and amounts <= said:
            continue
        kept.append(part)
    if len(kept) == len(parts):
        return statement
    out = sep.join(kept)
    return out if not label or label in out else out + label


PART_SEP = "，,:：；;"


def _without_told_subject(statement: str, earlier: list[str]) -> str:
    """A later sentence without the thing an earlier one opened with, named by its record («您的X5 主机（序列号）…»
    twice, «您的保养套餐 PKG-Q（SC-…）…» twice, "your … unit (serial no.)" twice): the customer reads which unit or which
    contract it is about once. Only an opening that ends with a bracketed record id (a VIN, a contract or order
    number) is cut, and only when something of 6 characters or more is left to say; an opening of other words («贵司
    去年采购 5 台，…») may be what the rest of the sentence needs to mean anything."""
    low = statement.lower()
    best = 0
    for prev in earlier:
        prev_low = prev.lower()
        n = 0
        while n < min(len(low), len(prev_low)) and low[n] == prev_low[n]:
            n += 1
        for m in RECORD_BRACKET.finditer(statement[:n]):
            best = max(best, m.end())
    if not best:
        return statement
    rest = statement[best:].lstrip(PART_SEP + " ")
    if re.match(r"(?:was|is|has|had|were|are)\b", rest):
        rest = "it " + rest  # "your … unit (serial no.) was delivered …" without its subject still needs one
    return rest if len(CITED_LABEL.sub("", rest)) >= 6 else statement


RECORD_BRACKET = re.compile(r"[（(][A-Z0-9][A-Z0-9\-]{4,}[）)]")


# a part that only says one amount under a short name («折后单价 122,220 元», "net unit price CNY 122,220")
NAMED_AMOUNT = re.compile(r"^\s*[^\d，,；;]{0,10}?\s*(?:CNY\s?)?\d[\d,]*(?:\.\d+)?\s*(?:元|yuan)?\s*$", re.I)


def _without_told_parts(statement: str, told: str) -> str:
    """A later sentence without a part («折后单价 122,220 元») that only names a sum (five digits or more) the answer
    already gave: said once, the figure reads as one fact. The first part always stays; a part with any other content
    stays, and so does a smaller amount (a 6,000 subsidy after a 6,000 trade-in bonus is another thing)."""
    sep = "，" if "，" in statement else ", "
    parts = statement.split(sep)
    if len(parts) < 2:
        return statement
    said = _amounts(told)
    kept = [parts[0]]
    for part in parts[1:]:
        body = CITED_LABEL.sub("", part)
        amounts = _amounts(body)
        # (a sum of five digits or more: a lone 6,000 may be another offer of the same size)
        if (
            amounts
            and amounts <= said
            and all(len(a.split(".")[0]) >= 5 for a in amounts)
            and NAMED_AMOUNT.match(body)
        ):
            if part != body:  # the part carried the citation label: it moves to the part before
                kept[-1] += _cited_label(part)
            continue
        kept.append(part)
    return sep.join(kept)


# What a question asks for, by its words, and what a stated fact gives, by its figures: a question is matched to the
# fact that answers it by these types first, then by the words they share (the words that asked for the fact, the
# statement's own). Generic words of any tenant.
ASK_TYPES: dict[str, re.Pattern[str]] = {
    "amount": re.compile(
        r"多少钱|多钱|几钱|几钿|啥价|什么价|嘛价|几多|幾多|多少|退多少|几个?.{0,2}[扣点折]|打几|\bhow much\b|\bcost\b|\bprice\b|\bpay\b",
        re.I,
    ),
    "date": re.compile(
        r"哪天|几号|幾號|什么时候|啥时候|啥时侯|几时|幾時|到哪|哪年|哪月|几月|过期|到期|截止|月底前|年底前|最晚|最后一天"
        r"|\bwhen\b|\buntil\b|\btill\b|\bexpire|\bend\b|\blast day\b|\bdeadline\b|\bby when\b",
        re.I,
    ),
    "duration": re.compile(
        r"多久|多长时间|多長時間|几个小时|幾個鐘|幾耐|几天|\bhow (?:long|soon|fast|many hours|many days)\b",
        re.I,
    ),
    "drive": re.compile(
        r"能开|能不能开|还能开|可以开|继续开|开过去|开回|往回开|开走|揸|(?:接着|继续|还能|能不能|可以)跑|拖车|救援|停下|停车|停驶|\bdriv(?:e|ing)\b|\bkeep (?:working|going)\b",
        re.I,
    ),
    "covered": re.compile(
        r"在保|保修期|保不保|保吗|过保|出保|还保|保修里|保多久|保几年|保多长|保幾耐|\bunder warranty\b|\bcovered\b|\bin warranty\b"
        r"|\bhow long\b.{0,30}\bwarrant|\bwarrant\w*\b.{0,20}\bhow long\b",
        re.I,
    ),
    "count": re.compile(r"几次|几台|几辆|多少台|多少次|剩几|\bhow many\b", re.I),
    "severity": re.compile(r"要紧|严重|危险|大问题|没事吧|\bserious\b|\bdangerous\b|\bsafe\b", re.I),
}
GIVE_TYPES: dict[str, re.Pattern[str]] = {
    "amount": re.compile(r"\d[\d,]*(?:\.\d+)?\s*元|CNY\s?\d|\d\s*%|\d\s*折"),
    "date": re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{2}-\d{2}|\d+\s*日内|日期"),
    # how long until someone acts (a response time, a processing time); a warranty's months are what "covered" asks
    "duration": re.compile(r"\d+\s*(?:个?小时|个?工作日)|\d+\s*(?:hours?|working days?)\b", re.I),
    "drive": re.compile(r"行驶|救援|\bdriv(?:e|ing)\b|\broadside\b", re.I),
    "covered": re.compile(r"过保|质保|到期|至\d{4}年|\bwarranty\b|\bruns (?:until|to)\b", re.I),
    "count": re.compile(r"\d+\s*(?:次|台|辆)|\d+\s*(?:visits?|services?|units?)\b", re.I),
    "severity": re.compile(r"[一二三]级故障|\blevel [1-3]\b", re.I),
}
# where a question ends: a question or full stop mark, a line, or a question particle before a pause (voice, chat)
QUESTION_CUT = re.compile(
    r"[？?。！!\n；;…]+|(?<=[吗呢啊么嘛呀])\s+|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])"
)
# a question in Chinese: a mark, a question word, an A-not-A («管不管», «保不保», «有没有»)
QUESTION_ZH = re.compile(
    r"[？?]|吗|嗎|呢|多少|几|幾|哪|什么|什麼|啥|怎么|怎麼|多久|多长|多長|能不能|可不可以|有没有|有冇|未呀|咩|"
    r"([\u4e00-\u9fff])[不没冇]\1|[不没冇](?:呀|啊)?$"
)
# a vague word or a tag asking to confirm what was said before it («一缸什么的», «电瓶就保一年 是不是真的啊»): no question
# of its own
VAGUE = re.compile(
    r"什么的|啥的|之类的?|什麼的|是不是真的[啊呀吗]?|是真的吗|对吧|对不对"
    r"|(?:刚才|刚刚)?(?:我)?(?:说|讲)到哪(?:儿|里)?了?"  # «刚才说到哪了»: the speaker finding their place
)
OTHER_QUESTION_ZH = "您提到的其他问题，我确认后尽快回复您。"
TYPE_WEIGHT = (
    3  # what a question asks for (a sum, a day) says more about which fact answers it than a shared word
)


def _clauses(text: str) -> list[str]:
    return [q for q, _ in _marked_clauses(text)]


def _marked_clauses(text: str) -> list[tuple[str, bool]]:
    """The message's parts, each with whether a question mark ends it (the last part counts as ended)."""
    out: list[tuple[str, bool]] = []
    start = 0
    for m in QUESTION_CUT.finditer(text):
        part = text[start : m.start()].strip()
        if part:
            out.append((part, bool(re.search(r"[？?]", m.group(0)))))
        start = m.end()
    if text[start:].strip():
        out.append((text[start:].strip(), True))
    return out


EN_QUESTION = re.compile(
    r"^\W*(?:how|what|when|which|where|who|why|can|could|is|are|do|does|did|will|would|should)\b", re.I
)


def _is_question(clause: str) -> bool:
    """A question by its mark, word or A-not-A form, or by asking a sum, a time or a count («多钱», «多久», «几次»)."""
    return bool(
        QUESTION_ZH.search(clause)
        or EN_QUESTION.search(clause)
        or any(ASK_TYPES[t].search(clause) for t in ("amount", "duration", "count"))
    )


def _cues(ev: Evidence, statement: str, others: list[Evidence]) -> tuple[set[str], set[str], set[str]]:
    """(the words that asked for this fact and for no other, the statement's own character pairs and English words, the
    types of what it gives)."""
    mine = {str(w) for w in ev.lineage.get("asked_by") or [] if len(str(w)) >= 2}
    theirs = {str(w) for e in others if e.id != ev.id for w in e.lineage.get("asked_by") or []}
    body = CITED_LABEL.sub("", statement)
    words = _cjk_pairs(body) | _content_words(body)
    gives = {t for t, pat in GIVE_TYPES.items() if pat.search(body)}
    return (mine - theirs) or mine, words, gives


def _asks_for(clause: str, cues: tuple[set[str], set[str], set[str]]) -> bool:
    """The question asks for a kind of thing this fact gives (a sum, a day, a response time …)."""
    return any(ASK_TYPES[t].search(clause) for t in cues[2] if t in ASK_TYPES)


def _clause_score(clause: str, cues: tuple[set[str], set[str], set[str]]) -> int:
    asked, words, gives = cues
    low = clause.lower()
    shared = {w for w in asked if w.lower() in low} | (words & (_cjk_pairs(clause) | _content_words(clause)))
    wants = {t for t, pat in ASK_TYPES.items() if pat.search(clause)}
    return len(shared) + TYPE_WEIGHT * len(wants & gives)


def _in_asked_order(
    said: list[tuple[Evidence, str]], customer_text: str, terms: dict[str, str] | None = None
) -> list[tuple[Evidence, str]]:
    """The facts to state in the order the message asked its questions: a fact goes with the one question (a part of
    the message up to a question mark, a full stop, a question particle or a pause) that asks for what it gives (a
    sum, a day, a response time, whether one may drive, whether it is covered, how many), the words they share
    breaking a tie; a fact no question clearly asks for stays right after the fact before it. One question, or facts
    all for one question: the order the tools gave."""
    marked = _marked_clauses(customer_text)
    questions = [q for q, _ in marked]
    asked = [
        ended for _, ended in marked
    ]  # (a question mark ends it: "Am I still in time for the winter deal?")
    if len(said) < 2 or len(questions) < 2:
        return said
    evs = [ev for ev, _ in said]
    keys: list[float] = []
    last = -1.0
    for ev, statement in said:
        named = _offer_named_at(ev, statement, questions, terms or {})
        if named is not None:
            # an offer goes with the question that names it («X7冬季立减2000能参加不？», "can I get the winter 2,000
            # off?"), asked first or last: the first question from the part naming it on
            last = float(
                next(
                    (k for k in range(named, len(questions)) if asked[k] or _is_question(questions[k])), named
                )
            )
            keys.append(last)
            continue
        cues = _cues(ev, statement, evs)
        scores = [_clause_score(q, cues) for q in questions]
        # only a question asking for what this fact gives places it (shared words alone are too often chance: a
        # rep's title, a model name, the code read out before the question), the best of them if it is one
        typed = [k for k, q in enumerate(questions) if _asks_for(q, cues) and _is_question(q)]
        top = max((scores[k] for k in typed), default=0)
        if typed and [scores[k] for k in typed].count(top) == 1:
            last = float(next(k for k in typed if scores[k] == top))
        keys.append(last)
    if len({k for k in keys if k >= 0}) < 2:
        return said
    order = sorted(range(len(said)), key=lambda i: (keys[i], i))
    return [said[i] for i in order]


def _offer_named_at(ev: Evidence, statement: str, questions: list[str], terms: dict[str, str]) -> int | None:
    """The one part of the message that names this offer most (an eligibility fact: the codes, figures and Chinese word
    pairs it shares with the offer's row, read figures and all, plus the English words it shares with the fact's English
    statement; the products it is on count half), when that part shares two or more and no other part as many; None
    for any other fact."""
    if str(ev.lineage.get("unit") or "") != "bool":
        return None
    cells = " ".join(v for v in _row(ev).values() if v)
    if not cells:
        return None
    english = _content_words(
        str(ev.lineage.get("say_en") or ev.lineage.get("statement_en") or "")
    ) | _content_words(in_english(CITED_LABEL.sub("", statement), terms))
    # a product the offer is on names it by half: «我那台Q5想换台X7» is about the cars, not about the offer on them
    products = {m.upper() for p in _products_of(_row(ev), ev) for m in MODEL_CODE.findall(str(p).upper())}

    def weight(token: str) -> float:
        return 0.5 if token.upper() in products else 1.0

    scores = [
        _shared_bigrams(cells, read)
        + sum(weight(t) for t in set(CODE_OR_FIGURE.findall(cells)) & set(CODE_OR_FIGURE.findall(read)))
        + sum(weight(w) for w in _content_words(read) & english)
        for read in (_read_figures(q) for q in questions)
    ]
    top = max(scores, default=0.0)
    return scores.index(top) if top >= 2 and scores.count(top) == 1 else None


def _holds_word(text: str, word: str) -> bool:
    """A Chinese word anywhere, an English word as a whole word ("off" is not in "office")."""
    if CJK.search(word):
        return word in text
    return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text) is not None


def _asked_order_after_tickets(
    said: list[tuple[Evidence, str]], customer_text: str, terms: dict[str, str] | None = None
) -> list[tuple[Evidence, str]]:
    """The facts chosen (the first tools', in the tools' priority) in the order asked; an open ticket the customer waits
    on stays first."""
    tickets = [(ev, s) for ev, s in said if ev.lineage.get("next_step") == FOLLOW_UP]
    return tickets + _in_asked_order(
        [(ev, s) for ev, s in said if (ev, s) not in tickets], customer_text, terms
    )


def _unanswered_zh(customer_text: str, stated: list[tuple[Evidence, str]]) -> bool:
    """A Chinese message of several questions has one (five characters or more, a question by its mark, word or
    A-not-A form) that no stated fact answers — nothing it asks for is what a fact gives, and it shares no word with
    any fact or with the words that asked for them — beside another question a stated fact does answer."""
    return bool(_unanswered_parts_zh(customer_text, stated))


MASKED = re.compile(r"<[A-Z_]+\d*>|\[[A-Z_]+\d*\]")  # the masker's placeholders (<CN_PLATE_1>)
# a part that asks nothing of the rep though a question mark ends it («亏大了吧？», «太贵了吧？»): a tag or a sigh
RHETORICAL = re.compile(r"吧[？?!！。]*$")
ASKS_WHAT = re.compile(r"多少|哪|什么|什麼|啥|怎么|怎麼|几[点号次台辆个]|多久|能不能|可不可以|有没有")


def _other_question_zh(parts: list[str], subjects: tuple[str, ...] = ()) -> str:
    """«关于开票的问题，我确认后尽快回复您。»: the part no fact answers, named by what it is about in the product's own words
    (`_subject_of`: the tenant's taxonomy words, never the customer's sentence said back — it may be a judgement on a
    person or rude); the generic line when it names none of them."""
    named = [w for w in dict.fromkeys(_subject_of(p, subjects, en=False) for p in parts) if w]
    if not named:
        return OTHER_QUESTION_ZH
    return "关于" + "和".join(named[:2]) + "的问题，我确认后尽快回复您。"


def _unanswered_parts_zh(customer_text: str, stated: list[tuple[Evidence, str]]) -> list[str]:
    """The questions of a Chinese message of several that no stated fact answers (see `_unanswered_zh`), as written,
    when another question is answered; [] otherwise."""
    marked = _marked_clauses(customer_text)
    if len(marked) < 2 or not stated:
        return []
    # where the customer punctuates, a question is a part a question mark ends («能不能……就是说先交3台» is one)
    punctuated = bool(re.search(r"[？?]", customer_text))
    questions = [q for q, ended in marked if ended or not punctuated]
    evs = [ev for ev, _ in stated]
    cues = [_cues(ev, statement, evs) for ev, statement in stated]
    all_asked = {str(w) for ev in evs for w in ev.lineage.get("asked_by") or [] if len(str(w)) >= 2}
    answered = 0
    unanswered: list[str] = []
    for q in questions:
        q = VAGUE.sub("", q)  # «一缸什么的»: a vague word, no question
        if not QUESTION_ZH.search(q):
            continue
        if any(w in q for w in all_asked) or any(_clause_score(q, cue) > 0 for cue in cues):
            answered += 1
        elif RHETORICAL.search(q) and not ASKS_WHAT.search(q):
            continue  # «就差几天提车，亏大了吧？»: said, not asked
        elif len(_cjk_pairs(q)) >= 4:
            unanswered.append(q)
    # a question of several: one answered beside it («你们能跟不» alone is what the one answer answers)
    return unanswered if answered else []


def _cjk_pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1) if CJK.match(text[i]) and CJK.match(text[i + 1])}


def _without_repeated_clauses(step: str, answer: str) -> str:
    """The next step without a leading clause the answer just said in other words ("您提到的3个点优惠在我的权限内…。" then
    "这个优惠在我的权限内，我在报价单里给您体现。" → "我在报价单里给您体现。"): a customer reads it once. The step's
    last clause (what happens next) always stays."""
    clauses = step.split("，")
    if len(clauses) < 2:
        return step
    said = _cjk_pairs(answer)
    kept = [
        cl
        for cl in clauses[:-1]
        if not ((own := _cjk_pairs(cl)) and len(own) >= 4 and len(own & said) / len(own) >= 0.75)
    ]
    return "，".join([*kept, clauses[-1]])


def _asked_over_authority(computed: list[Evidence]) -> list[str]:
    """Who must approve each figure the customer asked for that is above the rep's authority (an authority fact that
    needs approval: its figure is the message's own)."""
    return [
        str(e.lineage.get("needs_approval"))
        for e in computed
        if e.source_ids.get("tool") == AUTHORITY_TOOL and e.lineage.get("needs_approval")
    ]


def _without_internal_titles(statement: str, titles: tuple[str, ...]) -> str:
    """A sentence without an internal document it names inside it («…超过300万元，按《审批规定V3.0》第五条须报总经理审批»
    → «…超过300万元，须报总经理审批»; "under 《…》 Article 5"): who decides stays, the rule book does not."""
    for title in titles:
        base = VERSION_TAIL.sub("", title).strip()
        if not base:
            continue
        statement = re.sub(
            rf"(?:\b(?:under|per|by)\s+|按(?:照)?|依据|根据)?《{re.escape(base)}[^》]*》\s*"
            rf"(?:第[{CN}\d]+条|(?:Article|Clause|Section)\s+\d+)?\s*",
            "",
            statement,
        )
    return statement


VERSION_TAIL = re.compile(r"\s*[Vv]\d+(?:\.\d+)*\s*$")


def _subsumed(ev: Evidence, told: list[Evidence], customer_text: str = "") -> bool:
    """A fact the message asked for only by words that a more specific answer of the same document was asked by
    ("滤网还在保修期吗": the filter's term answers it; the whole machine's term, asked by 保修 alone, is not what
    they need). The rep still sees it; the customer hears the answer first and at most what they need. Not when the
    message names this fact's own subject in words the other answer does not say («那整机的保修呢» beside «滤网保到哪天»,
    "and the whole unit's warranty?"): then it was asked for itself."""
    mine = set(ev.lineage.get("asked_by") or [])
    if not mine:
        return False
    doc = ev.source_ids.get("doc_id", "")
    wider = [
        e
        for e in told
        if e.id != ev.id
        and e.source_ids.get("doc_id", "") == doc
        and e.source_ids.get("tool_id") != ev.source_ids.get("tool_id")
        and not e.lineage.get(
            "alongside"
        )  # an exclusion qualifies the term, it does not answer instead of it
        and mine < set(e.lineage.get("asked_by") or [])
    ]
    return bool(wider) and not any(_names_own_subject(ev, e, customer_text) for e in wider)


UNIT_WORDS = frozenset(["months", "month", "years", "year", "days", "until", "runs", "left"])


def _names_own_subject(ev: Evidence, other: Evidence, customer_text: str) -> bool:
    """The message shares with this fact's statement a word (a Chinese character pair; an English word of four letters
    or more) that the other fact's statement and the words that asked for the other fact do not have."""
    if not customer_text:
        return False
    asked_other = " ".join(str(w) for w in other.lineage.get("asked_by") or [])
    for en in (False, True):
        own, theirs = _statement(ev, en=en), _statement(other, en=en) + " " + asked_other
        if _cjk_pairs(customer_text) & (_cjk_pairs(own) - _cjk_pairs(theirs)):
            return True
        if en and (
            _content_words(customer_text) & (_content_words(own) - _content_words(theirs)) - UNIT_WORDS
        ):
            return True
    return False


def _first_tools(said: list[tuple[Evidence, str]], limit: int) -> list[tuple[Evidence, str]]:
    """The statements of the first `limit` tools (a tool may state several facts: a term per asked column, who pays
    under it): three answers, however many sentences each takes. An open ticket on the same matter comes first and
    outside the count: it is what the customer is waiting on, and why no new ticket is opened."""
    tickets = [(ev, s) for ev, s in said if ev.lineage.get("next_step") == FOLLOW_UP]
    tools: list[str] = []
    out = list(tickets[:1])
    for ev, statement in said:
        if (ev, statement) in tickets:
            continue
        tool = str(ev.source_ids.get("tool_id") or ev.id)
        if tool not in tools:
            held = ev.source_ids.get("tool") == AUTHORITY_TOOL and ev.lineage.get("needs_approval")
            if len(tools) >= limit and not held:
                continue  # (a figure asked above the rep's authority is always said: the next step names who decides)
            tools.append(tool)
        out.append((ev, statement))
    return out


def _cited_label(text: str) -> str:
    """The trailing （《title》clause） of a statement, kept when the sentence before it is shortened."""
    m = CITED_LABEL.search(text)
    return m.group(0) if m else ""


def _cny(m: re.Match[str]) -> str:
    """'6000' / '179,800' → 'CNY 6,000' / 'CNY 179,800' (an amount as an English reader writes it)."""
    raw = m.group("n").replace(",", "")
    whole, _, frac = raw.partition(".")
    return f"CNY {int(whole):,}" + (f".{frac}" if frac else "")


def _off(m: re.Match[str]) -> str:
    """'8折' → '20% off', '9折' → '10% off', '8.5折' → '15% off' (what the customer pays, as what they save)."""
    paid = float(m.group(1))
    paid = paid * 10 if paid < 10 else paid
    return f"{100 - paid:g}% off" if 0 < paid < 100 else m.group(0)


# A measure word after a count (the tenant's unit of sale among them): a count in English is "N units".
COUNTED = r"台|辆|件|套|个(?!月|工作日|小时|点)|只|支|块|组|箱|盒"
AMOUNT = r"(?P<n>\d[\d,]*(?:\.\d+)?)"
# Chinese wording of amounts, ranges, dates and eligibility in an English draft, in English; what is left in Chinese is a
# name (a campaign's, a region's, a model's). Checked in order (longer forms first).
EN_RANGES: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"), lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"),
    (re.compile(r"(\d{4}-\d{2}-\d{2})\s*至\s*(\d{4}-\d{2}-\d{2})"), r"\1 to \2"),
    (re.compile(r"(\d{4})年第(\d)季度"), r"Q\2 \1"),
    (re.compile(r"(\d+)个月"), r"\1 months"),
    (re.compile(r"(\d+)\s*个?小时"), r"\1 hours"),
    (re.compile(r"([一二三四五])级"), lambda m: f"level {'一二三四五'.index(m[1]) + 1} "),
    (re.compile(r"(\d+)年（含）以内|(\d+)年以内"), lambda m: f"up to {m[1] or m[2]} years"),
    (re.compile(r"(\d+)年以上至(\d+)年（含）"), r"over \1 and up to \2 years"),
    (re.compile(r"(\d+)年以上"), r"over \1 years"),
    (re.compile(r"(\d+)年或"), r"\1 years or "),
    (re.compile(r"或"), " or "),
    (re.compile(r"质保"), " warranty"),
    (re.compile(rf"{AMOUNT}\s*元\s*/\s*(?:{COUNTED})\s*/\s*年"), lambda m: f"{_cny(m)} per unit per year"),
    (re.compile(rf"{AMOUNT}\s*元\s*/\s*(?:{COUNTED})"), lambda m: f"{_cny(m)} per unit"),
    (
        re.compile(
            rf"(?P<model>[A-Za-z]{{1,3}}\d{{1,3}}[A-Za-z]?)每(?:{COUNTED})(?:立减|减|优惠)\s*{AMOUNT}\s*元"
        ),
        lambda m: f"{_cny(m)} off each {m['model']}",
    ),
    (re.compile(rf"每(?:{COUNTED})(?:立减|减|优惠)\s*{AMOUNT}\s*元"), lambda m: f"{_cny(m)} off per unit"),
    (re.compile(rf"每(?:{COUNTED})补贴\s*{AMOUNT}\s*元"), lambda m: f"a {_cny(m)} subsidy per unit"),
    (re.compile(rf"每(?:{COUNTED})另加\s*{AMOUNT}\s*元"), lambda m: f"{_cny(m)} more per unit"),
    (re.compile(rf"{AMOUNT}\s*元"), _cny),
    (re.compile(r"(?<![\d.])(\d(?:\.\d)?)\s*折"), _off),
    (re.compile(r"单笔订单(?:采购)?"), "an order of "),
    (re.compile(r"（含）以上"), " or more"),
    (re.compile(r"（含）至"), " to "),
    (re.compile(r"（含）"), ""),
    (
        re.compile(rf"(\d+)\s*(?:{COUNTED})"),
        r"\1 units",
    ),  # a tier's bounds ("60台（含）以上" → "60 units or more")
    (re.compile(r"，?您符合条件"), ", you qualify"),
    (
        re.compile(r"，?活动以下单日为准，(\S+?)当天及之前下单可享"),
        r"; the order day decides: orders placed by \1 get it",
    ),
    (
        re.compile(r"[；;，]?活动以下单日为准，至(\S+?)结束，您(.+?)下单届时已不在活动期内"),
        r"; the order day decides: it ends on \1, so an order placed \2 would not get it",
    ),
    (re.compile(r"[；;]若在此之前下单，"), "; ordered by then, "),
    (re.compile(r"，?您不适用[：:]"), "; it does not apply to you: "),
    (re.compile(r"适用区域为([^，；]+)，您在([^，；。]+)"), r"it runs in \1 and you are in \2"),
    (re.compile(r"活动已于(\S+?)结束"), r"it ended on \1"),
    (re.compile(r"客户类型限([^，；。]+)"), r"it is for \1 only"),
    (re.compile(r"适用车型为([^，；]+)，不含([^，；。]+)"), r"it covers \1, not \2"),
    (re.compile(r"按规定"), ""),
    (re.compile(r"指导价"), " list price "),
    (re.compile(r"立减后"), "after the cut "),
    (re.compile(r"享(?=\d)"), " "),
    (re.compile(r"[（(]"), " ("),
    (re.compile(r"[）)]"), ")"),
    (re.compile(r"[，、]"), ", "),
    (re.compile(r"[；]"), "; "),
    (re.compile(r"[：]"), ": "),
)


def in_english(text: str, terms: dict[str, str]) -> str:
    """An English answer keeps no Chinese the tenant gave a word for (longest first), nor Chinese wording of amounts,
    units, ranges, dates or eligibility; names (a campaign's, a model's, a region's) stay as written."""
    for zh in sorted(terms, key=len, reverse=True):  # the tenant's words first (整机保修 before 保修)
        en = terms[zh]
        # an English word never runs into the code or word written right after it ("…warrantyAB-60": a reader, and
        # the grounding check, no longer see the code AB-60 and read a bare 60)
        text = re.sub(
            re.escape(zh),
            lambda m, en=en: (
                en + (" " if en[-1:].isalnum() and m.string[m.end() : m.end() + 1].isalnum() else "")
            ),
            text,
        )
    for pattern, repl in EN_RANGES:
        text = pattern.sub(repl, text)
    text = re.sub(r"\(\s+", "(", text)
    text = re.sub(r"\s+([,;:.)])", r"\1", text)
    return re.sub(r"  +", " ", text)


DATE_WORD = re.compile(r"\d{1,2}月\d{1,2}日|\d{4}-\d{2}-\d{2}")
SCOPE_PARENS = re.compile(r"（((?:[^（）]|（[^（）]*）)*)）")


def _short_scope(statement: str, row: dict[str, str]) -> str:
    """'冬季直降（WA-01，2026年11月1日至…，华东、华南，…）：…' → '冬季直降（WA-01，2026年11月1日至…）：…'
    (the first bracket listing three or more of the row's own values is its scope; the window is kept)."""
    values = {v for v in row.values() if v}
    m = SCOPE_PARENS.search(statement)
    if m is None:
        return statement
    parts = [p.strip() for p in m.group(1).split("，")]
    if len(parts) < 3 or sum(p in values for p in parts) < 3:
        return statement
    kept = [parts[0], *(p for p in parts[1:] if DATE_WORD.search(p))]  # the window: until when it runs
    return statement[: m.start()] + f"（{'，'.join(kept)}）" + statement[m.end() :]


NOT_THEIRS = "，您不适用："  # how reasoning's offer check says an offer is not the customer's (agents/reasoning/offers.py)
OFFER_HEAD = re.compile(r"(?P<head>[^（：；]*（(?:[^（）]|（[^（）]*）)*）)：(?P<gives>.+)$", re.S)


def _not_theirs_first(statement: str, row: dict[str, str]) -> str:
    """An offer the customer cannot have says so before what it gives: «冬季季（AB-12，…）：X7每台立减2000元，您不适用：
    客户类型限个人客户；X7指导价 26,000 元» reads as the customer's 2,000 → «冬季季（AB-12，…）您不适用：客户类型限个人客户
    （优惠内容：X7每台立减2000元）；X7指导价 26,000 元». What it gives stays, named by its own column (the row's header),
    after why it is not theirs; the price they do pay stays last."""
    label = _cited_label(statement)
    body = statement[: len(statement) - len(label)] if label else statement
    if NOT_THEIRS not in body:
        return statement
    what, why = body.split(NOT_THEIRS, 1)
    m = OFFER_HEAD.match(what)
    if m is None:
        return statement
    parts = why.split("；")
    k = next((i for i, part in enumerate(parts) if MONEY.search(part)), len(parts))
    if k == 0:
        return statement
    gives = m["gives"].strip()
    header = next((h for h, v in row.items() if v and v == gives), "")
    reasons = "；".join(parts[:k])
    rest = "".join("；" + part for part in parts[k:])
    return f"{m['head']}您不适用：{reasons}（{header + '：' if header else ''}{gives}）{rest}{label}"


BLANKET = ("全部", "所有", "不限")
ROW_ID = re.compile(r"[A-Z]{1,4}-\d{1,6}")
MODEL_CODE = re.compile(r"[A-Z]{1,3}-?\d{1,3}(?:\.\d)?[A-Z]?")


def _offer_is_about(row: dict[str, str], customer_text: str) -> bool:
    """An offer the customer qualifies for is worth saying when the message names no particular product, or when the
    offer names that product (its model code) or shares words with the message (滤芯); a blanket offer on another
    kind of thing is not (a blanket service promotion on a product quote)."""
    asked = set(MODEL_CODE.findall(customer_text))
    if not asked or not row:
        return True
    values = [v for v in row.values() if v]
    # the products a row names (its own id cell, "WA-01", is not a product)
    codes = set(MODEL_CODE.findall(" ".join(v for v in values if not ROW_ID.fullmatch(v))))
    if asked & codes or any(_shared_bigrams(v, customer_text) >= 2 for v in values if len(v) >= 4):
        return True
    # about other products, or a blanket scope ("全部车型") over a kind of offer the message does not mention
    return not codes and not any(v.startswith(BLANKET) for v in values)


CN_FIGURE = re.compile(rf"(\d+(?:\.\d+)?|[{CN_NUM}]+)\s*([千万])(?![{CN_NUM}\d])")
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def _read_figures(text: str) -> str:
    """The message with its round sums written as figures, as an offer's cells write them: «立减五千» → 立减5000, «补六千»
    → 补6000, «1万» → 10000, "5,000 off" → 5000 off (a sum with a tail, «二十一万七八», is left as written)."""

    def figure(m: re.Match[str]) -> str:
        n = float(m[1]) if m[1][0].isdigit() else cn_to_number(m[1])
        if n is None:
            return m[0]
        value = n * (1000 if m[2] == "千" else 10000)
        return str(int(value)) if value == int(value) else m[0]

    return CN_FIGURE.sub(figure, THOUSANDS.sub("", text))


def _named_offer(row: dict[str, str], text: str, others: str = "") -> bool:
    """The customer named this offer: its id or name (the row's first cells) written in the message or sharing three
    words with it ("X7冬季直降2000"); or three words of any of its cells that no other answer of the draft says
    ("夏天买车送滤芯那个活动" → "赠送滤芯套装…"; a question about a 滤芯 contract, answered by the
    package quote, names no campaign)."""
    values = [v for v in row.values() if v]
    names = values[:2]
    text = _read_figures(text)
    if any(n in text for n in names) or any(_shared_words(n, text) >= 3 for n in names):
        return True
    # words the other answers already say are about them (保养套餐 of a package quote), not about this offer
    said = {others[i : i + 2] for i in range(len(others) - 1)}
    own = "".join(ch if ch not in "，。；：" else " " for ch in text)
    for pair in said:
        if CJK.match(pair[0]) and CJK.match(pair[-1]):
            own = own.replace(pair, " ")
    return any(v in text for v in values if len(v) <= 20) or any(
        _shared_bigrams(v, own) >= 3 or _shared_words(v, own) >= 3 for v in values
    )


def _asked_offer_out_of_reach(ev: Evidence, c: Composition) -> bool:
    """An offer on the very product the customer asked an offer for ("X5现在有冬季立减吗？我在北京"), which their region or
    the dates put out of reach: saying so answers them. One closed to their kind of customer (a fleet asking a price)
    is not their question."""
    if c.refusal or not ev.lineage.get("asked_by"):
        return False
    if not _products_of(_row(ev), ev) & set(MODEL_CODE.findall(_without_owned(c.customer_text))):
        return False
    return "客户类型限" not in _statement(ev, en=False)


def _offer_relevant(ev: Evidence, c: Composition, answers: list[Evidence]) -> bool:
    """Whether an offer the customer qualifies for is worth saying in this reply. An offer is about what was asked, or
    it is a pitch the customer notices as noise (a region's maintenance offer under a trade-in answer, a refusal, a tier answer):
    - the customer named it (its id, name or three of its words): yes;
    - it names the product the message is about (an X7 offer on an X7 price, refused rumour or not): yes;
    - a refusal (another customer's prices or data): nothing else — its words may be the other customer's terms;
    - a need of the message asked for offers with words no other answer explains ("有什么活动", "电瓶不行了" → the
      battery offer): yes; words another answer already explains are not a question about offers ("补贴" of the
      trade-in subsidy just computed, "立减" of the offer the customer named);
    - otherwise it must be on the message's subject (its product named, or its own words shared, _offer_is_about),
      and, when another fact already answers the question, share words with the message (_shared_words ≥ 2)."""
    row = _offer_row(ev, c)  # (its audience cells are no sign the message is about it)
    if _named_offer(row, c.customer_text, others=_others_said(ev, answers)):
        return True
    subject = _without_owned(c.customer_text)
    if _products_of(row, ev) & set(MODEL_CODE.findall(subject)):
        return True  # it names the product the message is about (an Z5 subsidy on an Z5 price)
    if c.refusal:
        return False  # the words that asked may be the other customer's terms: only their own product's offer
    others = [e for e in answers if e.id != ev.id]
    asked_by = [str(w) for w in ev.lineage.get("asked_by") or []]
    if ev.lineage.get("asked") and not asked_by:
        asked_by = ["?"]  # asked, the words unknown (an older fact): as asked before
    asked_codes = {w for w in asked_by if MODEL_CODE.fullmatch(w)}
    if asked_codes and ev.lineage.get("scope_products") == []:
        # an offer on every product, asked by a message naming products: it answers when the words that asked for
        # offers are its own ("保养有啥优惠" → a service season's 工时8折), not when they ask for a price cut on
        # the products named (a quote's "再便宜3个点" is not about a service offer)
        words = [w for w in asked_by if len(w) >= 2 and not MODEL_CODE.fullmatch(w)]
        return any(w in v for w in words for v in row.values() if v)
    if (
        asked_codes
        and _products_of(row, ev)
        and not _products_of(row, ev) & asked_codes & set(MODEL_CODE.findall(subject))
    ):
        # asked by the products the message names ("买的那台X7想换成Q9 … 多少钱"): an offer on other products, or on the
        # one they own, does not answer it
        asked_by = []
    explained = [
        w
        for w in asked_by
        if any(w in _statement(e, en=False) or w in e.content for e in others + _told_offers(c, ev))
    ]
    if asked_by and len(explained) < len(asked_by):
        # … unless it is an offer on particular products the message never names, beside other answers, sharing no
        # words with it: a product subsidy under a service-contract question is noise, whatever word asked for offers
        return not (
            others
            and _products_of(row, ev)
            and not MODEL_CODE.findall(subject)
            and not any(_shared_bigrams(v, subject) >= 2 for v in row.values() if len(v) >= 4)
        )
    if not _offer_is_about(row, subject):
        return False
    return not others or any(_shared_words(v, subject) >= 2 for v in row.values() if v)


# a product the customer already has ("提的那8台Z5", "my X5"): what they trade in or ask about, not what they would buy
OWNED = re.compile(
    r"(?:提的|买的|交的|开的|用的|我的|我们的|我那|我这|我家的?|名下的?|\bmy|\bour)\s*(?:那|这)?\s*(?:\d+|[一两二三四五六七八九十几]+)?\s*"
    r"(?:台|辆)?\s*[\u4e00-\u9fff]{0,4}?\s*(?P<code>[A-Z]{1,3}\d{1,3}[A-Z]?)",
    re.IGNORECASE,
)


def _without_owned(text: str) -> str:
    """The message without the codes of products it says the customer owns: an offer on a new Z5 is not about "我们
    10月份刚提的那8台Z5想置换"."""
    return OWNED.sub(lambda m: m.group(0)[: m.start("code") - m.start()], text)


def _others_said(ev: Evidence, answers: list[Evidence]) -> str:
    return " ".join(_statement(e, en=False) for e in answers if e.id != ev.id)


def _stated_by_another(ev: Evidence, answers: list[Evidence]) -> bool:
    """An offer whose id another answer's statement already names (a quote with the offer stacked in)."""
    ids = {v for v in _row(ev).values() if v and ROW_ID.fullmatch(v)}
    return any(i in _statement(e, en=False) for e in answers if e.id != ev.id for i in ids)


def _products_of(row: dict[str, str], ev: Evidence | None = None) -> set[str]:
    """The products an offer is on: the codes of its product-scope cell when the tool read one (lineage
    scope_products; a blanket "全部车型" names none — a part priced in its offer cell, "BT-9享9折", is what the offer
    gives, not what it is on), else the product codes the row names (its own id cell, "WA-01", is not a product)."""
    if ev is not None and isinstance(ev.lineage.get("scope_products"), list):
        return {str(p) for p in ev.lineage["scope_products"]}
    return set(MODEL_CODE.findall(" ".join(v for v in row.values() if v and not ROW_ID.fullmatch(v))))


def _told_offers(c: Composition, ev: Evidence) -> list[Evidence]:
    """The other offers of this draft the customer named (their words explain an ask: 立减 of the offer named)."""
    return [
        e
        for e in c.evidence
        if e.kind is EvidenceKind.COMPUTED_FACT
        and e.id != ev.id
        and str(e.lineage.get("unit") or "") == "bool"
        and _named_offer(_row(e), c.customer_text)
    ]


def _shared_bigrams(a: str, b: str) -> int:
    """How many Chinese character pairs two texts share ("送服务套餐" and "赠送基础服务套餐" share 服务, 务套, 套餐)."""

    def pairs(t: str) -> set[str]:
        return {t[i : i + 2] for i in range(len(t) - 1) if CJK.match(t[i]) and CJK.match(t[i + 1])}

    return len(pairs(a) & pairs(b))


# a code or a figure that names an offer ("X7", "2000"); a year ("2026") names every row of a dated table
CODE_OR_FIGURE = re.compile(r"[A-Za-z]+\d+|(?<![\d,.])(?!(?:19|20)\d\d(?!\d))\d{3,}(?![\d,.])")


def _shared_words(a: str, b: str) -> int:
    """Chinese character pairs plus codes and figures ("X7", "2000") two texts share: "X7冬季直降2000" names the row
    "冬季直降 … X7每台立减2000元" (冬季, 直降, X7, 2000)."""
    codes = set(CODE_OR_FIGURE.findall(a)) & set(CODE_OR_FIGURE.findall(b))
    return _shared_bigrams(a, b) + len(codes)


LEVEL_EN = re.compile(r"(?:level|severity|grade|class|tier)\s*([1-4])", re.IGNORECASE)


def _only_named_column(
    ev: Evidence,
    statement: str,
    other_values: set[str],
    other_statements: tuple[str, ...] = (),
    customer_text: str = "",
) -> str | None:
    """'一级故障24小时，二级故障48小时，三级故障72小时' → '二级故障48小时' when another fact (or the customer: "二级故障",
    "level 2") says this is 二级; None when a row of three or more such values says none of them applies."""
    row = _row(ev)
    outputs = [h for h in row if row[h] and f"{h}{row[h]}" in statement.replace("：", "")]
    if len(outputs) < 2:
        return statement
    asked = LEVEL_EN.sub(lambda m: "一二三四"[int(m.group(1)) - 1] + "级", customer_text)
    chosen = (
        [h for h in outputs if any(v and h.startswith(v) for v in other_values)]
        or [h for h in outputs if any(h in t for t in other_statements)]
        or [h for h in outputs if h in asked or (len(h) > 2 and h[:2] in asked)]
    )
    if len(chosen) != 1:
        # a whole row nothing narrows down: told only when the message is about it ("你们响应时限多久"), not in reply
        # to "在不" or a fault whose level is unknown
        unrelated = _shared_bigrams(statement, customer_text) < 2 and not _asked_for_itself(
            ev, statement, customer_text
        )
        return None if len(outputs) >= 3 and not chosen and unrelated else statement
    for h in outputs:
        if h != chosen[0]:
            statement = re.sub(
                rf"[，,；;]?\s*{re.escape(h)}[：:]?\s*{re.escape(row[h])}", "", statement, count=1
            )
    return re.sub(r"([：:])[，,；;]\s*", r"\1", statement)


def _asked_for_itself(ev: Evidence, statement: str, customer_text: str) -> bool:
    """The message asks for this fact: a word that asked for it, not a bare question word, is in the message («多久能
    来人»: 来人), or the question holding a question word that asked for it shares a word with the statement («多久能
    有人联系我们» and «…与您联系»; not «多久能改好» beside a response-time row)."""
    asked = [str(w) for w in ev.lineage.get("asked_by") or [] if len(str(w)) >= 2]
    plain = [w for w in asked if not any(p.fullmatch(w) for p in ASK_TYPES.values())]
    if any(w in customer_text for w in plain):
        return True
    own = _cjk_pairs(CITED_LABEL.sub("", statement))
    return any(
        w in q and _cjk_pairs(q) & own for q in _clauses(customer_text) for w in asked if w not in plain
    )


def _clarifying_question(c: Composition) -> str:
    """Several of the customer's assets match and the tools could not tell which: ask, naming what tells them apart."""
    if not c.clarify_which:
        return ""
    for reason in c.cannot_compute:
        m = re.search(r"有 (\d+) 台符合「([^」、]*)」", reason)
        if m:  # one model named, several of it on record (several models named: the customer means them all)
            return c.clarify_which.format(count=m.group(1), hint=m.group(2))
    return ""


BOILERPLATE = re.compile(  # purpose, effective date, who interprets it, what a word means: never the answer
    r"^\s*(?:第[一二三四五六七八九十\d]+条\s*)?(?:为[^。]{0,80}?制定本|本(?:协议|规定|方案|条款|规范|声明|办法)(?:自|由|所称))"
)


def _about(e: Evidence, words: tuple[str, ...]) -> bool:
    """A clause answers the intent when its document title or its heading names one of the intent's policy words (the
    tenant's policy hint), and it is not boilerplate (purpose, effective date, who interprets it)."""
    if BOILERPLATE.match(e.content):
        return False
    if not words:
        return True
    hay = f"{e.title}\n{CLAUSE_LABEL.sub('', e.content, count=1)[:12]}"
    return any(w in hay for w in words)


CITED_LABEL = re.compile(r"（《[^》]+》[^（）]*）(?=(?:\[\d+\])*$)")
PERIOD_PREFIX = re.compile(r"^(您[^（]{0,6}（[^）]+）)")


def _merge(parts: list[str]) -> list[str]:
    """Several answers from one table: say the period once and the citation once (on the last)."""
    out = list(parts)
    labels = [m.group(0) if (m := CITED_LABEL.search(p)) else "" for p in out]
    if len(out) > 1 and labels[0] and len(set(labels)) == 1:
        out = [CITED_LABEL.sub("", p) if i < len(out) - 1 else p for i, p in enumerate(out)]
    prefixes = [m.group(1) if (m := PERIOD_PREFIX.match(p)) else "" for p in out]
    if len(out) > 1 and prefixes[0] and len(set(prefixes)) == 1:
        out = [p if i == 0 else p[len(prefixes[0]) :] for i, p in enumerate(out)]
    return out


def _refusal_line(c: Composition, nums: _Numbering) -> str:
    """The refusal as a body part of its own (after the greeting, before the answer), its rule cited: a finished draft
    is never re-parsed to find where it goes."""
    line = c.refusal.strip()
    if not line or c.refusal_rule is None:
        return line
    rule = c.refusal_rule
    mark = nums.mark(rule)
    if c.lang == "en":
        # the rule's title in the tenant's English where it gives one (never a Chinese title in an English line)
        title = in_english(rule.title, c.terms_en)
        title = title if not CJK.search(title) else ""
        return f"{line.rstrip('.')}{f' ({title})' if title else ''}{mark}."
    where = f"《{rule.title}》{rule.source_ids.get('clause', '')}"
    end = line[-1] if line[-1] in "。！." else ""
    return f"{line[: len(line) - len(end)]}（{where}）{mark}{end or '。'}"


def refusal_greeting(evidence: list[dict[str, Any]], lang: str) -> str:
    """The greeting a refusal line said alone opens with (no draft was composed: an unsure intent), addressed to the
    CRM contact as every draft is ("何先生您好，", "Hello Mr. He, "); "" when the CRM names no contact."""
    facts = []
    for e in evidence:
        if e.get("kind") == EvidenceKind.CUSTOMER_FACT.value:
            try:
                facts.append(Evidence.model_validate(e))
            except ValueError:
                continue
    contacts = CrmRecord({}, facts, today=date(2000, 1, 1)).contacts()
    if not contacts:
        return ""
    if lang.startswith("en"):
        who = address_en(contacts[0])
        return f"Hello {who}, " if who else ""
    who = address(contacts[0])
    return f"{who}您好，" if who else ""


THANKS = re.compile(r"谢谢|感谢|多谢|辛苦|\bthx\b|\bthanks\b|thank you", re.I)


def _greeting(c: Composition, *, bare: bool = False) -> str:
    who = address_en(c.contact) if c.lang == "en" else address(c.contact)
    if bare and THANKS.search(c.customer_text):  # a thank-you is answered as one, not with "hello"
        if c.lang == "en":
            return f"You're welcome, {who}." if who else "You're welcome."
        return f"{who}，不客气！" if who else "不客气！"
    if c.lang == "en":
        hello = f"Hello {who}," if who else "Hello,"
        return hello + (" sorry for the trouble." if c.apologetic and not c.refusal else "")
    hello = f"{who}您好{'！' if bare else '，'}" if who else f"您好{'！' if bare else '，'}"
    # a refusal line says its own "抱歉": one apology, not two in a row
    return hello + ("非常抱歉给您带来不便。" if c.apologetic and not c.refusal else "")


def _quiet_docs(computed: list[Evidence], said: list[tuple[Evidence, str]]) -> set[str]:
    """Documents whose offers were computed but none said (not relevant to this message): an action resting only on
    them is no next step ("我帮您核对活动条件" under a trade-in answer that names no offer)."""
    # an offer said as not applying ("您不适用：…") leaves nothing to register either
    told = {
        e.source_ids.get("doc_id", "")
        for e, _ in said
        if not (str(e.lineage.get("unit") or "") == "bool" and str(e.lineage.get("output") or "") == "false")
    }
    offers = {e.source_ids.get("doc_id", "") for e in computed if str(e.lineage.get("unit") or "") == "bool"}
    return {d for d in offers - told if d}


def _rests_only_on(action: Action, by_id: dict[str, Evidence], docs: set[str]) -> bool:
    """Every document the action rests on (its clauses and computed facts; the rule that proposed it names none) is
    one of `docs`."""
    found = [
        by_id[e]
        for e in action.evidence_ids
        if e in by_id and by_id[e].kind in (EvidenceKind.POLICY_CLAUSE, EvidenceKind.COMPUTED_FACT)
    ]
    return bool(docs) and bool(found) and all(e.source_ids.get("doc_id", "") in docs for e in found)


def _next_steps(
    c: Composition,
    nums: _Numbering,
    by_id: dict[str, Evidence],
    answered: set[str],
    approvals: list[str],
    quiet_docs: set[str] | None = None,
    *,
    held: list[str] | None = None,
) -> str:
    en = c.lang == "en"
    phrases = dict(c.next_steps)
    out: list[str] = []
    mentioned = 0
    if held:  # a figure the customer asked for above the rep's authority: no step taken on it
        approver = approver_en(held[0], c.terms_en) if en else held[0]
        return APPROVAL_HOLD["en" if en else "zh"].format(approver=approver)
    if any(
        e.lineage.get("next_step") == FOLLOW_UP for e in c.evidence if e.kind is EvidenceKind.COMPUTED_FACT
    ):
        # the customer already has an open ticket (its status is the answer): follow it up, never open another
        follow = phrases.get(FOLLOW_UP) or (
            "I will chase this ticket for you." if en else "我这边马上催办这张工单，有进展第一时间告诉您。"
        )
        for name in list(phrases):
            if "ticket" in name and name != FOLLOW_UP:
                phrases[name] = follow
    # the next step comes from an action that serves this intent (a quote, not a service ticket, for a price question)
    serving = [a for a in c.actions if a.name in c.intent_actions] if c.intent_actions else []
    # a day the customer proposes is answered by booking it ("排得开吗" wants a slot, not the terms)
    booking = [a for a in c.actions if a.name in c.scheduling][:1]
    serving = booking + [a for a in serving if a not in booking]
    ordered = serving + [a for a in c.actions if a not in serving]
    if approvals:  # who must approve is the first thing the customer needs to hear
        asks = [a for a in ordered if "{approver}" in phrases.get(a.name, "")]
        ordered = asks + [a for a in ordered if a not in asks]
    for action in ordered:
        if quiet_docs and _rests_only_on(action, by_id, quiet_docs):
            continue  # its offer was not said: registering it is no step of this reply
        template = phrases.get(action.name)
        if mentioned and template is None:
            template = DEFAULT_DOC_NEXT[
                "en" if en else "zh"
            ]  # another document this action rests on (a campaign)
        if mentioned and template is not None and "{doc}" not in template and "{summary}" not in template:
            continue  # beyond the first action, only a phrase that adds a document (a campaign, a plan)
        template = template or DEFAULT_NEXT["en" if en else "zh"]
        if not approvals and "{approver}" in template:
            continue  # "submit to {approver}" only when a computed fact names who must approve
        label = action.label or c.action_labels.get(action.name, action.name)
        candidates = [
            by_id[e]
            for e in action.evidence_ids
            if e in by_id and _citable_clause(by_id[e]) and e not in answered
        ]
        docs = {e.source_ids.get("doc_id") for e in candidates}
        # a clause of the same document with a table (the offer itself) says more than the scope clause before it
        tabled = [
            e
            for e in c.evidence
            if _citable_clause(e)
            and e.source_ids.get("doc_id") in docs
            and e.id not in answered
            and find_tables(e.content)
        ]
        clause = tabled[0] if tabled else (candidates[0] if candidates else None)
        values = {
            "label": label,
            "approver": (approver_en(approvals[0], c.terms_en) if en else approvals[0])
            if approvals
            else ("my manager" if en else "主管"),
            "approval": (
                f"submit it to {approver_en(approvals[0], c.terms_en)} for approval"
                if en
                else f"提交{approvals[0]}审批"
            )
            if approvals
            else ("pass it to my manager" if en else "反馈给主管"),
            "doc": f"《{clause.title}》" if clause else "",
            "summary": "",
        }
        if "{summary}" in template or "{doc}" in template:
            if clause is None:
                continue  # the phrase needs a document this action does not rest on
            values["summary"] = (
                clean_clause(clause.content, list(c.focus))
                if not find_tables(clause.content)
                else _table_summary(clause.content)
            )
            if en and CJK.search(values["summary"]):
                continue  # an English draft does not pitch a document in Chinese words
            template = template.rstrip("。.") + nums.mark(clause) + ("." if en else "。")
            values["summary"] = values["summary"].rstrip("。.；;，, ")
            answered.add(clause.id)
        try:
            sentence = template.format(**values)
        except (KeyError, IndexError):
            sentence = DEFAULT_NEXT["en" if en else "zh"].format(label=label)
        if approvals and action.requires_authority and action.requires_authority not in ("rep", "agent"):
            pass  # the tenant's phrase for an approval step says who decides; nothing is promised here
        out.append(sentence)
        mentioned += 1
        if mentioned >= 2:
            break
    return (" " if en else "").join(out)


FOLLOW_UP = "follow_up_open_ticket"  # agents.reasoning.tools.OPEN_TICKET_STEP; profile next_steps may word it


def _table_summary(text: str, limit: int = 3) -> str:
    """A table clause in one line: each row's cells joined ("首单折扣：首次采购 AB-100，首单货款九折")."""
    tables = find_tables(text)
    rows = []
    for t in tables:
        for row in t.rows[:limit]:
            cells = [c.raw for c in row if c.raw]
            if cells:
                rows.append(f"{cells[0]}：" + "，".join(cells[1:]) if len(cells) > 1 else cells[0])
    return "；".join(rows)


def render(plan: DraftPlan, *, source: DraftSource = DraftSource.TEMPLATE) -> Draft:
    return Draft(
        text=plan.template_text,
        citations=list(plan.citations),
        source=source,
        prompt_version=PROMPT_VERSION,
        lang=plan.lang,
    )
