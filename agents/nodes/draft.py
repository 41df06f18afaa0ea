"""draft: the answer-first reply. The template composer (agents/drafting/template.py) always builds the plan and its
text: the computed answer with its citation, the next step, addressed to the CRM contact in the tenant's voice.
Without an LLM that text is the draft (source TEMPLATE). With one, `phrase(plan, llm, on_token)` may re-word it; a
phrased draft that is missing, or drops or changes a locked slot (a computed number, date or amount), is discarded and
the template text is sent instead (source FALLBACK, the reason in flags). An abstain gets no draft (no guess)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langgraph.runtime import Runtime

from agents.authz import NOT_ACCOUNT_HOLDER, customer_refusal_line
from agents.context import RunContext, state_evidence
from agents.drafting import llm_draft as llm_module
from agents.drafting.common import detect_lang, focus_terms
from agents.drafting.plan import DraftPlan, TenantVoice
from agents.drafting.template import Composition, compose, input_named, render
from agents.nodes.reason import MISFILED, as_of, tools_config
from agents.reasoning import dates
from agents.reasoning.config import AUTHORITY_TOOL, Profile, load_profile, words_hit
from agents.reasoning.crm import CrmRecord
from agents.state import CopilotState
from agents.timing import timed
from agents.understanding.sentiment import AFFECT_GROUPS, AFFECT_SHAPES, affect_groups
from contract import clock
from contract.evidence import Evidence, EvidenceKind
from contract.suggestions import Action, Draft, DraftSource, Intent

if TYPE_CHECKING:
    from agents.deps import AgentDeps
    from agents.tenant import TenantConfig


def tone_for(intent: Intent, profile: Profile | None = None) -> str:
    if intent.sentiment <= -0.3:
        return "apologetic 诚恳致歉、安抚"
    if intent.urgency >= 0.5:
        return "urgent 简短、先给出处理方式"
    return profile.tone if profile is not None and profile.tone else "formal 礼貌、专业，称呼“您”"


def tenant_profile(deps: Any) -> Profile:
    cached: Profile | None = deps.cache.get("tenant_profile")
    if cached is None:
        tenant_dir = getattr(deps, "tenant_dir", None)
        cached = load_profile(Path(tenant_dir)) if tenant_dir else Profile()
        deps.cache["tenant_profile"] = cached
    return cached


def complaint_shaped(text: str, sentiment: float = 0.0) -> bool:
    """The message has the shape of a complaint whatever its topic — a counted attempt or wait, a fault back again, a
    demand for someone senior, a verdict on the business (one of understanding's affect shapes), two affect groups at
    once, or doubled question / exclamation marks — AND reads negative (`negative_reading`). A shape alone is no
    complaint: «这是我第三次在你们店买车了» or "serviced with you 3 times and it's been great" or "new car!!" is a happy
    customer (R15-05)."""
    shaped = (
        any(p.search(text) for p in AFFECT_SHAPES.values())
        or affect_groups(text) >= 2
        or bool(DOUBLED_MARKS.search(text))  # "跑坏了算谁的？？": exasperation in the punctuation itself
    )
    return shaped and negative_reading(text, sentiment)


# A fault, a thing not done or nobody answering, said in the message itself (generic words, no tenant's): what turns a
# count («第三次», "5 times") or a wait («等了三个星期») into a complaint.
FAULT_OR_NOT_DONE = re.compile(
    r"又(?:[坏响亮漏停卡抖熄断掉]|出(?:问题|毛病|故障)?|报|不(?:行|好|灵))了|没(?:修好|解决|人|消息|回音|下文)|还(?:是)?(?:没|不|这样)"
    r"|修不好|不一样|坏|故障|毛病|异响|到底|凭什么|算谁的"
    r"|\bstill (?:no|not|nothing|waiting|broken|isn't|hasn't|haven't|won't|doesn't|don't)\b|\bnot fixed\b|\bcame back\b"
    r"|\bkeeps? coming back\b|\bhow many times\b|\bnobody\b|\bno one\b|\bno (?:word|reply|answer|response|call)\b"
    r"|\bbroken\b|\bfault|\bwarning\b|\bnoise\b|\bleak|\bproblem\b|\bissue\b",
    re.I,
)


def negative_reading(text: str, sentiment: float = 0.0) -> bool:
    """The message reads negative: the sentiment understanding computed is below zero, or it says anger, a demand to
    escalate or a threat to go elsewhere (understanding's affect groups, by word or shape), or a fault / a thing not
    done (FAULT_OR_NOT_DONE)."""
    if sentiment < 0:
        return True
    low = text.lower()
    for group in ("anger", "escalate", "threat"):
        if any(w in low for w in AFFECT_GROUPS.get(group, ())):
            return True
        shape = AFFECT_SHAPES.get(group)
        if shape is not None and shape.search(text):
            return True
    return bool(FAULT_OR_NOT_DONE.search(text))


DOUBLED_MARKS = re.compile(r"[？?]{2,}|[！!]{2,}|[？?][！!]|[！!][？?]")


def apologetic(intent: Intent, profile: Profile, tenant: TenantConfig | None, text: str) -> bool:
    """The draft opens with an apology: the message reads upset (sentiment), or it is one the tenant always apologises
    for (profile `apologize_intents`: a complaint, however calmly put) — by its intent or by one of those intents'
    keywords in the customer's own words."""
    if intent.sentiment <= -0.3 or intent.name in profile.apologize_intents:
        return True
    if complaint_shaped(
        text, intent.sentiment
    ):  # "third time I'm asking", "修了三回", "找你们领导": a complaint, whatever it was filed as
        return True
    low = text.lower()
    for name in profile.apologize_intents:
        spec = tenant.intent(name) if tenant is not None else None
        if spec is not None and words_hit(spec.keywords, low):
            return True
    return False


def voice_of(profile: Profile, lang: str) -> TenantVoice:
    sign_off = profile.sign_off_en if lang == "en" else profile.sign_off
    return TenantVoice(company=profile.company, persona=profile.persona, tone=profile.tone, sign_off=sign_off)


def offer_tables(deps: Any, actions: list[Action], evidence: list[Evidence]) -> list[Evidence]:
    """For an action resting on a document (a campaign, a plan), the clause of that document holding its table — the
    offer itself — when retrieval did not bring it (read from the structured facts of the version in force)."""
    facts_of = getattr(deps.policy, "facts", None)
    if not callable(facts_of):
        return []
    by_id = {e.id: e for e in evidence}
    docs = {
        (by_id[eid].source_ids.get("doc_id", ""), by_id[eid].source_ids.get("version", ""))
        for a in actions
        for eid in a.evidence_ids
        if eid in by_id and by_id[eid].kind is EvidenceKind.POLICY_CLAUSE
    }
    have = {(e.source_ids.get("doc_id"), e.source_ids.get("version")) for e in evidence if "|" in e.content}
    out: list[Evidence] = []
    facts = None
    for doc_id, version in sorted(docs - have):
        facts = facts or facts_of()
        rows = facts.rows(doc_id, version)
        if rows and rows[0].evidence_id and rows[0].evidence_id not in by_id:
            ev = facts.chunk_evidence(rows[0].evidence_id)
            if ev is not None:
                out.append(ev)
    return out


def input_clauses(deps: AgentDeps, evidence: list[Evidence]) -> list[Evidence]:
    """The policy clauses computed facts read and name in what they say (an offer stacked on a tier price: its row and
    its stacking rule), when retrieval did not bring them: a computed fact's inputs are cited beside it, so they must
    be in the suggestion's evidence (read from the structured facts, not ranked by retrieval)."""
    facts_of = getattr(deps.policy, "facts", None)
    if not callable(facts_of):
        return []
    have = {e.id for e in evidence}
    wanted: list[str] = []
    for e in evidence:
        if e.kind is not EvidenceKind.COMPUTED_FACT or e.lineage.get("to_customer") is False:
            continue
        for inp in e.lineage.get("inputs") or []:
            eid = (
                str(inp.get("evidence_id") or "")
                if isinstance(inp, dict) and inp.get("kind") == "policy"
                else ""
            )
            if (
                eid
                and eid not in have
                and eid not in wanted
                and input_named(str(inp.get("value") or ""), e.content)
            ):
                wanted.append(eid)
    if not wanted:
        return []
    facts = facts_of()
    return [ev for eid in wanted if (ev := facts.chunk_evidence(eid)) is not None]


def confidential_docs(deps: Any, evidence: list[Evidence]) -> tuple[str, ...]:
    """The documents of this suggestion's evidence that the tenant marks `confidentiality: internal` (front matter):
    they inform the computation and the rep sees them as evidence, but the customer's text neither names nor quotes
    them (no 《title》第N条 label, no clause pasted)."""
    facts_of = getattr(deps.policy, "facts", None)
    if not callable(facts_of):
        return ()
    facts = facts_of()
    docs = {
        (str(e.source_ids.get("doc_id") or ""), str(e.source_ids.get("version") or e.version or ""))
        for e in evidence
        if e.kind in (EvidenceKind.POLICY_CLAUSE, EvidenceKind.COMPUTED_FACT)
    }
    out: list[str] = []
    for doc_id, version in sorted(docs):
        if not doc_id or not version:
            continue
        try:
            meta = facts.meta(doc_id, version)
        except (KeyError, ValueError, LookupError):
            continue
        if str(getattr(meta, "confidentiality", "")).lower() == "internal" and doc_id not in out:
            out.append(doc_id)
    return tuple(out)


def own_words(state: CopilotState) -> str:
    """What the customer wrote or said themselves (text parts, voice transcripts), without what a photo or a file
    shows: a reply is in the language of the customer's own words, not of a Chinese quote they attach."""
    parts = (state.get("message") or {}).get("parts") or []
    return " ".join(
        str(p.get("text") or p.get("transcript") or "")
        for p in parts
        if isinstance(p, dict) and p.get("kind") in ("text", "voice")
    ).strip()


def plan_for(state: CopilotState, runtime: Runtime[RunContext]) -> tuple[DraftPlan, str, list[Evidence]]:
    deps = runtime.context.deps
    intent = Intent.model_validate(state["intent"])
    evidence = state_evidence(runtime.context, state.get("evidence", []))
    actions = [Action.model_validate(a) for a in state.get("actions", [])]
    lang = detect_lang(own_words(state) or state.get("masked_text", ""), state["message"].get("lang", "zh"))
    profile = tenant_profile(deps)
    spec = deps.tenant.intent(intent.name)
    # the message as written picks among the CRM's contacts (who wrote it, who it speaks of); only the CRM's own
    # contact data reaches the draft
    said = state.get("text") or state.get("masked_text", "")
    contacts = CrmRecord(dict(state.get("crm") or {}), evidence, today=clock.today()).contacts(said)
    labels = {a.name: a.label_zh for a in deps.tenant.actions}
    serving = tuple(a.name for a in deps.tenant.actions if intent.name in a.intents)
    if MISFILED in (state.get("flags") or []):
        # the message asked what another intent's tools answer (reason): the next step is not an action that serves
        # only the guessed intent ("约评估师评估旧车" for a warranty question), nor is the guessed intent's preferred
        only_theirs = {a.name for a in deps.tenant.actions if list(a.intents) == [intent.name]}
        actions = [a for a in actions if a.name not in only_theirs]
        serving = ()
    evidence += offer_tables(deps, actions, evidence)
    evidence += input_clauses(deps, evidence)
    today = as_of(state, evidence)
    names_day = bool(dates.named_days(own_words(state) or said, today))
    comp = Composition(
        lang=lang,
        evidence=evidence,
        actions=actions,
        contact=contacts[0] if contacts else None,
        voice=voice_of(profile, lang),
        next_steps=profile.next_steps_en if lang == "en" else profile.next_steps,
        customer_text=state.get("masked_text", ""),
        focus=tuple(focus_terms(intent.entities)),
        cite_policy=bool(spec is not None and spec.policy_hint) or bool(state.get("answer")),
        apologetic=apologetic(intent, profile, deps.tenant, own_words(state) or said),
        action_labels=labels,
        policy_words=tuple((spec.policy_hint if spec else "").split()),
        disclaimer=profile.disclaimer_en if lang == "en" else profile.disclaimer,
        disclaimer_when=tuple(profile.disclaimer_when),
        intent_actions=serving,
        scheduling=tuple(profile.scheduling_steps) if names_day else (),
        cannot_compute=tuple((state.get("answer") or {}).get("cannot_compute") or ()),
        clarify_which=profile.clarify_which_en if lang == "en" else profile.clarify_which,
        terms_en=dict(profile.terms_en),
        spoken=str((state.get("message") or {}).get("channel") or "") == "voice",
        rep_told=rep_told(list(state.get("history") or [])),
        today=today,
        subject_words=subject_words(deps),
        # steps never said after a refusal, nor after an answer that only says an offer is not theirs (template)
        not_after_refusal=tuple(profile.not_after_refusal),
        internal_docs=tuple(
            t.doc
            for specs in tools_config(deps).intents.values()
            for t in specs
            if t.tool == AUTHORITY_TOOL and t.doc
        )
        + (() if profile.name_internal_docs else confidential_docs(deps, evidence)),
    )
    # the rep's own limits (the authority tool's documents) are never named inside a sentence either
    authority_docs = tuple(
        t.doc
        for specs in tools_config(deps).intents.values()
        for t in specs
        if t.tool == AUTHORITY_TOOL and t.doc
    )
    comp = replace(
        comp,
        internal_titles=internal_titles(deps, authority_docs, evidence, today),
        offer_audience=offer_audience(deps),
    )
    reason = refusal_reason(list(state.get("flags") or []))
    if reason:
        comp = replace(
            comp,
            refusal=customer_refusal_line(reason, lang) or ON_CALL_LINES.get((reason, lang), ""),
            refusal_rule=refusal_rule(evidence),
            not_after_refusal=tuple(profile.not_after_refusal),
        )
    if (
        reason
        in (
            NOT_ACCOUNT_HOLDER,
            NOT_ON_CALL,
        )
    ):  # someone speaking for the holder, or a caller who says they are another customer than the call's: nothing of
        # the account is said
        held = (EvidenceKind.COMPUTED_FACT, EvidenceKind.CUSTOMER_FACT, EvidenceKind.SIGNAL)
        rule = comp.refusal_rule
        # … nor is the caller greeted by the holder's name: they said they are someone else; and nothing follows the
        # refusal (no clause about the holder's package or warranty, no next step on the holder's account)
        comp = replace(
            comp,
            evidence=[
                e
                for e in comp.evidence
                if e.kind not in held
                and (e.kind is not EvidenceKind.POLICY_CLAUSE or (rule and e.id == rule.id))
            ],
            contact=None,
            actions=[],
            cite_policy=False,
        )
    known = {e["id"] for e in state.get("evidence", [])}
    return compose(comp), tone_for(intent, profile), [e for e in evidence if e.id not in known]


# a word of a person («帮我查», «找你们领导», "your manager", "thank you") or a function word («不要了», «就按这个», «送的»,
# «可以签», "go ahead", "what price did", "in yet", "it's a deal"): a way of speaking, no subject of a question
PERSON_WORD = re.compile(
    r"[我你您咱他她了吗呢吧没就这那个么下几多少什哪怎还的不]|可以|失望|'"
    r"|\b(?:i|me|my|we|our|us|you|your|they|their|the|this|to|what|how|did|up|ahead|over|in|yet|down|any|is|a|of|go|do"
    r"|let|not)\b",
    re.I,
)


NOT_ON_CALL = "not_on_call"
# a caller who says they are someone other than the customer the call is for: the line said to them (authorization's
# customer-facing lines have none for this reason; it is the agent's own limit, said the way the customer can act on)
ON_CALL_LINES = {
    (
        NOT_ON_CALL,
        "zh",
    ): "抱歉，这通来电登记的是另一位客户的账户，我这边不能查询或透露其他账户的信息，还请您理解。",
    (
        NOT_ON_CALL,
        "en",
    ): "Sorry, this call is registered to another customer's account, so I can't look up or share "
    "that account's details.",
}


def subject_words(deps: Any) -> tuple[str, ...]:
    """The tenant's taxonomy words (the keywords of every intent with a policy to answer from), once per tenant: what
    a part of a message the facts do not answer is named by in the draft («关于…的问题»), never the customer's own
    sentence. Not a word of a person (`PERSON_WORD`) nor one that reads negative (a complaint's «太差了», "terrible")."""
    cached: tuple[str, ...] | None = deps.cache.get("subject_words")
    if cached is None:
        tenant = getattr(deps, "tenant", None)
        words = [
            str(w).strip()
            for spec in (getattr(tenant, "intents", None) or [])
            if spec.policy_hint
            for w in spec.keywords
        ]
        cached = tuple(
            dict.fromkeys(w for w in words if w and not PERSON_WORD.search(w) and not negative_reading(w))
        )
        deps.cache["subject_words"] = cached
    return cached


def rep_told(history: list[dict[str, Any]]) -> str:
    """What the rep or the agent on the call said since the customer's previous message (the conversation's notes,
    masked), newest last; "" when the customer spoke last."""
    said: list[str] = []
    for turn in reversed(history):
        if turn.get("role") == "customer":
            break
        if turn.get("role") in ("rep", "agent"):
            said.insert(0, str(turn.get("text") or ""))
    return "\n".join(said)


def offer_audience(deps: AgentDeps) -> tuple[str, ...]:
    """The columns of the tenant's offer tables that say who and when an offer is for (every tool's eligibility scope
    but its product: region, customer kind, period), from tools.yaml."""
    cached: tuple[str, ...] | None = deps.cache.get("offer_audience")
    if cached is None:
        config = tools_config(deps)
        specs = [t for ts in config.intents.values() for t in ts] + list(config.any_intent)
        scopes = [dict(t.scope) for t in specs] + [dict(t.stack.scope) for t in specs if t.stack is not None]
        cached = tuple(
            sorted({col for scope in scopes for key, col in scope.items() if key != "product" and col})
        )
        deps.cache["offer_audience"] = cached
    return cached


def internal_titles(
    deps: Any, docs: tuple[str, ...], evidence: list[Evidence], today: Any
) -> tuple[str, ...]:
    """The titles of the internal documents (the evidence's, else the version governing today), for the composer to
    keep out of the customer's text."""
    out = {e.title for e in evidence if e.title and e.source_ids.get("doc_id") in docs}
    facts_of = getattr(deps.policy, "facts", None)
    if callable(facts_of):
        facts = facts_of()
        for doc in docs:
            try:
                out.add(str(facts.governing(doc, as_of=today).title))
            except (LookupError, ValueError):  # no governing version: nothing to keep out
                continue
    return tuple(sorted(t for t in out if t))


def refusal_reason(flags: list[str]) -> str:
    """decide's `refused:<reason>` flag (another customer's prices or data), "" when the message is not refused."""
    return next((f.removeprefix("refused:") for f in flags if f.startswith("refused:")), "")


def refusal_rule(evidence: list[Evidence]) -> Evidence | None:
    """The tenant's rule the authorization verdict applies (its `clause_evidence`), to cite in the refusal line."""
    by_id = {e.id: e for e in evidence}
    for e in evidence:
        if e.kind is EvidenceKind.GUARDRAIL_VERDICT and e.source_ids.get("guard") == "authorization":
            return by_id.get(str(e.source_ids.get("clause_evidence", "")))
    return None


@timed("draft")
def draft(state: CopilotState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    deps = runtime.context.deps
    intent = Intent.model_validate(state["intent"])
    if intent.abstained:
        return {"draft": None}
    plan, tone, added = plan_for(state, runtime)
    template = render(plan)
    flags: list[str] = []
    result: Draft = template
    # a refusal keeps the tenant's own wording (the template): a model must not re-phrase what is confidential
    refused = bool(refusal_reason(list(state.get("flags") or [])))
    if deps.settings.use_llm and deps.llm is not None and not refused:
        result, flags = _phrased(state, runtime, plan, template, tone)
    out: dict[str, Any] = {"draft": result.model_dump(mode="json"), "flags": flags}
    if added:  # a clause the draft cites must be in the suggestion's evidence
        out["evidence"] = [e.model_dump(mode="json") for e in added]
    timings = getattr(runtime.context, "progress_timings", None)
    if callable(timings) and (marks := timings()):
        out["timings_ms"] = marks
    return out


def _phrased(
    state: CopilotState, runtime: Runtime[RunContext], plan: DraftPlan, template: Draft, tone: str
) -> tuple[Draft, list[str]]:
    """The LLM's wording of the plan, or the template text (FALLBACK) when it is missing or breaks a locked slot."""
    deps = runtime.context.deps
    phrase = getattr(llm_module, "phrase", None)
    fallback = render(plan, source=DraftSource.FALLBACK)
    if callable(
        phrase
    ):  # phrase(plan, llm, on_token, timeout_s, outcome=…) -> Draft | None (agents/drafting/llm_draft)
        on_token = getattr(runtime.context, "on_draft_token", None)
        outcome_cls = getattr(llm_module, "PhraseOutcome", None)
        outcome = outcome_cls() if outcome_cls is not None else None
        try:
            kwargs: dict[str, Any] = {"max_tokens": deps.settings.max_draft_tokens}
            if outcome is not None:
                kwargs["outcome"] = outcome
            phrased = phrase(plan, deps.llm, on_token, deps.settings.llm_timeout_s, **kwargs)
        except Exception as exc:  # a broken phrasing must never lose the answer
            return fallback, [f"llm_fallback:{type(exc).__name__}"]
        if phrased is None:
            return fallback, [f"llm_fallback:{getattr(outcome, 'reason', '') or 'no_phrase'}"]
        missing = plan.missing_slots(phrased.text)
        if missing:
            return fallback, ["llm_fallback:slot_changed:" + ",".join(s.text for s in missing)]
        return phrased, []
    # until phrase() lands: the previous LLM path; its own fallback is replaced by the template text
    evidence = state_evidence(runtime.context, state.get("evidence", []))
    actions = [Action.model_validate(a) for a in state.get("actions", [])]
    intent = Intent.model_validate(state["intent"])
    assert deps.llm is not None  # _phrased runs only with an LLM
    result, flags = llm_module.llm_draft(
        deps.llm,
        state.get("clean_text", ""),
        evidence,
        actions,
        lang=plan.lang,
        tone=tone,
        timeout_s=deps.settings.llm_timeout_s,
        max_tokens=deps.settings.max_draft_tokens,
        focus=focus_terms(intent.entities),
    )
    if result.source is not DraftSource.LLM:
        return fallback, flags
    missing = plan.missing_slots(result.text)
    if missing:
        return fallback, [*flags, "llm_fallback:slot_changed:" + ",".join(s.text for s in missing)]
    return result, flags
