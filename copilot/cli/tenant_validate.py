"""Validate a whole tenant pack and report EVERY problem at once, each with file:line, the field and a fix — never a
raw pydantic dump. Nothing is loaded anywhere: `copilot tenant import` runs this first and stops on any problem.

Checked here: profile.yaml, tools.yaml (YAML), the CRM (mapping.yaml against the model, signals.yaml, and the
mapping against the data: the CSVs, or the live database named by profile `crm.url`), every policy's front matter
(incl. event_field / event_from / event_until against the mapping), the cross-references of the pack's eval suites,
and the checks other packages register (`copilot.tenant_checks`: the evaluator checks the suites' schema). The agent
files (intents, actions, playbooks, entities, vocabulary, rails) are checked by `agents.tenant_validation`."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

POLICY_SUFFIXES = {".md", ".markdown", ".txt", ".html", ".htm", ".docx", ".pdf"}
FRONT = re.compile(r"\A\ufeff?---\s*\n(.*?)\n---\s*(\n|\Z)", re.S)
TENANT_ID = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")


@dataclass(frozen=True)
class PackProblem:
    file: str
    line: int  # 1-based; 0 = the file as a whole
    field: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.field + ': ' if self.field else ''}{self.message}"
        return text + (f" — fix: {self.fix}" if self.fix else "")


class CrmSource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = ""  # a SQL URL (read-only); empty = the CSVs in crm/
    csv: str = "crm"  # the CSV folder, relative to the pack


class Profile(BaseModel):
    """profile.yaml: who the copilot speaks for. Free-form fields (persona, tone, sign_off …) are kept for drafting."""

    model_config = ConfigDict(extra="allow")

    id: str = ""  # the tenant id; default: the folder's name
    company: str = ""
    lang: str = "zh"
    as_of: str | None = None  # the date the pack's data is anchored on (evals run at this date)

    @field_validator("as_of", mode="before")
    @classmethod
    def _iso(cls, v: Any) -> Any:
        if isinstance(v, date | datetime):
            return v.isoformat()
        if v is not None:
            try:
                date.fromisoformat(str(v)[:10])
            except ValueError as exc:
                raise ValueError(f"as_of {v!r} is not an ISO date (YYYY-MM-DD)") from exc
        return v

    crm: CrmSource = Field(default_factory=CrmSource)
    evals: list[str] = Field(default_factory=list)  # suite files, relative to the pack


def shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


class YamlDoc:
    """A YAML file read once into data and a node tree (for line numbers)."""

    def __init__(self, path: Path, root: Path) -> None:
        self.path, self.name = path, shown(path, root)
        self.data: Any = None
        self.node: yaml.Node | None = None
        self.problem: PackProblem | None = None
        try:
            text = path.read_text(encoding="utf-8")
            self.node = yaml.compose(text, Loader=yaml.SafeLoader)
            self.data = yaml.safe_load(text)
        except UnicodeDecodeError:
            self.problem = PackProblem(self.name, 0, "", "not UTF-8 text", "save the file as UTF-8")
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark
            line = mark.line + 1 if mark is not None else 1
            self.problem = PackProblem(
                self.name, line, "", f"YAML syntax: {e.problem}", "check indentation, colons and quotes here"
            )

    def line(self, path: list[Any] | tuple[Any, ...]) -> int:
        node = self.node
        if node is None:
            return 1
        for part in path:
            if isinstance(node, yaml.MappingNode):
                match = next((v for k, v in node.value if getattr(k, "value", None) == str(part)), None)
                if match is None:
                    break
                node = match
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
            else:
                break
        return int(node.start_mark.line) + 1

    def find_line(self, needle: str) -> int:
        for n, text in enumerate(self.path.read_text(encoding="utf-8").splitlines(), start=1):
            if needle in text:
                return n
        return 1


def _msg(text: str) -> str:
    return text.removeprefix("Value error, ")


def _dotted(path: list[Any] | tuple[Any, ...]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def load_profile(root: Path, problems: list[PackProblem] | None = None) -> Profile:
    """profile.yaml (optional). Problems go to `problems` (or are ignored) and a default profile is returned."""
    path = root / "profile.yaml"
    if not path.is_file():
        return Profile(id=root.name)
    doc = YamlDoc(path, root)
    if doc.problem is not None:
        if problems is not None:
            problems.append(doc.problem)
        return Profile(id=root.name)
    try:
        profile = Profile.model_validate(doc.data or {})
    except ValidationError as e:
        for err in e.errors(include_url=False):
            if problems is not None:
                loc = list(err["loc"])
                problems.append(PackProblem(doc.name, doc.line(loc), _dotted(loc), _msg(err["msg"]), ""))
        return Profile(id=root.name)
    if profile.as_of is not None:
        profile.as_of = str(profile.as_of)
    if not profile.id:
        profile.id = root.name
    if not TENANT_ID.match(profile.id) and problems is not None:
        problems.append(
            PackProblem(
                doc.name,
                doc.line(["id"]),
                "id",
                f"tenant id {profile.id!r} must be 2-40 lowercase letters, digits, '-' or '_'",
                "e.g. id: acme-auto",
            )
        )
    return profile


def _agent_files(root: Path) -> list[PackProblem]:
    from agents import tenant_validation as tv
    from guardrails.rails_config import load_rails

    out = []
    for p in tv.validate_tenant_dir(root, check_rails=load_rails):  # rails.yaml's schema is guardrails'
        out.append(PackProblem(shown(Path(p.file), root), p.line, p.field, p.message, p.fix))
    if not (root / "rails.yaml").is_file():
        out.append(
            PackProblem(
                shown(root / "rails.yaml", root),
                0,
                "",
                "file missing: the copilot needs its policy rails to start",
                "create rails.yaml (`copilot tenant init` scaffolds one; see docs/tenant-pack.md#rails)",
            )
        )
    return out


def _crm(root: Path, profile: Profile) -> list[PackProblem]:
    from contract.errors import CopilotError
    from knowledge.crm.csv_import import check_csv_dir
    from knowledge.crm.mapping import parse_mapping
    from knowledge.crm.signal_specs import load_signals

    problems: list[PackProblem] = []
    crm_dir = root / "crm"
    mapping_path = crm_dir / "mapping.yaml"
    if not mapping_path.is_file():
        return [
            PackProblem(
                shown(mapping_path, root),
                0,
                "",
                "missing CRM mapping",
                "write crm/mapping.yaml, or propose one: copilot tenant infer-mapping crm/ > crm/mapping.yaml",
            )
        ]
    doc = YamlDoc(mapping_path, root)
    if doc.problem is not None:
        return [doc.problem]
    try:
        mapping = parse_mapping(doc.data or {}, doc.name)
    except CopilotError as e:
        listed = e.details.get("problems")
        for p in listed if isinstance(listed, list) else []:
            path = list(p.get("path") or [])
            problems.append(
                PackProblem(
                    doc.name,
                    int(p.get("line") or doc.line(path)),
                    _dotted(path),
                    p["message"],
                    p.get("fix", ""),
                )
            )
        if not profile.crm.url:  # the data can still be checked against the columns the file names
            problems += _raw_header_check(doc.data, (root / profile.crm.csv).resolve(), root)
        return problems
    signals_path = crm_dir / "signals.yaml"
    if signals_path.is_file():
        sdoc = YamlDoc(signals_path, root)
        if sdoc.problem is not None:
            problems.append(sdoc.problem)
        else:
            try:
                load_signals(signals_path).check_mapping(mapping)
            except CopilotError as e:
                ids = re.findall(r"signal[s]? (?:\S+: )?(?:[^']*')?([a-z][a-z0-9_]+)", e.message)
                line = sdoc.find_line(ids[0]) if ids else 1
                msg = e.message.split(": ", 1)[-1] if e.message.startswith("signals ") else e.message
                problems.append(
                    PackProblem(
                        sdoc.name, line, "", msg[:400], "see docs/tenant-pack.md#signals for the types"
                    )
                )
    csv_dir = (root / profile.crm.csv).resolve()
    if profile.crm.url:
        problems += _live_crm(profile.crm.url, mapping, doc)
    elif not any(csv_dir.glob("*.csv")) and (root / "crm" / "generate.py").is_file():
        pass  # the pack generates its CRM (crm/generate.py); the mapping is checked when it has run
    elif any(csv_dir.glob("*.csv")):
        try:
            _, data_problems = check_csv_dir(csv_dir, mapping)
        except CopilotError as e:
            data_problems = [e.message]
        for text in data_problems:
            m = re.match(r"^(?P<file>[^:]+\.csv):(?P<line>\d+): (?P<msg>.*)$", text, re.S)
            if m:
                problems.append(PackProblem(shown(csv_dir / m["file"], root), int(m["line"]), "", m["msg"]))
            else:
                problems.append(PackProblem(doc.name, 0, "", text))
    else:
        problems.append(
            PackProblem(
                doc.name,
                0,
                "",
                f"no CRM data: no CSVs in {shown(csv_dir, root)} and no `crm.url` in profile.yaml",
                "export one CSV per mapped table there, or set crm: {url: postgresql+psycopg://…}",
            )
        )
    return problems


def _raw_header_check(raw: Any, csv_dir: Path, root: Path) -> list[PackProblem]:
    """Columns a (broken) mapping names that its CSV lacks — so a bad mapping does not hide the data's problems."""
    out: list[PackProblem] = []
    entities = raw.get("entities") if isinstance(raw, dict) else None
    if not isinstance(entities, dict):
        return out
    headers: dict[str, set[str] | None] = {}
    for name, ent in entities.items():
        if not isinstance(ent, dict) or not isinstance(ent.get("table"), str):
            continue
        path = csv_dir / f"{ent['table']}.csv"
        if ent["table"] not in headers:
            if path.is_file():
                with path.open(encoding="utf-8-sig") as fh:
                    headers[ent["table"]] = {h.strip() for h in fh.readline().rstrip("\r\n").split(",")}
            else:
                headers[ent["table"]] = None
        header = headers[ent["table"]]
        if header is None:
            continue
        named: list[tuple[str, str]] = []
        for f, col in (ent.get("columns") or {}).items():
            named.append((f"{name}.columns.{f}", str(col)))
        for f, spec in (ent.get("extra") or {}).items():
            col = spec.get("column") if isinstance(spec, dict) else spec
            named.append((f"{name}.extra.{f}", str(col)))
        for f, col in (ent.get("wide_metrics") or {}).items():
            named.append((f"{name}.wide_metrics.{f}", str(col)))
        for where, col in named:
            if col not in header:
                out.append(
                    PackProblem(
                        shown(path, root),
                        1,
                        "",
                        f"missing column {col} (mapping {where})",
                        "add the column to the CSV or remove the field from mapping.yaml",
                    )
                )
    return out


