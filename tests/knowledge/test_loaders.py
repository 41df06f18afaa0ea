"""Ingest formats (Markdown, TXT, HTML, DOCX, PDF text layer) with metadata, and every bad input the issue lists."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from contract.errors import InputError
from knowledge.policy.chunking import chunk_document
from knowledge.policy.loaders import load_file
from tests.knowledge.conftest import DEMO_POLICIES


def make_pdf(path: Path, pages: list[list[str]], *, password: str = "") -> Path:
    """A real PDF with a Chinese text layer (reportlab's built-in STSong-Light CID font needs no font file)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setTitle("设备保修条款PDF版")
    for lines in pages:
        c.setFont("STSong-Light", 11)
        for i, line in enumerate(lines):
            c.drawString(60, 780 - 18 * i, line)
        c.showPage()
    c.save()
    data = buf.getvalue()
    if password:
        import pypdf

        writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
        writer.encrypt(password)
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    path.write_bytes(data)
    return path


def test_markdown_front_matter_gives_full_metadata() -> None:
    doc = load_file(DEMO_POLICIES / "rebate-ortho-v3.2.md")
    m = doc.meta
    assert (m.doc_id, m.version, m.title) == ("rebate-ortho", "3.2", "骨科耗材返点协议V3.2")
    assert m.effective_date == date(2026, 7, 1) and m.expiry_date is None
    assert m.supersedes_keys() == ["rebate-ortho@3.1"]
    assert m.business_unit == "ortho" and m.region == "华东" and "脊柱耗材" in m.product_lines
    assert m.confidentiality == "internal"
    assert not doc.text.startswith("---")


def test_pdf_text_layer_pages_and_spans(tmp_path: Path) -> None:
    pdf = make_pdf(
        tmp_path / "w.pdf",
        [
            ["第一条 设备保修24个月。", "第二条 球管保修12个月。"],
            ["第三条 报警代码E-203表示主轴过热。", "第四条 热线400-800-1234。"],
        ],
    )
    doc = load_file(pdf, {"doc_id": "warranty-pdf", "version": "1.0"})
    assert doc.meta.title == "设备保修条款PDF版"  # from the PDF's own metadata
    chunks, structure = chunk_document(doc)
    assert structure == "clauses"
    by_clause = {c.clause: c for c in chunks}
    assert by_clause["第一条"].page == 1 and by_clause["第三条"].page == 2
    assert "E-203" in by_clause["第三条"].text
    assert all(doc.text[c.char_start : c.char_end] == c.text for c in chunks)


def test_docx_with_table_in_body_order(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.core_properties.title = "价格折扣审批权限规定（DOCX）"
    d.add_paragraph("第一条 为规范价格管理，制定本规定。")
    d.add_paragraph("第二条 各级审批权限如下：")
    t = d.add_table(rows=3, cols=2)
    for r, (a, b) in enumerate([("审批人", "折扣上限"), ("销售代表", "3%"), ("区域经理", "8%")]):
        t.cell(r, 0).text, t.cell(r, 1).text = a, b
    d.add_paragraph("第三条 本规定自2026年1月1日起施行。")
    path = tmp_path / "discount.docx"
    d.save(str(path))
    doc = load_file(path, {"doc_id": "discount-docx"})
    assert doc.meta.title == "价格折扣审批权限规定（DOCX）" and doc.meta.version == "1.0"
    chunks, _ = chunk_document(doc)
    second = next(c for c in chunks if c.clause == "第二条")
    assert "| 销售代表 | 3% |" in second.text and "第三条" not in second.text


def test_html_meta_tags_and_table(tmp_path: Path) -> None:
    html = """<html><head><title>x</title><meta name="doc_id" content="delivery-html"><meta name="version" content="1.1">
    <meta name="title" content="发货与物流服务规范"><meta name="effective_date" content="2025-09-01"></head><body>
    <h2>第一章 总则</h2><p>第一条 未经订单系统确认，不得承诺送达日期。</p>
    <p>第二条 发货时限如下：</p><table><tr><th>订单类型</th><th>时限</th></tr><tr><td>急诊</td><td>4小时</td></tr></table>
    <script>var x = "第九条 不应出现";</script></body></html>"""
    path = tmp_path / "sla.html"
    path.write_text(html, encoding="utf-8")
    doc = load_file(path)
    assert doc.meta.doc_id == "delivery-html" and doc.meta.effective_date == date(2025, 9, 1)
    chunks, _ = chunk_document(doc)
    assert [c.clause for c in chunks] == ["第一条", "第二条"]
    assert doc.meta.title == "发货与物流服务规范"
    assert "| 急诊 | 4小时 |" in chunks[1].text and "第九条" not in doc.text


def test_txt_with_sidecar_metadata_and_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "notice.txt"
    path.write_bytes("第一条 本声明适用于全部客户。\n第二条 客户可以申请删除个人信息。\n".encode("gb18030"))
    (tmp_path / "notice.txt.meta.yaml").write_text(
        "doc_id: notice\nversion: '2.0'\ntitle: 通知\n", encoding="utf-8"
    )
    doc = load_file(path)
    assert (doc.meta.doc_id, doc.meta.version) == ("notice", "2.0")
    assert "删除个人信息" in doc.text


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.md", b"---\ndoc_id: e\ntitle: t\nversion: '1'\n---\n\n   \n", "empty_document"),
        ("corrupt.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref", "corrupt_file"),
        ("corrupt.docx", b"PK\x03\x04 not really a zip", "corrupt_file"),
        ("bad.md", "---\ndoc_id: 'bad id with spaces'\ntitle: t\n---\n\n第一条 x".encode(), "bad_metadata"),
        (
            "bad-date.md",
            "---\ndoc_id: d\ntitle: t\neffective_date: someday\n---\n\n第一条 x".encode(),
            "bad_metadata",
        ),
        ("deck.pptx", b"whatever", "unsupported_format"),
    ],
)
def test_bad_input_is_a_typed_error(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        load_file(path)
    assert err.value.reason == reason
    assert err.value.http_status == 422


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "locked.pdf", [["第一条 保密内容。"]], password="s3cret")
    with pytest.raises(InputError) as err:
        load_file(pdf)
    assert err.value.reason == "pdf_encrypted"


def test_pdf_without_text_layer_is_refused(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "scan.pdf", [[]])
    with pytest.raises(InputError) as err:
        load_file(pdf)
    assert err.value.reason == "empty_document"


def test_100_mb_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    with path.open("wb") as f:  # sparse: 100 MB on paper, nothing written to disk
        f.truncate(100 * 1024 * 1024)
    with pytest.raises(InputError) as err:
        load_file(path)
    assert err.value.reason == "too_large"
    assert "100 MB" in err.value.message or "105 MB" in err.value.message
