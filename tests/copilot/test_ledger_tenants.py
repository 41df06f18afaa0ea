"""Every ledger write carries its tenant, and a tenant-bound ledger reads only its tenant (issue #16: "the tenant id is
on every record, every query and every ledger entry"). Session 11: denials, refusals' denials, redactions and erasures
were recorded with tenant "" (a filter-only fix would have hidden them from their own tenant's audit), and reads had
no tenant filter when tenants share one database.

Every writer of the ledger is exercised on a real SQLite ledger bound to one tenant, through `Services` where the
write starts there: the suggestion and its decision, a refused decision, a refused look-up, a refusal decided elsewhere
(the API's, the socket's, the stream's: `Services.record_denial`), a wrong-tenant message, a refused 360, an unmasking
record, a retention redaction and a subject erasure. Then no entry may have an empty tenant."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from contract import AccessDenied, DecisionKind, HumanDecision, InboundMessage, TextPart
from contract.ports import Actor
from copilot.calls import LocalCalls
from copilot.events import EventBus
from copilot.ledger import Ledger, open_ledger
from copilot.ledger.models import ALL_TENANTS
from copilot.metrics import ServiceMetrics
from copilot.service import Services
from copilot.settings import Settings
from tests.ledger.conftest import INPUTS, later
from tests.ledger.conftest import make_suggestion as demo_suggestion

ALPHA, BETA = "t-alpha", "t-beta"
ZHANG = Actor(id="rep_zhang", role="rep", team="east")
LI = Actor(id="rep_li", role="rep", team="east")
AGENT = Actor(id="agent_chen", role="agent")  # a development identity: its key names no tenant


class RefusingCrm:
    """A CRM that refuses every 360 (the service records the refusal)."""

    def customer_360(self, customer_id: str, actor: Actor) -> Any:
        raise AccessDenied(f"{customer_id} is not yours", reason="not_owner")

    def ping(self) -> None:
        return None


def tenant_services(url: str, tenant: str, tmp_path: Path, customers: Any = None) -> Services:
    """A `Services` over a real ledger at `url` for `tenant`; nothing else of the stack is needed here."""
    settings = Settings(env="test", tenant=tenant, data_dir=tmp_path / tenant)
    stub = SimpleNamespace(close=lambda: None)
    return Services(
        settings=settings,
        policy_store=stub,  # type: ignore[arg-type]
        customers=customers or RefusingCrm(),  # type: ignore[arg-type]
        ledger=open_ledger(url),
        copilot=stub,  # type: ignore[arg-type]
        hub=stub,  # type: ignore[arg-type]
        inbox=stub,  # type: ignore[arg-type]
        calls=LocalCalls(),
        bus=EventBus(),
        metrics=ServiceMetrics(tenant=tenant),
    )


def make_suggestion(*, tenant: str = ALPHA, **kw: Any) -> Any:
    return demo_suggestion(**kw).model_copy(update={"tenant": tenant})


def all_rows(url: str) -> list[Any]:
    everything = open_ledger(url)  # unbound: the operator's view of every tenant
    try:
        return everything.find()
    finally:
        everything.close()


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'shared.sqlite'}"


def test_no_ledger_write_path_leaves_the_tenant_empty(url: str, tmp_path: Path) -> None:
    from copilot.privacy.reveal import record_access
    from copilot.privacy.subject import erase_ledger

    services = tenant_services(url, ALPHA, tmp_path)
    ledger: Any = services.ledger
    assert isinstance(ledger, Ledger) and ledger.tenant == ALPHA  # bound by the service
    mine = make_suggestion(tenant=ALPHA, created_at=later(0))
    other = make_suggestion(tenant=ALPHA, customer="C1002", created_at=later(1))
    ledger.append_many([(mine, INPUTS), (other, INPUTS)])
    ledger.record_decision(
        HumanDecision(suggestion_id=mine.id, kind=DecisionKind.ACCEPT, actor="rep_zhang"), actor=ZHANG
    )
    with pytest.raises(AccessDenied):  # a refused decision, recorded by the ledger itself
        ledger.record_decision(
            HumanDecision(suggestion_id=other.id, kind=DecisionKind.ACCEPT, actor="rep_li"), actor=LI
        )
    with pytest.raises(AccessDenied):  # a refused look-up, recorded by the ledger itself
        ledger.get_suggestion(mine.id, actor=LI)
    # refusals decided elsewhere (the REST API, the call socket, the stream, the WeCom ask): through the service
    services.record_denial(AGENT, "not_your_call", {"attempted": "call_socket", "call_id": "c-1"})
    ledger.record_denial(actor=AGENT, reason="personal_data_lookup", details={"attempted": "rep_ask"})
    foreign = InboundMessage(tenant=BETA, channel="rest", conversation_id="x", message_id="x-1",
                             customer_ref="C1001", parts=[TextPart(text="hi")])  # fmt: skip
    with pytest.raises(AccessDenied):
        services.scope_message(foreign, ZHANG)  # wrong_tenant, recorded
    with pytest.raises(AccessDenied):
        services.customer_360("C1009", ZHANG)  # not_owner, recorded
    record_access(ledger, mine, ZHANG, fields=["draft"], tokens=["<CN_MOBILE_1>"], missing=[])
    assert ledger.redact(before=later(0.5)) == 1  # retention
    erase_ledger(ledger, "C1002")  # a subject's erasure
    rows = all_rows(url)
    kinds = {r.kind.value for r in rows}
    assert kinds >= {"suggestion", "decision", "access_denied", "pii_access", "redaction"}, kinds
    assert [(r.seq, r.kind.value, r.reason_code) for r in rows if r.tenant != ALPHA] == []
    assert sum(r.kind.value == "access_denied" for r in rows) == 6


def test_an_unbound_ledger_says_its_redaction_covered_every_tenant(url: str) -> None:
    operator = open_ledger(url)
    operator.append_many([(make_suggestion(tenant=ALPHA, created_at=later(0)), INPUTS)])
    operator.append_many([(make_suggestion(tenant=BETA, created_at=later(0)), INPUTS)])
    assert operator.redact(before=later(1)) == 2
    (redaction,) = operator.find(kind="redaction")
    assert redaction.tenant == ALL_TENANTS
    assert operator.verify().ok


def test_a_bound_ledger_reads_and_redacts_its_own_tenant_only(url: str, tmp_path: Path) -> None:
    alpha = tenant_services(url, ALPHA, tmp_path).ledger
    beta = tenant_services(url, BETA, tmp_path).ledger
    assert isinstance(alpha, Ledger) and isinstance(beta, Ledger)
    a = make_suggestion(tenant=ALPHA, conversation="conv-a", created_at=later(0))
    b = make_suggestion(tenant=BETA, conversation="conv-b", created_at=later(0))
    alpha.record_suggestion(a, inputs=INPUTS)
    beta.record_suggestion(b, inputs=INPUTS)
    beta.record_denial(actor=AGENT, reason="not_on_call", details={"attempted": "customer_360"})
    assert {e.tenant for e in alpha.find()} == {ALPHA}
    assert alpha.find(suggestion=b.id) == [] and alpha.trail(b.id) == []
    assert alpha.find(tenant=BETA) == []  # naming another tenant does not widen a bound ledger
    assert alpha.export(io.StringIO(), tenant=BETA) == 0
    assert alpha.count() == 1 and beta.count() == 2
    out = io.StringIO()
    assert alpha.export(out, fmt="jsonl") == 1
    assert {json.loads(line)["tenant"] for line in out.getvalue().splitlines()} == {ALPHA}
    csv_out = io.StringIO()
    alpha.export(csv_out, fmt="csv", conversation="conv-b")
    assert csv_out.getvalue().count("\n") == 1  # the header only
    assert alpha.metrics().overall.shown == 1 and alpha.metrics().access_denied == 0
    assert beta.metrics().access_denied == 1
    from contract import NotFound

    with pytest.raises(
        NotFound
    ):  # another tenant's suggestion does not exist for this one (no denial oracle)
        alpha.get_suggestion(b.id, actor=ZHANG)
    with pytest.raises(NotFound):
        alpha.record_decision(
            HumanDecision(suggestion_id=b.id, kind=DecisionKind.ACCEPT, actor="rep_zhang"), actor=ZHANG
        )
    with pytest.raises(
        Exception, match="cannot be appended"
    ):  # a service never writes another tenant's entry
        alpha.record_suggestion(make_suggestion(tenant=BETA), inputs=INPUTS)
    assert alpha.redact(before=later(1)) == 1  # its own entry only
    assert beta.get_suggestion(b.id).id == b.id  # beta's payload is still there
    assert alpha.verify().ok


def test_one_ledger_object_serves_one_tenant(url: str, tmp_path: Path) -> None:
    services = tenant_services(url, ALPHA, tmp_path)
    with pytest.raises(Exception, match="open one per tenant"):
        Services(**{**services.__dict__, "settings": Settings(env="test", tenant=BETA, data_dir=tmp_path)})
