"""The fast paths of the customer 360 read and compute exactly what the plain ones did, over SQLite and PostgreSQL:
rows come back as the same dicts `.mappings()` gives, and the per-quarter purchase amounts equal a straightforward
per-row sum (the reference below is the loop the 360 used before it memoised each day's quarter)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from contract.ports import Actor
from knowledge.crm.facts import quarter_of
from knowledge.crm.snapshot import read_profile, read_snapshot
from tests.crm.conftest import TODAY, MakeCrm

ADMIN = Actor(id="admin_zhou", role="admin", team="hq")
CUSTOMERS = ("C1001", "C1002", "C1003", "C1004", "C1005")


def test_rows_are_the_same_dicts_as_row_mappings(make_crm: MakeCrm) -> None:
    crm = make_crm()
    checked = 0
    with crm.connector.engine.connect() as conn, crm.connector.session() as s:
        for name, q in crm.queries.items():
            params: dict[str, Any] = {
                "customer_id": "C1005",
                "since": date(2020, 1, 1),
                "rep_id": "rep_zhang",
            }
            params["bought_categories"] = ["创伤耗材", "脊柱耗材"]
            params.update(q.expanding)
            expected = [dict(r) for r in conn.execute(q.stmt, params).mappings().all()]
            got = s.rows(q.stmt, params)
            assert got == expected, name
            assert [list(r) for r in got] == [list(r) for r in expected], name  # same key order too
            checked += bool(got)
    assert checked >= 5  # most sections hold rows for C1005


def _reference_quarters(rows: list[dict[str, Any]], today: date) -> dict[str, tuple[float, float, list[str]]]:
    this_q = quarter_of(today)
    wanted = [(y, q) for y in (today.year - 1, today.year) for q in (1, 2, 3, 4) if (y, q) <= this_q]
    sums: dict[tuple[str, tuple[int, int]], float] = defaultdict(float)
    qty: dict[tuple[str, tuple[int, int]], float] = defaultdict(float)
    keys: dict[tuple[str, tuple[int, int]], list[str]] = defaultdict(list)
    for r in rows:
        yq = quarter_of(r["order_date"])
        if yq in wanted and r.get("amount") is not None:
            sums[(r["category"], yq)] += float(r["amount"])
            qty[(r["category"], yq)] += float(r.get("quantity") or 0)
            keys[(r["category"], yq)].append(str(r["line_id"]))
    return {
        f"{c}/{y}Q{q}": (round(a, 2), qty[(c, (y, q))], keys[(c, (y, q))]) for (c, (y, q)), a in sums.items()
    }


def test_quarter_amounts_equal_a_plain_per_row_sum(make_crm: MakeCrm) -> None:
    crm = make_crm()
    compared = 0
    for cid in CUSTOMERS:
        c360 = crm.customer_360(cid, ADMIN)
        got = {
            f.source_ids["row_key"].split("/", 1)[1]: (
                f.lineage["values"]["amount"],
                f.lineage["values"]["quantity"],
                f.lineage["row_keys"],
            )
            for f in c360.facts
            if f.title == "季度采购金额"
        }
        profile = read_profile(crm.connector, crm.queries, cid)
        lookback = max(crm.signals.order_lookback_days, (TODAY - date(TODAY.year - 1, 1, 1)).days)
        snap = read_snapshot(
            crm.connector,
            crm.queries,
            profile,
            today=TODAY,
            order_lookback_days=lookback,
            telemetry_lookback_days=crm.telemetry_lookback_days,
        )
        expected = {
            k: (a, n, keys[:50])
            for k, (a, n, keys) in _reference_quarters(snap.rows("order_lines"), TODAY).items()
        }
        assert got == expected, cid
        compared += len(got)
    assert compared >= 10  # the headline customers bought in several quarters
