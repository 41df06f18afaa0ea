"""The HTML report is self-contained and readable in a real browser: opened in headless Debian chromium through
Playwright, screenshotted to test-artifacts/, with assertions on what is visible."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.report import render_html, render_markdown, write_html
from evals.runner import RunResult

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def test_html_is_self_contained_and_puts_failures_first(bad_run: RunResult) -> None:
    html = render_html(bad_run)
    assert "<script" not in html and "http://" not in html and "https://" not in html  # no CDN, no scripts
    assert html.count("<svg") >= 2
    first_case = html.index('<details class="case')
    assert html[first_case:].startswith('<details class="case case-error" open>')  # the crashed case leads
    assert html.index("case-fail") < html.index("case-pass")
    assert "意图准确率 Intent accuracy" in html and "证据 Evidence" in html and "草稿 Draft" in html


def test_markdown_summary_lists_gates_and_failing_cases(bad_run: RunResult) -> None:
    md = render_markdown(bad_run)
    assert "| 门禁 Gate |" in md and "out-of-scope-fishing-c1005" in md and "出错 error" in md


@pytest.mark.browser
def test_report_renders_in_headless_chromium(bad_run: RunResult, tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium missing: apt-get install chromium (make test does this)")
    report = write_html(bad_run, tmp_path / "report.html")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "evals-report.png"
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1600})
            page.goto(report.as_uri())
            assert page.locator("h1").inner_text().startswith("评测报告 Eval report")
            first = page.locator("details.case").first
            assert "出错 error" in first.locator("summary").inner_text()
            assert first.locator("pre").first.is_visible()  # the crash's traceback is shown, opened
            assert "模拟崩溃" in first.inner_text()
            assert page.locator("svg.chart").first.is_visible()
            failing = page.locator("details.case-fail").first
            assert failing.is_visible() and "✘" in failing.inner_text()
            headline = page.locator("details.case", has_text="headline-rebate-c1001")
            assert headline.get_attribute("open") is not None  # failing cases open by default
            evidence = headline.locator("details", has_text="证据 Evidence")
            evidence.locator("summary").click()  # drill down into the evidence behind the draft
            clause = evidence.locator(".ev").first
            assert clause.is_visible() and "骨科耗材返点协议V3.1" in clause.inner_text()
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(shot), full_page=False)
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
