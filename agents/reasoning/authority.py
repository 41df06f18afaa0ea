"""authority: the discount the customer asks for against what the actor may grant, and who must approve above it."""

from __future__ import annotations

import re
from decimal import Decimal

from agents.reasoning import money
from agents.reasoning.asks import (
    EXTRA_WORDS,
    _clause_around,
    asked_units,
    asks_text,
    order_units,
    requested_discount,
    stated_total,
)
from agents.reasoning.base import (
    ToolContext,
    _row_source,
    _version_input,
    _yuan_plain,
    field_input,
    fmt,
    governing_rows,
    priced_models,
)
from agents.reasoning.config import ToolSpec
from agents.reasoning.crm import MissingField
from agents.reasoning.english import role_en
from agents.reasoning.lookup import LookupError_, Tier, find_rows, tier_down
from agents.reasoning.offers import named_offer_rate
from agents.reasoning.results import CannotCompute, Computed, Input, Result, Saving
from contract.policy_facts import Governing, RowFact


def approver_row(rows: list[RowFact], column: str, off: Decimal, above: Decimal | None = None) -> Tier:
    """Who may grant `off` % : with disjoint tiers the one holding it; with a ladder of ceilings (2%以内 / 3%以内 /
    5%以内 / 5%以上) the lowest ceiling that holds it — the most junior role that may decide. `above`: the asking
    role's own ceiling; an approver is a higher rung ("提交上一级审批"), never a peer with the same or a lower one."""
    holding = []
    for r in rows:
        c = r.cell(column)
        if c is not None and c.range is not None and c.range.unit in ("%", "") and c.range.contains(off):
            high = c.range.high
            if above is not None and high is not None and high <= above:
                continue
            holding.append((r, c))
    if not holding:
        raise LookupError_(f"「{column}」没有哪一档包含 {off}%")
    inf = Decimal("Infinity")
    holding.sort(key=lambda rc: rc[1].range.high if rc[1].range and rc[1].range.high is not None else inf)
    first = holding[0][1].range
    tied = [rc for rc in holding if rc[1].range and rc[1].range.high == (first.high if first else None)]
    if len(tied) > 1:
        return tier_down([rc[0] for rc in tied], column, off, "%")  # two equal ceilings: ambiguous, says why
    r, c = holding[0]
    return Tier(c.raw, c, r)


RESTRICTED = re.compile(r"限[^，。；;]{0,12}")


def _other_kind_only(row: RowFact, spec: ToolSpec, ctx: ToolContext) -> bool:
    """A rung whose own cells restrict it to another kind of customer ("自行决定，限本人负责的企业客户" when this customer
    is an individual) cannot decide for this one. Needs tools.yaml `kind_words` (CRM kind → the word the table uses)."""
    if not spec.kind_words:
        return False
    try:
        kind = str(ctx.crm.profile("kind").value)
    except MissingField:
        return False
    mine = spec.kind_words.get(kind, "")
    others = [w for k, w in spec.kind_words.items() if k != kind and w]
    for cell in row.cells:
        for m in RESTRICTED.finditer(cell.raw):
            said = m.group(0)
            if any(w in said for w in others) and not (mine and mine in said):
                return True
    return False


def _scope_input(ctx: ToolContext, skipped: bool) -> tuple[Input, ...]:
    """The customer's kind, as an input, when it took a rung out of the ladder (an individual's discount is not one a
    rung «限本人负责的企业客户» may decide): who may approve depends on it, so the fact shows it."""
    if not skipped:
        return ()
    try:
        kind = ctx.crm.profile("kind")
    except MissingField:
        return ()
    return (field_input(kind, str(kind.value)),)


def _actor(spec: ToolSpec, ctx: ToolContext, rows: list[RowFact]) -> tuple[str, tuple[Input, ...]]:
    """Whose limit applies: the role the 360 gives (spec.actor_field, e.g. the owning rep's 岗位) when the authority table
    has a row for it, else the configured `actor`."""
    if spec.actor_field and "." in spec.actor_field:
        entity, attribute = spec.actor_field.split(".", 1)
        fv = ctx.crm.entity_fact(entity, attribute)
        if fv is not None and find_rows(rows, spec.approver_column, str(fv.value)):
            return str(fv.value), (Input("evidence", fv.evidence_id, str(fv.value)),)
    return spec.actor, ()


