"""Composition for the lead's wiring: everything the CRM side needs from settings, validated at start-up."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from contract.errors import BackendUnavailable, UserError
from knowledge.crm.cache import RedisCache
from knowledge.crm.connector import CrmConnector, create_readonly_engine
from knowledge.crm.mapping import load_mapping
from knowledge.crm.service import CrmCustomerData
from knowledge.crm.signal_specs import load_signals


def build_customer_data(
    url: str,
    mapping_path: Path,
    signals_path: Path,
    *,
    statement_timeout_ms: int,
    team_visibility: bool = False,
    redis_url: str = "",
    cache_ttl_s: int = 0,
    tenant: str = "",
) -> CrmCustomerData:
    """Raises UserError for a bad URL, mapping (naming the missing table or column) or signals file, and
    BackendUnavailable when the CRM cannot be reached to validate the mapping. `tenant` (default: the pack folder
    holding crm/mapping.yaml, which is the tenant id unless profile.yaml says otherwise) is stamped on every fact,
    signal and cache key."""
    crm_dir = Path(mapping_path).resolve().parent
    tenant = tenant or (crm_dir.parent.name if crm_dir.name == "crm" else "")
    _sqlite_file_must_exist(url)
    mapping = load_mapping(Path(mapping_path))
    signals = load_signals(Path(signals_path))
    signals.check_mapping(mapping)
    engine = create_readonly_engine(url, statement_timeout_ms=statement_timeout_ms)
    try:
        mapping.validate_against(engine)
    except SQLAlchemyError as e:
        engine.dispose()
        raise BackendUnavailable(
            f"CRM unreachable while validating the mapping: {e}", reason="crm_error"
        ) from e
    except Exception:
        engine.dispose()
        raise
    cache = None
    if redis_url and cache_ttl_s > 0:  # one namespace per CRM, so two tenants sharing a Redis never mix
        crm_key = hashlib.sha256(make_url(url).render_as_string(hide_password=True).encode()).hexdigest()[:10]
        scope = f"{tenant}:" if tenant else ""
        cache = RedisCache(redis_url, cache_ttl_s, namespace=f"crm360:{scope}{crm_key}")
    connector = CrmConnector(engine, statement_timeout_ms=statement_timeout_ms)
    return CrmCustomerData(
        connector, mapping, signals, team_visibility=team_visibility, cache=cache, tenant=tenant
    )


def _sqlite_file_must_exist(url: str) -> None:
    """The CRM is opened read-only, so a missing SQLite file is a setup step not done, not an outage."""
    try:
        u = make_url(url)
    except ArgumentError as e:
        raise UserError(f"CRM database URL is not valid: {e}", reason="crm_url") from e
    db = u.database or ""
    on_disk = u.get_backend_name() == "sqlite" and db and db != ":memory:" and not db.startswith("file:")
    if on_disk and not Path(db).is_file():
        raise UserError(
            f"CRM database {db} does not exist; run `copilot crm seed-demo` (demo) or `copilot crm import-csv DIR`",
            reason="crm_missing",
        )
