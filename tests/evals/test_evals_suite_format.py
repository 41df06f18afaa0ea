"""Suite format: YAML and JSONL, schema errors with file and line, the committed JSON schema, the demo suite."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from evals.suite import SuiteError, load_suite, load_yaml_suite
from evals.suite.schema import SCHEMA_PATH, suite_schema

BROKEN = """name: 坏套件
cases:
  - id: ok-case
    customer_ref: C1001
    turns:
      - text: 返点政策发我一下
  - id: bad-case
    customer_ref: C1002
    turns:
      - sender: robot
        text: 你好
    expect:
      abstain: 也许
      documents:
        - {version: "3.2"}
"""


def test_malformed_yaml_reports_each_problem_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    found = {(p.line, p.path) for p in info.value.problems}
    assert (10, "cases[1].turns[0].sender") in found
    assert (13, "cases[1].expect.abstain") in found
    assert (15, "cases[1].expect.documents[0].doc_id") in found or (
        15,
        "cases[1].expect.documents[0]",
    ) in found
    assert all(p.file == str(path) for p in info.value.problems)
    assert f"{path}:10:" in str(info.value)


def test_yaml_syntax_error_names_the_line() -> None:
    with pytest.raises(SuiteError) as info:
        load_yaml_suite("name: x\ncases:\n  - id: a\n    turns: [\n", "syntax.yaml")
    (problem,) = info.value.problems
    assert problem.file == "syntax.yaml" and problem.line >= 4
    assert "YAML syntax" in problem.message


def test_duplicate_case_ids_point_at_the_second_id() -> None:
    text = "name: d\ncases:\n  - id: 重复\n    customer_ref: C1\n    turns: [{text: 你好}]\n  - id: 重复\n    customer_ref: C1\n    turns: [{text: 再见}]\n"
    text = text.replace("重复", "dup-1")
    with pytest.raises(SuiteError) as info:
        load_yaml_suite(text, "dup.yaml")
    assert [(p.line, p.path) for p in info.value.problems] == [(6, "cases[1].id")]


def test_jsonl_suite_errors_carry_the_line_number(tmp_path: Path) -> None:
    good = {
        "id": "c1",
        "customer_ref": "C1001",
        "turns": [{"text": "返点政策"}],
        "expect": {"intent": "rebate_policy"},
    }
    bad = {"id": "c2", "customer_ref": "C1001", "turns": []}
    path = tmp_path / "cases.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"suite": {"name": "jsonl套件"}}),
                json.dumps(good, ensure_ascii=False),
                json.dumps(bad),
                "{not json",
            ]
        ),
        encoding="utf-8",
    )
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    assert [p.line for p in info.value.problems] == [4]  # syntax first: nothing is validated half-way
    path.write_text("\n".join([json.dumps(good, ensure_ascii=False), json.dumps(bad)]), encoding="utf-8")
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    assert [(p.line, p.path) for p in info.value.problems] == [(2, "cases[1].turns")]
    path.write_text(json.dumps(good, ensure_ascii=False) + "\n", encoding="utf-8")
    suite = load_suite(path)
    assert suite.name == "cases" and suite.cases[0].expect.intent == "rebate_policy"


def test_committed_schema_is_current_and_validates_the_demo_suite(demo_suite) -> None:  # noqa: ANN001
    committed = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(suite_schema(), ensure_ascii=False)), (
        "run `copilot eval schema`"
    )
    raw = yaml.safe_load((SCHEMA_PATH.parents[1] / "suites" / "demo.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(raw, committed)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "x", "cases": [{"id": "a", "turns": [{"text": "hi"}]}]}, committed)


def test_demo_suite_holds_the_headline_case(demo_suite) -> None:  # noqa: ANN001
    assert len(demo_suite.cases) >= 15
    head = next(c for c in demo_suite.cases if c.id == "headline-rebate-c1001")
    assert head.customer_ref == "C1001" and len(head.turns) == 2
    assert "LCP-3.5" in (head.turns[0].text or "")
    assert head.turns[-1].text == "这个型号的代理商返点政策能再发一遍吗?"
    exp = head.expectations_by_turn()[1]
    assert exp.intent == "rebate_policy"
    assert [(d.doc_id, d.version) for d in exp.documents] == [("rebate-ortho", "3.2")]
    assert [(d.doc_id, d.version) for d in exp.forbidden_documents] == [("rebate-ortho", "3.1")]
    assert exp.actions[0].name == "push_campaign" and exp.actions[0].parameters == {
        "doc_id": "spine-trial-incentive"
    }
    kinds = {p.kind for c in demo_suite.cases for t in c.turns for p in t.parts}
    assert {"text", "voice", "image", "emoji"} <= kinds