def _live_crm(url: str, mapping: Any, doc: YamlDoc) -> list[PackProblem]:
    from contract.errors import CopilotError
    from knowledge.crm.connector import create_readonly_engine

    try:
        engine = create_readonly_engine(url, statement_timeout_ms=5000)
        try:
            missing = mapping.missing_in(engine)
        finally:
            engine.dispose()
    except CopilotError as e:
        return [PackProblem(doc.name, 0, "", f"CRM database: {e.message}", "check crm.url in profile.yaml")]
    except Exception as e:  # an unreachable database is reported, not raised
        return [PackProblem(doc.name, 0, "", f"CRM database unreachable: {str(e)[:200]}", "check crm.url")]
    return [PackProblem(doc.name, doc.line(list(p.path)), _dotted(p.path), p.message, p.fix) for p in missing]


def _policies(root: Path) -> list[PackProblem]:
    from contract.errors import CopilotError
    from knowledge.policy.documents import DocumentMeta
    from knowledge.policy.loaders import load_file

    folder = root / "policies"
    if not folder.is_dir() or not any(p.suffix.lower() in POLICY_SUFFIXES for p in folder.rglob("*")):
        return [
            PackProblem(
                shown(folder, root),
                0,
                "",
                "no policy documents",
                "add Markdown / DOCX / PDF / HTML policies with front matter (doc_id, title, version …)",
            )
        ]
    mapped = _mapped_fields(root)
    problems: list[PackProblem] = []
    seen: dict[str, str] = {}
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in POLICY_SUFFIXES):
        name = shown(path, root)
        if path.name.endswith(".meta.yaml"):
            continue
        meta: DocumentMeta | None = None
        if path.suffix.lower() in (".md", ".markdown", ".txt"):
            text = path.read_text(encoding="utf-8", errors="replace")
            m = FRONT.match(text)
            if not m:
                problems.append(
                    PackProblem(
                        name, 1, "", "no front matter", "start with ---, doc_id:, title:, version:, ---"
                    )
                )
                continue
            try:
                node = yaml.compose(m.group(1), Loader=yaml.SafeLoader)
                values = yaml.safe_load(m.group(1)) or {}
            except yaml.MarkedYAMLError as e:
                line = (e.problem_mark.line + 2) if e.problem_mark is not None else 1
                problems.append(PackProblem(name, line, "front matter", f"YAML syntax: {e.problem}"))
                continue
            values.setdefault("doc_id", path.stem)
            try:
                meta = DocumentMeta(**values)
            except ValidationError as e:
                for err in e.errors(include_url=False):
                    loc = list(err["loc"])
                    line = 2
                    if isinstance(node, yaml.MappingNode) and loc:
                        key = next((v for k, v in node.value if getattr(k, "value", None) == loc[0]), None)
                        line = (key.start_mark.line + 2) if key is not None else 2
                    problems.append(
                        PackProblem(
                            name, line, _dotted(loc) or "front matter", _msg(err["msg"]), _meta_fix(loc)
                        )
                    )
                continue
        else:
            try:
                meta = load_file(path).meta  # type: ignore[attr-defined]
            except CopilotError as e:
                problems.append(PackProblem(name, 0, "", e.message))
                continue
            except Exception as e:  # a corrupt DOCX / PDF is a problem to report, not a crash
                problems.append(PackProblem(name, 0, "", f"cannot read: {str(e)[:200]}"))
                continue
        if meta is None:
            continue
        if meta.key in seen:
            problems.append(
                PackProblem(name, 2, "version", f"{meta.key} is also in {seen[meta.key]}", "bump the version")
            )
        seen.setdefault(meta.key, name)
        if meta.event_field and mapped is not None and meta.event_field not in mapped:
            problems.append(
                PackProblem(
                    name,
                    2,
                    "event_field",
                    f"{meta.event_field} is not a mapped CRM field",
                    "map it in crm/mapping.yaml (e.g. device.columns.installed_at) or fix the name",
                )
            )
    return problems


