"""Sums the customer asks for across tools: "换新补贴加上冬季直降，一共能少多少" adds the per-unit savings two tools computed,
only when the governing policies say they stack (a sentence naming the other offer with 同享 / 叠加 and no 不). A sum the
policies do not allow, or do not speak to, is "can't compute" with the reason, never a guessed total."""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import combinations

from agents.reasoning import money
from agents.reasoning.base import ToolContext, _yuan_plain
from agents.reasoning.config import ToolSpec
from agents.reasoning.english import role_en
from agents.reasoning.results import CannotCompute, Computed, Input, Result, Saving, Source

# the customer asks for one figure over several savings
SUM_WORDS = re.compile(
    r"加起来|加在一起|一共|总共|合计|共计|总计|一起能|共能|in total|(?<![A-Za-z])total(?![A-Za-z])|altogether|combined|all together",
    re.IGNORECASE,
)
STACK_WORDS = re.compile(r"同享|叠加|同时享受|一并享受")
NOT_WORDS = re.compile(r"不得|不可|不能|不与|不适用|不予")
TOOL = "sum_savings"
NAME = "savings_total"


def _stacking_rule(ctx: ToolContext, a: Computed, b: Computed) -> tuple[bool, Source, str] | None:
    """The sentence of either fact's governing version that names the other saving with 同享/叠加: (allowed, its
    clause, the sentence); None when neither document speaks to it."""
    for own, other in ((a, b), (b, a)):
        src = own.source
        if not src.doc_id or other.saving is None:
            continue
        for clause in ctx.facts.clauses(src.doc_id, src.version):
            for sentence in re.split(r"[。；;，,]", clause.text):  # "可与A同享，不得与B同享": each part alone
                if STACK_WORDS.search(sentence) and any(n and n in sentence for n in other.saving.names):
                    where = Source(src.doc_id, src.version, src.title, clause.clause, "", clause.evidence_id)
                    return not NOT_WORDS.search(sentence), where, sentence.strip()
    return None


def _label_en(saving: Saving) -> str:
    """A saving named for an English reader: by its code when it has one ("PR-2605 offer"), else its label (the
    draft's tenant wording translates it)."""
    code = next((n for n in saving.names if n.isascii() and re.search(r"\d", n)), "")
    return f"{code} offer" if code else saving.label


def sum_savings(results: list[Result], ctx: ToolContext, evidence_id: dict[int, str]) -> list[Result]:
    """One total per unit of the savings computed for this message, when the message asks for a sum ("一共能少多少") and
    two tools each computed one; `evidence_id` maps a result (by id()) to its COMPUTED_FACT evidence id."""
    if not SUM_WORDS.search(ctx.text):
        return []
    savings = [r for r in results if isinstance(r, Computed) and r.saving is not None]
    by_tool: dict[str, Computed] = {}
    kinds: set[str] = set()
    for r in savings:
        # one kind of saving counts once: two trade-in subsidies (another maker's cars, the customer's own batch)
        # are alternatives for different cars, never one car's stacked savings
        if r.name not in by_tool and r.saving is not None and r.saving.label not in kinds:
            by_tool[r.name] = r
            kinds.add(r.saving.label)
    if len(by_tool) < 2:
        return []
    for a, b in combinations(list(by_tool.values())[:2], 2):
        assert a.saving is not None and b.saving is not None
        rule = _stacking_rule(ctx, a, b)
        if rule is None:
            return [
                CannotCompute(TOOL, NAME, f"政策没有写明{a.saving.label}与{b.saving.label}可以同享，不能相加")
            ]
        allowed, where, sentence = rule
        if not allowed:
            return [CannotCompute(TOOL, NAME, f"{where.label()}：{sentence}", where)]
        x, y = Decimal(a.saving.amount), Decimal(b.saving.amount)
        total = money.rounded(x + y, "0.01")
        statement = (
            f"{a.saving.label} {_yuan_plain(x)} 元与{b.saving.label} {_yuan_plain(y)} 元可以同享，"
            f"合计每台可少 {_yuan_plain(total)} 元"
        )
        en = (
            f"the {_label_en(a.saving)} of CNY {_yuan_plain(x)} and the {_label_en(b.saving)} of CNY "
            f"{_yuan_plain(y)} stack: CNY {_yuan_plain(total)} off per unit in total"
        )
        inputs = (
            Input("evidence", evidence_id.get(id(a), ""), _yuan_plain(x)),
            Input("evidence", evidence_id.get(id(b), ""), _yuan_plain(y)),
            Input("policy", where.evidence_id, sentence),
        )
        return [
            Computed(
                TOOL,
                NAME,
                str(total),
                "元",
                statement,
                (_yuan_plain(total),),
                inputs,
                where,
                subject=f"{a.name}+{b.name}",
                statement_en=en,
            )
        ]
    return []


