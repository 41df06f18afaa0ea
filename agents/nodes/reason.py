"""reason: between ground and decide. Runs the reasoning tools the tenant's tools.yaml maps to this intent, over the
governing policy version's structured facts and this customer's CRM data. Computed facts join the evidence list (with
the clauses they rest on, even an old version that governs by event date); the answer line goes to `answer`. A tool
that cannot compute says why, and the draft then cites the clause without a number."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langgraph.runtime import Runtime

from agents.context import RunContext, state_evidence
from agents.reasoning import dates, function_tools
from agents.reasoning.answer import build_answer, computed_evidence
from agents.reasoning.asks import asked_units, asks_text, retracted, typed_first
from agents.reasoning.base import (
    _yuan_plain,
    bare_points,
    bare_units,
    english_counts,
    governing_clause,
    governing_rows,
    han_counts,
    measure_counts,
    spoken_percent,
)
from agents.reasoning.combine import final_asked, final_price, price_match, sum_savings
from agents.reasoning.config import AUTHORITY_TOOL, ToolsConfig, ToolSpec, load_profile, load_tools, words_hit
from agents.reasoning.crm import CrmRecord, MissingField
from agents.reasoning.declined import without_declined
from agents.reasoning.english import role_en
from agents.reasoning.followup import follow_up_scope, scoped_text
from agents.reasoning.homophones import heard_terms
from agents.reasoning.offers import rows_named_exactly
from agents.reasoning.options import Option, asks_difference, count_options, model_options
from agents.reasoning.records import PICTURE
from agents.reasoning.results import CannotCompute, Computed, Input, Result, Source
from agents.reasoning.tools import ToolContext, run_tool
from agents.state import CopilotState
from agents.timing import timed
from agents.traditional import to_simplified
from contract import clock
from contract.errors import BackendUnavailable
from contract.evidence import Evidence, EvidenceKind
from contract.ports import FactSource, PolicyFactsProvider
from contract.suggestions import Intent

if TYPE_CHECKING:
    from agents.deps import AgentDeps


def tools_config(deps: Any) -> ToolsConfig:
    """tools.yaml of the tenant (cached on the deps); an empty config when the tenant has none."""
    cached: ToolsConfig | None = deps.cache.get("tools_config")
    if cached is None:
        tenant_dir = getattr(deps, "tenant_dir", None)
        cached = load_tools(Path(tenant_dir)) if tenant_dir else ToolsConfig()
        deps.cache["tools_config"] = cached
    return cached


def _terms_en(deps: Any) -> dict[str, str]:
    """The tenant's words in English (profile.yaml terms_en): an English question names a table's columns by them."""
    cached: dict[str, str] | None = deps.cache.get("tools_terms_en")
    if cached is None:
        tenant_dir = getattr(deps, "tenant_dir", None)
        cached = dict(load_profile(Path(tenant_dir)).terms_en) if tenant_dir else {}
        deps.cache["tools_terms_en"] = cached
    return cached


def pack_terms(deps: AgentDeps, config: ToolsConfig) -> tuple[str, ...]:
    """The pack's own terms a homophone is heard as (tools.yaml synonyms' words, vocabulary terms)."""
    cached: tuple[str, ...] | None = deps.cache.get("tools_pack_terms")
    if cached is None:
        tenant = getattr(deps, "tenant", None)
        vocab = [
            w for words in getattr(getattr(tenant, "entities", None), "terms", {}).values() for w in words
        ]
        cached = tuple(dict.fromkeys([*config.synonyms, *vocab]))
        deps.cache["tools_pack_terms"] = cached
    return cached


def fact_source(deps: Any) -> FactSource | None:
    """The snapshot's facts through the contract port (knowledge.policy.PolicyStore implements it)."""
    return deps.policy.facts() if isinstance(deps.policy, PolicyFactsProvider) else None


