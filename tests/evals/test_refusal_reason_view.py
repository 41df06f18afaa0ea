"""Where the evaluator reads a refusal's logged reason: a customer-side REFUSAL carries the access decision as a
`refused:<reason>` flag and may also carry a "can't compute" note on its answer; the flag is the reason scored."""

from __future__ import annotations

from evals.metrics.suggestion_view import refusal_reason


def test_summary_reason_first() -> None:
    s = {"summary": {"refusal_reason": "not_owner"}, "flags": ["refused:other_customer_prices"]}
    assert refusal_reason(s) == "not_owner"


def test_flag_before_cannot_compute_note() -> None:
    s = {
        "kind": "refusal",
        "flags": ["guard:pii", "refused:not_account_holder"],
        "answer": {"status": "none", "cannot_compute": "另一客户的数据不参与计算"},
    }
    assert refusal_reason(s) == "not_account_holder"


def test_cannot_compute_only_when_no_logged_reason() -> None:
    assert refusal_reason({"answer": {"cannot_compute": "缺少交付日期"}}) == "缺少交付日期"
    assert refusal_reason({}) == ""
