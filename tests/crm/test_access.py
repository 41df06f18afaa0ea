"""Access control over SQLite and PostgreSQL: reps see their own (or their team's by setting), agents the customer on
their call, admins and evaluators all; denials are typed with a reason; unknown customers are NotFound."""

from __future__ import annotations

import pytest

from contract.errors import AccessDenied, InputError, NotFound
from contract.ports import Actor
from tests.crm.conftest import MakeCrm

ZHANG = Actor(id="rep_zhang", role="rep", team="ortho-east-1")
LI = Actor(id="rep_li", role="rep")  # no team on the actor: looked up in the CRM when team visibility is on
WANG = Actor(id="rep_wang", role="rep", team="equipment-east")


def test_rep_sees_own_customers_only(make_crm: MakeCrm) -> None:
    cd = make_crm()
    assert cd.customer_360("C1001", ZHANG).customer_id == "C1001"
    with pytest.raises(AccessDenied) as exc:
        cd.customer_360("C1003", ZHANG)  # rep_li's customer
    assert exc.value.reason == "not_owner"
    assert "rep_zhang" in exc.value.message and exc.value.http_status == 403


def test_team_visibility_lets_teammates_see_each_other(make_crm: MakeCrm) -> None:
    cd = make_crm(team_visibility=True)
    assert (
        cd.customer_360("C1001", LI).owner_rep == "rep_zhang"
    )  # same team ortho-east-1, team found in the CRM
    assert cd.customer_360("C1003", ZHANG).owner_rep == "rep_li"
    with pytest.raises(AccessDenied):
        cd.customer_360("C1001", WANG)  # equipment-east
    with pytest.raises(AccessDenied):
        make_crm().customer_360("C1001", LI)  # the setting is off by default


def test_agent_sees_only_the_customer_on_the_call(make_crm: MakeCrm) -> None:
    cd = make_crm()
    chen = Actor(id="agent_chen", role="agent", team="contact-center", call_customer_ref="C1004")
    assert cd.customer_360("C1004", chen).name == "上海瑞金康复医院"
    with pytest.raises(AccessDenied) as exc:
        cd.customer_360("C1001", chen)
    assert exc.value.reason == "not_on_call"
    with pytest.raises(AccessDenied):
        cd.customer_360("C1004", Actor(id="agent_chen", role="agent"))  # not on a call at all


def test_agent_asking_about_an_unknown_customer_learns_nothing(make_crm: MakeCrm) -> None:
    chen = Actor(id="agent_chen", role="agent", call_customer_ref="C1004")
    with pytest.raises(AccessDenied):
        make_crm().customer_360("C9999", chen)


@pytest.mark.parametrize("role", ["admin", "evaluator"])
def test_admin_and_evaluator_see_everyone(make_crm: MakeCrm, role: str) -> None:
    cd = make_crm()
    who = Actor(id=f"{role}_x", role=role)  # type: ignore[arg-type]
    assert {cd.customer_360(c, who).customer_id for c in ("C1001", "C1003", "C1004")} == {
        "C1001",
        "C1003",
        "C1004",
    }


def test_unknown_and_blank_customers(make_crm: MakeCrm) -> None:
    cd = make_crm()
    admin = Actor(id="admin_zhou", role="admin")
    with pytest.raises(NotFound) as exc:
        cd.customer_360("C9999", admin)
    assert exc.value.reason == "unknown_customer" and "C9999" in exc.value.message
    with pytest.raises(NotFound):
        cd.customer_360("C9999", ZHANG)  # a rep asking about nobody: nothing to own, nothing to deny
    with pytest.raises(InputError):
        cd.customer_360("   ", admin)
    with pytest.raises(InputError):
        cd.customer_360("C" * 201, admin)
    with pytest.raises(InputError):
        cd.customer_360("C1001\x00", admin)  # control characters never reach the database
