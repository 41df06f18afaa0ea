"""A rep's ask is answered to the rep about the customer: the computed answer first, as one sentence in the third
person (the customer's name from the CRM, never 「您」/「贵司」, which is how drafts address the customer), then each
further computed statement as a short cited line; every figure as computed and every marker resolving to the
evidence. Real CRM (the second tenant's CSVs in SQLite), real policy store, real tools; refusals keep their text."""

from __future__ import annotations

import re
from datetime import date

import pytest

from agents import Copilot, TenantConfig
from agents.ask import clause_excerpt, listed_briefly, third_person, third_person_en
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
    ("给这个客户打5%折扣我能批吗", LIU, "K001", "上海迅达物流有限公司", "销售经理审批"),
    ("Is this customer's warranty still valid?", HUANG, "P002", "李敏", "2029年7月14日"),
    ("What fleet discount tier is this customer in?", LIU, "K001", "上海迅达物流有限公司", "7%"),
    # the statement that answers names nobody: the sentence says whom it is about
    # days since the last purchase on 2026-05-10, counted to today (the ask runs on the wall clock)
    (
        "帮我想想这个客户怎么跟进",
        LIU,
        "K001",
        "上海迅达物流有限公司",
        f"{(date.today() - date(2026, 5, 10)).days} 天",
    ),
]
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def wording_said(ev, line: str) -> str:
    """The wording of a computed fact a line of the answer says: the tool's English line when the answer line says all
    of its English words (but the address), else its Chinese statement."""
    en = str(ev.lineage.get("statement_en") or "")
    en_words = {w for w in ENGLISH.findall(en) if w not in ("you", "your", "for")}
    if en and en_words <= set(ENGLISH.findall(line)):
        return en
    return ev.content.split("\n")[0]


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
    # the computed statement's figures, exactly and in order: only the address (and, in English, the tenant's words)
    # changed
    statement = wording_said(cited, first)
    assert NUMBER.findall(first.rsplit(" [", 1)[0]) == NUMBER.findall(statement), (first, statement)
    if statement != cited.content.split("\n")[0]:  # the English wording, about the customer: no 「your」 left
        assert not re.search(r"[\u4e00-\u9fff]", text) and not re.search(
            r"\byour?\b", first.replace("you may", "")
        )
    else:
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


@pytest.mark.parametrize(
    ("statement", "said"),
    [
        (
            "your 2025 purchases came to 32 units (整车), so you are in tier F3 (30台（含）至60台) with a 7% discount",
            "上海迅达物流's 2025 purchases came to 32 units (整车), so they are in tier F3 (30台（含）至60台) with a 7% discount",
        ),
        (
            "the 3% discount you asked for is within what a 大客户经理 may grant (3%以内（含）)",
            "The 3% discount asked about is within what a 大客户经理 may grant (3%以内（含）)",
        ),
        (
            "a 5% discount is above what I may grant as 大客户经理 (3%以内（含）) and needs approval by 销售经理",
            "A 5% discount is above what you may grant as 大客户经理 (3%以内（含）) and needs approval by 销售经理",
        ),
        (
            "209 days since the last 整车 purchase (2026-05-10)",
            "209 days since the last 整车 purchase (2026-05-10)",
        ),
    ],
)
def test_only_the_address_changes_in_english(statement, said):
    assert third_person_en(statement, "上海迅达物流") == said


# 1. what was asked comes first: (the ask, who asks, the customer, the tool whose statement opens the answer)
ORDER = [
    # the tools' order put the volume tier first
    ("给这个客户打5%折扣我能批吗", LIU, "K001", "discount_authority"),
    ("给这个客户打3%折扣可以吗", LIU, "K001", "discount_authority"),
    # the tools' order put the days since the last purchase first
    ("这个客户现在是哪个折扣阶梯", LIU, "K001", "fleet_tier"),
    # a need of tools.yaml (到期 + 合同): the reason step's own order, kept
    ("车队合同什么时候到期", LIU, "K001", "package_renewal"),
    # 「车队」 alone in common with a promotion's name: the tools' order, kept
    ("这个车队客户好久没下单了，有什么切入点", LIU, "K001", "days_since_vehicle"),
    ("Can I give this customer a 5% discount?", LIU, "K001", "discount_authority"),
    ("What fleet discount tier is this customer in?", LIU, "K001", "fleet_tier"),
    ("When does this customer's warranty end?", HUANG, "P004", "warranty_end"),
]


