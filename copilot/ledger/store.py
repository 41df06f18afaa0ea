"""`Ledger`: the append-only, hash-chained record of every AI intervention and every human decision.

Implements `contract.ports.LedgerSink`. Every append runs in one serialised transaction (engine.write_transaction) that
reads the chain head, chains the new rows, inserts them and moves the head: it is committed, hence durable, before the
call returns, and two writers can never fork the chain.

Tenants may share one database. A ledger bound to a tenant (`bind_tenant`, done by `copilot.service.Services` for its
own tenant) stamps that tenant on every entry it appends that does not name one (denials, redactions, unmasking
records), and reads only that tenant's entries: find, export, trail, suggestion look-ups, metrics and the decision
feed. An unbound ledger (`copilot ledger --all-tenants`, an operator on the whole database) reads every tenant; its own
redactions cover every tenant and say so (tenant "*"). The chain itself, and so `verify`, is one for all tenants; a
bound ledger's verify reports it as its tenant may see it (its own entries counted and named, nobody else's).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from operator import itemgetter
from typing import IO, Any

from sqlalchemy import Connection, Table, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from contract.decisions import HumanDecision
from contract.errors import AccessDenied, ConflictError, NotFound, UserError
from contract.ports import Actor
from contract.suggestions import Suggestion
from copilot.ledger import entries as build
from copilot.ledger import metrics as metrics_mod
from copilot.ledger import query, retention, verify
from copilot.ledger.canonical import HEADER_FIELDS, chain_digest_values, now_iso
from copilot.ledger.engine import read_transaction, write_transaction
from copilot.ledger.models import ALL_TENANTS, Checkpoint, EntryKind, LedgerEntry, LedgerMetrics, VerifyReport
from copilot.ledger.schema import ENTRY_COLUMNS, entries, head, message_keys, refs
from copilot.ledger.witness import Witness

log = logging.getLogger("copilot.ledger")

_entry_values = itemgetter(*ENTRY_COLUMNS)
_header_values = itemgetter(*HEADER_FIELDS)


def _insert_many(conn: Connection, table: Table, values: list[tuple[Any, ...]]) -> None:
    """DBAPI executemany of plain tuples: at 5k-row batches SQLAlchemy's per-row parameter processing would cost
    more than the database does. Only the two paramstyles of our drivers are needed."""
    if not values:
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    names = ", ".join(c.name for c in table.columns)
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join([mark] * len(table.columns))})"
    conn.exec_driver_sql(sql, values)


class Ledger:
    def __init__(
        self,
        engine: Engine,
        *,
        checkpoint_key: str = "",
        tracer_provider: Any = None,
        witness: Witness | None = None,
        tenant: str = "",
    ) -> None:
        self.engine = engine
        self.tenant = tenant  # "" = unbound: the operator's view of every tenant (see the module's docstring)
        self.checkpoint_key = checkpoint_key
        self.tracer_provider = tracer_provider  # OpenTelemetry export of GenAI spans; None = off
        self.witness = (
            witness  # signed heads kept outside this database (verify checks the chain against them)
        )

    def bind_tenant(self, tenant: str) -> None:
        """Scope this ledger to `tenant`: its appends carry it, its reads return only its entries. A ledger already
        bound to another tenant refuses (one service, one tenant; open a second ledger on the same URL instead)."""
        if not tenant:
            raise UserError("a ledger is bound to a named tenant", reason="ledger_tenant_missing")
        if self.tenant and self.tenant != tenant:
            raise UserError(
                f"this ledger object records tenant {self.tenant!r}, not {tenant!r}: open one per tenant",
                reason="ledger_tenant_mismatch",
            )
        self.tenant = tenant

    def _scoped(self, filters: dict[str, Any]) -> dict[str, Any] | None:
        """The caller's filters, confined to the bound tenant; None when they name another tenant (a bound ledger
        never reads another tenant's rows, whatever tenant a caller names)."""
        if self.tenant:
            if filters.get("tenant") not in (None, "", self.tenant):
                return None
            filters["tenant"] = self.tenant
        return filters

    # ---- appends ------------------------------------------------------------------------------------------------

    def _append(
        self, conn: Connection, rows: list[build.Row], ref_rows: Iterable[build.Ref] = ()
    ) -> list[str]:
        head_row = conn.execute(select(head.c.seq, head.c.entry_hash).where(head.c.id == 1)).first()
        if head_row is None:  # refuse to append to a chain whose head was deleted: verify says what happened
            raise UserError(
                "the ledger's chain head row is missing: run `copilot ledger verify`", reason="head_missing"
            )
        seq, prev = head_row
        recorded_at = now_iso()
        for row in rows:
            if not row.get(
                "tenant"
            ):  # a denial, redaction or access record naming no tenant: the bound one's
                row["tenant"] = self.tenant or (
                    ALL_TENANTS if row.get("kind") == EntryKind.REDACTION.value else ""
                )
            elif self.tenant and row["tenant"] != self.tenant:
                raise UserError(
                    f"an entry of tenant {row['tenant']!r} cannot be appended by tenant {self.tenant!r}'s ledger",
                    reason="wrong_tenant",
                )
            seq += 1
            row.update(seq=seq, prev_hash=prev, recorded_at=recorded_at)
            # the same digest as chain_digest(prev, row): every header field is set on a built row by now
            row["entry_hash"] = prev = chain_digest_values(prev, _header_values(row))
        _insert_many(conn, entries, [_entry_values(row) for row in rows])  # C-level tuple building
        _insert_many(conn, refs, list(ref_rows))
        conn.execute(update(head).where(head.c.id == 1).values(seq=seq, entry_hash=prev))
        return [row["id"] for row in rows]

    def record_suggestion(self, suggestion: Suggestion, *, inputs: Mapping[str, Any]) -> str:
        """Durably appends one AI intervention with its (already PII-masked) inputs; returns the entry id.
        Recording the same suggestion id twice raises ConflictError."""
        return self.append_many([(suggestion, inputs)])[0]

    def append_many(
        self, items: Iterable[tuple[Suggestion, Mapping[str, Any]]], *, batch_size: int = 5000
    ) -> list[str]:
        """Batched appends: one transaction (and one fsync) per `batch_size` suggestions. A batch is all or nothing."""
        ids: list[str] = []
        batch: list[tuple[Suggestion, build.Row, list[build.Ref]]] = []
        for suggestion, inputs in items:
            row, ref_rows = build.suggestion_row(suggestion, dict(inputs))
            batch.append((suggestion, row, ref_rows))
            if len(batch) >= batch_size:
                ids += self._commit_suggestions(batch)
                batch = []
        if batch:
            ids += self._commit_suggestions(batch)
        return ids

    def _commit_suggestions(self, batch: list[tuple[Suggestion, build.Row, list[build.Ref]]]) -> list[str]:
        rows = [row for _, row, _ in batch]
        keys = [
            (s.tenant, s.channel, s.message_id, s.conversation_id, s.id) for s, _, _ in batch if s.message_id
        ]
        try:
            with self.engine_write() as conn:
                # the message key first: a second suggestion for one message fails before the chain moves
                _insert_many(conn, message_keys, keys)
                ids = self._append(conn, rows, (r for _, _, refs_ in batch for r in refs_))
        except IntegrityError as exc:
            if len(batch) == 1 and keys:
                tenant, channel, message_id, _, _ = keys[0]
                held = self.message_suggestion(tenant, channel, message_id)
                if held is not None:
                    raise ConflictError(
                        f"message {message_id} on {channel} already has a suggestion in the ledger",
                        reason="message_already_recorded",
                        suggestion_id=held[1],
                    ) from exc
            raise ConflictError(
                "a suggestion with this id is already in the ledger", reason="already_recorded"
            ) from exc
        if self.tracer_provider is not None:
            from copilot.ledger.otel import emit_genai_spans

            for suggestion, _, _ in batch:
                try:
                    emit_genai_spans(suggestion, tracer_provider=self.tracer_provider)
                except Exception:  # telemetry is best effort: the entry is already committed
                    log.exception("OpenTelemetry export failed for %s", suggestion.id)
        return ids

    def engine_write(self) -> AbstractContextManager[Connection]:
        """The serialised write transaction every append goes through (also used by retention)."""
        return write_transaction(self.engine)

    def record_decision(self, decision: HumanDecision, *, actor: Actor) -> str:
        """accept / edit / reject, linked to its suggestion. NotFound (404) for an unknown suggestion; AccessDenied
        (403, and the denial is itself appended) for an actor who may not decide it; ConflictError (409) if decided."""
        denied: AccessDenied | None = None
        with self.engine_write() as conn:
            sug = query.suggestion_header(conn, decision.suggestion_id, tenant=self.tenant)
            if sug is None:
                raise NotFound(
                    f"no suggestion {decision.suggestion_id} in the ledger", reason="unknown_suggestion"
                )
            reason = build.denial_reason(actor, sug, deciding=True)
            if not reason and decision.actor != actor.id:
                reason = "actor_mismatch"
            if reason:
                message = f"{actor.role} {actor.id} may not decide suggestion {decision.suggestion_id}"
                entry_id = self._append(conn, [build.denial_row(actor, "decision", reason, message, sug)])[0]
                denied = AccessDenied(message, reason=reason, ledger_entry=entry_id)
            else:
                prior = query.decision_header(conn, decision.suggestion_id, tenant=self.tenant)
                if prior is not None:
                    raise ConflictError(
                        f"suggestion {decision.suggestion_id} was already decided ({prior['decision']}) by "
                        f"{prior['actor']} at {prior['created_at']}",
                        reason="already_decided",
                        decided_by=prior["actor"],
                        decision=prior["decision"],
                    )
                row = build.decision_row(decision, actor, sug, query.draft_text(conn, sug))
                return self._append(conn, [row])[0]
        raise denied  # committed above: the refusal is on the record before the caller hears about it

    # ---- reads ----------------------------------------------------------------------------------------------------

    def get_suggestion(self, suggestion_id: str, *, actor: Actor | None = None) -> Suggestion:
        """The suggestion as recorded. With an actor, a refused look-up raises AccessDenied and is recorded."""
        with read_transaction(self.engine) as conn:
            sug = query.suggestion_header(conn, suggestion_id, tenant=self.tenant)
        if sug is None:
            raise NotFound(f"no suggestion {suggestion_id} in the ledger", reason="unknown_suggestion")
        if actor is not None and (reason := build.denial_reason(actor, sug, deciding=False)):
            message = f"{actor.role} {actor.id} may not read suggestion {suggestion_id}"
            with self.engine_write() as conn:
                entry_id = self._append(conn, [build.denial_row(actor, "lookup", reason, message, sug)])[0]
            raise AccessDenied(message, reason=reason, ledger_entry=entry_id)
        if sug["payload"] is None:
            raise NotFound(
                f"suggestion {suggestion_id} was redacted at {sug['redacted_at']}", reason="redacted"
            )
        return Suggestion.model_validate(json.loads(sug["payload"])["suggestion"])

    def get_suggestion_view(self, suggestion_id: str, *, actor: Actor) -> dict[str, Any]:
        """What compliance sees for one suggestion: the suggestion, its masked inputs, its decision and the trail
        (JSON-ready). Same access rule as get_suggestion; a refusal is recorded."""
        suggestion = self.get_suggestion(suggestion_id, actor=actor)
        trail = self.trail(suggestion_id)
        first = trail[0].payload or {}
        decision = next((e.payload for e in trail if e.kind is EntryKind.DECISION), None)
        return {
            "suggestion": suggestion.model_dump(mode="json"),
            "inputs": first.get("inputs", {}),
            "decision": decision,
            "trail": [e.model_dump(mode="json", exclude={"payload"}) for e in trail],
        }

    def record_denial(
        self, *, actor: Actor, reason: str, details: Mapping[str, Any], suggestion_id: str = ""
    ) -> str:
        """Records a refusal decided elsewhere (e.g. the API refusing a message or a customer 360); returns its id."""
        with self.engine_write() as conn:
            sug = query.suggestion_header(conn, suggestion_id, tenant=self.tenant) if suggestion_id else None
            message = f"{actor.role} {actor.id} was refused: {reason}"
            row = build.denial_row(
                actor, str(details.get("attempted", "request")), reason, message, sug, dict(details)
            )
            return self._append(conn, [row])[0]

    def message_suggestion(self, tenant: str, channel: str, message_id: str) -> tuple[str, str] | None:
        """(conversation id, suggestion id) already recorded for this message, or None. The caller decides whether
        the asker may see it: this returns ids only, never the suggestion."""
        k = message_keys.c
        with read_transaction(self.engine) as conn:
            row = conn.execute(
                select(k.conversation_id, k.suggestion_id).where(
                    k.tenant == tenant, k.channel == channel, k.message_id == message_id
                )
            ).first()
        return (str(row[0]), str(row[1])) if row is not None else None

    def conversation_owner(self, tenant: str, conversation_id: str) -> tuple[str, str] | None:
        """(customer, rep) a conversation belongs to: those of its first suggestion that was not a refusal (a refused
        message cannot claim a conversation), or None for a conversation with none yet. Ids only, never content."""
        e = entries.c
        with read_transaction(self.engine) as conn:
            row = conn.execute(
                select(e.customer_ref, e.rep_ref)
                .where(
                    e.tenant == tenant,
                    e.conversation_id == conversation_id,
                    e.kind == EntryKind.SUGGESTION.value,
                    e.suggestion_kind != "refusal",
                )
                .order_by(e.seq)
                .limit(1)
            ).first()
        return (str(row[0]), str(row[1])) if row is not None else None

    def query(self, **filters: Any) -> list[dict[str, Any]]:
        """`find` as JSON-ready dicts (for the API)."""
        return [e.model_dump(mode="json") for e in self.find(**filters)]

    def ping(self) -> None:
        with read_transaction(self.engine) as conn:
            conn.execute(select(head.c.seq)).one()

    def close(self) -> None:
        if self.witness is not None:
            self.witness.close()
        self.engine.dispose()

    def trail(self, suggestion_id: str) -> list[LedgerEntry]:
        """The suggestion entry, its decision and any refusals, in chain order."""
        return self.find(suggestion=suggestion_id)

    def get_entry(self, entry_id: str) -> LedgerEntry:
        scoped = self._scoped({"entry_id": entry_id})
        found = query.find(self.engine, **scoped) if scoped is not None else []
        if not found:
            raise NotFound(f"no ledger entry {entry_id}", reason="unknown_entry")
        return found[0]

    def find(self, **filters: Any) -> list[LedgerEntry]:
        """Filters: conversation, customer, rep, intent, action, rule, doc, suggestion, kind, since, until, limit."""
        scoped = self._scoped(filters)
        return query.find(self.engine, **scoped) if scoped is not None else []

    def export(self, out: IO[str], *, fmt: str = "jsonl", **filters: Any) -> int:
        scoped = self._scoped(filters)
        # another tenant named: the export is written as for no match (a CSV still gets its header)
        return query.export(self.engine, out, fmt=fmt, **(scoped if scoped is not None else {"limit": 0}))

    # ---- integrity, retention, metrics ----------------------------------------------------------------------------

    def verify(self) -> VerifyReport:
        """The whole chain re-hashed; a bound ledger reports it as its tenant may see it (verify.for_tenant: its own
        entries counted, another tenant's broken entry not named)."""
        report = verify.verify(self.engine, checkpoint_key=self.checkpoint_key, witness=self.witness)
        return verify.for_tenant(self.engine, report, self.tenant) if self.tenant else report

    def checkpoint(self) -> Checkpoint:
        """Sign the head, keep it in the database and, when configured, in the witness outside it."""
        mark = verify.write_checkpoint(self.engine, self.checkpoint_key)
        if self.witness is not None:
            self.witness.record(mark)
        return mark

    def witness_head(self) -> Checkpoint | None:
        """Sign the current head into the witness (HMAC with the checkpoint key; "unsigned" without one, which
        still catches truncation but not a forger who can write the witness too). With a key it is also kept as a
        database checkpoint."""
        if self.witness is None:
            return None
        if self.checkpoint_key:
            return self.checkpoint()
        seq, entry_hash = self.head()
        if seq == 0:
            return None
        mark = Checkpoint(seq=seq, entry_hash=entry_hash, signature="unsigned", created_at=now_iso())
        self.witness.record(mark)
        return mark

    def head(self) -> tuple[int, str]:
        with read_transaction(self.engine) as conn:
            row = conn.execute(select(head.c.seq, head.c.entry_hash).where(head.c.id == 1)).first()
        return (int(row[0]), str(row[1])) if row is not None else (0, "")

    def redact(self, *, before: datetime, actor_id: str = "retention") -> int:
        return retention.redact(self, before=before, actor_id=actor_id)

    def metrics(self, *, since: datetime | None = None, until: datetime | None = None) -> LedgerMetrics:
        return metrics_mod.compute(self.engine, since=since, until=until, tenant=self.tenant)

    def feed(
        self, *, since: datetime | None = None, decided_only: bool = True
    ) -> Iterator[tuple[Suggestion, HumanDecision | None]]:
        return metrics_mod.feed(self.engine, since=since, decided_only=decided_only, tenant=self.tenant)

    def count(self, kind: EntryKind | None = None) -> int:
        return query.count(self.engine, kind, tenant=self.tenant)
