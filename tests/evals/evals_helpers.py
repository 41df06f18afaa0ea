"""Scripted eval targets for the evals tests: they build real contract Suggestions (evidence, citations, actions)
from keyword rules, so the runner, metrics and reports are exercised without the graph. Not a mock of the graph's
behaviour — the graph itself is exercised by `services_target` once copilot.wiring lands."""

from __future__ import annotations

import threading
from typing import Any

from contract import (
    Action,
    Citation,
    Draft,
    DraftSource,
    Evidence,
    EvidenceKind,
    InboundMessage,
    Intent,
    Suggestion,
)
from contract.ports import Actor

POLICIES = {
    ("rebate-ortho", "3.2"): (
        "骨科耗材返点协议V3.2",
        "第四条 创伤耗材 LCP-3.5 季度采购额50万至100万元返点2.5%，200万元以上返点5%。",
    ),
    ("rebate-ortho", "3.1"): ("骨科耗材返点协议V3.1", "第四条 创伤耗材季度采购额50万至100万元返点2%。"),
    ("spine-trial-incentive", "1.0"): (
        "脊柱新品试销激励方案",
        "第三条 首次采购 PS-700 首单货款九折，试销期累计30万元额外返点3%。",
    ),
    ("warranty-equipment", "1.3"): (
        "设备保修条款",
        "第五条 报警代码 E-203 主轴过热：立即停机并报修，保修期内免费上门。",
    ),
    ("discount-authority", "2.1"): (
        "价格折扣审批权限规定",
        "第二条 销售代表可批折扣不超过3%，经理不超过8%，超过8%须总监审批。",
    ),
    ("returns-policy", "2.0"): ("退换货管理规定", "第三条 外包装破损的产品可在签收后7日内申请退换。"),
    ("dealer-agreement", "4.0"): (
        "经销商合作协议（标准版）",
        "第十条 合同期满前60日内可申请续签，需提交营业执照和年度销售报告。",
    ),
}


def policy(doc_id: str, version: str, clause: str = "第四条", score: float = 0.9) -> Evidence:
    title, content = POLICIES[(doc_id, version)]
    return Evidence(
        id=Evidence.make_id(EvidenceKind.POLICY_CLAUSE, doc_id, version, clause),
        kind=EvidenceKind.POLICY_CLAUSE,
        title=title,
        content=content,
        source_ids={"doc_id": doc_id, "version": version, "clause": clause},
        version=version,
        score=score,
    )


def signal(signal_id: str) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.SIGNAL, signal_id),
        kind=EvidenceKind.SIGNAL,
        content=f"signal {signal_id}",
        source_ids={"signal_id": signal_id},
    )


def build(
    msg: InboundMessage,
    intent: str,
    *,
    docs: list[tuple[str, str]] = (),  # type: ignore[assignment]
    actions: list[tuple[str, dict[str, Any], int]] = (),  # type: ignore[assignment]
    draft: str = "",
    signals: list[str] = (),  # type: ignore[assignment]
    timings: dict[str, float] | None = None,
    grounding: str | None = None,
) -> Suggestion:
    """A suggestion citing docs[i] as [i+1]; each action cites evidence index `ev` (or none when ev < 0)."""
    evidence = [policy(d, v, score=0.9 - 0.1 * i) for i, (d, v) in enumerate(docs)] + [
        signal(s) for s in signals
    ]
    cites = [
        Citation(marker=str(i + 1), evidence_id=evidence[i].id)
        for i in range(len(docs))
        if f"[{i + 1}]" in draft
    ]
    acts = [
        Action(name=n, parameters=p, evidence_ids=[evidence[ev].id] if ev >= 0 else [], score=1.0 - 0.1 * k)
        for k, (n, p, ev) in enumerate(actions)
    ]
    from contract import GuardVerdict, VerdictOutcome

    verdicts = [GuardVerdict(guard="grounding", outcome=VerdictOutcome(grounding))] if grounding else []
    return Suggestion(
        tenant="demo",
        conversation_id=msg.conversation_id,
        message_id=msg.message_id,
        customer_ref=msg.customer_ref,
        intent=Intent(name=intent, confidence=0.9, abstained=intent == "out_of_scope"),
        actions=acts,
        draft=Draft(text=draft, citations=cites, source=DraftSource.EXTRACTIVE) if draft else None,
        evidence=evidence,
        verdicts=verdicts,
        timings_ms=timings or {"understand": 12.0, "ground_policy": 30.0, "draft": 5.0},
    )


