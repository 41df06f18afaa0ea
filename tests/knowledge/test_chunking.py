"""Clause-aware chunking: Chinese contract structure, English numbering, tables kept whole, exact spans, fallback."""

from __future__ import annotations

from knowledge.policy.chunking import chunk_document
from knowledge.policy.loaders import parse_bytes
from tests.knowledge.conftest import DEMO_POLICIES


def _doc(text: str, fmt: str = "md", **meta: str):
    return parse_bytes(
        text.encode(), fmt, {"doc_id": "t", "title": "测试", "version": "1", **meta}, source="t"
    )


CN_CONTRACT = """# 测试协议

## 第一章 总则

第一条 为规范管理，制定本协议。

第二条 本协议适用于华东区域。

## 第二章 标准

第三条 返点比例如下：

| 产品线 | 比例 |
|---|---|
| 创伤耗材 | 2% |
| 脊柱耗材 | 3% |

第四条 有下列情形之一的，不予返点：
（一）逾期应收账款；
（二）窜货。
"""


def test_chinese_articles_become_clauses_with_chapter_paths() -> None:
    doc = _doc(CN_CONTRACT)
    chunks, structure = chunk_document(doc)
    assert structure == "clauses"
    assert [c.clause for c in chunks] == ["第一条", "第二条", "第三条", "第四条"]
    assert chunks[2].clause_path == "第二章 标准 > 第三条"
    assert "| 脊柱耗材 | 3% |" in chunks[2].text  # the table stays with its article
    assert "（二）窜货" in chunks[3].text
    for c in chunks:
        assert doc.text[c.char_start : c.char_end] == c.text
        assert c.content_hash.startswith("sha256:")


def test_long_article_splits_at_items_and_never_cuts_a_table() -> None:
    table = "\n".join(
        ["| 型号 | 说明 |", "|---|---|"]
        + [f"| PS-{i} | 椎弓根螺钉系统规格{i}，适用于胸腰椎固定 |" for i in range(40)]
    )
    items = "\n".join(
        f"（{n}）第{n}项要求：代理商应当按时上报终端医院销售流向数据并保证真实准确。" * 3
        for n in "一二三四五"
    )
    text = f"第一条 总则。\n\n第二条 规格如下：\n\n{table}\n\n{items}\n\n第三条 附则。"
    doc = _doc(text)
    chunks, _ = chunk_document(doc, max_chars=600)
    tables = [c for c in chunks if "| 型号 | 说明 |" in c.text]
    assert (
        len(tables) == 1 and "PS-39" in tables[0].text
    )  # one chunk holds the whole table, even above max_chars
    item_chunks = [c for c in chunks if c.path[:1] == ["第二条"] and "（" in c.clause]
    assert item_chunks, "an over-long article is split into its （一）（二） items"
    assert all(c.clause_path.startswith("第二条") for c in item_chunks)
    assert all(doc.text[c.char_start : c.char_end] == c.text for c in chunks)


def test_numeric_and_english_numbering() -> None:
    long = "代理商应按季度上报采购数据，经核对无误后计算返点金额并以货款抵扣方式发放。"
    numeric = (
        "1 总则\n1.1 目的：规范返点。\n1.2 范围：华东。\n2 标准\n2.1 返点比例\n"
        f"2.1.1 创伤耗材为3%。{long}\n2.1.2 脊柱耗材为4%。{long}\n2.2 结算：{long}\n"
    )
    doc = _doc(numeric)
    chunks, structure = chunk_document(doc, max_chars=90)
    assert structure == "headings"
    assert [c.clause_path for c in chunks] == ["1", "2 > 2.1 > 2.1.1", "2 > 2.1 > 2.1.2", "2 > 2.2"]
    assert chunks[0].text.startswith("1 总则") and "1.2 范围" in chunks[0].text  # a small section stays whole
    english = (
        "Article 1 Scope\nThis agreement covers dealers.\n\nArticle 2 Rebates\nDealers earn 3% per quarter.\n"
    )
    chunks, structure = chunk_document(_doc(english))
    assert structure == "clauses"
    assert [c.clause for c in chunks] == ["Article 1", "Article 2"]


def test_no_structure_falls_back_to_paragraph_windows() -> None:
    text = "\n\n".join(f"这是第{i}段说明文字，没有任何条款编号，只是普通的段落内容。" * 4 for i in range(30))
    doc = _doc(text, fmt="txt")
    chunks, structure = chunk_document(doc, max_chars=400)
    assert structure == "paragraphs"
    assert [c.clause for c in chunks[:2]] == ["¶1", "¶2"]
    assert all(len(c.text) <= 400 for c in chunks)
    assert "".join(doc.text[c.char_start : c.char_end] for c in chunks).replace("\n", "") == doc.text.replace(
        "\n", ""
    )


def test_demo_policies_chunk_into_articles() -> None:
    from knowledge.policy.loaders import load_file

    for path in sorted(DEMO_POLICIES.glob("*.md")):
        doc = load_file(path)
        chunks, structure = chunk_document(doc)
        assert structure == "clauses", path.name
        assert all(c.clause.startswith("第") and c.clause.endswith("条") for c in chunks), path.name
        tables = [c for c in chunks if "|---|" in c.text]
        assert tables, f"{path.name} has a table"
        assert all(t.text.count("\n|") >= 2 for t in tables)
    rebate = load_file(DEMO_POLICIES / "rebate-ortho-v3.2.md")
    tiers = next(c for c in chunk_document(rebate)[0] if c.clause == "第四条")
    assert "PS-700" in tiers.text and "6%" in tiers.text
