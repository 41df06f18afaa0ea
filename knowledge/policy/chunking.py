"""Clause-aware chunking. Chinese contract structure (第X章 / 第X节 / 第X条 / （一） / 1. / 1.1 / 1.1.1), English
numbering (Chapter / Article / Section / 1.1) and Markdown headings become a tree; an article (第X条 / Article N) is the
citation unit and becomes one chunk when it fits, other nodes are kept whole when they fit, and a node too large is
split into its children. Tables are atomic: never cut, even when one is longer than `max_chars`.

Fallback (documented): a document with no recognisable structure is cut into paragraph windows of up to `max_chars`,
labelled ¶1, ¶2 …, and its ingest record says `structure: paragraphs`.

Every chunk satisfies `doc.text[char_start:char_end] == chunk.text`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from contract.evidence import content_hash
from knowledge.policy.documents import SourceDocument

CN = "一二三四五六七八九十百千零〇两"
CHAPTER = re.compile(rf"^第[{CN}\d]+[章编部](?:\s|$|[:：])")
SECTION = re.compile(rf"^第[{CN}\d]+节(?:\s|$|[:：])")
ARTICLE = re.compile(rf"^(第[{CN}\d]+条)")
ITEM = re.compile(rf"^([（(][{CN}]+[)）])")
EN_CHAPTER = re.compile(r"^(?:chapter|part)\s+[\divxlc]+\b", re.I)
EN_ARTICLE = re.compile(r"^((?:article|section|clause)\s+\d+(?:\.\d+)*)\b", re.I)
NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)(?:[.、．)]\s*|\s+)(?=\D)")
MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


@dataclass
class Chunk:
    seq: int
    path: list[str]  # ["第二章 返点标准", "第四条"]
    char_start: int
    char_end: int
    text: str
    page: int = 1
    page_end: int = 1
    kind: str = (
        "clause"  # clause | part (a piece of an over-long clause) | group (packed small items) | paragraphs
    )

    @property
    def clause(self) -> str:
        return self.path[-1] if self.path else ""

    @property
    def clause_path(self) -> str:
        return " > ".join(self.path)

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)


@dataclass
class _Node:
    level: float
    label: str
    start: int
    end: int = 0
    article: bool = False
    children: list[_Node] = field(default_factory=list)


def _classify(line: str, has_articles: bool) -> tuple[float, str, bool] | None:
    """(level, label, is_article) of a heading line, or None for body text and table rows."""
    s = line.strip()
    if not s or s.startswith("|"):
        return None
    md = MD_HEADING.match(s)
    s_plain = re.sub(r"^[#*\s]+|\*\*", "", s).strip()
    if CHAPTER.match(s_plain) or EN_CHAPTER.match(s_plain):
        return 1.0, s_plain[:40], False
    if SECTION.match(s_plain):
        return 1.5, s_plain[:40], False
    if m := ARTICLE.match(s_plain):
        return 2.0, m.group(1), True
    if m := EN_ARTICLE.match(s_plain):
        return 2.0, m.group(1), True
    if m := ITEM.match(s_plain):
        return 3.0, m.group(1), False
    if m := NUMBERED.match(s_plain):
        depth = m.group(1).count(".") + 1
        return (3.0 + depth if has_articles else 1.0 + depth), m.group(1), False
    if md:
        level = len(md.group(1)) - 1.0  # "#" is the document title (level 0)
        return level, md.group(2).strip().strip("*")[:40], False
    return None


def _tree(text: str) -> tuple[_Node, int]:
    has_articles = any(ARTICLE.match(re.sub(r"^[#*\s]+", "", ln)) for ln in text.splitlines())
    root = _Node(level=-1.0, label="", start=0, end=len(text))
    stack, headings, offset = [root], 0, 0
    for line in text.splitlines(keepends=True):
        found = _classify(line, has_articles)
        if found:
            level, label, article = found
            while stack[-1].level >= level:
                stack.pop().end = offset
            node = _Node(level=level, label=label, start=offset, article=article)
            stack[-1].children.append(node)
            stack.append(node)
            headings += level > 0
        offset += len(line)
    for node in stack[1:]:
        node.end = len(text)
    return root, headings


def _span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Trim whitespace at both ends; None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _paragraph_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Blank-line separated paragraphs; a table (consecutive `|` rows) is one paragraph."""
    spans = []
    for m in re.finditer(r"(?:[^\n]|\n(?!\s*\n))+", text[start:end]):
        if s := _span(text, start + m.start(), start + m.end()):
            spans.append(s)
    return spans


