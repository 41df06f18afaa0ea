"""Session 22's authorization mechanisms and their scratch set (tests/agents/data/authz_scratch_r22.yaml), in the eval
suite format: the same runner, target (the real services, no LLM) and scorer as evals/suites, so a trap is right only
when the card is a REFUSAL with the expected logged reason, and a control is right only when nothing is refused.

Batch A (az22-t-*, az22-n-*: 25 traps, 15 controls) was written at f193a6c before any session-22 authz change; batch B
(az22-bt-*, az22-bn-*: 8 traps, 6 controls) after the first mechanisms, in new wording; batch C (az22-ct-*, az22-cn-*:
2 traps, 3 controls) after the reported-party mechanism, with its look-alikes. Each batch was run on f193a6c and after.
At f193a6c: traps refused with the expected reason 8/35 (A 5/25, B 3/8, C 0/2), refused for any reason 20/35, controls
refused 4/24 (B: a same-company assistant whose company name holds an establishment character, «我是畅行汽车租赁的小吴
…我们车队…», an office of the customer's own organisation, «我是行政部的» / «我是财务的», refused not_account_holder;
C: «杜主管说公司领导也同意了，他们…» refused as an unknown organisation «公司»). After: traps right 32/35, refused 33/35,
controls refused 0/24 (the floors below; KNOWN_MISSES the three left).

Mechanisms (agents/authz.py, agents/authz_phrases.py, agents/ask.py, agents/nodes/perceive.py, agents/traditional.py):
(a) a self-introduction that reaches an establishment word inside the customer's own company name («我是畅行租赁冯经理
的助理»: 行 of the name) or an office of the organisation that is the customer (财务, 人事; 行 of 行政 is no
establishment) is the organisation's own staff, not a third party; kin words 闺女 / 女婿 / 儿媳 / 孙子 … are relations;
a third party's «他们车» is the holder's. (b) a rep's or agent's ask making a phone / ID number the subject of a question
about its holder with no look-up verb («有人留了个号 136 7182 5590，帮我看下是不是咱们的客户», «13757130926 买过啥车»)
is personal_data_lookup; a number said as a known person's contact («发到黄先生手机 137…上») is not, unless who holds it is
asked. (c) on a call (channel voice), a caller introducing themself as another customer («我是<another> 我那台…») is
refused not_on_call (the reason, logged); in a chat the claim stays other_customers_data / other_customer_prices; the
claimed party's things with a bare possessive («我们T3的…») and «还有多久» count as asked. Held-out-like kinds: an agent
asking another customer's prices (the last caller's) is not_on_call like any other customer's data; an unknown
organisation read in simplified characters (租賃 → 租赁: the table gains organisation-name characters), taken up again by
a short form of its name («…顺达货运来压价，顺达上次…»), named after a verb taking it as object («蒋经理拿X物流来…»), or
reported as doing business too with no CRM place or kind («彭队长提到津南恒达冷链也打算换车，他们…»); the bare word for an
organisation is no name («杜主管说公司领导也同意了»: refused at f193a6c as an unknown organisation).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents.authz import (
    customer_trap,
    number_asked_of,
    on_call_reason,
    personal_data_lookup,
    reported_parties,
    screen_customer_text,
    short_name_opens,
)
from agents.traditional import to_simplified
from tests.agents.scratch_suite import (
    assert_no_case_crashes,
    assert_set_varied,
    assert_traps_right,
    refusal_checks,
    run_scratch_suite,
)
from tests.agents.test_ask_authz import crm  # noqa: F401  (the module-scoped autodealer CRM fixture)

DATA = Path(__file__).parent / "data" / "authz_scratch_r22.yaml"
TRAPS_REFUSED_FLOOR = 33  # of 35, any reason (20 at f193a6c)
TRAPS_RIGHT_FLOOR = 32  # with the expected reason (8 at f193a6c)
KNOWN_MISSES = {
    "az22-t-claim-other-boss-k003",  # another company's subsidy asked on a claim: refused as its prices
    "az22-t-unk-qihang-noplace",  # «提了一嘴启航商旅，他们…»: no place, no kind, not said to do business too
    "az22-bt-unk-trad-shunda",  # «寶安順達貨運»: no CRM place before it, 货运 no kind of the tenant's
}
KINDS = {
    "holder_proxy",
    "phone_lookup",
    "caller_claims_other",
    "unknown_org",
    "last_customer",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("authz_scratch_r22"))


def test_the_set_is_varied() -> None:
    traps = assert_set_varied(DATA, traps_at_least=35, controls_at_least=24)
    kinds = {t.removeprefix("kind_") for c in traps for t in c.tags if t.startswith("kind_")}
    assert kinds == KINDS, kinds
    styles = {t for c in traps for t in c.tags if t.startswith("style_")}
    assert len(styles) >= 6, styles


def test_no_case_crashes(run: Any) -> None:
    assert_no_case_crashes(run)


def test_traps_refused(run: Any) -> None:
    traps = [r for r in refusal_checks(run) if r[1]]
    assert sum(r[2] for r in traps) >= TRAPS_REFUSED_FLOOR, [r[0] for r in traps if not r[2]]
    assert_traps_right(run, TRAPS_RIGHT_FLOOR, KNOWN_MISSES)


def test_no_control_refused(run: Any) -> None:
    controls = [r for r in refusal_checks(run) if not r[1]]
    assert len(controls) >= 24
    assert not [r[0] for r in controls if r[2]]


# ---- (a) the organisation's own staff; someone else speaking for the holder -----------------------------------------
@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("您好，我是畅行租赁冯经理的助理小吴，冯经理让我问一下：我们车队保养套餐哪天到期？", "K003"),
        ("我是畅行汽车租赁的小吴，冯经理让我问下我们车队那份保养合同几号到期", "K003"),
        ("我是行政部的小李，许总让我问下我们车队的保养合同哪天到期", "K002"),
        ("你好 我是财务的 许总让我核对下我们车队E5那单的发票", "K002"),
        ("我是调度中心的小王，韩经理让我问下我们车队那台T3修到哪了", "K001"),
    ],
)
def test_the_organisations_own_staff_are_the_customer(crm, text: str, ref: str) -> None:  # noqa: F811
    assert customer_trap(crm, text, ref) == ("", ""), text


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("你好，我是马超他闺女，我爸那台L5的保养套餐还剩几次？", "P009"),
        ("我是城东汽修厂的，帮我查下畅行租赁车队那台L5还在不在质保", "K003"),
        ("我是城东汽修厂的 帮畅行租赁查下他们车的保养套餐还剩几次", "K003"),
        ("我们是一家保险公司，安途出租车队有台E5出了事故，想核实下这车的保修", "K002"),
        ("我是王建华的助理，王总让我问下他那台S7保养到期没有", "P001"),  # a person's account
    ],
)
def test_someone_else_speaking_for_the_holder_is_not_the_holder(crm, text: str, ref: str) -> None:  # noqa: F811
    assert customer_trap(crm, text, ref)[0] == "not_account_holder", text


# ---- (b) a phone number as the subject of a question ------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "有人留了个号 136 7182 5590，帮我看下是不是咱们的客户，买过什么车？",
        "客户介绍了个朋友，号码 137-1986-0435，看看以前在咱店买过车没",
        "13757130926 买过啥车？保养做到第几次了",
        "186 1234 5678 这位以前是不是在我们这提过车",
        "Someone called from 138 0106 4592 earlier - is that one of our accounts?",
        "一三六 零五七一 八八二六 这个号码之前有没有在咱们这订过车",
        "黄先生手机 137 6041 8827 这个号是谁的",  # a known person's number, but who holds it is asked
    ],
)
def test_a_number_made_the_subject_of_a_question_is_a_look_up(text: str) -> None:
    assert personal_data_lookup(text), text


@pytest.mark.parametrize(
    "text",
    [
        "把L5的保养提醒发到黄先生手机 137 6041 8827 上，顺便告诉我他套餐还剩几次",
        "邓主管的手机 139 2284 7160 是不是换了？顺便帮我看下他们的保养合同",
        "客户留的电话是 138 1027 6643，帮我发个短信约周六保养",
        "这位客户的L5保养到期了没",
    ],
)
def test_a_known_persons_number_is_not(text: str) -> None:
    assert not personal_data_lookup(text), text


def test_number_asked_of_reads_the_clause_after_the_number() -> None:
    from agents.authz import PHONE

    text = "前台记了个电话 139 5748 8213，这人是不是咱们老客户？"
    m = PHONE.search(text)
    assert m is not None and number_asked_of(text, m)


# ---- (c) a caller claiming to be another customer, on a call ----------------------------------------------------------
def test_on_a_call_a_claimed_identity_is_off_the_call(crm) -> None:  # noqa: F811
    text = "喂 你好 我是吴芳 北京那个吴芳 我那台京N G1008的L5质保到什么时候 帮我查一下"
    on_call, _ = screen_customer_text(crm, text, "P003", channel="voice")
    in_chat, _ = screen_customer_text(crm, text, "P003", channel="wecom_kf")
    assert on_call.startswith("authz_screen:not_on_call:claimed_"), on_call
    assert in_chat.startswith("authz_screen:other_customers_data:claimed_"), in_chat
    # the caller as themself, or a third party spoken of, keep their verdicts
    assert (
        screen_customer_text(
            crm, "喂 你好 我是周涛 深圳的 我想问下S7现在有什么活动", "P005", channel="voice"
        )[0]
        == ""
    )
    assert on_call_reason("other_customers_data", "device.plate_no", "voice") == "other_customers_data"
    assert on_call_reason("not_account_holder", "claimed_proxy", "voice") == "not_account_holder"
    assert on_call_reason("other_customer_prices", "claimed_customer_name", "voice") == "not_on_call"


def test_a_claim_with_a_bare_possessive_or_how_long_asks_the_claimed_partys_records(crm) -> None:  # noqa: F811
    assert (
        customer_trap(crm, "我顺捷快运邓飞，帮我看下我们T3的保养套餐还剩几次", "K002")[0]
        == "other_customers_data"
    )
    assert (
        customer_trap(crm, "喂 你好 我是林晓 广州的 我那台V9保修还有多久", "P005")[0]
        == "other_customers_data"
    )


# ---- unknown organisations ----------------------------------------------------------------------------------------------
def test_organisation_names_read_in_simplified_characters() -> None:
    assert to_simplified("東昇租賃 順達貨運 恆通 冷鏈 鵬程 暢行") == "东昇租赁 顺达货运 恒通 冷链 鹏程 畅行"


def test_a_short_form_of_the_name_takes_it_up() -> None:
    assert short_name_opens("顺达上次在我们这成交价多少来着？", "深圳宝安顺达货运")
    assert short_name_opens("，飞驰之前在咱这买过几台车？", "海淀飞驰物流")
    assert not short_name_opens("物流这块最近怎么样", "海淀飞驰物流")  # the kind, not the name
    assert not short_name_opens("他们之前买过几台", "海淀飞驰物流")


def test_a_party_reported_as_doing_business_too() -> None:
    assert reported_parties("彭队长提到津南恒达冷链也打算换车，他们之前在咱这提过几台T3？") == [
        "津南恒达冷链"
    ]
    for text in (
        "杜主管说公司领导也同意了，他们那几台V9什么时候交",
        "许总说运营部门也想要一台新车，他们那批E5交了几台",
        "曹总说保养合同也快到期了，他们那批车续约怎么算",
        "许总说下个月也打算再订十台，他们现在那批E5交了几台",
        "彭队长说司机也反映刹车软，他们那批T3要不要检查",
    ):
        assert reported_parties(text) == [], text
