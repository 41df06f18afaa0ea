"""Release gates: bounds on run metrics, from the suite (gates + SLA) or a thresholds file. CI fails on any miss."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from contract.errors import InputError
from evals.runner.results import GateResult
from evals.suite.models import Gate


def evaluate_gates(gates: list[Gate], metrics: dict[str, float | None]) -> list[GateResult]:
    out = []
    for g in gates:
        value = metrics.get(g.metric)
        ok = value is not None and (g.min is None or value >= g.min) and (g.max is None or value <= g.max)
        out.append(GateResult(metric=g.metric, min=g.min, max=g.max, value=value, passed=ok, label=g.label))
    return out


def load_thresholds(path: str | Path) -> list[Gate]:
    """YAML: either `gates: [{metric, min|max}]` or a mapping `metric: {min: …}` / `metric: 0.8` (a minimum)."""
    p = Path(path)
    try:
        data: Any = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read thresholds {p}: {exc}", reason="thresholds_invalid") from exc
    if isinstance(data, dict) and "gates" in data:
        items = data["gates"]
    elif isinstance(data, dict):
        items = [{"metric": k, **(v if isinstance(v, dict) else {"min": v})} for k, v in data.items()]
    else:
        raise InputError(f"{p}: thresholds must be a mapping", reason="thresholds_invalid")
    try:
        return [Gate.model_validate(i) for i in items]
    except ValidationError as exc:
        raise InputError(f"{p}: {exc}", reason="thresholds_invalid") from exc