def _to_buy(ctx: ToolContext, asked_at: int | None = None) -> list[str]:
    """The models the message names that the CRM prices, the one being bought first: a model the customer does not
    own already ("拿他那台Q5置换Z5", "去年买K9…这次订Z5": the Z5), else as named (re-buying a model they own). With the
    asked figure's place (`asked_at`), the model named last before it is the one the ask is for («朋友买X7打了九五折，
    我买Z5也九五折呗» → Z5: the figure is asked for the model just named, a friend's model is context)."""
    models = priced_models(ctx)
    if len(models) < 2:
        return models
    owned = " ".join(str(d.get("name") or "") for d in ctx.crm.all_devices())
    new = [m for m in models if m not in owned]
    ordered = new + [m for m in models if m not in new]
    if asked_at is not None:
        before = {m: ctx.text.rfind(_code(m), 0, asked_at) for m in ordered}
        nearest = max(ordered, key=lambda m: before[m])
        if before[nearest] >= 0:
            ordered = [nearest] + [m for m in ordered if m != nearest]
    return ordered


def _code(model: str) -> str:
    found = re.findall(r"[A-Za-z]{1,3}\d{1,3}[A-Za-z]?", model)
    return found[-1] if found else model


def asked_at(text: str, written: str) -> int | None:
    """Where the figure the customer asks for stands: its last mention («他拿了九八折…也给我九八折吧»: the one asked)."""
    at = text.rfind(written)
    return at if at >= 0 else None


def _discount_worth(
    ctx: ToolContext, off: Decimal, inputs: tuple[Input, ...], at: int | None = None
) -> tuple[str, tuple[tuple[str, ...], tuple[Input, ...]], str]:
    """What the asked discount is worth on the list price of the model the message names ("，按X7指导价 199,900 元计
    为 3,998 元"), or "" when no priced model is named (never a guessed price); and the same for an English reader
    (" (CNY 3,998 on the X7 list price of CNY 199,900)")."""
    models = _to_buy(ctx, at)
    if not models:
        return "", ((), ()), ""
    try:
        price = ctx.crm.list_price(models[0])
    except MissingField:
        return "", ((), ()), ""
    amount = money.rounded(price.value * off / Decimal(100), "1", "half_up")
    # said as the amount off, not as a price: "（按Z5指导价 179,800 元计，优惠 8,990 元）"
    text = f"按{models[0]}指导价 {_yuan_plain(price.value)} 元计，优惠 {_yuan_plain(amount)} 元"
    en = f"CNY {_yuan_plain(amount)} on the {models[0]} list price of CNY {_yuan_plain(price.value)}"
    slots: tuple[str, ...] = (_yuan_plain(amount),)
    used: tuple[Input, ...] = (Input("evidence", price.evidence_id, str(price.value)),)
    units = order_units(ctx.text, models[0])
    if units is not None and int(units.group(1)) > 1:  # "10台一共少多少": the units asked, at that much each
        total = amount * Decimal(units.group(1))
        text += f"，{units.group(1)} 台合计优惠 {_yuan_plain(total)} 元"
        en += f", CNY {_yuan_plain(total)} for {units.group(1)}"
        slots += (_yuan_plain(total),)
        used += (Input("message", "message.units", units.group(0)),)
    return text, (slots, used), f" ({en})"


def _own_saving(spec: ToolSpec, ctx: ToolContext, off: Decimal, at: int | None) -> Saving | None:
    """The discount granted within the actor's own authority as a per-unit saving on the model it is worth on."""
    models = _to_buy(ctx, at)
    if not models or not spec.actor:
        return None
    try:
        price = ctx.crm.list_price(models[0])
    except MissingField:
        return None
    amount = money.rounded(price.value * off / Decimal(100), "1", "half_up")
    return Saving(str(amount), f"{spec.actor}权限内折扣 {fmt(off)}%", (spec.actor,), models[0])


# how much something comes to, asked ("最后到手价多少", "到手多少", "what would it cost")
AMOUNT_ASKED = re.compile(
    r"多少钱|多少(?=[？?。，,]|$)|几多钱|到手|落地|落下来|啥价|什么价|单价|报个价|报一下价|how much|what (?:would|will|does) it cost"
    r"|net price|unit price",
    re.IGNORECASE,
)


