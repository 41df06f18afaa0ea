"""No tenant in product code: the company, product and industry names of every tenant (from its profile.yaml) never
appear in agents, channels, knowledge, guardrails, contract, copilot (outside copilot/tenants/) or the eval engine.
Tenant specifics live in the tenant folder; code reads them from there."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PRODUCT_CODE = [
    "agents",
    "channels",
    "knowledge",
    "guardrails",
    "contract",
    "copilot",
    "evals/suite",
    "evals/runner",
    "evals/metrics",
    "evals/report",
    "bench",
]
SUFFIXES = {".py", ".js", ".html", ".css", ".yaml", ".yml", ".json", ".sql"}
# Known exceptions, each with its owner and why. Remove an entry once the file is fixed.
# The guardrail and spoken-PII dataset generators write synthetic conversations in the demo tenant's domain; their
# output is checked in (evals/datasets/) and regenerated exactly by tests/guardrails/test_guard_datasets.py, so moving
# their product vocabulary into copilot/tenants/demo/ changes the datasets and the guardrail numbers measured on them.
# Owner: guardrails. Everything else is excused nothing: a tenant's words come from its folder.
ALLOWLIST: set[str] = {
    "bench/datasets/guardrails/gen_grounding.py",
    "bench/datasets/guardrails/gen_heldout.py",
    "bench/datasets/guardrails/gen_heldout3.py",
    "bench/datasets/guardrails/gen_injection.py",
    "bench/datasets/guardrails/gen_pii.py",
    "bench/datasets/privacy/gen_spoken.py",
}


def code_text(path: Path) -> str:
    """What the program says, not what its comments and docstrings say: a name in an example comment is not a tenant
    hard-coded; a name in a string literal or an identifier is."""
    text = path.read_text(encoding="utf-8", errors="ignore")
    if path.suffix != ".py":
        return text
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                docstrings.add((first.lineno, first.end_lineno))
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                continue
            if tok.type == tokenize.STRING and any(
                a <= tok.start[0] and tok.end[0] <= (b or a) for a, b in docstrings
            ):
                continue
            out.append(tok.string)
    except (tokenize.TokenError, IndentationError):
        return text
    return " ".join(out)


def tenant_terms() -> dict[str, set[str]]:
    """tenant → names that must not appear in code: company, industry terms, product names (≥ 2 characters)."""
    out: dict[str, set[str]] = {}
    for profile in sorted((ROOT / "copilot" / "tenants").glob("*/profile.yaml")):
        data = yaml.safe_load(profile.read_text(encoding="utf-8")) or {}
        terms = {str(data.get("company") or ""), str(data.get("industry") or "")}
        terms |= {str(t) for t in data.get("industry_terms") or []}
        terms |= {str(t) for t in data.get("products") or []}
        out[profile.parent.name] = {t.strip() for t in terms if len(t.strip()) >= 2}
    return out


def code_files() -> list[Path]:
    files = []
    for top in PRODUCT_CODE:
        for p in (ROOT / top).rglob("*"):
            rel = p.relative_to(ROOT).as_posix()
            if (
                p.is_file()
                and p.suffix in SUFFIXES
                and not rel.startswith("copilot/tenants/")
                and "__pycache__" not in rel
            ):
                files.append(p)
    return files


def test_every_tenant_has_a_profile_with_names_to_check() -> None:
    terms = tenant_terms()
    assert "demo" in terms and terms["demo"], (
        "copilot/tenants/demo/profile.yaml names the company and products"
    )


def test_no_tenant_company_product_or_industry_in_product_code() -> None:
    terms = tenant_terms()
    found: list[str] = []
    for path in code_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel in ALLOWLIST:
            continue
        text = code_text(path)
        for tenant, names in terms.items():
            for name in names:
                pattern = (
                    re.escape(name) if re.search(r"[\u4e00-\u9fff]", name) else rf"(?i)\b{re.escape(name)}\b"
                )
                if re.search(pattern, text):
                    found.append(f"{rel}: {tenant} 「{name}」")
    assert not found, "tenant names in product code (move them to copilot/tenants/<t>/):\n" + "\n".join(
        sorted(found)
    )


def test_allowlist_entries_still_exist() -> None:
    assert all((ROOT / rel).exists() for rel in ALLOWLIST), "drop allowlist entries for files that are gone"
