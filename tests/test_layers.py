"""The direction of imports (docs/architecture.md, "Packages and the direction of imports"), read from the source:
every `import` / `from … import` anywhere in a module (top level, inside functions, under TYPE_CHECKING) and every
`importlib.import_module("…")` / `__import__("…")` with a literal name.

- The product never imports the evaluator or the development benchmarks: contract/, copilot/, agents/, knowledge/,
  channels/ and guardrails/ import neither `evals` nor `bench` (evals reaches copilot through entry points).
- `contract` imports nothing of the project.
- agents, channels, knowledge and guardrails import only `contract` (backends arrive through ports built by
  copilot/wiring.py); nobody below copilot imports `copilot`.
- copilot/service.py imports only `contract` and copilot.{events, calls, hub, metrics, settings} (ports only).

Exceptions the code has today are listed in KNOWN, each with why; the list may only shrink (a new one fails; an entry
that no longer happens is reported as a warning until it is removed)."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("contract", "copilot", "agents", "knowledge", "channels", "guardrails")
PROJECT = {*PRODUCT, "evals", "bench", "tests"}
NEVER = {"evals", "bench", "tests"}  # what the product never imports
LOWER = ("agents", "channels", "knowledge", "guardrails")
SERVICE_MAY = {
    "contract",
    "copilot.events",
    "copilot.calls",
    "copilot.hub",
    "copilot.metrics",
    "copilot.settings",
}

# (module file, the other package it imports) → why it is still there. Only shrink this.
KNOWN: dict[tuple[str, str], str] = {}  # empty since the facts moved to contract (see docs/architecture.md)


def imported_names(source: str) -> set[str]:
    """Absolute module names a module imports, wherever the import statement is."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (
                (isinstance(node.func, ast.Name) and node.func.id in ("__import__", "import_module"))
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            )
        ):
            names.add(node.args[0].value)
    return names


def _modules() -> dict[str, set[str]]:
    out = {}
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            out[path.relative_to(ROOT).as_posix()] = imported_names(path.read_text(encoding="utf-8"))
    return out


MODULES = _modules()


def _top(name: str) -> str:
    return name.split(".")[0]


def test_the_scan_sees_the_product_and_nested_imports() -> None:
    assert len(MODULES) > 200 and all(any(f.startswith(f"{p}/") for f in MODULES) for p in PRODUCT)
    found = imported_names(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from evals.runner import RunResult\n"
        "def f():\n    import bench.machine\n    from copilot import plugins\n"
        "def g():\n    importlib.import_module('evals.cli')\n    return __import__('evals.plugin')\n"
    )
    assert {"evals.runner", "bench.machine", "copilot", "evals.cli", "evals.plugin"} <= found


def test_the_product_never_imports_evals_or_bench() -> None:
    offenders = sorted(
        {
            f"{file} imports {_top(name)}"
            for file, names in MODULES.items()
            for name in names
            if _top(name) in NEVER
        }
    )
    assert not offenders, (
        "the product imports the evaluator / benchmarks (use a plugin point):\n" + "\n".join(offenders)
    )


def test_contract_imports_nothing_of_the_project() -> None:
    offenders = sorted(
        {
            f"{file} imports {_top(name)}"
            for file, names in MODULES.items()
            if file.startswith("contract/")
            for name in names
            if _top(name) in PROJECT - {"contract"}
        }
    )
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("package", LOWER)
def test_lower_packages_import_only_contract(package: str) -> None:
    seen: set[tuple[str, str]] = set()
    offenders = []
    for file, names in MODULES.items():
        if not file.startswith(f"{package}/"):
            continue
        for other in sorted({_top(n) for n in names} & PROJECT - {package, "contract"}):
            seen.add((file, other))
            if (file, other) not in KNOWN:
                offenders.append(f"{file} imports {other}")
    assert not offenders, f"{package} may import only contract (docs/architecture.md):\n" + "\n".join(
        offenders
    )
    stale = [f"{f} → {o}" for f, o in KNOWN if f.startswith(f"{package}/") and (f, o) not in seen]
    if (
        stale
    ):  # a fixed exception is good news, not a red build: said in the summary until it is removed from KNOWN
        warnings.warn(
            "no longer imported — remove from KNOWN in tests/test_layers.py: " + ", ".join(stale),
            stacklevel=1,
        )


def test_the_service_core_depends_on_ports_only() -> None:
    names = MODULES["copilot/service.py"]
    project = {n for n in names if _top(n) in PROJECT}
    allowed = {n for n in project if any(n == a or n.startswith(f"{a}.") for a in SERVICE_MAY)}
    assert project - allowed == set(), sorted(project - allowed)


def test_knowledge_implements_the_fact_ports() -> None:
    """The reasoning tools read the snapshot's facts through contract ports, never through knowledge's classes."""
    from contract.ports import FactSource, PolicyFactsProvider, PolicyRetriever
    from knowledge.policy.fact_store import PolicyFacts
    from knowledge.policy.store import PolicyStore

    assert issubclass(PolicyFacts, FactSource)
    assert issubclass(PolicyStore, PolicyFactsProvider) and issubclass(PolicyStore, PolicyRetriever)