def _net_price(
    ctx: ToolContext, off: Decimal, written: str, spec: ToolSpec | None = None
) -> tuple[str, Decimal] | None:
    """The list price less the asked discount, when the message asks what it comes to — or orders several units with
    it («再补两台K3…给三个点呗»: the order's price is the answer) — and the discount is not asked on top of another (a
    tier: "在阶梯价上再降一点"; the tier's what-if prices that one): (model, net price) or None."""
    units = asked_units(ctx.text)
    if not AMOUNT_ASKED.search(ctx.text):
        if units is None or int(units.group(1)) < 2 or spec is None:
            return None
        tier = _tier_rate(spec, ctx)  # an order priced off the list only where no tier stands between
        if tier is None or tier[0] != 0:
            return None
    m = re.search(re.escape(written), ctx.text)
    if m is None or EXTRA_WORDS.search(_clause_around(ctx.text, m.start(), m.end())):
        return None
    models = _to_buy(ctx, asked_at(ctx.text, written))
    if not models:
        return None
    try:
        price = ctx.crm.list_price(models[0])
    except MissingField:
        return None
    amount = money.rounded(price.value * off / Decimal(100), "1", "half_up")
    return models[0], price.value - amount


# the most asked for, not a figure ("最多能给到多少一台", "权限内最多能让多少", "what's the best price you can do"): a
# superlative with a word of conceding on price in its own clause. The lowest trim or cheapest model ("最低配多少钱",
# "最便宜的车型", "cheapest trim", "base model") is a product question, not a discount asked
_MOST = (
    r"最多|最低(?!配|配置|的配置|档|的(?:车|款|型))|最大|底价|最便宜(?!的(?:车|款|配|型|一款))|最优惠|最少"
    r"|at most|the most|the lowest|how low|best price|max(?:imum)?\b"
)
_CONCEDE = (
    r"优惠|折|便宜|让|减|降|底价|给到|能到|平[幾几]?多|平多少|少点|少一点|少多少|"
    r"discount|knock|\boff\b|best price|how low|go down|drop|you can (?:do|give|offer|go|quote)|I can quote|my own authority"
)
_CLAUSE = r"[^，,。.！!？?；;\n]"
MOST_ASKED = re.compile(
    rf"能让多少|能便宜多少|能优惠多少|底价|\bbest price\b|(?:{_MOST}){_CLAUSE}*?(?:{_CONCEDE})|(?:{_CONCEDE}){_CLAUSE}*?(?:{_MOST})",
    re.IGNORECASE,
)


_PER_UNIT_CUT = re.compile(r"每台(?:补贴|立减|优惠|减)\s*\d")


def _offer_cut_applies(spec: ToolSpec, ctx: ToolContext, model: str) -> bool:
    """A campaign that applies cuts the price of the model asked about (its scope tool, `offer_rates` in tools.yaml,
    gives a per-unit saving): the draft then states that price, so the ceiling is said as its rate and amount off,
    never as a second final price."""
    peer = ctx.peer(spec.offer_rates) if spec.offer_rates and ctx.peer is not None else None
    if peer is None:
        return False
    from agents.reasoning.tools import run_tool  # the tool registry imports this module

    results = run_tool(
        peer.model_copy(update={"when_words": [], "when_entities": [], "unless_words": []}), ctx
    )
    return any(
        isinstance(r, Computed)
        and r.output == "true"
        and (
            r.saving is not None
            or (model in (r.products or ()) and _PER_UNIT_CUT.search(r.statement) is not None)
        )
        for r in results
    )


def _tier_rate(spec: ToolSpec, ctx: ToolContext) -> tuple[Decimal, tuple[Input, ...]] | None:
    """The customer's volume-tier rate (% off the list price) by the tools.yaml `tier_tool` entry: 0 with no tier (an
    individual, or a fleet below the lowest tier), with the inputs the tier was read from; None when it cannot be told
    (then no price is said)."""
    try:
        kind = ctx.crm.profile("kind")
        if str(kind.value) != "fleet":
            return Decimal(0), (field_input(kind, str(kind.value)),)
    except MissingField:
        return None
    peer = ctx.peer(spec.tier_tool) if spec.tier_tool and ctx.peer is not None else None
    if peer is None:
        return None
    from agents.reasoning.tools import run_tool  # the tool registry imports this module

    for r in run_tool(
        peer.model_copy(update={"when_words": [], "when_entities": [], "unless_words": []}), ctx
    ):
        if isinstance(r, Computed) and r.output == "none":
            return Decimal(0), r.inputs
        if (
            isinstance(r, Computed)
            and (m := re.fullmatch(r"(\d+(?:\.\d+)?)\s*%?", r.output))
            and "%" in (r.unit + r.output)
        ):
            return Decimal(m.group(1)), r.inputs
    return None


