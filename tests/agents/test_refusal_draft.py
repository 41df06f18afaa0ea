"""A customer-facing refusal: the template composer says the polite line as a body part of its own, right after the
greeting and before the answer about the customer's own case (agents/drafting/template.py); agents.authz.refusal_draft
never re-parses a finished draft and only writes the line alone when there is no draft (an unsure intent)."""

from __future__ import annotations

import pytest

from agents.authz import customer_refusal_line, refusal_draft
from agents.drafting.plan import TenantVoice
from agents.drafting.template import Composition, compose
from agents.reasoning.crm import Contact
from contract.evidence import Evidence, EvidenceKind

RULE = Evidence(
    id=Evidence.make_id(EvidenceKind.POLICY_CLAUSE, "privacy", "第五条"),
    kind=EvidenceKind.POLICY_CLAUSE,
    title="客户个人信息保护声明",
    content="第五条 集团不得向第三方或其他客户透露客户的订单价格、折扣和合同条款。",
    source_ids={"doc_id": "privacy", "version": "1.0", "clause": "第五条"},
    version="1.0",
)
FACT = Evidence(
    id=Evidence.make_id(EvidenceKind.COMPUTED_FACT, "warranty"),
    kind=EvidenceKind.COMPUTED_FACT,
    title="计算 · warranty_end",
    content="您的车辆整车质保至2028年5月19日",
    source_ids={"tool": "term_end"},
    lineage={"slots": ["2028年5月19日"]},
)


def composition(
    lang: str, contact: Contact | None, evidence: list[Evidence], rule: Evidence | None
) -> Composition:
    return Composition(
        lang=lang,
        evidence=evidence,
        actions=[],
        contact=contact,
        voice=TenantVoice(sign_off=""),
        next_steps={},
        customer_text="隔壁那家拿的什么价？我的车质保到哪天",
        refusal=customer_refusal_line("other_customer_prices", lang),
        refusal_rule=rule,
    )


@pytest.mark.parametrize(
    ("lang", "contact", "opening"),
    [
        ("zh", Contact("王强", "车队经理", "ev_c"), "王经理您好，"),
        ("zh", Contact("韩志刚", "", "ev_c", salutation="韩先生"), "韩先生您好，"),
        ("zh", None, "您好，"),
        ("en", Contact("王强", "", "ev_c", salutation="王先生"), "Hello Mr. Wang,"),
    ],
)
def test_the_line_follows_the_greeting_and_precedes_the_answer(
    lang: str, contact: Contact | None, opening: str
) -> None:
    line = customer_refusal_line("other_customer_prices", lang)
    if lang == "en":  # after "Hello Mr. Wang," the line goes on in lower case ("sorry, …")
        line = line[:1].lower() + line[1:]
    text = compose(composition(lang, contact, [FACT, RULE], None)).template_text
    assert text.startswith(opening)
    after = text[len(opening) :].lstrip()
    assert after.startswith(line)
    assert text.index(line) < text.index("2028")  # the customer's own answer comes after the refusal


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_rule_is_cited_in_the_line(lang: str) -> None:
    plan = compose(composition(lang, Contact("王强", "车队经理", "ev_c"), [FACT, RULE], RULE))
    cited = {c.evidence_id for c in plan.citations}
    assert RULE.id in cited and FACT.id in cited
    head = plan.template_text.split("2028")[0]
    marker = next(c.marker for c in plan.citations if c.evidence_id == RULE.id)
    assert f"[{marker}]" in head  # the rule's marker sits in the refusal line, before the answer
    if lang == "zh":
        assert "客户个人信息保护声明" in head and "第五条" in head
    else:  # 06f2486: an English line names its rule in the tenant's English or not at all, never in Chinese
        assert "客户个人信息保护声明" not in head


def test_a_refusal_alone_is_not_a_bare_greeting() -> None:
    c = composition("zh", Contact("王强", "车队经理", "ev_c"), [], None)
    text = compose(c).template_text
    assert text.startswith("王经理您好，" + customer_refusal_line("other_customer_prices", "zh"))


