"""perceive reads traditional characters (繁體) as simplified ones for every node after it (intent, retrieval, tools,
authorization), while the message keeps the customer's own characters; understand reads a message whose only
substantive sentences the injection guard dropped as it reads a wholly flagged one; and `classify_once` reads once and
decides from that read, without patching the classifier."""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from agents import Copilot
from agents.nodes.understand import classify_once, says_little_of
from agents.state import CopilotState
from agents.understanding.intent import EmbeddingIntentClassifier, IntentInput
from tests.agents.agent_helpers import msg


def _state(cp: Copilot, conv: str) -> dict[str, Any]:
    return cp.graph.get_state({"configurable": {"thread_id": f"demo:{conv}"}}).values


def test_traditional_characters_read_as_simplified(make_deps: Any, zhang: Any) -> None:
    cp = Copilot(make_deps())
    simple = cp.handle(msg("我的订单发货了吗，什么时候到", conv="s"), zhang)
    trad = cp.handle(msg("我的訂單發貨了嗎，什麼時候到", conv="t"), zhang)
    assert trad is not None and simple is not None
    assert trad.intent.name == simple.intent.name and not trad.intent.abstained
    state = _state(cp, "t")
    assert state["text"] == state["masked_text"] == "我的订单发货了吗，什么时候到"
    assert (
        state["message"]["parts"][0]["text"] == "我的訂單發貨了嗎，什麼時候到"
    )  # the customer's own characters


def _st(**kw: Any) -> CopilotState:
    return cast(CopilotState, kw)


def test_a_greeting_left_by_the_guard_does_not_decide() -> None:
    said = "Hi! I bought it in May, which plan am I on? thx"
    flagged = _st(flags=["injection_suspected"], masked_text=said)
    assert says_little_of("Hi! thx", flagged)
    assert not says_little_of("I bought it in May, which plan am I on?", flagged)  # the need is still there
    assert not says_little_of("Hi! thx", _st(masked_text=said))  # nothing was dropped
    assert not says_little_of("", flagged)  # nothing left: the wholly-flagged branch reads it already
    # a statement kept, the question dropped with the flagged sentence
    dropped = _st(flags=["injection_suspected"], masked_text="想再买三台车。[覆盖规则的话]那单价能到多少？")
    assert says_little_of("想再买三台车。", dropped)
    kept = _st(flags=["injection_suspected"], masked_text="想再买三台车。单价能到多少？[话]")
    assert not says_little_of("想再买三台车。单价能到多少？", kept)


def test_classify_once_reads_once_and_decides(tenant: Any, embedder: Any) -> None:
    clf = EmbeddingIntentClassifier(tenant, embedder)
    calls: list[str] = []
    read = clf.read

    def counted(text: str, ctx: IntentInput | None = None) -> Any:
        calls.append(text)
        return read(text, ctx)

    clf.read = counted  # type: ignore[method-assign]
    ctx = IntentInput()
    boosts = {"complaint": 0.3}
    got, scores = classify_once(clf, "订单什么时候发货", boosts, ctx)
    assert calls == ["订单什么时候发货"]
    want_scores, support, info = read("订单什么时候发货", ctx)
    assert got == clf.decide(want_scores, support, info, boosts=boosts)
    assert scores is not None and np.allclose(scores, want_scores)  # before the boost


def test_a_traditional_script_name_and_phone_are_masked(make_deps: Any, zhang: Any) -> None:
    # the masker's name rules read simplified characters: perceive simplifies first, then masks (review R14-09)
    from guardrails.pii.masker import RuleMasker

    cp = Copilot(make_deps(pii=RuleMasker()))
    cp.handle(msg("我是張明先生，電話13912345678，我的訂單發貨了嗎", conv="n"), zhang)
    state = _state(cp, "n")
    for field in ("text", "masked_text"):
        said = state[field]
        assert "张明" not in said and "張明" not in said, said
        assert "13912345678" not in said, said
        assert "订单发货" in said  # still read as simplified
