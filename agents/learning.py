"""The copilot learns from its humans. A rejection with reason `wrong_intent` or `wrong_action` whose reason text names
the right intent / action (「应为 price_discount」, "intent: price_discount", or the label 价格与折扣) becomes a candidate
example; an admin reviews the candidates file (status: pending → approved / rejected) and applies it, which appends
the approved texts to the intent's (intents.yaml) or the action's (actions.yaml) `examples`.

A suggestion the rep accepted, or edited and sent, confirms the copilot's reading of the message: its intent becomes a
candidate example too (`source: accepted` / `edited`), reviewed the same way. Corrections alone teach only the hard
turns, which then pull in their neighbours' messages; confirmed typical turns keep each intent's examples balanced
(evals/learning_curve.py measures both on authors the pack never learned from). Confirmed examples are capped per
intent (CONFIRMED_CAP, the pack's own examples and this run's corrections counted first), so a busy intent cannot
crowd the others out.

No candidate (correction or confirmation) is taken from a message the injection guard flagged, from a text with the
masker's placeholders (<PERSON_1>) or personal data the masker missed (a plate, a phone or ID number), or from a text
already an example in the pack, nor from a message carrying an attached document's text (an image's OCR, a file:
the document's words would dominate the example; a quote sheet taught that way pulled the confirmations that follow
a quote to the price intent); a confirmation is not taken from a refused suggestion (accepting a refusal confirms
the refusal, not a reading of the message).

`copilot tenant learn` calls `collect_candidates` + `write_candidates`, then `apply_candidates`. Applying is idempotent
(an example already present is not added twice), keeps the files' comments (lines are inserted, not re-dumped), and
writes nothing when the result would not load."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import yaml

from agents.tenant import TenantConfig
from contract.errors import UserError

LEARNABLE = {"wrong_intent": "intent_example", "wrong_action": "action_example"}
CONFIRMING = {"accept": "accepted", "edit": "edited"}  # decision kinds that confirm the suggestion's intent
# At most this many examples per intent after confirmations (the pack's own and the corrections counted first).
CONFIRMED_CAP = 60
# Parts whose text is a document's (an image's OCR, a file's contents): it would dominate the example's meaning.
DOCUMENT_PARTS = frozenset({"image", "file"})
# The masker's placeholders (<CN_MOBILE_1>, <PERSON_2>), as agents.perception.masking.TOKEN_RE.
PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*_\d+>")
# Personal data the masker may have missed: a plate (province character, then 5-7 letters/digits, separators and
# transcript spaces allowed: 粤X·ABK12, 津 Q7JKL, 沪15XYZ, 粤A 7 X Y Z W), a plate's tail said alone (5-6 capitals and digits, two
# letters or more: QKL52; a fault code such as P0AA6 is not one), a vehicle identification number (17), a mobile /
# landline / ID / card / contract number (7+ digits; not a date 2026-11-18), an e-mail address.
PERSONAL_DATA = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]\s?[·.\-]?\s?[A-Z0-9](?:\s?[·.\-]?\s?[A-Z0-9]){4,6}"
    r"(?![A-Za-z0-9])"
    r"|(?<![A-Za-z0-9\-])(?=[A-Z0-9]*\d)(?=(?:\d*[A-Z]){2})(?![PCBU]\d[0-9A-F]{3}(?![A-Za-z0-9]))[A-Z0-9]{5,6}"
    r"(?![A-Za-z0-9\-])"
    r"|(?<![A-Za-z0-9])(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-HJ-NPR-Z0-9]{17}(?![A-Za-z0-9])"
    r"|(?<![\d\-])(?!\d{4}-\d{1,2}-\d{1,2})\d(?:[\s\-]?\d){6,}[0-9Xx]?(?!\d)"
    r"|[\w.+\-]+@[\w\-]+\.[\w.\-]+"
)
Status = Literal["pending", "approved", "rejected", "applied"]
STATUSES = ("pending", "approved", "rejected", "applied")
HEADER = (
    "# Candidate examples learned from reps' rejections (wrong intent / wrong action + the corrected value) and from\n"
    "# suggestions they accepted or edited and sent (source: accepted / edited: the intent read was confirmed).\n"
    "# Review each one: set `status: approved` to teach it, `status: rejected` to drop it, then apply\n"
    "# (`copilot tenant learn --apply`). Applied candidates are kept here with `status: applied`.\n"
)


class LedgerEntryLike(Protocol):
    kind: Any
    tenant: str
    suggestion_id: str
    reason_code: str
    actor: str
    created_at: str
    payload: dict[str, Any] | None


class LedgerReader(Protocol):
    def find(self, **filters: Any) -> list[Any]: ...


@dataclass
class Candidate:
    id: str
    kind: str  # intent_example | action_example
    text: str
    corrected: str
    predicted: str = ""
    suggestion_id: str = ""
    decided_by: str = ""
    decided_at: str = ""
    reason_text: str = ""
    status: str = "pending"
    source: str = "correction"  # correction | accepted | edited


@dataclass
class CollectReport:
    candidates: list[Candidate] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)  # {suggestion_id, why}


@dataclass
class ApplyReport:
    applied: list[Candidate] = field(default_factory=list)
    already_present: list[Candidate] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)


def candidate_id(kind: str, text: str, corrected: str) -> str:
    return "cand_" + hashlib.sha256(f"{kind}\x1f{text}\x1f{corrected}".encode()).hexdigest()[:12]


def corrected_value(reason_text: str, names: dict[str, str]) -> str:
    """The intent/action the rep says was right: a name (`price_discount`, `intent: price_discount`) or its Chinese
    label (价格与折扣). `names`: name → label. "" when the text names none, or more than one."""
    found = [n for n in names if re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", reason_text)]
    if not found:
        found = [n for n, label in names.items() if label and label in reason_text]
    return found[0] if len(set(found)) == 1 else ""


def _value(entry: Any, name: str) -> Any:
    return entry.get(name) if isinstance(entry, dict) else getattr(entry, name, None)


def injection_flagged(suggestion: dict[str, Any]) -> bool:
    """The injection guard flagged the message (the suggestion's flag, or its guard verdict other than allow)."""
    if "injection_suspected" in (suggestion.get("flags") or []):
        return True
    return any(
        ev.get("kind") == "guardrail_verdict"
        and (ev.get("source_ids") or {}).get("guard") == "injection"
        and str(ev.get("content", "allow")) != "allow"
        for ev in suggestion.get("evidence") or []
        if isinstance(ev, dict)
    )


def unteachable(text: str) -> str:
    """Why a message text must not become an example ("" when it may): personal data stays out of tenant files."""
    if PLACEHOLDER.search(text):
        return "masked personal data (placeholder) in the text"
    if PERSONAL_DATA.search(text):
        return "personal data (plate / number / e-mail) in the text"
    return ""


def collect_candidates(
    ledger: LedgerReader,
    tenant: TenantConfig,
    *,
    since: str | None = None,
    confirmed: bool = True,
    cap: int = CONFIRMED_CAP,
    queued: Iterable[Candidate] = (),
) -> CollectReport:
    """Candidate examples from the ledger's decisions for this tenant: `wrong_intent` / `wrong_action` rejections
    (corrections) and, with `confirmed`, accepted or edited-then-sent suggestions (their intent confirmed), at most
    `cap` examples per intent counting the pack's own, the candidates already `queued` for review (pending or
    approved, e.g. from another ledger) and the corrections first. The text is the masked message the suggestion was
    made for; see the module docstring for what is skipped."""
    report = CollectReport()
    intents = {i.name: i.label_zh for i in tenant.intents}
    actions = {a.name: a.label_zh for a in tenant.actions}
    present = {
        "intent_example": {x for i in tenant.intents for x in i.examples},
        "action_example": {x for a in tenant.actions for x in a.examples},
    }
    seen: set[str] = set()
    confirmations: list[Candidate] = []
    for entry in ledger.find(kind="decision", since=since):
        reason = str(_value(entry, "reason_code") or "")
        entry_tenant = str(_value(entry, "tenant") or "")
        payload = _value(entry, "payload") or {}
        decision = payload.get("decision") or {}
        source = CONFIRMING.get(str(decision.get("kind", ""))) if confirmed else None
        if (reason not in LEARNABLE and not source) or (entry_tenant and entry_tenant != tenant.tenant):
            continue
        sid = str(_value(entry, "suggestion_id") or decision.get("suggestion_id", ""))
        reason_text = str(decision.get("reason_text", ""))
        kind = LEARNABLE.get(reason, "intent_example")
        if not source:
            corrected = corrected_value(reason_text, intents if kind == "intent_example" else actions)
            if not corrected:
                report.skipped.append(
                    {"suggestion_id": sid, "why": f"reason text names no known value: {reason_text!r}"}
                )
                continue
        found = ledger.find(kind="suggestion", suggestion=sid)
        sug_payload = (_value(found[0], "payload") or {}) if found else {}
        text = str((sug_payload.get("inputs") or {}).get("masked_text", "")).strip()
        if not text:
            report.skipped.append(
                {"suggestion_id": sid, "why": "the suggestion's message text is not in the ledger"}
            )
            continue
        sug = sug_payload.get("suggestion") or {}
        intent_name = str((sug.get("intent") or {}).get("name", ""))
        if source:
            if "refused" in (sug.get("flags") or []):
                report.skipped.append({"suggestion_id": sid, "why": "a refusal confirms no reading"})
                continue
            if intent_name not in intents:
                report.skipped.append({"suggestion_id": sid, "why": f"no known intent: {intent_name!r}"})
                continue
            corrected = intent_name
        kinds = set((sug_payload.get("inputs") or {}).get("part_kinds") or [])
        why = (
            "the injection guard flagged the message"
            if injection_flagged(sug)
            else "an attached document's text (image / file) in the message"
            if kinds & DOCUMENT_PARTS
            else unteachable(text)
            or ("already an example in the pack" if text[:300] in present[kind] else "")
        )
        if why:
            report.skipped.append({"suggestion_id": sid, "why": why})
            continue
        predicted = (
            intent_name
            if kind == "intent_example"
            else ",".join(a.get("name", "") for a in sug.get("actions", []))
        )
        cid = candidate_id(kind, text, corrected)
        if cid in seen:
            continue
        seen.add(cid)
        cand = Candidate(
            id=cid,
            kind=kind,
            text=text[:300],
            corrected=corrected,
            predicted=predicted,
            suggestion_id=sid,
            decided_by=str(_value(entry, "actor") or ""),
            decided_at=str(_value(entry, "created_at") or ""),
            reason_text=reason_text[:200],
            source=source or "correction",
        )
        (confirmations if source else report.candidates).append(cand)
    count = {i.name: len(i.examples) for i in tenant.intents}
    waiting = [c for c in queued if c.status in ("pending", "approved")]
    for c in [*waiting, *report.candidates]:
        if c.kind == "intent_example":
            count[c.corrected] = count.get(c.corrected, 0) + 1
    queued_ids = {c.id for c in waiting}
    for c in confirmations:
        if c.id in queued_ids:
            continue
        if count.get(c.corrected, 0) >= cap:
            report.skipped.append(
                {"suggestion_id": c.suggestion_id, "why": f"{c.corrected} has {cap} examples (the cap)"}
            )
            continue
        count[c.corrected] = count.get(c.corrected, 0) + 1
        report.candidates.append(c)
    return report


def read_candidates(path: Path) -> list[Candidate]:
    if not path.is_file():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: not valid YAML ({exc})", reason="candidates_invalid") from exc
    out = []
    for i, raw in enumerate(data.get("candidates") or []):
        try:
            c = Candidate(**raw)
        except TypeError as exc:
            raise UserError(
                f"{path}: candidates[{i}] is malformed ({exc})", reason="candidates_invalid"
            ) from exc
        if c.status not in STATUSES:
            raise UserError(
                f"{path}: candidates[{i}].status is {c.status!r}; use one of {', '.join(STATUSES)}",
                reason="candidates_invalid",
            )
        out.append(c)
    return out


def write_candidates(
    candidates: Iterable[Candidate], path: Path, *, tenant: str, replace: bool = False
) -> list[Candidate]:
    """Merges new candidates into the reviewable file (reviewed statuses are kept unless `replace`); returns the
    merged list."""
    merged = {c.id: c for c in read_candidates(path)}
    for c in candidates:
        if replace:
            merged[c.id] = c
        else:
            merged.setdefault(c.id, c)
    rows = list(merged.values())
    path.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump(
        {"tenant": tenant, "candidates": [asdict(c) for c in rows]},
        allow_unicode=True,
        sort_keys=False,
        width=200,
    )
    path.write_text(HEADER + body, encoding="utf-8")
    return rows


_ITEM = re.compile(r"^(?P<indent>\s*)-\s+name:\s*(?P<name>[A-Za-z0-9_\-]+)\s*$")


def _insert_example(text: str, name: str, example: str) -> str | None:
    """Appends `example` to the `examples:` block list of the item `- name: <name>`; adds the key when missing.
    None when the layout is not the block style this can edit safely (then nothing is written)."""
    lines = text.splitlines(keepends=True)
    start = next(
        (i for i, ln in enumerate(lines) if (m := _ITEM.match(ln)) and m.group("name") == name), None
    )
    if start is None:
        return None
    item_indent = len(_ITEM.match(lines[start]).group("indent"))  # type: ignore[union-attr]
    key_indent = item_indent + 2
    end = len(lines)
    for i in range(start + 1, len(lines)):
        stripped = lines[i].strip()
        if (
            stripped
            and not stripped.startswith("#")
            and len(lines[i]) - len(lines[i].lstrip()) <= item_indent
        ):
            end = i
            break
    quoted = json.dumps(example, ensure_ascii=False)
    for i in range(start + 1, end):
        if re.match(rf"^\s{{{key_indent}}}examples:\s*(#.*)?$", lines[i].rstrip("\n")):
            last = i
            for j in range(i + 1, end):
                s = lines[j].strip()
                if s.startswith("- "):
                    last = j
                elif s and not s.startswith("#"):
                    break
            if last == i:
                item = " " * (key_indent + 2) + f"- {quoted}\n"
            else:
                item = lines[last][: len(lines[last]) - len(lines[last].lstrip())] + f"- {quoted}\n"
            if not lines[last].endswith("\n"):
                lines[last] += "\n"
            lines.insert(last + 1, item)
            return "".join(lines)
        flow = re.match(rf"^(\s{{{key_indent}}})examples:\s*(\[.*\])\s*(#.*)?$", lines[i].rstrip("\n"))
        if flow:  # a one-line flow list ([a, b]) becomes a block list with the new item last
            try:
                items = yaml.safe_load(flow.group(2))
            except yaml.YAMLError:
                return None
            if not isinstance(items, list):
                return None
            pad = " " * (key_indent + 2)
            block = [" " * key_indent + "examples:" + (f"  {flow.group(3)}" if flow.group(3) else "") + "\n"]
            block += [pad + f"- {json.dumps(str(x), ensure_ascii=False)}\n" for x in items]
            block.append(pad + f"- {quoted}\n")
            lines[i : i + 1] = block
            return "".join(lines)
        if re.match(rf"^\s{{{key_indent}}}examples:\s*\[", lines[i]):
            return None  # a flow list over several lines: not edited in place
    insert_at = end
    while insert_at > start + 1 and not lines[insert_at - 1].strip():
        insert_at -= 1
    if not lines[insert_at - 1].endswith("\n"):
        lines[insert_at - 1] += "\n"
    lines[insert_at:insert_at] = [" " * key_indent + "examples:\n", " " * (key_indent + 2) + f"- {quoted}\n"]
    return "".join(lines)


def apply_candidates(candidates_path: Path, tenant_dir: Path) -> ApplyReport:
    """Merges the approved candidates into the tenant's intents.yaml / actions.yaml examples, then marks them
    applied. Validates the result before writing: a pack that would not load is left untouched."""
    candidates = read_candidates(candidates_path)
    tenant = TenantConfig.load(tenant_dir)
    report = ApplyReport()
    files = {"intent_example": tenant_dir / "intents.yaml", "action_example": tenant_dir / "actions.yaml"}
    texts = {k: p.read_text(encoding="utf-8") for k, p in files.items()}
    existing = {
        "intent_example": {i.name: set(i.examples) for i in tenant.intents},
        "action_example": {a.name: set(a.examples) for a in tenant.actions},
    }
    for c in candidates:
        if c.status != "approved":
            continue
        if c.kind not in files:
            raise UserError(f"candidate {c.id}: unknown kind {c.kind!r}", reason="candidates_invalid")
        known = existing[c.kind]
        if c.corrected not in known:
            raise UserError(
                f"candidate {c.id}: {c.corrected!r} is not in the tenant's {files[c.kind].name}",
                reason="candidates_invalid",
            )
        if c.text in known[c.corrected]:
            report.already_present.append(c)
            c.status = "applied"
            continue
        edited = _insert_example(texts[c.kind], c.corrected, c.text)
        if edited is None:
            raise UserError(
                f"{files[c.kind]}: cannot add an example to {c.corrected!r} in place (write its `examples:` as a "
                "block list, one `- ` item per line)",
                reason="candidates_not_applicable",
            )
        texts[c.kind] = edited
        known[c.corrected].add(c.text)
        report.applied.append(c)
        c.status = "applied"
    if report.applied:
        _check_loads(tenant_dir, texts)
        for kind, path in files.items():
            if texts[kind] != path.read_text(encoding="utf-8"):
                path.write_text(texts[kind], encoding="utf-8")
                report.files_changed.append(str(path))
    if report.applied or report.already_present:
        write_candidates(candidates, candidates_path, tenant=tenant.tenant, replace=True)
    return report


def _check_loads(tenant_dir: Path, texts: dict[str, str]) -> None:
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / tenant_dir.name
        probe.mkdir()
        for name in ("intents.yaml", "actions.yaml", "playbooks.yaml", "entities.yaml", "vocabulary.yaml"):
            if (tenant_dir / name).is_file():
                shutil.copy(tenant_dir / name, probe / name)
        (probe / "intents.yaml").write_text(texts["intent_example"], encoding="utf-8")
        (probe / "actions.yaml").write_text(texts["action_example"], encoding="utf-8")
        TenantConfig.load(probe)  # raises the UserError listing what is wrong
