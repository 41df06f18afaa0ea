"""`copilot` — entry point. Sub-command groups live in their own modules (kb, crm, ledger, playbook, eval)."""

from __future__ import annotations

import importlib
import logging
import os

import typer

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
    "eval": "eval suites, reports, comparisons and release gates",
    "privacy": "PIPL: CRM field-level privacy scan, subject export and erasure",
    "tenant": "tenant packs: init, validate, import, eval, infer-mapping, learn",
}

for _name, _help in SUB_APPS.items():
    _module = importlib.import_module(f"copilot.cli.{_name}")
    app.add_typer(_module.app, name=_name, help=_help)

from copilot.cli import run as _run  # noqa: E402  (registers demo / serve / keys on `app`)

_run.register(app)


def main() -> None:
    logging.basicConfig(level=os.environ.get("COPILOT_LOG_LEVEL", "WARNING"))
    app()


if __name__ == "__main__":
    main()
