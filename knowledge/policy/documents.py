"""Document metadata and the parsed source a loader produces. Metadata comes from YAML front matter (Markdown/TXT),
`<meta>` tags (HTML), a sidecar `<file>.meta.yaml`, or the caller; the caller's values win."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from contract.errors import InputError

DOC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
WILDCARDS = {
    "",
    "all",
    "*",
    "全部",
    "全国",
    "通用",
}  # a document tagged like this applies to every BU / region


class DocumentMeta(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    doc_id: str
    title: str = Field(min_length=1)
    version: str = Field(min_length=1, max_length=40)
    effective_date: date | None = None  # None = in force since always
    expiry_date: date | None = None  # last day in force; None = open-ended
    supersedes: list[str] = Field(
        default_factory=list
    )  # "doc_id@version", "doc_id" (all its versions) or "version"
    business_unit: str = "all"
    region: str = "all"
    product_lines: list[str] = Field(default_factory=list)  # empty = every product line
    confidentiality: str = "internal"
    # A version may govern by the date of a CRM event instead of (only) today's date: e.g. the old warranty terms still
    # apply to devices accepted before the new version — `event_field: device.installed_at`, `event_until: 2025-06-30`.
    event_field: str = (
        ""  # entity.field in the CRM model (device.installed_at, order.order_date, contract.start_date)
    )
    event_from: date | None = None  # first event date this version governs (inclusive); None = open
    event_until: date | None = None  # last event date this version governs (inclusive); None = open

    @model_validator(mode="after")
    def _event_window(self) -> DocumentMeta:
        if (self.event_from or self.event_until) and not self.event_field:
            raise ValueError("event_from/event_until need event_field (e.g. device.installed_at)")
        if self.event_field and not re.match(r"^[a-z_]+\.[a-z_]+$", self.event_field):
            raise ValueError("event_field is entity.field, e.g. device.installed_at or order.order_date")
        if self.event_from and self.event_until and self.event_from > self.event_until:
            raise ValueError("event_from is after event_until")
        return self

    @field_validator("doc_id")
    @classmethod
    def _doc_id(cls, v: str) -> str:
        if not DOC_ID.match(v):
            raise ValueError("doc_id must be 1-128 chars of letters, digits, '.', '_' or '-'")
        return v

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v: Any) -> str:
        return str(v).strip()

    @field_validator("supersedes", "product_lines", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> list[str]:
        if v is None or v == "":
            return []
        if isinstance(v, str):
            return [s.strip() for s in re.split(r"[,，;；]", v) if s.strip()]
        return [str(s) for s in v]

    @property
    def key(self) -> str:
        return f"{self.doc_id}@{self.version}"

    def supersedes_keys(self) -> list[str]:
        """Normalised targets: a bare version means an older version of this same doc_id."""
        out = []
        for s in self.supersedes:
            if "@" in s or not re.match(r"^v?\d+(\.\d+)*$", s):
                out.append(s)
            else:
                out.append(f"{self.doc_id}@{s.lstrip('v')}")
        return out


def make_meta(values: dict[str, Any], source: str) -> DocumentMeta:
    try:
        return DocumentMeta(**values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InputError(f"{source}: bad document metadata: {problems}", reason="bad_metadata") from exc


FRONT_MATTER = re.compile(r"\A\ufeff?---\s*\n(.*?)\n---\s*(\n|\Z)", re.S)


def split_front_matter(text: str, source: str) -> tuple[dict[str, Any], str]:
    m = FRONT_MATTER.match(text)
    if not m:
        return {}, text
    try:
        values = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: front matter is not valid YAML: {exc}", reason="bad_metadata") from exc
    if not isinstance(values, dict):
        raise InputError(f"{source}: front matter must be a mapping", reason="bad_metadata")
    return values, text[m.end() :]


@dataclass
class SourceDocument:
    """One parsed document: normalised text (Markdown-ish: tables as `|` rows) plus where each page starts."""

    meta: DocumentMeta
    text: str
    source_path: str
    source_format: str  # md | txt | html | docx | pdf | text (API)
    source_sha256: str
    page_starts: list[int] = field(default_factory=lambda: [0])  # char offset where page i+1 begins

    def page_of(self, offset: int) -> int:
        page = 1
        for i, start in enumerate(self.page_starts):
            if offset >= start:
                page = i + 1
        return page
