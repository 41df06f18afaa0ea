"""docs/tenant-pack.md stays true: every YAML example in it validates against the schema it illustrates."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

DOC = Path(__file__).resolve().parents[2] / "docs" / "tenant-pack.md"


def test_every_yaml_example_in_the_pack_doc_validates() -> None:
    from agents.reasoning.config import ToolsConfig
    from agents.tenant import ActionSpec, EntityPattern, IntentSpec, Playbook
    from evals.suite.models import Suite
    from knowledge.crm.mapping import parse_mapping
    from knowledge.crm.signal_specs import SignalSpec

    checked: list[str] = []
    for block in re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S):
        data: Any = yaml.safe_load(block)
        if not isinstance(data, dict):
            continue
        if "entities" in data:
            parse_mapping(data, "docs/tenant-pack.md")
            checked.append("mapping")
        if "hq" in data:
            for spec in data["hq"]:
                SignalSpec.model_validate({**spec, "business_unit": "hq"})
            for bu, specs in (data.get("business_units") or {}).items():
                for spec in specs:
                    SignalSpec.model_validate({**spec, "business_unit": bu})
            checked.append("signals")
        if isinstance(data.get("intents"), list):
            for i in data["intents"]:
                IntentSpec.model_validate(i)
            checked.append("intents")
        if isinstance(data.get("intents"), dict):
            ToolsConfig.model_validate(data)
            checked.append("tools")
        if "actions" in data:
            for a in data["actions"]:
                ActionSpec.model_validate(a)
            checked.append("actions")
        if "playbooks" in data:
            for p in data["playbooks"]:
                Playbook.model_validate(p)
            checked.append("playbooks")
        if "patterns" in data:
            for p in data["patterns"]:
                EntityPattern.model_validate(p)
            checked.append("patterns")
        if "cases" in data:
            Suite.model_validate(data)
            checked.append("suite")
        if "discount_authority" in data:
            from guardrails.rails_config import RailsConfig

            RailsConfig.model_validate(data)
            checked.append("rails")
    assert set(checked) >= {
        "rails",
        "mapping",
        "signals",
        "intents",
        "tools",
        "actions",
        "playbooks",
        "patterns",
        "suite",
    }
