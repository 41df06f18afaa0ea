"""Reps ask the copilot (InboundMessage.sender == "rep_ask"): 「帮我查下这个客户最近的订单」, 「他们半年没下单，帮我想想切入点」.

An ask is not a reply to the customer: it does not pause automation and its answer goes to the rep only, as a
REP_ANSWER suggestion with the answer line and no draft (nothing that could be sent to the customer). The answer is
grounded (the customer's facts and signals, the policy clauses, the actions the playbooks or the catalog propose, each
cited) and authorization-scoped: a rep asking about another rep's customer, or about another customer's prices, gets a
REFUSAL suggestion with the reason, recorded in the ledger with an `authorization` verdict (and as an access denial
where the ledger keeps those).

A refusal about someone else's customer confirms nothing by default (an existence leak is half an IDOR): whether the name,
handle or description resolved to a customer of another rep (not_owner) or to nobody the CRM knows
(other_customer_not_in_context), the rep reads the same line — not in your book, nothing about them can be looked up or
confirmed — with no name, id, owner or way it matched, and is offered the same `request_handoff` action. The customer
the ask resolved to, its owner, how it was named and the hand-off id are written to the ledger's access-denied entry
only, with the hand-off request's id. Nothing routes a hand-off further (no notification is sent), and the card says
so: the rep is told to reach their manager. The card keeps the reason code in its flags and summary (the logged
refusal reason the evaluation reads) and the conversation's own customer; the text the rep reads gives the reason in
words, in the ask's language.

A tenant whose CRM shares account ownership among colleagues (mapping option `owner_visible_to_reps: true`, as many
sales teams want, to coordinate rather than compete for an account) gets the owner named in a not_owner refusal
(「该客户由大客户部 赵明负责…」): who serves the customer, never anything of the customer. Off, nothing is confirmed."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from agents.actions.needs import answered_intents, asked_intents
from agents.actions.playbook import DecisionInput, propose
from agents.actions.records import open_ticket_of
from agents.authz import (
    DESCRIPTION,
    EN_PRICE_OF_OTHERS,
    Decision,
    check_mentions,
    earlier_turn_named,
    english,
    english_org_mentions,
    generic_other_terms,
    governing_clause,
    names_current,
    org_words_of,
    organisation_words,
    personal_data_lookup,
    pointed_back,
    remember_ask,
    unresolved_orgs,
)
from agents.authz_caller import conversation_forms, terms_for_another
from agents.authz_phrases import COMPETITOR
from agents.context import RunContext
from agents.deps import AgentDeps
from agents.drafting.common import detect_lang
from agents.drafting.template import in_english
from agents.nodes.decide import customer_facts
from agents.nodes.draft import tenant_profile
from agents.nodes.reason import FILLER, tools_config
from agents.nodes.reason import reason as reason_node
from agents.perception.parts import PerceptionBackends, perceive_message
from agents.tenant import OUT_OF_SCOPE
from agents.understanding.entities import extract_entities
from agents.understanding.intent import IntentInput
from agents.understanding.others import (
    asks_other_customer_price,
    asks_others_data,
)
from agents.understanding.service import action_scorer, embedding_classifier
from contract.errors import AccessDenied, BackendUnavailable, CopilotError, InputError, NotFound
from contract.evidence import Evidence, EvidenceKind
from contract.messages import InboundMessage, TextPart
from contract.ports import Actor, Customer360, PolicyQuery
from contract.suggestions import (
    Action,
    Answer,
    AnswerStatus,
    GuardVerdict,
    Intent,
    Suggestion,
    SuggestionKind,
    VerdictOutcome,
)

log = logging.getLogger("agents.ask")

CUSTOMER_KINDS = ("customer_id", "customer_ref", "customer")
MAX_FACTS = 5
MAX_SIGNALS = 3
MAX_CLAUSES = 2


@dataclass
class AskResult:
    suggestion: Suggestion
    refused: str = ""  # the refusal reason code, "" when answered
    notes: dict[str, Any] = field(default_factory=dict)


RAW_FACT_LINE = re.compile(r"^- (?:客户名称 = .*|[^=\n]+ = [a-z][a-z_]*) \[\d+\]$")


SUPPORT_FACT_LINES = 3  # CRM lines shown under a computed answer to a rep
SUPPORT_CLAUSE_LINES = 2  # clause lines shown under it
LIST_SHOWN = 3  # items of a long listed value the rep reads in the answer (the evidence keeps them all)


def listed_briefly(content: str) -> str:
    """A fact whose value lists many items (a contract covering 48 VINs) in one short line: the first few and how many
    in all («LHVT…、LHVT…、LHVT… 等48项»). The full value stays in the cited evidence."""
    field, sep, value = content.partition(" = ")
    items = value.split("、") if sep else []
    if len(items) <= LIST_SHOWN + 1:
        return content
    return f"{field} = {'、'.join(items[:LIST_SHOWN])} 等{len(items)}项"


def fact_sentence(content: str, *, en: bool = False, terms_en: Mapping[str, str] | None = None) -> str:
    """A CRM fact as the rep reads it: a sentence, not a row. «订单 SO-1 每台补贴 = 0 元» → «订单 SO-1 的每台补贴为 0
    元»; «联系人 = 钱进（车管主管）» → «联系人为钱进（车管主管）». In English the tenant's words are translated
    (profile.yaml terms_en) and the field is said «label: value» (the CRM's own labels have no English)."""
    content = listed_briefly(content)
    field, sep, value = content.partition(" = ")
    if not sep:
        return content
    subject, _, label = field.rpartition(" ")
    if en:
        said = in_english(f"{subject} {label}".strip(), dict(terms_en or {}))
        return f"{said}: {in_english(value, dict(terms_en or {}))}"
    gap = " " if value[:1].isascii() else ""  # «为 0 元», «为钱进»
    if not subject:
        return f"{label}为{gap}{value}"
    return f"{subject}{' ' if subject[-1:].isascii() else ''}的{label}为{gap}{value}"


def _overlap(question: str, text: str) -> float:
    """Share of the question's characters/words found in a fact: enough to pick the facts an ask is about."""
    q = {c for c in re.sub(r"\s+", "", question.lower()) if c.isalnum()}
    return len(q & set(text.lower())) / max(len(q), 1)


# A refusal about another customer neither confirms nor denies anything of them: not that the description or handle
# matched a customer, nor who serves them. Whether the CRM resolved the ask (not_owner) or could not
# (other_customer_not_in_context), a rep reads the same line and is offered the same hand-off request; the owner and
# the customer the ask resolved to go to the ledger only, with the request (see the module docstring).
NEUTRAL_REASONS = frozenset({"not_owner", "other_customer_not_in_context"})
HANDOFF_ACTION = "request_handoff"
# What happens to a hand-off request, said as it is: it is written to the audit ledger (with the customer the ask
# resolved to and its owner); nothing notifies anyone, so the rep is told to reach their manager themselves.
_HANDOFF = {
    "zh": "如需协作，可提交「转交请求」：请求会记入审计台账，系统不会自动通知任何人，请同时联系您的主管。",
    "en": "If you need to work on it together, you can send a hand-off request: it is written to the audit log and"
    " nobody is notified automatically, so please also tell your manager.",
}
# the reason a rep reads, in words (the code stays in the card's flags and summary, where the ledger and evaluation
# read it)
_REFUSALS: dict[str, dict[str, str]] = {
    "neutral": {
        "zh": "抱歉，您问到的客户不在您负责的客户范围内（或不在当前会话中），我不能查询，也不能确认其任何信息，"
        "包括是否为本公司客户、由谁负责：客户资料只对其负责人开放。",
        "en": "Sorry, that customer is not in your book (or not in this conversation). I can't look them up or confirm"
        " anything about them, including whether or by whom they are served: customer records are open to their"
        " owner only.",
    },
    "not_owner_here": {
        "zh": "抱歉，客户 {ref} 不在您负责的客户范围内，我不能查询其资料：客户资料只对其负责人开放。",
        "en": "Sorry, customer {ref} is not in your book, so I can't look up their records: customer records are open"
        " to their owner only.",
    },
    "personal_data_lookup": {
        "zh": "抱歉，不能按手机号或证件号查找客户：这些是个人信息，只用于联系本人。请在您负责的客户会话中提问。",
        "en": "Sorry, I can't find a customer by a phone or ID number: those are personal data, used only to reach the"
        " person. Please ask in the conversation of a customer you serve.",
    },
    "not_on_call": {
        "zh": "抱歉，您只能查询当前通话客户的资料：坐席只在通话期间看到来电客户的信息。",
        "en": "Sorry, you can only look up the customer on your current call: agents see a caller's records during"
        " the call only.",
    },
    "other_customers_data": {
        "zh": "抱歉，其他客户的订单、记录和个人信息不能提供：这些只对该客户本人及其负责人开放。",
        "en": "Sorry, other customers' orders, records and personal data can't be shared: they are open to that"
        " customer and their owner only.",
    },
    "other_customer_prices": {
        "zh": "抱歉，不能提供其他客户的价格或折扣：每位客户的成交条件都是保密的。如需为当前客户报价，请按价目表和审批权限申请。",
        "en": "Sorry, I can't share another customer's prices or discounts: every customer's terms are confidential."
        " To quote this customer, use the price list and your approval limits.",
    },
    "other": {
        "zh": "抱歉，您没有查看该客户资料的权限。",
        "en": "Sorry, you don't have access to this customer's records.",
    },
}


def _refusal_text(reason: str, conversation_ref: str = "", lang: str = "zh", handoff: bool = False) -> str:
    """The rep's refusal line in the ask's language: what was refused and why, in words (never a reason code), and
    never who or whether (no name, no id, no owner). Only the conversation's own customer, whose id the asker already
    holds, is said by id («客户 P010 不在您负责的客户范围内»). `handoff`: the hand-off request is offered."""
    lang = "en" if lang == "en" else "zh"
    if reason == "not_owner" and conversation_ref:
        text = _REFUSALS["not_owner_here"][lang].format(ref=conversation_ref)
    elif reason in NEUTRAL_REASONS:
        text = _REFUSALS["neutral"][lang]
    else:
        text = _REFUSALS.get(reason, _REFUSALS["other"])[lang]
    return f"{text}{' ' if lang == 'en' else ''}{_HANDOFF[lang]}" if handoff else text


# parts of a catalog ranking's rationale that explain the ranker, not the customer (similarity scores, the intent
# read, parameters to fill): the action's card keeps them as evidence; the rep's answer line does not repeat them
RANKER_NOTES = re.compile(r"相似度|服务于意图|缺少参数|消息所需与计算结果指向")


def reason_for_rep(rationale: str) -> str:
    """An action's reason as the rep reads it in an answer: the rule's or the signal's words, not the ranker's."""
    return "；".join(p for p in rationale.split("；") if p.strip() and not RANKER_NOTES.search(p))


def owner_visible(customers: object) -> bool:
    """The CRM's sharing rule: whether a rep refused another rep's customer may read who owns it (off by default)."""
    visible = getattr(customers, "owner_visible_to_reps", None)
    if not callable(visible):
        return False
    try:
        return bool(visible())
    except BackendUnavailable:
        return False


def _owner_line(owner: str, lang: str = "zh") -> str:
    """Where the tenant's sharing rule shows owners: the refusal names who serves the customer, nothing of the
    customer itself (no data, no id), so the rep can coordinate with the colleague instead of asking the copilot."""
    if lang == "en":
        return (
            f"Sorry, this customer is served by {owner}, not by you, so I can't look up their orders, prices or"
            f" records. Please contact {owner} directly; a hand-off request you send is written to the audit log"
            " only (nobody is notified automatically)."
        )
    return (
        f"抱歉，该客户由{owner}负责，不在您的客户范围内，我不能查询其订单、价格或资料。"
        f"如需协作，请直接联系{owner}；提交的「转交请求」只记入审计台账，系统不会自动通知对方。"
    )


def handoff_id(msg: InboundMessage, actor: Actor) -> str:
    """An opaque id for a hand-off request: nothing of the customer it is about (that stays in the ledger)."""
    return hashlib.sha256(
        f"{msg.tenant}:{msg.channel.value}:{msg.message_id}:{actor.id}".encode()
    ).hexdigest()[:16]


# an agent's scope is the caller: an ask about anyone else is refused as not on the call, whatever it asked
# (their prices too: «上一个客户那台最后成交价多少», "what did the previous customer pay")
AGENT_OFF_CALL = frozenset(
    {"not_owner", "other_customer_not_in_context", "other_customers_data", "other_customer_prices"}
)


def ask_text(deps: AgentDeps, msg: InboundMessage) -> str:
    """The text of a rep's (or an agent's) ask: typed text as it is; with a voice, image or file part, what perception
    reads from it (a transcript, OCR text), as for a customer's message (agents/perception). A part perception cannot
    read adds nothing."""
    if all(isinstance(p, TextPart) for p in msg.parts):
        return msg.text()
    try:
        seen = perceive_message(msg, PerceptionBackends(deps.transcriber, deps.ocr, deps.media))
    except CopilotError:  # an unreadable part is no ask; the typed text still is
        return msg.text()
    return seen.text or msg.text()


class RepAsk:
    def __init__(
        self,
        deps: AgentDeps,
        msg: InboundMessage,
        actor: Actor,
        history: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self.deps, self.msg, self.actor = deps, msg, actor
        # the conversation's recent turns as the graph keeps them (masked): an ask inside a customer conversation
        # («按他刚才说的，每台少多少») refers back to it, as a customer's follow-up does
        self.history = [dict(h) for h in history]
        # the whole ask, whatever carried it: an agent dictating on a call (a voice part's transcript), a screenshot
        # forwarded to the assistant (its OCR text). Every access check below reads this text, so a handle said or
        # shown is checked like one typed (msg.text() holds typed text only)
        self.text = ask_text(deps, msg)
        masked = deps.pii.mask(self.text)
        self.masked = masked.text
        self.lang = (
            "en" if detect_lang(self.text) == "en" else "zh"
        )  # the rep reads the answer in the ask's language
        self.owner, self.via, self.subject = "", "", ""  # set by authorize

    # ---- authorization ------------------------------------------------------------------------------------------
    def authorize(self) -> tuple[Customer360 | None, str, str, list[str]]:
        """(the 360 the ask is about or None, refusal reason, refused customer ref, flags). Every check runs before
        anything of a customer is read for the answer (agents/authz.py)."""
        flags: list[str] = []
        c360: Customer360 | None = None
        self.owner = ""
        try:
            c360 = self.deps.customers.customer_360(self.msg.customer_ref, self.actor)
        except AccessDenied as exc:
            return None, exc.reason or "not_your_customer", self.msg.customer_ref, flags
        except (NotFound, InputError):
            flags.append("customer_unknown")  # e.g. a WeCom app ask: the subject comes from the text
        except BackendUnavailable:
            flags.append("crm_unavailable")
        own_name = c360.name if c360 is not None else ""
        memo = (self.msg.tenant, self.msg.conversation_id, self.actor.id)
        # a phone or ID number as a look-up key: refused as such, whoever it names. Checked before the directory
        # resolves anything, and remembered as that refusal: a pointing-back follow-up («他们家那台车…») repeats it,
        # so the pair does not tell another rep's customer's number from the rep's own or from nobody's
        customers, ref = self.deps.customers, self.msg.customer_ref
        if personal_data_lookup(  # «<number> 是<own customer's contact>的号，…»: the holder named, his own customer
            self.text, (lambda name: names_current(customers, name, ref)) if c360 is not None else None
        ):
            remember_ask(self.deps.cache, memo, Decision(reason="personal_data_lookup"))
            return c360, "personal_data_lookup", "", flags
        ents = extract_entities(self.text, self.deps.tenant.entity_rules)
        refs = tuple(str(v) for k in CUSTOMER_KINDS for v in ents.get(k, []))
        named = check_mentions(self.deps.customers, self.text, self.actor, self.msg.customer_ref, refs)
        # «他们家那台车…» names nobody itself: the party the previous ask of this conversation named
        if not (named.refused or named.subject or named.flags):
            named = pointed_back(self.deps.cache, memo, self.text) or named
        if not (named.refused or named.subject or named.flags):
            # «他们实际拿的是几折？» after the customer's «听说宏远物流拿了九折»: the party that turn named
            named = (
                earlier_turn_named(
                    self.deps.customers, self.history, self.text, self.actor, self.msg.customer_ref
                )
                or named
            )
        remember_ask(self.deps.cache, memo, named)
        flags += named.flags
        if named.refused:
            self.owner, self.via = named.owner, named.via
            return c360, named.reason, named.customer_ref, flags
        if asks_others_data(
            self.text, organisation_words(self.deps.customers, self.deps.tenant.organisation_words)
        ):
            return c360, "other_customers_data", "", flags
        if (
            named.subject
            and c360 is not None  # a conversation customer to carry the terms to
            and named.subject != self.msg.customer_ref
            and terms_for_another(
                self.text, conversation_forms(c360), conversation_named=self._names_conversation()
            )
        ):
            # one of the rep's own customers, its terms wanted for this one («X那单几个点？这边照那个报»): a rep may
            # read any deal of theirs, never carry it to another customer (agents/authz_caller.py)
            return c360, "other_customer_prices", named.subject, flags
        if named.subject:  # the rep's own other customer: answered about them
            try:
                c360 = self.deps.customers.customer_360(named.subject, self.actor)
                flags.append("subject_from_text")
                self.subject = named.subject
            except (AccessDenied, NotFound, BackendUnavailable):
                return c360, "other_customer_not_in_context", named.subject, flags
            return c360, "", "", flags
        if "described_own" in named.flags:  # «杭州那家出租公司» is one of theirs: not someone else's
            return c360, "", "", flags
        # the tenant's industry words (vocabulary.yaml) and its CRM's (the kinds in its customers' names)
        words = organisation_words(self.deps.customers, self.deps.tenant.organisation_words)
        # the CRM's English company-name endings («Logistics») and the tenant's English industry words («Fleet»)
        org_words = (*org_words_of(self.deps.customers), *english(words))
        generic = generic_other_terms(self.text, self.deps.customers, words)
        if generic:  # «其他车队拿的什么价», «隔壁那家订了几台», «what are other fleets paying»
            return c360, generic, "", flags
        # 「帮我查下宏远物流的订单」 in another customer's conversation, an organisation the CRM cannot resolve: refused
        # as such whatever is asked of it (its prices too: the rep reads the same line as for another rep's customer,
        # so the pair confirms nothing); «杭州的出租车一般跑多少公里» asks nothing of anyone; the conversation's own
        # customer is told apart by its trade names and the directory (agents/authz.py unresolved_orgs)
        unresolved = unresolved_orgs(
            self.deps.customers, self.text, self.msg.customer_ref, own_name, words, org_words
        )
        if unresolved:
            return c360, "other_customer_not_in_context", unresolved[0], flags
        if (
            asks_other_customer_price(self.text, own_name, org_words=words)
            and not COMPETITOR.search(self.text)
        ) or (EN_PRICE_OF_OTHERS.search(self.text) and english_org_mentions(self.text, own_name, org_words)):
            return c360, "other_customer_prices", "", flags
        return c360, "", "", flags

    def _names_conversation(self) -> bool:
        """The CRM's directory finds a handle of the conversation's own customer in the ask («长风这边»)."""
        mentions = getattr(self.deps.customers, "mentions", None)
        if not callable(mentions) or not self.msg.customer_ref:
            return False
        try:
            return any(
                h.customer_id == self.msg.customer_ref and not h.kind.startswith(DESCRIPTION)
                for h in mentions(self.text)
            )
        except BackendUnavailable:
            return False

    # ---- the suggestion -----------------------------------------------------------------------------------------
    def _base(self, kind: SuggestionKind, intent: Intent, **kw: Any) -> Suggestion:
        return Suggestion(
            kind=kind,
            tenant=self.msg.tenant,
            channel=self.msg.channel.value,
            conversation_id=self.msg.conversation_id,
            message_id=self.msg.message_id,
            customer_ref=self.msg.customer_ref,
            rep_ref=self.msg.rep_ref or self.actor.id,
            intent=intent,
            **kw,
        )

    def refuse(self, intent: Intent, reason: str, ref: str, flags: list[str]) -> AskResult:
        """The REFUSAL the rep reads and the ledger's access-denied entry. The card holds the reason and the
        conversation's own customer, never the customer the ask resolved to, its owner or how it was matched; those
        go to the ledger, with the hand-off request a rep may send."""
        conversation = self.msg.customer_ref
        verdict = GuardVerdict(
            guard="authorization",
            outcome=VerdictOutcome.BLOCK,
            reasons=[reason],
            details={"actor": self.actor.id, "role": self.actor.role, "customer_ref": conversation},
        )
        ev = Evidence(
            id=Evidence.make_id(EvidenceKind.GUARDRAIL_VERDICT, self.msg.message_id, "authorization", reason),
            kind=EvidenceKind.GUARDRAIL_VERDICT,
            title="authorization: block",
            content=f"{self.actor.role} {self.actor.id} refused: {reason}",
            source_ids={"guard": "authorization"},
        )
        verdict = verdict.model_copy(update={"evidence_id": ev.id})
        en = self.lang == "en"
        offer = reason in NEUTRAL_REASONS and self.actor.role == "rep"  # whether or not the ask resolved
        text = _refusal_text(reason, conversation if ref in ("", conversation) else "", self.lang, offer)
        if reason == "not_owner" and self.owner and owner_visible(self.deps.customers):
            # the tenant's CRM shares owners with colleagues (mapping option)
            text = _owner_line(self.owner, self.lang)
        rule = governing_clause(self.deps.policy, reason)  # the tenant's own rule, cited
        if rule is not None:
            clause = rule.source_ids.get("clause", "")
            text += f"\nPer 《{rule.title}》 {clause} [1]" if en else f"\n依据：《{rule.title}》{clause} [1]"
        handoff: dict[str, str] = {}
        actions: list[Action] = []
        if offer:
            # the request is written to the ledger's access-denied entry (with the customer and owner the ask
            # resolved to); nothing routes it further, and the card says so
            handoff = {"handoff_id": handoff_id(self.msg, self.actor), "handoff_route": "audit_log_only"}
            actions.append(
                Action(
                    name=HANDOFF_ACTION,
                    label="Send a hand-off request" if en else "提交转交请求",
                    parameters={"handoff_id": handoff["handoff_id"]},
                    rationale="Written to the audit log; nobody is notified automatically"
                    if en
                    else "记入审计台账；系统不会自动通知任何人",
                    evidence_ids=[ev.id],
                    requires_authority="rep",
                )
            )
        sug = self._base(
            SuggestionKind.REFUSAL,
            intent,
            answer=Answer(
                text=text,
                status=AnswerStatus.NONE,
                evidence_ids=[rule.id] if rule is not None else [],
            ),
            actions=actions,
            evidence=[ev, *([rule] if rule is not None else [])],
            verdicts=[verdict],
            flags=sorted({"rep_ask", "refused", f"refused:{reason}", *flags}),
            summary={"refusal_reason": reason, "customer_ref": conversation},
        )
        record_denial = getattr(self.deps.ledger, "record_denial", None)
        if callable(
            record_denial
        ):  # the ledger's access-denied trail, when it keeps one: who and what, for audit
            record_denial(
                actor=self.actor,
                reason=reason,
                details={
                    "attempted": "rep_ask",
                    "customer_ref": ref or conversation,
                    "conversation_customer": conversation,
                    **({"named_by": self.via} if self.via else {}),
                    **({"owner": self.owner} if self.owner else {}),
                    **handoff,
                },
            )
        return AskResult(sug, refused=reason)

    def answer(self, intent: Intent, c360: Customer360 | None, flags: list[str]) -> AskResult:
        en = self.lang == "en"
        terms_en = dict(tenant_profile(self.deps).terms_en)
        evidence: list[Evidence] = []
        fact_lines: list[str] = []
        asked_lines: list[str] = []  # the facts that share a word with the ask (what the rep asked about)
        if c360 is not None:
            facts = sorted(
                c360.facts, key=lambda e: _overlap(self.text, f"{e.title} {e.content}"), reverse=True
            )
            for e in [*c360.signals[:MAX_SIGNALS], *facts[:MAX_FACTS]]:
                evidence.append(e)
                line = f"- {fact_sentence(e.content, en=en, terms_en=terms_en)} [{len(evidence)}]"
                fact_lines.append(line)
                raw = f"- {e.content} [{len(evidence)}]"
                if not RAW_FACT_LINE.match(raw) and _ask_words(self.text) & _ask_words(e.content):
                    asked_lines.append(line)
        spec = self.deps.tenant.intent(intent.name)
        query = " ".join(p for p in (self.masked, spec.policy_hint if spec else "") if p)
        try:
            # an ask with nothing to search by (a sticker, an unreadable image) cites no clause
            clauses = (
                self.deps.policy.search(PolicyQuery(text=query, k=MAX_CLAUSES))[:MAX_CLAUSES]
                if query.strip()
                else []
            )
        except BackendUnavailable:
            clauses, flags = [], [*flags, "policy_unavailable"]
        clause_lines: list[str] = []
        for e in clauses:
            evidence.append(e)
            clause = str(e.source_ids.get("clause", ""))
            excerpt = clause_excerpt(e.content, clause)
            clause_lines.append(
                f"- Per 《{e.title}》 {clause}: {excerpt} [{len(evidence)}]"
                if en
                else f"- 《{e.title}》{clause}：{excerpt} [{len(evidence)}]"
            )
        computed, computed_text = self.compute(intent, c360, clauses)
        # the clauses the computed figures apply, when the ask's own words found others (an English ask can find a
        # privacy notice): cited too, and shown first under the figures
        governing_lines: list[str] = []
        for e in self.governing_clauses(computed, clauses):
            evidence.append(e)
            clause = str(e.source_ids.get("clause", ""))
            excerpt = clause_excerpt(e.content, clause)
            governing_lines.append(
                f"- Per 《{e.title}》 {clause}: {excerpt} [{len(evidence)}]"
                if en
                else f"- 《{e.title}》{clause}：{excerpt} [{len(evidence)}]"
            )
        clause_lines = [*governing_lines, *clause_lines]
        lines: list[str] = [*fact_lines, *clause_lines]
        if c360 is not None:
            who = subject_name(c360.name, self.text)
            if computed_text:
                # the answer the tools computed (policy × CRM) comes first, about the customer, each statement cited
                start = len(evidence)
                evidence += computed
                marks = [f"[{start + i + 1}]" for i in range(len(computed))]
                asked = tools_config(self.deps).asked(self.masked)[0]
                head = rep_answer_lines(
                    computed,
                    marks,
                    computed_text,
                    who,
                    question=self.masked,
                    asked=asked,
                    terms_en=terms_en,
                )
                # under a computed answer, only the CRM lines about what was asked follow (a word of the ask in
                # them), as sentences: not the customer's name, raw codes ("客户类型 = individual") or rows nobody
                # asked for ("订单 … 每台补贴 = 0 元"); the rest stays in the cited evidence
                lines = [*head, *asked_lines[:SUPPORT_FACT_LINES], *clause_lines[:SUPPORT_CLAUSE_LINES]]
                flags = [*flags, "answer_computed"]
            else:  # nothing computed: the governing clauses are the answer, said about the customer by name
                lines = name_first(who, [*preamble_last(clauses, clause_lines), *fact_lines], self.text)
        d = DecisionInput(
            intent=intent,
            text=self.masked,
            evidence=evidence,
            business_unit=c360.business_unit if c360 else "",
            customer_known=c360 is not None,
            flags=flags,
            customer=customer_facts(
                {"name": c360.name, "tier": c360.tier, "region": c360.region} if c360 else {}, evidence
            ),
            # what the ask needs and which tools answered it, whatever intent it was read as (actions helper, #16)
            needs=asked_intents(tools_config(self.deps), self.masked),
            answered=answered_intents(tools_config(self.deps), evidence),
            # the customer's open ticket the ask is about: followed up, not opened again (actions helper, #16)
            open_ticket=open_ticket_of(c360, self.text, intent.entities),
        )
        firings = propose(d, self.deps.tenant, self.deps.policy, model_score=action_scorer(self.deps))
        actions = [f.action for f in firings]
        for f in firings:
            evidence += [f.rule_evidence, *f.extra_evidence]
        if (
            actions and en
        ):  # the catalog's labels and the rules' reasons are the tenant's Chinese: the action, named
            lines.append(
                "Suggested next steps: " + "; ".join(a.name.replace("_", " ") for a in actions) + "."
            )
        elif actions:
            lines.append(
                "建议切入点："
                + "；".join(
                    f"{a.label or a.name}（{why}）"
                    if (why := reason_for_rep(a.rationale))
                    else (a.label or a.name)
                    for a in actions
                )
            )
        if not lines and not actions:
            lines.append("Nothing on file answers this." if en else "没有找到相关的客户资料或政策条款。")
        evidence = list({e.id: e for e in evidence}.values())  # one copy of each, first-seen order
        cited = [e.id for e in evidence if e.kind is not EvidenceKind.RULE]
        status = AnswerStatus.CLAUSE_ONLY if cited else AnswerStatus.NONE
        sug = self._base(
            SuggestionKind.REP_ANSWER,
            intent,
            answer=Answer(
                text="\n".join(lines),
                status=AnswerStatus.COMPUTED if computed else status,
                evidence_ids=cited,
            ),
            actions=actions,
            evidence=evidence,
            flags=sorted({"rep_ask", *flags}),
            summary={"about_customer": self.subject} if self.subject else {},
        )
        return AskResult(sug)

    def governing_clauses(self, computed: list[Evidence], clauses: list[Evidence]) -> list[Evidence]:
        """The policy clauses the computed figures cite (document, version, clause in their lineage) that the ask's own
        search did not return, found by searching with the figures' text; [] when every cited clause was retrieved
        or nothing was computed."""
        wanted = {
            (
                str(e.source_ids.get("doc_id", "")),
                str(e.source_ids.get("version", "")),
                str(e.source_ids.get("clause", "")),
            )
            for e in computed
            if e.source_ids.get("doc_id")
        }
        if not wanted:
            return []
        have = {
            (
                str(e.source_ids.get("doc_id", "")),
                str(e.source_ids.get("version", "")),
                str(e.source_ids.get("clause", "")),
            )
            for e in clauses
        }
        missing = wanted - have
        if not missing:
            return []
        try:
            found = self.deps.policy.search(
                PolicyQuery(text=" ".join(e.content for e in computed)[:400], k=10)
            )
        except BackendUnavailable:
            return []
        out: dict[tuple[str, str, str], Evidence] = {}
        for hit in found:
            key = (
                str(hit.source_ids.get("doc_id", "")),
                str(hit.source_ids.get("version", "")),
                str(hit.source_ids.get("clause", "")),
            )
            if key in missing and key not in out:
                out[key] = hit
        return [out[k] for k in sorted(missing) if k in out]

    def compute(
        self, intent: Intent, c360: Customer360 | None, clauses: list[Evidence]
    ) -> tuple[list[Evidence], str]:
        """The reasoning tools the tenant maps to this intent, over this customer's data and the governing policy
        versions — the same node the conversation graph runs — so an ask gets computed figures (days left, the
        approver, a promotion's eligibility) and the actions they imply, not only the facts on file."""
        if c360 is None or intent.abstained:
            return [], ""
        state: dict[str, Any] = {
            "intent": intent.model_dump(mode="json"),
            "evidence": [e.model_dump(mode="json") for e in [*c360.signals, *c360.facts, *clauses]],
            "crm": c360.model_dump(mode="json", exclude={"facts", "signals"}),
            "customer": {"customer_id": c360.customer_id, "name": c360.name},
            "clean_text": self.masked,
            "message": self.msg.model_dump(mode="json"),
            # the conversation's turns only when the ask is about the conversation's own customer: another customer's
            # figures never read this conversation's products or quantities
            "history": self.history if c360.customer_id == self.msg.customer_ref else [],
        }
        try:
            ctx = RunContext(
                deps=self.deps, actor=self.actor, tenant=self.msg.tenant, channel=self.msg.channel
            )
            out = reason_node(state, SimpleNamespace(context=ctx))  # type: ignore[arg-type]  # the node reads .context only
        except BackendUnavailable:
            return [], ""
        new = [Evidence.model_validate(e) for e in out.get("evidence") or []]
        facts = [e for e in new if e.kind is EvidenceKind.COMPUTED_FACT]
        answer = out.get("answer") or {}
        if not facts or not answer.get("text"):
            return [], ""
        return facts, str(answer["text"])

    def run(self) -> AskResult:
        clf = embedding_classifier(self.deps)
        ents = extract_entities(self.text, self.deps.tenant.entity_rules)
        ctx = IntentInput(entities=ents, sender="rep_ask")  # rep-only intents (查客户, 要建议) get their cue
        intent = (
            clf.classify(self.masked, context=ctx)
            if self.masked.strip()
            else Intent(name=OUT_OF_SCOPE, confidence=0.0)
        )
        intent = intent.model_copy(update={"entities": ents})
        c360, reason, ref, flags = self.authorize()
        if reason in AGENT_OFF_CALL and self.actor.role == "agent" and ref != self.msg.customer_ref:
            reason = "not_on_call"  # «上午那个杭州开X7的王先生…»: whoever it is, not the caller
        if reason:
            log.warning("rep ask refused for %s (%s): %s %s", self.actor.id, self.actor.role, reason, ref)
            return self.refuse(intent, reason, ref, flags)
        return self.answer(intent, c360, flags)


def answer_rep_ask(
    deps: AgentDeps,
    msg: InboundMessage,
    actor: Actor,
    history: Sequence[Mapping[str, Any]] = (),
) -> Suggestion:
    """Answers (or refuses) one rep ask and records it in the ledger before returning it. `history`: the
    conversation's turns as the graph keeps them (masked), read by the reasoning tools like a customer turn's."""
    ask = RepAsk(deps, msg, actor, history)
    result = ask.run()
    deps.ledger.record_suggestion(
        result.suggestion,
        inputs={"masked_text": ask.masked, "sender": "rep_ask", "actor": actor.id, "refused": result.refused},
    )
    return result.suggestion


def subject_name(name: str, question: str) -> str:
    """Who the rep's answer is about: the customer's name on file, else 「该客户」 (「the customer」 for an English ask)."""
    if name.strip():
        return name.strip()
    return "该客户" if re.search(r"[\u4e00-\u9fff]", question) else "the customer"


def third_person(statement: str, who: str) -> str:
    """A computed statement is worded to the customer (「您的…」, 「贵司…」, as drafts say it); the rep reads it about
    the customer. Only the address changes: every figure, date and citation stays as computed."""
    # 「您提到的5%」 is the figure the rep asked about, not one the customer named
    statement = statement.replace("您提到的", "所问的")
    return statement.replace("贵司", who).replace("您", who)


def rep_answer_lines(
    computed: list[Evidence],
    marks: list[str],
    computed_text: str,
    who: str,
    *,
    question: str = "",
    asked: Sequence[str] = (),
    terms_en: Mapping[str, str] | None = None,
) -> list[str]:
    """The answer to the rep, answer first: the statement that answers what was asked as one sentence about the
    customer (third person), then each further statement as a short line with its own citation. An English ask reads
    the tools' own English wording where a tool wrote one (the tenant's words in English, as English drafts say them).
    When the answer text is not exactly the computed facts' statements joined (the reason node's wording), it stays
    one sentence citing them all."""
    statements = [e.content.split("\n")[0] for e in computed]
    if "；".join(statements) != computed_text or len(statements) != len(marks):
        sentence = third_person(computed_text, who)
        return [(sentence if who in sentence else f"{who}：{sentence}") + f" {''.join(marks)}"]
    en = detect_lang(question) == "en"
    order = asked_first(computed, question, asked, en=en)
    said = [rep_statement(computed[i], who, en=en, terms_en=terms_en or {}) for i in order]
    first, first_en = said[0]
    if who not in first:  # 「距上次采购…已 209 天」 names nobody: say whom it is about
        first = f"{who}: {first}" if first_en else f"{who}：{first}"
    return [
        f"{first} {marks[order[0]]}",
        *(f"- {s} {marks[i]}" for (s, _), i in zip(said[1:], order[1:], strict=True)),
    ]


def rep_statement(ev: Evidence, who: str, *, en: bool, terms_en: Mapping[str, str]) -> tuple[str, bool]:
    """(what the rep reads of one computed fact, whether it is the English wording), in the third person."""
    wording, english = rep_wording(ev, en=en)
    if english:
        return third_person_en(in_english(wording, dict(terms_en)), who), True
    return third_person(wording, who), False


FIGURE = re.compile(r"\d[\d,.]*")
CITED_LABEL = re.compile(r"（《[^》]*》[^（）]*）$")


def rep_wording(ev: Evidence, *, en: bool) -> tuple[str, bool]:
    """The tool's own English wording (lineage.statement_en, part of the fact's content) for an English ask, when it
    states every figure the Chinese statement does; else the Chinese statement (a tool that wrote no English, or an
    English line that leaves figures out, such as the days left on a warranty: the rep is not told less in English)."""
    chinese = ev.content.split("\n")[0]
    english = str(ev.lineage.get("statement_en") or "") if en else ""
    if english and len(FIGURE.findall(english)) >= len(FIGURE.findall(CITED_LABEL.sub("", chinese))):
        return english, True
    return chinese, False


def asked_first(computed: list[Evidence], question: str, asked: Sequence[str], *, en: bool) -> list[int]:
    """The order the rep reads the computed statements in: what was asked first. First the tools the ask's needs name
    (tools.yaml `needs`: the reason step's own order, kept), then a statement that checks a figure the ask itself
    names (「5%能批吗」: the authority check of that 5%), then the statements sharing more (two or more) of the ask's
    words; ties keep the tools' order."""
    wanted = _ask_words(question)

    def key(i: int) -> tuple[bool, bool, int]:
        ev = computed[i]
        tool = str(ev.source_ids.get("tool_id") or "")
        statement = CITED_LABEL.sub("", rep_wording(ev, en=en)[0])
        shared = len(wanted & _ask_words(statement))
        # one word in common is chance (「车队」 in a promotion's name); two, as the reason step asks of a fallback fact
        return (tool not in asked, not _checks_ask_figure(ev, question), -shared if shared >= 2 else 0)

    return sorted(range(len(computed)), key=key)


ASK_STOPWORDS = frozenset(
    [
        "the",
        "this",
        "that",
        "these",
        "what",
        "when",
        "which",
        "who",
        "how",
        "does",
        "did",
        "can",
        "could",
        "will",
        "would",
        "should",
        "is",
        "are",
        "was",
        "were",
        "for",
        "with",
        "and",
        "our",
        "his",
        "her",
        "their",
        "they",
        "them",
        "customer",
        "customers",
        "client",
        "in",
        "of",
        "to",
        "a",
        "an",
        "on",
        "at",
        "it",
        "its",
        "my",
        "me",
        "do",
        "have",
        "has",
        "any",
    ]
)


def _ask_words(text: str) -> set[str]:
    """The content words of a question or a statement: English words of three letters or more (no function words),
    Chinese two-character words (no filler characters; 「客户」 is who the ask is about, not what it asks)."""
    low = text.lower()
    words = {w for w in re.findall(r"[a-z]{3,}", low) if w not in ASK_STOPWORDS}
    pairs = {
        low[i : i + 2]
        for i in range(len(low) - 1)
        if "\u4e00" <= low[i] <= "\u9fff"
        and "\u4e00" <= low[i + 1] <= "\u9fff"
        and not FILLER & {low[i], low[i + 1]}
    }
    return words | (pairs - {"客户"})


def _checks_ask_figure(ev: Evidence, question: str) -> bool:
    """The fact checks a value read from the message itself (lineage input `message.…`, e.g. the discount asked
    about) and the ask names that value."""
    for inp in ev.lineage.get("inputs") or []:
        if isinstance(inp, dict) and str(inp.get("field", "")).startswith("message."):
            value = str(inp.get("value", "")).strip()
            if value and value in question:
                return True
    return False


def third_person_en(statement: str, who: str) -> str:
    """The English wording is addressed to the customer (「your 2025 purchases」, 「you are in tier F3」) and speaks as the
    rep (「what I may grant」); the rep reads it about the customer, and their own limit as theirs. Figures, dates and
    units stay as computed."""
    statement = re.sub(r"\byou asked for\b", "asked about", statement)
    # the name once, then 「they」/「their」: no name said twice in one sentence
    first = {"you are": f"{who} is", "your": f"{who}'s", "you": who}
    later = {"you are": "they are", "your": "their", "you": "them"}
    out: list[str] = []
    last = 0
    for n, m in enumerate(re.finditer(r"\byou are\b|\byour\b|\byou\b", statement, flags=re.I)):
        out += [statement[last : m.start()], (later if n else first)[m.group(0).lower()]]
        last = m.end()
    statement = "".join([*out, statement[last:]])
    statement = re.sub(r"\bI may\b", "you may", statement)
    return statement[:1].upper() + statement[1:] if statement[:1].isascii() else statement


def preamble_last(clauses: list[Evidence], lines: list[str]) -> list[str]:
    """The clause lines, a document's preamble (「前言」, its title only) after the clauses that say something."""
    return [line for e, line in sorted(zip(clauses, lines, strict=True), key=lambda p: _is_preamble(p[0]))]


def _is_preamble(e: Evidence) -> bool:
    return str(e.source_ids.get("clause", "")) in ("前言", "")


def name_first(who: str, lines: list[str], question: str) -> list[str]:
    """An answer with nothing computed opens like a computed one: the customer's name, then the first quoted clause
    (its citation kept), then the other lines as they are. No lines: nothing (the caller says nothing was found)."""
    if not lines:
        return []
    first = lines[0].removeprefix("- ")
    sep = ": " if detect_lang(question) == "en" else "："
    return [f"{who}{sep}{first}", *lines[1:]]


def clause_excerpt(content: str, clause: str, limit: int = 80) -> str:
    """A clause as the rep reads it in an answer: its prose, without the clause number said twice ("第六条：第六条") and
    without table markup (the table's rows are facts the tools compute from, not text to paste)."""
    prose = re.split(r"\n\s*\|", content, maxsplit=1)[0]
    prose = re.sub(r"\s+", " ", prose).strip()
    if clause and prose.startswith(clause):
        prose = prose[len(clause) :].lstrip(" ：:、")
    return prose if len(prose) <= limit else prose[:limit].rstrip() + "…"