def _pack(spans: list[tuple[int, int]], max_chars: int) -> list[tuple[int, int]]:
    """Greedily join neighbouring spans while the result stays within max_chars (an oversized span stays alone)."""
    packed: list[tuple[int, int]] = []
    for s, e in spans:
        if packed and e - packed[-1][0] <= max_chars:
            packed[-1] = (packed[-1][0], e)
        else:
            packed.append((s, e))
    return packed


class _Emitter:
    def __init__(self, doc: SourceDocument, max_chars: int) -> None:
        self.doc, self.text, self.max = doc, doc.text, max_chars
        self.chunks: list[Chunk] = []

    def add(self, path: list[str], span: tuple[int, int] | None, kind: str) -> None:
        if span is None:
            return
        s, e = span
        self.chunks.append(
            Chunk(
                len(self.chunks),
                path,
                s,
                e,
                self.text[s:e],
                self.doc.page_of(s),
                self.doc.page_of(e - 1),
                kind,
            )
        )

    def leaf(self, path: list[str], start: int, end: int, kind: str = "clause") -> None:
        span = _span(self.text, start, end)
        if span is None:
            return
        if span[1] - span[0] <= self.max:
            self.add(path, span, kind)
            return
        for piece in _pack(_paragraph_spans(self.text, *span), self.max):
            self.add(path, piece, "part")

    def node(self, node: _Node, path: list[str]) -> None:
        must_split = any(_has_articles(c) for c in node.children)
        if not node.children or (not must_split and node.end - node.start <= self.max):
            self.leaf(path, node.start, node.end)
            return
        own = _span(self.text, node.start, node.children[0].start)
        heading_only = own is not None and "\n" not in self.text[own[0] : own[1]] and node.level >= 0
        if own and not (heading_only and not node.article):  # a bare section title is context, not a clause
            self.leaf(path or ["前言"], *own)
        group: list[_Node] = []
        for child in [*node.children, None]:
            small = child is not None and not _has_articles(child) and child.end - child.start <= self.max
            if small and group and child is not None and child.end - group[0].start <= self.max:
                group.append(child)
                continue
            if group:
                label = group[0].label if len(group) == 1 else f"{group[0].label}–{group[-1].label}"
                self.leaf(
                    [*path, label], group[0].start, group[-1].end, "clause" if len(group) == 1 else "group"
                )
                group = []
            if child is None:
                break
            if small:
                group = [child]
            else:
                self.node(child, [*path, child.label])


def chunk_document(doc: SourceDocument, max_chars: int = 800) -> tuple[list[Chunk], str]:
    """Chunks plus the structure found: `clauses` (第X条/Article), `headings`, or `paragraphs` (the fallback)."""
    root, headings = _tree(doc.text)
    emitter = _Emitter(doc, max_chars)
    if headings == 0:
        for i, span in enumerate(_pack(_paragraph_spans(doc.text, 0, len(doc.text)), max_chars)):
            emitter.add([f"¶{i + 1}"], span, "paragraphs")
        return emitter.chunks, "paragraphs"
    title_nodes = [c for c in root.children if c.level == 0]
    start = root
    if len(title_nodes) == 1 and len(root.children) == 1:  # "# Title" owns the whole document: skip a level
        start = title_nodes[0]
    emitter.node(start, [])
    has_articles = _has_articles(root)
    return emitter.chunks, "clauses" if has_articles else "headings"


def _has_articles(node: _Node) -> bool:
    return node.article or any(_has_articles(c) for c in node.children)
