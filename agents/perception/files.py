"""Files: type from name/mime, size, and the text of documents (txt, md, csv, pdf, docx), capped."""

from __future__ import annotations

import io
import logging
import mimetypes
from pathlib import PurePath

log = logging.getLogger("agents.perception.files")

MAX_TEXT = 2000
DOCUMENT_EXT = {".txt", ".md", ".csv", ".pdf", ".docx", ".json"}


def file_type(name: str, mime: str) -> str:
    ext = PurePath(name).suffix.lower()
    if ext in DOCUMENT_EXT or mime.startswith("text/") or mime in ("application/pdf",):
        return "document"
    guessed = mime or (mimetypes.guess_type(name)[0] or "")
    for prefix, kind in (("image/", "image"), ("audio/", "audio"), ("video/", "video")):
        if guessed.startswith(prefix):
            return kind
    if ext in {".xls", ".xlsx"}:
        return "spreadsheet"
    if ext in {".zip", ".rar", ".7z"}:
        return "archive"
    return "other"


def document_text(name: str, data: bytes) -> str:
    """Best-effort text of a document; '' when the format is not readable here (never raises on bad bytes)."""
    ext = PurePath(name).suffix.lower()
    try:
        if ext in {".txt", ".md", ".csv", ".json"}:
            return data.decode("utf-8", errors="replace")[:MAX_TEXT]
        if ext == ".pdf":
            from pypdf import PdfReader

            reader = PdfReader(io.BytesIO(data))
            return "\n".join((p.extract_text() or "") for p in reader.pages[:5])[:MAX_TEXT]
        if ext == ".docx":
            import docx

            return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)[:MAX_TEXT]
    except Exception as exc:  # noqa: BLE001 - a malformed customer file must not stop the conversation
        # the reason is logged (the type and the parser's error, never the file's name: it may carry a name or a
        # number); perception flags the file as unreadable for the rep
        log.warning("a %s document could not be read: %s", ext.lstrip(".") or "?", type(exc).__name__)
        return ""
    return ""
