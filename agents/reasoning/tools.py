"""The reasoning tools. Each reads the governing version's structured facts (contract.ports.FactSource) and this
customer's CRM fields, computes in Decimal / calendar arithmetic, and returns `Computed` (with every input) or
`CannotCompute` (with the reason). Nothing here guesses: a missing field, an ambiguous table or an unparseable number
stops the tool. What the customer asks for ("九折", "你们答应过9折") is a request input, never a fact."""

from __future__ import annotations

from typing import Any

from agents.reasoning.asks import (
    ASKED_UNITS,
    CLAUSE_BREAK,
    DISCOUNT_CONTEXT,
    EXTRA_WORDS,
    REQUEST,
    _clause_around,
    asked_units,
    requested_discount,
)
from agents.reasoning.authority import (
    RESTRICTED,
    _actor,
    _discount_worth,
    _other_kind_only,
    approver_row,
    authority,
)
from agents.reasoning.base import (
    SPOKEN_CODE,
    ToolContext,
    _clause,
    _governing,
    _match_value,
    _pick_row,
    _row_source,
    _version_input,
    _yuan_plain,
    fmt,
    spoken_codes,
)
from agents.reasoning.config import AUTHORITY_TOOL, ToolSpec, unless_hit, words_hit
from agents.reasoning.counts import next_due, record_count
from agents.reasoning.crm import MissingField
from agents.reasoning.offers import (
    WANT,
    _named_rows,
    _net_price,
    _scope_failures,
    _wanted_first,
    eligibility,
    row_lookup,
    scope_rows,
)
from agents.reasoning.records import (
    AMOUNT,
    ARITH,
    CONDITION,
    ISO_DAY,
    LAST_YEAR_WORDS,
    OPEN_TICKET_STEP,
    PER_UNIT_WORD,
    QUOTE_UNITS,
    _arith,
    _day,
    _formula,
    _holds,
    _policy_values,
    _row_figures,
    clause_quote,
    crm_record,
    unit_amount,
    year_total,
)
from agents.reasoning.results import CannotCompute, Result
from agents.reasoning.terms import (
    ASKS_TERM,
    _asked_columns,
    _batches,
    _column_words,
    _coverage,
    _en_term,
    _term,
    _term_from_table,
    _term_in_column,
    days_since,
    renewal_window,
    term_end,
)
from agents.reasoning.tiers import (
    MIN_UNITS,
    PER_UNIT,
    PRICE_WORDS,
    _batch_bonus,
    _extra_on_tier,
    _order_approval,
    _priced_row,
    _stacked,
    _units_model_first,
    row_tier,
    tier_rate,
    volume_tier,
)
from contract.quantities import ParseError

__all__ = [  # re-exported: callers and tests import the tools and their helpers from here
    "asked_units",
    "AMOUNT",
    "ARITH",
    "ASKED_UNITS",
    "ASKS_TERM",
    "CLAUSE_BREAK",
    "CONDITION",
    "DISCOUNT_CONTEXT",
    "EXTRA_WORDS",
    "ISO_DAY",
    "LAST_YEAR_WORDS",
    "MIN_UNITS",
    "OPEN_TICKET_STEP",
    "PER_UNIT",
    "PER_UNIT_WORD",
    "PRICE_WORDS",
    "QUOTE_UNITS",
    "REQUEST",
    "RESTRICTED",
    "SPOKEN_CODE",
    "TOOLS",
    "ToolContext",
    "WANT",
    "_actor",
    "_arith",
    "_asked_columns",
    "_batch_bonus",
    "_batches",
    "_clause",
    "_clause_around",
    "_column_words",
    "_coverage",
    "_day",
    "_discount_worth",
    "_en_term",
    "_extra_on_tier",
    "_formula",
    "_governing",
    "_holds",
    "_match_value",
    "_named_rows",
    "_net_price",
    "_order_approval",
    "_other_kind_only",
    "_pick_row",
    "_policy_values",
    "_priced_row",
    "_row_figures",
    "_row_source",
    "_scope_failures",
    "_stacked",
    "_term",
    "_term_from_table",
    "_term_in_column",
    "_units_model_first",
    "_version_input",
    "_wanted_first",
    "_yuan_plain",
    "approver_row",
    "authority",
    "clause_quote",
    "crm_record",
    "days_since",
    "eligibility",
    "fmt",
    "renewal_window",
    "requested_discount",
    "row_lookup",
    "row_tier",
    "run_tool",
    "scope_rows",
    "spoken_codes",
    "term_end",
    "tier_rate",
    "unit_amount",
    "volume_tier",
    "year_total",
    "record_count",
    "next_due",
]


TOOLS: dict[str, Any] = {
    "tier_rate": tier_rate,
    "row_lookup": row_lookup,
    AUTHORITY_TOOL: authority,
    "term_end": term_end,
    "renewal_window": renewal_window,
    "eligibility": eligibility,
    "days_since": days_since,
    "crm_record": crm_record,
    "scope_rows": scope_rows,
    "row_tier": row_tier,
    "volume_tier": volume_tier,
    "clause_quote": clause_quote,
    "unit_amount": unit_amount,
    "year_total": year_total,
    "record_count": record_count,
    "next_due": next_due,
}


def run_tool(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    if spec.when_entities and not any(ctx.entities.get(k) for k in spec.when_entities):
        return []
    if spec.when_words and not words_hit(spec.when_words, ctx.text):
        return []
    if spec.unless_words and unless_hit(spec.unless_words, ctx.text, ctx.count_units, spec.unless_not_batch):
        return []
    if spec.only_kinds:
        try:
            kind = str(ctx.crm.profile("kind").value)
        except MissingField:
            return []
        if kind not in spec.only_kinds:
            return []
    try:
        return list(TOOLS[spec.tool](spec, ctx))
    except (ParseError, ValueError, ArithmeticError) as exc:  # a policy number the parser cannot read
        return [CannotCompute(spec.tool, spec.id, f"无法解析：{exc}")]
