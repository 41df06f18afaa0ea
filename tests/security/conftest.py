"""Security probes: each test replays one attack and is marked

    @pytest.mark.probe(id="oa-downgrade", sends="POST /wechat/oa without encrypt_type, plain body", expect="403")

After a run, evals/results/security.json + security.md list every probe, what it sends, what it expects and its verdict
(passed / failed / skipped), with `probes_total` and `probes_failed`. An expected failure (xfail: a defect still open)
counts as failed. The report is written only when COPILOT_SECURITY_REPORT=1 (`make security` sets it), so `make test`
and partial local runs never rewrite the tracked results; a forced run that did not cover the whole directory says so.
COPILOT_SECURITY_RESULTS_DIR writes elsewhere (self-checks)."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Generator, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

SECURITY_DIR = Path(__file__).resolve().parent
RESULTS_DIR = Path(
    os.environ.get("COPILOT_SECURITY_RESULTS_DIR", SECURITY_DIR.parents[1] / "evals" / "results")
)
FORCE_ENV = "COPILOT_SECURITY_REPORT"
_PROBES = pytest.StashKey[dict[str, "ProbeResult"]]()
_INCOMPLETE = pytest.StashKey[list[str]]()


@dataclass
class ProbeResult:
    id: str
    test: str
    sends: str
    expect: str
    verdict: str = "not run"  # passed | failed | skipped | not run
    detail: str = ""
    duration_s: float = 0.0


def _in_security_dir(item: pytest.Item) -> bool:
    return SECURITY_DIR in Path(str(item.path)).resolve().parents


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "probe(id, sends, expect): a security probe listed in evals/results/security.json"
    )
    config.stash[_PROBES] = {}
    config.stash[_INCOMPLETE] = []


def _probe_of(item: pytest.Item) -> ProbeResult | None:
    mark = item.get_closest_marker("probe")
    if mark is None:
        return None
    missing = [k for k in ("id", "sends", "expect") if not mark.kwargs.get(k)]
    if missing:
        raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.probe needs {', '.join(missing)}")
    callspec = getattr(item, "callspec", None)
    probe_id = str(mark.kwargs["id"]) + (f"[{callspec.id}]" if callspec is not None else "")
    return ProbeResult(
        id=probe_id, test=item.nodeid, sends=str(mark.kwargs["sends"]), expect=str(mark.kwargs["expect"])
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    probes = config.stash[_PROBES]
    for item in items:
        if not _in_security_dir(item):
            continue
        probe = _probe_of(item)
        if probe is None:
            continue
        if probe.id in probes:
            raise pytest.UsageError(
                f"duplicate probe id {probe.id!r}: {probes[probe.id].test} and {item.nodeid}"
            )
        probes[probe.id] = probe


def pytest_deselected(items: list[pytest.Item]) -> None:
    if any(_in_security_dir(i) for i in items):
        items[0].config.stash[_INCOMPLETE].append("some security tests were deselected (-k / -m)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    probe = item.config.stash[_PROBES].get(_probe_id(item))
    if probe is None:
        return report
    probe.duration_s = round(probe.duration_s + report.duration, 3)
    if hasattr(report, "wasxfail") and report.skipped:  # the attack still works: a known open defect fails
        probe.verdict, probe.detail = "failed", f"xfail: {report.wasxfail}"
    elif report.failed:
        probe.verdict = "failed"
        probe.detail = str(report.longrepr).strip().splitlines()[-1][:300] if report.longrepr else ""
    elif report.skipped and probe.verdict == "not run":
        probe.verdict = "skipped"
        longrepr = report.longrepr
        probe.detail = str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr or "")
    elif report.when == "call" and report.passed and probe.verdict == "not run":
        probe.verdict = "passed"
    return report


def _probe_id(item: pytest.Item) -> str:
    mark = item.get_closest_marker("probe")
    if mark is None:
        return ""
    callspec = getattr(item, "callspec", None)
    return str(mark.kwargs.get("id", "")) + (f"[{callspec.id}]" if callspec is not None else "")


def _whole_directory_ran(session: pytest.Session) -> tuple[bool, str]:
    config = session.config
    if config.stash[_INCOMPLETE]:
        return False, config.stash[_INCOMPLETE][0]
    if session.shouldstop or session.shouldfail:
        return False, "the run stopped early"
    probes = config.stash[_PROBES].values()
    if any(p.verdict == "not run" for p in probes):
        return False, "some probes did not run"
    for (
        arg
    ) in config.args:  # tests/security itself, or a folder holding it (tests/, the repo), without ::node ids
        path = Path(arg.split("::", 1)[0]).resolve()
        if "::" not in arg and (path == SECURITY_DIR or path in SECURITY_DIR.parents):
            return True, ""
    return False, "only part of tests/security was selected"


def write_report(probes: list[ProbeResult], results_dir: Path = RESULTS_DIR) -> tuple[Path, Path]:
    failed = [p for p in probes if p.verdict == "failed"]
    rows = [asdict(p) for p in sorted(probes, key=lambda p: p.id)]
    data = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "probes_total": len(probes),
        "probes_failed": len(failed),
        "probes_skipped": sum(p.verdict == "skipped" for p in probes),
        "probes": rows,
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = results_dir / "security.json", results_dir / "security.md"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [
        "## 安全探测 Security probes",
        "",
        f"Each probe replays one attack from issue 17 against the real app (tests/security/). "
        f"**{data['probes_total']} probes, {data['probes_failed']} failed**, {data['probes_skipped']} skipped "
        f"({data['generated_at']}).",
        "",
        "| probe | sends | expect | verdict |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| `{p['id']}` | {cell(p['sends'])} | {cell(p['expect'])} | "
        f"{'✅ passed' if p['verdict'] == 'passed' else ('❌ ' if p['verdict'] == 'failed' else '') + p['verdict']} |"
        for p in rows
    ]
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return json_path, md_path


def pytest_sessionfinish(session: pytest.Session) -> None:
    probes = list(session.config.stash[_PROBES].values())
    if not probes:
        return
    forced = os.environ.get(FORCE_ENV) == "1"
    complete, why = _whole_directory_ran(session)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if not forced:  # a test run (make test, a helper's run) never rewrites the tracked results
        if reporter is not None:
            reporter.write_line(
                f"security report not written: {FORCE_ENV}=1 writes it (make security sets it)"
            )
        return
    if not complete and reporter is not None:
        reporter.write_line(f"security report written from a partial run: {why}")
    json_path, _ = write_report(probes)
    if reporter is not None:
        failed = sum(p.verdict == "failed" for p in probes)
        reporter.write_line(f"security report: {len(probes)} probes, {failed} failed → {json_path}")


# ---- fixtures shared by the probes ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def security_pg_url(postgres_url: str) -> str:
    """A database of its own on the session's PostgreSQL, so the probes never share tables with tests/ledger."""
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(sa.text("select 1 from pg_database where datname = 'copilot_security'")).scalar():
            conn.execute(sa.text("create database copilot_security"))
    engine.dispose()
    return postgres_url.rsplit("/", 1)[0] + "/copilot_security"


@pytest.fixture(scope="session")
def security_settings(tmp_path_factory: pytest.TempPathFactory, security_pg_url: str) -> Any:
    """The demo tenant with its ledger on PostgreSQL (no LLM: extractive drafts)."""
    from copilot.settings import REPO_ROOT, Settings

    return Settings(
        env="test",
        data_dir=tmp_path_factory.mktemp("security-data"),
        model_cache_dir=REPO_ROOT / "var" / "models",
        database_url=security_pg_url,
        llm={"backend": "none"},
    )


@pytest.fixture(scope="session")
def security_services(security_settings: Any) -> Iterator[Any]:
    """Real services for the demo tenant (Chroma directory, SQLite CRM, real embeddings), ledger on PostgreSQL."""
    from rich.console import Console

    from copilot.demo import prepare

    services = prepare(security_settings, use_llm=False, fresh=True, console=Console(quiet=True))
    yield services
    services.close()


@pytest.fixture()
def security_client(security_settings: Any, security_services: Any) -> Iterator[Any]:
    """The real FastAPI app over those services (worker off: requests run the graph inline)."""
    from fastapi.testclient import TestClient

    from copilot.app import create_app

    with TestClient(create_app(security_settings, services=security_services, start_worker=False)) as client:
        yield client
