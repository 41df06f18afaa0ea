"""The turn step's incremental turn_list merge (agents/graph.py _Turn) equals LangGraph's reducer (state.turn_list)
over random update sequences: RESET, repeated ids, items without ids, non-dict items, empty updates."""

from __future__ import annotations

import random
from typing import Any

from agents.graph import _Turn
from agents.state import RESET, turn_list


def _item(rng: random.Random) -> Any:
    roll = rng.random()
    if roll < 0.6:
        return {"id": f"e{rng.randrange(12)}", "n": rng.randrange(1000)}
    if roll < 0.75:
        return {"n": rng.randrange(1000)}  # a dict without an id is always kept
    if roll < 0.85:
        return {"id": "", "n": rng.randrange(1000)}  # an empty id is no id
    return f"flag{rng.randrange(6)}"


def _update(rng: random.Random) -> list[Any] | None:
    if rng.random() < 0.05:
        return None
    items = [_item(rng) for _ in range(rng.randrange(5))]
    if rng.random() < 0.15:
        items.insert(0, RESET)
    return items


def test_turn_append_matches_the_reducer_over_random_sequences() -> None:
    rng = random.Random(20261206)
    for _ in range(200):
        start = turn_list(None, [_item(rng) for _ in range(rng.randrange(6))])
        turn = _Turn({"evidence": list(start)})  # type: ignore[typeddict-item]
        expected: list[Any] = list(start)
        for _ in range(rng.randrange(1, 25)):
            update = _update(rng)
            before = turn.state["evidence"]
            turn.apply({"evidence": update})
            expected = turn_list(expected, update)
            assert turn.state["evidence"] == expected
            assert turn.state["evidence"] is not before  # a new list: a node may hold the previous one
        assert turn.update()["evidence"] == [RESET, *expected]


def test_a_list_the_turn_did_not_store_is_read_again() -> None:
    """The id cache is keyed on the list's identity: a list set by other means is not trusted to the cache."""
    turn = _Turn({"evidence": [{"id": "a"}]})  # type: ignore[typeddict-item]
    turn.apply({"evidence": [{"id": "b"}]})
    turn.state["evidence"] = [{"id": "c"}]
    turn.apply({"evidence": [{"id": "b"}, {"id": "c"}, {"id": "d"}]})
    assert turn.state["evidence"] == [{"id": "c"}, {"id": "b"}, {"id": "d"}]
