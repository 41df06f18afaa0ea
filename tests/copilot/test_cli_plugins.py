"""The plugin points (copilot/plugins.py): the evaluator's commands, routes and pack check arrive through entry points,
and a copilot without the evaluator says so instead of failing. "Without the evaluator" is a real interpreter in which
`import evals` fails (sys.modules['evals'] = None), not a stubbed registry."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

from typer.testing import CliRunner

from copilot.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
WITHOUT_EVALS = "import sys; sys.modules['evals'] = None\n"


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_EVALS + code], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_the_evaluator_registers_through_entry_points() -> None:
    """pyproject.toml declares them and the installed metadata carries them (`make install` re-installs on change)."""
    declared = {
        group: {ep.name: ep.value for ep in entry_points(group=group)}
        for group in ("copilot.cli", "copilot.api", "copilot.tenant_checks")
    }
    assert declared["copilot.cli"]["eval"] == "evals.cli:app"
    assert declared["copilot.cli"]["tenant.eval"] == "evals.cli:tenant_eval"
    assert declared["copilot.api"]["evals"] == "evals.plugin_api:router"
    assert declared["copilot.tenant_checks"]["suites"] == "evals.plugin:check_pack_suites"


def test_copilot_eval_and_tenant_eval_are_mounted_from_the_plugin(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["eval", "--help"])
    assert result.exit_code == 0, result.output
    for command in ("run", "report", "compare", "gate", "validate", "from-ledger", "adapter", "all"):
        assert command in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ncases: [{id: c1, intnt: y}]\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "validate", str(bad)])
    assert result.exit_code == 2 and "bad.yaml" in result.output  # the evaluator's own suite check ran
    result = runner.invoke(app, ["tenant", "eval", str(tmp_path / "no-such-pack")])
    assert result.exit_code == 2 and "not a folder" in " ".join(result.output.split())


def test_without_the_evaluator_copilot_eval_says_the_plugin_is_not_installed(tmp_path: Path) -> None:
    code = "from copilot.cli.main import main\nsys.argv = {argv!r}\nmain()\n"
    for argv in (
        ["copilot", "eval", "run", "suite.yaml", "--config", "c.yaml"],
        ["copilot", "tenant", "eval", "pack"],
    ):
        done = _python(code.format(argv=argv), tmp_path)
        assert done.returncode == 2, done.stderr
        message = " ".join(done.stderr.split())  # rich wraps the line
        assert "evaluator plugin (package `evals`) is not installed" in message
        assert "Traceback" not in done.stderr
    done = _python(code.format(argv=["copilot", "--help"]), tmp_path)
    assert done.returncode == 0 and "(unavailable)" in done.stdout and "ledger" in done.stdout


def test_without_the_evaluator_the_app_serves_and_eval_routes_say_why(tmp_path: Path) -> None:
    code = (
        "from fastapi.testclient import TestClient\n"
        "from copilot.app import create_app\n"
        "from copilot.settings import Settings\n"
        "c = TestClient(create_app(Settings(env='test', data_dir=sys.argv[1]), start_worker=False))\n"
        "admin = {'X-API-Key': 'dev-admin'}\n"
        "out = {'me': c.get('/v1/me', headers=admin).status_code}\n"
        "r = c.get('/v1/evals/runs', headers=admin)\n"
        "out['runs'] = [r.status_code, r.json()['reason']]\n"
        "out['rep'] = c.get('/v1/evals/runs', headers={'X-API-Key': 'dev-rep-zhang'}).status_code\n"
        "out['paths'] = [p for p in c.get('/openapi.json').json()['paths'] if p.startswith('/v1/evals')]\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_EVALS + "import json\n" + code, str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-800:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["me"] == 200
    assert out["runs"] == [404, "evaluator_not_installed"]
    assert out["rep"] == 403  # the stand-in keeps the evaluator/admin gate
    assert out["paths"] == []  # nothing half-registered in the API map


def test_without_the_evaluator_tenant_validate_still_checks_the_pack(tmp_path: Path) -> None:
    code = (
        "from pathlib import Path\n"
        "from copilot.cli.tenant_validate import validate_pack\n"
        f"print(len(validate_pack(Path({str(ROOT / 'copilot' / 'tenants' / 'demo')!r}))))\n"
    )
    done = _python(code, tmp_path)
    assert done.returncode == 0, done.stderr[-800:]
    assert done.stdout.strip().splitlines()[-1] == "0"
