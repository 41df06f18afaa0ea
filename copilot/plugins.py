"""Plugin points: packages built on top of copilot add commands, routes and pack checks here through entry points
(`importlib.metadata`), so copilot never imports them. The evaluator (`evals/`) is one: it registers `copilot eval`,
`copilot tenant eval`, the eval-suite check of `copilot tenant validate` and the admin console's eval-run routes
(pyproject.toml `[project.entry-points."copilot.*"]`).

Groups:
- `copilot.cli`: a name without a dot is a Typer sub-app (`eval` → `copilot eval …`); `group.command` is one command
  added to an existing group (`tenant.eval` → `copilot tenant eval`).
- `copilot.api`: a FastAPI `APIRouter` mounted on the app as it is (its paths are its own).
- `copilot.tenant_checks`: `check(root, profile) -> list[PackProblem]`, run by `copilot tenant validate`.

Entry points are read from the installed package's metadata: a fresh `pip install -e .` (`make install`) writes them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib.metadata import entry_points

log = logging.getLogger("copilot.plugins")

CLI = "copilot.cli"
API = "copilot.api"
TENANT_CHECKS = "copilot.tenant_checks"

EVALUATOR_MISSING = (
    "the evaluator plugin (package `evals`) is not installed: install Channel Copilot from a checkout that has "
    "evals/ (`make install`, or `pip install -e .`), which registers it"
)


@dataclass(frozen=True)
class Plugin:
    """One entry point of a group: the object it names, or why it could not be loaded."""

    name: str
    target: str  # "module:attribute", as declared
    obj: object | None
    error: str = ""  # "" when loaded
    missing: bool = False  # the plugin's own package is not installed (not merely broken)

    @property
    def loaded(self) -> bool:
        return not self.error


def plugins(group: str) -> list[Plugin]:
    """Every entry point of `group`, loaded, by name. A plugin that fails to import is returned with its error (and
    logged) rather than raised: a missing or broken evaluator must not stop `copilot serve` or `copilot --help`."""
    found: dict[str, Plugin] = {}
    for ep in entry_points(group=group):
        if ep.name in found:  # the same distribution seen twice on sys.path
            continue
        try:
            found[ep.name] = Plugin(ep.name, ep.value, ep.load())
        except Exception as exc:  # ImportError, AttributeError, or the plugin's own import-time failure
            missing = isinstance(exc, ModuleNotFoundError) and _within(ep.module, exc.name)
            # not installed is a deployment choice (the command says so when used); a broken plugin is a bug
            log.log(logging.INFO if missing else logging.WARNING, "plugin %s=%s (%s) not loaded: %s",
                    ep.name, ep.value, group, exc)  # fmt: skip
            found[ep.name] = Plugin(ep.name, ep.value, None, f"{type(exc).__name__}: {exc}", missing)
    return [found[name] for name in sorted(found)]


def _within(module: str, missing: str | None) -> bool:
    """`evals.cli` is missing when `evals` (or `evals.cli`) is; a missing third-party import inside it is a bug."""
    return bool(missing) and (module == missing or module.startswith(f"{missing}."))
