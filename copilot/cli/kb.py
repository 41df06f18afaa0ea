"""`copilot kb …` — the versioned policy and contract store: add, list, show, remove, search, reindex, lineage."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from contract.errors import CopilotError
from contract.ports import PolicyQuery
from copilot.settings import Settings, get_settings

app = typer.Typer(
    no_args_is_help=True, help="Knowledge base: versioned policies and contracts with clause citations."
)
console = Console()


def policy_sqlite_path(settings: Settings) -> Path:
    return settings.policy_catalog_path


def open_store(settings: Settings | None = None) -> Any:
    from knowledge.policy import build_policy_store

    s = settings or get_settings()
    return build_policy_store(
        s.chroma_url,
        s.chroma_dir,
        policy_sqlite_path(s),
        s.embeddings.backend,
        embedding_model=s.embeddings.model,
        embedding_base_url=s.embeddings.base_url,
        embedding_api_key=s.embeddings.api_key.get_secret_value(),
    )


def _fail(exc: CopilotError) -> typer.Exit:
    typer.echo(f"error ({exc.code.value}/{exc.reason}): {exc.message}", err=True)
    return typer.Exit(1)


def _table(*columns: str) -> Table:
    table = Table()
    for c in columns:
        table.add_column(c, overflow="fold")  # ids must stay copyable: fold, never truncate
    return table


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


@app.command()
def add(
    path: Annotated[Path, typer.Argument(help="a file (.md .txt .html .docx .pdf) or a folder")],
    doc_id: Annotated[str | None, typer.Option(help="override the document id")] = None,
    version: Annotated[str | None, typer.Option(help="override the version")] = None,
    title: Annotated[str | None, typer.Option()] = None,
    effective: Annotated[str | None, typer.Option(help="effective date YYYY-MM-DD")] = None,
    expiry: Annotated[str | None, typer.Option(help="last day in force YYYY-MM-DD")] = None,
    supersedes: Annotated[str | None, typer.Option(help="doc_id@version it replaces")] = None,
    business_unit: Annotated[str | None, typer.Option("--bu")] = None,
    region: Annotated[str | None, typer.Option()] = None,
    product_line: Annotated[list[str] | None, typer.Option(help="repeatable")] = None,
    replace: Annotated[bool, typer.Option(help="re-ingest an existing doc_id+version (update)")] = False,
) -> None:
    """Ingest documents (metadata from front matter, <meta> tags, a sidecar FILE.meta.yaml, or these options)."""
    meta: dict[str, Any] = {
        k: v
        for k, v in {
            "doc_id": doc_id,
            "version": version,
            "title": title,
            "effective_date": effective,
            "expiry_date": expiry,
            "supersedes": supersedes,
            "business_unit": business_unit,
            "region": region,
            "product_lines": product_line,
        }.items()
        if v
    }
    try:
        store = open_store()
        with _progress() as bar:
            task = bar.add_task("ingest", total=None)

            def step(label: str, done: int, total: int) -> None:
                bar.update(task, description=label, completed=done, total=total)

            results = store.add(path, meta=meta or None, replace=replace, progress=step)
    except CopilotError as exc:
        raise _fail(exc) from exc
    table = _table("doc_id", "version", "title", "status", "chunks", "embedded", "structure")
    for r in results:
        table.add_row(r.doc_id, r.version, r.title, r.status, str(r.chunks), str(r.embedded), r.structure)
    console.print(table)


@app.command("list")
def list_(
    as_of: Annotated[str | None, typer.Option(help="status on this date (default today)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every stored document version (history included) with its status."""
    try:
        rows = open_store().list(date.fromisoformat(as_of) if as_of else None)
    except CopilotError as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    table = _table("doc_id", "version", "title", "status", "effective", "expiry", "chunks", "BU", "region")
    for r in rows:
        table.add_row(
            r["doc_id"],
            r["version"],
            r["title"],
            r["status"],
            r["effective_date"] or "-",
            r["expiry_date"] or "-",
            str(r["chunks"]),
            str(r["business_unit"]),
            str(r["region"]),
        )
    console.print(table)


