"""Sums the customer asks for across tools: "换新补贴加上冬季直降，一共能少多少" adds the per-unit savings two tools computed,
only when the governing policies say they stack (a sentence naming the other offer with 同享 / 叠加 and no 不). A sum the
policies do not allow, or do not speak to, is "can't compute" with the reason, never a guessed total."""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import combinations

from agents.reasoning import money
from agents.reasoning.base import ToolContext, _yuan_plain
from agents.reasoning.results import CannotCompute, Computed, Input, Result, Source

# the customer asks for one figure over several savings
SUM_WORDS = re.compile(
    r"加起来|加在一起|一共|总共|合计|共计|总计|一起能|共能|in total|altogether|combined|all together",
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


def sum_savings(results: list[Result], ctx: ToolContext, evidence_id: dict[int, str]) -> list[Result]:
    """One total per unit of the savings computed for this message, when the message asks for a sum ("一共能少多少") and
    two tools each computed one; `evidence_id` maps a result (by id()) to its COMPUTED_FACT evidence id."""
    if not SUM_WORDS.search(ctx.text):
        return []
    savings = [r for r in results if isinstance(r, Computed) and r.saving is not None]
    by_tool: dict[str, Computed] = {}
    for r in savings:
        by_tool.setdefault(r.name, r)
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
            f"the {a.saving.label} of CNY {_yuan_plain(x)} and the {b.saving.label} of CNY {_yuan_plain(y)} stack: "
            f"CNY {_yuan_plain(total)} off per unit in total"
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
