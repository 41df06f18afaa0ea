"""`CrmCustomerData`: the `contract.ports.CustomerData` implementation over a mapped SQL CRM."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import literal, select

from contract import clock as clock_port
from contract.errors import InputError, NotFound
from contract.evidence import Evidence
from contract.ports import Actor, Customer360
from knowledge.crm.access import check_access, check_agent_before_lookup
from knowledge.crm.built import Built360s, snapshot_key
from knowledge.crm.cache import RedisCache
from knowledge.crm.connector import CrmConnector
from knowledge.crm.directory import CustomerDirectory, Hit, RepHit
from knowledge.crm.facts import build_360
from knowledge.crm.mapping import CrmMapping
from knowledge.crm.queries import build_queries
from knowledge.crm.signal_specs import SignalBook
from knowledge.crm.signals import evaluate
from knowledge.crm.snapshot import read_customer, read_profile

log = logging.getLogger(__name__)
MAX_REF = 200
_SCANS_KEPT = 256  # texts whose directory scans are remembered (CrmCustomerData._scan)


class CrmCustomerData:
    """Reads live at question time. Raises NotFound (unknown customer), AccessDenied (actor may not see them),
    BackendUnavailable (CRM timeout or outage: the caller proceeds without CRM evidence), InputError (blank ref)."""

    def __init__(
        self,
        connector: CrmConnector,
        mapping: CrmMapping,
        signals: SignalBook,
        *,
        team_visibility: bool = False,
        cache: RedisCache | None = None,
        clock: Callable[[], date] = clock_port.today,
        tenant: str = "",
        reuse_built: int = 256,
    ) -> None:
        """`reuse_built`: how many customers' last built 360s are kept for reuse when their rows read back unchanged
        (knowledge/crm/built.py); 0 builds every 360 from its rows."""
        signals.check_mapping(mapping)
        self.connector, self.mapping, self.signals = connector, mapping, signals
        self.queries = build_queries(mapping)
        for q in (
            self.queries.values()
        ):  # built once, run for every 360: compiled once, run on the driver's cursor
            connector.prepare(q.stmt)
        self.team_visibility = team_visibility
        self.cache = cache
        self.clock = clock  # the clock port: an evaluation or replay pins it to the suite's / message's time
        self.tenant = tenant
        self.built = Built360s(reuse_built)
        self._scan_lock = threading.Lock()
        # (the directory index the scans were made on, {digest of a text: its scan}): see _scan
        self._scans: tuple[object, dict[bytes, tuple[tuple[Hit, ...], tuple[RepHit, ...]]]] = (None, {})
        self.telemetry_lookback_days = signals.telemetry_lookback_days(
            int(mapping.option("telemetry", "lookback_days", 30))
        )

    def customer_360(self, customer_ref: str, actor: Actor) -> Customer360:
        ref = (customer_ref or "").strip()
        if not ref or len(ref) > MAX_REF or not ref.isprintable():
            raise InputError("customer_ref must be 1..200 printable characters", reason="bad_customer_ref")
        check_agent_before_lookup(ref, actor)
        today = self.clock()
        cache_key = (
            f"{today.isoformat()}:{ref}"  # a 360 is as of a day: a replay at another date never reuses it
        )
        if self.cache is not None and (hit := self.cache.get(cache_key)) is not None:
            self._check(ref, hit["owner_rep"], hit["owner_team"], actor)
            return Customer360.model_validate(hit["c360"])
        owner_of: dict[str, str] = {}

        def authorize(
            row: dict[str, Any],
        ) -> None:  # on the owner row, before anything else of theirs is read
            owner_of["owner"], owner_of["team"] = (
                str(row.get("owner_rep") or ""),
                str(row.get("rep_team") or ""),
            )
            self._check(ref, owner_of["owner"], owner_of["team"], actor)

        found: list[Customer360] = []

        def unchanged(customer_id: str, version: int) -> bool:
            # asked after authorize: the 360 whose rows were read with nothing committed to the CRM since
            c360 = self.built.unchanged(customer_id, version, today)
            if c360 is not None:
                found.append(c360)
            return c360 is not None

        snap = read_customer(
            self.connector,
            self.queries,
            ref,
            authorize,
            today=today,
            # at least back to 1 January of last year: last calendar year's purchases decide tiers (reasoning tools)
            order_lookback_days=max(
                self.signals.order_lookback_days, (today - date(today.year - 1, 1, 1)).days
            ),
            telemetry_lookback_days=self.telemetry_lookback_days,
            tenant=self.tenant,
            unchanged=unchanged if self.built.size > 0 else None,
        )
        if snap is None:
            raise NotFound(f"customer {ref!r} is not in the CRM", reason="unknown_customer", customer_ref=ref)
        row = snap.profile
        owner, owner_team = owner_of["owner"], owner_of["team"]
        # the rows were read live just now; when they are the rows the last 360 of this customer was built from,
        # that 360 is what building would give again (before build_360, which normalises the rows in place)
        if snap.profile_only:
            c360 = found[0]
        else:
            key = snapshot_key(snap) if self.built.size > 0 else None
            reused = self.built.get(snap.customer_id, key, snap.version, today)
            if reused is not None:
                c360 = reused
            else:
                c360 = build_360(snap, self.mapping)
                kind = str(row.get("kind") or "")
                c360.signals = evaluate(
                    self.signals.for_customer(c360.business_unit, kind), snap, self.mapping
                )
                self.built.put(snap.customer_id, key, c360, snap.version, today)
        if self.cache is not None:
            entry = {"owner_rep": owner, "owner_team": owner_team, "c360": c360.model_dump(mode="json")}
            self.cache.put(cache_key, entry)
        return c360

    def mentions(self, text: str) -> list[Hit]:
        """Customers a question names (by name, contact, id, VIN/plate, order/contract/ticket number): ids and owners
        only, for authorization before anything of theirs is read (knowledge/crm/directory.py)."""
        return list(self._scan(text)[0])

    def rep_mentions(self, text: str) -> list[RepHit]:
        """Reps a question names as owners of customers («王某的客户»): the ask is about their book."""
        return list(self._scan(text)[1])

    def _scan(self, text: str) -> tuple[tuple[Hit, ...], tuple[RepHit, ...]]:
        """The directory's scan of `text` (CustomerDirectory.lookup / reps_named: `index().scan(text)`), remembered
        for the index it was made on. A message's text is scanned by several readers of one turn (the customer-side
        trap check, the named-handle check, the records reference check: 3-4 scans of the same text per message on
        bench_agent's turns, ~60 % of them repeats); the index is pure and replaced whole when the directory reloads,
        so a scan remembered for the current index object is the scan the directory would make again. Hits are
        frozen; each caller gets its own list. The memo is keyed by a digest of the text, never the text: a message
        reaches this unmasked, and its phone or ID numbers must not outlive the turn in process memory."""
        index = self._customer_directory().index()
        key = hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
        with self._scan_lock:
            memo = self._scans
            if memo[0] is not index:
                memo = self._scans = (index, {})
            found = memo[1].get(key)
        if found is None:
            hits, reps = index.scan(text)
            found = (tuple(hits), tuple(reps))
            with self._scan_lock:
                scans = memo[1]
                if len(scans) >= _SCANS_KEPT:
                    scans.pop(next(iter(scans)))  # the oldest text
                scans[key] = found
        return found

    def party_words(self) -> tuple[str, ...]:
        """How this CRM's organisation customers name their kind («物流», «租赁»), for «其他…» asks."""
        return self._customer_directory().party_words()

    def org_words_en(self) -> tuple[str, ...]:
        """The English words ending this industry's company names (mapping option `party_words_en`)."""
        return self._customer_directory().org_words_en()

    def owner_visible_to_reps(self) -> bool:
        """The CRM's sharing rule (mapping option `owner_visible_to_reps`, default off): may a rep refused another
        rep's customer be told who owns it? Many sales teams want that (to coordinate instead of competing for the
        account); off, a refusal confirms nothing, not even that the customer exists."""
        return bool(self.mapping.option("customer", "owner_visible_to_reps", False))

    def _customer_directory(self) -> CustomerDirectory:
        directory = self.__dict__.get("_directory")
        if directory is None:
            directory = self.__dict__["_directory"] = CustomerDirectory(self.connector, self.mapping)
        return directory

    def check_access(self, customer_ref: str, actor: Actor) -> None:
        """AccessDenied / NotFound for this actor and customer, from the owner row alone (no 360 is built)."""
        ref = (customer_ref or "").strip()
        check_agent_before_lookup(ref, actor)
        profile = read_profile(self.connector, self.queries, ref)
        if not profile.rows:
            raise NotFound(f"customer {ref!r} is not in the CRM", reason="unknown_customer", customer_ref=ref)
        row = profile.rows[0]
        self._check(ref, str(row.get("owner_rep") or ""), str(row.get("rep_team") or ""), actor)

    def signals_for(self, customer_ref: str, actor: Actor) -> list[Evidence]:
        return self.customer_360(customer_ref, actor).signals

    def _check(self, ref: str, owner: str, owner_team: str, actor: Actor) -> None:
        actor_team = actor.team
        if self.team_visibility and actor.role == "rep" and not actor_team and actor.id != owner:
            actor_team = self._team_of(actor.id)
        check_access(
            ref, owner, owner_team, actor, team_visibility=self.team_visibility, actor_team=actor_team
        )

    def _team_of(self, rep_id: str) -> str:
        if not self.mapping.has("rep", "team"):
            return ""
        with self.connector.session() as s:
            rows: list[dict[str, Any]] = s.rows(self.queries["rep_team"].stmt, {"rep_id": rep_id})
        return str(rows[0].get("team") or "") if rows else ""

    def ping(self) -> None:
        """Readiness: one trivial read; raises BackendUnavailable when the CRM is down."""
        with self.connector.session() as s:
            s.rows(select(literal(1).label("ok")), {})

    def close(self) -> None:
        self.connector.dispose()
