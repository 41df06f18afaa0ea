"""Drafts as the customer reads them, round 21 (tests/agents/data/drafts_scratch_r21.yaml): NEW messages in many author
styles (zh, traditional, English, voice, 微信客服), written and measured on a clean copy of b0ecc07 BEFORE the
fixes, one block per KIND of defect (see the yaml's header):
- first: the offer asked first is answered first (before the price or the warranty asked after it);
- cond: an offer the customer cannot have says «不适用» before the amounts it gives;
- repeat: one full date is not written twice in one draft;
- voice: a voice reply carries no 《document》第N条 label (said aloud; the markers stay);
- told: a customer accepting what the rep just told them is not read the same figures back.
Innocent look-alikes of each kind must keep their behaviour. Floors are the counts measured at each commit.
Run through the real graph (no LLM), as `copilot eval run … -c evals/configs/no-llm.yaml` does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.agents.scratch_suite import must_mention_items, must_not_claim_breaks, run_scratch_suite

DATA = Path(__file__).parent / "data" / "drafts_scratch_r21.yaml"

FULL_DAY = re.compile(r"\d{4}-\d{2}-\d{2}|\d{4}年\d{1,2}月\d{1,2}日")


def drafts(run: Any) -> Iterator[tuple[Any, Any, str]]:
    """Every customer turn's draft (a rep's own turn gets none)."""
    for case in run.cases:
        for turn in case.turns:
            if getattr(turn, "sender", "customer") not in ("customer", None, ""):
                continue
            shown = turn.suggestion or {}
            yield case, turn, str((shown.get("draft") or {}).get("text") or "")


def first_at(text: str, words: list[str]) -> int:
    """Where the first of these words is written in the text (-1: none is)."""
    spots = [text.find(w) for w in words if w in text]
    return min(spots) if spots else -1


def in_order(text: str, groups: list[list[str]]) -> bool:
    """Each must-mention group is written, the first one before the second."""
    if len(groups) < 2:
        return True
    a, b = first_at(text, groups[0]), first_at(text, groups[1])
    return a >= 0 and b >= 0 and a < b


def repeated_days(text: str) -> list[str]:
    days = FULL_DAY.findall(text)
    return sorted({d for d in days if days.count(d) > 1})


def wrong(run: Any, tag: str) -> list[str]:
    """The cases of a block whose draft breaks the block's kind."""
    out = []
    for c, turn, text in drafts(run):
        tags = c.tags or []
        if tag not in tags:
            continue
        groups = (turn.expect or {}).get("must_mention") or []
        broken = {
            "first": not in_order(text, groups),
            "cond": not in_order(text, groups),
            "repeat": not text or bool(repeated_days(text)),
            "voice": not text or "《" in text,
            "labelled": "《" not in text,
        }
        if broken.get(tag):
            out.append(c.case_id)
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("drafts_r21"))


def test_set_shape(run: Any) -> None:
    assert len(run.cases) >= 33
    assert all(c.case_id.startswith("dr21-") for c in run.cases)
    assert all(not c.error for c in run.cases), [c.case_id for c in run.cases if c.error]
    assert sum("innocent" in (c.tags or []) for c in run.cases) >= 10


def report(run: Any) -> None:
    """Prints each draft with the kinds it breaks (call it by hand with a run; not a test: it asserts nothing)."""
    for c, _, text in drafts(run):
        broken = [t for t in ("first", "cond", "repeat", "voice", "labelled") if c.case_id in wrong(run, t)]
        print(c.case_id, broken, text)


def test_the_offer_asked_first_comes_first(run: Any) -> None:
    bad = wrong(run, "first")
    # measured: before (b0ecc07, clean copy) 7 of 7 wrong (an offer named in the first question was said after the
    # price or the warranty, or not at all); after 455bbbd 6, then 5 (c: a part a question mark ends is a question,
    # "Am I still in time for the winter deal on the S7?"), every one left for a fact: a (the offer now first, but the
    # tier sentence gives no L5 price: reasoning), b (no fact computed: board → reasoning), d (refused: board → authz),
    # e (traditional 立減: board → intent), g (no warranty fact: reasoning); the innocent f now passes.
    # The cost block (added after 36ac409: a fault code, «严重不？» then «要自己掏钱吗？»): 2 of 3 wrong (the warranty
    # said first), its innocent right. Reading «花钱/掏钱/要钱» as asking whether it is covered took it to 1 of 3, but
    # moved the SLA before the warranty in two K voice calls («还在保修吗 修要不要钱 多久能有人弄»: two parts then ask
    # the same and the warranty is placed by neither) — taken back out, not committed; open for the next round
    assert len(bad) <= 6, bad  # 6 of 10 at e6a0ab3 (7 first + 3 cost cases)


def test_not_applicable_before_the_amount(run: Any) -> None:
    bad = wrong(run, "cond")
    # measured: before (b0ecc07) 5 of 7 wrong («…每台立减8000元，您不适用» read as the customer's 8,000); after 2: b and d
    # get no offer fact at all (board → reasoning)
    assert len(bad) <= 2, bad