def demo_brain(msg: InboundMessage, *, good: bool = True) -> Suggestion:
    """Keyword rules answering the demo suite. good=False cites the superseded V3.1 and misses the spine push."""
    text = msg.text() or " ".join(
        str(getattr(p, "transcript", "") or getattr(p, "ocr_text", "") or "") for p in msg.parts
    )
    low = text.lower()
    if "返点" in text or "rebate" in low:
        if not good:
            return build(
                msg,
                "rebate_policy",
                docs=[("rebate-ortho", "3.1")],
                actions=[("send_policy_document", {"doc_id": "rebate-ortho"}, 0)],
                draft="按V3.1：返点2%[1]。",
            )
        acts = [("send_policy_document", {"doc_id": "rebate-ortho", "version": "3.2"}, 0)]
        docs = [("rebate-ortho", "3.2")]
        sig: list[str] = []
        if msg.customer_ref == "C1001":
            docs.append(("spine-trial-incentive", "1.0"))
            acts.insert(0, ("push_campaign", {"doc_id": "spine-trial-incentive"}, 1))
            sig = ["no_spine_purchase_180d"]
        return build(
            msg,
            "rebate_policy",
            docs=docs,
            actions=acts,
            signals=sig,
            draft="按V3.2，LCP-3.5 季度采购50万至100万元返点2.5%[1]。",
            grounding="allow",
        )
    if "九折" in text or "五折" in text:
        return build(
            msg,
            "price_discount",
            docs=[("discount-authority", "2.1")],
            actions=[("escalate_to_manager", {}, 0)],
            draft="销售代表可批折扣不超过3%[1]，我帮您申请经理审批。",
        )
    if "E-203" in text or "C形臂" in text:
        return build(
            msg,
            "device_alarm",
            docs=[("warranty-equipment", "1.3")],
            actions=[("create_service_ticket", {}, 0)],
            signals=["telemetry_over_threshold_3d"],
            draft="E-203 主轴过热请立即停机[1]。",
        )
    if "保修" in text:
        return build(
            msg, "warranty_repair", docs=[("warranty-equipment", "1.3")], draft="保修期内免费上门[1]。"
        )
    if "破损" in text:
        return build(
            msg,
            "return_exchange",
            docs=[("returns-policy", "2.0")],
            draft="外包装破损可在签收后7日内申请退换[1]。",
        )
    if "发货" in text:
        return build(
            msg, "order_status", actions=[("check_order_status", {}, -1)], draft="我先帮您查一下订单系统。"
        )
    if "合同" in text:
        return build(
            msg,
            "contract_renewal",
            docs=[("dealer-agreement", "4.0")],
            actions=[("renew_contract", {}, 0)],
            signals=["contract_expiring_60d"],
            draft="合同期满前60日内可申请续签[1]。",
        )
    if "价格" in text:
        return build(
            msg, "price_discount", signals=["order_volume_drop_90d"], draft="我了解一下可以申请的支持。"
        )
    if "试销" in text:
        return build(
            msg, "product_info", docs=[("spine-trial-incentive", "1.0")], draft="PS-700 首单货款九折[1]。"
        )
    if "PS-700" in text:
        return build(msg, "product_info", draft="我把 PS-700 的资料发您。")
    if "发票" in text:
        return build(msg, "invoice", draft="好的，联系人 <CN_MOBILE_1>，我来开票。")
    if "失望" in text:
        return build(
            msg, "complaint", actions=[("escalate_to_manager", {}, -1)], draft="非常抱歉，我马上跟进。"
        )
    if "早上好" in text:
        return build(msg, "greeting", draft="早上好！")
    if "返" not in text and ("钓鱼" in text or "诗" in text):
        return build(msg, "out_of_scope")
    return build(msg, "product_info", draft="好的。")


class ScriptedTarget:
    """Answers with `demo_brain`; raises on messages containing `crash_on`; counts calls (thread-safe)."""

    thread_safe = True

    def __init__(self, *, good: bool = True, crash_on: str | None = None) -> None:
        self.good, self.crash_on = good, crash_on
        self.calls = 0
        self.resets = 0
        self._lock = threading.Lock()

    def run_turn(self, msg: InboundMessage, actor: Actor) -> Suggestion:
        with self._lock:
            self.calls += 1
        if self.crash_on and self.crash_on in msg.text():
            raise RuntimeError("graph exploded: 模拟崩溃")
        return demo_brain(msg, good=self.good)

    def reset(self) -> None:
        self.resets += 1

    def describe(self) -> dict[str, Any]:
        return {"kind": "scripted", "good": self.good, "crash_on": self.crash_on}


def make_scripted_target(config: dict[str, Any]) -> ScriptedTarget:
    """Factory for run configs: `target: tests.evals.evals_helpers:make_scripted_target`."""
    return ScriptedTarget(good=bool(config.get("good", True)), crash_on=config.get("crash_on"))
