"""Small in-test implementations of the ports in contract/ports.py (real logic, tiny data), so the agent's tests do not
depend on the other packages. The demo identifiers follow docs/demo-tenant.md."""

from __future__ import annotations

import re
from typing import Any

from contract.decisions import HumanDecision
from contract.errors import AccessDenied, BackendUnavailable, ConflictError, NotFound
from contract.evidence import Evidence, EvidenceKind
from contract.ports import Actor, ChatResult, Customer360, MaskResult, PiiSpan, PolicyQuery
from contract.suggestions import Draft, GuardVerdict, Suggestion, VerdictOutcome

CLAUSES = [
    ("rebate-ortho", "骨科耗材返点协议V3.2", "3.2", "第3条", "代理商季度回款达到100万元的，按回款额的3%返点；达到300万元的，按5%返点。适用于创伤、关节耗材，包括LCP-3.5。"),
    ("rebate-ortho-old", "骨科耗材返点协议V3.1", "3.1", "第3条", "（已被V3.2取代）季度回款达到100万元的，按2%返点。"),
    ("spine-trial-incentive", "脊柱新品试销激励方案", "1.0", "第2条", "对近6个月未采购脊柱耗材的代理商，试销PS-700首单可享额外2%试销激励。"),
    ("returns-policy", "退换货管理规定", "2.0", "第4条", "未拆封且距效期6个月以上的耗材，自到货之日起15日内可申请退换货。"),
    ("warranty-equipment", "设备保修条款", "1.3", "第7条", "报警代码E-203表示主轴过热，应立即停机并联系售后，保修期内免费检修。"),
    ("discount-authority", "价格折扣审批权限规定", "2.1", "第2条", "销售代表可审批不超过3%的折扣，主管不超过8%，更高需总监审批。"),
    ("delivery-sla", "发货与物流服务规范", "1.1", "第5条", "未经订单系统确认，不得向客户承诺具体到货日期。"),
]  # fmt: skip


