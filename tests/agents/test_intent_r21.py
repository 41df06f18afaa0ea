"""Intent round 21: the conversation's subject goes on when the customer answers the rep's (or the call agent's)
question without turning to another need (agents/understanding/intent.py `SUBJECT_WEIGHT`, `_TURN_SHIFT`,
`rep_asked`). Unit checks of the gate's two readings, and the scratch set tests/agents/data/intent_scratch_r21.yaml
(fresh variants of blind batch K's intent misses by kind, with innocent look-alikes) run through the real graph (no
LLM) against the counts measured when it was written and fixed."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from agents.understanding.intent import _TURN_SHIFT, another_object, rep_asked
from agents.understanding.offer_records import amounts, named_offer, offer_row
from agents.understanding.records import asks_for_slot
from tests.agents.scratch_suite import intent_by_kind

DATA = Path(__file__).parent / "data" / "intent_scratch_r21.yaml"


@pytest.mark.parametrize(
    ("rep", "asked"),
    [
        ("好的师傅，我这边看到这台车了。现在车停在安全的地方吗？刹车踩着有没有异常？", True),
        ("Ms Chen, thanks. Is the car parked somewhere safe right now?", True),
        ("收到，司機人沒事吧？車現在停在哪裡？", True),
        # a rep who states something (a quote, a promise, a greeting) asks nothing
        ("彭队长，按贵司F2档5%，T3每台119,700元，8台合计957,600元。", False),
        ("蒋经理，我帮您查一下配车进度。", False),
        ("在的李女士，您说。", False),
        ("", False),
    ],
)
def test_rep_asked_reads_the_reps_last_sentence(rep: str, asked: bool) -> None:
    assert rep_asked(rep) is asked


@pytest.mark.parametrize(
    ("text", "shift"),
    [
        ("没再亮了 那个 另外问一下 我买的那个保养套餐 还剩几次", True),
        ("嗯嗯。顺便问下，我这车整车质保是到哪年哪月？", True),
        ("好的。对了，我们上个月新订的那批车现在配车了没有", True),
        ("Thanks. By the way, when does my warranty end?", True),
        # an answer and what follows from it: the same subject
        ("能开 就是抖 那个 嗯 我想问就是说 这个还在保修吗 修要不要钱 多久能有人弄", False),
        ("刹车还行 那个 就是说 还能不能接着跑 你们多久来人 要不要钱", False),
        ("补贴还有吗", False),
    ],
)
def test_turn_shift_is_a_marker_of_another_need(text: str, shift: bool) -> None:
    assert (_TURN_SHIFT.search(text) is not None) is shift


# invented id shapes (a model code with an optional brand prefix, an order number, a fault code)
SHAPES = [
    (re.compile(r"(?:奥途\s?|AT-)?(?<![A-Za-z0-9])(?:Q3|Z8|M1)(?![A-Za-z0-9])"), 0),
    (re.compile(r"(?<![A-Za-z0-9])OR-\d{4}(?![0-9])"), 0),
    (re.compile(r"(?<![A-Za-z0-9])[PU][0-9]{4}(?![A-Za-z0-9])", re.I), 0),
]


@pytest.mark.parametrize(
    ("text", "before", "other"),
    [
        ("Z8现在落地多少钱？", "我Q3的保养套餐还剩几次？", True),  # another model than the subject's
        ("What about order OR-2212?", "Where is order OR-2211?", True),
        ("AT-Q3能开吗", "我奥途Q3亮了个灯", False),  # the same model, said with its prefix
        ("码是P0302，还能开吗", "我Q3亮了个黄灯", False),  # the code the rep asked for: no code named before
        ("那还能不能开回去", "我Q3报了P0301", False),  # nothing named
        ("Z8有优惠吗", "你好，在吗", False),  # nothing named before: no subject object to differ from
    ],
)
def test_another_object_is_one_of_a_kind_the_subject_named(text: str, before: str, other: bool) -> None:
    assert another_object(SHAPES, text, before) is other


# an invented offer table (the mechanism reads the pack's rows, not a tenant's words)
HEADERS = ["编号", "名称", "期间", "区域", "适用型号", "客户类型", "内容"]
ROWS = [
    [
        "OF-01",
        "春季换购礼",
        "3月1日至3月31日",
        "西区",
        "QX9、ZT3",
        "个人",
        "QX9每台立减7000元，ZT3每台立减4000元",
    ],
    ["OF-02", "商用焕新补", "全年", "全国", "EV8", "企业", "单笔采购3台以上，每台补贴9000元"],
    ["OF-03", "秋季养护节", "9月", "北区", "全部型号", "全部客户", "养护工时费7折，滤芯FX-20享9折（188元）"],
]
OFFERS = [
    offer_row(dict(zip(HEADERS, r, strict=True)), ["名称", "编号"], ["期间", "区域", "客户类型"], "适用型号")
    for r in ROWS
]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("立减七千", {"7000"}),
        ("每台补9,000", {"9000"}),
        ("打七折", {"折:7"}),
        ("7折", {"折:7"}),
        ("跑了3万7千公里", set()),  # a distance
        ("买5台", set()),  # a count
        ("FX-20", set()),  # a code's digits
    ],
)
def test_amounts_read_figures_rates_and_chinese_numerals(text: str, said: set[str]) -> None:
    assert amounts(text) == said


@pytest.mark.parametrize(
    ("text", "row"),
    [
        ("凭什么西边买QX9就立减七千，我们这就不减？", "OF-01"),
        ("听说每台补九千，我们公司3台EV8能拿吗", "OF-02"),
        (
            "Someone said you pay 9,000 per EV8 - does it apply to us?",
            "OF-02",
        ),  # the benefit names no model: the row's
        ("上个月那个养护工时打七折的，这周还能用吧", "OF-03"),
        ("秋季养护节那个7折还有吗", "OF-03"),  # two words of the row's name
        # innocents: a rate asked of another item; a figure of no row; the amount beside another model; a distance
        ("QX9能打9折吗", None),
        ("QX9最多能便宜多少", None),
        ("ZT3能不能便宜7000", None),
        ("QX9跑了3万7千公里，质保到哪天", None),
        ("养护套餐还能打9折吗", None),  # one word of a name is any row's
    ],
)
def test_an_offer_is_named_by_its_amount_and_a_word_of_it(text: str, row: str | None) -> None:
    named = named_offer(OFFERS, text)
    assert (named[0] if named else None) == row


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("那个预约我们等了几天了，想问下这周六上午能不能排进去？", True),
        ("预约等了一周了，想问问明天上午有没有空位，我们可以过去。", True),
        ("We have been waiting a few days on the booking. Could you fit us in this Friday morning?", True),
        # innocents: the wait itself asked about, a past date, no question
        ("15号报的预约，到今天都5天了一个电话都没有，你们的服务就这样？", False),
        ("预约报上去都半个月了，到现在没有一个人联系我们，这就是你们的服务？", False),
        ("说好周五来修的，结果到现在没人来", False),
        ("still nobody has called us back since Monday", False),
    ],
)
def test_asks_for_slot_reads_a_slot_asked_ahead(text: str, slot: bool) -> None:
    assert asks_for_slot(text) is slot


# Scratch r21 floors: intent checks right per kind, measured through the graph (no LLM) on a clean copy of HEAD 4cbc027
# (before) and of it + the conversation subject (after). Before: call_subject 4/8, call_subject_control 4/5,
# promo_named 3/9, promo_control 5/5, threat 4/4, threat_control 2/2, schedule 1/3, schedule_control 1/2 (24/38).
# After the conversation subject (SUBJECT_WEIGHT 0.7, d4ae167): call_subject 7/8, every other kind unchanged (27/38).
# After the offer named by its record (agents/understanding/offer_records.py, asked in the primary need) and the slot
# asked (records.asks_for_slot): promo_named 8/9, every control unchanged (32/38); schedule stays 1/3 (the slot asked
# no longer lifts complaint, but the classifier reads the two left as order_delivery).
FLOORS = {
    "call_subject": 7,
    "call_subject_control": 4,
    "promo_named": 8,
    "promo_control": 5,
    "threat": 4,
    "threat_control": 2,
    "schedule": 1,
    "schedule_control": 1,
    # added 17:55 (9 rows), measured at 6add47e: 6/6 and 3/3 — the classifier already reads the need after a marker;
    # a reading of «answer, then 另外 …» as the tail's need was tried and not landed (it moved only the call_subject
    # control it was written from)
    "answer_then_need": 6,
    "answer_then_need_control": 3,
    # added 18:10 by intent-2 (review r1 M4; 16 rows, no marker: a rep's generic closing question, then a new ask),
    # measured at 2757366: 13/16 (the earlier subject carried over a new model's price twice); after the prior is
    # dropped for a turn naming another object of the earlier turn's kind (`_another_object`): 15/16 (the one left,
    # «那L5的整车质保还有多久？», is read as an elliptical follow-up, not through the subject prior)
    "subject_switch_control": 15,
}


def test_scratch_r21_is_well_formed() -> None:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    kinds = Counter(next(t for t in c["tags"] if t.startswith("kind:"))[5:] for c in data["cases"])
    assert set(kinds) == set(FLOORS)
    assert kinds["call_subject"] >= 8 and kinds["call_subject_control"] >= 5
    assert kinds["promo_named"] >= 8 and kinds["promo_control"] >= 5
    for c in data["cases"]:
        assert c["expect"]["intent"] and c["customer_ref"]
        assert not c.get("heldout")


@pytest.fixture(scope="module")
def scratch_run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tests.agents.scratch_suite import run_scratch_suite

    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("intent_r21"))


@pytest.mark.models
def test_scratch_r21_floors(scratch_run: Any) -> None:
    got = intent_by_kind(scratch_run)
    for kind, floor in FLOORS.items():
        assert got.get(kind, [0, 0])[0] >= floor, (kind, got)
