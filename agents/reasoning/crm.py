"""This customer's CRM data as typed fields for the tools, read from what ground_customer put in the state: the
customer 360 (devices, contracts, last purchases, profile) and the CUSTOMER_FACT evidence (quarterly purchase amounts,
contacts). Each value comes with the evidence id it rests on, so a computed fact's lineage can name it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from contract.evidence import Evidence, EvidenceKind

EXTRA = "x_"  # knowledge.crm.queries.EXTRA_PREFIX: how mapped extra fields appear in the 360's entity rows
CONTACT = re.compile(r"^联系人 = (?P<name>[^（(]+)(?:[（(](?P<title>[^）)]*)[）)])?")


class MissingField(LookupError):
    """A CRM field the tool needs is absent or ambiguous: the answer falls back to citing the clause."""


@dataclass(frozen=True)
class FieldValue:
    path: str  # "device.installed_at"
    value: Any
    evidence_id: str = ""
    label: str = ""  # "设备 CA-2023-0815" — what the value belongs to


@dataclass(frozen=True)
class Contact:
    name: str
    title: str
    evidence_id: str
    salutation: str = ""  # how the CRM says to address them (韩经理, 王先生), when it records one


# the 360's profile facts by their titles (knowledge/crm labels): what `profile(name)` reads when the 360 dict lacks it
PROFILE_LABELS = {
    "kind": "客户类型",
    "tier": "客户等级",
    "region": "区域",
    "city": "城市",
    "name": "客户名称",
    "industry": "行业",
}


@dataclass(frozen=True)
class Product:
    """A product of the CRM's price list that a message names: its name, code (型号), kind (品类) and list price."""

    name: str
    code: str
    kind: str
    price: FieldValue
    kind_evidence_id: str = ""

    def label(self) -> str:
        return f"{self.name}（{self.code}）" if self.code and self.code not in self.name else self.name


def _squash(s: str) -> str:
    return re.sub(r"[\s·.\-]", "", s).upper()


def _code_written(code: str, text: str) -> bool:
    """A product code («AB-10») written as a code: on its own (no letter or digit next to it), its letters and digits
    joined or split by a hyphen or dot in any case, or by a space only in capitals (English "order of 10" is no «AB-10»)."""
    m = re.fullmatch(r"([A-Za-z]+)[\s·.\-]*(\d+[A-Za-z]?)", code)
    if m is None:
        return True
    letters, digits = re.escape(m.group(1)), re.escape(m.group(2))
    edge = r"(?<![A-Za-z0-9]){}(?!\d)(?![A-Za-z](?!\d))"  # («FL-9x40»: a count after it is no part of it)
    return bool(
        re.search(edge.format(rf"{letters}[·.\-]?{digits}"), text, re.IGNORECASE)
        or re.search(edge.format(rf"{letters}\s+{digits}"), text)
    )


TAIL = 6  # the characters of a long identifier (a VIN) a customer reads out when asked for "the last few"
LONG_ID = 12  # an identifier at least this long is named by its tail


def _names_device(device: dict[str, Any], text: str) -> bool:
    """The message writes one of the device's values (its plate, VIN, a code it records; case, spaces and separators
    aside), or the last characters of a long one (a VIN's tail) standing alone as a token."""
    squashed = _squash(text)
    for value in device.values():
        for v in value if isinstance(value, list) else [value]:
            if not isinstance(v, str) or len(v) < 5:
                continue
            if _squash(v) in squashed:
                return True
            # a registration said without its region prefix ("AB12C那台" for 沪Z·AB12C): the part after the
            # separator, at least 5 characters, standing alone (all letters: as written, in capitals, so an English
            # word is never read as one)
            _, sep, local = v.rpartition("·")
            digits = bool(re.search(r"\d", local))
            if (
                sep
                and len(local) >= 5
                and re.search(
                    rf"(?<![0-9A-Za-z]){re.escape(local.upper())}(?![0-9A-Za-z])",
                    text.upper() if digits else text,
                )
            ):
                return True
            tail = _squash(v)[-TAIL:]
            if (
                len(_squash(v)) >= LONG_ID
                and re.search(r"\d", tail)
                and re.search(rf"(?<![0-9A-Za-z]){re.escape(tail)}(?![0-9A-Za-z])", text.upper())
            ):
                return True
    return False