def test_refusal_draft_returns_a_composed_draft_unchanged() -> None:
    draft = {"text": "王经理您好，x[1]。", "citations": [], "lang": "zh", "source": "template"}
    assert refusal_draft(draft, ["refused:other_customer_prices"]) is draft


@pytest.mark.parametrize(
    ("lang", "rule", "cites"),
    [("zh", None, False), ("zh", RULE, True), ("en", RULE, True), ("en", None, False)],
)
def test_without_a_draft_the_line_alone(lang: str, rule: Evidence | None, cites: bool) -> None:
    line = customer_refusal_line("other_customer_prices", lang)
    verdict = {
        "id": "ev_v",
        "source_ids": {"guard": "authorization", **({"clause_evidence": rule.id} if rule else {})},
    }
    evidence = [verdict, *([rule.model_dump(mode="json")] if rule else [])]
    out = refusal_draft(None, ["refused:other_customer_prices"], lang, evidence)
    assert out is not None
    assert out["text"].startswith(line[:-1])
    assert bool(out["citations"]) is cites and ("[1]" in out["text"]) is cites


def test_no_line_for_a_reason_without_one() -> None:
    assert refusal_draft(None, ["refused:not_owner"]) is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_refusal_never_echoes_what_the_customer_asked_about(lang: str) -> None:
    """Nothing about the customer's own case is computed: the draft is the greeting and the refusal line, never
    "关于SO-2611-009，我确认…" (another customer's order number in the customer's words)."""
    comp = composition(lang, Contact("王强", "车队经理", "ev_c"), [RULE], RULE)
    comp = Composition(**{**comp.__dict__, "customer_text": "SO-2611-009 这个单子什么时候交车？单价多少？"})
    text = compose(comp).template_text
    assert "SO-2611-009" not in text
    assert customer_refusal_line("other_customer_prices", lang).rstrip("。.")[:8].lower() in text.lower()


# the CRM contact's form of address (何伟 → 何先生), as the 360 states it
HOLDER_SALUTATION = Evidence(
    id="ev_salutation",
    kind=EvidenceKind.CUSTOMER_FACT,
    title="称呼",
    content="联系人 何伟 称呼 = 何先生",
    source_ids={"row_key": "CT111", "entity": "contact", "attribute": "salutation"},
    lineage={"values": {"salutation": "何先生"}},
)


@pytest.mark.parametrize(("lang", "opening"), [("zh", "何先生您好，"), ("en", "Hello Mr. He, ")])
def test_the_line_alone_is_addressed_to_the_contact(lang: str, opening: str) -> None:
    """No draft was composed (an unsure intent): the refusal line still opens with the CRM contact's address."""
    contact = Evidence(
        id="ev_contact",
        kind=EvidenceKind.CUSTOMER_FACT,
        title="联系人",
        content="联系人 = 何伟（车主）",
        source_ids={"row_key": "CT111", "entity": "contact"},
    )
    salutation = HOLDER_SALUTATION
    evidence = [e.model_dump(mode="json") for e in (contact, salutation)]
    out = refusal_draft(None, ["refused:other_customers_data"], lang, evidence)
    assert out is not None and out["text"].startswith(opening)
    assert customer_refusal_line("other_customers_data", lang)[:6] in out["text"]


@pytest.mark.parametrize(("lang", "opening"), [("zh", "您好，"), ("en", "Hello, ")])
def test_someone_speaking_for_the_holder_is_not_greeted_by_the_holders_name(lang: str, opening: str) -> None:
    """«我是何伟的爱人，把订单退了»: the caller is not the CRM contact, so the line opens without 何先生."""
    salutation = HOLDER_SALUTATION
    out = refusal_draft(None, ["refused:not_account_holder"], lang, [salutation.model_dump(mode="json")])
    assert out is not None and out["text"].startswith(opening)
    assert "何" not in out["text"] and " He" not in out["text"]
    assert customer_refusal_line("not_account_holder", lang)[:6] in out["text"]