def _meta_fix(loc: list[Any]) -> str:
    if not loc:
        return "event_from / event_until need event_field: entity.field (e.g. device.installed_at)"
    return {
        "version": 'quote it: version: "1.3"',
        "effective_date": "YYYY-MM-DD",
        "expiry_date": "YYYY-MM-DD or null",
        "event_from": "YYYY-MM-DD",
        "event_until": "YYYY-MM-DD",
        "doc_id": "letters, digits, '.', '_' or '-'",
    }.get(str(loc[0]), "")


def _mapped_fields(root: Path) -> set[str] | None:
    """entity.field names the mapping maps (canonical and extra), or None when the mapping does not load."""
    try:
        from knowledge.crm.mapping import load_mapping

        m = load_mapping(root / "crm" / "mapping.yaml")
    except Exception:  # reported by the CRM check
        return None
    out: set[str] = set()
    for name, ent in m.entities.items():
        out.update(f"{name}.{f}" for f in ent.columns)
        out.update(f"{name}.{f}" for f in ent.extra)
        out.update(f"{name}.extra.{f}" for f in ent.extra)
    return out


def suite_paths(root: Path, profile: Profile) -> list[Path]:
    """The pack's eval suites: profile `evals:`, else evals/*.yaml|jsonl inside the pack."""
    if profile.evals:
        return [(root / p).resolve() for p in profile.evals]
    folder = root / "evals"
    return (
        sorted([*folder.glob("*.yaml"), *folder.glob("*.yml"), *folder.glob("*.jsonl")])
        if folder.is_dir()
        else []
    )


