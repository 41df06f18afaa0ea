"""The SQLite catalog: the source of truth for which documents, versions and chunks exist, plus the ingest history.
Chroma holds only vectors; a vector whose chunk is not in the catalog is never returned. Each change commits in one
transaction and bumps `generation`, which tells every reader (in any process) to refresh its in-memory view."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
  doc_id TEXT NOT NULL, version TEXT NOT NULL, title TEXT NOT NULL, meta_json TEXT NOT NULL,
  effective_date TEXT, expiry_date TEXT, content_hash TEXT NOT NULL, source_path TEXT, source_format TEXT,
  source_sha256 TEXT, structure TEXT, pages INTEGER, chars INTEGER, ingest_id INTEGER, ingested_at TEXT,
  PRIMARY KEY (doc_id, version));
CREATE TABLE IF NOT EXISTS chunks (
  chunk_id TEXT PRIMARY KEY, evidence_id TEXT NOT NULL, doc_id TEXT NOT NULL, version TEXT NOT NULL, seq INTEGER,
  clause TEXT, clause_path TEXT, kind TEXT, page INTEGER, page_end INTEGER, char_start INTEGER, char_end INTEGER,
  content_hash TEXT, text TEXT NOT NULL, tokens TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks (doc_id, version);
CREATE INDEX IF NOT EXISTS chunks_evidence ON chunks (evidence_id);
CREATE TABLE IF NOT EXISTS ingest_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, action TEXT NOT NULL, ok INTEGER NOT NULL,
  doc_id TEXT, version TEXT, source_path TEXT, content_hash TEXT, detail_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS facts (
  doc_id TEXT NOT NULL, version TEXT NOT NULL, kind TEXT NOT NULL, clause TEXT, tbl INTEGER, row INTEGER,
  data_json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS facts_doc ON facts (doc_id, version);
"""

CHUNK_COLS = (
    "chunk_id, evidence_id, doc_id, version, seq, clause, clause_path, kind, page, page_end, char_start, char_end, "
    "content_hash, text, tokens"
)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Catalog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: no corruption on a crash, fewer fsyncs
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic change; bumps the generation so readers refresh."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute(
                    "INSERT INTO state VALUES ('generation', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (f"{time.time_ns()}",),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def generation(self) -> str:
        with self._lock:
            row = self._db.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()
        return row[0] if row else "0"

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Several reads that see one committed state (a read transaction in WAL mode): a snapshot reads the change
        feed's high-water mark, the documents and the chunks inside one, so a concurrent write is either wholly in it
        or wholly after it (and then in the feed the next advance reads)."""
        with self._lock:
            if self._db.in_transaction:  # already inside one (a nested read): it sees one state already
                yield
                return
            self._db.execute("BEGIN")
            try:
                yield
            finally:
                self._db.execute("COMMIT")

    def last_change(self) -> int:
        """The change feed's high-water mark: the id of the last ingest-log record. Every write that changes a
        document version (add, update, remove) logs a record naming it inside the same transaction."""
        with self._lock:
            row = self._db.execute("SELECT COALESCE(MAX(id), 0) FROM ingest_log").fetchone()
        return int(row[0])

    def changed_since(self, change_id: int) -> list[str]:
        """Document versions ("doc_id@version") named by the change feed after `change_id`, in first-change order."""
        rows = self.query(
            "SELECT doc_id, version, MIN(id) AS first FROM ingest_log WHERE id > ? AND doc_id != '' "
            "GROUP BY doc_id, version ORDER BY first",
            (change_id,),
        )
        return [f"{r[0]}@{r[1]}" for r in rows]

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def documents(self, doc_id: str | None = None) -> list[dict[str, Any]]:
        sql = (
            "SELECT * FROM documents"
            + (" WHERE doc_id = ?" if doc_id else "")
            + " ORDER BY doc_id, effective_date"
        )
        rows = self.query(sql, (doc_id,) if doc_id else ())
        return [{**dict(r), "meta": json.loads(r["meta_json"])} for r in rows]

    def document(self, doc_id: str, version: str) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM documents WHERE doc_id = ? AND version = ?", (doc_id, version))
        return {**dict(rows[0]), "meta": json.loads(rows[0]["meta_json"])} if rows else None

    def chunk_ids(self, doc_id: str, version: str) -> list[str]:
        return [
            r[0]
            for r in self.query(
                "SELECT chunk_id FROM chunks WHERE doc_id = ? AND version = ?", (doc_id, version)
            )
        ]

    def chunks_of(self, doc_id: str, version: str) -> list[sqlite3.Row]:
        return self.query(
            f"SELECT {CHUNK_COLS} FROM chunks WHERE doc_id = ? AND version = ? ORDER BY seq",
            (doc_id, version),
        )

    def all_chunks(self) -> list[sqlite3.Row]:
        return self.query(f"SELECT {CHUNK_COLS} FROM chunks ORDER BY doc_id, version, seq")

    def chunk(self, ref: str) -> sqlite3.Row | None:
        rows = self.query(
            f"SELECT {CHUNK_COLS} FROM chunks WHERE chunk_id = ? OR evidence_id = ? LIMIT 1", (ref, ref)
        )
        return rows[0] if rows else None

    def facts_of(self, doc_id: str, version: str) -> list[sqlite3.Row]:
        """Structured facts (clauses, table rows) of one version, in document order (knowledge.policy.facts)."""
        return self.query(
            "SELECT kind, data_json FROM facts WHERE doc_id = ? AND version = ? ORDER BY rowid",
            (doc_id, version),
        )

    def ingest_record(self, ingest_id: int | None) -> dict[str, Any] | None:
        if ingest_id is None:
            return None
        rows = self.query("SELECT * FROM ingest_log WHERE id = ?", (ingest_id,))
        return {**dict(rows[0]), "detail": json.loads(rows[0]["detail_json"])} if rows else None

    def history(self, doc_id: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        sql = (
            "SELECT * FROM ingest_log" + (" WHERE doc_id = ?" if doc_id else "") + " ORDER BY id DESC LIMIT ?"
        )
        rows = self.query(sql, (doc_id, limit) if doc_id else (limit,))
        return [{**dict(r), "detail": json.loads(r["detail_json"])} for r in rows]

    def log(
        self,
        db: sqlite3.Connection | None,
        action: str,
        ok: bool,
        doc_id: str = "",
        version: str = "",
        source_path: str = "",
        content_hash: str = "",
        **detail: Any,
    ) -> int:
        """Append an ingest record (inside the caller's transaction when `db` is given)."""
        row = (
            now_iso(),
            action,
            int(ok),
            doc_id,
            version,
            source_path,
            content_hash,
            json.dumps(detail, ensure_ascii=False, default=str),
        )
        sql = "INSERT INTO ingest_log (at, action, ok, doc_id, version, source_path, content_hash, detail_json) VALUES (?,?,?,?,?,?,?,?)"
        with self._lock:
            cur = (db or self._db).execute(sql, row)
        return int(cur.lastrowid or 0)
