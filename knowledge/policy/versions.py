"""Which document versions are in force on a date. A version is
- `future` before its effective date,
- `expired` after its expiry date (the expiry date itself is still in force),
- `superseded` once another version that replaces it is effective: a later-effective version of the same doc_id, or
  any document whose `supersedes` names it ("doc_id@version" or a bare "doc_id" for all its versions),
- otherwise `in_force`.
Superseded and expired versions stay in the catalog (history) and are returned only with include_superseded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from knowledge.policy.documents import WILDCARDS

IN_FORCE, SUPERSEDED, EXPIRED, FUTURE = "in_force", "superseded", "expired", "future"


@dataclass(frozen=True)
class VersionInfo:
    doc_id: str
    version: str
    title: str
    effective: date | None
    expiry: date | None
    supersedes: tuple[str, ...]
    business_unit: str
    region: str
    product_lines: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.doc_id}@{self.version}"


def version_tuple(v: str) -> tuple[int | str, ...]:
    return tuple(int(p) if p.isdigit() else p for p in v.lstrip("vV").split("."))


def _order(v: VersionInfo) -> tuple[date, tuple[str, ...]]:
    return (
        v.effective or date.min,
        tuple(f"{p:>08}" if isinstance(p, int) else p for p in version_tuple(v.version)),
    )


def statuses(versions: list[VersionInfo], as_of: date) -> dict[str, str]:
    """key → status for every version on `as_of`."""
    started = [v for v in versions if (v.effective or date.min) <= as_of]
    # by the same test, not `v not in started` (a list scan of dataclass __eq__: O(n²), ~1 s at 1k versions)
    out = {v.key: FUTURE for v in versions if (v.effective or date.min) > as_of}
    replaced: set[str] = set()
    for w in started:
        for target in w.supersedes:
            replaced.add(target)
    latest: dict[str, VersionInfo] = {}
    for v in started:
        if v.doc_id not in latest or _order(v) > _order(latest[v.doc_id]):
            latest[v.doc_id] = v
    for v in started:
        if v.key in replaced or v.doc_id in replaced or latest[v.doc_id] is not v:
            out[v.key] = SUPERSEDED
        elif v.expiry is not None and as_of > v.expiry:
            out[v.key] = EXPIRED
        else:
            out[v.key] = IN_FORCE
    return out


def matches(v: VersionInfo, business_unit: str | None, region: str | None, product_line: str | None) -> bool:
    """Metadata filters; a document tagged "all" (or with no product lines) matches every value."""
    if business_unit and v.business_unit.lower() not in WILDCARDS and v.business_unit != business_unit:
        return False
    if region and v.region.lower() not in WILDCARDS and v.region != region:
        return False
    lines = {p for p in v.product_lines if p.lower() not in WILDCARDS}
    return not (product_line and lines and product_line not in lines)
