"""The suite's JSON schema (from the pydantic models), committed at evals/schema/suite.schema.json for editors and CI."""

from __future__ import annotations

import json
from pathlib import Path

from copilot.settings import REPO_ROOT
from evals.suite.models import Suite

SCHEMA_PATH = REPO_ROOT / "evals" / "schema" / "suite.schema.json"


def suite_schema() -> dict[str, object]:
    schema = Suite.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://channel-copilot.local/evals/suite.schema.json"
    return schema


def write_schema(path: Path = SCHEMA_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(suite_schema(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path