# the price the customer ends up paying, asked ("到手多少", "落地价", "最后多少钱", "埋单几多钱", "the final price")
FINAL_ASKED = re.compile(
    r"到手|落地|最后(?:多少|价|要|得|是)|最终(?:多少|价|要)|埋单|成交价|实付|一共(?:要|得)?付|"
    # the price left once the savings are taken off, the model between («补完K2大概多少钱», «最后X7多少钱拿下»)
    r"(?:补完|减完|扣完|抵完|算下来|最后|最终)[^，。？?！!；;]{0,6}?(?:多少|几多|啥价|什么价)|"
    # the savings named between («扣掉补贴和立减各要付多少», «扣完补贴和活动分别多少钱»)
    r"(?:扣掉|扣完|扣除|减掉|减去|抵掉)[^，。？?！!；;]{0,10}?(?:多少|几多|啥价|什么价|要付|得付)|"
    # the price with the savings counted in («活动一起算的话新车要多少钱», «计埋优惠要几多钱»), the lowest it can go
    # («你这边最低能给到多少»)
    r"(?:加上|算上|一起算|计埋|算埋|连同)[^，。？?！!；;]{0,12}?(?:多少|几多|几钱|啥价|什么价)|"
    r"最低(?:能|可以)?(?:给|做|卖|算|到|报)[^，。？?！!；;]{0,6}?(?:多少|几多|几钱|啥价|什么价)|"
    r"\blowest\b[^.?!]{0,30}?\b(?:price|do|go|offer)\b|"
    r"\b(?:cost|pay)\b[^.?!]{0,30}?\bafter\b[^.?!]{0,25}?\b(?:offers?|discounts?|subsid(?:y|ies)|promotions?|savings?|deals?)\b|"
    r"final price|out[- ]the[- ]door|bottom line|(?:pay|cost)\s+(?:me\s+)?in the end|all in all",
    re.IGNORECASE,
)
# … or the price of the model bought, asked in the clause that names it while savings were computed for it («加上活动，
# K2这边要付多少», «补贴完X7多少钱», "what would the X7 cost me after the offer"): what the customer pays for that model
PRICE_OF = re.compile(
    r"付|多少钱|几多钱|价格|啥价|什么价|how much|(?<![A-Za-z])(?:cost|pay|paying|price)(?![A-Za-z])", re.I
)
CLAUSE = re.compile(r"[，,。？?！!；;\n]|\.(?:\s|$)")
# the customer's own working of what they pay, put to the rep to check («159800-5000-6000=148800，对吧»,
# «指导价159800减5000再减6000，等于148800», "159,800 - 5,000 - 6,000 = 148,800"): amounts taken off or added, then
# the result — the price paid is what is asked (the computed one says whether their figure is right)
_AMOUNT = r"\d[\d,]*(?:\.\d+)?\s*(?:万|w|元|块)?"
_OPERATOR = r"\s*(?:[-−–—+＋－]|再?减去?|再?扣(?:掉|除)?|再?加上?|\bminus\b|\bless\b|\bplus\b)\s*"
_EQUALS = r"\s*[，,]?\s*(?:[=＝]|等于|就是|\bequals\b|\bcomes to\b|\bthat'?s\b)\s*"
OWN_WORKING = re.compile(
    r"(?<![\d-])"
    + _AMOUNT
    + r"(?:"
    + _OPERATOR
    + _AMOUNT
    + r"){1,5}"
    + _EQUALS
    + r"(?:约|大概)?\s*"
    + _AMOUNT,
    re.IGNORECASE,
)
FINAL_TOOL, FINAL_NAME = "final_price", "final_price"