def as_of(state: CopilotState, evidence: list[Evidence]) -> date:
    """The day the CRM was read (customer facts carry it), else the message's own date: dates count from there."""
    for e in evidence:
        if e.kind is EvidenceKind.CUSTOMER_FACT and e.version:
            try:
                return date.fromisoformat(e.version[:10])
            except ValueError:
                break
    sent = (state.get("message") or {}).get("sent_at")
    if isinstance(sent, str):
        try:
            return datetime.fromisoformat(sent.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    return clock.today()  # the clock port: an eval or replay runs at the suite's / message's time


@timed("reason")
def reason(state: CopilotState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    deps = runtime.context.deps
    intent = Intent.model_validate(state["intent"])
    if intent.abstained:
        return {"answer": None}
    config = tools_config(deps)
    evidence = state_evidence(runtime.context, state.get("evidence", []))
    # what the message asks for, whatever its intent (a warranty question filed as a trade-in, a ticket named in a
    # price question, a second question): those tools run too, and what they compute is told; a tool this intent
    # already runs is ungated when a need asks for it (the need's words are the question)
    text = state.get("masked_text") or state.get("clean_text", "")
    # a count the customer types outranks one on a photo they attach (a quote for 5, "凑8台，8台一共多少")
    # … read in simplified characters (a 繁體 customer reaches the same word lists and tables)
    # … and a rate said in words ("便宜个百分之三") as the figure the discount checks read ("3%")
    # … and points said without their unit ("总共让7个") as points
    # … and a count said with the general measure word after a word of ordering ("AB-100来6个") as units ("来6台")
    # … and a count said in Chinese numerals («上二十台», «X7八台») in digits («20台»), without what the customer takes
    # back in the same breath («不是Z5，是X7», «订4台 啊不对 6台»): the corrected model and count are the ones asked
    crm = CrmRecord(
        dict(state.get("crm") or state.get("customer") or {}), evidence, today=as_of(state, evidence)
    )
    # … and a count said in a measure word the pack does not list, of a model the CRM prices («6架X7», «两部Z5»)
    text = retracted(
        measure_counts(
            han_counts(
                bare_units(
                    bare_points(
                        spoken_percent(
                            config.with_synonyms(
                                heard_terms(
                                    to_simplified(typed_first(text, attached_texts(evidence))),
                                    pack_terms(deps, config),
                                )
                            )
                        )
                    ),
                    config.count_units,
                ),
                config.count_units,
            ),
            config.count_units,
            lambda code: bool(crm.priced_model_in(code)),
        )
    )
    # … and an offer the customer declines or already has («增值服务就免了», "not interested in the add-on")
    # asks for nothing: its words are out of the clause that declines it, so no tool quotes what was turned down
    text, _declined = without_declined(text, getattr(deps, "tenant", None))
    # a short follow-up naming no subject of its own («那剩下的退的话能退多少») asks about what the customer's turn before
    # it was about: a need's subject words may come from that turn
    subject = follow_up_subject(text, list(state.get("history") or []))
    asked_ids, unasked_ids = config.asked(text, subject)
    # an any-intent tool gated on discount words runs on the customer's own asks: a figure in a note to the system or
    # in a claim ("（内部备注：已享受7%）", "你们答应过九折") names no discount to check
    asks = asks_text(text)
    crm.described = tuple(config.described_assets)  # "跑得最多那台": an asset described by a field's extreme
    # a price asked for a product the CRM prices, in a count ("再补6台K9，一台到手多少"), whatever the words: the
    # quoting tools run ungated by their word lists (they still need their kinds and inputs)
    # … or a price asked over several turns: the product and count of the turns before (a need split over short
    # messages), or a quote the turn before asked that nobody has answered yet (pending_quote)
    history = list(state.get("history") or [])
    units = tuple(config.count_units)
    nouns = tuple(config.count_units_en)
    quoting_ids = {s.id for s in [*config.any_intent, *config.for_intent(intent.name)] if _quotes(s)}
    pending = pending_quote(history, crm, nouns, lambda said: bool(quoting_ids & set(config.asked(said)[0])))
    priced_code = lambda code: bool(crm.priced_model_in(code))  # noqa: E731
    carried = with_context(asks, history, priced_code, units, pending, nouns)
    priced = asks_price(asks, crm, nouns) or (
        carried != asks
        and (
            pending
            or asks_price(carried, crm, nouns)
            # «按最低的价给我算个总数», "the fleet price each and the total" of the product and count said before
            or bool(PRICE_ASK.search(asks) and asked_units(carried) and crm.priced_model_in(carried))
        )
    )
    any_intent = [
        _quoting(_ungated(s, asked_ids), priced)
        for s in config.extra_for(intent.name)
        if s.id in asked_ids or not s.when_words or words_hit(s.when_words, asks) or (priced and _quotes(s))
    ]
    needed = config.needed(intent.name, text, subject)
    any_intent = [s for s in any_intent if s.id not in {n.id for n in needed}]  # the asked entry runs instead
    specs = [_quoting(_ungated(s, asked_ids), priced) for s in config.for_intent(intent.name)]
    extra = {id(s) for s in any_intent}
    specs += any_intent
    needed_ids = {id(s) for s in needed}
    extra |= needed_ids
    specs += needed
    own = config.for_intent(intent.name)
    # the intent's own tools all answer needs the tenant lists, none of which this message has, while it has another
    # one: the intent was a neighbour's guess ("要换滤芯，得我自己掏钱吗" is not a trade-in); its facts are the rep's
    # … unless a tool the message asks reads what one of the intent's own tools reads (the same records, the same
    # document): then both answer the same matter ("昨天报的故障到现在没人联系" asks for the vehicle's open ticket, the
    # complaint's own tools state the ticket and its response time), whichever of them could compute
    misfiled = (
        bool(asked_ids)
        and bool(own)
        and all(t.id in unasked_ids for t in own)
        and not _same_matter(own, [s for s in specs if s.id in asked_ids])
    )
    running = {s.id for s in specs}
    fallback = [f for f in config.fallbacks(intent.name, retrieved_docs(evidence)) if f.id not in running]
    extra |= {id(s) for s in fallback}
    fallback_ids = {id(s) for s in fallback}
    specs += fallback
    facts = fact_source(deps) if specs else None
    if not specs or facts is None:
        return {"answer": None}
    # The tools read the whole masked message, sentences the injection guard held back from intent included: they
    # only look this customer's facts up and check what is asked (a request is checked, never granted), so an
    # instruction cannot steer them, while a question the detector over-flags still gets its answer.
    said = text
    text = with_context(text, history, priced_code, units, pending, nouns)
    ctx = ToolContext(
        facts,
        crm,
        dict(intent.entities),
        text,
        crm.today,
        terms_en=_terms_en(deps),
        count_units=units,
        count_units_en=tuple(config.count_units_en),
        peer=config.spec,
    )
    # an offer the message names by its name ("北区冬日保养月的工时费8折那天还能用吗") is checked against this customer
    # whatever the intent: its table's tool runs too and adds what it computes
    named = _named_offer_tools(config, specs, ctx)
    specs = [
        s for s in specs if s.id not in {n.id for n in named}
    ]  # a gated entry of the intent's: ungated instead
    extra |= {id(s) for s in named}
    specs += named
    # a terse follow-up ("什么时候到期") is about the assets / orders an earlier turn narrowed to, not every one
    scope = follow_up_scope(said, history, crm, ctx.hints(), units)
    crm.device_scope = scope.device_ids
    if crm.device_scope is None:
        crm.device_scope = _thin_message_scope(crm, ctx)
    if scope.order_ids:
        ctx = replace(ctx, text=scoped_text(ctx.text, scope))
    results: list[Result] = []
    asked_results: set[int] = set()  # results of the tools the message's needs ask for: said first
    asked_words = config.asked_by(said)  # the words asked_ids were read from
    narrowed = config.row_words(said)  # tool id → the words its rows must name (a need for particular rows)
    own_ids = {s.id for s in own}
    tool_of: dict[int, str] = {}  # id(result) → the asked tool's id
    unsaid: set[int] = set()  # ids of computed results the customer is not told (say_when_words not met)
    misfiled_unsaid: set[int] = set()  # … of them, those held back only as a misfiled intent's
    alongside: set[int] = (
        set()
    )  # ids of results said beside the answer they qualify (an exclusion), never instead
    fell_back = 0
    fallback_made: set[int] = (
        set()
    )  # ids of the results of fallback tools (another intent's, by retrieved doc)
    spec_of: dict[int, ToolSpec] = {}  # id(result) → the spec that computed it
    for spec in specs:
        if id(spec) in fallback_ids and fell_back >= config.fallback_facts:
            break
        out = run_tool(spec, ctx)
        if id(spec) in extra:  # an any-intent or fallback tool only adds what it computed
            out = [r for r in out if isinstance(r, Computed)]
        if id(spec) in fallback_ids:
            out = out[:1]
            fell_back += len(out)
            # the intent's own tools answered: a fallback fact is the rep's; otherwise the customer hears one only
            # when it is about what they wrote (it shares a word with the message)
            # a fallback fact about nothing the message says (only a retrieved document in common) is nobody's answer:
            # "客户可通过服务顾问申请查询…" for 「帮我查下这个客户最近的订单」 is dropped, not even the rep's
            out = [
                r
                for r in out
                if spec.when_words or (isinstance(r, Computed) and _about_message(r.statement, ctx.text, 2))
            ]
            fallback_made |= {id(r) for r in out}
            answered = any(isinstance(r, Computed) and id(r) not in unsaid for r in results)
            # (a tool gated on words the message has is about it by the tenant's own word list)
            unsaid |= {
                id(r)
                for r in out
                if answered
                or not (
                    spec.when_words or (isinstance(r, Computed) and _about_message(r.statement, ctx.text))
                )
            }
        if spec.say_when_words and not words_hit(spec.say_when_words, ctx.text):
            briefed = _brief_terms(spec, out, ctx.today) if spec.brief_unasked else None
            if briefed is not None:
                out = briefed
            else:
                unsaid |= {id(r) for r in out}
        if misfiled and id(spec) not in extra:
            if any(isinstance(r, Computed) and any(i.ref == "message" for i in r.inputs) for r in out):
                # one of the intent's own tools computed from a thing only the message describes (another maker's
                # car dated by the customer's words): the intent was no neighbour's guess, its facts are told
                misfiled = False
                unsaid -= misfiled_unsaid
            else:
                # only what misfiling alone holds back: a result its own say_when_words held back stays unsaid
                misfiled_unsaid |= {id(r) for r in out} - unsaid
                unsaid |= {id(r) for r in out}
        if spec.alongside:
            alongside |= {id(r) for r in out}
        if spec.id in narrowed and spec.id not in own_ids:
            # asked by a need for particular rows (the battery offer): the table's other rows are not its answer
            unsaid |= {
                id(r)
                for r in out
                if isinstance(r, Computed) and not any(w in r.statement for w in narrowed[spec.id])
            }
        if spec.id in asked_ids:
            asked_results |= {id(r) for r in out}
            tool_of.update({id(r): spec.id for r in out})
        spec_of.update({id(r): spec for r in out})
        results += out
    results = _part_decides_coverage(results, spec_of)
    # «4台还是5台», «新Z5和X7之间», «先按25台…假如再加两台凑27台»: the same tools run for every option the message weighs
    told_tools = {spec_of[id(r)].id for r in results if isinstance(r, Computed) and id(r) not in unsaid}
    optional = option_results(specs, ctx, results, told_tools)
    for r in optional:
        asked_results.add(id(r))
    results += optional
    results = _offer_after_its_term(results, spec_of, ctx.today, asked_results, tool_of, ctx)
    # a fact computed from a clause replaces the tools tools.yaml says it makes redundant (the clause quoted whole)
    replaced = {
        name
        for r in results
        if isinstance(r, Computed) and (sp := spec_of.get(id(r))) is not None
        for name in sp.replaces
    } | {name for r in results if isinstance(r, Computed) for name in r.replaces}
    results = [r for r in results if not (isinstance(r, Computed) and r.name in replaced)]
    # the same statement from two entries (an intent's own tool and another's fallback on the same document): once,
    # as the entry the message asked for when one of them is (its tool id is what the answer says it computed)
    asked_statements = {r.statement for r in results if isinstance(r, Computed) and id(r) in asked_results}
    seen: set[str] = set()
    unique: list[Result] = []
    for r in results:
        if isinstance(r, Computed):
            if r.statement in seen or (r.statement in asked_statements and id(r) not in asked_results):
                continue
            seen.add(r.statement)
        unique.append(r)
    results = unique
    customer_id = str((state.get("customer") or {}).get("customer_id", ""))
    notes: list[str] = []
    by_llm: set[int] = set()  # results of the tools the LLM chose to call (lineage.called_by = llm)
    if _tool_calling(deps):
        got, note = _llm_tool_results(deps, specs, ctx)
        notes.append(note)
        have = {computed_evidence(r, customer_id).id for r in results if isinstance(r, Computed)}
        for r in got:
            if isinstance(r, Computed) and (eid := computed_evidence(r, customer_id).id) not in have:
                have.add(eid)
                by_llm.add(id(r))
                results.append(r)
    # what the message asked comes first (stable: the tools.yaml order among the asked and among the rest)
    results = sorted(results, key=lambda r: id(r) not in asked_results)
    results = _tier_rate_is_not_an_ask(results)
    results = _order_approval_decides(results, ctx.terms_en)
    results = _list_net_only_alone(results)
    # "一共能少多少": the sum of the savings computed above, when the policies let them stack (said first: it is the ask)
    ids = {id(r): computed_evidence(r, customer_id).id for r in results if isinstance(r, Computed)}
    results = sum_savings(results, ctx, ids) + results
    # "落地多少": the offer's model at list price less every saving that stacks with it (said first: it is the ask)
    results = final_price(results, ctx, ids) + results
    # (an option's final price, when the message weighs models, may be the one the whole message makes: said once)
    once: set[str] = set()
    kept: list[Result] = []
    for r in results:
        if isinstance(r, Computed):
            if r.statement in once:
                continue
            once.add(r.statement)
        kept.append(r)
    results = kept
    # "别家给到11.8万，能跟吗": the gap to the quoted price as an extra discount, and who may grant it (said first)
    authority = next((s for s in [*config.any_intent, *own] if s.tool == AUTHORITY_TOOL), None)
    results = price_match(results, ctx, authority, ids) + results
    if not results:
        return {"answer": None, "flags": notes} if notes else {"answer": None}
    computed = [r for r in results if isinstance(r, Computed)]
    fallback_results = {id(r) for r in results if id(r) in fallback_made}
    facts_ev = [
        _beside(
            _asked(
                _fallback(
                    _called_by_llm(
                        _told(computed_evidence(r, customer_id), id(r) not in unsaid), id(r) in by_llm
                    ),
                    id(r) in fallback_results,
                ),
                id(r) in asked_results,
                asked_words.get(tool_of.get(id(r), ""), []),
            ),
            id(r) in alongside,
        )
        for r in computed
    ]
    known = {e.id for e in evidence}
    clause_ev: list[Evidence] = []
    for r in results:  # the clauses the computations rest on, when retrieval did not bring them
        src = r.source
        if src.evidence_id and src.evidence_id not in known:
            ev = facts.chunk_evidence(src.evidence_id)
            if ev is not None and ev.id not in known:
                clause_ev.append(ev)
                known.add(ev.id)
    answer = build_answer(results, facts_ev)
    flags = ["answer_computed"] if computed else (["answer_clause_only"] if answer else [])
    if misfiled and any(id(r) not in unsaid for r in computed):
        flags.append(MISFILED)  # the draft's next step is not the misfiled intent's own action
    flags += notes
    return {
        "evidence": [e.model_dump(mode="json") for e in [*clause_ev, *facts_ev]],
        "answer": answer.model_dump(mode="json") if answer else None,
        "flags": flags,
    }


MISFILED = "intent_misfiled"


def attached_texts(evidence: list[Evidence]) -> list[str]:
    """What perception read off the message's photos (their OCR text, which the message text also holds)."""
    return [
        e.content
        for e in evidence
        if e.kind is EvidenceKind.PERCEPTION and (e.lineage or {}).get("image_kind") and e.content
    ]


MODEL_CODE = re.compile(r"[A-Z]{1,3}\d{1,3}[A-Z]?|[A-Z]{2,5}-[A-Z0-9.]{1,5}")
UNITS = re.compile(r"\d+\s*(?:台|辆|件|套)")
# a turn that turns away from what was quoted: a change to something that is not a count («换成另一种», "switch to
# something else", «改成10台» is a count and keeps the product), or what was quoted said not to suit — the product of
# the turn before is not the one this turn prices
SWITCHED = re.compile(
    r"(?:换成|改成|改为|换为|换个|换一|换别|改买|改订|改用|换用)(?!\s*(?:\d|[一二两三四五六七八九十]+\s*(?:台|辆|件|套)))"
    r"|不(?:太|是很|大)?(?:合适|适合|考虑|要了)|\binstead\b|\bswitch(?:ing)?\s+to\b|\brather\s+than\b"
    r"|\bnot\s+(?:right|suitable)\b",
    re.IGNORECASE,
)


# the turns a need may be split over («X7» / «要6台» / «最低多少，算个总数»): a turn between the one naming the product
# and this one is a fragment (a count, a greeting, the agent's «请讲») at most this long
FRAGMENT_CHARS = 20
# a rep's prompt to continue a need being told («您说», «请讲», «几台？», "go ahead", "how many?")
REP_PROMPT = re.compile(
    r"您说|你说|请讲|请说|请继续|然后呢|还有呢|几台|多少台|哪款|哪个型号|go ahead|go on|how many|which model",
    re.IGNORECASE,
)
# words opening another matter than the one being told
TURN_SHIFT = re.compile(
    r"(?:^|(?<=[，,。？?！!；;\s]))(?:另外|顺便|其次|再就是|对了|换个话题|another thing|by the way|\bbtw\b"
    r"|on another note|separately)",
    re.IGNORECASE,
)
SPLIT_TURNS = 4  # … and the product is looked for this many turns back at most


def with_context(
    text: str,
    history: list[dict[str, Any]],
    known: Callable[[str], bool] = lambda code: True,
    count_units: tuple[str, ...] = (),
    pending: bool = False,
    nouns: tuple[str, ...] = (),
) -> str:
    """A short confirmation ("行，就按这个走 3台 [OK]") names no product: the tools read the products and units of the
    turn it answers (the quote the rep sent, the customer's own screenshot) — only those, never that turn's requests
    (a rep's "3%" is not the customer asking for 3%). A longer turn naming no product reads them too when it prices a
    count («领导说一次性上20台…总价多少»: the count changed, the product is the one quoted before), or when the turn
    before asked a price nobody has answered yet (`pending`, pending_quote).
    A need split over several short turns («X7» / «要6台» / «按最低的价算个总数») is read whole: past fragments naming
    no product (≤ FRAGMENT_CHARS, the count among them), back to the turn that names the product (SPLIT_TURNS at
    most); a fragment that turns away (SWITCHED) ends the walk."""
    turns = [h for h in history if h.get("role") in ("rep", "customer") and str(h.get("text") or "").strip()][
        -SPLIT_TURNS:
    ]
    # the turn before is a fragment of a split need ("6 units this time"): this one's amount ask is of it. A rep's
    # short turn is one only when it prompts the customer to go on («您说», "go ahead"); an acknowledgement that takes
    # the ask away («好的，稍等我算一下») closes it, and what follows is a turn of its own
    fragment = (
        bool(turns)
        and len(str(turns[-1]["text"]).strip()) <= FRAGMENT_CHARS
        and (turns[-1].get("role") != "rep" or bool(REP_PROMPT.search(str(turns[-1]["text"]))))
    )
    # a turn opening another matter («顺便问下…», «另外…», "by the way …") asks of its own: it inherits nothing — unless
    # the quote asked before is still unanswered (`pending`: «另外那个补贴到哪天截止？» still wants that quote)
    if not pending and TURN_SHIFT.search(text[:12]):
        return text
    if MODEL_CODE.search(text) or (
        not pending
        and len(text) > 40
        and not (
            (UNITS.search(text) or fragment)
            and (AMOUNT_ASK.search(text) or PRICE_ASK.search(text))
            and not SWITCHED.search(text)
        )
    ):
        return text
    models: list[str] = []
    units: list[str] = []
    counted = bool(UNITS.search(text))
    for i, h in enumerate(reversed(turns)):
        # «K2五台» counted as «K2 5台», "6 units this time" as «6台»
        before = han_counts(english_counts(str(h["text"]), nouns=nouns), count_units)
        if i and SWITCHED.search(before):
            break
        models = [m for m in dict.fromkeys(MODEL_CODE.findall(before)) if known(m)][
            :2
        ]  # products, not tier names
        if not models and SWITCHED.search(before):
            break  # «算了换个型号»: what came before it is not this need's
        if not counted and not units:
            units = UNITS.findall(before)[:1]
        if models or len(str(h["text"]).strip()) > FRAGMENT_CHARS:
            break
    if not models:
        return text
    return f"{text} 〔上文：{' '.join(models + [u.replace(' ', '') for u in units])}〕"


# an amount asked, in the words of a quote («单价和总价报一下», "unit price and total"): a turn that asked one
PRICE_ASK = re.compile(
    r"单价|总价|报价|报个价|报一下价|\bquote\b|unit price|per[- ](?:unit|car|vehicle)|\btotal\b",
    re.IGNORECASE,
)


def pending_quote(
    history: list[dict[str, Any]],
    crm: CrmRecord,
    nouns: tuple[str, ...] = (),
    asked: Callable[[str], bool] | None = None,
) -> bool:
    """The customer's turn before this one asked what a count of a product costs, and nobody has answered since (no
    rep turn and no decision on the card after it): the customer sent two messages before any reply, so the reply
    answers both — the quote is still asked («K9再要8台，单价和总价报一下» / «还有，补贴最晚哪天下单？»).
    `asked`: the tenant's needs asking a quoting tool of that text."""
    for h in reversed(history):
        role = h.get("role")
        if role in ("rep", "decision"):
            return False  # answered
        if role != "customer" or not str(h.get("text") or "").strip():
            continue
        said = asks_text(str(h["text"]))
        if asks_price(said, crm, nouns):
            return True
        counted = asked_units(english_counts(said, nouns=nouns))
        return bool(
            counted
            and crm.priced_model_in(said)
            and (PRICE_ASK.search(said) or (asked is not None and asked(said)))
        )
    return False


def follow_up_subject(text: str, history: list[dict[str, Any]]) -> str:
    """The customer's previous turn, when this one is a short follow-up (≤ 40 characters) that names no product code:
    what its needs' subject words may be read from; "" otherwise."""
    if MODEL_CODE.search(text) or len(text) > 40:
        return ""
    last = next(
        (h for h in reversed(history) if h.get("role") == "customer" and str(h.get("text") or "").strip()),
        None,
    )
    return str(last["text"]) if last is not None else ""


FILLER = set("您的我们是了吗呢吧啊这那有在")


def _about_message(statement: str, text: str, least: int = 1) -> bool:
    """A computed statement shares (at least `least`) two-character words with the customer's message (保修, 折扣,
    套餐 …)."""

    def pairs(t: str) -> set[str]:
        return {
            t[i : i + 2]
            for i in range(len(t) - 1)
            if "\u4e00" <= t[i] <= "\u9fff"
            and "\u4e00" <= t[i + 1] <= "\u9fff"
            and not FILLER & {t[i], t[i + 1]}
        }

    return len(pairs(statement) & pairs(text)) >= least


def retrieved_docs(evidence: list[Evidence]) -> list[str]:
    """The policy documents retrieval brought for this message, best first (by their best clause's score)."""
    clauses = [e for e in evidence if e.kind is EvidenceKind.POLICY_CLAUSE and (e.score or 0.0) > 0.0]
    out: list[str] = []
    for e in sorted(clauses, key=lambda e: -(e.score or 0.0)):
        doc = e.source_ids.get("doc_id", "")
        if doc and doc not in out:
            out.append(doc)
    return out


TOOL_SYSTEM = (
    "You choose the computation tools that answer a customer's message to a sales rep. Call every tool that "
    "applies, with arguments copied only from the message (never invent a figure). Do not write an answer."
)


def _tool_calling(deps: Any) -> bool:
    """Off by default (ModeSettings.llm_tool_calling): one more LLM round per message is slow on a small CPU."""
    settings = deps.settings
    llm = deps.llm
    return bool(
        getattr(settings, "llm_tool_calling", False)
        and settings.use_llm
        and llm is not None
        and getattr(llm, "supports_tools", False)
        and callable(getattr(llm, "call_tools", None))
    )


def _llm_tool_results(deps: Any, specs: list[ToolSpec], ctx: ToolContext) -> tuple[list[Result], str]:
    """The tools the LLM calls for this message (the same typed tools, the same code), and a flag saying how it went;
    a backend that fails or times out adds nothing (the tools.yaml results stand alone)."""
    messages = [{"role": "system", "content": TOOL_SYSTEM}, {"role": "user", "content": ctx.text}]
    try:
        reply = deps.llm.call_tools(
            messages, function_tools.schemas(specs), timeout_s=deps.settings.llm_timeout_s
        )
    except BackendUnavailable as exc:
        return [], f"llm_tools_unavailable:{exc.reason or 'error'}"
    results = function_tools.run_calls(reply.calls, specs, ctx)
    return results, f"llm_tools_called:{len(reply.calls)}"


RECORD_TOOLS = ("crm_record", "record_count")
# how much something costs, asked (the amount, not a count: "几台" asks how many)
AMOUNT_ASK = re.compile(
    r"多少(?!台|辆|次|天|年|个月|公里|km)|几多钱|啥价|什么价|何价|how much|what(?:'s| is| would be)? the (?:price|cost)",
    re.IGNORECASE,
)


# a count ordered, not had: a verb of ordering right before it («K9也来5台», «再添5台», «订8台»), no word of the past in
# its clause («上个月来了5台», «去年订了8台» are what they have)
_ORDERED = re.compile(r"(?:来|要|订|定|添|采购|下单|买)\s*(?:上|个)?\s*$")
_PAST = re.compile(r"了|去年|上次|之前|已经|上个月|前年")


def asks_price(text: str, crm: CrmRecord, nouns: tuple[str, ...] = ()) -> bool:
    """The message asks what something costs (an amount question) for a product the CRM prices, in a count of units:
    a quote is asked, however it is worded ("一台到手多少，总共多少") — or it orders a count of it («要是能的话K9也来5台»:
    what that order costs is the answer the rep gives)."""
    said = english_counts(
        text, nouns=nouns
    )  # the count's positions are in this text ("another 3 K9s" → "…3台K9…")
    counted = asked_units(said)
    if not (counted and crm.priced_model_in(text)):
        return False
    if not AMOUNT_ASK.search(text):
        clause = re.split(r"[，。！？；,!?;\n]", said[: counted.start()])[-1]
        if not _ORDERED.search(said[max(0, counted.start() - 4) : counted.start()]) or _PAST.search(clause):
            return False
    return not _counts_owned(said, counted, crm)


# a count said to be more than they have (a closed class of additive adverbs and their verbs): 再补6台, 另外加10台
_MORE = re.compile(
    r"(?:再|还|另外?|加|补|多)(?:订|买|补|来|要|提|加|采购)?\s*$|\b(?:another|more|additional|extra)\s*$",
    re.IGNORECASE,
)
_MORE_EN = re.compile(r"\b(?:another|more|additional|extra)\s+\d+\s+[\w-]+\s*$", re.IGNORECASE)


def _counts_owned(text: str, counted: re.Match[str], crm: CrmRecord) -> bool:
    """The count names units the customer has or has ordered: said with a demonstrative ("订的那6台", "我们这12台"), or
    as many of the counted model as one of their deliveries, or as all they hold of it. Then the amount asked is about
    those (a refund, a trade-in), not a quote."""
    before = text[max(0, counted.start() - 12) : counted.start()]
    # an English count is read into "（3台K9）" right after the words that said it ("another 3 K9s")
    english = text[: counted.start() - 1] if text[counted.start() - 1 : counted.start()] == "（" else ""
    if _MORE.search(before) or _MORE_EN.search(english[-40:]):
        return False  # "再补6台", "另外加10台", "another 6": new units, however many of a batch they match
    if re.search(r"[那这][一两几]?\s*$", before[-3:]):
        return True  # "订的那6台", "我们这12台": units already ordered or held, not a quote asked
    model = crm.priced_model_in(text[counted.end() : counted.end() + 8]) or crm.priced_model_in(text)
    held = [d for d in crm.all_devices() if model and model in str(d.get("name", ""))]
    batches = Counter(str(d.get("installed_at", ""))[:10] for d in held)
    n = int(counted.group(1))
    return bool(held) and (n == len(held) or n in batches.values())


def _quotes(spec: ToolSpec) -> bool:
    """A tool that quotes a CRM-priced product by the customer's tier (not a price-table row such as a package)."""
    return spec.tool == "volume_tier" and spec.quote and spec.price_row is None


def _quoting(spec: ToolSpec, priced: bool) -> ToolSpec:
    """A quoting tool runs without its word gates when a price is asked (asks_price)."""
    if not (priced and _quotes(spec) and spec.when_words):
        return spec
    return spec.model_copy(update={"when_words": []})


def _source_of(spec: ToolSpec) -> tuple[str, str]:
    """What a tool reads: its CRM records (a record tool) or its policy document."""
    return (spec.tool, spec.records) if spec.tool in RECORD_TOOLS else ("doc", spec.doc)


def _same_matter(own: list[ToolSpec], asked: list[ToolSpec]) -> bool:
    """Some tool the message asks for reads what one of the intent's own tools reads."""
    mine = {_source_of(s) for s in own if s.doc or s.tool in RECORD_TOOLS}
    return any(_source_of(s) in mine for s in asked if s.doc or s.tool in RECORD_TOOLS)


def _named_offer_tools(config: ToolsConfig, specs: list[ToolSpec], ctx: ToolContext) -> list[ToolSpec]:
    """The offer tables' tools (scope_rows with name columns) not running yet whose row the message names as the table
    writes it (活动名称, 活动编号): ungated, once each."""
    # running already (no gate, or its gate met): nothing to add
    running = {
        s.id
        for s in specs
        if not (s.when_entities and not any(ctx.entities.get(k) for k in s.when_entities))
        and not (s.when_words and not words_hit(s.when_words, ctx.text))
    }
    out: list[ToolSpec] = []
    for spec in [t for ts in config.intents.values() for t in ts] + list(config.any_intent):
        if spec.tool != "scope_rows" or not spec.name_columns or spec.id in running:
            continue
        running.add(spec.id)
        found = governing_rows(ctx, spec)
        if not isinstance(found, CannotCompute) and rows_named_exactly(found[1], spec.name_columns, ctx.text):
            out.append(spec.model_copy(update={"when_words": [], "when_entities": [], "say_when_words": []}))
    return out


def _ungated(spec: ToolSpec, asked: list[str]) -> ToolSpec:
    """A tool a need of this message asks for runs without its own word gates (and is told)."""
    if spec.id not in asked or not (spec.when_words or spec.say_when_words):
        return spec
    return spec.model_copy(update={"when_words": [], "say_when_words": []})


def _called_by_llm(ev: Evidence, by_llm: bool) -> Evidence:
    if not by_llm:
        return ev
    return ev.model_copy(update={"lineage": {**ev.lineage, "called_by": "llm"}})


def _fallback(ev: Evidence, fallback: bool) -> Evidence:
    """Mark a fact computed by another intent's tool (lineage.fallback): the draft never says it just to say something."""
    if not fallback:
        return ev
    return ev.model_copy(update={"lineage": {**ev.lineage, "fallback": True}})


def _asked(ev: Evidence, asked: bool, words: list[str] | None = None) -> Evidence:
    """Mark a fact a need of the message asked for (lineage.asked): it is about the message, whatever words it uses
    (an offer on 滤芯 for "滤网该换了"); lineage.asked_by keeps the message's words that asked (the draft tells an offer
    asked about from one that a word of another answer triggered)."""
    if not asked:
        return ev
    extra = {"asked_by": list(words)} if words else {}
    return ev.model_copy(update={"lineage": {**ev.lineage, "asked": True, **extra}})


def _thin_message_scope(crm: CrmRecord, ctx: ToolContext) -> frozenset[str] | None:
    """A picture that names no vehicle ("[图片] 还能开吗"): the customer's one asset with a fault on record (codes the
    CRM holds, or an open ticket) is what it shows, for every tool (its term, its ticket). A short text question
    ("保修到啥时候？") is about what it asks, not about that asset."""
    if not PICTURE.search(ctx.text):
        return None
    try:
        crm.device(ctx.hints(), ctx.text)
        return None  # the message names one: the tools find it themselves
    except MissingField:
        pass
    ticketed = {str(t.get("device_id")) for t in crm.crm.get("open_tickets") or [] if t.get("device_id")}
    faulty = {
        str(d.get("id"))
        for d in crm.all_devices()
        if d.get("x_fault_codes") or d.get("fault_codes") or str(d.get("id")) in ticketed
    }
    return frozenset(faulty) if len(faulty) == 1 else None


def _brief_terms(spec: ToolSpec, out: list[Result], today: date) -> list[Result] | None:
    """One asset's term said in one short clause (the customer did not ask about it, yet it says whether the repair is
    covered): "这台设备目前在质保期内（至2027年3月25日）" / "这台设备的质保已于…到期". None when the tool stated
    several terms (a fleet's batches) or no date: then the customer hears nothing of it."""
    terms = [r for r in out if isinstance(r, Computed) and r.unit == "date"]
    if len(terms) != 1:
        return None
    try:
        end = date.fromisoformat(terms[0].output)
    except ValueError:
        return None
    label = spec.label or "质保"
    said = dates.zh_date(end)
    brief = f"这台车目前在{label}期内，至{said}" if end >= today else f"这台车的{label}已于{said}到期"
    if "已过保" in terms[0].statement and end >= today:  # ended by mileage first
        brief = f"这台车的{label}已按里程到期"
    return [
        replace(terms[0], say=brief) if r is terms[0] else r
        for r in out
        if not isinstance(r, Computed) or r is terms[0]
    ]


def _beside(ev: Evidence, alongside: bool) -> Evidence:
    """Mark a fact said beside the answer it qualifies (lineage.alongside): an exclusion never stands in for the term."""
    if not alongside:
        return ev
    return ev.model_copy(update={"lineage": {**ev.lineage, "alongside": True}})


def _told(ev: Evidence, to_customer: bool) -> Evidence:
    """Mark a computed fact the draft keeps for the rep only (lineage.to_customer = False)."""
    if to_customer:
        return ev
    return ev.model_copy(update={"lineage": {**ev.lineage, "to_customer": False}})


RATE_TOOLS = ("volume_tier", "tier_rate")


def _percent(value: str) -> float | None:
    try:
        return float(value.strip().rstrip("%").strip())
    except ValueError:
        return None


def _tier_rate_is_not_an_ask(results: list[Result]) -> list[Result]:
    """A rate the customer quotes that is the tier rate this customer already qualifies for (a quote showing "F2 5%")
    is the policy's own discount, not an extra discount to approve: the authority check does not apply to it."""
    rates = {
        _percent(r.output)
        for r in results
        if isinstance(r, Computed) and r.tool in RATE_TOOLS and r.unit == "%"
    }
    rates.discard(None)
    out: list[Result] = []
    for r in results:
        asked = (
            next((i.value for i in r.inputs if i.ref.endswith("requested_discount")), "")
            if isinstance(r, Computed)
            else ""
        )
        if isinstance(r, Computed) and r.tool == AUTHORITY_TOOL and asked and _percent(asked) in rates:
            out.append(
                CannotCompute(r.tool, r.name, f"客户提到的{asked}是其已享的阶梯折扣，不是追加折扣", r.source)
            )
            continue
        out.append(r)
    return out


def _list_net_only_alone(results: list[Result]) -> list[Result]:
    """A granted discount's price off the list price ("折后 221,284 元") is what the customer hears only when no other
    saving applies to the price (an offer's cut, a subsidy): beside "立减后 217,800 元" it would read as the price
    going up. The rep's statement keeps it; the customer hears the grant without it."""
    if not any(isinstance(r, Computed) and r.saving is not None for r in results):
        return results
    return [
        replace(r, say_head="", say_head_en="")
        if isinstance(r, Computed) and r.tool == AUTHORITY_TOOL and r.output == "within" and r.say_head
        else r
        for r in results
    ]


def _order_approval_decides(results: list[Result], terms_en: dict[str, str]) -> list[Result]:
    """An order that needs someone's approval for its amount (a rule "whatever the discount": an order over a sum)
    takes every discount on it there too: a discount asked on that order is not the rep's to grant, however small
    (the authority rung said "within"). The check then says who approves, as an over-the-limit one does; "在我的权限内"
    beside "须报…审批" would contradict itself."""
    order = next(
        (r for r in results if isinstance(r, Computed) and r.tool != AUTHORITY_TOOL and r.needs_approval),
        None,
    )
    if order is None:
        return results
    approver = order.needs_approval
    out: list[Result] = []
    for r in results:
        if isinstance(r, Computed) and r.tool == AUTHORITY_TOOL and r.output == "within":
            asked = next((i.value for i in r.inputs if i.ref.endswith("requested_discount")), r.subject)
            head, head_en = f"您提到的{asked}", f"The {r.subject} discount you asked for"
            r = replace(
                r,
                output=approver,
                unit="text",
                statement=f"{r.statement}；但这笔订单须由{approver}审批，追加的{r.subject}随整单报批",
                statement_en=f"{r.statement_en}; the order as a whole needs approval by {role_en(approver, terms_en)}",
                needs_approval=approver,
                next_step=f"提交{approver}审批",
                say=f"{head}随整单需要{approver}审批",
                say_en=f"{head_en} needs approval by {role_en(approver, terms_en)} with the order",
                say_head=head,
                say_head_en=head_en,
            )
        out.append(r)
    return out


COVERAGE = ("covered", "ended")


def _part_decides_coverage(results: list[Result], spec_of: dict[int, ToolSpec]) -> list[Result]:
    """Who pays for a part is decided by the part's own term (a battery's 12 months), not by the whole asset's: when a
    term for a named part (`term:` in tools.yaml) said who pays, the whole asset's who-pays sentence ("目前仍在整机
    保修期内…免费维修或更换零部件") is dropped — both in one draft read as a contradiction. The asset's term itself
    stays (its date is still true)."""

    def coverage(r: Result) -> bool:
        return isinstance(r, Computed) and r.tool == "term_end" and r.output in COVERAGE

    parts = [r for r in results if coverage(r) and (spec := spec_of.get(id(r))) is not None and spec.term]
    if not parts:
        return results
    return [
        r for r in results if not (coverage(r) and (spec := spec_of.get(id(r))) is not None and not spec.term)
    ]


def _term_ended(r: Result, today: date) -> bool:
    """A term_end fact whose term is over: its end day is past, or its mileage ran out first (terms.py says 已过保)."""
    if not (isinstance(r, Computed) and r.tool == "term_end" and r.unit == "date"):
        return False
    try:
        end = date.fromisoformat(r.output)
    except ValueError:
        return False
    return end < today or "已过保" in r.statement


def _clause_source(source: Source, clause: str, spec: ToolSpec, ctx: ToolContext | None) -> Source:
    """`source` relabelled to `clause` of the same document, with that clause's own evidence: a sentence labelled
    第六条 never carries the row of 第三条 it was computed from (without the clause's evidence: no evidence at all)."""
    if not clause or clause == source.clause:
        return source
    if ctx is not None:
        found = governing_clause(
            ctx, spec.model_copy(update={"clause": clause, "doc": source.doc_id or spec.doc})
        )
        if not isinstance(found, CannotCompute):
            return found[2]
    return replace(source, clause=clause, row="", evidence_id="")


def _offer_after_its_term(
    results: list[Result],
    spec_of: dict[int, ToolSpec],
    today: date,
    asked: set[int] | None = None,
    tool_of: dict[int, str] | None = None,
    ctx: ToolContext | None = None,
) -> list[Result]:
    """An offer open only while a term runs (tools.yaml `while_term`), when that term has ended for every asset it
    was computed for: the answer is the end date, then that the offer can no longer be taken — never its price first
    (a price for something the customer cannot buy reads as a pitch). The offer's fact becomes the tenant's sentence,
    said right after the term."""
    out = list(results)
    for r in results:
        spec = spec_of.get(id(r))
        if not (isinstance(r, Computed) and spec is not None and spec.while_term is not None):
            continue
        cfg = spec.while_term
        terms = [t for t in out if isinstance(t, Computed) and t.name == cfg.term and t.tool == "term_end"]
        if not terms or not all(_term_ended(t, today) for t in terms):
            continue
        source = _clause_source(r.source, cfg.clause, spec, ctx)  # the answer cites the clause it says
        closed = replace(
            r,
            output="closed",
            unit="text",
            statement=cfg.template,
            statement_en=cfg.template_en,
            say="",
            say_en="",
            slots=(),
            source=source,
            quote=None,
        )
        spec_of[id(closed)] = spec
        if (
            asked is not None and id(r) in asked
        ):  # still the answer to what the message asked, after the term's end
            asked |= {id(closed), *(id(t) for t in terms)}
            if tool_of is not None and id(r) in tool_of:
                tool_of[id(closed)] = tool_of[id(r)]
        out.remove(r)
        out.insert(out.index(terms[-1]) + 1, closed)
    return out


OPTION_TOOL = "option_difference"


def _option_fact(r: Computed, option: Option, results: list[Result]) -> Computed:
    """An option's fact said as what differs from the answer already given by the same tool: the leading parts the
    answer says already (the tier, the offer's row) are not repeated; the option is named first («按20台：…»).
    Its subject names the option (its own evidence)."""
    same = [m for m in results if isinstance(m, Computed) and m.name == r.name and m.statement != r.statement]
    if not same:
        return replace(r, subject=f"{r.subject}#{option.label}")
    head = {
        "count": f"按{option.label}：",
        "added": f"新增的{option.label}：",
        "day": f"若{option.label}下单：" if not option.label.isascii() else f"若{option.label}：",
    }.get(option.kind, "")
    if option.kind in ("count", "day") and (r.quote is not None or "合计" in r.statement):
        brief = _brief_quote(r, head, f"if ordered {option.label}: " if option.kind == "day" else "")
        if brief is not None:
            return replace(
                r,
                statement=brief[0],
                statement_en=brief[1],
                say="",
                slots=tuple(x for x in r.slots if x in brief[0]) or r.slots,
                subject=f"{r.subject}#{option.label}",
            )

    def trimmed(text: str, sep: str, said: list[str]) -> str:
        parts = text.split(sep)
        while len(parts) > 1 and any(parts[0] in m for m in said):
            parts = parts[1:]
        return sep.join(parts)

    statement = head + trimmed(r.statement, "；", [m.statement for m in same])
    say = head + trimmed(r.say, "；", [m.say or m.statement for m in same]) if r.say else ""
    head_en = {
        "count": f"for {option.label[:-1]} units: ",
        "added": f"for the {option.label[:-1]} added: ",
        "day": f"if ordered {option.label}: "
        if option.label.isascii()
        else f"if ordered on {option.label}: ",
    }.get(option.kind, "")
    en = head_en + trimmed(r.statement_en, "; ", [m.statement_en for m in same]) if r.statement_en else ""
    return replace(
        r,
        statement=statement,
        statement_en=en,
        say=say,
        slots=tuple(x for x in r.slots if x in statement) or r.slots,
        subject=f"{r.subject}#{option.label}",
    )


_TOTAL_SAID = re.compile(r"合计\s*([\d,]+)\s*元")
_UNIT_SAID = re.compile(r"(?:单价|指导价)\s*([\d,]+)\s*元")
_COUNT_TOTAL = re.compile(r"(\d+)\s*台合计\s*([\d,]+)\s*元")


def _brief_quote(r: Computed, head: str, head_en: str = "") -> tuple[str, str] | None:
    """A quote at another count said briefly: the unit price it comes to (after every offer stacked), the total, and
    the order's approval when its size needs one («按27台：单价 117,180 元，27 台合计 3,163,860 元；订单金额…须报…审批»)."""
    units, totals = _UNIT_SAID.findall(r.statement), _COUNT_TOTAL.findall(r.statement)
    if not units or not totals:
        return None
    model = f"{r.quote[0]} " if r.quote is not None else ""
    said = f"{head}{model}单价 {units[-1]} 元，{totals[-1][0]} 台合计 {totals[-1][1]} 元"
    approval = [p for p in r.statement.split("；") if "审批" in p and "须" in p and "如" not in p[:2]]
    n, total = totals[-1]
    en = f"{head_en or f'for {n} units: '}CNY {units[-1]} per unit, {n} units CNY {total} in total"
    return said + (f"；{approval[-1]}" if approval else ""), en


def _option_ctx(ctx: ToolContext, option: Option) -> ToolContext:
    """The tools' context for one option: its text, and the models the message names that this text still names."""
    entities = dict(ctx.entities)
    if (
        option.kind == "model"
    ):  # the model of this option is the one asked about (the other may be the traded car)
        entities["product_model"] = [m for m in entities.get("product_model", []) if option.label in m] or [
            option.label
        ]
    # a count option is said as the count to work by too («（按12台）»): a count the tools read again from the
    # message's own words (an English "10 Z5s" the context re-reads) does not stand in for it
    text = option.text + (f"（按{option.label}）" if option.kind in ("count", "added") else "")
    # the option is priced under the main quote's conditions: the day the message orders on (an offer ending before
    # it does not apply) stays the option's order day, though the words cut for the option («明年再买10台») held it
    # (a day option is that other day)
    day = dates.proposed_day(ctx.text, ctx.today) if option.kind != "day" else None
    if day is not None and dates.proposed_day(text, ctx.today) != day:
        text += f" (to order {day[0]})" if day[0].isascii() else f"（{day[0]}下单）"
    return replace(ctx, text=text, entities=entities)


def option_results(
    specs: list[ToolSpec], ctx: ToolContext, results: list[Result], told: set[str] | None = None
) -> list[Result]:
    """The message weighs options of its own (options.py): the tools that answered it run again for each option,
    on the message as if it named that option alone, and what they compute that was not said yet is added (each
    fact's subject names its option). Counts: the quoting tools that quoted (the order's total at each count) and,
    for the units added to an order, the per-unit amounts (the deposit of those units); models: every tool, and the
    final price of each model. With two counts quoted and a difference asked, the difference of the two totals."""
    said = {r.statement for r in results if isinstance(r, Computed)}
    answered = {r.name for r in results if isinstance(r, Computed)}
    priced_tools = {
        r.name for r in results if isinstance(r, Computed) and (r.quote is not None or r.listed is not None)
    }
    # a quote of a count (at the tier's price, or at the list price below every tier)
    quoted = {
        r.name
        for r in results
        if isinstance(r, Computed)
        and r.tool == "volume_tier"
        and (r.quote is not None or "合计" in r.statement)
    }
    options = count_options(ctx.text) if quoted else []
    if not options and (AMOUNT_ASK.search(ctx.text) or PRICE_ASK.search(ctx.text) or final_asked(ctx)):
        options = model_options(ctx.text, lambda code: bool(ctx.crm.priced_model_in(code)))
    # «元旦前…要是拖到元旦以后再签», «12月31号之前…假如1月5号才下单»: an order day weighed as a what-if beside the one
    # said plainly (or today), priced on that day too — when something was priced for the message
    if not options and any(
        isinstance(r, Computed) and (r.quote is not None or r.listed is not None) for r in results
    ):
        options = [Option(words, said, "day") for words, said in dates.what_if_days(ctx.text, ctx.today)]
    out: list[Result] = []
    totals: list[tuple[str, str, Computed]] = []
    for option in options:
        octx = _option_ctx(ctx, option)
        if option.kind == "count":
            run = [s.model_copy(update={"when_words": []}) for s in specs if _quotes(s) and s.id in quoted]
        elif option.kind == "day":
            # the tools that priced or checked an offer for the message, on the what-if day
            run = [
                s.model_copy(update={"when_words": []})
                for s in specs
                if s.tool != AUTHORITY_TOOL and (s.id in quoted or s.id in priced_tools)
            ]
        elif option.kind == "added":
            run = [s for s in specs if s.tool == "unit_amount" and s.id in answered]
        else:
            # the tools whose answers the customer was told (a trade-in subsidy nobody asked about is not priced in)
            run = [s for s in specs if s.tool != AUTHORITY_TOOL and (told is None or s.id in told)]
        got: list[Result] = [r for s in run for r in run_tool(s, octx) if isinstance(r, Computed)]
        if option.kind == "model":
            got = final_price(got, octx, {}) + got
            got = [r for r in got if isinstance(r, Computed) and option.label in r.statement]
        elif option.kind == "day":
            got = [r for r in final_price(got, octx, {}) + got if isinstance(r, Computed)]
        for r in got:
            if not isinstance(r, Computed):
                continue
            if option.kind == "count" and r.quote is not None and (t := _TOTAL_SAID.findall(r.statement)):
                totals.append((option.label, t[-1], r))
            if r.statement in said:
                continue
            said.add(r.statement)
            out.append(_option_fact(r, option, results))
    if len(totals) >= 2 and asks_difference(ctx.text):
        (la, ta, ra), (lb, tb, _) = totals[0], totals[1]
        a, b = Decimal(ta.replace(",", "")), Decimal(tb.replace(",", ""))
        diff = _yuan_plain(abs(a - b))
        out.append(
            Computed(
                OPTION_TOOL,
                ra.name,
                str(abs(a - b)),
                "元",
                f"{la}与{lb}两种方案总价相差 {diff} 元（{ta} 元与 {tb} 元）",
                (diff,),
                (
                    Input("message", "message.options", f"{la}/{lb}"),
                    Input("field", "option.total", ta),
                    Input("field", "option.total", tb),
                ),
                ra.source,
                subject=f"{la}/{lb}",
                statement_en=f"the two options differ by CNY {diff} in total (CNY {ta} and CNY {tb})",
            )
        )
    return out
