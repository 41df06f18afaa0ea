"""Drafts a customer would be glad to receive, round 19 (tests/agents/data/drafts_scratch_r19.yaml): NEW messages in
many author styles, written and measured on the session-start code (fe3be5d) BEFORE the fixes, one block per kind of
defect found by reading batch I (all 60) and H as the customer would (see the yaml's header):
- offer: an offer the customer did not ask about — one sharing only the customer's kind of business (its audience
  cells), or a blanket offer beside the offer on the product the message names;
- fig: a fact dropped as "said already" because one of its days sits inside another sentence;
- spec: a question about one part's warranty (12V battery, traction battery, powertrain) answered with the whole
  vehicle's term first;
- quote: a quoted earlier reply whose fact the draft says again;
- yn: a figure the customer puts to the rep to confirm («是不是到2030年？», «…一百六十四万八对吧», "…2030, right?")
  answered without the yes or no it asks for.
Innocent look-alikes of each kind must keep their behaviour. The floors are the counts measured at each commit.
Run through the real graph (no LLM), as `copilot eval run … -c evals/configs/no-llm.yaml` does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agents.drafting.template import _figures, _put_figures, _quoted
from tests.agents.scratch_suite import must_mention_items, must_not_claim_breaks, run_scratch_suite

DATA = Path(__file__).parent / "data" / "drafts_scratch_r19.yaml"


def drafts(run: Any) -> Iterator[tuple[Any, Any, str]]:
    for case in run.cases:
        for turn in case.turns:
            shown = turn.suggestion or {}
            yield case, turn, str((shown.get("draft") or {}).get("text") or "")


def first_sentence(text: str) -> str:
    """The draft's first sentence after the greeting («…您好，» / "Hello Ms. Lin, ")."""
    if "您好，" in text:
        body = text.split("您好，", 1)[1]
    elif text.startswith("Hello"):
        body = text.split(", ", 1)[-1]
    else:
        body = text
    return re.split(r"。|(?<=[.\]])\s(?=[A-Z0-9])", body)[0]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("drafts_r19"))


def test_set_shape(run: Any) -> None:
    assert len(run.cases) >= 42
    assert all(c.case_id.startswith("dr19-") for c in run.cases)
    assert all(not c.error for c in run.cases), [c.case_id for c in run.cases if c.error]


def test_must_mention_floor(run: Any) -> None:
    hit, total = must_mention_items(run)
    assert total >= 56
    # measured: offer/fig/spec/quote before (fe3be5d) 31/31, after 31/31 (the facts were there; what changes is what
    # else is said, and first); yn (9 cases, 15 items) before (62c181b) 9/15 (no «对/不是» in 6 of 6), after 15/15;
    # the reviewer's 5 probes (10 items) 10/10 before (fe3be5d), 5/10 at 62c181b, 10/10 after
    assert hit >= 56, (hit, total)


def test_must_not_claim(run: Any) -> None:
    # measured: before (fe3be5d) 7 breaks (the North China service season beside the E5 fleet subsidy asked ×2 messages,
    # 2 words each; the quoted vehicle term said again ×3); after 0
    assert len(must_not_claim_breaks(run)) <= 0, must_not_claim_breaks(run)


def test_the_part_asked_is_the_first_sentence(run: Any) -> None:
    wrong = [
        c.case_id
        for c, turn, text in drafts(run)
        if "spec" in (c.tags or [])
        and not any(a in first_sentence(text) for a in ((turn.expect or {}).get("must_mention") or [[]])[0])
    ]
    # measured: before (fe3be5d) 4 of 9 wrong (traction battery by voice, «battery warranty» code-mixed, «发动机和变速箱»,
    # an English 12V question: the vehicle's term first); after 0 of 9 (the 3 innocents keep the vehicle's term first)
    assert len(wrong) <= 0, wrong


def test_innocents_unchanged(run: Any) -> None:
    bad = [
        c.case_id
        for c, turn, _ in drafts(run)
        if "innocent" in (c.tags or []) and not all(ch["passed"] for ch in turn.checks)
    ]
    # measured: 0 of 10 failing before (fe3be5d) and after; yn's 3 innocents 0 failing before (62c181b) and after;
    # the reviewer's 5 (offer ×2, quote ×3) 0 failing before (fe3be5d), 5 at 62c181b, 0 after
    assert not bad, bad


@pytest.mark.parametrize(
    ("text", "quoted_days"),
    [
        ("“孙浩：吴女士您好，您的L5整车质保至2029年10月7日。”\n------\n那小电瓶呢？", {"2029-10-7"}),
        ("「黄蕾：您的E5整车质保至2027年1月9日。」\n- - - - - - -\n那电池呢？", {"2027-1-9"}),
        ("> Sun: your V9's vehicle warranty runs until 2029-06-30.\nAnd the 12V battery?", {"2029-6-30"}),
        ("我记得整车是到2027年1月9日，那电池保到什么时候？", set()),  # her own words, no quote
        ("你们那个“冬季焕新季”还有吗？", set()),  # a name in quotation marks carries no figure
    ],
)
def test_quoted_reads_what_was_quoted(text: str, quoted_days: set[str]) -> None:
    assert {f for f in _figures(_quoted(text)) if "-" in f} == quoted_days


@pytest.mark.parametrize(
    ("text", "days", "sums"),
    [
        ("我那台L5整车质保是不是到2030年？", [(2030, 0, 0)], []),
        ("Hi Mr Sun, my V9's warranty runs until 2030, right?", [(2030, 0, 0)], []),
        ("合同总价是一百六十四万八对吧？", [], [1648000.0]),
        ("续购价是2000一台一年对不对？", [], [2000.0]),  # a sum, not a year: no 年 after it
        ("我那台E5整车质保是到2027年1月9号 是不是", [(2027, 1, 9)], []),  # the tag said on its own
        ("我那台L5是不是已经过保了？", [], []),  # no figure put
        ("T3再来3台，单价多少？", [], []),  # no confirmation asked
    ],
)
def test_put_figures_reads_the_figure_put_to_confirm(
    text: str, days: list[tuple[int, int, int]], sums: list[float]
) -> None:
    assert _put_figures(text) == (days, sums)
