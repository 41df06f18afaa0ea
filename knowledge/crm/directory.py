"""Who does a mention in a question belong to? The directory resolves the handles people use for a customer — company
name (or its short form 「迅达物流」 for 「上海迅达物流有限公司」), a contact's or individual's name, a customer id, a VIN /
serial / plate, an order, contract or ticket number — to the customer id and its owning rep, so an ask about someone
else's customer can be refused before anything of theirs is read.

It returns ids and owners only (never a fact), reads only mapped columns (never a `never_read` one: a phone number is
therefore not a handle here; asks that look people up by phone are refused upstream), and is built once per CRM and
refreshed after `ttl_s`."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from knowledge.crm.connector import CrmConnector
from knowledge.crm.mapping import CrmMapping

# generic organisation suffixes (any industry) removed to get a company's short name
ORG_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "集团公司",
    "集团",
    "公司",
    "Co., Ltd.",
    "Co.,Ltd.",
    "Ltd.",
    "Ltd",
    "Inc.",
    "Inc",
    "LLC",
)
LONG_ID = 6
MIN_ORG_PREFIX = 4  # 「迅达物流」 names 「迅达物流有限公司」; three characters would also hit ordinary words
ID_FIELDS = {  # entity → the fields whose values are handles for the row's customer
    "order": ("id",),
    "contract": ("id",),
    "ticket": ("id",),
    "device": ("id",),
}
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SQUASH = re.compile(r"[\s·•\-_/]")


def squash(text: str) -> str:
    """Compare ids and plates the way people type them: no spaces, dots or dashes, upper case."""
    return _SQUASH.sub("", text).upper()


@dataclass(frozen=True)
class Hit:
    customer_id: str
    kind: str  # customer_name | contact_name | customer_id | order | contract | ticket | device | device.<extra>
    value: str  # the handle as written in the CRM
    owner_rep: str = ""
    owner_name: str = ""
    owner_team: str = ""  # the team's name when mapped, else its id


@dataclass(frozen=True)
class _Handle:
    key: str  # what is searched in the text
    customer_id: str
    kind: str
    value: str
    cjk: bool


class CustomerDirectory:
    def __init__(self, connector: CrmConnector, mapping: CrmMapping, *, ttl_s: float = 300.0) -> None:
        self.connector, self.mapping, self.ttl_s = connector, mapping, ttl_s
        self._handles: list[_Handle] = []
        self._owners: dict[str, tuple[str, str, str]] = {}
        self._loaded = -1.0
        self._lock = threading.Lock()

    # ---- loading ----------------------------------------------------------------------------------------------------
    def _rows(self, entity: str, fields: dict[str, str]) -> list[dict[str, Any]]:
        """`fields`: label → canonical field or `extra.<name>`; only mapped ones are read."""
        m = self.mapping
        if entity not in m.entities:
            return []
        ent = m.entities[entity]
        cols = []
        for label, f in fields.items():
            if f.startswith("extra."):
                extra = ent.extra.get(f.removeprefix("extra."))
                if extra is not None:
                    cols.append(m.raw_col(entity, extra.column).label(label))
            elif m.has(entity, f):
                cols.append(m.col(entity, f).label(label))
        if not cols:
            return []
        with self.connector.session() as s:
            return s.rows(select(*cols).select_from(m.table(entity)), {})

    def _load(self) -> None:
        handles: list[_Handle] = []
        owners: dict[str, tuple[str, str, str]] = {}
        reps = {
            str(r["id"]): (str(r.get("name") or ""), str(r.get("team_name") or r.get("team") or ""))
            for r in self._rows("rep", {"id": "id", "name": "name", "team": "team", "team_name": "team_name"})
            if r.get("id")
        }
        fields = {"id": "id", "name": "name", "owner": "owner_rep", "city": "city", "region": "region"}
        for r in self._rows("customer", fields):
            cid = str(r.get("id") or "")
            if not cid:
                continue
            owner = str(r.get("owner") or "")
            owners[cid] = (owner, *reps.get(owner, ("", "")))
            handles.append(_Handle(squash(cid), cid, "customer_id", cid, False))
            name = str(r.get("name") or "").strip()
            for key in name_keys(name, (str(r.get("city") or ""), str(r.get("region") or ""))):
                handles.append(_Handle(key, cid, "customer_name", name, bool(_CJK.search(key))))
        for r in self._rows("contact", {"cid": "customer_id", "name": "name"}):
            name, cid = str(r.get("name") or "").strip(), str(r.get("cid") or "")
            if cid and len(name) >= 2:
                handles.append(_Handle(name, cid, "contact_name", name, bool(_CJK.search(name))))
        for entity, id_fields in ID_FIELDS.items():
            if entity not in self.mapping.entities or not self.mapping.has(entity, "customer_id"):
                continue
            ent = self.mapping.entities[entity]
            wanted = {f"f_{f}": f for f in id_fields}
            # identifier-like extra columns (a plate, a serial): string values that carry a digit
            wanted |= {f"x_{k}": f"extra.{k}" for k, e in ent.extra.items() if e.type == "string"}
            for r in self._rows(entity, {"cid": "customer_id", **wanted}):
                cid = str(r.get("cid") or "")
                for label in wanted:
                    value = str(r.get(label) or "").strip()
                    if cid and len(squash(value)) >= 5 and any(c.isdigit() for c in value):
                        kind = entity if label.startswith("f_") else f"{entity}.{label[2:]}"
                        handles.append(_Handle(squash(value), cid, kind, value, False))
        self._handles, self._owners = handles, owners
        self._loaded = time.monotonic()

    def _fresh(self) -> None:
        with self._lock:
            if self._loaded < 0 or time.monotonic() - self._loaded > self.ttl_s:
                self._load()

    # ---- lookup -----------------------------------------------------------------------------------------------------
    def lookup(self, text: str) -> list[Hit]:
        """Every customer a handle in the text names, once each, in the order first named."""
        self._fresh()
        plain, upper, squashed = text, text.upper(), squash(text)
        found: dict[str, tuple[int, Hit]] = {}
        for h in self._handles:
            at = plain.find(h.key) if h.cjk else _id_at(upper, squashed, h.key)
            if at < 0:
                continue
            owner, owner_name, team = self._owners.get(h.customer_id, ("", "", ""))
            hit = Hit(h.customer_id, h.kind, h.value, owner, owner_name, team)
            if h.customer_id not in found or at < found[h.customer_id][0]:
                found[h.customer_id] = (at, hit)
        return [hit for _, hit in sorted(found.values(), key=lambda kv: kv[0])]


def _id_at(upper: str, squashed: str, key: str) -> int:
    """An id as a word of the text («K001», not inside «K0012»); a long one (≥ LONG_ID characters) also when typed
    with other spacing or dots («沪 7QR20», «SO 2611 009»), where a chance hit inside another word is unlikely."""
    at = _word_at(upper, key)
    if at < 0 and len(key) >= LONG_ID:
        at = squashed.find(key)
    return at


def _word_at(text: str, key: str) -> int:
    """Position of an id in the text, not inside a longer id (「K001」 is not in 「K0012」)."""
    start = 0
    while (at := text.find(key, start)) >= 0:
        before = text[at - 1] if at else ""
        after = text[at + len(key)] if at + len(key) < len(text) else ""
        if not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum()):
            return at
        start = at + 1
    return -1


def name_keys(name: str, places: tuple[str, ...] = ()) -> list[str]:
    """The full name, and for an organisation its short forms: without the legal suffix and the leading city/region
    (「上海迅达物流有限公司」 → 「迅达物流」), each prefix of at least MIN_ORG_PREFIX characters (「安途出租」 of
    「安途出租汽车」). A person's name (no suffix) is only itself."""
    name = name.strip()
    if len(name) < 2:
        return []
    core = name
    for suffix in ORG_SUFFIXES:
        if core.endswith(suffix) and len(core) > len(suffix) + 1:
            core = core[: -len(suffix)].strip()
            break
    if core == name:
        return [name]
    keys = [name, core]
    for place in sorted((p for p in places if p), key=len, reverse=True):
        for form in (place, place.rstrip("市省")):
            if form and core.startswith(form) and len(core) - len(form) >= 2:
                core = core[len(form) :]
                break
    keys.append(core)
    if _CJK.search(core):
        keys += [core[:n] for n in range(MIN_ORG_PREFIX, len(core))]
    return list(dict.fromkeys(k for k in keys if len(k) >= 2))
