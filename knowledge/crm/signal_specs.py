"""Signal declarations from YAML: HQ rules apply to every customer and no business unit may redefine them; each BU adds
its own rules for its customers. Parameters are typed per signal type and checked at start-up."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from contract.errors import UserError
from knowledge.crm.mapping import CrmMapping

HQ = "hq"


class NoPurchaseParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: str = Field(min_length=1)
    days: int = Field(gt=0)


class ContractExpiringParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: int = Field(gt=0)


class WarrantyParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: int = Field(gt=0)


class DaysSinceParams(BaseModel):
    """`field` = entity.field or entity.extra.name holding a date (device.extra.last_service_date, order.order_date);
    fires when it is more than `days` before today: `latest` = the newest value over the customer's rows (the customer
    has not done it for N days), `any` = any row (one asset overdue is enough)."""

    model_config = ConfigDict(extra="forbid")
    field: str = Field(pattern=r"^[a-z_]+\.(extra\.)?[A-Za-z_]\w*$")
    days: int = Field(gt=0)
    aggregate: Literal["latest", "any"] = "latest"

    @property
    def entity(self) -> str:
        return self.field.split(".", 1)[0]

    @property
    def attribute(self) -> str:
        return self.field.rsplit(".", 1)[1]

    @property
    def is_extra(self) -> bool:
        return ".extra." in self.field


DAYS_SINCE_SECTIONS = {
    "customer": "profile",
    "contact": "contacts",
    "order": "orders",
    "contract": "contracts",
    "ticket": "tickets",
    "device": "devices",
}


class TelemetryParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metric: str = Field(min_length=1)
    threshold: float
    consecutive_days: int = Field(ge=1, le=60)


class VolumeDropParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    window_days: int = Field(gt=0)
    drop_ratio: float = Field(gt=0, lt=1)
    baseline_days: int = Field(default=365, gt=0)
    min_baseline_orders: int = Field(default=3, ge=1)


PARAMS: dict[str, type[BaseModel]] = {
    "no_purchase_in_category": NoPurchaseParams,
    "contract_expiring": ContractExpiringParams,
    "telemetry_over_threshold": TelemetryParams,
    "order_volume_drop": VolumeDropParams,
    "warranty_expiring": WarrantyParams,
    "days_since": DaysSinceParams,
}
NEEDS_ENTITY = {
    "contract_expiring": "contract",
    "telemetry_over_threshold": "telemetry",
    "warranty_expiring": "device",
}


class SignalSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    type: Literal[
        "no_purchase_in_category",
        "contract_expiring",
        "telemetry_over_threshold",
        "order_volume_drop",
        "warranty_expiring",
        "days_since",
    ]
    title: str = ""
    params: dict[str, Any] = Field(default_factory=dict)
    customer_kinds: list[str] = Field(default_factory=list)  # empty = every kind
    business_unit: str = HQ

    @model_validator(mode="after")
    def _typed_params(self) -> SignalSpec:
        self.params = PARAMS[self.type].model_validate(self.params).model_dump()
        return self

    def typed(self) -> Any:
        return PARAMS[self.type].model_validate(self.params)


class SignalBook(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hq: list[SignalSpec] = Field(default_factory=list)
    business_units: dict[str, list[SignalSpec]] = Field(default_factory=dict)

    def for_customer(self, business_unit: str, kind: str) -> list[SignalSpec]:
        specs = [*self.hq, *self.business_units.get(business_unit, [])]
        return [s for s in specs if not s.customer_kinds or kind in s.customer_kinds]

    def all(self) -> list[SignalSpec]:
        return [*self.hq, *(s for specs in self.business_units.values() for s in specs)]

    @property
    def order_lookback_days(self) -> int:
        days = [365]
        for s in self.all():
            if s.type == "order_volume_drop":
                days.append(int(s.params["window_days"]) + int(s.params["baseline_days"]))
        return max(days)

    def telemetry_lookback_days(self, default: int) -> int:
        days = [
            int(s.params["consecutive_days"]) + 1 for s in self.all() if s.type == "telemetry_over_threshold"
        ]
        return max([default, *days])

    def check_mapping(self, m: CrmMapping) -> None:
        for s in self.all():
            need = NEEDS_ENTITY.get(s.type)
            if s.type == "warranty_expiring" and not m.has("device", "warranty_end"):
                raise UserError(
                    f"signal {s.id} (warranty_expiring) needs device.columns.warranty_end in the CRM mapping",
                    reason="crm_signals",
                )
            if s.type == "days_since":
                p = DaysSinceParams.model_validate(s.params)
                ent = m.entities.get(p.entity)
                known = ent is not None and (
                    (p.attribute in ent.extra)
                    if p.is_extra
                    else (p.attribute in ent.columns or p.attribute in ent.extra)
                )
                if p.entity not in DAYS_SINCE_SECTIONS or not known:
                    raise UserError(
                        f"signal {s.id} (days_since) reads {p.field}, which the CRM mapping does not map "
                        f"(entities: {', '.join(DAYS_SINCE_SECTIONS)})",
                        reason="crm_signals",
                    )
            if need and not m.has(need):
                raise UserError(
                    f"signal {s.id} ({s.type}) needs the CRM mapping to include entity {need!r}",
                    reason="crm_signals",
                )


def load_signals(path: Path) -> SignalBook:
    """Reads signals.yaml; a BU rule reusing an HQ id (an override) or a duplicate id is refused with a UserError."""
    if not path.is_file():
        raise UserError(f"signals file not found: {path}", reason="crm_signals")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        hq = [SignalSpec.model_validate({**s, "business_unit": HQ}) for s in raw.get("hq") or []]
        bus: dict[str, list[SignalSpec]] = {}
        for bu, specs in (raw.get("business_units") or {}).items():
            if not re.match(r"^[\w-]{1,64}$", str(bu)) or bu == HQ:
                raise UserError(
                    f"signals {path}: business unit name {bu!r} is not allowed", reason="crm_signals"
                )
            bus[str(bu)] = [SignalSpec.model_validate({**s, "business_unit": bu}) for s in specs or []]
    except yaml.YAMLError as e:
        raise UserError(f"signals {path} is not valid YAML: {e}", reason="crm_signals") from e
    except (ValidationError, TypeError) as e:
        raise UserError(f"signals {path}: {e}", reason="crm_signals") from e
    hq_ids = {s.id for s in hq}
    if len(hq_ids) != len(hq):
        raise UserError(f"signals {path}: duplicate HQ signal id", reason="crm_signals")
    for bu, specs in bus.items():
        seen: set[str] = set()  # two BUs may each define a rule with the same id; one BU may not twice
        for s in specs:
            if s.id in hq_ids:
                raise UserError(
                    f"signals {path}: business unit {bu!r} redefines HQ signal {s.id!r}; HQ rules cannot be overridden",
                    reason="crm_signals_hq_override",
                )
            if s.id in seen:
                raise UserError(
                    f"signals {path}: duplicate signal id {s.id!r} in {bu!r}", reason="crm_signals"
                )
            seen.add(s.id)
    return SignalBook(hq=hq, business_units=bus)