@app.command()
def show(
    doc_id: str,
    version: Annotated[str | None, typer.Option(help="default: the version in force")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A document version with its clauses (chunk ids, pages, spans)."""
    try:
        doc = open_store().show(doc_id, version)
    except CopilotError as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
        return
    console.print(
        f"[bold]{doc['title']}[/bold]  {doc['doc_id']}@{doc['version']}  effective {doc['effective_date']}"
        f"  versions: {', '.join(doc['versions'])}  structure: {doc['structure']}"
    )
    for c in doc["chunks"]:
        console.print(
            f"[cyan]{c['clause_path']}[/cyan] (p.{c['page']}, {c['char_start']}–{c['char_end']}) {c['chunk_id']}"
        )
        console.print(c["text"], markup=False)


@app.command()
def remove(
    doc_id: str,
    version: Annotated[str | None, typer.Option(help="default: every version")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y")] = False,
) -> None:
    """Delete a document version (or all versions); the ingest history keeps the record."""
    if not yes:
        typer.confirm(f"remove {doc_id}{'@' + version if version else ' (all versions)'}?", abort=True)
    try:
        n = open_store().remove(doc_id, version)
    except CopilotError as exc:
        raise _fail(exc) from exc
    console.print(f"removed {n} version(s) of {doc_id}")


@app.command()
def search(
    query: str,
    k: Annotated[int, typer.Option("-k")] = 5,
    as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default today)")] = None,
    business_unit: Annotated[str | None, typer.Option("--bu")] = None,
    region: Annotated[str | None, typer.Option()] = None,
    product_line: Annotated[str | None, typer.Option()] = None,
    include_superseded: Annotated[bool, typer.Option(help="also superseded/expired versions")] = False,
    mode: Annotated[str, typer.Option(help="hybrid | dense | lexical")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Hybrid search over the versions in force; prints cited clauses."""
    q = PolicyQuery(
        text=query,
        k=k,
        as_of=date.fromisoformat(as_of) if as_of else None,
        business_unit=business_unit,
        region=region,
        product_line=product_line,
        include_superseded=include_superseded,
    )
    try:
        hits = open_store().search(q, mode=mode)
    except CopilotError as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps([e.model_dump(mode="json") for e in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        console.print("no clause found")
    for i, e in enumerate(hits, 1):
        s = e.source_ids
        console.print(
            f"[bold]{i}. 《{e.title}》 v{e.version} {s['clause']}[/bold]  score {e.score:.4f}  "
            f"(dense #{e.lineage.get('dense_rank', '-')}, bm25 #{e.lineage.get('lexical_rank', '-')}, "
            f"{e.lineage.get('status')})  {e.id}"
        )
        console.print(e.content, markup=False)


@app.command()
def reindex(full: Annotated[bool, typer.Option(help="drop and re-embed every chunk")] = False) -> None:
    """Make the vector index match the catalog (embed missing chunks, drop orphans)."""
    try:
        store = open_store()
        with _progress() as bar:
            task = bar.add_task("reindex", total=None)
            stats = store.reindex(
                full=full,
                progress=lambda label, done, total: bar.update(
                    task, description=label, completed=done, total=total
                ),
            )
    except CopilotError as exc:
        raise _fail(exc) from exc
    console.print(stats)


@app.command()
def lineage(
    ref: Annotated[str, typer.Argument(help="an evidence id (policy_clause:…) or a chunk id")],
) -> None:
    """From a citation: the exact chunk text, document version, page, span and ingest record."""
    try:
        info = open_store().lineage(ref)
    except CopilotError as exc:
        raise _fail(exc) from exc
    typer.echo(json.dumps(info, ensure_ascii=False, indent=2, default=str))
