"""Authorization of asks over a real CRM (the second tenant's CSVs imported into SQLite): every way a rep or agent can
name another rep's customer — company or short name, contact name, customer id, plate, VIN, order number, a phone
used as a look-up key, English — is refused with the reason logged, before anything of that customer is read; the
rep's own customers are answered, including one named in another of their conversations; a customer asking about
another customer's prices or terms gets the refusal card; an actor of another tenant is refused by the service."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from agents import Copilot, TenantConfig
from contract.errors import AccessDenied, NotFound
from contract.evidence import EvidenceKind
from contract.ports import Actor
from contract.suggestions import SuggestionKind
from tests.agents.agent_helpers import msg
from tests.agents.test_ask_rep import DenialLedger

CRM_DIR = Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "autodealer" / "crm"
# the autodealer CRM runs with the autodealer pack, as deployed: its vocabulary's organisation_words («物流», «租赁»,
# «fleet») are how its customers' companies are named
AUTODEALER = TenantConfig.load(CRM_DIR.parent)
DEMO = TenantConfig.load(CRM_DIR.parent.parent / "demo")
HUANG = Actor(id="rep_huang", role="rep", team="RT")  # 零售: P001 P002 P004 P007 P009 P011
LIU = Actor(id="rep_liu", role="rep", team="KA")  # 大客户: K001 K002 K008 K010


@pytest.fixture(scope="module")
def crm(tmp_path_factory):
    from knowledge.crm import build_customer_data, import_csv, load_mapping

    url = f"sqlite:///{tmp_path_factory.mktemp('crm') / 'crm.sqlite'}"
    import_csv(CRM_DIR, url, load_mapping(CRM_DIR / "mapping.yaml"))
    data = build_customer_data(
        url, CRM_DIR / "mapping.yaml", CRM_DIR / "signals.yaml", statement_timeout_ms=5000
    )
    yield data
    data.close()


@pytest.fixture
def ask(make_deps, crm):
    deps = make_deps(customers=crm, tenant=AUTODEALER)
    deps.ledger = DenialLedger(deps.ledger)
    cp = Copilot(deps)

    def run(text: str, actor: Actor = HUANG, customer: str = "P007", sender: str = "rep_ask"):
        out = cp.handle(msg(text, customer=customer, sender=sender, rep=actor.id, tenant="autodealer"), actor)
        return out, deps.ledger

    return run


def test_the_directory_resolves_every_handle_to_ids_and_owners_only(crm):
    said = {
        "迅达物流最近怎么样": ("K001", "customer_name"),
        "韩志刚上周来电说了什么": ("K001", "contact_name"),
        "沪·7QR20 这台车": ("K001", "device.plate_no"),
        "LHVT38F07RS366286 的保养": ("K001", "device"),
        "SO-2611-009 什么时候交车": ("K002", "order"),
        "K008 的情况": ("K008", "customer_id"),
    }
    for text, (cid, kind) in said.items():
        hits = crm.mentions(text)
        assert [(h.customer_id, h.kind) for h in hits] == [(cid, kind)], text
        assert hits[0].owner_name == "刘洋" and hits[0].owner_team == "大客户部"
    assert crm.mentions("帮我查下这个客户最近的订单") == []
    assert [h.customer_id for h in crm.mentions("K0012 不是客户号")] == []


@pytest.mark.parametrize(
    ("text", "named_by"),
    [
        ("帮我查下迅达物流最近的订单和他们拿的折扣", "customer_name"),  # short company name
        ("韩志刚那边的车队合同什么时候到期？", "contact_name"),  # a contact of another rep's customer
        ("沪·7QR20 这台车上次保养是哪天？", "device.plate_no"),  # a plate
        ("LHVT38F07RS366286 还在质保期吗", "device"),  # a VIN
        ("SO-2611-009 这个单子什么时候交车", "order"),  # an order number
        ("What discount did K002 get last month?", "customer_id"),  # English, by customer id
        ("安途出租拿的什么价？合同条款也发我看看", "customer_name"),  # another customer's prices and terms
    ],
)
def test_another_reps_customer_is_refused_however_named(ask, text, named_by):
    out, ledger = ask(text)
    assert out.kind is SuggestionKind.REFUSAL, out.answer
    assert out.summary["refusal_reason"] == "not_owner" and "named_by" not in out.summary
    # the autodealer CRM shares owners with colleagues (owner_visible_to_reps): who serves them, never who they are
    assert "刘洋" in out.answer.text and "K00" not in out.answer.text
    assert [a.name for a in out.actions] == ["request_handoff"]  # and a logged hand-off request
    assert ledger.denials[-1]["named_by"] == named_by and ledger.denials[-1]["owner"] == "大客户部 刘洋"
    assert not [e for e in out.evidence if e.kind is EvidenceKind.CUSTOMER_FACT]  # nothing of theirs
    assert ledger.denials[-1]["reason"] == "not_owner" and ledger.denials[-1]["attempted"] == "rep_ask"


def test_a_phone_or_id_number_is_not_a_look_up_key(ask):
    out, _ = ask("13916270418 这个号码是哪个客户的？")
    assert out.kind is SuggestionKind.REFUSAL and out.summary["refusal_reason"] == "personal_data_lookup"
    out, _ = ask("who owns 139 1627 0418? look up their orders")
    assert out.kind is SuggestionKind.REFUSAL and out.summary["refusal_reason"] == "personal_data_lookup"


def test_generic_asks_about_others_are_refused_in_english_too(ask):
    # «Xunda» is another rep's customer's trade name romanised: a handle of the directory's, refused as not_owner
    # (session 10; it was other_customer_prices, a «loose» match refused on general grounds)
    out, _ = ask("What price did Xunda Logistics pay for their T3s?")
    assert out.kind is SuggestionKind.REFUSAL and out.summary["refusal_reason"] == "not_owner"
    out, _ = ask("What price did the other logistics company pay for their T3s?")
    assert out.kind is SuggestionKind.REFUSAL and out.summary["refusal_reason"] == "other_customer_prices"
    out, _ = ask("other customers' phone numbers please")
    assert out.kind is SuggestionKind.REFUSAL and out.summary["refusal_reason"] == "other_customers_data"


def test_own_customers_are_answered_even_when_named_elsewhere(ask):
    out, _ = ask("这个客户最近的订单和折扣情况", actor=HUANG, customer="P007")
    assert out.kind is SuggestionKind.REP_ANSWER
    # rep_liu, in K001's conversation, asks about K008 (also theirs): answered about K008, prices included
    out, ledger = ask("甬通物流上次拿的什么折扣？", actor=LIU, customer="K001")
    assert out.kind is SuggestionKind.REP_ANSWER and out.summary == {"about_customer": "K008"}
    assert "宁波甬通物流有限公司" in out.answer.text and not ledger.denials
    # a WeCom app ask has no customer of its own: the subject comes from the text
    out, _ = ask("SO-2611-009 什么时候交车", actor=LIU, customer="rep_liu")
    assert out.kind is SuggestionKind.REP_ANSWER and out.summary == {"about_customer": "K002"}


def test_an_agent_may_ask_only_about_the_caller(ask):
    agent = Actor(id="agent_zhou", role="agent", call_customer_ref="P010")
    out, _ = ask("这位客户的V9保修到哪天", actor=agent, customer="P010")
    assert out.kind is SuggestionKind.REP_ANSWER
    out, ledger = ask("顺便查下李敏的保养套餐", actor=agent, customer="P010")
    assert out.kind is SuggestionKind.REFUSAL and out.summary["refusal_reason"] == "not_on_call"
    assert "黄蕾" not in out.answer.text  # an agent is not told who owns whom
    assert ledger.denials[-1]["customer_ref"] == "P002"


def test_a_customer_asking_another_customers_prices_gets_the_refusal_card(ask):
    out, _ = ask("听说鹏程租车在你们这买的车便宜，他们的合同价是多少？", customer="P007", sender="customer")
    assert out.kind is SuggestionKind.REFUSAL and "refused:other_customer_prices" in out.flags
    # a friend who referred them is not a question about the friend's account
    out, _ = ask("我朋友李敏推荐我来的，S7现在多少钱？", customer="P007", sender="customer")
    assert out.kind is not SuggestionKind.REFUSAL
    out, _ = ask("我朋友李敏推荐我来的，你们电话多少？", customer="P007", sender="customer")
    assert out.kind is not SuggestionKind.REFUSAL


def test_a_customer_asking_another_customers_personal_data_gets_the_refusal_card(ask):
    out, _ = ask("把李敏的手机号和住址发我一下", customer="P007", sender="customer")
    assert out.kind is SuggestionKind.REFUSAL and "refused:other_customers_data" in out.flags
    out, _ = ask("沪·7QR20 的车主电话是多少？", customer="P007", sender="customer")
    assert out.kind is SuggestionKind.REFUSAL and "refused:other_customers_data" in out.flags


def test_the_service_refuses_another_tenants_actor_and_lets_an_app_ask_through(crm):
    from copilot.service import Services

    svc = SimpleNamespace(customers=crm, agent_scope=lambda actor, ref: actor)
    if "tenant" in Actor.model_fields:  # tenant-scoped identities
        stranger = Actor(id="rep_huang", role="rep", tenant="other-co")
        with pytest.raises(AccessDenied) as denied:
            Services.authorize_customer(
                svc, msg("P007 的订单", customer="P007", tenant="autodealer"), stranger
            )  # type: ignore[arg-type]
        assert denied.value.reason == "wrong_tenant"
    app_ask = msg("SO-2611-009 什么时候交车", customer="rep_liu", sender="rep_ask", tenant="autodealer")
    assert Services.authorize_customer(svc, app_ask, LIU) == LIU  # type: ignore[arg-type]
    with pytest.raises(NotFound):  # an unknown customer is still an error for a conversation message
        Services.authorize_customer(svc, msg("你好", customer="rep_liu", tenant="autodealer"), LIU)  # type: ignore[arg-type]
    with pytest.raises(AccessDenied):
        Services.authorize_customer(svc, msg("你好", customer="K001", tenant="autodealer"), HUANG)  # type: ignore[arg-type]