def _own_limit(
    spec: ToolSpec,
    ctx: ToolContext,
    g: Governing,
    rows: list[RowFact],
    limit: Decimal,
    own: RowFact,
    actor: str,
    actor_input: tuple[Input, ...],
) -> Computed:
    """The most the actor may grant on their own (the top of their row), asked with no figure ("我自己最多能让多少"):
    what it is worth on the model the message names (第七条: list price × rate, to the yuan) and the price it makes
    after the customer's volume tier (the tier is not counted in this policy's discount, 第二条)."""
    own_cell = own.cell(spec.limit_column)
    raw = own_cell.raw if own_cell is not None else ""
    rate = f"{fmt(limit)}%"
    inputs: tuple[Input, ...] = (
        Input("policy", own.evidence_id, own.as_text()),
        *_version_input(g),
        *actor_input,
    )
    statement = f"{actor}可自行决定的追加折扣上限为 {rate}（{raw}）"
    say = f"我这边最多可以直接给到 {rate}"
    en = f"the most I can grant myself as {role_en(actor, ctx.terms_en)} is {rate}"
    slots: tuple[str, ...] = (rate,)
    models = _to_buy(ctx)
    price = None
    if models:
        try:
            price = ctx.crm.list_price(models[0])
        except MissingField:
            price = None
    tiered = _tier_rate(spec, ctx) if price is not None else None
    if price is not None:
        amount = money.rounded(price.value * limit / Decimal(100), "1", "half_up")
        worth = f"按{models[0]}指导价 {_yuan_plain(price.value)} 元计，优惠 {_yuan_plain(amount)} 元"
        worth_en = (
            f"CNY {_yuan_plain(amount)} on the {models[0]} list price of CNY {_yuan_plain(price.value)}"
        )
        inputs += (Input("evidence", price.evidence_id, str(price.value)),)
        slots += (_yuan_plain(amount),)
        if tiered is not None and _offer_cut_applies(spec, ctx, models[0]):
            inputs += tiered[1]  # a campaign's price is the one the draft states: no second final price
        elif tiered is not None:
            tier = tiered[0]
            unit = money.rounded(price.value * (Decimal(100) - tier) / Decimal(100), "1", "half_up")
            net = unit - amount
            worth += (
                f"，{'阶梯价 ' + _yuan_plain(unit) + ' 元再减，' if tier else ''}折后 {_yuan_plain(net)} 元"
            )
            worth_en += f", CNY {_yuan_plain(net)} after it{' and your tier' if tier else ''}"
            slots += (_yuan_plain(net),)
            inputs += tiered[1]
            # the order of the model priced, never a fleet held nor a count of another model
            units = order_units(ctx.text, models[0])
            if units is not None and int(units.group(1)) > 1:  # «按最低的价算个总数»: the order at that price
                order_total = net * Decimal(units.group(1))
                worth += f"，{units.group(1)} 台合计 {_yuan_plain(order_total)} 元"
                worth_en += f", CNY {_yuan_plain(order_total)} for {units.group(1)}"
                slots += (_yuan_plain(order_total),)
                inputs += (Input("message", "message.units", units.group(0)),)
        statement += f"，{worth}"
        say += f"（{worth}）"
        en += f" ({worth_en})"
    # the whole ceiling as a per-unit saving on the model it is worth on, where no volume tier stands between (an
    # offer that stacks with the actor's discount then gives the lowest price: «你这边最低能给到多少»)
    saving = (
        Saving(str(amount), f"{actor}权限内折扣 {rate}", (actor,), models[0])
        if price is not None and tiered is not None and tiered[0] == 0 and spec.actor
        else None
    )
    return Computed(
        spec.tool,
        spec.id,
        rate,
        "text",
        statement,
        slots,
        inputs,
        _row_source(g, own),
        subject=rate,
        statement_en=en,
        say=say,
        say_en=en[0].upper() + en[1:],
        saving=saving,
    )


