"""The evaluator's checks for `copilot tenant validate` (entry point group `copilot.tenant_checks`): a pack's eval
suites against the suite schema, every problem with its file and line. Without the evaluator installed, validation
still checks the suites' cross-references (intents, actions, documents, signals) from their YAML."""

from __future__ import annotations

from pathlib import Path

from copilot.cli.tenant_validate import PackProblem, Profile, shown, suite_paths


def check_pack_suites(root: Path, profile: Profile) -> list[PackProblem]:
    from evals.suite import SuiteError, load_suite

    problems: list[PackProblem] = []
    for path in suite_paths(root, profile):
        try:
            load_suite(path)
        except SuiteError as e:
            for p in e.problems:
                problems.append(PackProblem(shown(Path(p.file), root), p.line, p.path, p.message))
    return problems
