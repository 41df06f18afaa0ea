"""Load a suite from YAML or JSONL and report every problem with its file and line.

YAML is composed once into nodes (which keep their marks) and once into data; a pydantic error's location is walked
down the node tree to the line that holds the bad value. JSONL: one case per line, plus an optional header line
`{"suite": {...}}` carrying name, tenant, sla and gates."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from contract.errors import InputError
from evals.suite.models import Suite


@dataclass(frozen=True)
class SuiteProblem:
    file: str
    line: int  # 1-based
    column: int  # 1-based
    path: str  # cases[2].expect.intent
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class SuiteError(InputError):
    """A malformed suite. `problems` lists each error with its file and line."""

    def __init__(self, problems: list[SuiteProblem]) -> None:
        self.problems = problems
        head = f"{len(problems)} problem(s) in suite:\n" + "\n".join(f"  {p}" for p in problems)
        super().__init__(head, reason="suite_invalid", problems=[str(p) for p in problems])


def _path_text(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _node_for(node: yaml.Node, loc: tuple[Any, ...]) -> yaml.Node:
    """The deepest node along `loc` (discriminator tags and model names in the location are skipped)."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            if match is None:
                continue
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
    return node


def _problems_from(
    exc: ValidationError,
    file: str,
    root: yaml.Node | None,
    line_offset: int = 0,
    prefix: tuple[Any, ...] = (),
) -> list[SuiteProblem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        line, col = line_offset + 1, 1
        if root is not None:
            mark = _node_for(root, loc).start_mark
            line, col = mark.line + 1 + line_offset, mark.column + 1
        problems.append(SuiteProblem(file, line, col, _path_text(prefix + loc), err["msg"]))
    return problems


def _duplicate_ids(root: yaml.Node, file: str) -> list[SuiteProblem]:
    """Duplicate case ids, reported at the line of the second id (the model check cannot see lines)."""
    cases = _node_for(root, ("cases",))
    seen: dict[str, int] = {}
    problems: list[SuiteProblem] = []
    if not isinstance(cases, yaml.SequenceNode):
        return problems
    for i, case in enumerate(cases.value):
        id_node = _node_for(case, ("id",))
        if isinstance(id_node, yaml.ScalarNode) and id_node is not case:
            if id_node.value in seen:
                m = id_node.start_mark
                msg = f"duplicate case id {id_node.value!r} (first at line {seen[id_node.value]})"
                problems.append(SuiteProblem(file, m.line + 1, m.column + 1, f"cases[{i}].id", msg))
            else:
                seen[id_node.value] = id_node.start_mark.line + 1
    return problems


def load_yaml_suite(text: str, file: str = "<suite>") -> Suite:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        m = exc.problem_mark
        line, col = (m.line + 1, m.column + 1) if m is not None else (1, 1)
        raise SuiteError([SuiteProblem(file, line, col, "", f"YAML syntax: {exc.problem}")]) from exc
    if root is None or not isinstance(data, dict):
        raise SuiteError([SuiteProblem(file, 1, 1, "", "a suite is a mapping with `name` and `cases`")])
    dupes = _duplicate_ids(root, file)
    if dupes:
        raise SuiteError(dupes)
    try:
        return Suite.model_validate(data)
    except ValidationError as exc:
        raise SuiteError(_problems_from(exc, file, root)) from exc


def load_jsonl_suite(text: str, file: str = "<suite>", default_name: str = "suite") -> Suite:
    header: dict[str, Any] = {"name": default_name}
    cases: list[tuple[int, Any]] = []
    problems: list[SuiteProblem] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(SuiteProblem(file, n, exc.colno, "", f"JSON syntax: {exc.msg}"))
            continue
        if isinstance(obj, dict) and set(obj) == {"suite"}:
            header = {"name": default_name, **obj["suite"]}
        else:
            cases.append((n, obj))
    if problems:
        raise SuiteError(problems)
    # Validate each line on its own so an error names its line.
    from evals.suite.models import Case

    validated = []
    for i, (n, obj) in enumerate(cases):
        try:
            validated.append(Case.model_validate(obj))
        except ValidationError as exc:
            root = yaml.compose(json.dumps(obj, ensure_ascii=False), Loader=yaml.SafeLoader)
            for p in _problems_from(exc, file, root, prefix=("cases", i)):
                problems.append(SuiteProblem(file, n, p.column, p.path, p.message))
    seen: dict[str, int] = {}
    for (n, _), case in zip(cases, validated, strict=False):
        if case.id in seen:
            problems.append(
                SuiteProblem(file, n, 1, "id", f"duplicate case id {case.id!r} (line {seen[case.id]})")
            )
        seen.setdefault(case.id, n)
    if problems:
        raise SuiteError(problems)
    try:
        return Suite.model_validate({**header, "cases": [c.model_dump(mode="json") for c in validated]})
    except ValidationError as exc:
        raise SuiteError(_problems_from(exc, file, None)) from exc


def load_suite(path: str | Path) -> Suite:
    """Read a suite file (.yaml / .yml / .jsonl). Raises SuiteError with file:line for every problem."""
    p = Path(path)
    if not p.is_file():
        raise SuiteError([SuiteProblem(str(p), 1, 1, "", "suite file not found")])
    text = p.read_text(encoding="utf-8")
    if p.suffix == ".jsonl":
        return load_jsonl_suite(text, str(p), default_name=p.stem)
    return load_yaml_suite(text, str(p))


def suite_hash(path: str | Path) -> str:
    return "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()


def resolve_tenant_dir(suite: Suite, suite_path: str | Path) -> Path | None:
    if suite.tenant is None:
        return None
    base = Path(suite_path).resolve().parent
    return (base / suite.tenant.path).resolve()
