"""Conversation summaries for hand-off and wrap-up: what was asked, what was suggested and decided, a disposition code
and follow-up tasks. Built from the thread's history only (no model), so it never invents anything."""

from __future__ import annotations

from collections import Counter
from typing import Any

FOLLOW_UP_ACTIONS = {
    "create_service_ticket": "跟进服务工单处理进度",
    "schedule_visit": "安排上门拜访",
    "push_campaign": "跟进活动方案反馈",
    "renew_contract": "推进合同续签",
    "escalate_to_manager": "等待主管审批结果",
    "send_quote": "跟进报价反馈",
    "check_order_status": "确认订单物流并回复客户",
    "offer_discount": "确认折扣审批",
    "handoff_to_human": "人工接管后回访客户",
}
DISPOSITIONS = {
    "complaint": "complaint_logged",
    "warranty_repair": "service_ticket",
    "device_alarm": "service_ticket",
    "order_status": "order_inquiry_answered",
    "rebate_policy": "policy_info_sent",
    "price_discount": "pricing_discussed",
    "contract_renewal": "renewal_in_progress",
    "return_exchange": "return_in_progress",
    "invoice": "invoice_handled",
    "product_info": "product_info_sent",
    "greeting": "no_action",
    "out_of_scope": "handed_off",
}


def summarize(history: list[dict[str, Any]], current: dict[str, Any] | None = None) -> dict[str, Any]:
    """`current` is the turn being handled right now (a hand-off is proposed before its turn reaches the history).
    A turn whose transcript was uncertain (the card asked the agent to confirm) never decides the main request: its
    intent was a guess, and a wrap-up is read as fact."""
    turns = [h for h in history if h.get("role") == "customer"] + ([current] if current else [])
    decisions = {h["suggestion_id"]: h for h in history if h.get("role") == "decision"}
    intents = [t.get("intent", "") for t in turns if t.get("intent")]
    confident = [t["intent"] for t in turns if t.get("intent") and not t.get("uncertain")]
    uncertain = sum(1 for t in turns if t.get("uncertain"))
    counts = Counter(i for i in confident if i != "out_of_scope")
    top = max(counts.values(), default=0)
    main = next(
        (i for i in reversed(confident) if counts.get(i) == top), "out_of_scope"
    )  # ties: the latest wins
    accepted_actions: list[str] = []
    for t in turns:
        d = decisions.get(t.get("suggestion_id", ""))
        if d is None or d.get("kind") in ("accept", "edit"):
            accepted_actions += t.get("actions", [])
    follow_ups = [FOLLOW_UP_ACTIONS[a] for a in dict.fromkeys(accepted_actions) if a in FOLLOW_UP_ACTIONS]
    asked = "；".join(t.get("text", "")[:60] for t in turns[-5:])
    rep_replies = sum(1 for h in history if h.get("role") == "rep")
    said_main = "待坐席确认（转写不确定）" if main == "out_of_scope" and uncertain else main
    text = (
        f"客户共发来 {len(turns)} 条消息，主要诉求：{said_main}。最近的问题：{asked}。"
        f"已建议动作：{'、'.join(dict.fromkeys(accepted_actions)) or '无'}；人工回复 {rep_replies} 次。"
    )
    return {
        "summary": text,
        "disposition": "pending_confirmation" if said_main != main else DISPOSITIONS.get(main, "other"),
        "follow_ups": follow_ups,
        "intents": intents,
        "turns": len(turns),
        "uncertain_turns": uncertain,
    }
