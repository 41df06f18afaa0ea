"""Edge probe: the production start-up refusal, run as an operator would (`copilot serve` in a subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from copilot.settings import EX_CONFIG, REPO_ROOT
from tests.conftest import free_port

COPILOT = Path(sys.executable).parent / "copilot"


@pytest.mark.probe(
    id="production-startup-refusal",
    sends="COPILOT_ENV=production copilot serve, with the demo keys still on and no hashed keys",
    expect=f"exit code {EX_CONFIG} (EX_CONFIG) and one line naming every problem; no traceback",
)
def test_production_refusal_is_one_line_and_an_exit_code(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
    env |= {"COPILOT_ENV": "production", "COPILOT_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [str(COPILOT), "serve", "--port", str(free_port())],
        env=env,
        cwd=tmp_path,  # no .env file from the repo
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == EX_CONFIG, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and len(lines) == 1, done.stderr[-2000:]
    assert lines[0].startswith("copilot: invalid settings (COPILOT_ENV=production)")
    assert "COPILOT_DEV_API_KEYS" in lines[0] and "COPILOT_API_KEYS" in lines[0]
    assert REPO_ROOT.name not in done.stdout  # nothing else printed
