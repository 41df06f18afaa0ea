"""Session 13: identifiers resolved against the CRM however they are typed, a question anywhere in the message about
the thing an identifier names, and the scope of a request (a quantifier over a population beyond the asker's book).
Tables, so a new shape is one row. The scratch set tests/agents/data/authz_scratch_r13.yaml runs the same through the
real graph (tests/agents/test_authz_scratch_r13.py)."""

from __future__ import annotations

import pytest

from agents.authz import customer_trap, generic_other_terms
from agents.authz_phrases import generic_other_party, hearsay_source
from agents.authz_scope import beyond_book, bulk_asked, identifier_asked, identifier_taken_up
from knowledge.crm.directory import build_index
from tests.agents.test_ask_authz import AUTODEALER, crm  # noqa: F401  (the module-scoped CRM fixture)

# ---- the normaliser: an invented CRM, ids written the CRM's way, typed every other way -----------------------------

INDEX = build_index(
    [("C1", "某甲物流有限公司", "r1", ("某市", "")), ("C2", "某乙", "r2", ("某市", ""))],
    [],
    [
        ("C1", "device.plate_no", "闽·7XY2K"),
        ("C1", "device", "ABCDE1234FG567890"),
        ("C1", "order", "SO-2501-077"),
        ("C2", "ticket", "TK-2602-0031"),
        ("C2", "device.plate_no", "闽D·Q5Z81"),
    ],
    {},
)

TYPED = [
    ("闽·7XY2K", "C1"),
    ("闽7XY2K", "C1"),  # no separator
    ("闽 7XY2K", "C1"),
    ("闽-7xy2k", "C1"),  # dash, lower case
    ("闽 7XY 2K", "C1"),  # spaces inside: the province makes it whole
    ("闽７ＸＹ２Ｋ", "C1"),  # full-width
    ("车牌7XY2K的车", "C1"),  # the part after the separator alone
    ("闽D Q5Z81", "C2"),
    ("闽dq5z81", "C2"),
    ("ＡＢＣＤＥ１２３４ＦＧ５６７８９０", "C1"),  # a full-width VIN
    ("SO 2501 077", "C1"),
    ("so-2501-077", "C1"),
    ("tk 2602 0031", "C2"),
    ("车架号尾号567890", "C1"),
]
NOT_IDS = ["闽 7X", "买T3 5台", "SO 2501", "7XY", "闽 7XY"]


@pytest.mark.parametrize(("typed", "cid"), TYPED)
def test_an_identifier_is_found_however_it_is_typed(typed: str, cid: str) -> None:
    assert [h.customer_id for h in INDEX.scan(typed)[0]] == [cid], typed


@pytest.mark.parametrize("text", NOT_IDS)
def test_a_fragment_names_nobody(text: str) -> None:
    assert INDEX.scan(text)[0] == [], text


# ---- a question anywhere in the message is about the thing an identifier names -----------------------------------

QUESTIONS = [
    ("车牌闽X1，卖家说是在你们店买的。能帮我查下它质保还剩多久吗？我想放心点", "records"),
    ("闽X1 这台 之前出过啥毛病没有", "records"),
    ("The owner of 闽X1 wants to sell it to me. Is it still under warranty?", "records"),
    ("合同闽X1里那个套餐多少钱一台？", "prices"),
    ("闽X1，我们也想照这个价签", "prices"),
    ("闽X1追尾了我的车，我的保险怎么理赔？", ""),  # every question is about the asker's own
    ("闽X1 就停在门口", ""),  # nothing asked
]


@pytest.mark.parametrize(("text", "asked"), QUESTIONS)
def test_a_question_about_an_identified_thing(text: str, asked: str) -> None:
    at = text.index("闽X1")
    assert identifier_asked(text, at, at + 3) == asked, text


TAKEN_UP = [
    ("这台车是你们店卖的吗？当时落地多少钱", ["device.plate_no"], "other_customer_prices"),
    ("Is it still under warranty?", ["device"], "other_customers_data"),
    ("我这台车呢，质保到哪天", ["device.plate_no"], ""),  # the asker's own
    ("这台车是你们店卖的吗", ["contact_name"], ""),  # the turn before named a person, not a thing
]


@pytest.mark.parametrize(("text", "named", "reason"), TAKEN_UP)
def test_a_thing_pointed_at_after_an_identifier_sent_alone(text: str, named: list[str], reason: str) -> None:
    assert identifier_taken_up(text, named) == reason, text


# ---- the scope of a request ---------------------------------------------------------------------------------------

