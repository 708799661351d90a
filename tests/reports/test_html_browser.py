"""The HTML report in a real headless Chromium: it loads offline without errors, draws its charts
and fetches nothing from the network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from report_builders import MONTH, NOW

from models.settings import DEFAULT_CONFIG_PATH
from models.store import Store
from reports.render_html import render_html
from reports.runner import build_report

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and os.environ.get("HANDOFF_REQUIRE_BROWSER") != "1",
        reason="/usr/bin/chromium is not installed",
    ),
]


def test_html_opens_in_chromium_without_errors(demo_store: Store, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    report = build_report(demo_store, DEFAULT_CONFIG_PATH, MONTH, as_of=NOW)
    page_path = tmp_path / "report.html"
    page_path.write_text(render_html(report), encoding="utf-8")
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_path.as_uri())
            assert page.title() == "Handoff friction report, April 2026"
            assert page.locator("svg.chart").count() >= 3
            assert page.locator("#sla_results tbody tr").count() == len(report.table("sla_results"))
            assert "Top three actions" in page.inner_text("#summary")
            pdf = page.pdf()  # printable: Chromium's own print path accepts it
            assert pdf[:4] == b"%PDF"
        finally:
            browser.close()
    assert errors == []
    assert all(url.startswith("file://") for url in requests), requests
