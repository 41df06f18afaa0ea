"""Session 15: whose is each record a message references (agents/authz_records.py), resolved against an invented CRM
directory; the holder named with a relation; a rep's own customer's terms carried to the conversation's customer named
as the recipient (agents/authz_caller.py recipient_named). Tables, so a new shape is one row. The scratch set
tests/agents/data/authz_scratch_r15.yaml runs the same through the real graph (tests/agents/test_authz_scratch_r15.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from agents.authz import said_digits
from agents.authz_caller import recipient_named, terms_for_another
from agents.authz_records import (
    holder_things_asked,
    others_record_asked,
    own_org_staff,
    references,
    relation_to,
    spoken,
)
from knowledge.crm.directory import build_index

INDEX = build_index(
    [
        ("C1", "某甲物流有限公司", "r1", ("某市", "")),
        ("C2", "某乙", "r2", ("某市", "")),
        ("C3", "某丙快运有限公司", "r1", ("某市", "")),
    ],
    [("C1", "某丁", "某经理"), ("C2", "某乙", "某先生")],
    [
        ("C1", "device.plate_no", "闽·7XY2K"),
        ("C1", "order", "SO-2501-077"),
        ("C2", "ticket", "TK-2602-0031"),
    ],
    {"r1": ("甲", "T1"), "r2": ("乙", "T2")},
)
CRM = SimpleNamespace(mentions=lambda text: INDEX.scan(text)[0])


def test_every_reference_is_resolved_with_its_place() -> None:
    for text, cid, kind in [
        ("某甲物流那批车，还有TK-2602-0031", "C1", "customer_name"),
        ("闽7XY2K 这台", "C1", "device"),
        ("SO 2501 077 这单", "C1", "order"),
        ("还有TK-2602-0031", "C2", "ticket"),
    ]:
        ref = references(CRM, text)[0]
        assert (ref.customer_id, ref.kind.split(".")[0]) == (cid, kind), text
        assert text[ref.start : ref.end].strip(), text
    assert {r.customer_id for r in references(CRM, "某甲物流那批车，还有TK-2602-0031")} == {"C1", "C2"}


# (text, the asker's customer id, what is asked): a record of another customer's, owned in its sentence and asked
ASKED = [
    ("某甲物流那批车是哪天交的车？", "C2", "records"),
    ("某甲物流去年那单车一台多少钱拿下的", "C2", "prices"),
    ("听说某甲物流的保养合同快到期了，他们那份续了没有", "C2", "records"),
    ("喂 我 想 了解 一下 某甲 物流 那 批 车 是 哪 天 交 的", "C2", "records"),  # a transcript's pauses
    ("闽7XY2K 这台车保养做到第几次了", "C2", "records"),  # one record, named by itself
    ("SO-2501-077 这单交付完了没有？", "C3", "records"),
    # not asked about them
    ("某甲物流那批车是哪天交的车？", "C1", ""),  # the asker's own company
    ("是某甲物流介绍我们来的，车现在什么价？", "C2", ""),  # a referral
    ("我们跟某甲物流一样也是跑城配的，车载重多少？", "C2", ""),  # the asker beside them
    ("某甲物流的车在你们这修得挺好，我们也想买一台，什么价？", "C2", ""),  # their thing, nothing asked of it
    ("某甲物流最近怎么样", "C2", ""),  # named, nothing of theirs owned
    ("听说某甲物流那批车也是你们交的，这款车续航多少？", "C2", ""),  # hearsay, then the asker's own question
    # (R15-01, after the review) a person or a place of theirs, not a record; the asker's own question after it
    ("某甲物流的某经理说你们车保养做得不错，是真的吗？", "C2", ""),
    ("某甲物流的某丁让我来问问，车现在有现车吗？", "C2", ""),
    ("喂 你好 我 朋友 某乙 的 那台 车 开着 挺好 我 也 想 买 一台 现在 多少 钱", "C3", ""),  # one long clause
    ("某乙的那台车也是你们店买的，他让我问一下你们周末营业吗？", "C3", ""),
    ("某乙的那台车保养合同什么时候到期？", "C3", "records"),  # a record noun after the possessive
    ("喂 某乙 那 台 车 的 质保 到 哪天", "C3", "records"),
]


@pytest.mark.parametrize(("text", "asker", "asked"), ASKED)
def test_another_customers_record_asked(text: str, asker: str, asked: str) -> None:
    assert others_record_asked(CRM, text, asker)[0] == asked, text


def test_a_transcript_is_read_as_said() -> None:
    assert spoken("那个 1 3 8 1 0 2 7 6 6 4 3 这个 号") == "那个 13810276643 这个号"
    assert "13818624075" in spoken("电话 一三八一八六二四零七五 他", said_digits)
    assert spoken("买 T3 5 台") == "买 T3 5 台"  # a model and a count are not a number said digit by digit


RELATION = [
    ("我是某乙他爸，孩子那台车质保到哪天了？", True),
    ("我 是 某乙 她 哥 她 那台 车 的 质保 到 什么 时候", True),
    ("你好，某乙是我老爸，他那台车的保养记录能发我一份吗", True),
    ("我是某乙的老丈人，他那辆车上回保养是哪天做的", True),
    ("我是某乙的侄子，我叔那台车的保养套餐还剩几次？", True),
    ("我是某乙，我那台车质保到哪天了？", False),  # the holder
    ("我是某乙本人", False),
    ("我是某乙先生", False),
]


@pytest.mark.parametrize(("text", "relation"), RELATION)
def test_the_holder_named_with_a_relation(text: str, relation: bool) -> None:
    assert relation_to(text, ["某乙"]) is relation, text


HOLDER_THINGS = [
    ("孩子那台车质保到哪天了", True),
    ("他那台车的订单能帮我退了吗", True),
    ("我叔那台车的保养套餐还剩几次", True),
    ("我那台车质保到哪天了", False),  # the speaker's own
    ("现在这款车多少钱", False),  # a general question
]


@pytest.mark.parametrize(("text", "asked"), HOLDER_THINGS)
def test_the_holders_things_asked(text: str, asked: bool) -> None:
    assert holder_things_asked(text) is asked, text


def test_an_organisations_titled_contact_is_its_staff() -> None:
    assert own_org_staff("某经理") and own_org_staff("许总")
    assert not own_org_staff("马先生") and not own_org_staff("某乙")


FORMS = ["某市某丙快运有限公司", "某丁", "某经理"]
CARRIED = [
    ("把某甲物流那单的成交价原样给某丙也报一份", True),
    ("某甲那批车的合同价，给某丙也出一份报价", True),
    ("某甲那单几个点成交的，原样报给某丙", True),
    ("Quote Moubing the per-unit price Moujia got on their order.", True),  # the trade name romanised
    # the conversation's customer named, for something else
    ("某甲物流那单成交价多少？另外给某丙发一下保养提醒", False),
    ("某甲那单几个点？给某经理发一下合同", False),
    ("某甲物流那单的成交价是多少？", False),  # the rep's own other customer, read: nobody receives it
]


@pytest.mark.parametrize(("text", "carried"), CARRIED)
def test_terms_carried_to_the_conversations_customer(text: str, carried: bool) -> None:
    assert terms_for_another(text, FORMS) is carried, text


def test_a_recipient_needs_its_clause_to_point_back_at_the_terms() -> None:
    assert recipient_named("给某丙也报一个", FORMS) and recipient_named("照那个价给某丙报", FORMS)
    assert not recipient_named("给某丙报一个", FORMS)  # (R15-02, after the review) a quote of its own
    assert not recipient_named("给某丙发一下保养提醒", FORMS)
    assert not recipient_named("给某戊也报一个", FORMS)  # not the conversation's customer
    assert not recipient_named("另外给某丙也报个新价", FORMS)  # a separate ask


# (R15-02, after the review) the customer's own handle only: never its city, «公司», or the city romanised
NOT_THE_CUSTOMER = [
    "我给公司也报个备",
    "给某市财务也报一份",
    "Send the same to Moushi management",
    "给某丁也报一份",
]


@pytest.mark.parametrize("text", NOT_THE_CUSTOMER[:3])
def test_a_city_or_a_legal_form_is_not_the_customer(text: str) -> None:
    assert not recipient_named(text, FORMS), text


def test_a_contact_is_the_customer() -> None:
    assert recipient_named(NOT_THE_CUSTOMER[3], FORMS)


def test_a_number_said_digit_by_digit_is_a_look_up_key() -> None:
    from agents.authz import number_names_someone

    said = "我 想 查 一下 身份证 号 3 1 0 1 0 1 1 9 9 0 0 1 0 1 1 2 3 4 的 人 有没有 在 你们 这 买 过 车"
    assert number_names_someone(spoken(said, said_digits)) == "records"
    own = "喂 我 手机 号 是 1 3 9 0 0 0 0 1 1 1 1 我 就是 车主 想 约 一下 保养"
    assert number_names_someone(spoken(own, said_digits)) == ""


def test_a_contracts_renewal_is_a_record_not_its_terms() -> None:
    from agents.authz_phrases import asks_terms

    assert not asks_terms("Has that company renewed their service contract yet?")
    assert asks_terms("What price is in their service contract?")


def test_the_askers_own_pointer_after_another_identifier_is_their_own() -> None:
    from agents.authz_scope import identifier_asked

    # «我这车»: the asker's car, not the one named
    text = "昨天被闽7XY2K 蹭了一下，我这车漆面能在你们这修吗？"
    at = text.index("闽")
    assert identifier_asked(text, at, at + 7) == ""
    text = "闽7XY2K 这车漆面能在你们这修吗？"  # «这车» alone: the one named
    assert identifier_asked(text, 0, 7) == "records"


# (R15-03, after the review) an organisation account by the CRM (its kind of business), not by the words: its staff
# speak for it; a person's account keeps the relation checks
ORG_CRM = SimpleNamespace(
    mentions=lambda text: INDEX.scan(text)[0], is_organisation=lambda cid: cid in INDEX.organisations
)


def test_an_organisations_staff_is_the_customer() -> None:
    from agents.authz import account_is_org, customer_trap

    assert account_is_org(ORG_CRM, "C1") and not account_is_org(ORG_CRM, "C2")
    assert customer_trap(ORG_CRM, "我是某丁的司机，公司那台车该保养了，能约周六吗？", "C1") == ("", "")
    assert customer_trap(ORG_CRM, "我是某丁的秘书，我们公司那台车的维修单处理到哪了？", "C1") == ("", "")
    assert customer_trap(ORG_CRM, "我是行政，帮某经理问下保养合同什么时候到期", "C1") == ("", "")
    assert customer_trap(ORG_CRM, "我是某乙的邻居，他那台车的订单帮我退了", "C2")[0] == "not_account_holder"