def final_asked(ctx: ToolContext) -> bool:
    """The message asks for the price paid: in words (FINAL_ASKED), as its own working to check (OWN_WORKING), or as
    the price of a model the CRM prices, in the clause naming that model (PRICE_OF)."""
    if FINAL_ASKED.search(ctx.text) or OWN_WORKING.search(ctx.text):
        return True
    from agents.reasoning.base import priced_models

    models = priced_models(ctx)
    return any(
        PRICE_OF.search(clause) and any(m in clause for m in models) for clause in CLAUSE.split(ctx.text)
    )


CLAUSE_NO = re.compile(
    r"^第[一二三四五六七八九十百]+条\s*"
)  # the sentence's own clause number (said by the label)


def _ceiling_asked(results: list[Result]) -> bool:
    """The most the rep may grant was asked beside a figure that needs approval («让不了的话你最多能让多少»): the
    authority check carries the ceiling as a saving, and the price it makes with the offers it stacks with is the
    answer (the figure asked is said as needing approval)."""
    return any(
        isinstance(r, Computed) and r.tool == "authority" and r.needs_approval and r.saving is not None
        for r in results
    )


def final_price(results: list[Result], ctx: ToolContext, evidence_id: dict[int, str]) -> list[Result]:
    """ "旧机补贴加年末直降，落地多少": an offer's model at its list price less the offer's cut and every other saving
    computed for this message that the governing policy lets stack with the offer (its 同享 sentence names it: a
    trade-in subsidy, the discount within the rep's own authority). Only when the message asks for the price paid and
    at least one other saving stacks (the offer's own price after its cut is said already); a saving the policy does
    not speak to, or forbids, is left out and said so."""
    if not final_asked(ctx) and not _ceiling_asked(results):
        return []
    offer = next(
        (r for r in results if isinstance(r, Computed) and r.listed is not None and r.saving is not None),
        None,
    )
    if offer is None or offer.listed is None or offer.saving is None:
        return _final_without_offer(results, ctx, evidence_id)
    model, list_text, list_ev = offer.listed
    bought = _bought(ctx)
    if bought is not None and bought != model:
        # «我部K3…想换部X7»: the offer's line priced the model they have, not the one they buy — another offer's
        # line for the one bought, else no final price (never the traded model's)
        offer = next(
            (
                r
                for r in results
                if isinstance(r, Computed)
                and r.listed is not None
                and r.saving is not None
                and r.listed[0] == bought
            ),
            None,
        )
        if offer is None or offer.listed is None or offer.saving is None:
            return []
        model, list_text, list_ev = offer.listed
    assert offer.saving is not None  # checked above for whichever offer prices the model bought
    stacked: list[tuple[Computed, Source, str]] = []
    left_out: list[str] = []
    kinds = {offer.saving.label}
    for r in results:
        if not isinstance(r, Computed) or r is offer or r.saving is None or r.saving.label in kinds:
            continue
        if r.saving.model and r.saving.model != model:
            continue  # worked out on another model's price
        kinds.add(r.saving.label)
        rule = _stacking_rule(ctx, offer, r)
        if rule is None or not rule[0]:
            left_out.append(r.saving.label)
            continue
        stacked.append((r, rule[1], rule[2]))
    if not stacked:
        return []
    price = Decimal(list_text)
    cuts = [(offer.saving.label, Decimal(offer.saving.amount))] + [
        (r.saving.label, Decimal(r.saving.amount)) for r, _, _ in stacked if r.saving is not None
    ]
    net = price - sum(c for _, c in cuts)
    parts = "、".join(f"{label} {_yuan_plain(c)} 元" for label, c in cuts)
    rules = "；".join(
        dict.fromkeys(f"{where.label()}：{CLAUSE_NO.sub('', sentence)}" for _, where, sentence in stacked)
    )
    statement = (
        f"{model}指导价 {_yuan_plain(price)} 元，减去可同享的{parts}，到手价 {_yuan_plain(net)} 元（{rules}）"
    )
    if left_out:
        statement += f"；{'、'.join(left_out)}政策未写明可与{offer.saving.label}同享，未计入"
    en = (
        f"the {model} lists at CNY {_yuan_plain(price)}; less "
        + ", ".join(f"CNY {_yuan_plain(c)}" for _, c in cuts)
        + f" (savings that stack), the final price is CNY {_yuan_plain(net)}"
    )
    inputs = (
        Input("evidence", list_ev, list_text),
        Input("evidence", evidence_id.get(id(offer), ""), offer.saving.amount),
        *(Input("evidence", evidence_id.get(id(r), ""), r.saving.amount) for r, _, _ in stacked if r.saving),
        *(Input("policy", where.evidence_id, sentence) for _, where, sentence in stacked),
    )
    # the clauses each stacked saving rests on (the trade-in table's row, the authority table's row) are cited too
    cited = tuple(
        Input("evidence", r.source.evidence_id, r.source.label())
        for r, where, _ in stacked
        if r.source.evidence_id and r.source.evidence_id != where.evidence_id
    )
    subject = f"{model}/{'+'.join(label for label, _ in cuts)}"
    return [_final(net, statement, en, inputs + cited, stacked[0][1], subject, cite=bool(cited))]


