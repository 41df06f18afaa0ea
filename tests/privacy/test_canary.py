"""The canary run over every store: suite cases replayed through inbox → worker → graph → ledger → decisions →
exports → HTML report with canary identities in text, voice transcripts, OCR images and files; no store may hold one
unmasked. A short slice of the demo suite here (the full suites run in `make eval`, evals/privacy_report.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.privacy_canary import MODALITIES, run_canary_suite, scan_redis_aof

ROOT = Path(__file__).resolve().parents[2]


def _assert_clean(result: dict) -> None:
    leaked = {store: s["findings"] for store, s in result["stores"].items() if s["canaries_leaked"]}
    assert leaked == {}
    for modality in MODALITIES:
        reached = result["masked_in_pipeline"][modality]
        assert reached["cases"] >= 1 and reached["tokens_seen"] == reached["cases"], (modality, reached)
    assert result["ledger_verify_ok"] and result["decisions_recorded"] >= result["cases"]


@pytest.mark.models
def test_demo_canaries_leak_into_no_embedded_store(tmp_path: Path) -> None:
    result = run_canary_suite(ROOT / "evals/suites/demo.yaml", tmp_path, max_cases=4)
    assert result["canaries_seeded"] == 4 and set(result["stores"]) >= {
        "ledger", "checkpoints", "inbox", "chroma", "logs", "html_reports", "exports", "pushes", "pages",
    }  # fmt: skip
    assert all(
        s["items_scanned"] > 0
        for name, s in result["stores"].items()
        if name not in ("other_data_files", "logs")
    )
    _assert_clean(result)


@pytest.mark.models
@pytest.mark.redis
def test_demo_canaries_leak_into_no_redis_key_and_the_vault_is_sealed(tmp_path: Path) -> None:
    from copilot.privacy.canary import make_canaries
    from evals.privacy_canary import temporary_redis

    with temporary_redis(tmp_path) as (url, redis_dir):
        result = run_canary_suite(
            ROOT / "evals/suites/demo.yaml", tmp_path / "run", max_cases=4, redis_url=url
        )
        aof = scan_redis_aof(make_canaries(result["canary_identities"]), url, redis_dir)
    _assert_clean(result)
    assert result["stores"]["redis"]["items_scanned"] > 0
    assert result["vault_keys"] > 0 and result["vault_plaintext_hits"] == 0
    assert (
        aof["redis_aof"]["canaries_leaked"] == 0
    )  # after the rewrite the AOF holds the current (clean) data only


@pytest.mark.models
@pytest.mark.postgres
def test_demo_canaries_leak_into_no_postgres_table_or_file(tmp_path: Path) -> None:
    from copilot.privacy.canary import make_canaries
    from evals.privacy_canary import scan_postgres_files, temporary_postgres

    with temporary_postgres(tmp_path) as (url, data):
        result = run_canary_suite(
            ROOT / "evals/suites/demo.yaml", tmp_path / "run", max_cases=4, database_url=url
        )
        pg = scan_postgres_files(make_canaries(result["canary_identities"]), url, data)
    _assert_clean(result)
    assert result["mode"] == "postgres" and pg["items_scanned"] > 100 and pg["canaries_leaked"] == 0