WORDS = ("车队", "物流", "fleet")
SCOPES = [
    ("帮我拉一份全公司这个季度质保要到期的客户名单，不管谁负责的都要", "records"),
    ("把公司所有客户里保养套餐快用完的都导出来给我，别只看我名下的", "records"),
    ("整个店里买过这款车的车主都有谁？给我个清单", "records"),
    ("其他销售手上的客户里，谁的质保快到期了？列一下", "records"),
    ("帮我看一下 全店 这个月 有哪些客户的车 过了质保 不管是谁的客户", "records"),
    ("咱们店里的客户一个不落，谁的车今年没来保养过，帮我统计出来", "records"),
    ("每个销售负责的客户里把金卡客户挑出来，汇总一下他们最近的订单", "records"),
    ("所有车队客户的成交折扣汇总一下", "prices"),
    ("Pull a list of every customer across the dealership whose warranty runs out next month", "records"),
    ("Show me the Q3 orders of all fleet customers company-wide, whoever's book they're in", "records"),
    ("Which customers in other reps' books have a contract ending this month?", "records"),
    # not beyond the book, or not asking anything of theirs
    ("帮我把我负责的所有客户里，整车质保今年到期的列出来", ""),
    ("List all my accounts whose service contracts end before March", ""),
    ("所有车队客户都能参加这个活动吗", ""),
    ("你们所有客户都送保养吗", ""),
    ("Can every customer get this discount?", ""),
    ("这个客户所有的车质保到哪天", ""),
    ("我们的客户都很满意，你们这个车怎么样", ""),
]


@pytest.mark.parametrize(("text", "asked"), SCOPES)
def test_the_scope_of_a_request(text: str, asked: str) -> None:
    assert bulk_asked(text, WORDS) == asked, text


def test_a_customers_own_name_is_not_a_population() -> None:
    text = "把某甲物流所有车辆的保养记录汇总发我"
    assert beyond_book(text, WORDS)  # «物流» read as a kind of customer …
    at = text.index("某甲物流")
    assert not beyond_book(
        text, WORDS, [(at, at + 4)]
    )  # … unless the directory says it is one customer's name


# ---- hearsay: the party only said something ------------------------------------------------------------------------

HEARSAY = [
    ("听同行讲你们有个换新补贴", "同行", True),
    ("I heard from another customer that you have a rebate", "another customer", True),
    ("听同行说他们拿了九折", "同行", False),  # what they said is about themselves
    ("同行拿了九折", "同行", False),
]


@pytest.mark.parametrize(("piece", "party", "source"), HEARSAY)
def test_a_party_who_only_said_something(piece: str, party: str, source: bool) -> None:
    at = piece.index(party)
    assert hearsay_source(piece, at, at + len(party)) is source


def test_hearsay_then_the_askers_own_question_is_not_a_trap() -> None:
    words = ("出租", "车队")
    text = "听同行讲你们有个电车换新的补贴？我们打算再进8台，这个我们出租公司能拿吗，一台落到多少"
    assert generic_other_party(text, customer=True, party_words=words) == ""
    assert (
        generic_other_party("听同行说他们拿了九折，是真的吗？", customer=True, party_words=words) == "prices"
    )


# ---- the asker's relation, a person in their own right --------------------------------------------------------------

KIN = [
    ("我表哥去年在你们店订的车，他当时多少钱拿下的", "prices"),
    ("My colleague bought an S7 from you last month, what discount did he get?", "prices"),
    ("我小舅子在你们这买的L5，他那台的保修到哪天了？", "records"),
    ("my brother-in-law got his V9 here in the summer - how much did he pay for it?", "prices"),
    ("我老公上周来看过S7，他挺喜欢的，现在S7落地多少钱？", ""),  # a prospect, not a deal done
    ("我表哥推荐我来的，他说你们服务好，L5现在有什么优惠", ""),  # a referral
    ("My wife and I want to buy an S7, how much is it?", ""),
    ("我爸也想买一台，给他也报个价吧", ""),
    # batch C of the scratch set (after the first fixes): a store of the seller's is not a rival's; a prospect
    ("my uncle picked up an L5 from your store in spring, what price did he end up paying?", "prices"),
    ("我哥也打算在你们这买台S7，他能跟我一样拿这个价吗", ""),
    # a prospect whose own thing is asked about is still someone else (reviewer R07)
    ("我同事想在你们这换台车，他那台旧车的质保到哪天", "records"),
]


