"""The onboarding frictions of issue 16, one test each: the suite's clock (as_of, sent_at) drives signals and dates;
an agent on a call; a rep asking the copilot; held-out cases; authorization traps scored as refusals (an access
denial or a REFUSAL suggestion), never a crashed case; `eval run` writes only under the data directory and creates it."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from contract import AccessDenied, InboundMessage, Intent, Suggestion
from contract import clock as clock_port
from contract.ports import Actor
from contract.suggestions import SuggestionKind
from evals.runner import run_suite
from evals.runner.run import select_split
from evals.suite import load_yaml_suite

ADMIN = Actor(id="admin_1", role="admin")


class RecordingTarget:
    """Answers every customer message with a plain suggestion and records what it saw (actor, clock, message)."""

    thread_safe = True

    def __init__(self, deny: set[str] | None = None, refuse: set[str] | None = None) -> None:
        self.seen: list[tuple[InboundMessage, Actor, date]] = []
        self.deny, self.refuse = deny or set(), refuse or set()
        self.lock = threading.Lock()

    def run_turn(self, msg: InboundMessage, actor: Actor) -> Suggestion | None:
        with self.lock:
            self.seen.append((msg, actor, clock_port.today()))
        if msg.customer_ref in self.deny:
            raise AccessDenied("rep may only see customers they own", reason="not_owner")
        kind = SuggestionKind.REFUSAL if msg.customer_ref in self.refuse else SuggestionKind.SUGGESTION
        summary = {"refusal_reason": "other_customer_prices"} if kind is SuggestionKind.REFUSAL else {}
        return Suggestion(
            kind=kind,
            tenant=msg.tenant,
            conversation_id=msg.conversation_id,
            message_id=msg.message_id,
            customer_ref=msg.customer_ref,
            intent=Intent(name="greeting", confidence=0.9),
            summary=summary,
        )

    def reset(self) -> None:
        return None


SUITE = """
name: frictions
tenant: {path: ./acme, id: acme, as_of: "2026-03-15"}
cases:
  - id: clocked
    customer_ref: A1
    rep_ref: rep_a
    turns:
      - text: 你好
      - text: 还在吗
        sent_at: 2026-04-01T10:00:00+08:00
  - id: agent-call
    customer_ref: A2
    actor: {role: agent, id: agent_7, on_call: true}
    turns: [{text: 我的车坏了}]
  - id: rep-asks
    customer_ref: A1
    rep_ref: rep_a
    turns: [{sender: rep_ask, text: 帮我查下这个客户最近的订单}]
  - id: trap-owner
    customer_ref: B9
    rep_ref: rep_a
    heldout: true
    turns: [{sender: rep_ask, text: 帮我看看B9的合同}]
    expect: {refusal: true, refusal_reason: not_owner}
  - id: trap-prices
    customer_ref: B8
    rep_ref: rep_a
    heldout: true
    turns: [{sender: rep_ask, text: 别的客户拿到什么价}]
    expect: {refusal: true}
  - id: not-a-trap
    customer_ref: A1
    rep_ref: rep_a
    turns: [{text: 返点怎么算}]
    expect: {refusal: false}
