"""A terse follow-up is answered about what the conversation narrowed to: the batch (delivery month + count), the
vehicle (VIN / plate tail), the model or the order an earlier turn named, not every asset the customer owns. Only a
non-empty proper subset narrows; a turn that names nothing keeps today's answer (every batch). Real CRM (the second
tenant's CSVs in SQLite), real policy store, real tools, two turns in one conversation."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from agents import Copilot, TenantConfig
from agents.reasoning.config import ToolSpec, load_tools
from agents.reasoning.crm import CrmRecord
from agents.reasoning.followup import follow_up_scope, scoped_text, select_devices
from agents.reasoning.results import Computed
from agents.reasoning.tools import ToolContext, run_tool
from contract.evidence import Evidence, EvidenceKind
from tests.agents.agent_helpers import msg
from tests.agents.test_ask_authz import CRM_DIR, LIU, crm  # noqa: F401  (the module-scoped CRM fixture)

TENANT = CRM_DIR.parent
TODAY = date(2026, 11, 20)
# the pack's measure words for a count of its assets (tools.yaml count_units): "那4台" picks the batch of 4
UNITS = tuple(load_tools(TENANT).count_units)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from knowledge.embeddings import CachedEmbedder, Usem3Embedder
    from knowledge.policy import PolicyStore

    d = tmp_path_factory.mktemp("policy")
    s = PolicyStore(d / "chroma", CachedEmbedder(Usem3Embedder(), d / "emb.sqlite"), d / "catalog.sqlite")
    s.add(TENANT / "policies")
    return s


@pytest.fixture
def talk(make_deps, crm, store, use_embedder):  # noqa: F811
    deps = make_deps(
        customers=crm,
        tenant=TenantConfig.load(TENANT),
        policy=store,
        embedder=use_embedder,
        tenant_dir=TENANT,
    )
    cp = Copilot(deps)

    def run(customer: str, first: str, then: str, conv: str):
        cp.handle(msg(first, customer=customer, rep=LIU.id, tenant="autodealer", conv=conv), LIU)
        return cp.handle(msg(then, customer=customer, rep=LIU.id, tenant="autodealer", conv=conv), LIU)

    return run


def answer_text(out) -> str:
    s = out
    return (s.answer.text if s.answer else "") + "\n" + (s.draft.text if s.draft else "")


# (customer, first turn, terse follow-up, said in the answer, never said in the answer)
# K010 owns V9s delivered 2024-09-17 (4), 2025-03-26 (3), 2026-03-12 (2); K008 T3s 2024-10-22 (6), 2025-04-24 (4),
# 2025-09-03 (2, one of them LHVT33541SS449000); K001 T3s in five batches.
FOLLOW_UPS = [
    # a month and a count that matches one batch of that month (2025-03 has 3, 2026-03 has 2)
    (
        "K010",
        "3月份到的那2台V9司机反馈挺好",
        "保修到啥时候？",
        ["2026年3月12日"],
        ["2024年9月17日", "2025年3月26日"],
    ),
    # a VIN tail: one vehicle
    (
        "K008",
        "尾号9000那台车昨天刚做完保养",
        "质保还有多久",
        ["LHVT33541SS449000"],
        ["2024年10月22日", "2025年4月24日"],
    ),
    # a year and a month with 去年-style words resolved from the CRM's day
    (
        "K008",
        "2025年4月提的车这周要年审",
        "还在质保期吗",
        ["2025年4月24日"],
        ["2024年10月22日", "2025年9月3日"],
    ),
    # a count after 那 alone picks the only batch of that size
    (
        "K001",
        "那6台车的司机都培训过了",
        "质保期到哪天",
        ["2026年5月25日"],
        ["2024年6月28日", "2025年3月18日"],
    ),
]


@pytest.mark.parametrize(("customer", "first", "then", "said", "unsaid"), FOLLOW_UPS)
def test_a_terse_follow_up_is_about_what_the_earlier_turn_named(
    talk, customer: str, first: str, then: str, said: list[str], unsaid: list[str]
) -> None:
    text = answer_text(talk(customer, first, then, conv=f"fu-{customer}-{first[:4]}"))
    for s in said:
        assert s in text, text
    for u in unsaid:
        assert u not in text, text


def test_a_turn_naming_nothing_keeps_every_batch(talk) -> None:
    text = answer_text(talk("K010", "刘经理好，最近忙吗", "保修到啥时候？", conv="fu-none"))
    assert "2024年9月17日" in text and "2026年3月12日" in text, text  # today's answer: each batch


def test_the_current_message_names_its_own_batch(talk) -> None:
    text = answer_text(
        talk("K010", "3月份到的那2台V9司机反馈挺好", "2024年9月交的那批保修到啥时候？", conv="fu-own")
    )
    assert "2024年9月17日" in text and "2026年3月12日" not in text, text


def order_facts(orders: list[tuple[str, str, str, int]]) -> list[Evidence]:
    """The 360's order facts as ground_customer gives them (one per field, the row's values in the lineage)."""
    out = []
    for oid, day, status, amount in orders:
        for attribute, value in (("status", status), ("amount", amount), ("order_date", day)):
            out.append(
                Evidence(
                    id=f"customer_fact:{oid}:{attribute}",
                    kind=EvidenceKind.CUSTOMER_FACT,
                    title="订单",
                    content=f"订单 {oid} {attribute} = {value}",
                    source_ids={"entity": "order", "attribute": attribute, "row_key": oid},
                    lineage={"values": {attribute: value}},
                )
            )
    return out


LATEST_ORDER = ToolSpec(
    id="latest_order",
    tool="crm_record",
    records="orders",
    pick="named",
    require=["order_date"],
    template="订单 {id}：{order_date}下单，金额 {amount} 元",
)
ORDERS = [
    ("SO-2405-117", "2024-05-06", "delivered", 480000),
    ("SO-2609-031", "2026-09-14", "confirmed", 252000),
]


@pytest.mark.parametrize(
    ("history", "message", "order"),
    [
        (
            [("customer", "SO-2405-117 那批车的发票找到了")],
            "那单多少钱",
            "SO-2405-117",
        ),  # named earlier: that one
        ([("rep", "您的订单SO-2405-117已归档"), ("customer", "好的")], "金额呢", "SO-2405-117"),  # by the rep
        ([("customer", "你好")], "那单多少钱", "SO-2609-031"),  # none named: the latest, as before
        (
            [("customer", "SO-2405-117 那批车的发票找到了")],
            "SO-2609-031 多少钱",
            "SO-2609-031",
        ),  # its own wins
    ],
)
def test_an_order_named_earlier_is_the_order_asked_about(
    history: list[tuple[str, str]], message: str, order: str
) -> None:
    crm_record = CrmRecord({"customer_id": "K9"}, order_facts(ORDERS), today=TODAY)
    scope = follow_up_scope(message, [{"role": r, "text": t} for r, t in history], crm_record, [], UNITS)
    ctx = ToolContext(None, crm_record, {}, scoped_text(message, scope), TODAY)  # type: ignore[arg-type]
    [said] = run_tool(LATEST_ORDER, ctx)
    assert isinstance(said, Computed) and said.statement.startswith(f"订单 {order}"), said


# ---- the selection itself, on the CRM's vehicle rows (no models) ------------------------------------------------


def devices(customer: str) -> list[dict[str, str]]:
    with (CRM_DIR / "dms_vehicles.csv").open(encoding="utf-8") as f:
        return [
            {
                "id": r["vin"],
                "name": r["vehicle_name"],
                "product_id": r["sku"],
                "installed_at": r["delivery_date"],
                "x_plate_no": r["plate_no"],
            }
            for r in csv.DictReader(f)
            if r["cust_id"] == customer
        ]


# (customer, earlier turn, delivery days the follow-up is scoped to and how many vehicles; None = not narrowed)
SCOPES = [
    ("K012", "S7那两台跑得怎么样", (["2025-09-23"], 2)),  # a model (and a count that agrees)
    ("K012", "去年4月交的L5", (["2025-04-16"], 3)),  # a relative year + month + model
    ("K012", "L5的", (["2025-04-16", "2026-06-02"], 7)),  # a model of two batches: both
    ("K008", "车牌尾号5D0HU", (["2025-04-24"], 1)),  # a plate tail: that one vehicle
    ("K008", "那4台", (["2025-04-24"], 4)),  # a count after 那: the batch of that size
    ("K008", "想再订4台T3", None),  # a count in a new order selects no batch; T3 is every vehicle
    ("K008", "报价是126000元一台", None),  # a figure with its unit is no VIN tail
    ("K008", "7月的发票收到了", None),  # a month with no delivery: about something else
]


@pytest.mark.parametrize(("customer", "earlier", "want"), SCOPES)
def test_the_earlier_turn_selects_a_proper_subset_or_nothing(
    customer: str, earlier: str, want: tuple[list[str], int] | None
) -> None:
    crm_record = CrmRecord({"customer_id": customer, "devices": devices(customer)}, [], today=TODAY)
    scope = follow_up_scope("质保？", [{"role": "customer", "text": earlier}], crm_record, [], UNITS)
    if want is None:
        assert scope.device_ids is None
        return
    days, count = want
    assert scope.device_ids is not None
    got = sorted({d["installed_at"] for d in devices(customer) if d["id"] in scope.device_ids})
    assert (got, len(scope.device_ids)) == (days, count)


def test_rep_turns_count_and_hints_of_the_message_win() -> None:
    crm_record = CrmRecord({"customer_id": "K010", "devices": devices("K010")}, [], today=TODAY)
    history = [
        {"role": "rep", "text": "您2025年3月提的3台V9下周保养"},
        {"role": "customer", "text": "好的 [OK]"},
    ]
    scope = follow_up_scope("质保呢", history, crm_record, [], UNITS)
    assert scope.device_ids is not None and len(scope.device_ids) == 3
    # a message with its own entity (a VIN) keeps it: no scope
    assert follow_up_scope("质保呢", history, crm_record, ["LFV2A11"], UNITS).device_ids is None
    assert select_devices(devices("K010"), "你好", TODAY) is None


def test_the_measure_words_of_a_count_come_from_the_pack() -> None:
    """台/辆 are this pack's words for its assets (tools.yaml count_units), not the product code's: without them a count
    selects no batch, with them "那4台" picks the batch of four."""
    assert UNITS == ("台", "辆")
    crm_record = CrmRecord({"customer_id": "K008", "devices": devices("K008")}, [], today=TODAY)
    history = [{"role": "customer", "text": "那4台"}]
    assert follow_up_scope("质保？", history, crm_record, []).device_ids is None
    scoped = follow_up_scope("质保？", history, crm_record, [], UNITS).device_ids
    assert scoped is not None and len(scoped) == 4
    assert select_devices(devices("K008"), "那4辆", TODAY, UNITS) is not None
