"""Optional LLM-as-judge (off by default, never required): scores a draft against the expectations and the human's
reference reply, 0..1, through any `contract.ports.ChatModel`. Enabled by `judge:` in the run config."""

from __future__ import annotations

import importlib
import json
import re
from typing import Any

from contract.ports import ChatModel
from evals.runner.results import RunResult

PROMPT = """你是客服回复质量评审。根据客户消息、期望要点和参考回复，给草稿打分（0到1）。
只输出 JSON：{{"score": 0.0-1.0, "reason": "一句话理由"}}
客户消息：{message}
期望要点：{points}
参考回复：{reference}
草稿：{draft}"""


class LlmJudge:
    def __init__(self, chat: ChatModel, *, max_tokens: int = 120) -> None:
        self.chat = chat
        self.max_tokens = max_tokens

    def score(self, message: str, draft: str, expect: dict[str, Any]) -> tuple[float | None, str]:
        points = "; ".join(str(x) for x in expect.get("must_mention", [])) or "（无）"
        prompt = PROMPT.format(
            message=message, points=points, reference=expect.get("reference_draft", "（无）"), draft=draft
        )
        try:
            out = self.chat.complete(
                [{"role": "user", "content": prompt}], max_tokens=self.max_tokens, temperature=0.0
            )
        except Exception as exc:  # a judge failure is reported, never a case failure
            return None, f"judge unavailable: {exc}"
        m = re.search(r"\{.*\}", out.text, re.S)
        try:
            data = json.loads(m.group(0)) if m else {}
            return max(0.0, min(1.0, float(data["score"]))), str(data.get("reason", ""))
        except (ValueError, KeyError, TypeError):
            return None, f"unparseable judge output: {out.text[:80]!r}"


def judge_from_config(config: dict[str, Any]) -> LlmJudge | None:
    """`judge:` in the run config; absent → no judge. Backends: `{backend: openai, base_url, model, api_key}` (any
    OpenAI-compatible server), `{backend: local}` (the offline GGUF; slow on 2 cores), or `{factory: "pkg.mod:fn"}`
    returning a `contract.ports.ChatModel` (called with the judge mapping)."""
    spec = config.get("judge")
    if not spec:
        return None
    backend = spec.get("backend", "")
    chat: Any
    if backend == "openai":
        from agents.llm.openai_compat import OpenAICompatChat

        chat = OpenAICompatChat(spec["base_url"], spec["model"], api_key=str(spec.get("api_key", "")))
    elif backend == "local":
        from agents.llm.local import LocalLlm
        from copilot.settings import Settings

        chat = LocalLlm(spec.get("model_dir") or Settings().model_cache_dir)
    else:
        module, _, attr = str(spec["factory"]).partition(":")
        chat = getattr(importlib.import_module(module), attr)(spec)
    return LlmJudge(chat)


def apply_judge(run: RunResult, judge: LlmJudge) -> RunResult:
    """Adds a `judge` score to each scored turn with a draft and the mean as metric judge.mean_score."""
    scores = []
    for case in run.cases:
        for t in case.turns:
            draft = ((t.suggestion or {}).get("draft") or {}).get("text", "")
            if not t.expect or not draft:
                continue
            score, reason = judge.score(t.text, draft, t.expect)
            if t.facts is not None:
                t.facts["judge"] = score
            t.checks.append({"name": "judge (info)", "passed": True, "detail": f"{score} {reason}"})
            if score is not None:
                scores.append(score)
    run.metrics["judge.mean_score"] = sum(scores) / len(scores) if scores else None
    return run