@pytest.mark.parametrize(("text", "actor", "customer", "tool"), ORDER)
def test_the_statement_that_answers_the_ask_comes_first(ask, text, actor, customer, tool):
    out = ask(text, actor, customer)
    assert out.answer is not None and out.answer.status is AnswerStatus.COMPUTED, out.answer
    computed = [e for e in out.evidence if e.kind is EvidenceKind.COMPUTED_FACT]
    # usually several tools answer and the asked one must come first; when only the asked tool ran (the ask named
    # its need alone), its statement opens the answer all the same
    assert computed, out.answer.text
    first = out.answer.text.split("\n")[0]
    opening = out.evidence[int(MARK.findall(first)[-1]) - 1]
    assert opening.source_ids.get("tool_id") == tool, out.answer.text
    # the others follow, each once, each as its tool computed it
    lines = out.answer.text.split("\n")
    for ev in computed:
        n = out.evidence.index(ev) + 1
        said = [line for line in lines if line.endswith(f"[{n}]")]
        assert len(said) == 1, (n, out.answer.text)
        statement = wording_said(ev, said[0])
        assert NUMBER.findall(said[0].rsplit(" [", 1)[0]) == NUMBER.findall(statement), (said[0], statement)


# 2. an English ask reads the tool's English wording where it states every figure of the Chinese one; a Chinese ask
# the Chinese statement. (the ask, who asks, the customer, the customer's name, the language of the first statement)
LANGUAGE = [
    ("Can I give this customer a 5% discount?", LIU, "K001", "上海迅达物流有限公司", "en"),
    ("给这个客户打5%折扣我能批吗", LIU, "K001", "上海迅达物流有限公司", "zh"),
    ("What fleet discount tier is this customer in?", LIU, "K001", "上海迅达物流有限公司", "en"),
    ("这个客户现在是哪个折扣阶梯", LIU, "K001", "上海迅达物流有限公司", "zh"),
    # the English warranty line leaves out the days and kilometres left: the rep is not told less in English
    ("Is this customer's warranty still valid?", HUANG, "P002", "李敏", "zh"),
    ("这位客户的质保到哪天", HUANG, "P002", "李敏", "zh"),
]


@pytest.mark.parametrize(("text", "actor", "customer", "name", "lang"), LANGUAGE)
def test_the_answer_is_in_the_language_of_the_ask(ask, text, actor, customer, name, lang):
    out = ask(text, actor, customer)
    first = out.answer.text.split("\n")[0]
    cited = out.evidence[int(MARK.findall(first)[-1]) - 1]
    assert cited.kind is EvidenceKind.COMPUTED_FACT and cited.lineage.get("statement_en")
    assert first.startswith(name), first
    body = first.rsplit(" [", 1)[0]
    if lang == "en":  # every English word of the tool's wording is said, with its figures, but the address
        english = str(cited.lineage["statement_en"])
        en_words = {w for w in ENGLISH.findall(english) if w not in ("you", "your", "for")}
        assert en_words <= set(ENGLISH.findall(first)), (first, en_words)
        assert NUMBER.findall(body) == NUMBER.findall(english)
        assert not re.search(r"\byour?\b", body.replace("you may", "")), first
    else:
        statement = cited.content.split("\n")[0]
        assert third_person(statement, name) in first
        assert NUMBER.findall(body) == NUMBER.findall(statement)


# 3. nothing computed: the customer's name, then the governing clause quoted with its citation (no 「客户：」 header)
NOTHING_COMPUTED = [
    ("这个客户有什么投诉", HUANG, "P002", "李敏", "："),
    ("Does this customer have any complaints?", HUANG, "P002", "李敏", ": "),
    ("Any open tickets for this customer?", HUANG, "P002", "李敏", ": "),
]