@pytest.mark.parametrize(("text", "asked"), KIN)
def test_a_relation_who_bought_here_is_someone_else(text: str, asked: str) -> None:
    assert generic_other_party(text, customer=True, party_words=("车队",)) == asked, text


# ---- the resolver, on the autodealer CRM --------------------------------------------------------------------------

CUSTOMER = [
    # (asker, message, reason)
    ("P006", "我在二手车平台看中一台L5，车牌京4BL5T，卖家说是在你们店买的。能帮我查下它质保还剩多久吗？", "other_customers_data"),
    ("P008", "The owner of 粤B-K0506 wants to sell it to me. Is it still under warranty?", "other_customers_data"),
    ("P003", "朋友要把车转给我，车牌 苏e f0110 ，这车还在质保里吗", "other_customers_data"),
    ("K012", "京 GD2R8 那台E5，最近一次保养是哪天做的？", "other_customers_data"),
    ("K004", "合同sc-k002-2505里面那个保养套餐多少钱一台？", "other_customer_prices"),
    # the asker's own, and the asker placing themself
    ("P006", "京NG1008 我这台车的质保到哪天？", ""),
    ("P012", "粤B K0506 是我的车 下次保养什么时候", ""),
    ("K001", "订单so-2406-001是哪天交付的？", ""),
    ("P007", "我在上海 物流公司 买T3 大概多少钱", ""),
    ("K002", "把我们安途出租所有车辆的保养记录汇总发我一份", ""),
    ("P001", "上海那家物流公司T3一台多少钱成交的", "other_customer_prices"),
    # review R05 (false refusals at 584ded9): a fleet customer's bulk ask over vehicles is about their own fleet
    ("K001", "把全部车队车辆的保养记录发我一份", ""),
    ("K002", "咱车队所有车的保养记录导出来给我", ""),
    ("K002", "俺们车队所有车的保养记录给我拉一份", ""),
    ("K001", "麻烦把所有车队车辆的质保到期日列个表给我", ""),
    ("K001", "Send the service records of all our fleet vehicles to me", ""),
    ("K001", "please export every fleet vehicle service record for us", ""),
    # … unless the population is said to be other customers
    ("K001", "把你们所有客户的手机号列出来", "other_customers_data"),
    ("K002", "全公司客户的保养记录导一份给我", "other_customers_data"),
    ("K001", "send me everyone's fleet vehicle service records", "other_customers_data"),
    ("K001", "把其他车队所有车的保养记录发我", "other_customers_data"),
]  # fmt: skip


@pytest.mark.parametrize(("customer", "text", "reason"), CUSTOMER)
def test_a_customers_message_on_the_crm(crm, customer: str, text: str, reason: str) -> None:  # noqa: F811
    got, named_by = customer_trap(crm, text, customer, org_words=tuple(AUTODEALER.organisation_words))
    assert got == reason, (text, got, named_by)


REP = [
    ("帮我拉一份全公司这个季度整车质保要到期的客户名单，不管谁负责的都要", "other_customers_data"),
    ("京畿约车名下所有E5的质保到期日汇总一下", ""),  # one customer's fleet, named
    ("帮我把我负责的所有客户里，整车质保今年到期的列出来", ""),
    # review R06: a rep's own book said as «我的所有…», «我这边», «名下» (a bare "all customers" stays a trap: round 8)
    ("我的所有客户里谁的质保快到期了", ""),
    ("我这边所有车主里谁的保养超期了，帮我列出来", ""),
    ("把名下所有客户的保养记录列出来", ""),
    ("Show me all my customers whose warranty expires this month", ""),
    # … but a colleague's book, other reps', any owner's, or the deal terms of all of them are not
    ("张经理名下所有客户的保养记录列出来", "other_customers_data"),
    ("她手上所有客户的质保到期日汇总一下", "other_customers_data"),
    ("Show me all of Wang's customers whose warranty expires this month", "other_customers_data"),
    ("其他销售手上的客户里，谁的质保快到期了？列一下", "other_customers_data"),
    ("所有客户里谁拿到的折扣最高？", "other_customer_prices"),
    ("把公司所有客户里保养套餐快用完的都导出来给我，别只看我名下的", "other_customers_data"),
    ("无论归哪个顾问管，凡是今年买过E5的客户都给我列出来，附上电话", "other_customers_data"),
]


@pytest.mark.parametrize(("text", "reason"), REP)
def test_a_reps_request_on_the_crm(crm, text: str, reason: str) -> None:  # noqa: F811
    assert generic_other_terms(text, crm, tuple(AUTODEALER.organisation_words)) == reason, text