def _tiered_ask(
    spec: ToolSpec, ctx: ToolContext, off: Decimal, written: str
) -> tuple[Decimal, Decimal, tuple[Input, ...]] | None:
    """A whole discount stated with the customer's volume tier inside it: (the tier's rate, the increment asked on
    top of it, the tier's inputs). The tier is no discount of this policy's (it is granted already): what the rep
    checks is the increment. None when the figure is no total or the customer has no tier."""
    if not stated_total(ctx.text, written):
        return None
    tiered = _tier_rate(spec, ctx)
    if tiered is None or tiered[0] <= 0:
        return None
    return tiered[0], off - tiered[0], tiered[1]


def _tier_net(
    spec: ToolSpec, ctx: ToolContext, extra: Decimal, tier: Decimal | None, at: int | None = None
) -> tuple[str, Decimal, Decimal, tuple[Input, ...]] | None:
    """The unit price a discount on top of the customer's tier makes, when the message asks what it comes to: the
    tier price (list × (1 − tier), to the yuan) less the extra amount (list × extra, to the yuan; 第七条): (model,
    tier price, net price, inputs). None without a priced model, a tier or an amount asked."""
    if not AMOUNT_ASKED.search(ctx.text):
        return None
    models = _to_buy(ctx, at)
    if not models:
        return None
    inputs: tuple[Input, ...] = ()
    if tier is None:
        tiered = _tier_rate(spec, ctx)
        if tiered is None or tiered[0] <= 0:
            return None
        tier, inputs = tiered
    try:
        price = ctx.crm.list_price(models[0])
    except MissingField:
        return None
    unit = money.rounded(price.value * (Decimal(100) - tier) / Decimal(100), "1", "half_up")
    amount = money.rounded(price.value * extra / Decimal(100), "1", "half_up")
    return models[0], unit, unit - amount, (*inputs, Input("evidence", price.evidence_id, str(price.value)))


