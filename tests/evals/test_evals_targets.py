"""The production target (the real graph through copilot.wiring) and the optional LLM judge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from contract.ports import ChatResult
from evals.judge import LlmJudge, apply_judge
from evals.runner import RunResult, ServicesTarget, run_suite, services_target, target_from_config
from evals.suite import Suite, resolve_tenant_dir

DEMO = Path(__file__).resolve().parents[2] / "evals" / "suites" / "demo.yaml"


@pytest.fixture
def shared_embedders() -> Iterator[None]:
    """Services built in the test take the session's embedding models (tests/agents/scratch_suite.shared_models:
    loaded once, each call's rows remembered, so the same rows): the second build skips the weights and the taxonomy."""
    from tests.agents.scratch_suite import shared_models

    with shared_models():
        yield


def test_services_target_records_its_settings_with_secrets_masked(demo_suite: Suite) -> None:
    tenant = resolve_tenant_dir(demo_suite, DEMO)
    assert tenant is not None and (tenant / "policies" / "rebate-ortho-v3.2.md").exists()
    target = target_from_config(
        {"settings": {"llm": {"backend": "none", "api_key": "sk-真的密钥"}}, "use_llm": False},
        tenant_dir=tenant,
    )
    assert isinstance(target, ServicesTarget)
    info = target.describe()
    assert info["kind"] == "services" and info["use_llm"] is False
    assert info["settings"]["llm"]["api_key"] == "***" and info["settings"]["checkpointer"] == "memory"
    assert info["settings"]["tenant_dir"] == str(tenant)


class _ScriptedJudge:
    name = "scripted-judge"

    def __init__(self, replies: list[str]) -> None:
        self.replies = replies

    def complete(self, messages: list[dict[str, str]], **_: object) -> ChatResult:
        assert "草稿" in messages[0]["content"]
        return ChatResult(text=self.replies.pop(0) if self.replies else "不是JSON", model=self.name)


def test_llm_judge_is_optional_and_tolerates_garbage(good_run: RunResult) -> None:
    run = good_run.model_copy(deep=True)
    drafts = sum(1 for c in run.cases for t in c.turns if t.expect and (t.suggestion or {}).get("draft"))
    judge = LlmJudge(
        _ScriptedJudge(['{"score": 0.8, "reason": "引用正确"}', '{"score": 1.0, "reason": "好"}'])
    )
    apply_judge(run, judge)
    assert run.metrics["judge.mean_score"] == pytest.approx(0.9)  # garbage replies are reported, not scored
    notes = [x["detail"] for c in run.cases for t in c.turns for x in t.checks if x["name"] == "judge (info)"]
    assert len(notes) == drafts and any("unparseable" in n for n in notes)
    assert "judge.mean_score" not in good_run.metrics  # off by default


def make_scripted_judge(spec: dict[str, object]) -> _ScriptedJudge:
    return _ScriptedJudge([str(spec.get("reply", ""))])


def test_judge_comes_from_the_run_config() -> None:
    from evals.judge import judge_from_config

    assert judge_from_config({}) is None
    judge = judge_from_config(
        {"judge": {"factory": f"{__name__}:make_scripted_judge", "reply": '{"score": 0.5}'}}
    )
    assert judge is not None and judge.score("返点?", "按V3.2返点", {}) == (0.5, "")


@pytest.mark.models
@pytest.mark.slow
@pytest.mark.usefixtures("shared_embedders")
def test_demo_suite_through_the_real_graph(demo_suite: Suite) -> None:
    """The headline case through copilot.wiring (extractive drafts, real stores and embedder)."""
    target = services_target(
        {"tenant_dir": str(resolve_tenant_dir(demo_suite, DEMO)), "llm": {"backend": "none"}}, use_llm=False
    )
    headline = demo_suite.model_copy(
        update={"cases": [c for c in demo_suite.cases if c.id == "headline-rebate-c1001"]}
    )
    run = run_suite(headline, target)
    target.close()
    (case,) = run.cases
    names = {c["name"]: c["passed"] for t in case.turns for c in t.checks}
    assert case.error is None, case.error
    assert names["intent"] and names["cites rebate-ortho@3.2"] and names["never cites rebate-ortho@3.1"]
    assert names["action push_campaign(doc_id=spine-trial-incentive)"] and names["customer signals"]


def _export_crm_csvs(db_url: str, mapping_path: Path, out_dir: Path) -> None:
    """The demo CRM as the CSVs a small company would hand over (one per mapped table, header = mapped columns)."""
    import csv

    import sqlalchemy as sa

    from knowledge.crm import load_mapping

    mapping = load_mapping(mapping_path)
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        for ent in mapping.entities.values():
            cols = list(ent.columns.values())
            rows = conn.execute(sa.text(f"select {', '.join(cols)} from {ent.table}")).all()
            with (out_dir / f"{ent.table}.csv").open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(cols)
                writer.writerows(rows)
    engine.dispose()


@pytest.mark.models
@pytest.mark.slow
@pytest.mark.usefixtures("shared_embedders")
def test_a_tenant_folder_the_developers_never_saw(demo_suite: Suite, tmp_path: Path) -> None:
    """A copied tenant with its CRM as CSVs: the runner imports the CSVs and ingests the policies into fresh stores."""
    import shutil

    from knowledge.crm import build_demo_crm

    tenant_src = resolve_tenant_dir(demo_suite, DEMO)
    assert tenant_src is not None
    tenant = tmp_path / "华东新租户"
    shutil.copytree(tenant_src, tenant)
    seed_db = f"sqlite:///{tmp_path / 'seed.sqlite'}"
    build_demo_crm(seed_db)
    _export_crm_csvs(seed_db, tenant / "crm" / "mapping.yaml", tenant / "crm")
    target = services_target({"tenant_dir": str(tenant), "llm": {"backend": "none"}}, use_llm=False)
    # the suite now speaks for the new folder: its messages carry that tenant's id (the folder name)
    assert demo_suite.tenant is not None
    headline = demo_suite.model_copy(
        update={
            "cases": [c for c in demo_suite.cases if c.id == "headline-rebate-c1001"],
            "tenant": demo_suite.tenant.model_copy(update={"path": str(tenant), "id": None}),
        }
    )
    try:
        run = run_suite(headline, target)
        assert target.loaded["crm"] == "csv" and target.loaded["policies"] >= 8
        assert run.target["tenant_fingerprint"].startswith("sha256:")
    finally:
        target.close()
    (case,) = run.cases
    assert case.error is None, case.error
    names = {c["name"]: c["passed"] for t in case.turns for c in t.checks}
    assert names["intent"] and names["cites rebate-ortho@3.2"] and names["never cites rebate-ortho@3.1"]
    assert names["action push_campaign(doc_id=spine-trial-incentive)"] and names["customer signals"]