def _plugin_checks(root: Path, profile: Profile) -> list[PackProblem]:
    """Checks other packages register (entry point group `copilot.tenant_checks`): the evaluator's suite schema check.
    One that cannot be loaded is skipped (logged), one that fails is a problem: validation never ends in a traceback."""
    from copilot.plugins import TENANT_CHECKS, plugins

    problems: list[PackProblem] = []
    for plugin in plugins(TENANT_CHECKS):
        if not plugin.loaded or not callable(plugin.obj):
            continue
        try:
            problems += plugin.obj(root, profile)
        except Exception as e:  # a check's own bug is reported, not raised
            problems.append(
                PackProblem(root.name, 0, plugin.name, f"check {plugin.target} failed: {e}"[:300])
            )
    return problems


def _tools(root: Path) -> list[PackProblem]:
    """tools.yaml against the reasoning engine's schema (when that module is present)."""
    path = root / "tools.yaml"
    if not path.is_file():
        return []
    doc = YamlDoc(path, root)
    if doc.problem is not None:
        return [doc.problem]
    if doc.data is not None and not isinstance(doc.data, dict):
        return [PackProblem(doc.name, 1, "", "must be a YAML mapping", "top-level `intents:`")]
    try:
        from agents.reasoning.config import ToolsConfig
    except ImportError:  # the reasoning engine is optional for validation
        return []
    try:
        ToolsConfig.model_validate(doc.data or {})
    except ValidationError as e:
        return [
            PackProblem(
                doc.name,
                doc.line(list(err["loc"])),
                _dotted(list(err["loc"])),
                _msg(err["msg"]),
                "tools.yaml is `intents: {intent: [{id, tool, doc, clause, …}]}`",
            )
            for err in e.errors(include_url=False)
        ]
    return []


