"""Session 23, actions: the kinds of action misses measured across every open batch (fresh_r12 … fresh_r22) and the
tuning suite, on new messages (tests/agents/data/actions_scratch_r23.yaml, written before the change; see its header
for the kinds). Per tag: the cases whose first expected action is in the top 2 (lapsed_rebuy: whose every expected
action is on the card; innocents: whose top 2 holds none of the forbidden actions). Floors are the counts measured at
the commit, on a clean copy."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.agents.scratch_suite import run_scratch_suite

DATA = Path(__file__).parent / "data" / "actions_scratch_r23.yaml"


@pytest.fixture(scope="module")
def scratch_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("actions-r23"))


def _count(run: Any, tag: str, whole_card: bool = False) -> tuple[int, int]:
    ok = n = 0
    for case in run.cases:
        if tag not in (case.tags or []):
            continue
        n += 1
        turn = case.turns[-1]
        acts = [str(a.get("name")) for a in ((turn.suggestion or {}).get("actions") or [])]
        expect = turn.expect or {}
        if os.environ.get("R23_SHOW"):
            print(case.case_id, acts, (turn.suggestion or {}).get("intent", {}).get("name"))
        wanted = [a["name"] for a in expect.get("actions") or []]
        if whole_card:
            ok += all(w in acts for w in wanted)
        elif wanted:
            ok += wanted[0] in acts[:2]
        else:
            ok += not set(expect.get("forbidden_actions") or []) & set(acts[:2])
    return ok, n


# Measured on clean copies (no LLM): before = HEAD 075b8b7, after = this change: slot_ask 3/7 -> 7/7, renew_asked 3/3
# -> 3/3, extra_off 1/4 -> 4/4, lapsed_rebuy (whole card) 1/2 -> 2/2, innocent 6/7 -> 6/7 (i02, a past service, keeps
# the booking second as before: not this change's; i01, a delivery slot, got the roadside dispatch on an intermediate
# version and led to _booked / _names_other_step)
FLOORS = {"slot_ask": 7, "renew_asked": 3, "extra_off": 4, "innocent": 6}
REBUY = 2


@pytest.mark.parametrize("tag", sorted(FLOORS))
def test_scratch_top2(scratch_run: Any, tag: str) -> None:
    ok, n = _count(scratch_run, tag)
    assert n >= 3 and ok >= FLOORS[tag], (tag, ok, n)


def test_lapsed_rebuy_on_card(scratch_run: Any) -> None:
    ok, n = _count(scratch_run, "lapsed_rebuy", whole_card=True)
    assert n >= 2 and ok >= REBUY, (ok, n)


def test_a_time_asked_is_read_and_a_story_or_plan_is_not() -> None:
    from agents.actions.plans import asked_slot

    for text in (
        "下周二上午能开过去吗？",
        "周六上午店里有空位没，想让师傅看看",
        "下周一能不能先排两台进来？",
        "明天下午方便过去检查一下吗",
        "想跟你约个时间过去。",
        "Is there a slot on Thursday afternoon for my car?",
        "Could I bring it in tomorrow morning?",
    ):
        assert asked_slot(text), text
    for text in (
        "上周六去店里做完保养了，发票能开公司抬头吗？",  # a story
        "L5活动价154800是吧？行，那我周六上午过去签合同。",  # told, not asked
        "这周六不行，先不约了。",  # declined
        "如果下周三能过去的话我再跟你说",  # a condition
        "E5明年一月份下单，8台还是10台？",
        "We brought it in last Friday and it's fine now.",
    ):
        assert not asked_slot(text), text


def test_a_reduction_asked_is_read_and_a_campaign_cut_is_not() -> None:
    from agents.actions.plans import asked_off

    for text in (
        "L5你们活动减5000我知道，你再给我让3000，今天就交定金",
        "你再便宜8000我今天就签",
        "L5再给我少4000 我马上就把定金转过去",
        "能再降五个点我们就定了",
        "L5 打个9呗 行就今天定",
        "If you can knock another 6,000 off I'll sign today.",
    ):
        assert asked_off(text), text
    for text in (
        "冬季焕新季L5立减5000对吧",
        "S7现在落地大概多少？",
        "定金5000交了以后还能全退吗？",
        "你们最多能给几个点",
        "The promotion takes 5,000 off, right?",
    ):
        assert not asked_off(text), text


def test_the_first_place_of_a_word_is_not_the_only_one_read_for_a_plan() -> None:
    from agents.actions.plans import planned

    text = "你们上个月那个保养工时打8折的活动还有没有呀 这周六想去做个保养"
    assert planned(text, "保养").endswith("保养")
    assert not planned("上个月那个保养工时打8折的活动还有没有呀", "保养")


def test_an_urgent_step_is_not_booked_and_an_arranged_delivery_names_another_step() -> None:
    import yaml

    from agents.actions import playbook as pb
    from agents.tenant import ActionSpec

    pack = Path(__file__).parents[2] / "copilot" / "tenants" / "autodealer" / "actions.yaml"
    actions = [ActionSpec(**a) for a in yaml.safe_load(pack.read_text(encoding="utf-8"))["actions"]]

    class Tenant:
        pass

    tenant: Any = Tenant()
    tenant.actions = actions
    booking = {a.name for a in actions if pb._booked(a)}
    assert "book_maintenance" in booking and "dispatch_roadside_assistance" not in booking
    assert pb._names_other_step(tenant, "我们那单下周三能不能安排交车", booking)
    assert not pb._names_other_step(tenant, "下周一能不能先排两台进来", booking)
    assert not pb._names_other_step(tenant, "明天下午方便过去检查一下吗", booking)
