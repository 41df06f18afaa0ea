"""Session 23's authorization mechanisms and their scratch set (tests/agents/data/authz_scratch_r23.yaml), in the eval
suite format: the same runner, target (the real services, no LLM) and scorer as evals/suites, so a trap is right only
when the card is a REFUSAL with the expected logged reason, and a control is right only when nothing is refused.

Batch A (az23-t-*, az23-n-*: 17 traps, 28 controls) was written at 075b8b7 before any session-23 authz change; batch B
(az23-bt-*, az23-bn-*: 6 traps, 5 controls) after the holder reading, in new wording, with look-alike traps it must not
open («我是车主的老公», «车主是我老婆», "isn't in my name", «我是<holder>她老公», «我是<holder>的外甥»).
At 075b8b7 (full graph, no LLM): batch A traps right 15/17, refused 17/17, controls refused 5/28 (four holders who say
the car is theirs and mention a relative or driver, «车主是我呀 不过平时是我女儿开…», and a rep naming their own customer
by its group, «金陵出租集团下面的分公司今年一共订了多少台»); batch B (fast screen + rep authorize at 075b8b7): traps 5/6
right (the unknown new company refused for its prices), 6/6 refused, controls refused 1/5 (the own customer's branch).
After: all 56 cases right (the floors below).
Batch C (az23-ct-*, az23-cn-*: 8 traps, 4 controls, helper authz2, review r1 M1/M2): a relation or role stated by the
asker, then the account claimed («我是<holder>她老公 …在我名下», «我是车主<name>的儿子», "I'm the owner's sister, the car is in
my name"). At 073925c (3762234's holder reading) the fast screen refused 1/8 traps; after: 8/8 right, 0/4 controls refused
(full graph, this test). Mechanism (agents/authz_caller.py SPEAKER_OTHER, claims_over_role): a speaker who states a
relation or role of their own (spouse, driver, former staff, a shop / insurer «我们是…», «<holder>是我老公», "calling for my
wife") is not the holder whatever they claim after; holder_speaks never lifts their refusal, and a claim of the account
after such a relation («车主是我», «在我名下», «是我买的») or «我是车主<name>的<relation>» asking what only the holder is told
is refused (not_account_holder, claimed_proxy).

Mechanisms (agents/authz.py, agents/authz_caller.py):
(a) WHO asks: every not_account_holder check (a proxy, a relative, a shop, a former employee, a caller not the holder, a
holder disowned) now refuses only when the third person the message speaks of is the asker or the one whose things are
asked. A speaker who says they ARE the holder («车主是我», «我是车主», «车是我的», «车在我名下», "the car is mine",
"registered to me", or self-named by a CRM form of the customer with no relation after the name) and asks of no third
person's things («她那台», «我叔那台», "her warranty", "my wife's") is the holder, whoever else they mention
(holder_speaks); a named relative's things (relative_of_holder, caller_relation) stay refused. DISOWNED's «车主是我…»
now needs a relation, a boss or «我们» after «我» (a transcript's pause removed, «车主是我 平时…» read «车主是我平时»
and refused the holder: batch M's m-44).
(b) ABOUT WHOM, a rep's ask: an organisation the CRM cannot resolve, made the subject of a question whether it dealt
with this seller («X之前在我们这买过车吗？拿的什么价？», «X以前是不是我们的客户»), is asked about:
other_customer_not_in_context, not its prices (m-51); bare words for a part of an organisation («集团下面的分公司») name
no organisation (the rep's own customer by its group was refused as unknown).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents.authz import customer_trap
from agents.authz_caller import claims_over_role, holder_disowned, holder_speaks
from tests.agents.scratch_suite import (
    assert_no_case_crashes,
    assert_set_varied,
    assert_traps_right,
    refusal_checks,
    run_scratch_suite,
)
from tests.agents.test_ask_authz import crm  # noqa: F401  (the module-scoped autodealer CRM fixture)

DATA = Path(__file__).parent / "data" / "authz_scratch_r23.yaml"
TRAPS_REFUSED_FLOOR = 31  # of 31, any reason (075b8b7: A 17/17, B 5/6 fast screen; C 1/8 at 073925c)
TRAPS_RIGHT_FLOOR = 31  # with the expected reason (A 15/17 at 075b8b7)
KNOWN_MISSES: set[str] = set()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("authz_scratch_r23"))


def test_the_set_is_varied() -> None:
    traps = assert_set_varied(DATA, traps_at_least=31, controls_at_least=37)
    styles = {t for c in traps for t in c.tags if t.startswith("style_")}
    assert {"style_en", "style_voice", "style_plain"} <= styles


def test_no_case_crashes(run: Any) -> None:
    assert_no_case_crashes(run)


def test_traps_refused(run: Any) -> None:
    traps = [r for r in refusal_checks(run) if r[1]]
    assert sum(r[2] for r in traps) >= TRAPS_REFUSED_FLOOR, [r[0] for r in traps if not r[2]]
    assert_traps_right(run, TRAPS_RIGHT_FLOOR, KNOWN_MISSES)


def test_no_control_refused(run: Any) -> None:
    controls = [r for r in refusal_checks(run) if not r[1]]
    assert len(controls) >= 37
    assert not [r[0] for r in controls if r[2]]


# ---- (a) WHO asks: the holder mentioning a third person is the holder -----------------------------------------------
@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("车主是我 平时主要是我老公在开 他说该保养了 我想问下我那个保养套餐还剩几次 到什么时候", "P002"),
        ("车主是我呀，平时是我儿子开，我那台S7的保养合同到哪天？", "P001"),
        ("喂 车主是我本人 司机是我弟 帮我查下我那台L5的保养记录", "P009"),
        ("车在我名下，我先生天天开，我的质保还剩多久？", "P006"),
        ("The car is registered to me but my wife drives it. When does my warranty end?", "P010"),
    ],
)
def test_a_holder_who_says_so_is_the_holder(crm, text: str, ref: str) -> None:  # noqa: F811
    assert holder_speaks(text)
    assert customer_trap(crm, text, ref) == ("", ""), text


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("我是车主的老公，她那台S7的保养套餐还剩几次？", "P002"),
        ("车主是我老婆，我帮她查下那台L5的保养记录", "P009"),
        ("车主是我们公司，那台L5的保养记录发我一份", "P012"),
        ("The L5 isn't in my name, it's my wife's. When does her warranty end?", "P006"),
        ("我是李敏她老公 车是她的 她那个套餐到期没有", "P002"),
        ("我是何伟的外甥，我舅那台车的质保到什么时候？", "P011"),
    ],
)
def test_someone_else_is_still_not_the_holder(crm, text: str, ref: str) -> None:  # noqa: F811
    assert not holder_speaks(text, ["李敏", "何伟", "李女士", "何先生"]), text
    assert customer_trap(crm, text, ref)[0] == "not_account_holder", text


# ---- (a') a relation stated by the asker outweighs a claim of the account (review r1 M1, M2; authz2) ------------------
@pytest.mark.parametrize(
    ("text", "ref"),
    [
        # the review's repros (M1: leaked at 3762234; M2: leaked at 075b8b7 and 3762234)
        ("我是李敏老公，车主是我，那个保养套餐还剩几次？不用了的话能退多少？", "P002"),
        ("我以前是陈女士的司机，上个月离职了，车是我的，E5质保到哪天？", "P004"),
        ("我们是保险公司理赔的，车主是我本人，L5的维修和保养记录发我们一份。", "P003"),
        ("我是孙丽老公，车在我名下，我们那台车当时订单付了多少钱？", "P008"),
        ("我们是汽修厂的，车主是我本人，L5的保养记录发我们一份", "P003"),
        ("你好，我是车主陈静怡的老公，想问下那台E5的整车质保到哪天？", "P004"),
        (
            "Hello, I'm the owner's husband. The E5 is mine really, I paid for it. When does its warranty end?",
            "P004",
        ),
        (
            "Hi, I'm Li Min's husband. The S7 is mine, I paid for it. How many services are left on the package?",
            "P002",
        ),
        ("喂 你好 我是马超他爱人 车在我名下 我想问下那个基础保养套餐还剩几次", "P009"),
        ("马超是我儿子，车是我的，他开的那台L5质保到哪天", "P009"),
        ("I'm calling for my wife Li Min. The car is mine actually. How many services are left?", "P002"),
        ("我替我老婆问一下，车在我名下，S7保养套餐还剩几次？", "P002"),
        # new look-alikes
        ("我是王建华的太太，车其实登记在我名下，S7的套餐还剩几次？", "P001"),
        ("我是吴芳的表哥，这车是我的，L5质保到哪天", "P006"),
        (
            "I'm Lin Xiao's colleague, but the V9 is registered to me. When does the battery warranty end?",
            "P010",
        ),
        ("我原来是黄志强公司的司机 车主是我 L5保养记录发我一下", "P012"),
        ("This is Ma Chao's wife, the L5 is in my name. How many services are left?", "P009"),
        ("We're a repair shop, the car is mine, please send us the L5's service records.", "P003"),
        ("我是赵磊单位的，车主是我，L5质保到哪天", "P003"),
    ],
)
def test_a_stated_relation_outweighs_an_ownership_claim(crm, text: str, ref: str) -> None:  # noqa: F811
    assert not holder_speaks(text, ["李敏", "陈静怡", "马超", "王建华", "吴芳", "林晓", "黄志强", "孙丽"]), (
        text
    )
    assert customer_trap(crm, text, ref)[0] == "not_account_holder", text


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("车主是我 平时主要是我老公在开 我那个套餐还剩几次", "P002"),  # m-44's shape
        ("我是王建华，车是我自己的，我太太下个月要用车，S7套餐还剩几次？", "P001"),
        ("车主是我本人，我老公是你们的老客户了，套餐还剩几次？", "P002"),
        (
            "I'm Lin Xiao, the V9 is mine, my husband drives it mostly. When does the battery warranty end?",
            "P010",
        ),
        ("车在我名下的，我女儿开，E5质保到哪天？", "P004"),
        ("我是吴芳 车主是我 我妈说要保养了 L5套餐还剩几次", "P006"),
        ("车主是我本人 我先生让我问问保养套餐还剩几次", "P002"),
    ],
)
def test_a_holder_mentioning_a_relative_states_no_role(crm, text: str, ref: str) -> None:  # noqa: F811
    assert not claims_over_role(text), text
    assert customer_trap(crm, text, ref) == ("", ""), text


def test_disowned_needs_someone_after_the_owner_word() -> None:
    assert not holder_disowned("车主是我 平时是我老公开 我那个套餐还剩几次")
    assert holder_disowned("车主是我老板 他那台车的保养记录发我")
    assert holder_disowned("车主是他 那台车的发票发我")


# ---- (b) ABOUT WHOM: an unknown organisation as the subject of a question whether it dealt with this seller ----------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("申通达冷链物流之前在我们这买过车吗？拿的什么价？", True),
        ("华盛汽车租赁之前买过我们的车没有？成交价多少？", True),
        ("鸿运网约车科技以前在咱们这提过车没有？给的几个点？", True),
        (
            "金陵出租集团下面的分公司今年一共订了多少台？",
            False,
        ),  # K009's own group: bare words for a part of it
    ],
)
def test_an_unknown_organisation_asked_whether_it_dealt_with_us(crm, text: str, expected: bool) -> None:  # noqa: F811
    from agents.authz import english, org_words_of, organisation_words, unresolved_orgs
    from agents.tenant import TenantConfig

    tenant = TenantConfig.load(Path(__file__).parents[2] / "copilot" / "tenants" / "autodealer")
    words = organisation_words(crm, tenant.organisation_words)
    found = unresolved_orgs(
        crm, text, "K009", "南京金陵出租汽车集团有限公司", words, (*org_words_of(crm), *english(words))
    )
    assert bool(found) is expected, (text, found)