def test_a_day_is_written_once(run: Any) -> None:
    bad = wrong(run, "repeat")
    # measured: before (b0ecc07) 3 of 4 (English: the package's "valid until" and the contract's "ends on" the same
    # day); after 0
    assert not bad, bad


def test_voice_says_no_document_label(run: Any) -> None:
    bad = wrong(run, "voice")
    # measured: before (b0ecc07) 4 of 6 voice replies read a 《document》第N条 label; after 0
    assert not bad, bad


def test_typed_replies_keep_their_labels(run: Any) -> None:
    assert not wrong(run, "labelled"), wrong(run, "labelled")


def test_must_mention_floor(run: Any) -> None:
    hit, total = must_mention_items(run)
    assert total >= 30
    # measured: before (b0ecc07) 25/36, after 27/36 (the two K003 «不适用» now said); told block 2/2 before and after;
    # cost block 8/8 before and after: 37/46
    assert hit >= 37, (hit, total)


def test_must_not_claim(run: Any) -> None:
    told = {c.case_id for c in run.cases if "told" in (c.tags or [])}
    breaks = [b for b in must_not_claim_breaks(run) if b[0] not in told]
    assert not breaks, breaks


def test_a_figure_the_rep_just_told_is_not_read_back(run: Any) -> None:
    told = {c.case_id for c in run.cases if "told" in (c.tags or []) and "innocent" not in (c.tags or [])}
    assert len(told) >= 3
    bad = sorted({b[0] for b in must_not_claim_breaks(run) if b[0] in told})
    # measured: before (455bbbd, clean copy) 3 of 3 read the rep's unit price and total back after «好的，就按这个来»,
    # "OK go ahead", «嗯 可以 就这么定吧»; after 0 (the deposit and the contract step are what is new)
    assert not bad, bad


def test_innocents_unchanged(run: Any) -> None:
    bad = [
        c.case_id
        for c, turn, _ in drafts(run)
        if "innocent" in (c.tags or []) and not all(ch["passed"] for ch in turn.checks)
    ]
    # measured: before (b0ecc07) 2 of 9 failing (first-f: the S7 offer asked second never said; first-g: no warranty
    # fact, reasoning); after 1 (first-g); the told innocents (asked again, asked first) keep the price: 1 before and after
    assert len(bad) <= 1, bad


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("X7冬季立减两千能参加不", "X7冬季立减2000能参加不"),
        ("补六千，1万左右", "补6000，10000左右"),
        ("can I get the winter 2,000 off", "can I get the winter 2000 off"),
        ("落地二十一万七八", "落地二十一万七八"),  # a sum with a tail is left as written
        ("三年多了", "三年多了"),
    ],
)
def test_round_sums_read_as_figures(text: str, read: str) -> None:
    from agents.drafting.template import _read_figures

    assert _read_figures(text) == read


def test_not_theirs_is_said_before_what_the_offer_gives() -> None:
    from agents.drafting.template import _not_theirs_first

    row = {"活动编号": "AB-12", "活动名称": "冬季季", "优惠内容": "X7每台立减2000元"}
    said = "冬季季（AB-12，2026年11月1日至2026年12月31日）：X7每台立减2000元，您不适用：客户类型限个人客户；X7指导价 26,000 元（《甲方案》第二条）"
    out = _not_theirs_first(said, row)
    assert out == (
        "冬季季（AB-12，2026年11月1日至2026年12月31日）您不适用：客户类型限个人客户（优惠内容：X7每台立减2000元）"
        "；X7指导价 26,000 元（《甲方案》第二条）"
    )
    assert out.index("不适用") < out.index("2000")
    eligible = "冬季季（AB-12，…）：X7每台立减2000元，活动以下单日为准"
    assert _not_theirs_first(eligible, row) == eligible  # an offer they can have is untouched


def test_what_the_rep_said_since_the_customer_spoke() -> None:
    from agents.nodes.draft import rep_told

    history = [
        {"role": "customer", "text": "两台X7多少钱"},
        {"role": "rep", "text": "每台24,500元，2台合计49,000元"},
    ]
    assert rep_told(history) == "每台24,500元，2台合计49,000元"
    assert rep_told([*history, {"role": "customer", "text": "好的"}]) == ""
    assert rep_told([]) == ""


@pytest.mark.parametrize(
    ("customer", "told", "figures", "skip"),
    [
        ("好的，就按这个来", "每台24,500元，2台合计49,000元", ["3%", "24,500", "49,000"], True),
        (
            "刚才单价多少来着？",
            "每台24,500元，2台合计49,000元",
            ["3%", "24,500", "49,000"],
            False,
        ),  # asked again
        ("好的", "单价24,500元", ["3%", "24,500", "49,000"], False),  # the total was not told: it is new
        ("好的", "", ["3%", "24,500", "49,000"], False),
    ],
)
def test_a_sum_the_rep_just_told(customer: str, told: str, figures: list[str], skip: bool) -> None:
    from agents.drafting.plan import TenantVoice
    from agents.drafting.template import Composition, _rep_told_it

    c = Composition(
        lang="zh",
        evidence=[],
        actions=[],
        contact=None,
        voice=TenantVoice(),
        next_steps={},
        customer_text=customer,
        rep_told=told,
    )
    assert _rep_told_it(c, figures) is skip
