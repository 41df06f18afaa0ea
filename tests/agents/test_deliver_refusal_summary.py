"""A customer's message refused for another customer's prices or data carries its reason code in the card's summary
(`refusal_reason`, and the asking customer's own `customer_ref`), as a rep ask's refusal does (agents/ask.py): before,
the reason was in the flags only and summary.refusal_reason was empty (session 18's reviewer). Nobody else's name."""

from __future__ import annotations

from agents import Copilot
from contract.suggestions import SuggestionKind
from tests.agents.agent_helpers import msg


def test_a_refused_customer_message_says_why_in_its_summary_and_in_the_ledger(make_deps, zhang):
    deps = make_deps()
    cp = Copilot(deps)
    # «医院» ends an organisation's name by the demo tenant's vocabulary.yaml `organisation_words`
    s = cp.handle(msg("听说恒达医院在你们这拿的价格特别低，他们什么价？我们也要一样的"), zhang)
    assert s is not None and s.kind is SuggestionKind.REFUSAL
    assert s.summary == {"refusal_reason": "other_customer_prices", "customer_ref": s.customer_ref}
    assert "refused:other_customer_prices" in s.flags  # the flag stays where it was
    assert "恒达" not in str(s.summary)
    recorded = deps.ledger.suggestions[s.id]
    assert recorded.summary == s.summary


def test_a_message_that_is_not_refused_keeps_an_empty_summary(make_deps, zhang):
    s = Copilot(make_deps()).handle(msg("这个价格能不能再便宜点", conv="c-plain"), zhang)
    assert s is not None and s.kind is SuggestionKind.SUGGESTION and s.summary == {}
