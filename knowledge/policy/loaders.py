"""Read PDF (text layer), DOCX, Markdown, HTML and TXT into a `SourceDocument`. Every refusal is a typed InputError
raised before anything touches the store."""

from __future__ import annotations

import hashlib
import html
import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from contract.errors import InputError
from knowledge.policy.documents import SourceDocument, make_meta, split_front_matter

MAX_BYTES = 50 * 1024 * 1024  # a 100 MB upload is refused before it is read
SUFFIXES = {
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".pdf": "pdf",
}


def iter_sources(path: Path) -> Iterator[Path]:
    """A file, or every supported file under a folder (sorted, sidecars skipped)."""
    if not path.exists():
        raise InputError(f"{path}: no such file or folder", reason="not_found")
    if path.is_file():
        yield path
        return
    for p in sorted(path.rglob("*")):
        if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.endswith(".meta.yaml"):
            yield p


def load_file(
    path: Path, meta: dict[str, Any] | None = None, *, max_bytes: int = MAX_BYTES
) -> SourceDocument:
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path.name}: unsupported file type {path.suffix!r}", reason="unsupported_format")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(
            f"{path.name}: {size / 1e6:.0f} MB is over the {max_bytes / 1e6:.0f} MB limit; split the document",
            reason="too_large",
        )
    raw = path.read_bytes()
    values: dict[str, Any] = {}
    sidecar = path.with_name(path.name + ".meta.yaml")
    if sidecar.exists():
        values.update(yaml.safe_load(sidecar.read_text("utf-8")) or {})
    values.update(meta or {})
    return parse_bytes(raw, fmt, values, source=str(path), default_doc_id=path.stem)


def parse_bytes(
    raw: bytes, fmt: str, values: dict[str, Any], *, source: str, default_doc_id: str = ""
) -> SourceDocument:
    page_starts = [0]
    found: dict[str, Any] = {}
    if fmt in ("md", "txt", "text"):
        text = _decode(raw, source)
        found, text = split_front_matter(text, source)
    elif fmt == "html":
        found, text = _html_text(_decode(raw, source))
    elif fmt == "docx":
        found, text = _docx_text(raw, source)
    elif fmt == "pdf":
        found, text, page_starts = _pdf_text(raw, source)
    else:
        raise InputError(f"{source}: unsupported format {fmt!r}", reason="unsupported_format")
    # PDF page offsets were computed on this exact text: only trailing space may go there
    text = text.rstrip() if fmt == "pdf" else re.sub(r"\r\n?", "\n", text).strip("\n")
    if not text.strip():
        raise InputError(f"{source}: the document has no text", reason="empty_document")
    merged = {**found, **values}
    merged.setdefault("doc_id", re.sub(r"[^A-Za-z0-9._-]+", "-", default_doc_id).strip("-") or "doc")
    merged.setdefault("title", _first_heading(text) or merged["doc_id"])
    merged.setdefault("version", "1.0")
    return SourceDocument(
        meta=make_meta(merged, source),
        text=text,
        source_path=source,
        source_format=fmt,
        source_sha256="sha256:" + hashlib.sha256(raw).hexdigest(),
        page_starts=page_starts,
    )


def _decode(raw: bytes, source: str) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{source}: text is neither UTF-8 nor GB18030", reason="bad_encoding")


