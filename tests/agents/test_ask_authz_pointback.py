"""A refused phone look-up leaves nothing for a pointing-back follow-up to read (review S9, session 10): whether the
tail is another rep's customer's, the rep's own other customer's or nobody's, the follow-up «他们家…» gets the same
answer — the phone refusal again — so the pair is no oracle of whose number it is."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from agents import Copilot
from agents.authz import EARLIER_ASKS, Decision, pointed_back, remember_ask
from contract.suggestions import SuggestionKind
from tests.agents.agent_helpers import msg
from tests.agents.test_ask_authz import AUTODEALER, HUANG, crm  # noqa: F401  (crm: the module's CRM fixture)
from tests.agents.test_ask_rep import DenialLedger

FOLLOW_UP = "他们家那台车什么时候买的"
TAILS = {
    "another_reps": "尾号0418的那个客户电话多少",  # K001's contact, served by 大客户部 刘洋
    "own_other": "尾号4075的那个客户电话多少",  # P001's contact, one of rep_huang's own (the conversation is P007)
    "nobody": "尾号3333的那个客户电话多少",  # no contact's number
}


class PhoneDirectory:
    """The CRM, with a directory that also resolves a phone's tail to its contact (a CRM may index mobiles; this
    one does not): the case where a refused look-up would otherwise have named someone."""

    def __init__(self, crm: Any, tails: dict[str, str]) -> None:  # noqa: F811
        self._crm = crm
        self._tails = {tail: crm.mentions(contact)[0] for tail, contact in tails.items()}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._crm, name)

    def mentions(self, text: str) -> list[Any]:
        return [*self._crm.mentions(text), *(hit for tail, hit in self._tails.items() if tail in text)]


@pytest.fixture
def copilot(make_deps: Any, crm: Any) -> Copilot:  # noqa: F811
    book = PhoneDirectory(crm, {"0418": "韩志刚", "4075": "王建华"})  # K001 (刘洋's), P001 (rep_huang's own)
    assert [h.customer_id for h in book.mentions(TAILS["another_reps"])] == ["K001"]
    assert [h.customer_id for h in book.mentions(TAILS["own_other"])] == ["P001"]
    deps = make_deps(customers=book, tenant=AUTODEALER)
    deps.ledger = DenialLedger(deps.ledger)
    return Copilot(deps)


def _ask(cp: Copilot, text: str, conv: str) -> Any:
    m = msg(text, customer="P007", conv=conv, sender="rep_ask", rep=HUANG.id, tenant="autodealer")
    return cp.handle(m, HUANG)


def _verdict(out: Any) -> tuple[str, str | None]:
    return out.kind.value, out.summary.get("refusal_reason")


def test_a_refused_phone_look_up_is_no_oracle_for_the_follow_up(copilot: Copilot) -> None:
    followed: dict[str, tuple[str, str | None]] = {}
    for who, tail in TAILS.items():
        first = _ask(copilot, tail, conv=f"s9-{who}")
        assert first.kind is SuggestionKind.REFUSAL, who
        assert first.summary["refusal_reason"] == "personal_data_lookup", who
        followed[who] = _verdict(_ask(copilot, FOLLOW_UP, conv=f"s9-{who}"))
    # the same answer whoever the number belongs to: the phone refusal, repeated
    assert set(followed.values()) == {(SuggestionKind.REFUSAL.value, "personal_data_lookup")}, followed


def test_a_named_customer_still_points_back(copilot: Copilot) -> None:
    # the memo still works for an ask that named someone: another rep's customer, then «他们家…», is refused again
    first = _ask(copilot, "迅达物流最近怎么样", conv="s9-named")
    assert first.summary["refusal_reason"] == "not_owner"
    again = _ask(copilot, FOLLOW_UP, conv="s9-named")
    assert again.kind is SuggestionKind.REFUSAL and again.summary["refusal_reason"] == "not_owner"


def test_the_memo_survives_concurrent_writers() -> None:
    cache: dict[str, Any] = {}
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(3000):
                remember_ask(cache, ("t", f"c{n}-{i}", "a"), Decision(reason="not_owner", customer_ref="X"))
                pointed_back(cache, ("t", f"c{n}-{i}", "a"), FOLLOW_UP)
        except BaseException as exc:  # noqa: BLE001 - any error of a writer fails the test
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:1]
    assert len(cache[EARLIER_ASKS]) <= 4096
