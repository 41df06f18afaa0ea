"""Validation of a tenant pack's agent files that names file, line, field and fix — every problem at once, never a
pydantic dump. `copilot tenant validate` calls `validate_tenant_dir(path, check_rails=…)`; `TenantConfig.load` formats
the same list.

Checked: intents.yaml, actions.yaml, playbooks.yaml (required), entities.yaml and vocabulary.yaml `patterns:` /
`terms:` (optional), rails.yaml (optional; its schema is guardrails', so the caller passes the check — the copilot layer
passes `guardrails.rails_config.load_rails`) and the cross references between them (a rule's action and intents,
an action's intents, autopilot intents, duplicate names)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from agents.tenant import (
    OUT_OF_SCOPE,
    REQUIRED_FILES,
    ActionSpec,
    EntitiesConfig,
    EntityPattern,
    IntentSpec,
    Playbook,
)


@dataclass(frozen=True)
class Problem:
    file: str  # path as given (relative to the pack when possible)
    line: int  # 1-based; 0 when the file itself is the problem
    field: str  # dotted path inside the file, e.g. intents[3].examples
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field or '(file)'}: {self.message} — fix: {self.fix}"


def format_problems(problems: list[Problem]) -> str:
    return "\n".join(f"  - {p}" for p in problems)


class _Doc:
    """A YAML file with its node tree, so a data path maps back to a line."""

    def __init__(self, path: Path, shown: str) -> None:
        self.path, self.shown = path, shown
        self.data: Any = None
        self.node: yaml.Node | None = None
        self.error: Problem | None = None
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.error = Problem(shown, 0, "", f"cannot read the file ({exc})", "save it as UTF-8 text")
            return
        try:
            self.node = yaml.compose(text, Loader=yaml.SafeLoader)
            self.data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 0
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            self.error = Problem(
                shown,
                line,
                "",
                f"not valid YAML: {problem}",
                "check indentation, quotes and colons on that line",
            )
            return
        if self.data is None:
            self.data = {}
        if not isinstance(self.data, dict):
            self.error = Problem(
                shown, 1, "", "the file must be a YAML mapping (key: value)", "start with `key:`"
            )

    def line(self, path: tuple[str | int, ...]) -> int:
        node, best = self.node, 1
        if node is not None:
            best = node.start_mark.line + 1
        for key in path:
            if isinstance(node, yaml.MappingNode):
                nxt = next((v for k, v in node.value if k.value == key), None)
                if nxt is None:
                    break
                key_node = next(k for k, v in node.value if v is nxt)
                best, node = key_node.start_mark.line + 1, nxt
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
                best = node.start_mark.line + 1
            else:
                break
        return best


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _message(err: Any) -> str:
    name = str(err["loc"][-1]) if err["loc"] else ""
    if err["type"] == "missing":
        return f"required field `{name}` is missing"
    if err["type"] == "extra_forbidden":
        return f"unknown field `{name}`"
    return str(err["msg"]).removeprefix("Value error, ")


def _fix(err: Any, model: type[BaseModel]) -> str:
    kind, loc = err["type"], err["loc"]
    name = str(loc[-1]) if loc else ""
    if kind == "missing":
        return f"add `{name}:`"
    if kind == "extra_forbidden":
        allowed = ", ".join(model.model_fields)
        return f"remove or rename `{name}` (allowed here: {allowed})" if len(loc) == 1 else f"remove `{name}`"
    if kind.startswith("list") or kind == "list_type":
        return f"make `{name}` a list, e.g. `{name}: [a, b]`"
    if kind in ("string_type", "str_type"):
        return f"make `{name}` a text value (quote it)"
    if kind.startswith(("float", "int")):
        return f"make `{name}` a number"
    if kind.startswith("bool"):
        return f"make `{name}` true or false"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"make `{name}` a mapping (key: value)"
    if kind == "value_error":
        msg = str(err["msg"])
        if "needs a description" in msg:
            return "add `description:` — one line on what the customer wants (examples are optional)"
        if "does not match its examples" in msg:
            return "widen the regex or correct the examples"
        if "does not compile" in msg:
            return "fix the regex (quote it in single quotes; escape backslashes once)"
        return "correct the value as the message says"
    return "correct the value"


TOP_KEYS = {"intents", "actions", "playbooks", "autopilot_intents", "abstain_thresholds"}


def _check_items(
    doc: _Doc, key: str, model: type[BaseModel], problems: list[Problem]
) -> list[tuple[int, dict[str, Any]]]:
    """Validates each item of a top-level list on its own, so one bad item does not hide the others."""
    items = doc.data.get(key) if isinstance(doc.data, dict) else None
    if items is None:
        problems.append(
            Problem(doc.shown, 1, key, f"no `{key}:` list", f"add `{key}:` with at least one entry")
        )
        return []
    if not isinstance(items, list):
        problems.append(
            Problem(
                doc.shown,
                doc.line((key,)),
                key,
                f"`{key}` must be a list",
                f"write `{key}:` then `- ...` items",
            )
        )
        return []
    good = []
    for i, item in enumerate(items):
        try:
            model.model_validate(item)
        except ValidationError as exc:
            for err in exc.errors():
                loc = (key, i, *err["loc"])
                msg = _message(err)
                problems.append(Problem(doc.shown, doc.line(loc), _dotted(loc), msg, _fix(err, model)))
            continue
        good.append((i, item))
    return good


def _duplicates(
    doc: _Doc, key: str, items: list[tuple[int, dict[str, Any]]], problems: list[Problem]
) -> None:
    seen: dict[str, int] = {}
    for i, item in items:
        name = str(item.get("name") or item.get("id") or "")
        if name in seen:
            problems.append(
                Problem(
                    doc.shown,
                    doc.line((key, i)),
                    f"{key}[{i}]",
                    f"duplicate name {name!r} (also item {seen[name]})",
                    "give each entry its own name",
                )
            )
        seen.setdefault(name, i)


def _names(doc: _Doc | None, key: str) -> set[str]:
    items = doc.data.get(key) if doc is not None and isinstance(doc.data, dict) else None
    return (
        {str(i["name"]) for i in items or [] if isinstance(i, dict) and i.get("name")}
        if isinstance(items, list)
        else set()
    )


def validate_tenant_dir(
    path: str | Path, *, check_rails: Callable[[Path], object] | None = None
) -> list[Problem]:
    """Every problem of the pack's agent files (empty list = loads cleanly). `check_rails` loads rails.yaml and raises
    UserError when it is invalid (guardrails.rails_config.load_rails); without it rails.yaml is not checked here."""
    root = Path(path)
    problems: list[Problem] = []
    if not root.is_dir():
        return [Problem(str(root), 0, "", "not a folder", "pass the tenant pack folder")]

    def shown(name: str) -> str:
        return str(root / name)

    docs: dict[str, _Doc] = {}
    for name in (*REQUIRED_FILES, "entities.yaml", "vocabulary.yaml"):
        p = root / name
        if not p.is_file():
            if name in REQUIRED_FILES:
                problems.append(
                    Problem(shown(name), 0, "", "file missing", f"create {name} (see docs/tenant-pack.md)")
                )
            continue
        doc = _Doc(p, shown(name))
        if doc.error:
            problems.append(doc.error)
        else:
            docs[name] = doc

    intents: list[tuple[int, dict[str, Any]]] = []
    actions: list[tuple[int, dict[str, Any]]] = []
    playbooks: list[tuple[int, dict[str, Any]]] = []
    if "intents.yaml" in docs:
        d = docs["intents.yaml"]
        intents = _check_items(d, "intents", IntentSpec, problems)
        _duplicates(d, "intents", intents, problems)
    for name in REQUIRED_FILES:  # the three files merge into one config: a key may sit in any of them
        req = docs.get(name)
        for key in sorted(set(req.data) - TOP_KEYS) if req else []:
            assert req is not None
            problems.append(
                Problem(
                    req.shown,
                    req.line((key,)),
                    key,
                    f"unknown key `{key}`",
                    f"remove or rename it (allowed: {', '.join(sorted(TOP_KEYS))})",
                )  # fmt: skip
            )
    if "actions.yaml" in docs:
        actions = _check_items(docs["actions.yaml"], "actions", ActionSpec, problems)
        _duplicates(docs["actions.yaml"], "actions", actions, problems)
    if "playbooks.yaml" in docs:
        playbooks = _check_items(docs["playbooks.yaml"], "playbooks", Playbook, problems)

    # cross references use every named entry, valid or not, so one broken intent does not hide its rules' problems
    intent_names = _names(docs.get("intents.yaml"), "intents") | {OUT_OF_SCOPE}
    action_names = _names(docs.get("actions.yaml"), "actions")
    have_intents = len(intent_names) > 1
    if "intents.yaml" in docs:
        d = docs["intents.yaml"]
        for j, name in enumerate(d.data.get("autopilot_intents") or []):
            if have_intents and name not in intent_names:
                problems.append(
                    Problem(
                        d.shown,
                        d.line(("autopilot_intents", j)),
                        f"autopilot_intents[{j}]",
                        f"unknown intent {name!r}",
                        f"use one of: {', '.join(sorted(intent_names))}",
                    )  # fmt: skip
                )
    if actions and have_intents:
        d = docs["actions.yaml"]
        for i, a in actions:
            for j, name in enumerate(a.get("intents") or []):
                if name not in intent_names:
                    problems.append(
                        Problem(
                            d.shown,
                            d.line(("actions", i, "intents", j)),
                            f"actions[{i}].intents[{j}]",
                            f"unknown intent {name!r}",
                            f"use one of: {', '.join(sorted(intent_names))}",
                        )  # fmt: skip
                    )
    if playbooks and "actions.yaml" in docs:
        d = docs["playbooks.yaml"]
        for i, pb in playbooks:
            for r, rule in enumerate(pb.get("rules") or []):
                then, when = rule.get("then") or {}, rule.get("when") or {}
                if then.get("action") not in action_names:
                    loc = ("playbooks", i, "rules", r, "then", "action")
                    problems.append(
                        Problem(
                            d.shown,
                            d.line(loc),
                            _dotted(loc),
                            f"rule {rule.get('id')!r} proposes unknown action {then.get('action')!r}",
                            f"use an action from actions.yaml: {', '.join(sorted(action_names))}",
                        )  # fmt: skip
                    )
                for j, name in enumerate(when.get("intent") or []):
                    if have_intents and name not in intent_names:
                        loc = ("playbooks", i, "rules", r, "when", "intent", j)  # type: ignore[assignment]
                        problems.append(
                            Problem(
                                d.shown,
                                d.line(loc),
                                _dotted(loc),
                                f"rule {rule.get('id')!r} names unknown intent {name!r}",
                                f"use one of: {', '.join(sorted(intent_names))}",
                            )  # fmt: skip
                        )
    for name in ("entities.yaml", "vocabulary.yaml"):
        opt = docs.get(name)
        if opt is None:
            continue
        d = opt
        if d.data.get("patterns") is not None:
            _check_items(d, "patterns", EntityPattern, problems)
        words = d.data.get("organisation_words")
        if words is not None and not (isinstance(words, list) and all(isinstance(w, str) for w in words)):
            problems.append(
                Problem(
                    d.shown,
                    d.line(("organisation_words",)),
                    "organisation_words",
                    "organisation_words must be a list of words",
                    "write `organisation_words: [物流, 出租, fleet]`",
                )  # fmt: skip
            )
        terms = d.data.get("terms")
        if terms is not None:
            try:
                EntitiesConfig.model_validate({"terms": terms})
            except ValidationError:
                problems.append(
                    Problem(
                        d.shown,
                        d.line(("terms",)),
                        "terms",
                        "terms must map an entity kind to a list of words",
                        "write `terms: {brand: [word, word]}`",
                    )  # fmt: skip
                )
    rails = root / "rails.yaml"
    if rails.is_file() and check_rails is not None:
        problems += _rails_problems(rails, check_rails)
    return problems


def _rails_problems(path: Path, check_rails: Callable[[Path], object]) -> list[Problem]:
    from contract.errors import UserError

    try:
        check_rails(path)
    except UserError as exc:
        doc = _Doc(path, str(path))
        if doc.error:
            return [doc.error]
        return [
            Problem(
                str(path), 1, "", exc.message.replace(f"rails file {path} ", ""), "see docs/tenant-pack.md"
            )
        ]
    return []