class KeywordPolicy:
    """Scores clauses by shared characters/words with the query; never returns the superseded V3.1 unless asked."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    def search(self, query: PolicyQuery) -> list[Evidence]:
        self.queries.append(query.text)
        out = []
        for doc_id, title, version, clause, text in CLAUSES:
            if doc_id.endswith("-old") and not query.include_superseded:
                continue
            hay = title + text
            score = sum(1 for ch in set(query.text) if ch in hay and ch.strip()) / max(
                len(set(query.text)), 1
            )
            out.append(
                Evidence(
                    id=Evidence.make_id(EvidenceKind.POLICY_CLAUSE, doc_id, version, clause),
                    kind=EvidenceKind.POLICY_CLAUSE,
                    title=title,
                    content=text,
                    version=version,
                    score=round(score, 4),
                    source_ids={
                        "doc_id": doc_id,
                        "version": version,
                        "clause": clause,
                        "chunk_id": f"{doc_id}:{clause}",
                    },
                )
            )
        out.sort(key=lambda e: e.score or 0, reverse=True)
        return out[: query.k]


def _signal(customer: str, signal_id: str, text: str) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.SIGNAL, customer, signal_id),
        kind=EvidenceKind.SIGNAL,
        title=signal_id,
        content=text,
        source_ids={"signal_id": signal_id, "business_unit": "ortho", "customer_id": customer},
    )


def _fact(customer: str, field: str, value: str) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.CUSTOMER_FACT, customer, field),
        kind=EvidenceKind.CUSTOMER_FACT,
        title=field,
        content=f"{field} = {value}",
        source_ids={"table": "customers", "row_key": customer, "field": field, "customer_id": customer},
    )


CUSTOMERS = {
    "C1001": ("宁波康达医疗器械有限公司", "rep_zhang", "ortho", [("no_spine_purchase_180d", "近180天无脊柱耗材采购")]),
    "C1002": ("杭州仁济骨科器械有限公司", "rep_zhang", "ortho", []),
    "C1003": ("苏州博远医疗科技有限公司", "rep_li", "ortho", [("contract_expiring_60d", "经销合同60天内到期")]),
    "C1004": ("上海瑞金康复医院", "rep_wang", "equipment", [("telemetry_over_threshold_3d", "CA-2023-0815 主轴温度连续3天超阈值")]),
    "C1005": ("南京鼓楼医疗器械经销部", "rep_li", "ortho", [("order_volume_drop_90d", "近90天订单量下降62%")]),
}  # fmt: skip


class TinyCrm:
    def __init__(self, *, down: bool = False) -> None:
        self.down = down

    def customer_360(self, customer_ref: str, actor: Actor) -> Customer360:
        if self.down:
            raise BackendUnavailable("crm timed out", reason="crm_timeout")
        if customer_ref not in CUSTOMERS:
            raise NotFound(f"unknown customer {customer_ref}", reason="customer_unknown")
        name, owner, bu, signals = CUSTOMERS[customer_ref]
        if actor.role == "rep" and actor.id != owner:
            raise AccessDenied(f"{actor.id} does not own {customer_ref}", reason="not_owner")
        return Customer360(
            customer_id=customer_ref,
            name=name,
            owner_rep=owner,
            business_unit=bu,
            tier="A",
            facts=[_fact(customer_ref, "name", name), _fact(customer_ref, "tier", "A")],
            signals=[_signal(customer_ref, s, t) for s, t in signals],
        )


class RegexPii:
    MOBILE = re.compile(r"1[3-9]\d{9}")

    def mask(self, text: str) -> MaskResult:
        spans, out = [], text
        for n, m in enumerate(self.MOBILE.finditer(text), start=1):
            spans.append(PiiSpan(entity="CN_MOBILE", start=m.start(), end=m.end(), token=f"<CN_MOBILE_{n}>"))
            out = out.replace(m.group(0), f"<CN_MOBILE_{n}>")
        return MaskResult(text=out, spans=spans)


class KeywordInjection:
    PATTERNS = (
        "忽略之前",
        "忽略以上",
        "ignore previous",
        "ignore all",
        "你现在是",
        "system prompt",
        "我是总监",
    )

    def check(self, text: str, *, source: str) -> GuardVerdict:
        hit = [p for p in self.PATTERNS if p.lower() in text.lower()]
        outcome = VerdictOutcome.WARN if hit else VerdictOutcome.ALLOW
        return GuardVerdict(guard="injection", outcome=outcome, reasons=hit, details={"source": source})


class NumbersGrounding:
    """Blocks a draft whose numbers do not appear in any cited evidence."""

    def check(self, draft: Draft, evidence: list[Evidence]) -> tuple[Draft, GuardVerdict]:
        cited = {c.evidence_id for c in draft.citations}
        hay = " ".join(f"{e.title} {e.version} {e.source_ids} {e.content}" for e in evidence if e.id in cited)
        numbers = re.findall(r"\d+(?:\.\d+)?%?", re.sub(r"\[\d+\]", "", draft.text))
        missing = [n for n in numbers if n not in hay]
        outcome = VerdictOutcome.BLOCK if missing else VerdictOutcome.ALLOW
        return draft, GuardVerdict(
            guard="grounding", outcome=outcome, reasons=[f"unsupported:{n}" for n in missing]
        )


class AuthorityRails:
    RANK = {"rep": 0, "agent": 0, "manager": 1, "director": 2, "admin": 3}

    def check(
        self, draft: Draft | None, actions: list[Any], actor: Actor, *, evidence: list[Evidence] | None = None
    ) -> GuardVerdict:
        over = [
            a.name for a in actions if self.RANK.get(a.requires_authority, 0) > self.RANK.get(actor.role, 0)
        ]
        outcome = VerdictOutcome.WARN if over else VerdictOutcome.ALLOW
        return GuardVerdict(
            guard="policy_rails", outcome=outcome, reasons=[f"needs_approval:{n}" for n in over]
        )


class ListLedger:
    def __init__(self) -> None:
        self.suggestions: dict[str, Suggestion] = {}
        self.decisions: dict[str, HumanDecision] = {}
        self.entries: list[dict[str, Any]] = []

    def record_suggestion(self, suggestion: Suggestion, *, inputs: dict[str, Any]) -> str:
        self.suggestions[suggestion.id] = suggestion
        self.entries.append({"type": "suggestion", "suggestion_id": suggestion.id, "inputs": inputs})
        return f"e{len(self.entries)}"

    def record_decision(self, decision: HumanDecision, *, actor: Actor) -> str:
        if decision.suggestion_id not in self.suggestions:
            raise NotFound("unknown suggestion", reason="suggestion_unknown")
        if decision.suggestion_id in self.decisions:
            raise ConflictError("already decided", reason="already_decided")
        self.decisions[decision.suggestion_id] = decision
        self.entries.append(
            {"type": "decision", "suggestion_id": decision.suggestion_id, "kind": decision.kind.value}
        )
        return f"e{len(self.entries)}"


class ScriptedLlm:
    """Returns scripted replies in order (STYLE.md #6); a reply that is an exception instance is raised."""

    name = "scripted"

    def __init__(self, replies: list[Any]) -> None:
        self.replies = list(replies)
        self.calls: list[list[dict[str, str]]] = []

    def complete(self, messages, *, max_tokens=256, temperature=0.2, timeout_s=30.0) -> ChatResult:
        self.calls.append(messages)
        reply = self.replies.pop(0) if self.replies else ""
        if isinstance(reply, Exception):
            raise reply
        return ChatResult(text=reply, model=self.name)


class HashingEmbedder:
    """Character uni/bi-gram hashing into 1024 signed dims: a real (weak) embedder with no model, for fast unit tests."""

    name = "hashing"

    def encode(self, texts: list[str]):
        import hashlib

        import numpy as np

        out = np.zeros((len(texts), 1024), dtype=np.float32)
        for i, text in enumerate(texts):
            t = re.sub(r"\s+", "", text.lower())
            grams = list(t) + [t[j : j + 2] for j in range(len(t) - 1)]
            for g in grams:
                h = int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little")
                out[i, h % 1024] += 1.0 if (h >> 20) & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)