def _final(
    net: Decimal,
    statement: str,
    en: str,
    inputs: tuple[Input, ...],
    where: Source,
    subject: str,
    *,
    cite: bool,
) -> Computed:
    """The final-price fact both paths state (savings stacked on an offer, one saving with no offer): the net price
    as its one slot; `cite`: the clauses its savings rest on are among the inputs and are cited too."""
    return Computed(
        FINAL_TOOL,
        FINAL_NAME,
        str(net),
        "元",
        statement,
        (_yuan_plain(net),),
        inputs,
        where,
        subject=subject,
        statement_en=en,
        cite_inputs=cite,
    )


# a policy sentence saying a saving is taken off the price of what is bought («换新补贴在购车款中直接抵扣»)
DEDUCTED = re.compile(r"抵扣|抵减|冲抵|直接减")
NEW_MODEL_AFTER = re.compile(
    r"(?:换成|换购|置换|换|买|for an?|for the|into an?|to an?)\s*(?:台|辆|一台|一辆|个|部|一部|你们的|新的)?\s*$",
    re.I,
)


def _bought(ctx: ToolContext) -> str | None:
    """The model the message buys when it names more than one priced model: the one right after a word of
    buying/swapping (NEW_MODEL_AFTER); None when it names one, or the bought one is unclear."""
    from agents.reasoning.base import priced_models

    models = priced_models(ctx)
    if len(models) < 2:
        return None
    after = [
        m
        for m in models
        if any(NEW_MODEL_AFTER.search(ctx.text[: at.start()]) for at in re.finditer(re.escape(m), ctx.text))
    ]
    return after[0] if len(after) == 1 else None


