"""rails.yaml is validated with guardrails' schema, passed in by the copilot layer (agents never import guardrails):
`copilot tenant validate` still names a broken rails.yaml; the agents' validator checks it only when given the check."""

from __future__ import annotations

import shutil
from pathlib import Path

from agents.tenant_validation import validate_tenant_dir
from copilot.cli.tenant_validate import _agent_files
from copilot.settings import REPO_ROOT
from guardrails.rails_config import load_rails


def _pack_with_broken_rails(tmp_path: Path) -> Path:
    root = tmp_path / "pack"
    shutil.copytree(REPO_ROOT / "copilot" / "tenants" / "demo", root)
    (root / "rails.yaml").write_text("version: 1\ndiscount_authority: {rep: lots}\n", encoding="utf-8")
    return root


def test_tenant_validate_names_a_broken_rails_file(tmp_path: Path) -> None:
    root = _pack_with_broken_rails(tmp_path)
    problems = [p for p in _agent_files(root) if p.file.endswith("rails.yaml")]
    assert problems and all(p.message for p in problems)


def test_the_agents_validator_checks_rails_only_with_the_injected_check(tmp_path: Path) -> None:
    root = _pack_with_broken_rails(tmp_path)
    assert not [p for p in validate_tenant_dir(root) if p.file.endswith("rails.yaml")]
    with_check = validate_tenant_dir(root, check_rails=load_rails)
    assert [p for p in with_check if p.file.endswith("rails.yaml")]
    demo = REPO_ROOT / "copilot" / "tenants" / "demo"
    assert not [p for p in validate_tenant_dir(demo, check_rails=load_rails) if p.file.endswith("rails.yaml")]