def _signal_ids(root: Path) -> set[str] | None:
    path = root / "crm" / "signals.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return None
    specs = list(raw.get("hq") or [])
    for more in (raw.get("business_units") or {}).values():
        specs += list(more or [])
    return {str(s.get("id")) for s in specs if isinstance(s, dict)}


def _customer_fields(root: Path) -> set[str] | None:
    fields = _mapped_fields(root)
    if fields is None:
        return None
    out = {f.split(".", 1)[1] for f in fields if f.startswith("customer.")}
    from knowledge.crm.mapping import load_mapping

    try:  # the company's own column names count too
        out |= set(load_mapping(root / "crm" / "mapping.yaml").entities["customer"].all_columns().values())
    except Exception:  # reported by the CRM check
        return None
    return out | {"customer_id", "name", "tier", "owner_rep", "business_unit", "region"}


def _cross_refs(root: Path, profile: Profile) -> list[PackProblem]:
    """Names one file uses that another must define: a signal id in actions / rules / suites that signals.yaml does
    not declare never fires; a rule's customer field the mapping does not read is never true; a suite expecting an
    intent, action or document the pack does not have can never pass."""
    problems: list[PackProblem] = []
    signals = _signal_ids(root)
    customer = _customer_fields(root)
    docs: dict[str, Any] = {}
    for name in ("actions.yaml", "playbooks.yaml", "intents.yaml"):
        path = root / name
        if path.is_file():
            doc = YamlDoc(path, root)
            if doc.problem is None and isinstance(doc.data, dict):
                docs[name] = doc
    intents = (
        {str(i.get("name")) for i in (docs["intents.yaml"].data.get("intents") or [])}
        if "intents.yaml" in docs
        else None
    )
    actions = (
        {str(a.get("name")) for a in (docs["actions.yaml"].data.get("actions") or [])}
        if "actions.yaml" in docs
        else None
    )

    def unknown_signal(doc: YamlDoc, where: list[Any], ids: Any) -> None:
        if signals is None or not isinstance(ids, list):
            return
        for sid in ids:
            if str(sid) not in signals:
                problems.append(
                    PackProblem(
                        doc.name,
                        doc.line(where),
                        _dotted(where),
                        f"signal {sid!r} is not declared in crm/signals.yaml, so it never fires",
                        f"declare it there, or use one of: {', '.join(sorted(signals)) or '(none declared)'}",
                    )
                )

    if "actions.yaml" in docs:
        d = docs["actions.yaml"]
        for i, a in enumerate(d.data.get("actions") or []):
            if isinstance(a, dict):
                unknown_signal(d, ["actions", i, "signals"], a.get("signals"))
    if "playbooks.yaml" in docs:
        d = docs["playbooks.yaml"]
        for i, pb in enumerate(d.data.get("playbooks") or []):
            for j, rule in enumerate((pb or {}).get("rules") or []):
                when = (rule or {}).get("when") or {}
                if not isinstance(when, dict):
                    continue
                base = ["playbooks", i, "rules", j, "when"]
                unknown_signal(d, [*base, "signals_all"], when.get("signals_all"))
                unknown_signal(d, [*base, "signals_none"], when.get("signals_none"))
                for field in when.get("customer") or {}:
                    if customer is not None and str(field) not in customer:
                        problems.append(
                            PackProblem(
                                d.name,
                                d.line([*base, "customer", field]),
                                _dotted([*base, "customer", field]),
                                f"customer field {field!r} is not read from the CRM, so this condition is never true",
                                "map it in crm/mapping.yaml (customer.columns or customer.extra)",
                            )
                        )
    doc_ids = _policy_ids(root)
    for path in suite_paths(root, profile):
        if not path.is_file():
            continue
        sdoc = YamlDoc(path, root)
        if sdoc.problem is not None or not isinstance(sdoc.data, dict):
            continue
        for i, case in enumerate(sdoc.data.get("cases") or []):
            if not isinstance(case, dict):
                continue
            expects = [(["cases", i, "expect"], case.get("expect") or {})]
            expects += [
                (["cases", i, "turns", k, "expect"], t.get("expect") or {})
                for k, t in enumerate(case.get("turns") or [])
                if isinstance(t, dict)
            ]
            for where, exp in expects:
                if not isinstance(exp, dict):
                    continue
                if (
                    intents is not None
                    and exp.get("intent")
                    and str(exp["intent"]) not in intents | {"out_of_scope"}
                ):
                    problems.append(
                        PackProblem(
                            sdoc.name,
                            sdoc.line([*where, "intent"]),
                            _dotted([*where, "intent"]),
                            f"intent {exp['intent']!r} is not in intents.yaml",
                            "fix the name",
                        )
                    )
                for k, a in enumerate(exp.get("actions") or []):
                    action_name = a.get("name") if isinstance(a, dict) else None
                    if actions is not None and action_name and str(action_name) not in actions:
                        problems.append(
                            PackProblem(
                                sdoc.name,
                                sdoc.line([*where, "actions", k]),
                                _dotted([*where, "actions", k]),
                                f"action {action_name!r} is not in actions.yaml",
                                "fix the name",
                            )
                        )
                for k, d in enumerate(exp.get("documents") or []):
                    did = d.get("doc_id") if isinstance(d, dict) else None
                    if doc_ids is not None and did and str(did) not in doc_ids:
                        problems.append(
                            PackProblem(
                                sdoc.name,
                                sdoc.line([*where, "documents", k]),
                                _dotted([*where, "documents", k]),
                                f"document {did!r} is not among the pack's policies",
                                "fix the doc_id",
                            )
                        )
                unknown_signal(sdoc, [*where, "signals"], exp.get("signals"))
    return problems


