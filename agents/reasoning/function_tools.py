"""The reasoning tools as JSON-schema functions for an LLM that can call tools (OpenAI `tools` protocol).

The tenant's tools.yaml decides which tools an intent may use; this module offers exactly those to the model, one
function per tool id, with a small typed parameter set the model may fill from the customer's message (the figure
they ask for, a model, a unit count, a code, which of their vehicles). A call runs the SAME deterministic tool
(`run_tool`) on the same governing policy facts and CRM data; the model's arguments only add words to the message the
tool reads, exactly as if the customer had written them — they are requests, never facts. The results become
COMPUTED_FACT evidence through the same `computed_evidence` as the reason node's.

Unknown function names, malformed or mistyped arguments are refused with a reason, never guessed."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Protocol

from agents.reasoning.config import AUTHORITY_TOOL, ToolSpec
from agents.reasoning.results import CannotCompute, Result
from agents.reasoning.tools import ToolContext, run_tool

# what each tool kind can use from the message, as typed parameters (JSON schema); every one is optional
PARAMETERS: dict[str, dict[str, dict[str, Any]]] = {
    AUTHORITY_TOOL: {
        "requested_discount": {
            "type": "string",
            "description": "the discount the customer asks for, as they wrote it (e.g. 9折, 5%, 3个点)",
        }
    },
    "volume_tier": {
        "model": {"type": "string", "description": "the vehicle or product model the customer asks about"},
        "units": {"type": "integer", "minimum": 1, "maximum": 100000, "description": "how many units"},
    },
    "row_lookup": {"value": {"type": "string", "description": "the code or item the customer names"}},
    "scope_rows": {"name": {"type": "string", "description": "the promotion or item the customer names"}},
    "crm_record": {"record_id": {"type": "string", "description": "the order, ticket or contract number"}},
}
ASSET = {
    "asset": {
        "type": "string",
        "description": "which of the customer's vehicles or assets: model, plate or VIN tail, if named",
    }
}
for _kind in ("term_end", "renewal_window", "row_tier", "days_since", "eligibility", "tier_rate"):
    PARAMETERS.setdefault(_kind, {}).update(ASSET)

SAFE_TEXT = re.compile(r"^[\w\u4e00-\u9fff%％.，,、·\- ]{1,40}$")


def function_name(spec: ToolSpec) -> str:
    """OpenAI function names: letters, digits, _ and - only (the tools.yaml id, made safe)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", spec.id)[:64] or spec.tool


def describe(spec: ToolSpec) -> str:
    what = {
        AUTHORITY_TOOL: "Check whether a discount the customer asks for is within the rep's authority, and who approves",
        "volume_tier": "The customer's volume tier and discount from last year's purchases; unit price for a model",
        "tier_rate": "The rate of a tier table for this customer's purchase amount",
        "row_lookup": "Look up the policy table row for this customer or the code they name",
        "term_end": "Compute when a term (e.g. a warranty) ends from the customer's own dates",
        "renewal_window": "When the customer's contract ends and when its renewal window opens",
        "eligibility": "Whether the customer is eligible for a policy (region, window, customer type)",
        "days_since": "Days since the customer's last purchase",
        "crm_record": "Read one of the customer's records (order, ticket, contract)",
        "scope_rows": "Which offers apply to this customer (period, region, product, customer type)",
        "row_tier": "The tier of a table row for a value derived from the customer's data (e.g. vehicle age)",
    }.get(spec.tool, spec.tool)
    doc = f" (policy: {spec.doc})" if spec.doc else ""
    label = f" — {spec.label}" if spec.label else ""
    return f"{what}{doc}{label}."


def schemas(specs: list[ToolSpec]) -> list[dict[str, Any]]:
    """One OpenAI function per tool id (first spec of an id wins)."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for spec in specs:
        name = function_name(spec)
        if name in seen:
            continue
        seen.add(name)
        out.append(
            {
                "type": "function",
                "function": {
                    "name": name,
                    "description": describe(spec),
                    "parameters": {
                        "type": "object",
                        "properties": dict(PARAMETERS.get(spec.tool, {})),
                        "additionalProperties": False,
                    },
                },
            }
        )
    return out


class ArgumentError(ValueError):
    pass


def _words(spec: ToolSpec, arguments: dict[str, Any]) -> str:
    """The arguments as words added to the message the tool reads ("3台", "某品牌X7", "9折"). Checked against the
    schema: unknown keys, wrong types and anything but short plain text are refused."""
    allowed = PARAMETERS.get(spec.tool, {})
    extra = set(arguments) - set(allowed)
    if extra:
        raise ArgumentError(f"unknown argument(s) {sorted(extra)}")
    words: list[str] = []
    for key, value in arguments.items():
        kind = allowed[key]["type"]
        if kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ArgumentError(f"{key} must be an integer")
            if not 1 <= value <= int(allowed[key].get("maximum", 100000)):
                raise ArgumentError(f"{key} out of range")
            words.append(f"{value}台" if key == "units" else str(value))
            continue
        if not isinstance(value, str) or not SAFE_TEXT.match(value.strip()):
            raise ArgumentError(f"{key} must be short plain text")
        words.append(value.strip())
    return " ".join(words)


@dataclass(frozen=True)
class Call:
    name: str
    arguments: dict[str, Any]


class HasCalls(Protocol):
    name: str
    arguments: dict[str, Any]


def run_calls(calls: list[HasCalls], specs: list[ToolSpec], ctx: ToolContext) -> list[Result]:
    """Runs each call on its tool; a call the model got wrong becomes CannotCompute with the reason."""
    by_name: dict[str, ToolSpec] = {}
    for s in specs:
        by_name.setdefault(function_name(s), s)
    out: list[Result] = []
    for call in calls:
        spec = by_name.get(call.name)
        if spec is None:
            out.append(CannotCompute("llm_call", call.name, f"模型调用了未提供的工具 {call.name!r}"))
            continue
        try:
            words = _words(spec, dict(call.arguments or {}))
        except ArgumentError as exc:
            out.append(CannotCompute(spec.tool, spec.id, f"模型给出的参数不合法：{exc}"))
            continue
        # the model asked for this tool: its own gates (when_words …) are the model's choice now, kinds still hold
        called = spec.model_copy(update={"when_words": [], "when_entities": []})
        local = replace(ctx, text=f"{ctx.text} {words}".strip()) if words else ctx
        out += run_tool(called, local)
    return out
