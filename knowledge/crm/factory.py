"""Composition for the lead's wiring: everything the CRM side needs from settings, validated at start-up."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from contract.errors import BackendUnavailable
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
) -> CrmCustomerData:
    """Raises UserError for a bad URL, mapping (naming the missing table or column) or signals file, and
    BackendUnavailable when the CRM cannot be reached to validate the mapping."""
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
    cache = RedisCache(redis_url, cache_ttl_s) if redis_url and cache_ttl_s > 0 else None
    connector = CrmConnector(engine, statement_timeout_ms=statement_timeout_ms)
    return CrmCustomerData(connector, mapping, signals, team_visibility=team_visibility, cache=cache)
