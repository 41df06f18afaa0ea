"""Session 22, actions: batch L's kinds of action misses, measured on new messages (tests/agents/data/
actions_scratch_r22.yaml, written before the change; see its header for the kinds). Per tag: the cases whose first
expected action is in the top 2 (pending_order: whose every expected action is on the card; innocents with forbidden
actions: whose top 2 holds none of them). Floors are the counts measured at the commit, on a clean copy."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.agents.scratch_suite import run_scratch_suite

DATA = Path(__file__).parent / "data" / "actions_scratch_r22.yaml"


@pytest.fixture(scope="module")
def scratch_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("actions-r22"))


def _count(run: Any, tag: str, whole_card: bool = False) -> tuple[int, int]:
    ok = n = 0
    for case in run.cases:
        if tag not in (case.tags or []):
            continue
        n += 1
        turn = case.turns[-1]
        acts = [str(a.get("name")) for a in ((turn.suggestion or {}).get("actions") or [])]
        expect = turn.expect or {}
        if os.environ.get("R22_SHOW"):
            print(case.case_id, acts, (turn.suggestion or {}).get("intent", {}).get("name"))
        wanted = [a["name"] for a in expect.get("actions") or []]
        if whole_card:
            ok += all(w in acts for w in wanted)
        elif wanted:
            ok += wanted[0] in acts[:2]
        else:
            ok += not set(expect.get("forbidden_actions") or []) & set(acts[:2])
    return ok, n


# Measured on clean copies (no LLM): before = HEAD f193a6c, after = this change (the set's header has the per-case
# notes): accept_then_ask 3/5 -> 4/5 (at03: English, the rep's offer reads close to no action), plan_service 1/4 -> 3/4
# (pl03: English, the catalog's label words are Chinese), renew_when 1/3 -> 3/3, fault_code 2/3 -> 3/3, pending_order 1/2
# -> 1/2 (not changed: po02 is read as a delivery question and gets no quote), innocent 10/10 -> 10/10 (in08-in10 were
# added after the first measure to probe misfires; in09 failed on an intermediate version and led to told_as_past)
FLOORS = {"accept_then_ask": 4, "plan_service": 3, "renew_when": 3, "fault_code": 3, "innocent": 10}
PENDING = 1


@pytest.mark.parametrize("tag", sorted(FLOORS))
def test_scratch_top2(scratch_run: Any, tag: str) -> None:
    ok, n = _count(scratch_run, tag)
    assert n >= 3 and ok >= FLOORS[tag], (tag, ok, n)


def test_pending_order_on_card(scratch_run: Any) -> None:
    ok, n = _count(scratch_run, "pending_order", whole_card=True)
    assert n >= 2 and ok >= PENDING, (ok, n)


def test_an_opening_acceptance_is_read_and_a_refusal_is_not() -> None:
    from agents.actions.plans import offers, opening_accept

    for text in (
        "周六上午可以的。另外想问下，我这台车的小电瓶保多久？",
        "行，就周日上午吧。另外我想知道这台车的整车质保还有没有？",
        "可以的 对了我这个保养套餐到哪天到期",
        "Friday at 10 works for me. Also, how long is the battery covered?",
    ):
        assert opening_accept(text), text
    for text in (
        "这周六不行，先不约了。我想问下延保两年多少钱？",  # declined
        "2018年的。另外你们现在买L5有没有立减活动？",  # an answer, no acceptance
        "不可以，另外我问下价格",
        "我可以问下这款多少钱吗",  # «可以» inside a question of its own
        "好的",  # says nothing else: the say-little reply's reading (marginal.offer_answered)
        "No, Friday doesn't work. How much is the extended warranty?",
    ):
        assert not opening_accept(text), text
    assert offers("这周六上午给您约在天河店可以吗？") and not offers("报价单已经发您邮箱了。")


def test_a_plan_is_read_and_a_question_or_story_is_not() -> None:
    from agents.actions.plans import planned

    for text in (
        "我打算下个礼拜把车开过来做个保养，现在有优惠吗？",
        "俺寻思这礼拜把车开过去整个保养，能不能给俺算上折扣？",
        "我这周六过去做保养还能用吧？",
        "我準備月底把車開過去做保養，有沒有打折？",
    ):
        assert planned(text, "保养"), text
    for text in (
        "上周六过去做保养的时候师傅说刹车片快换了",  # a story
        "我想问下保养套餐还剩几次",  # a question about it
        "我想知道做一次保养多少钱",
        "如果我想把车开过来做保养要预约吗",  # a condition
        "需要做保养吗",
    ):
        assert not planned(text, "保养"), text


def test_a_value_told_as_past_asks_nothing_now() -> None:
    from agents.actions.plans import told_as_past

    assert told_as_past("上个月报P0171那次已经修好了，谢谢。想问下延保多少钱？", "P0171")
    assert not told_as_past("我仪表上出来个P0171，这个在保修范围里吧？车是前年买的。", "P0171")
    assert not told_as_past("仪表上出来个P0171", "P0420")  # not named at all


def test_asking_when_a_renewal_can_start_fires_the_asked_renewal() -> None:
    from agents.actions.playbook import DecisionInput, rule_matches
    from agents.tenant import TenantConfig
    from contract.suggestions import Intent

    pack = Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "autodealer"
    rule = next(
        r for p in TenantConfig.load(pack).playbooks for r in p.rules if r.id == "package-renew-asked"
    )

    def fires(text: str) -> bool:
        d = DecisionInput(intent=Intent(name="service_package", confidence=0.9), text=text, evidence=[])
        return rule_matches(rule, d)

    for text in (
        "保养合同最早从哪天开始可以续？",
        "明年什么时候能续？价格变不变",
        "那个保养合同 嗯 啥时候可以开始续啊",
    ):
        assert fires(text), text
    for text in ("E5能续航多少公里", "套餐车冬天还可以续航五百公里吗", "手续签字那边什么时候能弄完"):
        assert not fires(text), text
