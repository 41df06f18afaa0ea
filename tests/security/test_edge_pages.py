"""Edge probes on the pages in real headless Chromium: a `?key=` link must not replace the key a rep is logged in with,
and the pages run under the CSP without a single violation (their live stream included)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from copilot.app import create_app
from copilot.settings import Settings
from tests.conftest import free_port, wait_port

pytestmark = [pytest.mark.browser, pytest.mark.models, pytest.mark.postgres]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-quic"]  # fmt: skip


@pytest.fixture(scope="module")
def server(security_settings: Settings, security_services: Any) -> Iterator[str]:
    app = create_app(security_settings, services=security_services, start_worker=False)
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

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.mark.probe(
    id="ui-key-link-overwrite",
    sends="a link /ui/sidebar?key=<someone else's key> opened by a rep already logged in with their own key",
    expect="the stored key stays, the page runs as the rep, and the key is removed from the address bar",
)
def test_a_key_link_never_replaces_the_stored_key(server: str, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}/ui/sidebar?key=dev-rep-zhang")  # a fresh browser may still log in by link
    page.wait_for_selector("#conn.ok", timeout=20_000)
    assert page.evaluate("localStorage.getItem('copilot.key')") == "dev-rep-zhang"
    assert "key=" not in page.url
    page.goto(f"{server}/ui/sidebar?customer=C1001&key=dev-rep-li")  # the attacker's link
    page.wait_for_selector("#conn.ok", timeout=20_000)
    assert page.evaluate("localStorage.getItem('copilot.key')") == "dev-rep-zhang"
    assert page.evaluate("App.key") == "dev-rep-zhang"
    page.wait_for_selector("#who:not(:empty)", timeout=20_000)
    assert "rep_zhang" in page.inner_text("#who") and "rep_li" not in page.inner_text("#who")
    assert "key=" not in page.url and "customer=C1001" in page.url
    context.close()


@pytest.mark.probe(
    id="pages-under-csp",
    sends="open every page (sidebar with its live stream, desk, admin, index) in Chromium under the CSP",
    expect="no CSP violation reported by the browser; the stream connects with a short-lived token",
)
def test_pages_run_under_the_csp_without_violations(server: str, browser: Any) -> None:
    context = browser.new_context()
    violations: list[str] = []
    page = context.new_page()
    page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    streams: list[str] = []
    page.on("request", lambda req: streams.append(req.url) if "/v1/stream?" in req.url else None)
    for path, ready in (
        ("/ui/sidebar?key=dev-rep-zhang", "#conn.ok"),
        ("/ui/desk?call=call-csp-1", "#conn.ok"),
        ("/ui/admin", "body"),
        ("/ui/", "body"),
    ):
        if path.startswith("/ui/desk"):
            page.evaluate("localStorage.setItem('copilot.key', 'dev-agent-chen')")
        if path == "/ui/admin":
            page.evaluate("localStorage.setItem('copilot.key', 'dev-admin')")
        page.goto(server + path)
        page.wait_for_selector(ready, timeout=30_000)
        page.wait_for_timeout(500)
    assert violations == []
    assert streams and all("token=" in u and "api_key" not in u and "dev-" not in u for u in streams)
    context.close()
