"""The pages in real headless Chromium (Debian chromium driven by Playwright): a suggestion appears after a message is
ingested, a citation opens its clause, accept / edit / reject reach the ledger, a stale suggestion says so, and the
admin console shows the ledger's verify status. Screenshots land in test-artifacts/."""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from copilot.app import create_app
from copilot.settings import REPO_ROOT, Settings
from tests.conftest import free_port, wait_port

pytestmark = [pytest.mark.browser, pytest.mark.models]
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-quic"]  # fmt: skip


@pytest.fixture(scope="module")
def server(demo_settings: Settings, demo_services: Any) -> Iterator[str]:
    app = create_app(demo_settings, services=demo_services, start_worker=False)
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    wait_port(port)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _post(base: str, message_id: str, text: str, key: str = "dev-rep-zhang") -> dict[str, Any]:
    body = {
        "channel": "wecom_app",
        "conversation_id": f"ui-{message_id}",
        "message_id": message_id,
        "customer_ref": "C1001",
        "parts": [{"kind": "text", "text": text}],
    }
    r = httpx.post(f"{base}/v1/messages", json=body, headers={"X-API-Key": key}, timeout=120)
    r.raise_for_status()
    return r.json()


def test_sidebar_live_suggestion_citation_and_decisions(
    server: str, browser: Any, demo_services: Any
) -> None:
    page = browser.new_page(viewport={"width": 360, "height": 900})
    page.goto(f"{server}/ui/sidebar?customer=C1001&key=dev-rep-zhang")
    page.wait_for_selector("#conn.ok", timeout=20_000)
    page.wait_for_selector("#c-name:not(:empty)", timeout=20_000)
    assert "宁波康达" in page.inner_text("#c-name")

    sug = _post(server, "ui-1", "返点协议最新版的返点比例是多少？")
    card = page.wait_for_selector(f"li.suggestion[data-id='{sug['id']}']", timeout=30_000)
    assert card is not None
    assert page.locator(f"li[data-id='{sug['id']}'] .intent").inner_text().startswith("返点")

    # a citation opens its clause text with the document version
    page.locator(f"li[data-id='{sug['id']}'] .cite").first.click()
    page.wait_for_selector("dialog[open]")
    title = page.inner_text("#detail-title")
    assert " · v" in title
    assert page.inner_text(".clause-text").strip()
    page.screenshot(path=str(ARTIFACTS / "sidebar-citation.png"))
    page.locator("dialog form button").click()

    page.locator(f"li[data-id='{sug['id']}'] button.accept").click()
    page.wait_for_selector(f"li[data-id='{sug['id']}'] .state.st-accept")
    trail = demo_services.ledger.find(suggestion=sug["id"])
    assert [e.decision for e in trail if e.kind.value == "decision"] == ["accept"]

    # edit
    sug2 = _post(server, "ui-2", "退货需要什么流程？")
    page.wait_for_selector(f"li[data-id='{sug2['id']}']", timeout=30_000)
    page.locator(f"li[data-id='{sug2['id']}'] button.edit").click()
    page.fill(f"li[data-id='{sug2['id']}'] textarea", "您好，退货请先提交退货申请单，我来帮您跟进。")
    page.locator(f"li[data-id='{sug2['id']}'] .editor button").click()
    page.wait_for_selector(f"li[data-id='{sug2['id']}'] .state.st-edit")
    decided = [e for e in demo_services.ledger.find(suggestion=sug2["id"]) if e.kind.value == "decision"]
    assert decided and decided[0].decision == "edit"

    # reject with a reason
    sug3 = _post(server, "ui-3", "你们的发票什么时候开？")
    page.wait_for_selector(f"li[data-id='{sug3['id']}']", timeout=30_000)
    page.locator(f"li[data-id='{sug3['id']}'] button.reject").click()
    page.select_option(f"li[data-id='{sug3['id']}'] select", "wrong_evidence")
    page.locator(f"li[data-id='{sug3['id']}'] .rejector button").click()
    page.wait_for_selector(f"li[data-id='{sug3['id']}'] .state.st-reject")
    rejected = [e for e in demo_services.ledger.find(suggestion=sug3["id"]) if e.kind.value == "decision"]
    assert rejected[0].reason_code == "wrong_evidence"

    # stale: decided elsewhere while this page was not listening → the server answers 409 and the page says so
    sug4 = _post(server, "ui-4", "返点什么时候结算？")
    page.wait_for_selector(f"li[data-id='{sug4['id']}']", timeout=30_000)
    page.evaluate("App.es && App.es.close()")
    httpx.post(
        f"{server}/v1/suggestions/{sug4['id']}/decision",
        json={"kind": "accept"},
        headers={"X-API-Key": "dev-rep-zhang"},
    ).raise_for_status()
    page.locator(f"li[data-id='{sug4['id']}'] button.accept").click()
    # selectors, not wait_for_function: a string predicate is eval'd in the page, which the CSP (no 'unsafe-eval') refuses
    page.wait_for_selector(f"li[data-id='{sug4['id']}'] .notice:has-text('别处')")
    assert page.locator(f"li[data-id='{sug4['id']}'] button.accept").is_disabled()
    page.screenshot(path=str(ARTIFACTS / "sidebar.png"), full_page=True)

    # a reload (dropped connection) catches up without duplicates
    page.reload()
    page.wait_for_selector("#conn.ok", timeout=20_000)
    page.wait_for_selector(f"li[data-id='{sug4['id']}']", timeout=20_000)
    ids = page.eval_on_selector_all("li.suggestion", "els => els.map(e => e.dataset.id)")
    assert len(ids) == len(set(ids))
    page.close()


