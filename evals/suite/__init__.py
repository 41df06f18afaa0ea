"""Eval suites: typed cases from past conversations, expectations, SLAs and gates (see docs/benchmarks.md)."""

from evals.suite.loader import (
    SuiteError,
    SuiteProblem,
    load_suite,
    load_yaml_suite,
    resolve_tenant_dir,
    suite_hash,
)
from evals.suite.models import (
    SLA,
    ActionExpectation,
    ActorSpec,
    Case,
    DocRef,
    Expectations,
    Gate,
    LatencyBar,
    Suite,
    TenantRef,
    TurnSpec,
)

__all__ = [
    "SLA",
    "ActionExpectation",
    "ActorSpec",
    "Case",
    "DocRef",
    "Expectations",
    "Gate",
    "LatencyBar",
    "Suite",
    "SuiteError",
    "SuiteProblem",
    "TenantRef",
    "TurnSpec",
    "load_suite",
    "load_yaml_suite",
    "resolve_tenant_dir",
    "suite_hash",
]
