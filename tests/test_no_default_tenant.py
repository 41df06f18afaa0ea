"""No product signature assumes a tenant: no parameter, field or `.get("tenant", …)` defaults to a tenant's id.
The tenant always comes from the message, the key, or the deployment's settings (derived from its pack)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("contract", "copilot", "agents", "knowledge", "channels", "guardrails", "evals")


def _tenant_ids() -> set[str]:
    return {
        p.name for p in (ROOT / "copilot" / "tenants").iterdir() if p.is_dir() and not p.name.startswith("_")
    }


def _defaults(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            positional = [*args.posonlyargs, *args.args]
            for arg, default in zip(
                positional[len(positional) - len(args.defaults) :], args.defaults, strict=True
            ):
                if (
                    "tenant" in arg.arg
                    and isinstance(default, ast.Constant)
                    and isinstance(default.value, str)
                ):
                    found.append((node.lineno, default.value))
            for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
                if (
                    "tenant" in arg.arg
                    and isinstance(default, ast.Constant)
                    and isinstance(default.value, str)
                ):
                    found.append((node.lineno, default.value))
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and "tenant" in node.target.id
        ):
            value = node.value
            if isinstance(value, ast.Call):  # Field(default="…")
                value = next((k.value for k in value.keywords if k.arg == "default"), None)
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.append((node.lineno, value.value))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and len(node.args) == 2
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "tenant"
            and isinstance(node.args[1], ast.Constant)
        ):
            found.append((node.lineno, str(node.args[1].value)))
    return found


def test_no_product_signature_defaults_to_a_tenant() -> None:
    tenants = _tenant_ids()
    assert {"demo", "autodealer"} <= tenants  # the scan knows which ids to look for
    offenders = []
    scanned = 0
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            if "tenants" in path.relative_to(ROOT).parts:
                continue
            scanned += 1
            for line, value in _defaults(ast.parse(path.read_text(encoding="utf-8"))):
                if value in tenants:
                    offenders.append(f"{path.relative_to(ROOT)}:{line} defaults a tenant to {value!r}")
    assert scanned > 100
    assert not offenders, "\n".join(offenders)
