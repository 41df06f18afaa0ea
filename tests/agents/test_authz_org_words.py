"""No tenant's industry in product code: the words that end a customer's organisation name («物流», «出租», «医院»,
«fleet») come from the tenant pack (vocabulary.yaml `organisation_words`), for both tenants; product code keeps only
words of any industry (公司, 集团, 有限公司 …)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents import TenantConfig
from agents.authz import generic_other_terms
from agents.authz_phrases import _EN_PARTIES
from agents.tenant_validation import validate_tenant_dir
from agents.understanding import others
from agents.understanding.others import NEUTRAL_ORG_WORDS, asks_other_customer_price, other_customer_mentions

TENANTS = Path(__file__).resolve().parents[2] / "copilot" / "tenants"
AUTODEALER = TenantConfig.load(TENANTS / "autodealer")
DEMO = TenantConfig.load(TENANTS / "demo")


@pytest.mark.parametrize("pack", [AUTODEALER, DEMO], ids=["autodealer", "demo"])
def test_each_pack_names_its_own_industry_words(pack):
    words = pack.organisation_words
    assert words and all(isinstance(w, str) and w for w in words)
    assert not set(words) & set(NEUTRAL_ORG_WORDS)  # the pack adds its industry, not the neutral words


def test_product_code_keeps_only_neutral_organisation_words():
    industry = {*AUTODEALER.organisation_words, *DEMO.organisation_words} - {"科技", "贸易", "商贸"}
    patterns = " ".join(
        [*NEUTRAL_ORG_WORDS, others.ORG.pattern, others.OTHER_CUSTOMER.pattern, others.PRICE.pattern]
    )
    assert not [w for w in industry if not w.isascii() and w in patterns]
    assert not [w for w in industry if w.isascii() and w in _EN_PARTIES]


@pytest.mark.parametrize(
    ("text", "pack", "found"),
    [
        ("听说安途出租拿的价格特别低", AUTODEALER, "安途出租"),
        ("听说恒达医院拿的价格特别低", DEMO, "恒达医院"),
    ],
)
def test_a_company_named_by_its_industry_word_is_found_with_that_tenants_words(text, pack, found):
    words = tuple(pack.organisation_words)
    assert any(found in name for name in other_customer_mentions(text, "郑凯", words))
    assert not other_customer_mentions(text, "郑凯")  # product code alone does not know the industry
    other = DEMO if pack is AUTODEALER else AUTODEALER
    assert not other_customer_mentions(text, "郑凯", tuple(other.organisation_words))
    assert asks_other_customer_price(text, "郑凯", org_words=words)
    # a neutral word is known to every tenant
    assert other_customer_mentions("听说恒达公司拿的价格特别低", "郑凯") == ["听说恒达公司"]


def test_english_kinds_come_from_the_pack():
    ask = "what are the other fleets paying per T3?"
    assert generic_other_terms(ask, None, tuple(AUTODEALER.organisation_words)) == "other_customer_prices"
    assert generic_other_terms(ask, None) == ""  # «fleet» is the autodealer's word, not product code's
    # words of any industry still work without a pack
    assert (
        generic_other_terms("what are the other customers paying per unit?", None) == "other_customer_prices"
    )


def test_a_malformed_word_list_is_reported_with_file_and_fix(tmp_path):
    import shutil

    pack = tmp_path / "acme"
    shutil.copytree(TENANTS / "demo", pack, ignore=shutil.ignore_patterns("crm", "policies", "media"))
    vocab = pack / "vocabulary.yaml"
    vocab.write_text(vocab.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    text = vocab.read_text(encoding="utf-8").replace("organisation_words: [", "organisation_words: {bad: [")
    vocab.write_text(text.replace("distributor]", "distributor]}"), encoding="utf-8")
    problems = validate_tenant_dir(pack)
    assert any(p.field == "organisation_words" and p.line and "list" in p.message for p in problems), problems