def test_admin_console_shows_ledger_and_versions(server: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/ui/admin?key=dev-admin")
    page.wait_for_selector("body[data-loaded='1']", timeout=30_000)
    assert "ok" in (page.get_attribute("#verify", "class") or "")
    assert page.locator("#ledger-table tbody tr").count() > 0
    page.click("[data-tab=kb]")
    kb = page.inner_text("#kb-table")
    assert "rebate-ortho" in kb and "3.1" in kb and "3.2" in kb
    page.screenshot(path=str(ARTIFACTS / "admin-kb.png"), full_page=True)
    page.click("[data-tab=ledger]")
    page.click("#lang")
    assert page.inner_text("[data-tab=ledger]") == "Ledger"
    page.screenshot(path=str(ARTIFACTS / "admin-ledger-en.png"), full_page=True)
    page.close()


def test_pages_refuse_a_missing_key_politely(server: str, browser: Any) -> None:
    page = browser.new_page()
    page.goto(f"{server}/ui/sidebar")
    page.evaluate("localStorage.clear()")
    page.goto(f"{server}/ui/sidebar")
    assert page.locator("#login").is_visible()
    page.close()


def test_screenshots_were_written() -> None:
    for name in ("sidebar.png", "admin-kb.png"):
        path = ARTIFACTS / name
        assert path.is_file() and path.stat().st_size > 5_000, name


def _stream_call(base: str, call_id: str, key: str) -> list[dict[str, Any]]:
    """Stream the demo voice clip (16 kHz mono PCM) as a live call, then hang up; returns every frame received."""
    import json

    import numpy as np
    from faster_whisper import decode_audio
    from websockets.sync.client import connect

    audio = decode_audio(str(REPO_ROOT / "copilot/tenants/demo/media/c1004_alarm_voice.wav"))
    pcm = (np.concatenate([audio, np.zeros(16_000, dtype=np.float32)]) * 32767).astype("<i2").tobytes()
    frames: list[dict[str, Any]] = []
    url = base.replace("http://", "ws://") + f"/voice/calls/{call_id}"  # the key in a header, never the URL
    with connect(url, open_timeout=20, close_timeout=60, additional_headers={"X-API-Key": key}) as ws:
        ws.send(json.dumps({"type": "start", "sample_rate": 16000, "channels": 1, "customer_ref": "C1004",
                            "agent_ref": "agent_chen", "tenant": "demo"}))  # fmt: skip
        chunk = 3200  # 100 ms
        for i in range(0, len(pcm), chunk):
            ws.send(pcm[i : i + chunk])
            time.sleep(0.05)  # twice real time: the VAD still sees the pauses
        ws.send(json.dumps({"type": "stop"}))
        with contextlib.suppress(Exception):  # the server closes the socket after the wrap-up
            while True:
                frames.append(json.loads(ws.recv(timeout=120)))
    return frames


def test_call_desktop_shows_transcript_suggestion_and_wrapup(
    server: str, browser: Any, demo_services: Any
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/ui/desk?call=call-ui-1&key=dev-agent-chen")
    page.wait_for_selector("#conn.ok", timeout=20_000)
    frames = _stream_call(server, "call-ui-1", "dev-agent-chen")
    kinds = [f.get("type") for f in frames]
    assert "final" in kinds and "wrapup" in kinds, kinds
    page.wait_for_selector("#transcript li", timeout=60_000)
    page.wait_for_selector("#intent strong", timeout=60_000)
    page.wait_for_selector("#wrapup:not([hidden])", timeout=60_000)
    assert page.input_value("#wu-disp")
    page.fill("#wu-summary", "客户来电反映C形臂报警E-203，已建议创建服务工单。")
    page.click("#wrapup-form button")
    page.wait_for_selector("#wrapup-form .notice:not(:empty)")
    page.screenshot(path=str(ARTIFACTS / "desk.png"), full_page=True)
    wraps = [e for e in demo_services.ledger.find(conversation="call-ui-1") if e.kind.value == "decision"]
    assert wraps and wraps[-1].decision == "edit"
    page.close()


def test_call_audio_needs_an_agent_key(server: str) -> None:
    import json

    from websockets.sync.client import connect

    for key in ("", "dev-rep-zhang"):
        url = server.replace("http://", "ws://") + "/voice/calls/call-denied"
        with connect(url, open_timeout=20, additional_headers={"X-API-Key": key} if key else {}) as ws:
            frame = json.loads(ws.recv(timeout=20))
        assert frame["type"] == "error" and frame["reason"] in ("no_api_key", "wrong_role")