def _final_without_offer(
    results: list[Result], ctx: ToolContext, evidence_id: dict[int, str]
) -> list[Result]:
    """ "换K2最后多少钱" where no offer applies to the customer (the offers were checked this turn and none cuts the
    model's price): the model's list price less the one saving its own policy says is taken off the purchase price (a
    trade-in subsidy, «在新车购车款中直接抵扣»). The model is the one the message buys — the only one it names, or the one
    right after a word of buying/swapping; [] when the offers were not checked, nothing is deducted, or which model is
    bought is unclear (never a guessed price)."""
    from agents.reasoning.base import priced_models
    from agents.reasoning.crm import MissingField

    if not any(r.tool == "scope_rows" for r in results):
        return []  # an offer not checked could still cut the price
    if any(
        isinstance(r, Computed) and (r.listed is not None or (r.saving and r.saving.model)) for r in results
    ):
        return []  # an offer (or a discount) cutting a model's price: not "no offer" — its own line says it
    savings = [r for r in results if isinstance(r, Computed) and r.saving is not None and not r.saving.model]
    if len({r.saving.label for r in savings if r.saving}) != 1:
        return []
    saving = savings[0]
    assert saving.saving is not None
    models = priced_models(ctx)
    if len(models) > 1:
        models = [
            m
            for m in models
            if any(
                NEW_MODEL_AFTER.search(ctx.text[: at.start()]) for at in re.finditer(re.escape(m), ctx.text)
            )
        ]
    if len(models) != 1:
        return []
    rule = None
    src = saving.source
    for clause in ctx.facts.clauses(src.doc_id, src.version) if src.doc_id else []:
        for sentence in re.split(r"[。；;]", clause.text):
            part = next((p for p in re.split(r"[，,]", sentence) if DEDUCTED.search(p)), "")
            if part and not NOT_WORDS.search(part):
                where = Source(src.doc_id, src.version, src.title, clause.clause, "", clause.evidence_id)
                rule = (where, CLAUSE_NO.sub("", part.strip()))
                break
        if rule:
            break
    if rule is None:
        return []
    try:
        listed = ctx.crm.list_price(models[0])
    except MissingField:  # no list price: nothing to take the saving off
        return []
    where, sentence = rule
    price, cut = Decimal(str(listed.value)), Decimal(saving.saving.amount)
    net = price - cut
    statement = (
        f"{models[0]}指导价 {_yuan_plain(price)} 元，减去{saving.saving.label} {_yuan_plain(cut)} 元，"
        f"到手价 {_yuan_plain(net)} 元（{sentence}；本次没有适用于您的{models[0]}促销活动）"
    )
    en = (
        f"the {models[0]} lists at CNY {_yuan_plain(price)}; less the CNY {_yuan_plain(cut)} {saving.saving.label} "
        f"(taken off the purchase price), the final price is CNY {_yuan_plain(net)}"
    )
    inputs = (
        Input("evidence", listed.evidence_id, str(listed.value)),
        Input("evidence", evidence_id.get(id(saving), ""), saving.saving.amount),
        Input("policy", where.evidence_id, sentence),
        *(
            (Input("evidence", saving.source.evidence_id, saving.source.label()),)
            if saving.source.evidence_id and saving.source.evidence_id != where.evidence_id
            else ()
        ),
    )
    return [_final(net, statement, en, inputs, where, f"{models[0]}/{saving.saving.label}", cite=True)]


# a price the customer asks us to match: "别家给到11.8万", "118,000元/台 你们能跟吗"
TARGET = re.compile(r"(\d+(?:\.\d+)?)\s*万(?![km公里])|(\d{1,3}(?:,\d{3})+|\d{5,7})(?:\.\d+)?\s*元")
MATCH_TOOL = "price_match"


def _target_price(text: str, list_price: Decimal) -> tuple[Decimal, str] | None:
    """The price asked to be matched: the last amount in the message between half and the whole list price (a unit
    price, not an order total), as written."""
    found = []
    for m in TARGET.finditer(text):
        value = Decimal(m.group(1)) * 10000 if m.group(1) else Decimal(m.group(2).replace(",", ""))
        if list_price / 2 <= value <= list_price:
            found.append((value, m.group(0)))
    return found[-1] if found else None