# a delivery year (and month): "2024年6月", "去年3月", and a two-digit year only before a month ("24年8月")
DELIVERY_WHEN = re.compile(
    r"(20\d{2}\s*年|(?<!\d)\d{2}\s*年(?=\s*\d{1,2}\s*月)|去年|今年|前年)\s*(?:(\d{1,2})\s*月)?"
)
RELATIVE_YEAR = {"今年": 0, "去年": 1, "前年": 2}
# a limiting word right after the year ("去年就4台", "今年才买了2台", "去年只提了3辆"): a volume, not a batch
VOLUME_AFTER = re.compile(r"\s*(?:就|才|只|仅|一共|总共|共)")
RELATIVE_MONTH = {"上个月": 1, "上月": 1, "这个月": 0, "本月": 0}


# a year said of an order still to be placed ("今年要是再订两台", "明年打算换"): it picks no delivered batch
FUTURE_AFTER = re.compile(r"\s*(?:要是|如果|假如|打算|准备|计划|想要?|还要|还想|再[订买补提要])")
# the first or the last of their deliveries ("最早那批", "头一批", "the earliest batch"; "最近那批", "最新提的")
FIRST_BATCH = re.compile(
    r"(?:最早|最老|最先)(?:那|的|一批|提|交|买|到)|头一批|第一批|earliest|oldest|first batch", re.IGNORECASE
)
LAST_BATCH = re.compile(
    r"(?:最近|最新|最晚)(?:那|的那|一批|提|交|买|到)|最后一批|latest batch|newest|most recent batch|last batch",
    re.IGNORECASE,
)


def _ordinal_batch(devices: list[dict[str, Any]], text: str) -> list[dict[str, Any]] | None:
    """The devices of the first or the last delivery day, when the message asks for that one batch and not both."""
    first, last = bool(FIRST_BATCH.search(text)), bool(LAST_BATCH.search(text))
    days = sorted({str(d.get("installed_at", ""))[:10] for d in devices} - {""})
    if first == last or len(days) < 2:
        return None
    day = days[0] if first else days[-1]
    return [d for d in devices if str(d.get("installed_at", ""))[:10] == day]


def _dated(devices: list[dict[str, Any]], text: str, today: date | None = None) -> list[dict[str, Any]]:
    """The devices delivered in the years (and months) the message names ("2020年的X7", "一批去年3月、一批去年11月"),
    when that narrows the list; otherwise all of them (a date about something else must not empty the list)."""
    prefixes = []
    for m in DELIVERY_WHEN.finditer(text or ""):
        if VOLUME_AFTER.match(text[m.end() :]):
            continue  # "去年就4台" says how much was bought that year, it does not pick that year's batch
        if FUTURE_AFTER.match(text[m.end() :]):
            continue  # "今年要是再订两台" is an order to come, not the batch delivered this year
        word = m.group(1).replace(" ", "")
        if word in RELATIVE_YEAR:
            if today is None:
                continue
            year = str(today.year - RELATIVE_YEAR[word])
        else:
            year = word.rstrip("年")
            year = f"20{year}" if len(year) == 2 else year
        prefixes.append(year + (f"-{int(m.group(2)):02d}" if m.group(2) else ""))
    if today is not None:  # "上个月新提的那8台" / "这个月交的"
        for word, back in RELATIVE_MONTH.items():
            if word in (text or ""):
                y, m0 = divmod(today.year * 12 + today.month - 1 - back, 12)
                prefixes.append(f"{y}-{m0 + 1:02d}")
    # "去年（2025年9月）": a year said beside a month of that year is that month, not the whole year
    prefixes = [p for p in prefixes if not any(q != p and q.startswith(p) for q in prefixes)]
    hit = [d for d in devices if any(str(d.get("installed_at", "")).startswith(p) for p in prefixes)]
    if not prefixes:
        return _ordinal_batch(devices, text or "") or devices
    return hit if hit and len(hit) < len(devices) else devices


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


