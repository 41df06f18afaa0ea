"""The masker's known_terms come from the tenant's pack (review of 675d5d2: `known_terms` was wired nowhere): the
company and short name (profile.yaml), product names and literal terms (vocabulary.yaml)."""

from __future__ import annotations

from pathlib import Path

from copilot.privacy.setup import pack_terms
from guardrails.pii.masker import RuleMasker
from guardrails.pii.vault import MemoryVault


def test_pack_terms_read_the_profile_and_vocabulary(tmp_path: Path) -> None:
    (tmp_path / "profile.yaml").write_text("company: 远桥电器有限公司\nshort_name: 远桥\n", encoding="utf-8")
    (tmp_path / "vocabulary.yaml").write_text(
        "product_names: [云帆X2, 静音套装]\nterms:\n  brand: [云帆]\n  model: [云帆X2, 云帆Z9]\n",
        encoding="utf-8",
    )
    terms = pack_terms(tmp_path)
    assert set(terms) == {"远桥电器有限公司", "远桥", "云帆X2", "静音套装", "云帆", "云帆Z9"}
    assert pack_terms(tmp_path / "missing") == []


def test_a_known_name_inside_a_pack_term_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "vocabulary.yaml").write_text("product_names: [云帆X2]\n", encoding="utf-8")
    m = RuleMasker(MemoryVault(), known_names=["云帆"], known_terms=pack_terms(tmp_path))
    assert "云帆X2" in m.mask("云帆X2 到货了吗").text
    assert "云帆" not in m.mask("云帆 明天来店里").text
