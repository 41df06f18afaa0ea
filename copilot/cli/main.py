"""`copilot` — entry point. Sub-command groups live in their own modules (kb, crm, ledger, playbook, privacy, tenant);
`copilot eval` and `copilot tenant eval` come from the evaluator plugin (`evals`, entry point group `copilot.cli`)."""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable

import typer
from rich.console import Console

from copilot.plugins import CLI, EVALUATOR_MISSING, plugins

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault(
    "OPENBLAS_NUM_THREADS", "1"
)  # one BLAS thread: multi-threaded BLAS thrashes 2 shared cores

app = typer.Typer(
    name="copilot",
    help="Channel Copilot: grounded, cited suggestions for WeCom / WeChat chats and voice calls, with an audit ledger.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

SUB_APPS = {
    "kb": "knowledge base: versioned policies and contracts",
    "crm": "customer data: demo CRM, customer 360, signals",
    "ledger": "the tamper-evident intervention ledger",
    "playbook": "next-best-action playbooks and backtests",
    "privacy": "PIPL: CRM field-level privacy scan, subject export and erasure",
    "tenant": "tenant packs: init, validate, import, eval, infer-mapping, learn",
}

# commands other packages provide (entry points); when absent, the command still exists and says why it cannot run
PLUGIN_SLOTS = {
    "eval": "eval suites, reports, comparisons and release gates",
    "tenant.eval": "Run the pack's eval suites through the real copilot (the evaluator plugin).",
}
GROUPS: dict[str, typer.Typer] = {}

for _name, _help in SUB_APPS.items():
    _module = importlib.import_module(f"copilot.cli.{_name}")
    GROUPS[_name] = _module.app
    app.add_typer(_module.app, name=_name, help=_help)


def _unavailable(name: str, reason: str) -> Callable[[], None]:
    """A stand-in for a plugin command: any arguments, one clear line on stderr, exit 2 (never a traceback)."""

    def command() -> None:
        Console(stderr=True, highlight=False).print(f"[red]copilot {name.replace('.', ' ')}: {reason}")
        raise typer.Exit(2)

    return command


def _mount(name: str, obj: object, help_text: str | None) -> None:
    """`name` without a dot: a Typer sub-app; `group.command`: a command function added to that group."""
    group, _, command = name.rpartition(".")
    if isinstance(obj, typer.Typer) and not group:
        app.add_typer(obj, name=command, help=help_text)
        GROUPS[command] = obj
    elif callable(obj) and not isinstance(obj, typer.Typer) and group in GROUPS:
        GROUPS[group].command(command)(obj)  # its docstring is its help
    else:
        raise TypeError(f"{type(obj).__name__} cannot be mounted as {name!r}")


def register_plugins() -> None:
    """Mount every `copilot.cli` entry point; a declared slot with no (loadable) plugin gets a stand-in that says so."""
    found = {p.name: p for p in plugins(CLI)}
    for name in sorted(set(found) | set(PLUGIN_SLOTS)):
        plugin = found.get(name)
        reason = EVALUATOR_MISSING
        if plugin is not None and plugin.loaded:
            try:
                _mount(name, plugin.obj, PLUGIN_SLOTS.get(name))
                continue
            except TypeError as exc:
                reason = f"plugin {plugin.target}: {exc}"
        elif plugin is not None and not plugin.missing:
            reason = f"the evaluator plugin {plugin.target} failed to load: {plugin.error}"
        if name not in PLUGIN_SLOTS:
            logging.getLogger("copilot.cli").warning("plugin %s not mounted: %s", name, reason)
            continue
        group, _, command = name.rpartition(".")
        extra = {"allow_extra_args": True, "ignore_unknown_options": True}  # `copilot eval run x.yaml` too
        (GROUPS[group] if group else app).command(
            command, help=f"(unavailable) {reason}", context_settings=extra
        )(_unavailable(name, reason))


register_plugins()

from copilot.cli import run as _run  # noqa: E402  (registers demo / serve / keys on `app`)

_run.register(app)


def main() -> None:
    logging.basicConfig(level=os.environ.get("COPILOT_LOG_LEVEL", "WARNING"))
    app()


if __name__ == "__main__":
    main()