class CrmRecord:
    def __init__(self, crm: dict[str, Any], evidence: list[Evidence], *, today: date) -> None:
        self.crm, self.today = crm, today
        self.facts = [e for e in evidence if e.kind is EvidenceKind.CUSTOMER_FACT]
        # the assets an earlier turn narrowed the conversation to (agents.reasoning.followup); None = all of them
        self.device_scope: frozenset[str] | None = None
        # the pack's words for an asset described by a field's extreme (tools.yaml described_assets): objects with
        # `field`, `most`, `least`
        self.described: tuple[Any, ...] = ()

    def _described(self, devices: list[dict[str, Any]], text: str) -> dict[str, Any] | None:
        """The one asset the message describes by a field's extreme ("跑得最多那台": the highest odometer among
        `devices`), or None when it describes none, or the extreme is shared."""
        low = (text or "").lower()
        for d in self.described:
            most = any(w.lower() in low for w in d.most)
            least = any(w.lower() in low for w in d.least)
            if most == least:
                continue
            valued = []
            for dev in devices:
                raw = dev.get(d.field, dev.get(EXTRA + d.field))
                try:
                    valued.append((Decimal(str(raw)), dev))
                except (InvalidOperation, ValueError):
                    continue
            if not valued:
                continue
            pick = max(v for v, _ in valued) if most else min(v for v, _ in valued)
            found = [dev for v, dev in valued if v == pick]
            return found[0] if len(found) == 1 else None
        return None

    @property
    def available(self) -> bool:
        return bool(self.crm.get("customer_id"))

    # ---- profile ---------------------------------------------------------------------------------------------
    def profile(self, name: str) -> FieldValue:
        value = self.crm.get(name)
        if value in (None, ""):
            value = self._profile_fact(name)
        if value in (None, ""):
            raise MissingField(f"缺少 CRM 字段 customer.{name}")
        return FieldValue(f"customer.{name}", value, self._fact_id(name))

    def entity_fact(self, entity: str, attribute: str) -> FieldValue | None:
        """A 360 fact by its entity and attribute ("rep", "position": the owning rep's 岗位), or None."""
        for e in self.facts:
            if (
                e.source_ids.get("entity") == entity
                and e.source_ids.get("attribute") == attribute
                and " = " in e.content
            ):
                value = e.content.split(" = ", 1)[1].split("（")[0].strip()
                if value:
                    return FieldValue(f"{entity}.{attribute}", value, e.id)
        return None

    def _profile_fact(self, name: str) -> str:
        for e in self.facts:
            if e.title == PROFILE_LABELS.get(name) and " = " in e.content:
                return e.content.split(" = ", 1)[1].split("（")[0].strip()
        return ""

    def _fact_id(self, name: str) -> str:
        return next((e.id for e in self.facts if e.title == PROFILE_LABELS.get(name)), "")

    def contacts(self, text: str = "") -> list[Contact]:
        """The customer's contacts (the CRM's order), the one named in the message first; a `salutation` the CRM
        records (an extra field, e.g. 韩经理) is how they are addressed."""
        salutations: dict[str, str] = {}
        for e in self.facts:
            values = (e.lineage or {}).get("values") or {}
            if e.source_ids.get("attribute") == "salutation" and values.get("salutation"):
                salutations[e.source_ids.get("row_key", "")] = str(values["salutation"])
        out = []
        for e in self.facts:
            if e.title == "联系人" and (m := CONTACT.match(e.content)):
                row_key = e.source_ids.get("row_key", "")
                out.append(
                    Contact(m["name"].strip(), (m["title"] or "").strip(), e.id, salutations.get(row_key, ""))
                )
        return _writer_first(out, text)

    # ---- entities with dates -----------------------------------------------------------------------------------
    def device_group(self, hints: list[str], text: str = "") -> list[dict[str, Any]]:
        """Every asset the message may mean: the one it names, else those matching its hints (a model) and the
        delivery year/month it names ("2020年的X7", "2024年6月批次") — a batch of one fleet order shares its dates."""
        named = self.named_devices(text)
        if len(named) > 1:
            return named  # «1. 沪·AB12C 2. 沪·CD34E …各到哪天»: the assets the message lists, each by its own value
        try:
            return [self.device(hints, text)]
        except MissingField:
            pass
        devices = _dated(self._devices(), text, self.today)
        if hints:
            devices = [
                d
                for d in devices
                if any(
                    h and (h in str(d.get("name", "")) or h == str(d.get("product_id", ""))) for h in hints
                )
            ]
        if not devices:
            raise MissingField("CRM 中没有与消息相符的设备/资产记录")
        return devices

    def named_devices(self, text: str) -> list[dict[str, Any]]:
        """The customer's assets the message names by one of their own values (a plate, a VIN or its tail), in the
        order the CRM lists them; one record per asset."""
        if not text:
            return []
        out: dict[str, dict[str, Any]] = {}
        for d in self._devices():
            if _names_device(d, text):
                out.setdefault(str(d.get("id") or len(out)), d)
        return list(out.values())

    def _devices(self) -> list[dict[str, Any]]:
        every = [dict(d) for d in self.crm.get("devices") or []]
        if self.device_scope is None:
            return every
        return [d for d in every if str(d.get("id", "")) in self.device_scope] or every

    def all_devices(self) -> list[dict[str, Any]]:
        """Every asset of the customer, whatever scope the conversation narrowed to."""
        return [dict(d) for d in self.crm.get("devices") or []]

    def device(self, hints: list[str], text: str = "") -> dict[str, Any]:
        devices: list[dict[str, Any]] = self._devices()
        if not devices:
            raise MissingField("CRM 中没有该客户的设备/资产记录")
        devices = _dated(devices, text, self.today)
        # a value of the device written in the message (its plate, VIN or the VIN's last characters, a fault code it
        # records) names it — before an open ticket whose subject only shares the model: the customer's own
        # identifier outranks a guess from another vehicle's ticket
        by_value = [d for d in devices if text and _names_device(d, text)]
        if len(by_value) == 1:
            return by_value[0]
        hit = [
            d
            for d in devices
            if any(
                h
                and (
                    h in str(d.get("id", ""))
                    or h in str(d.get("name", ""))
                    or h == str(d.get("product_id", ""))
                )
                for h in hints
            )
        ]
        # described rather than named ("X7里跑得最多那台"): the extreme among those the hints name, else among
        # those of the model the message writes, else all — the customer's description before a ticket's guess
        if self.described:
            # (a short model hint is matched on the name: "Z5" may sit inside a serial number)
            pool = [
                d
                for d in hit
                if any(
                    h and (h in str(d.get("name", "")) or h == str(d.get("product_id", ""))) for h in hints
                )
            ] or [
                d
                for d in devices
                if any(c in text for c in re.findall(r"[A-Z]{1,3}\d{1,3}[A-Z]?", str(d.get("name", ""))))
            ]
            described = self._described(pool or devices, text)
            if described is not None:
                return described
        # an open ticket naming the hint (an alarm code) points at its device
        linked = {
            str(t.get("device_id"))
            for t in self.crm.get("open_tickets") or []
            if t.get("device_id") and any(h and h in str(t.get("subject", "")) for h in hints)
        }
        by_ticket = [d for d in devices if str(d.get("id")) in linked]
        if len(by_ticket) == 1:
            return by_ticket[0]
        # the device's name (without its model code) written in the message
        named = [
            d
            for d in devices
            if text and (n := re.sub(r"\s*[A-Z]{1,4}-?\d[\w.-]*$", "", str(d.get("name", "")))) and n in text
        ]
        if hints:
            if len(hit) == 1:
                return hit[0]
            if len(hit) > 1:
                raise MissingField(f"有 {len(hit)} 台符合「{'、'.join(hints)}」的设备，无法确定是哪一台")
        if len(named) == 1:
            return named[0]
        if len(devices) == 1:
            return devices[0]
        raise MissingField(f"客户有 {len(devices)} 台设备，消息里没有指明型号或序列号")

    def device_field(self, field: str, hints: list[str], text: str = "") -> FieldValue:
        d = self.device(hints, text)
        value = d.get(field)
        if value in (None, ""):
            value = d.get(EXTRA + field)  # a field the tenant maps under `extra:` (knowledge/crm: x_<name>)
        if value in (None, ""):
            raise MissingField(f"缺少 CRM 字段 device.{field}（设备 {d.get('id', '?')}）")
        ev = (d.get("evidence_ids") or [""])[0]
        label = f"{d.get('name') or ''}（{d.get('id', '')}）" if d.get("name") else str(d.get("id", ""))
        return FieldValue(f"device.{field}", value, ev, label)

    def contract(self) -> dict[str, Any]:
        every: list[dict[str, Any]] = [dict(c) for c in self.crm.get("contracts") or []]
        contracts = [c for c in every if str(c.get("status", "active")) in ("active", "")]
        if contracts:
            return min(contracts, key=lambda c: str(c.get("end_date") or "9999"))
        if every:  # none active: the one that ended last (the customer asks about a lapsed contract)
            return max(every, key=lambda c: str(c.get("end_date") or ""))
        raise MissingField("CRM 中没有该客户的合同")

    def contract_field(self, field: str) -> FieldValue:
        c = self.contract()
        value = c.get(field)
        if value in (None, ""):
            raise MissingField(f"缺少 CRM 字段 contract.{field}")
        return FieldValue(f"contract.{field}", value, str(c.get("evidence_id", "")), str(c.get("id", "")))

    def date_field(self, path: str, hints: list[str], text: str = "") -> FieldValue:
        """A date at `entity.field`: device.installed_at, contract.start_date / end_date, order.order_date (last)."""
        entity, _, field = path.partition(".")
        if entity == "device":
            fv = self.device_field(field, hints, text)
        elif entity == "contract":
            fv = self.contract_field(field)
        elif entity in ("order", "purchase") and field in ("order_date", "last_date"):
            fv = self.last_purchase(hints[0] if hints else "")
        else:
            raise MissingField(f"不支持的日期字段 {path}")
        day = _date(fv.value)
        if day is None:
            raise MissingField(f"CRM 字段 {path} 不是日期：{fv.value!r}")
        return FieldValue(fv.path, day, fv.evidence_id, fv.label)

    # ---- purchases ---------------------------------------------------------------------------------------------
    def last_purchase(self, category: str = "") -> FieldValue:
        last = dict(self.crm.get("last_purchase") or {})
        if category:
            if category not in last:
                raise MissingField(f"CRM 中没有 {category} 的采购记录")
            day = last[category]
        elif last:
            category, day = max(last.items(), key=lambda kv: kv[1])
        else:
            raise MissingField("CRM 中没有采购记录")
        ev = next((e.id for e in self.facts if e.title == "最近采购" and e.content.startswith(category)), "")
        return FieldValue("order.order_date", day, ev, category)

    def quarter_amounts(self, quarter: str) -> dict[str, FieldValue]:
        """category → amount (Decimal 元) in a quarter ("2026Q3"), from the 季度采购金额 facts."""
        out = {}
        for e in self.facts:
            values = (e.lineage or {}).get("values") or {}
            if e.title == "季度采购金额" and values.get("quarter") == quarter:
                try:
                    amount = Decimal(str(values["amount"]))
                except (InvalidOperation, KeyError):
                    continue
                out[str(values["category"])] = FieldValue(
                    f"order_line.amount[{values['category']},{quarter}]",
                    amount,
                    e.id,
                    str(values["category"]),
                )
        return out

    def entity_records(self, entity: str) -> list[dict[str, Any]]:
        """Records of an entity the 360 gives only as facts (orders): one dict per row, its fields from the facts'
        lineage values, `evidence_ids` the facts it was read from."""
        rows: dict[str, dict[str, Any]] = {}
        for e in self.facts:
            if e.source_ids.get("entity") != entity or not e.source_ids.get("attribute"):
                continue
            key = e.source_ids.get("row_key", "")
            values = (e.lineage or {}).get("values") or {}
            attr = e.source_ids["attribute"]
            if attr in values:
                row = rows.setdefault(key, {"id": key, "evidence_ids": [], "evidence_by_field": {}})
                row[attr] = values[attr]
                row["evidence_ids"].append(e.id)
                row["evidence_by_field"][attr] = e.id
        for e in self.facts:  # a record's other facts (an order's date, read with its last purchase) join it
            key = e.source_ids.get("row_key", "")
            field_name = e.source_ids.get("field", "")
            values = (e.lineage or {}).get("values") or {}
            if key in rows and not e.source_ids.get("attribute") and field_name in values:
                row = rows[key]
                if field_name not in row:
                    row[field_name] = values[field_name]
                    row["evidence_ids"].append(e.id)
                    row["evidence_by_field"][field_name] = e.id
        return list(rows.values())

    def year_totals(self, category: str, year: int) -> tuple[Decimal, Decimal, list[str]]:
        """(units, amount 元, fact ids) bought in a calendar year in a category, from the quarterly purchase facts;
        a quarter without a fact bought nothing (the CRM read covers the year)."""
        units, amount, ids = Decimal(0), Decimal(0), []
        for e in self.facts:
            values = (e.lineage or {}).get("values") or {}
            if e.title != "季度采购金额" or values.get("category") != category:
                continue
            if not str(values.get("quarter", "")).startswith(f"{year}Q"):
                continue
            try:
                units += Decimal(str(values.get("quantity") or 0))
                amount += Decimal(str(values.get("amount") or 0))
            except InvalidOperation:
                continue
            ids.append(e.id)
        return units, amount, ids

    def year_quantity(self, category: str, year: int) -> tuple[Decimal, list[str]]:
        """Units bought in a calendar year in a category, from the quarterly purchase facts (0 for a quarter with no
        purchases: the CRM read covers the whole of last year)."""
        total, ids = Decimal(0), []
        for e in self.facts:
            values = (e.lineage or {}).get("values") or {}
            if e.title != "季度采购金额" or values.get("category") != category:
                continue
            if str(values.get("quarter", "")).startswith(f"{year}Q") and values.get("quantity") is not None:
                total += Decimal(str(values["quantity"]))
                ids.append(e.id)
        return total, ids

    def list_price(self, model: str) -> FieldValue:
        """A product's list price (a mapped product field, read as a fact) for the model the message names."""
        hits = []
        for e in self.facts:
            values = (e.lineage or {}).get("values") or {}
            if (
                e.source_ids.get("entity") == "product"
                and "list_price" in values
                and model
                and model in e.content
            ):
                hits.append(e)
        if len({str((h.lineage.get("values") or {}).get("list_price")) for h in hits}) != 1:
            raise MissingField(f"CRM 中找不到 {model} 的唯一指导价")
        value = Decimal(str(hits[0].lineage["values"]["list_price"]))
        return FieldValue("product.list_price", value, hits[0].id, model)

    def priced_model_in(self, text: str) -> str:
        """The model of a CRM-priced product that the message names (its name, or its model code such as X7), else the
        one product whose class the message names (its name's last word, the class after the code)."""
        found: list[str] = []
        classes: list[list[str]] = []
        for e in self.facts:
            if e.source_ids.get("entity") != "product" or "list_price" not in (
                (e.lineage or {}).get("values") or {}
            ):
                continue
            m = re.match(r"^产品 (.+?) \S+ = ", e.content)
            name = m.group(1) if m else ""
            for token in [name, *re.findall(r"[A-Z]{1,3}\d{1,3}[A-Z]?", name)]:
                if token and token in text:
                    found.append(token)
            kind = (
                name.split()[-1] if " " in name else ""
            )  # "XR-3 轻型搬运设备" → 轻型搬运设备: the class named
            if len(kind) >= 4 and kind in text:
                classes.append(re.findall(r"[A-Z]{1,3}\d{1,3}[A-Z]?", name)[:1] or [name])
        if found:
            return max(found, key=len)
        # only the class is named («同级的» + the class word): the one product of that class
        return classes[0][0] if len(classes) == 1 else ""

    def priced_codes_in(self, text: str) -> list[str]:
        """Every model code of a CRM-priced product the message writes (X7, Z5), in the order it first writes them."""
        at: dict[str, int] = {}
        for e in self.facts:
            if e.source_ids.get("entity") != "product" or "list_price" not in (
                (e.lineage or {}).get("values") or {}
            ):
                continue
            m = re.match(r"^产品 (.+?) \S+ = ", e.content)
            for code in re.findall(r"[A-Z]{1,3}\d{1,3}[A-Z]?", m.group(1) if m else ""):
                hit = re.search(rf"(?<![A-Za-z0-9]){re.escape(code)}(?![0-9])", text)
                if hit is not None:
                    at.setdefault(code, hit.start())
        return sorted(at, key=at.__getitem__)

    def named_product(self, text: str) -> Product | None:
        """The price-list product the message names by its code (FL-9, AC-2) or its full name, with its kind (品类):
        the CRM's product facts of one row (row_key) read together. None when none, or several equally long, are named."""
        rows: dict[str, dict[str, Evidence]] = {}
        for e in self.facts:
            if e.source_ids.get("entity") == "product" and e.source_ids.get("row_key"):
                rows.setdefault(str(e.source_ids["row_key"]), {})[str(e.source_ids.get("attribute", ""))] = e
        found: list[tuple[int, Product]] = []
        squashed = _squash(text)
        for facts in rows.values():
            price_ev = facts.get("list_price")
            if price_ev is None:
                continue
            values = {a: (e.lineage.get("values") or {}).get(a) for a, e in facts.items()}
            m = re.match(r"^产品 (.+?) \S+ = ", price_ev.content)
            name = m.group(1) if m else ""
            code = str(values.get("model_code") or "")
            hits = [
                len(t)
                for t in (code, name)
                if len(t) >= 3 and _squash(t) in squashed and (t != code or _code_written(code, text))
            ]
            if not hits:
                continue
            kind_ev = facts.get("product_kind")
            price = FieldValue("product.list_price", Decimal(str(values["list_price"])), price_ev.id, name)
            kind = str(values.get("product_kind") or "")
            found.append((max(hits), Product(name, code, kind, price, kind_ev.id if kind_ev else "")))
        if not found:
            return None
        found.sort(key=lambda x: -x[0])
        if len(found) > 1 and found[0][0] == found[1][0]:
            return None
        return found[0][1]

    def has_quarter_amounts(self) -> bool:
        return any(e.title == "季度采购金额" for e in self.facts)


