"""The suggestion card says why an action the customer declined (or has already) is not among the next steps: the
stance evidence decide records (agents.nodes.decide.stance_evidence, rule_id `message_stance`) is rendered under the
actions with the customer's own words, and a card without it shows nothing of the kind. The sidebar's own scripts run
in a real browser on the card template; no server (the page's start-up is not called)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

WEB = Path(__file__).resolve().parents[2] / "copilot" / "web"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

STANCE = {
    "id": "rule:abc",
    "kind": "rule",
    "title": "客户婉拒：推荐延保",
    "content": "客户婉拒「推荐延保」，未列入下一步：“延保就免了”（免了）",
    "source_ids": {
        "rule_id": "message_stance",
        "playbook": "message_stance",
        "action": "sell_x",
        "stance": "declined",
    },
    "lineage": {
        "inputs": [{"field": "message.clean_text", "value": "延保就免了", "span": [0, 5]}],
        "cue": "免了",
    },
}
ACTION = {"name": "send_doc", "rationale": "发送文件", "evidence_ids": [], "parameters": {}}


def _page_html() -> str:
    tpl = re.search(
        r'<template id="sug-tpl">.*?</template>',
        (WEB / "templates" / "sidebar.html").read_text("utf-8"),
        re.S,
    )
    assert tpl is not None
    common = (WEB / "static" / "common.js").read_text("utf-8")
    sidebar = (WEB / "static" / "sidebar.js").read_text("utf-8")
    return (
        '<html><body><form id="ask"></form><p id="empty"></p><ol id="suggestions"></ol>'
        f"{tpl.group(0)}<script>{common}\nApp.init = () => {{}};</script><script>{sidebar}</script></body></html>"
    )


@pytest.fixture(scope="module")
def page() -> Any:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("no chromium")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = b.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        # an http origin (the scripts read localStorage, which about:blank refuses); nothing leaves the browser
        html = _page_html()
        pg.route(
            "http://card.test/**",
            lambda route: route.fulfill(status=200, content_type="text/html", body=html),
        )
        pg.goto("http://card.test/")
        assert not errors, errors
        yield pg
        b.close()


def _render(page: Any, actions: list[dict[str, Any]], evidence: list[dict[str, Any]]) -> dict[str, Any]:
    return page.evaluate(
        """([actions, evidence]) => { const li = newCard("k" + Math.random()); renderActions(li, actions, evidence);
           const box = li.querySelector(".actions-box");
           return { hidden: box.hidden, stance: [...li.querySelectorAll("li.stance")].map(x => x.textContent),
                    actions: li.querySelectorAll(".actions > li:not(.stance)").length }; }""",
        [json.loads(json.dumps(actions)), evidence],
    )


def test_the_card_says_the_declined_action_and_the_words(page: Any) -> None:
    got = _render(page, [ACTION], [STANCE])
    assert got["actions"] == 1
    assert len(got["stance"]) == 1
    line = got["stance"][0]
    assert "客户婉拒" in line and "推荐延保" in line and "延保就免了" in line


def test_a_card_with_only_a_declined_action_still_shows_why(page: Any) -> None:
    got = _render(page, [], [STANCE])
    assert not got["hidden"] and got["actions"] == 0 and len(got["stance"]) == 1


def test_a_card_without_a_stance_shows_none(page: Any) -> None:
    other = {**STANCE, "id": "rule:def", "source_ids": {"rule_id": "r1", "playbook": "p"}}
    got = _render(page, [ACTION], [other])
    assert got["stance"] == [] and got["actions"] == 1
    assert _render(page, [], [])["hidden"]
