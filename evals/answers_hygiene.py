"""Draft hygiene: what a customer must never receive, checked on every draft of every suite.

- table_markup: `| a | b |` rows or `|---|` separators pasted into the text;
- internal_tag: 【摘录草稿】-style tags or "[Extractive draft]" in the sent text;
- repeated_heading: a clause heading said twice in a row ("第四条：第四条");
- parrots_customer: character-bigram Jaccard with the customer's message > 0.3;
- wrong_addressee: the CRM contact's form of address (王经理) missing from the opening, or another one used (for a
  refusal to someone speaking for the account holder: the holder's address used);
- unsupported_claim: a number, date or approval in the draft that no evidence or computed fact of the suggestion holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from agents.drafting.template import address, address_en
from agents.reasoning.crm import CrmRecord
from guardrails.grounding.claims import canon, extract

CHECKS = (
    "table_markup",
    "internal_tag",
    "repeated_heading",
    "parrots_customer",
    "wrong_addressee",
    "unsupported_claim",
)
TABLE = re.compile(r"(?m)^\s*\|.*\|\s*$|\|\s*:?-{3,}|(?:\|[^|\n]*){3,}\|")
TAG = re.compile(r"【[^】]{1,12}】|\[(?:Extractive draft|Draft|Template)\]", re.I)
CN = "一二三四五六七八九十百千零〇两"
HEADING = re.compile(rf"(第[{CN}\d]+条|\d+(?:\.\d+)+)\s*[：:、\s]?\s*\1")
APPROVAL = re.compile(r"已(?:经)?(?:为您)?(?:批准|审批通过|同意|提交|申请|安排好)|审批(?:已)?通过了?|已获批")
MARKER = re.compile(r"\[\d{1,3}\]")
NUMERIC_KINDS = ("percent", "money", "date", "quantity", "number")


def bigrams(text: str) -> set[str]:
    t = re.sub(r"\s+|\[\d+\]", "", text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


def jaccard(a: str, b: str) -> float:
    x, y = bigrams(a), bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def expected_addressees(evidence: Iterable[dict[str, Any]]) -> set[str]:
    """Every acceptable form of address: each CRM contact's salutation or name + title."""
    from contract.evidence import Evidence

    facts = [Evidence.model_validate(e) for e in evidence if e.get("kind") == "customer_fact"]
    from datetime import date

    contacts = CrmRecord({}, facts, today=date.today()).contacts()
    return {f(c) for c in contacts for f in (address, address_en)} - {""}  # Chinese or English drafts


def _claim_keys(text: str) -> set[tuple[str, str]]:
    out = set()
    for c in extract(canon(MARKER.sub(" ", text))):
        if c.kind in NUMERIC_KINDS:
            out.add((c.kind, repr(c.value)))
    return out


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?", canon(text).replace(",", "")))


def check_draft(draft: str, customer_text: str, suggestion: dict[str, Any]) -> dict[str, list[str]]:
    """check → what was found (empty lists when clean)."""
    found: dict[str, list[str]] = {k: [] for k in CHECKS}
    if not draft.strip():
        return found
    found["table_markup"] = TABLE.findall(draft)[:3]
    found["internal_tag"] = TAG.findall(draft)[:3]
    found["repeated_heading"] = [m.group(0) for m in HEADING.finditer(draft)][:3]
    if customer_text.strip() and (j := jaccard(draft, customer_text)) > 0.3:
        found["parrots_customer"] = [f"jaccard {j:.2f}"]
    evidence = list(suggestion.get("evidence") or [])
    who = expected_addressees(evidence)
    # the greeting up to its first comma or sentence end (an English title runs long: "Hello Deputy General Manager
    # Pan,"), at most 60 characters
    opening = re.match(r"[^，,。！!？?\n]{0,60}", draft).group(0)  # type: ignore[union-attr]  # {0,…} always matches
    if {"refused:not_account_holder", "refused:not_on_call"} & set(suggestion.get("flags") or []):
        # the sender said they speak for the account holder («我是何伟的爱人»), or the caller on a call asked about
        # another account: the CRM contact is not who reads the draft, so greeting them by the holder's name is
        # the wrong addressee (a plain 您好 is right)
        if who and any(w in opening for w in who):
            found["wrong_addressee"] = [f"greets the account holder, not the sender: {opening}"]
    elif who and not any(w in opening for w in who):
        found["wrong_addressee"] = [f"expected one of {sorted(who)}: {opening}"]
    elif not who and re.match(r"^\s*尊敬的", draft):
        found["wrong_addressee"] = [opening]
    # numbers, dates and approvals must be among the evidence and computed facts of this suggestion
    support = "\n".join(
        f"{e.get('title', '')} V{e.get('version', '')}\n{e.get('content', '')}" for e in evidence
    )
    keys, numbers = _claim_keys(support), _numbers(support)
    for c in extract(canon(MARKER.sub(" ", draft))):
        if c.kind not in NUMERIC_KINDS:
            continue
        if (c.kind, repr(c.value)) in keys:
            continue
        digits = re.findall(r"\d+(?:\.\d+)?", c.text.replace(",", ""))
        if digits and all(d in numbers for d in digits):
            continue  # the same figure written another way (86.23 万元 vs 862,300.00)
        found["unsupported_claim"].append(c.text)
    for m in APPROVAL.finditer(draft):
        if m.group(0) not in support:
            found["unsupported_claim"].append(m.group(0))
    return found