def _policy_ids(root: Path) -> set[str] | None:
    folder = root / "policies"
    if not folder.is_dir():
        return None
    out: set[str] = set()
    for path in folder.rglob("*"):
        if path.suffix.lower() not in POLICY_SUFFIXES:
            continue
        text = (
            path.read_text(encoding="utf-8", errors="ignore")
            if path.suffix.lower() in (".md", ".txt")
            else ""
        )
        m = FRONT.match(text)
        values: Any = None
        if m:
            try:
                values = yaml.safe_load(m.group(1))
            except yaml.YAMLError:
                values = None
        sidecar = path.with_name(path.name + ".meta.yaml")
        if values is None and sidecar.is_file():
            try:
                values = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
            except yaml.YAMLError:
                values = None
        out.add(str(values.get("doc_id")) if isinstance(values, dict) and values.get("doc_id") else path.stem)
    return out


def collapse(problems: list[PackProblem]) -> list[PackProblem]:
    """The same problem repeated over a list (45 intents without examples) is one line saying how many."""
    groups: dict[tuple[str, str, str], list[PackProblem]] = defaultdict(list)
    for p in problems:
        shape = re.sub(r"'[^']*'", "'…'", p.message)  # the same message about another item
        groups[(p.file, re.sub(r"\[\d+\]", "[*]", p.field), shape)].append(p)
    out = []
    for (_, field, _), items in groups.items():
        first = items[0]
        if len(items) == 1:
            out.append(first)
        else:
            lines = ", ".join(str(p.line) for p in items[:6]) + (" …" if len(items) > 6 else "")
            out.append(
                PackProblem(
                    first.file,
                    first.line,
                    field,
                    f"{first.message} ({len(items)}×, lines {lines})",
                    first.fix,
                )
            )
    return out


def validate_pack(root: Path) -> list[PackProblem]:
    """Every problem in the pack, in file order; [] = the pack is valid."""
    root = Path(root).resolve()
    if not root.is_dir():
        return [PackProblem(str(root), 0, "", "not a folder", "pass the tenant pack's folder")]
    problems: list[PackProblem] = []
    profile = load_profile(root, problems)
    problems += _agent_files(root)
    problems += _tools(root)
    problems += _crm(root, profile)
    problems += _policies(root)
    problems += _plugin_checks(root, profile)
    problems += _cross_refs(root, profile)
    order = {name: i for i, name in enumerate(dict.fromkeys(p.file for p in problems))}
    return collapse(sorted(problems, key=lambda p: (order[p.file], p.line)))