def authority(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    found = governing_rows(ctx, spec)
    if isinstance(found, CannotCompute):
        return [found]
    g, rows = found
    asked = requested_discount(ctx.text)
    if asked is None:
        most = MOST_ASKED.search(asks_text(ctx.text))
        # "我自己最多能给到多少一台": the actor's own ceiling, what it is worth and makes — asked of a model we price
        # (the lowest price another customer got is not this question)
        if most is not None and _to_buy(ctx):
            actor, actor_input = _actor(spec, ctx, rows)
            own = find_rows(rows, spec.approver_column, actor)
            cell = own[0].cell(spec.limit_column) if len(own) == 1 else None
            if cell is not None and cell.range is not None and cell.range.high is not None:
                return [_own_limit(spec, ctx, g, rows, cell.range.high, own[0], actor, actor_input)]
        return [CannotCompute(spec.tool, spec.id, "客户没有提出具体的折扣")]
    off, written = asked
    peer = ctx.peer(spec.offer_rates) if spec.offer_rates and ctx.peer is not None else None
    offer = named_offer_rate(ctx, peer, off) if peer is not None else ""
    if (
        offer
    ):  # "北区冬日保养月那个9折": the offer's own rate (its tool checks it), not a discount asked on top
        return [CannotCompute(spec.tool, spec.id, f"{written}是客户说的{offer}自带的优惠，不是另要的折扣")]
    # "一共给7个点" from a customer whose tier is 5%: the rep checks the 2% on top, never the 7% (the tier is granted)
    total = _tiered_ask(spec, ctx, off, written)
    tier_inputs: tuple[Input, ...] = ()
    if total is not None:
        tier_rate, off, tier_inputs = total
        if off <= 0:
            return [
                Computed(
                    spec.tool,
                    spec.id,
                    "within",
                    "bool",
                    f"您提到的总共{written}已在贵司阶梯折扣 {fmt(tier_rate)}% 之内，无需追加折扣",
                    (f"{fmt(tier_rate)}%",),
                    (Input("message", "message.stated_total", written), *tier_inputs, *_version_input(g)),
                    _row_source(g, rows[0]),
                    subject=f"{fmt(tier_rate)}%",
                    statement_en=f"the {written} in total is within your tier's {fmt(tier_rate)}%: nothing on top is needed",
                )
            ]
    actor, actor_input = _actor(spec, ctx, rows)
    spec = spec.model_copy(update={"actor": actor})
    own = find_rows(rows, spec.approver_column, spec.actor)
    own_limit = own[0].cell(spec.limit_column) if len(own) == 1 else None
    if own_limit is None or own_limit.range is None:
        return [CannotCompute(spec.tool, spec.id, f"表中找不到「{spec.actor}」的权限上限")]
    own_cell = own[0].cell(spec.limit_column)
    assert own_cell is not None and own_cell.range is not None
    ladder = [r for r in rows if r in own or not _other_kind_only(r, spec, ctx)]
    try:
        tier = approver_row(ladder, spec.limit_column, off, above=own_cell.range.high)
    except LookupError_ as exc:
        if own_cell.range.contains(off):
            tier = Tier(own_cell.raw, own_cell, own[0])
        else:
            return [CannotCompute(spec.tool, spec.id, str(exc))]
    approver_cell = tier.row.cell(spec.approver_column)
    approver = approver_cell.raw if approver_cell else ""
    within = own_cell.range.contains(off)
    off_text = f"{fmt(off)}%"
    asked_text = written if "折" in written else off_text
    if total is not None:  # said as the whole, checked as the increment on the tier
        asked_text = f"总共{written}（含贵司阶梯折扣 {fmt(total[0])}%），即追加 {off_text}"
    inputs = (
        Input(
            "message", "message.stated_total" if total is not None else "message.requested_discount", written
        ),
        *tier_inputs,
        Input("policy", own[0].evidence_id, own[0].as_text()),
        Input("policy", tier.row.evidence_id, tier.row.as_text()),
        *_version_input(g),
        *actor_input,
        *_scope_input(ctx, len(ladder) < len(rows)),
    )
    source = _row_source(g, tier.row)
    worth, worth_slots, worth_en = _discount_worth(ctx, off, inputs, asked_at(ctx.text, written))
    if worth:
        inputs = (*inputs, *worth_slots[1])
    if total is not None:
        worth_en = f" (your tier's {fmt(total[0])}% included: {off_text} on top{',' + worth_en[2:-1] if worth_en else ''})"
    # on top of the tier (the increment of a total, or "在阶梯价上再加3个点"): the price it makes, when asked
    on_tier = (
        _tier_net(spec, ctx, off, total[0] if total is not None else None, asked_at(ctx.text, written))
        if worth
        and (total is not None or EXTRA_WORDS.search(asks_text(ctx.text)))
        and asked_units(ctx.text)
        is None  # with a count the tier's own what-if states it (unit and order total)
        else None
    )
    if on_tier is not None:
        worth += f"，阶梯单价 {_yuan_plain(on_tier[1])} 元再减，折后单价 {_yuan_plain(on_tier[2])} 元"
        worth_en = worth_en[:-1] + f", CNY {_yuan_plain(on_tier[2])} after the tier and it)"
        worth_slots = ((*worth_slots[0], _yuan_plain(on_tier[2])), (*worth_slots[1], *on_tier[3]))
        inputs = (*inputs, *on_tier[3])
    if within:
        statement = f"您提到的{asked_text}（折扣 {off_text}）在{spec.actor}可自行决定的范围内（{own_cell.raw}）{'，' + worth if worth else ''}"
        if total is not None:
            statement = f"您提到的{asked_text}，在{spec.actor}可自行决定的范围内（{own_cell.raw}）{'，' + worth if worth else ''}"
        en = (
            f"the {off_text} discount you asked for is within what {role_en(spec.actor, ctx.terms_en)} may grant "
            f"({own_cell.raw}){worth_en}"
        )
        net = _net_price(ctx, off, written, spec) if worth and on_tier is None and total is None else None
        # what their figure is worth on the model they name is said with the grant (the tier's price it makes too)
        head = f"您提到的{asked_text}（{worth}）" if worth else ""
        head_en = f"The {off_text} discount you asked for{worth_en}" if worth else ""
        if net is not None:  # "这样算下来一台多少": the price it makes, said with the grant
            order = ""
            order_en = ""
            units = order_units(ctx.text, net[0])
            if units is not None and int(units.group(1)) > 1:  # «再补两台…»: and the order at that price
                order_total = net[1] * Decimal(units.group(1))
                order = f"，{units.group(1)} 台合计 {_yuan_plain(order_total)} 元"
                order_en = f", CNY {_yuan_plain(order_total)} for {units.group(1)}"
                worth_slots = ((*worth_slots[0], _yuan_plain(order_total)), worth_slots[1])
            statement += f"，折后 {_yuan_plain(net[1])} 元{order}"
            en += f", CNY {_yuan_plain(net[1])} after it{order_en}"
            head = f"您提到的{written}（{worth}），折后 {_yuan_plain(net[1])} 元{order}"
            head_en = f"The {off_text} discount you asked for{worth_en}, CNY {_yuan_plain(net[1])} after it{order_en},"
            worth_slots = ((*worth_slots[0], _yuan_plain(net[1])), worth_slots[1])
        return [
            Computed(
                spec.tool,
                spec.id,
                "within",
                "bool",
                statement,
                (off_text, *worth_slots[0]),
                inputs,
                source,
                subject=off_text,
                statement_en=en,
                say_head=head,
                say_head_en=head_en,
                # off the list price of the model named, granted by the actor: a final price takes it off with the
                # offers a policy lets it stack with (the actor's role is how a stacking sentence names it)
                saving=_own_saving(spec, ctx, off, asked_at(ctx.text, written))
                if worth and total is None and on_tier is None
                else None,
            )
        ]
    zhe = f"（即折扣 {off_text}）" if "折" in written and total is None else ""
    statement = f"您提到的{asked_text}{zhe}超出{spec.actor}的权限（{own_cell.raw}），须由{approver}审批{f'（{worth}）' if worth else ''}"
    en = (
        f"a {off_text} discount is above what I may grant as {role_en(spec.actor, ctx.terms_en)} ({own_cell.raw}) "
        f"and needs approval by {role_en(approver, ctx.terms_en)}"
    )
    # to the customer: who decides — their figure is a request, never an offer. The rep's own limit is internal (the
    # authority table): told to the customer it is an invitation to ask for exactly that much, so it stays in the
    # statement (and the slots) for the rep. What their figure is worth on the model they name is said ("（按Z5指导价…计，
    # 优惠 8,990 元）"). Review S10-B2: round 10 put the limit in the say; reverted.
    say_head = f"您提到的{asked_text}{f'（{worth}）' if worth else ''}"
    say = f"{say_head}需要{approver}审批"
    # English: the same, never a promise that it will be approved (the draft's next step says who it goes to)
    say_head_en = f"The {off_text} discount you asked for{worth_en}"
    say_en = f"{say_head_en} needs approval by {role_en(approver, ctx.terms_en)}"
    slots: tuple[str, ...] = (own_cell.raw, approver, *worth_slots[0])
    high = own_cell.range.high
    most_saving: Saving | None = None
    if MOST_ASKED.search(asks_text(ctx.text)) and high is not None:
        # "最多能便宜多少？给我打个95折": they asked the most too, so the most the rep grants is said before their figure
        ceiling = _own_limit(spec, ctx, g, rows, high, own[0], spec.actor, actor_input)
        say_head, say = f"{ceiling.say}；{say_head}", f"{ceiling.say}；{say}"
        say_head_en = f"{ceiling.say_en}; the {off_text} discount you asked for{worth_en}"
        say_en = f"{say_head_en} needs approval by {role_en(approver, ctx.terms_en)}"
        statement += f"；{ceiling.statement}"
        slots += ceiling.slots
        # the ceiling is the rep's to grant: a final price asked («让不了的话最多能让多少») takes it off with the
        # offers it stacks with (combine.final_price), never the figure that needs approval
        most_saving = ceiling.saving
    return [
        Computed(
            spec.tool,
            spec.id,
            approver,
            "text",
            statement,
            slots,
            inputs,
            source,
            subject=off_text,
            statement_en=en,
            needs_approval=approver,
            next_step=f"提交{approver}审批",
            say=say,
            say_en=say_en,
            say_head=say_head,
            say_head_en=say_head_en,
            saving=most_saving,
        )
    ]