# who writes introduces themselves ("我是采购部孙悦"); a colleague named in full is spoken of when the words around the
# name are a third person's ("孙悦让我问", "我替孙悦问", "孙悦出差了"): grammar words, not any tenant's
SELF_BEFORE = re.compile(
    r"(?:我是|我叫|本人|这里是|这边是|I'm|I am|this is|my name is)[^，,。！？!?\s]{0,8}$", re.I
)
THIRD_AFTER = re.compile(
    r"^(?:的|让|叫|要我|托|说|讲|出差|休假|请假|不在|在忙|没空|交代|安排|吩咐|那边|他|她|和|跟|也)"
)
THIRD_BEFORE = re.compile(r"(?:替|帮|代|给|跟|和|问问|转告|找|联系|通知|告诉)\s*$")


def _mentions(c: Contact, text: str) -> list[re.Match[str]]:
    return list(re.finditer(re.escape(c.name), text)) if c.name else []


def _introduced(c: Contact, text: str) -> bool:
    """The message's writer says who they are: "我是…孙悦", "this is Sun Yue"."""
    return any(SELF_BEFORE.search(text[: m.start()]) for m in _mentions(c, text))


def _named(c: Contact, text: str) -> bool:
    """The message names this contact as its writer (self-introduced, or signed/addressed plainly), not as someone
    spoken of ("孙悦的同事", "孙悦让我问", "我替孙悦问")."""
    return any(
        SELF_BEFORE.search(text[: m.start()])
        or not (THIRD_AFTER.search(text[m.end() :]) or THIRD_BEFORE.search(text[: m.start()]))
        for m in _mentions(c, text)
    )


def _spoken_of(c: Contact, text: str) -> bool:
    """The message speaks of this contact in the third person: by their form of address ("赵经理这周休假，我替他问"),
    as someone's ("孙悦的同事"), or by name with a third person's words around it — nobody calls themselves 赵经理."""
    if _mentions(c, text) and not _named(c, text):
        return True
    return bool(c.salutation) and c.salutation in text and not _named(c, text)


def _writer_first(contacts: list[Contact], text: str) -> list[Contact]:
    """Who wrote, first: a contact the message names ("我是采购部孙悦") before the others, and a contact it speaks of
    in the third person last. Only the CRM's own contacts are ranked; the text picks among them."""
    if not text:
        return contacts
    writers = [c for c in contacts if _introduced(c, text)]
    writers += [c for c in contacts if c not in writers and _named(c, text)]
    others = [c for c in contacts if c not in writers and not _spoken_of(c, text)]
    return writers + others + [c for c in contacts if c not in writers and c not in others]