"""


def _run(target: RecordingTarget) -> Any:
    return run_suite(load_yaml_suite(SUITE), target, seed=0)


def test_clock_follows_suite_as_of_and_turn_sent_at() -> None:
    target = RecordingTarget()
    _run(target)
    days = {m.message_id: d for m, _, d in target.seen if m.message_id.startswith("clocked")}
    assert days == {"clocked#t0": date(2026, 3, 15), "clocked#t1": date(2026, 4, 1)}
    sent = {m.message_id: m.sent_at for m, _, _ in target.seen}
    assert sent["clocked#t0"] == datetime(2026, 3, 15, 9, 0, tzinfo=UTC)
    assert all(m.tenant == "acme" for m, _, _ in target.seen)  # the tenant id is on every message
    assert clock_port.today() == date.today()  # outside a turn the wall clock is back


def test_clock_port_drives_crm_signals(tmp_path: Path) -> None:
    """The CRM's default clock is the port: the same data fires its telemetry signal only at the suite's date."""
    from knowledge.crm import build_customer_data, import_csv, load_mapping
    from tests.crm.test_open_schema import TODAY, write_pack

    mapping, signals = write_pack(tmp_path)
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    import_csv(mapping.parent, url, load_mapping(mapping))
    cd = build_customer_data(url, mapping, signals, statement_timeout_ms=2000)
    with clock_port.as_of(TODAY):
        at_suite_time = {s.source_ids["signal_id"] for s in cd.customer_360("A1", ADMIN).signals}
    with clock_port.as_of(date(2027, 6, 30)):
        a_year_later = {s.source_ids["signal_id"] for s in cd.customer_360("A1", ADMIN).signals}
    cd.close()
    assert "hot_coolant" in at_suite_time and "hot_coolant" not in a_year_later


def test_agent_on_call_is_expressed() -> None:
    target = RecordingTarget()
    run = _run(target)
    actor = next(a for m, a, _ in target.seen if m.customer_ref == "A2")
    assert (actor.role, actor.id, actor.call_customer_ref) == ("agent", "agent_7", "A2")
    from knowledge.crm.access import check_agent_before_lookup

    check_agent_before_lookup("A2", actor)  # the access rule lets the agent see the customer on the call
    assert next(c for c in run.cases if c.case_id == "agent-call").status == "pass"


def test_rep_ask_sender() -> None:
    target = RecordingTarget()
    _run(target)
    msg = next(m for m, _, _ in target.seen if m.message_id == "rep-asks#t0")
    assert msg.sender == "rep_ask"


def test_heldout_split() -> None:
    suite = load_yaml_suite(SUITE)
    assert [c.id for c in select_split(suite, "heldout").cases] == ["trap-owner", "trap-prices"]
    assert "trap-owner" not in [c.id for c in select_split(suite, "tuning").cases]
    assert len(select_split(suite, "heldout", file_is_heldout=True).cases) == len(suite.cases)


def test_authorization_traps_are_scored_refusals_not_crashes() -> None:
    run = _run(RecordingTarget(deny={"B9"}, refuse={"B8"}))
    by_id = {c.case_id: c for c in run.cases}
    assert by_id["trap-owner"].status == "pass" and by_id["trap-owner"].error is None
    assert by_id["trap-owner"].turns[0].refusal == {
        "reason": "not_owner",
        "message": "rep may only see customers they own",
    }
    assert by_id["trap-prices"].status == "pass"  # a REFUSAL suggestion counts too
    assert by_id["not-a-trap"].status == "pass"
    assert run.metrics["authz.refusals_correct"] == 1.0
    assert run.metrics["authz.false_refusals"] == 0.0
    assert run.metrics["cases.errors"] == 0.0
    missed = _run(RecordingTarget())  # the copilot answered where it had to refuse
    assert missed.metrics["authz.refusals_correct"] == 0.0


def scripted_factory(config: dict[str, Any]) -> RecordingTarget:
    return RecordingTarget()


def test_eval_run_writes_only_under_a_new_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from evals.cli import app

    suite = tmp_path / "suite.yaml"
    suite.write_text(SUITE, encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump({"target": "tests.evals.test_evals_frictions:scripted_factory"}), encoding="utf-8"
    )
    data = tmp_path / "not" / "yet" / "there"
    monkeypatch.setenv("COPILOT_DATA_DIR", str(data))
    monkeypatch.chdir(tmp_path)  # any relative write would land here
    before = {p for p in tmp_path.rglob("*")}
    result = CliRunner().invoke(app, ["run", str(suite), "-c", str(config)])
    assert result.exit_code == 0, result.output
    written = {p for p in tmp_path.rglob("*") if p.is_file()} - before
    assert written and all(p.is_relative_to(data) for p in written)
    runs = list((data / "eval-runs").glob("*.json"))
    assert len(runs) == 1 and json.loads(runs[0].read_text(encoding="utf-8"))["cases"]
    assert (data / "eval-cache").is_dir()  # the case cache follows the data directory
    result = CliRunner().invoke(
        app, ["run", str(suite), "-c", str(config), "--no-cache", "--split", "heldout"]
    )
    assert result.exit_code == 0, result.output
    assert len(list((data / "eval-runs").glob("*.json"))) == 2


def test_services_target_stores_live_in_the_data_dir_and_csv_crm_loads_into_a_new_one(
    tmp_path: Path,
) -> None:
    from copilot.settings import Settings
    from evals.runner import tenant_loader
    from evals.runner.target import ServicesTarget
    from tests.crm.test_open_schema import write_pack

    data = tmp_path / "fresh" / "data"
    target = ServicesTarget({"tenant_dir": str(tmp_path)}, cache_root=None)
    target.overrides["data_dir"] = str(data)
    settings = target._settings()
    assert settings.data_dir == data and data.is_dir()
    write_pack(tmp_path / "pack")
    deeper = Settings(data_dir=tmp_path / "a" / "b" / "c", tenant_dir=tmp_path / "pack")
    assert tenant_loader.prepare_crm(deeper, deeper.tenant_dir) == "csv"  # no "unable to open database file"
    tenant_loader.restore_embed_cache(deeper, None)  # --no-cache: nothing shared, nothing written
    tenant_loader.save_embed_cache(deeper, None)
    assert sorted(p.name for p in deeper.data_dir.iterdir()) == ["crm.sqlite"]
