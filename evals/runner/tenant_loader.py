"""Load a tenant folder into fresh stores before a run: the CRM (CSVs through the tenant's mapping, or the demo
generator for the bundled demo tenant) and the policies (Markdown / PDF / DOCX with front matter). So an evaluator can
test a tenant the developers never saw. The policy-embedding cache is carried across runs, keyed by the backend."""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

from contract.errors import UserError

EMBED_CACHE_FILE = "embedding_cache.sqlite"  # the name copilot.wiring gives the policy-embedding cache


def tenant_fingerprint(tenant_dir: Path) -> str:
    """sha256 over every file's relative path and bytes: a changed policy or CSV changes every cache key."""
    digest = hashlib.sha256()
    for path in sorted(p for p in tenant_dir.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(tenant_dir)).encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return "sha256:" + digest.hexdigest()


def prepare_crm(
    settings: Any, tenant_dir: Path, crm_subdir: str = "crm", *, as_of: date | None = None
) -> str:
    """CSVs in the tenant's crm folder → imported through its mapping.yaml; else the pack's CRM generator
    (crm/generate.py, e.g. the demo's), anchored on `as_of` (the suite's date) when given. Returns which one ran. The
    data directory is created when it does not exist yet."""
    from knowledge.crm import import_csv, load_mapping
    from knowledge.crm.generator import has_generator, run_generator

    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    crm_dir = tenant_dir / crm_subdir
    url = settings.crm_database_url
    if any(crm_dir.glob("*.csv")):
        import_csv(crm_dir, url, load_mapping(crm_dir / "mapping.yaml"))
        return "csv"
    if has_generator(
        tenant_dir
    ):  # a pack that generates its CRM (the bundled demo), anchored on the suite's date
        run_generator(tenant_dir, url, today=as_of)
        return "generator"
    raise UserError(
        f"tenant {tenant_dir} has no CRM CSVs in {crm_dir} and no crm/generate.py",
        reason="tenant_crm_missing",
    )


def ingest_policies(services: Any, tenant_dir: Path, policies_subdir: str = "policies") -> int:
    folder = tenant_dir / policies_subdir
    if not folder.is_dir():
        raise UserError(
            f"tenant {tenant_dir} has no policies folder {folder}", reason="tenant_policies_missing"
        )
    return len(services.policy_store.add(folder, replace=True))


def _shared_embed_cache(settings: Any, cache_root: Path) -> Path:
    emb = settings.embeddings
    key = hashlib.sha256(f"{emb.backend}|{emb.model}|{emb.base_url}".encode()).hexdigest()[:16]
    return cache_root / "stores" / f"{key}-{EMBED_CACHE_FILE}"


def restore_embed_cache(settings: Any, cache_root: Path | None) -> None:
    """Copy the shared policy-embedding cache into this run's stores (`cache_root` None: no sharing, --no-cache)."""
    if cache_root is None:
        return
    shared = _shared_embed_cache(settings, cache_root)
    local = settings.data_dir / EMBED_CACHE_FILE
    if shared.exists() and not local.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared, local)


def save_embed_cache(settings: Any, cache_root: Path | None) -> None:
    """Copy the run's embedding cache back (atomically) so the next run skips re-embedding unchanged policies."""
    local = settings.data_dir / EMBED_CACHE_FILE
    if cache_root is None or not local.exists():
        return
    shared = _shared_embed_cache(settings, cache_root)
    shared.parent.mkdir(parents=True, exist_ok=True)
    tmp = shared.with_suffix(f".{os.getpid()}.tmp")
    shutil.copyfile(local, tmp)
    os.replace(tmp, shared)
