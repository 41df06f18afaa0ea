"""The eval runner: `run_suite(suite, target, ...)` over a `CaseTarget`; `services_target(...)` is the real graph."""

from evals.runner.results import CaseResult, ErrorInfo, GateResult, RunResult, TurnResult, package_versions
from evals.runner.run import messages_for, new_run_id, run_suite
from evals.runner.target import (
    CaseTarget,
    ReplayTarget,
    ServicesTarget,
    describe_target,
    services_target,
    target_from_config,
)

__all__ = [
    "CaseResult",
    "CaseTarget",
    "ErrorInfo",
    "GateResult",
    "ReplayTarget",
    "RunResult",
    "ServicesTarget",
    "TurnResult",
    "describe_target",
    "messages_for",
    "new_run_id",
    "package_versions",
    "run_suite",
    "services_target",
    "target_from_config",
]