def price_match(
    results: list[Result], ctx: ToolContext, authority: ToolSpec | None, evidence_id: dict[int, str]
) -> list[Result]:
    """ "能跟吗": the price asked against the quoted unit price — what more it takes per unit, as a share of the list
    price (the extra discount), and who may grant that (the tenant's authority tool); a price at or above ours needs
    nothing. The customer's figure is a request, never a fact: nothing is granted here."""
    from agents.reasoning.tiers import MATCH_ASK
    from agents.reasoning.tools import run_tool

    if not MATCH_ASK.search(ctx.text):
        return []
    quoted = next((r for r in results if isinstance(r, Computed) and r.quote is not None), None)
    if quoted is None or quoted.quote is None:
        return []
    model, list_text, unit_text, rate_text = quoted.quote
    list_price, unit_price = Decimal(list_text), Decimal(unit_text)
    target = _target_price(ctx.text, list_price)
    if target is None:
        return [CannotCompute(MATCH_TOOL, MATCH_TOOL, "消息里没有可比的单价")]
    price, written = target
    gap = unit_price - price
    inputs: list[Input] = [
        Input("evidence", evidence_id.get(id(quoted), ""), _yuan_plain(unit_price)),
        Input("message", "message.asked_price", written),
    ]
    if gap <= 0:
        statement = f"您提到的 {_yuan_plain(price)} 元不低于{model}折后单价 {_yuan_plain(unit_price)} 元，按现有报价即可"
        return [
            Computed(
                MATCH_TOOL,
                MATCH_TOOL,
                "0",
                "元",
                statement,
                (_yuan_plain(unit_price),),
                tuple(inputs),
                quoted.source,
            )
        ]
    extra = money.rounded(gap / list_price * 100, "0.01")
    approver, auth_inputs, checked_ok = "", [], False
    if authority is not None:  # the extra share checked like any discount asked ("再让3.35%")
        checked = run_tool(authority, ToolContext(ctx.facts, ctx.crm, {}, f"再让{extra}%", ctx.today))
        auth = next((r for r in checked if isinstance(r, Computed)), None)
        if auth is not None:
            approver, checked_ok = auth.needs_approval, True
            auth_inputs = [i for i in auth.inputs if i.kind == "policy"]
    inputs += auth_inputs
    gap_text, extra_text = _yuan_plain(gap), f"{money.fmt_number(extra)}%"
    base = (
        f"按阶梯{money.fmt_number(Decimal(rate_text))}%，{model}折后单价 {_yuan_plain(unit_price)} 元；"
        f"跟到 {_yuan_plain(price)} 元须每台再让 {gap_text} 元（占指导价 {extra_text}）"
    )
    # who may grant it, only when the authority table said so (never "within my authority" by default)
    statement = base + (
        f"，超出本人权限，须由{approver}审批" if approver else "，在本人权限内" if checked_ok else ""
    )
    say = base + (
        f"，这需要{approver}审批" if approver else ""
    )  # the rep's own limit stays off the customer's text
    return [
        Computed(
            MATCH_TOOL,
            MATCH_TOOL,
            str(extra),
            "%",
            statement,
            (_yuan_plain(unit_price), gap_text, extra_text, *((approver,) if approver else ())),
            tuple(inputs),
            quoted.source,
            subject=f"{model}/{price}",
            statement_en=(
                f"at your tier the {model} is CNY {_yuan_plain(unit_price)}; matching CNY {_yuan_plain(price)} takes "
                f"CNY {gap_text} more per unit ({extra_text} of list)"
                + (f", which needs approval by {role_en(approver, ctx.terms_en)}" if approver else "")
            ),
            say=say,
            needs_approval=approver,
            next_step=f"提交{approver}审批" if approver else "",
        )
    ]
