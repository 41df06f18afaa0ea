"""Which version is in force on a date: effective dates, implicit and explicit supersession, expiry, filters."""

from __future__ import annotations

from datetime import date

from knowledge.policy.versions import EXPIRED, FUTURE, IN_FORCE, SUPERSEDED, VersionInfo, matches, statuses


def v(
    doc: str, ver: str, eff: str | None, exp: str | None = None, sup: tuple[str, ...] = (), **kw: object
) -> VersionInfo:
    return VersionInfo(
        doc_id=doc,
        version=ver,
        title=f"{doc} {ver}",
        effective=date.fromisoformat(eff) if eff else None,
        expiry=date.fromisoformat(exp) if exp else None,
        supersedes=sup,
        business_unit=str(kw.get("bu", "all")),
        region=str(kw.get("region", "all")),
        product_lines=tuple(kw.get("lines", ())),  # type: ignore[arg-type]
    )


REBATE = [
    v("rebate-ortho", "3.1", "2025-01-01"),
    v("rebate-ortho", "3.2", "2026-07-01", sup=("rebate-ortho@3.1",)),
]


def test_new_version_supersedes_the_old_from_its_effective_date() -> None:
    assert statuses(REBATE, date(2026, 6, 30)) == {"rebate-ortho@3.1": IN_FORCE, "rebate-ortho@3.2": FUTURE}
    assert statuses(REBATE, date(2026, 7, 1)) == {
        "rebate-ortho@3.1": SUPERSEDED,
        "rebate-ortho@3.2": IN_FORCE,
    }
    assert statuses(REBATE, date(2024, 12, 31)) == {"rebate-ortho@3.1": FUTURE, "rebate-ortho@3.2": FUTURE}


def test_same_doc_id_later_version_supersedes_even_without_the_field() -> None:
    versions = [v("returns", "1.0", "2024-01-01"), v("returns", "2.0", "2025-06-01")]
    assert statuses(versions, date(2025, 6, 2))["returns@1.0"] == SUPERSEDED


def test_explicit_supersedes_across_doc_ids_and_expiry() -> None:
    versions = [
        v("old-warranty", "1.0", "2023-01-01"),
        v("warranty-equipment", "1.3", "2025-03-01", sup=("old-warranty",)),
        v("spine-trial", "1.0", "2026-09-01", exp="2027-06-30"),
    ]
    s = statuses(versions, date(2027, 6, 30))
    assert s == {
        "old-warranty@1.0": SUPERSEDED,
        "warranty-equipment@1.3": IN_FORCE,
        "spine-trial@1.0": IN_FORCE,
    }
    assert statuses(versions, date(2027, 7, 1))["spine-trial@1.0"] == EXPIRED
    assert statuses(versions, date(2024, 1, 1))["old-warranty@1.0"] == IN_FORCE


def test_metadata_filters_with_wildcards() -> None:
    ortho = v("rebate", "1", None, bu="ortho", region="华东", lines=("脊柱耗材", "创伤耗材"))
    general = v("returns", "1", None, bu="all", region="全国")
    assert matches(ortho, "ortho", "华东", "脊柱耗材")
    assert not matches(ortho, "equipment", None, None)
    assert not matches(ortho, None, "华南", None)
    assert not matches(ortho, None, None, "影像设备")
    assert matches(general, "equipment", "华南", "影像设备")  # "all" applies everywhere