def _first_heading(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip().lstrip("#").strip()[:120]
    return ""


class _HtmlToText(HTMLParser):
    """Block elements become lines, table rows become `| a | b |` rows, <meta name=… content=…> become metadata."""

    BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.buf: list[str] = []
        self.row: list[str] | None = None
        self.meta: dict[str, str] = {}
        self.title_buf: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "style", "title"):
            self._flush()
            self.skip += 1
        elif tag == "meta" and a.get("name") and a.get("content") is not None:
            self.meta[str(a["name"])] = str(a["content"])
        elif tag == "tr":
            self._flush()
            self.row = []
        elif tag in ("td", "th"):
            self.buf = []
        elif tag in self.BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title"):
            if tag == "title":
                self.meta.setdefault("_html_title", " ".join("".join(self.title_buf).split()))
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th") and self.row is not None:
            self.row.append(" ".join("".join(self.buf).split()))
            self.buf = []
        elif tag == "tr" and self.row is not None:
            self.lines.append("| " + " | ".join(self.row) + " |")
            self.row = None
        elif tag in self.BLOCKS or tag == "table":
            self._flush()
            if tag == "table":
                self.lines.append("")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.buf.append(data)
        elif self.lasttag == "title":
            self.title_buf.append(data)

    def _flush(self) -> None:
        line = " ".join("".join(self.buf).split())
        if line and self.row is None:
            self.lines.append(line)
        if self.row is None:
            self.buf = []


def _html_text(raw: str) -> tuple[dict[str, Any], str]:
    parser = _HtmlToText()
    parser.feed(raw)
    parser.close()
    parser._flush()
    keys = {
        "doc_id",
        "title",
        "version",
        "effective_date",
        "expiry_date",
        "supersedes",
        "business_unit",
        "region",
    }
    meta: dict[str, Any] = {k: html.unescape(v) for k, v in parser.meta.items() if k in keys}
    if parser.meta.get("_html_title") and "title" not in meta:
        meta["title"] = parser.meta["_html_title"]
    if "product_lines" in parser.meta:
        meta["product_lines"] = parser.meta["product_lines"]
    return meta, "\n".join(parser.lines)


def _docx_text(raw: bytes, source: str) -> tuple[dict[str, Any], str]:
    import docx
    from docx.oxml.ns import qn

    try:
        document = docx.Document(io.BytesIO(raw))
    except Exception as exc:  # python-docx raises several zip/xml errors for a broken file
        raise InputError(
            f"{source}: not a readable DOCX file ({exc.__class__.__name__})", reason="corrupt_file"
        ) from exc
    lines: list[str] = []
    tables = iter(document.tables)
    paragraphs = iter(document.paragraphs)
    for child in document.element.body.iterchildren():  # body order keeps tables where they stand
        if child.tag == qn("w:p"):
            lines.append(next(paragraphs).text)
        elif child.tag == qn("w:tbl"):
            table = next(tables)
            lines.append("")
            lines.extend("| " + " | ".join(c.text.strip() for c in row.cells) + " |" for row in table.rows)
            lines.append("")
    props = document.core_properties
    meta: dict[str, Any] = {}
    if props.title:
        meta["title"] = props.title
    if props.version:
        meta["version"] = props.version
    return meta, "\n".join(lines)


def _pdf_text(raw: bytes, source: str) -> tuple[dict[str, Any], str, list[int]]:
    import pypdf
    from pypdf.errors import PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(
                f"{source}: the PDF is encrypted; supply an unlocked copy", reason="pdf_encrypted"
            )
        pages = [re.sub(r"\r\n?", "\n", p.extract_text() or "").strip("\n") for p in reader.pages]
        title = reader.metadata.get("/Title") if reader.metadata else None
    except InputError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        if "encrypt" in str(exc).lower() or "decrypt" in str(exc).lower():
            raise InputError(
                f"{source}: the PDF is encrypted; supply an unlocked copy", reason="pdf_encrypted"
            ) from exc
        raise InputError(
            f"{source}: corrupt PDF ({exc.__class__.__name__}: {exc})", reason="corrupt_file"
        ) from exc
    if pages and not any(p.strip() for p in pages):
        raise InputError(
            f"{source}: the PDF has no text layer (scanned?); OCR it first", reason="empty_document"
        )
    starts, parts, offset = [], [], 0
    for text in pages:
        starts.append(offset)
        parts.append(text)
        offset += len(text) + 2
    meta = {"title": str(title)} if title else {}
    return meta, "\n\n".join(parts), starts or [0]
