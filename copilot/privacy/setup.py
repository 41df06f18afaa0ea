"""What the composition root needs from the privacy side: the vault key, the CRM's contact names for the masker, and
the masking wrapper around the checkpointer. Kept here so copilot/wiring.py only calls three functions."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import MetaData, Table, select
from sqlalchemy.exc import SQLAlchemyError

from contract.errors import UserError

log = logging.getLogger("copilot.privacy")
MAX_KNOWN_NAMES = 200_000  # a compiled alternation of this many names still masks a message in milliseconds


def vault_secret(configured: str, data_dir: Path, *, env: str) -> bytes:
    """The PII vault key: COPILOT_PII_VAULT_KEY when set. Outside production an unset key falls back to a random key
    file in the data dir (0600), so one box keeps working across restarts. In production there is no fallback:
    copilot.settings refuses to start with Redis and no key, and the in-process vault needs none."""
    if configured:
        return configured.encode()
    if env == "production":
        return b""
    path = data_dir / "pii_vault.key"
    if not path.is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        # written whole under a private name, then linked into place: a second process starting at the same moment
        # either wins the link or reads the complete winner, never a half-written key
        tmp = data_dir / f".pii_vault.key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip().encode()


def pack_terms(tenant_dir: Path) -> list[str]:
    """The tenant's own words that are not people, for the masker's known_terms (a known name inside one is not
    masked there): the pack's company and short name (profile.yaml), its product names and literal terms
    (vocabulary.yaml). Empty when the pack has none; an unreadable file is logged and skipped."""
    out: set[str] = set()
    for name, read in (("profile.yaml", _profile_terms), ("vocabulary.yaml", _vocabulary_terms)):
        try:
            data = yaml.safe_load((tenant_dir / name).read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            continue
        except (OSError, yaml.YAMLError) as exc:
            log.warning("tenant terms not loaded from %s: %s", name, exc)
            continue
        if isinstance(data, dict):
            out.update(read(data))
    return sorted(t.strip() for t in out if isinstance(t, str) and len(t.strip()) >= 2)


def _profile_terms(profile: dict[str, Any]) -> list[Any]:
    return [profile.get(k) for k in ("company", "short_name")]


def _vocabulary_terms(vocabulary: dict[str, Any]) -> list[Any]:
    terms = list(vocabulary.get("product_names") or [])
    for group in (vocabulary.get("terms") or {}).values():
        terms += group if isinstance(group, list) else []
    return terms


def contact_names(
    crm_url: str, mapping_path: Path, *, limit: int = MAX_KNOWN_NAMES, timeout_ms: int = 5000
) -> list[str]:
    """The person names the CRM holds (the mapping's contact.name column), for the masker's known_names: a name is
    then masked wherever a customer writes it, with no cue around it. Empty (and logged) when the mapping has no
    contact names or the CRM cannot be read: masking by rules still runs."""
    try:
        mapping = yaml.safe_load(mapping_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        log.warning("contact names not loaded (mapping %s unreadable: %s)", mapping_path, exc)
        return []
    contact = (mapping.get("entities") or {}).get("contact") or {}
    table_name = contact.get("table")
    column = (contact.get("columns") or {}).get("name")
    if not table_name or not column:
        return []
    from knowledge.crm.connector import create_readonly_engine  # read-only: never creates or writes the CRM

    try:
        engine = create_readonly_engine(crm_url, statement_timeout_ms=timeout_ms)
    except UserError as exc:
        log.warning("contact names not loaded: %s", exc.message)
        return []
    try:
        table = Table(table_name, MetaData(), autoload_with=engine)
        with engine.connect() as conn:
            rows = conn.execute(select(table.c[column]).distinct().limit(limit)).scalars().all()
    except (SQLAlchemyError, KeyError) as exc:
        log.warning("contact names not loaded from the CRM: %s", exc.__class__.__name__)
        return []
    finally:
        engine.dispose()
    return sorted({str(n).strip() for n in rows if n and len(str(n).strip()) >= 2})


def guard_checkpoints(saver: Any, masker: Any) -> Any:
    from copilot.privacy.checkpoint_mask import mask_checkpoints

    return mask_checkpoints(saver, masker)
