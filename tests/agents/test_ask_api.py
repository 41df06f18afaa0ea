"""`POST /v1/ask` over HTTP: role-checked, answered to the rep as REP_ANSWER, refused with the reason for another rep's
customer; bad bodies are clear 422s. Real FastAPI app, real Copilot on the in-test ports."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from agents import Copilot
from contract.messages import InboundMessage
from contract.ports import Actor
from contract.suggestions import Suggestion
from copilot.api import ask
from copilot.api.errors import install_error_handlers
from copilot.settings import Settings

REP = {"X-API-Key": "dev-rep-zhang"}


class AskServices:
    """The one method the route calls, with the Services contract: the copilot's answer, published nowhere."""

    def __init__(self, copilot: Copilot) -> None:
        self.copilot = copilot
        self.handled: list[InboundMessage] = []

    def handle_message(self, msg: InboundMessage, actor: Actor) -> Suggestion | None:
        self.handled.append(msg)
        return self.copilot.handle(msg, actor)


@pytest.fixture
def client(make_deps, tmp_path) -> Any:
    app = FastAPI()
    install_error_handlers(app)
    app.state.settings = Settings(env="test", data_dir=tmp_path)
    app.state.services = AskServices(Copilot(make_deps()))
    app.include_router(ask.router)
    with TestClient(app) as c:
        yield c


def test_ask_answers_the_rep(client):
    r = client.post(
        "/v1/ask", json={"text": "帮我查下这个客户最近的订单", "customer_ref": "C1001"}, headers=REP
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "rep_answer" and body["draft"] is None and body["rep_ref"] == "rep_zhang"
    sent = client.app.state.services.handled[-1]
    assert sent.sender == "rep_ask" and sent.rep_ref == "rep_zhang"


def test_ask_about_another_reps_customer_is_a_refusal_not_an_error(client):
    r = client.post("/v1/ask", json={"text": "这个客户的订单", "customer_ref": "C1003"}, headers=REP)
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "refusal" and r.json()["verdicts"][0]["reasons"] == ["not_owner"]


def test_ask_needs_a_human_key_and_a_real_body(client):
    assert client.post("/v1/ask", json={"text": "x", "customer_ref": "C1001"}).status_code == 401
    evaluator = {"X-API-Key": "dev-evaluator"}
    assert (
        client.post("/v1/ask", json={"text": "x", "customer_ref": "C1001"}, headers=evaluator).status_code
        == 403
    )
    r = client.post("/v1/ask", json={"text": "", "customer_ref": "C1001"}, headers=REP)
    assert r.status_code == 422
    r = client.post("/v1/ask", json={"text": "hi", "customer_ref": "C1001", "extra": 1}, headers=REP)
    assert r.status_code == 422
