"""A rep's ask is answered to the rep about the customer: the computed answer first, as one sentence in the third
person (the customer's name from the CRM, never 「您」/「贵司」, which is how drafts address the customer), then each
further computed statement as a short cited line; every figure as computed and every marker resolving to the
evidence. Real CRM (the second tenant's CSVs in SQLite), real policy store, real tools; refusals keep their text."""

from __future__ import annotations

import re

import pytest

from agents import Copilot, TenantConfig
from agents.ask import third_person
from contract.evidence import EvidenceKind
from contract.suggestions import AnswerStatus, SuggestionKind
from tests.agents.agent_helpers import msg
from tests.agents.test_ask_authz import CRM_DIR, HUANG, LIU, crm  # noqa: F401  (the module-scoped CRM fixture)

TENANT = CRM_DIR.parent
MARK = re.compile(r"\[(\d+)\]")
NUMBER = re.compile(r"\d[\d,.]*")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from knowledge.embeddings import CachedEmbedder, Usem3Embedder
    from knowledge.policy import PolicyStore

    d = tmp_path_factory.mktemp("policy")
    s = PolicyStore(d / "chroma", CachedEmbedder(Usem3Embedder(), d / "emb.sqlite"), d / "catalog.sqlite")
    s.add(TENANT / "policies")
    return s


@pytest.fixture
def ask(make_deps, crm, store, use_embedder):  # noqa: F811
    deps = make_deps(
        customers=crm,
        tenant=TenantConfig.load(TENANT),
        policy=store,
        embedder=use_embedder,
        tenant_dir=TENANT,
    )
    cp = Copilot(deps)

    def run(text: str, actor, customer: str):
        return cp.handle(
            msg(text, customer=customer, sender="rep_ask", rep=actor.id, tenant="autodealer"), actor
        )

    return run


# (the rep's ask, who asks, the conversation's customer, the customer's name, a value the first sentence must hold)
ASKS = [
    ("这位客户的S7是哪天交的车", HUANG, "P002", "李敏", "2025年7月15日"),
    ("这位客户的质保到哪天", HUANG, "P002", "李敏", "2029年7月14日"),
    ("这个客户的保养套餐还剩几次", HUANG, "P002", "李敏", "4次"),
    ("车队合同什么时候到期", LIU, "K001", "上海迅达物流有限公司", "2027年6月30日"),
    ("When does this customer's warranty end?", HUANG, "P004", "陈静怡", "2027年1月9日"),
    ("给这个客户打5%折扣我能批吗", LIU, "K001", "上海迅达物流有限公司", "7%"),
    ("Is this customer's warranty still valid?", HUANG, "P002", "李敏", "2029年7月14日"),
    # the tools' first statement names nobody: the sentence says whom it is about
    ("What fleet discount tier is this customer in?", LIU, "K001", "上海迅达物流有限公司", "209 天"),
]


@pytest.mark.parametrize(("text", "actor", "customer", "name", "value"), ASKS)
def test_the_rep_reads_the_answer_first_about_the_customer(ask, text, actor, customer, name, value):
    out = ask(text, actor, customer)
    assert out.kind is SuggestionKind.REP_ANSWER and out.answer is not None
    assert out.answer.status is AnswerStatus.COMPUTED, out.answer.text
    answer = out.answer.text
    assert "您" not in answer and "贵司" not in answer, answer  # the rep is not the customer
    first = answer.split("\n")[0]
    assert not first.startswith(("客户：", "计算结果")), first  # no header before the answer
    assert first.startswith(name) and value in first, first
    # every marker resolves to a cited piece of evidence; the first sentence cites a computed fact
    marks = [int(n) for n in MARK.findall(answer)]
    assert marks and all(1 <= n <= len(out.evidence) for n in marks), answer
    assert all(out.evidence[n - 1].id in out.answer.evidence_ids for n in marks)
    cited = out.evidence[int(MARK.findall(first)[0]) - 1]
    assert cited.kind is EvidenceKind.COMPUTED_FACT
    # the computed statement's figures, exactly and in order: only the address changed
    statement = cited.content.split("\n")[0]
    assert NUMBER.findall(first.rsplit(" [", 1)[0]) == NUMBER.findall(statement)
    assert third_person(statement, name) in first
    # every computed fact is said, each with its own marker, none of them twice
    computed = [i + 1 for i, e in enumerate(out.evidence) if e.kind is EvidenceKind.COMPUTED_FACT]
    assert sorted(n for n in marks if n in computed) == computed


@pytest.mark.parametrize(
    ("statement", "said"),
    [
        ("您的合同（SC-1）将于2027年6月30日到期", "李敏的合同（SC-1）将于2027年6月30日到期"),
        ("贵司2025年整车采购 32 台，整车折扣 7%", "李敏2025年整车采购 32 台，整车折扣 7%"),
        ("您提到的5%超出销售顾问的权限，须由销售经理审批", "所问的5%超出销售顾问的权限，须由销售经理审批"),
        ("冬季焕新季：S7每台立减8000元，您符合条件", "冬季焕新季：S7每台立减8000元，李敏符合条件"),
        ("距上次采购整车（2026年5月10日）已 209 天", "距上次采购整车（2026年5月10日）已 209 天"),
    ],
)
def test_only_the_address_changes(statement, said):
    assert third_person(statement, "李敏") == said


def test_a_refusal_to_the_rep_keeps_its_text(ask):
    out = ask("这位客户的V9保修到哪天", HUANG, "P010")  # P010 is not rep_huang's customer
    assert out.kind is SuggestionKind.REFUSAL
    assert out.answer.text.startswith("抱歉，客户 P010 不在您的负责范围内") and "not_owner" in out.answer.text
