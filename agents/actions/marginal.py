"""Actions over the likely intents, not only the one read (issue #16: actions that generalise).

A message's intent is a guess when the classifier abstained or read it with little confidence; ranking actions from that
one guess (or from the hand-off alone) throws away what the classifier knows about the others. Here the classifier's own
distribution over intents, p(intent | message), weighs what each likely intent's rules and catalog would put on the card:

    score(action) = Σ_intent p(intent | message) · s(action | intent)

where s(action | intent) is the action's place on the card the pack proposes for the message read as that intent
(reciprocal rank), and the card as read keeps the weight of its own reading. Nothing here knows a tenant's intents or
actions: the distribution is the classifier's (`read`, the public scores, and its softmax temperature), the per-intent
cards are the pack's own playbooks and catalog."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only: playbook imports this module, and the graph's types import the agents
    from agents.actions.playbook import DecisionInput
    from agents.deps import AgentDeps
    from agents.state import CopilotState
    from agents.understanding.intent import EmbeddingIntentClassifier, IntentInput
    from contract.suggestions import Intent

# intents kept from the distribution: the most likely MAX_INTENTS with at least MIN_SHARE of the mass
MAX_INTENTS = 3
MIN_SHARE = 0.1


def intent_distribution(
    clf: EmbeddingIntentClassifier, text: str, ctx: IntentInput | None = None
) -> dict[str, float]:
    """p(intent | message) from the classifier's scores (its `read`), softmaxed at its own temperature: the likely
    intents (MAX_INTENTS with ≥ MIN_SHARE), renormalised; out-of-scope is one of them when the classifier has it.
    {} when the classifier has no `read` (an LLM classifier) or the text is empty."""
    read = getattr(clf, "read", None)
    classes = list(getattr(clf, "classes", []) or [])
    if read is None or not classes or not text.strip():
        return {}
    return distribution(classes, read(text, ctx)[0])


def distribution(classes: list[str], read_scores: np.ndarray) -> dict[str, float]:
    """`intent_distribution` of the classifier's scores of a read (`read(text, ctx)[0]`, before any boost)."""
    from agents.understanding.intent import TEMPERATURE

    scores = np.asarray(read_scores, dtype=np.float64)
    z = np.exp((scores - scores.max()) / TEMPERATURE)
    p = z / z.sum()
    order = [int(i) for i in np.argsort(-p)][:MAX_INTENTS]
    kept = {classes[i]: float(p[i]) for i in order if p[i] >= MIN_SHARE}
    total = sum(kept.values()) or 1.0
    return {k: round(v / total, 4) for k, v in kept.items()}


def reciprocal_rank(names: list[str]) -> dict[str, float]:
    """An action's place on a card as a score: 1 for the first, 1/2 for the second, …"""
    out: dict[str, float] = {}
    for i, n in enumerate(names):
        out.setdefault(n, 1.0 / (i + 1))
    return out


def marginal_order(cards: dict[str, tuple[float, list[str]]]) -> list[tuple[str, float]]:
    """Σ_intent weight · reciprocal rank of the action on that intent's card, best first (ties: the order the cards
    were given in, then the action's place on its first card)."""
    total: dict[str, float] = {}
    first_seen: dict[str, tuple[int, int]] = {}
    for ci, (weight, names) in enumerate(cards.values()):
        for name, rr in reciprocal_rank(names).items():
            total[name] = total.get(name, 0.0) + weight * rr
            first_seen.setdefault(name, (ci, names.index(name)))
    return sorted(total.items(), key=lambda kv: (-kv[1], first_seen[kv[0]]))


def offer_answered(state: CopilotState) -> str:
    """The rep's turn a reply that says little of its own (emoji, 好的, "ok": agents.understanding.intent.content_ratio
    under 1) answers, when the rep spoke after the customer's last turn; "" otherwise."""
    from agents.nodes.understand import intent_input
    from agents.understanding.intent import content_ratio

    text = state.get("clean_text", "")
    if content_ratio(text) >= 1.0:
        return ""
    return intent_input(state, {}).replied_to


def offer_taken(state: CopilotState) -> str:
    """The rep's turn offering a step in a question, when the message opens by taking it and goes on to say more
    («周六上午可以的。另外想问下…»: agents.actions.plans.opening_accept); "" otherwise."""
    from agents.actions.plans import offers, opening_accept
    from agents.nodes.understand import intent_input

    if not opening_accept(state.get("clean_text", "")):
        return ""
    rep = intent_input(state, {}).replied_to
    return rep if offers(rep) else ""


def enrich(d: DecisionInput, deps: AgentDeps, state: CopilotState) -> None:
    """What decide's ranking needs beyond the reading (agents.nodes.decide): the likely intents of a guessed reading,
    the rep's offer a say-little reply answers, and the rep's offer a longer reply takes in its opening words."""
    d.replied_to = offer_answered(state)
    d.taken = "" if d.replied_to else offer_taken(state)
    # a say-little reply to the rep's offer is read with that offer: its own words («[OK][抱拳]», a thanks) may read as
    # an intent nothing on the catalog serves, so the likely intents are kept for the ranking to fall back on
    d.intent_probs = likely_intents(deps, state, d.intent, reply=bool(d.replied_to))


def guessed(intent: Intent) -> bool:
    """A reading decide marginalises: abstained, out of scope or under the playbook's WEAK_READING."""
    from agents.actions.playbook import WEAK_READING
    from agents.tenant import OUT_OF_SCOPE

    return intent.abstained or intent.name == OUT_OF_SCOPE or intent.confidence < WEAK_READING


def likely_intents(
    deps: AgentDeps, state: CopilotState, intent: Intent, *, reply: bool = False
) -> dict[str, float]:
    """The graph's glue (agents.nodes.decide): p(intent | message) for the message in `state` as the understand node
    read it (the same text and context: earlier turns, the rep's turn a reply answers), by the embedding classifier.
    Only for a guessed reading (abstained or under the playbook's WEAK_READING): a confident one is not marginalised,
    so it costs nothing (unless `reply`: a say-little reply to the rep's offer, whose reading alone may leave the card
    empty). understand keeps the distribution of its own read in the state (`intent_probs`), so the
    message is not read a second time here; a state without it reads it as before. {} when the classifier cannot be
    built."""
    from agents.nodes.understand import intent_input
    from agents.understanding.service import embedding_classifier

    if not guessed(intent) and not reply:
        return {}
    kept = state.get("intent_probs")
    if kept is not None:  # understand's own read of the message (agents.nodes.understand.classify_once)
        return dict(kept)
    try:
        clf = embedding_classifier(deps)
        return intent_distribution(clf, state.get("clean_text", ""), intent_input(state, intent.entities))
    except Exception:  # no embedder: the reading stands alone, as before
        return {}