@pytest.mark.parametrize(("text", "actor", "customer", "name", "sep"), NOTHING_COMPUTED)
def test_an_answer_without_figures_opens_with_the_name_and_the_clause(ask, text, actor, customer, name, sep):
    out = ask(text, actor, customer)
    assert out.kind is SuggestionKind.REP_ANSWER and out.answer is not None
    assert out.answer.status is not AnswerStatus.COMPUTED, out.answer.text
    lines = out.answer.text.split("\n")
    assert not any(line.startswith("客户：") for line in lines), out.answer.text
    per = "Per " if sep == ": " else ""  # an English ask: «李敏: Per 《…》 第四条: …»
    assert lines[0].startswith(f"{name}{sep}{per}《"), lines[0]
    clause = out.evidence[int(MARK.findall(lines[0])[-1]) - 1]
    assert clause.kind is EvidenceKind.POLICY_CLAUSE and clause.source_ids.get("clause") not in ("前言", "")
    number = str(clause.source_ids.get("clause", ""))
    # quoted as the store holds it, with its citation
    quoted = clause_excerpt(clause.content, number)
    assert (
        f"Per 《{clause.title}》 {number}: {quoted} [" if per else f"《{clause.title}》{number}：{quoted} ["
    ) in lines[0]
    marks = [int(n) for n in MARK.findall(out.answer.text)]
    assert all(out.evidence[n - 1].id in out.answer.evidence_ids for n in marks)
    assert "您" not in lines[0] and "贵司" not in lines[0]


def test_a_refusal_to_the_rep_says_why_in_words_in_the_asks_language(ask):
    out = ask("这位客户的V9保修到哪天", HUANG, "P010")  # P010 is not rep_huang's customer
    assert out.kind is SuggestionKind.REFUSAL and out.summary["refusal_reason"] == "not_owner"
    text = out.answer.text
    assert text.startswith("抱歉，客户 P010 不在您负责的客户范围内") and "只对其负责人开放" in text
    assert "not_owner" not in text and "Sorry" not in text  # no reason code, one language
    assert "审计台账" in text and "不会自动通知" in text  # what a hand-off request does, truthfully
    out = ask("When does this customer's V9 warranty end?", HUANG, "P010")
    assert out.kind is SuggestionKind.REFUSAL and out.summary["refusal_reason"] == "not_owner"
    said, _, cited = out.answer.text.partition("\nPer ")
    assert said.startswith("Sorry, customer P010 is not in your book") and "not_owner" not in said
    assert not re.search(r"[\u4e00-\u9fff]", said), said  # Chinese only in the cited document's title
    assert "nobody is notified automatically" in said
    assert [a.label for a in out.actions] == ["Send a hand-off request"]


@pytest.mark.parametrize(
    ("content", "shown"),
    [
        ("合同 C-1 覆盖车辆VIN = A1、A2、A3、A4、A5、A6", "合同 C-1 覆盖车辆VIN = A1、A2、A3 等6项"),
        (
            "合同 C-1 覆盖车辆VIN = A1、A2、A3、A4",
            "合同 C-1 覆盖车辆VIN = A1、A2、A3、A4",
        ),  # short enough to read whole
        ("客户类型 = 企业", "客户类型 = 企业"),
        ("备注：A、B、C、D、E", "备注：A、B、C、D、E"),  # not a field = value line: unchanged
    ],
)
def test_a_long_listed_value_is_shown_briefly(content, shown):
    assert listed_briefly(content) == shown


@pytest.mark.parametrize(
    ("text", "actor", "customer"),
    [
        ("这个车队客户好久没下单了，有什么切入点", LIU, "K001"),
        ("What fleet discount tier is this customer in?", LIU, "K001"),
    ],
)
def test_a_computed_answer_is_followed_by_a_few_supporting_lines_not_the_whole_file(
    ask, text, actor, customer
):
    from agents.ask import SUPPORT_CLAUSE_LINES, SUPPORT_FACT_LINES

    out = ask(text, actor, customer)
    assert out.answer is not None and out.answer.status is AnswerStatus.COMPUTED, out.answer
    computed = [e for e in out.evidence if e.kind is EvidenceKind.COMPUTED_FACT]
    lines = [ln for ln in out.answer.text.split("\n") if MARK.search(ln)]
    assert len(lines) <= len(computed) + SUPPORT_FACT_LINES + SUPPORT_CLAUSE_LINES, out.answer.text
    # every line still cites evidence the suggestion carries
    cited = {int(n) for ln in lines for n in MARK.findall(ln)}
    assert cited and max(cited) <= len(out.evidence)
