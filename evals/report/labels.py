"""Chinese-first labels (with English) for metrics, statuses and sections of the reports."""

from __future__ import annotations

METRIC_LABELS = {
    "cases.pass_rate": "用例通过率 Case pass rate",
    "cases.errors": "出错用例数 Errored cases",
    "cases.error_rate": "出错率 Error rate",
    "cases.n": "用例数 Cases",
    "intent.accuracy": "意图准确率 Intent accuracy",
    "intent.macro_f1": "意图宏F1 Intent macro-F1",
    "intent.abstain_precision": "拒答精确率 Abstain precision",
    "intent.abstain_recall": "拒答召回率 Abstain recall",
    "retrieval.recall@1": "检索召回@1 Retrieval recall@1",
    "retrieval.recall@3": "检索召回@3 Retrieval recall@3",
    "retrieval.recall@5": "检索召回@5 Retrieval recall@5",
    "retrieval.mrr": "检索MRR Retrieval MRR",
    "citation.precision": "引用精确率 Citation precision",
    "action.top1": "动作Top-1 Action top-1",
    "action.top3": "动作Top-3 Action top-3",
    "must_mention.coverage": "必提要点覆盖率 Must-mention coverage",
    "must_not.violations": "禁止表述违规数 Must-not violations",
    "documents.forbidden_violations": "引用失效版本数 Forbidden-document citations",
    "signals.recall": "客户信号召回 Signal recall",
    "pii.leaks": "隐私泄露数 PII leaks",
    "grounding.allow_rate": "依据校验通过率 Grounding allow rate",
    "grounding.block_rate": "依据校验拦截率 Grounding block rate",
    "turns.scored": "评分轮次 Scored turns",
}

STATUS_LABELS = {"pass": "通过 pass", "fail": "未通过 fail", "error": "出错 error"}


def metric_label(metric: str) -> str:
    if metric in METRIC_LABELS:
        return METRIC_LABELS[metric]
    if metric.startswith("latency."):
        _, node, stat = metric.split(".", 2)
        return f"时延 {node} {stat.removesuffix('_ms')} (ms) Latency"
    return metric


def fmt(value: float | None, metric: str = "") -> str:
    if value is None:
        return "—"
    if metric.endswith("_ms"):
        return f"{value:.0f}"
    if (
        metric.endswith((".n", "violations", "leaks", "errors", "scored"))
        or float(value).is_integer()
        and value > 1
    ):
        return f"{value:.0f}"
    return f"{value:.3f}"
