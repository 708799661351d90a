"""The dashboard in a real browser: headless Chromium (Debian's /usr/bin/chromium) driven by
Playwright against `handoff serve --headless` on the demo organisation.

Done when: a manager, tried as a new user would, opens the dashboard, sees this month's state,
finds the worst rep for first touch, opens one of their breached leads, understands why it
breached, disputes it, and approves the dispute as a manager. Screenshots go to
artifacts/screenshots/ (CI keeps them).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.demo import load_demo
from models import tables as T
from models.store import Store

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "artifacts" / "screenshots"
NOW = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Navigation label -> the page's heading.
PAGES = {
    "Overview": "Overview",
    "Follow-up": "Follow-up",
    "Service handoff": "Service handoff",
    "Friction": "friction report",
    "Drill-down": "Drill-down",
    "SLA settings": "SLA settings",
    "Data": "Data",
}

# Navigation label -> the page's address.
PATHS = {
    "Overview": "overview",
    "Follow-up": "follow_up",
    "Service handoff": "service",
    "Friction": "friction",
    "Drill-down": "drilldown",
    "SLA settings": "sla_settings",
    "Data": "data",
}

pytestmark = pytest.mark.browser


def _require_browser() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("HANDOFF_REQUIRE_BROWSER") == "1":
        pytest.fail(
            f"{CHROMIUM} is missing and HANDOFF_REQUIRE_BROWSER=1: apt-get install chromium"
        )
    pytest.skip(
        f"{CHROMIUM} is missing (apt-get install chromium); set HANDOFF_REQUIRE_BROWSER=1 to fail instead"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def demo_store(_migrated_store: Store) -> Store:
    _require_browser()
    _migrated_store.truncate_all()
    load_demo(_migrated_store, months=3, leads_per_month=150, now=NOW)
    return _migrated_store


@contextlib.contextmanager
def serve(database_url: str, folder: Path) -> Iterator[str]:
    """`handoff serve --headless --port P` on `database_url`, with the clock pinned and a
    scratch copy of the SLA file in `folder`; yields the dashboard's address."""
    config = folder / "sla.toml"
    shutil.copy(ROOT / "data" / "sla.toml", config)
    shutil.copy(ROOT / "data" / "friction.toml", folder / "friction.toml")
    port = _free_port()
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        HANDOFF_CONFIG=str(config),
        HANDOFF_NOW=NOW.isoformat(),
    )
    with run_dashboard(env, folder, port) as url:
        yield url


@contextlib.contextmanager
def run_dashboard(env: dict[str, str], folder: Path, port: int) -> Iterator[str]:
    """`handoff serve` on `port` with `env`, in its own process group (its log in `folder`);
    yields its address once Streamlit answers, and stops it and its child afterwards."""
    handoff = Path(sys.executable).parent / "handoff"
    log = (folder / "serve.log").open("w")
    process = subprocess.Popen(
        [str(handoff), "serve", "--headless", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://localhost:{port}"
    try:
        # The server opens its port after the warmer's first pass (seconds on the demo).
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("the dashboard did not start within 180 s")
        yield url
    finally:
        os.killpg(process.pid, 15)  # the server and its streamlit child, nothing else
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def server(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on the demo database."""
    with serve(demo_store.url, tmp_path_factory.mktemp("serve")) as url:
        yield url


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on a fresh database (its own SQLite file: the demo database stays loaded
    for the other tests; the page code is the same on either database)."""
    _require_browser()
    folder = tmp_path_factory.mktemp("serve-empty")
    with serve(f"sqlite:///{folder / 'empty.db'}", folder) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1440, "height": 1800})  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    yield tab
    context.close()


def settle(tab: object, heading: str | None = None) -> None:
    """Wait until Streamlit has finished running the script (and shows `heading`, if given)."""
    # A rerun starts a moment after the click that caused it; a fast one may be over before we look.
    with contextlib.suppress(Exception):
        tab.wait_for_selector('[data-testid="stStatusWidget"]', timeout=1500)  # type: ignore[attr-defined]
    try:
        tab.wait_for_function(  # type: ignore[attr-defined]
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
            timeout=120_000,
        )
    except Exception:
        shot(tab, "timeout")  # what the browser showed, for the CI artifacts
        raise
    if heading is not None:
        tab.locator('[data-testid="stMainBlockContainer"] h1', has_text=heading).first.wait_for(
            timeout=120_000
        )  # type: ignore[attr-defined]
    time.sleep(0.5)


def assert_no_error(tab: object, where: str) -> None:
    exceptions = tab.locator('[data-testid="stException"]')  # type: ignore[attr-defined]
    errors = tab.locator('[data-testid="stAlertContentError"]')  # type: ignore[attr-defined]
    assert exceptions.count() == 0, f"{where}: {exceptions.all_inner_texts()}"
    assert errors.count() == 0, f"{where}: {errors.all_inner_texts()}"


# Streamlit scrolls inside its main container, so a "full page" screenshot would stop at the
# window's height: grow the window to the content's height for the shot, then restore it.
_CONTENT_HEIGHT = """() => Math.max(...[
    document.querySelector('[data-testid="stMain"]'),
    document.querySelector('[data-testid="stAppViewContainer"]'),
    document.scrollingElement,
].filter(Boolean).map(e => e.scrollHeight))"""


def shot(tab: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = tab.viewport_size  # type: ignore[attr-defined]
    shown = size["height"] if size else 0
    for _ in range(4):  # charts and tables may still grow the page after a resize
        height = min(int(tab.evaluate(_CONTENT_HEIGHT)), 8000)  # type: ignore[attr-defined]
        if not size or height <= shown:
            break
        shown = height
        tab.set_viewport_size({"width": size["width"], "height": height})  # type: ignore[attr-defined]
        time.sleep(1.0)  # plotly re-lays out its charts on resize
    try:
        tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
    finally:
        if size:
            tab.set_viewport_size(size)  # type: ignore[attr-defined]


_CUT_METRIC_LABELS = """() => Array.from(document.querySelectorAll(
        '[data-testid="stMetricLabel"], [data-testid="stMetricValue"], [data-testid="stMetricDelta"]'))
    .filter(part => [part, ...part.querySelectorAll('p, div, span')]
        .some(e => e.scrollWidth > e.clientWidth + 1))
    .map(part => part.innerText)"""


def cut_metric_labels(tab: object) -> list[str]:
    """Metric labels, values or deltas a card cuts off with an ellipsis (meaning lost)."""
    return list(tab.evaluate(_CUT_METRIC_LABELS))  # type: ignore[attr-defined]


def open_nav(tab: object, label: str) -> None:
    tab.locator('[data-testid="stSidebarNav"] a', has_text=label).first.click()  # type: ignore[attr-defined]
    settle(tab, PAGES[label])


def choose(tab: object, label: str, text: str | None = None) -> None:
    """Pick an option of the selectbox labelled `label`: the first one containing `text`, or the
    first option when `text` is None."""
    box = tab.locator('[data-testid="stSelectbox"]', has=tab.get_by_text(label, exact=True)).first  # type: ignore[attr-defined]
    box.click()
    if text:
        tab.keyboard.type(text)  # type: ignore[attr-defined]  # the list is virtual: filter it
    options = tab.locator('[role="option"]')  # type: ignore[attr-defined]
    options.first.wait_for()
    target = options.filter(has_text=text).first if text else options.first
    target.click()
    settle(tab)


def _slug(label: str) -> str:
    return label.lower().replace(" ", "-")


def test_empty_database_tells_the_user_what_to_do(empty_server: str, page: object) -> None:
    page.goto(f"{empty_server}/overview")  # type: ignore[attr-defined]
    settle(page, "Overview")
    for index, label in enumerate(PAGES, start=1):
        open_nav(page, label)
        assert_no_error(page, f"{label} on an empty database")
        if label != "SLA settings":  # the SLA file is there before any data
            page.get_by_text("No data yet").first.wait_for()  # type: ignore[attr-defined]
            assert page.get_by_role("button", name="Load demo data").count() >= 1  # type: ignore[attr-defined]
            assert page.get_by_text("handoff sync hubspot").count() >= 1  # type: ignore[attr-defined]
        shot(page, f"empty-{index:02d}-{_slug(label)}")


def test_every_page_loads_without_error(server: str, page: object) -> None:
    page.goto(f"{server}/overview")  # type: ignore[attr-defined]
    settle(page, "Overview")
    for index, label in enumerate(PAGES, start=1):
        open_nav(page, label)
        assert_no_error(page, label)
        assert page.locator('[data-testid="stMainBlockContainer"] h1').count() >= 1  # type: ignore[attr-defined]
        shot(page, f"{index:02d}-{_slug(label)}")
        assert cut_metric_labels(page) == [], f"{label}: metric labels cut off at 1440 px"


def test_every_page_fits_a_1024_px_window(server: str, page: object) -> None:
    page.set_viewport_size({"width": 1024, "height": 900})  # type: ignore[attr-defined]
    for index, (label, path) in enumerate(PATHS.items(), start=1):
        # At this width Streamlit starts with the sidebar collapsed: open pages by address.
        page.goto(f"{server}/{path}")  # type: ignore[attr-defined]
        settle(page, PAGES[label])
        assert_no_error(page, f"{label} at 1024 px")
        shot(page, f"narrow-{index:02d}-{_slug(label)}")
        assert cut_metric_labels(page) == [], f"{label}: metric labels cut off at 1024 px"


def test_manager_finds_worst_rep_disputes_a_breach_and_approves_it(
    server: str, page: object, demo_store: Store
) -> None:
    tab = page
    tab.goto(server)  # type: ignore[attr-defined]
    settle(tab, "Overview")
    assert_no_error(tab, "overview")
    tab.get_by_text("Per-lead SLAs").wait_for()  # type: ignore[attr-defined]
    tab.locator('[data-testid="stMetric"]').nth(7).wait_for()  # type: ignore[attr-defined]  # quota and SLA cards
    shot(tab, "flow-0-overview")

    open_nav(tab, "Follow-up")
    callout = tab.get_by_text(re.compile(r"Slowest rep for first touch this month: ")).first  # type: ignore[attr-defined]
    rep = re.search(r"this month: ([^(\n]+?)\s*(?:\(|$)", callout.inner_text()).group(1)  # type: ignore[union-attr]
    shot(tab, "flow-1-follow-up-worst-rep")
    tab.get_by_role("link", name=re.compile(f"Open {re.escape(rep)}'s leads")).click()  # type: ignore[attr-defined]
    settle(tab, "Drill-down")
    tab.get_by_text(f"{rep}'s items").wait_for()  # type: ignore[attr-defined]
    assert_no_error(tab, "drill-down rep")
    assert "rep=" in tab.url  # type: ignore[attr-defined]

    choose(tab, "Lead")  # breached leads come first
    assert_no_error(tab, "drill-down lead")
    lead = re.search(r"lead=([^&]+)", tab.url).group(1)  # type: ignore[attr-defined, union-attr]
    tab.get_by_text(re.compile(r"BREACHED: clock started")).first.wait_for()  # type: ignore[attr-defined]
    tab.locator('[data-testid="stPlotlyChart"]').first.wait_for()  # type: ignore[attr-defined]
    shot(tab, "flow-2-lead-timeline")

    choose(tab, "Try Handoff as", f"Rep · {rep}")
    tab.get_by_label("Reason").first.fill(
        "Duplicate of an existing customer; worked on the original lead"
    )  # type: ignore[attr-defined]
    tab.get_by_role("button", name="File dispute").first.click()  # type: ignore[attr-defined]
    settle(tab)
    assert_no_error(tab, "dispute filed")
    tab.get_by_text(re.compile(r"Dispute #\d+ filed")).wait_for()  # type: ignore[attr-defined]
    shot(tab, "flow-3-dispute-filed")
    filed = demo_store.select_rows(T.Dispute)
    assert list(filed["status"]) == ["pending"]

    owners = demo_store.read_entity("owner").set_index("name")
    teams = demo_store.read_entity("team").set_index("team_id")
    manager = str(teams.loc[owners.loc[rep, "team_id"], "manager_email"])
    choose(tab, "Try Handoff as", manager)  # the rep's own team's manager
    tab.get_by_role("button", name="Approve").first.click()  # type: ignore[attr-defined]
    settle(tab)
    assert_no_error(tab, "dispute approved")
    tab.get_by_text(re.compile(r"approved: the item is now excluded")).wait_for()  # type: ignore[attr-defined]
    shot(tab, "flow-4-dispute-approved")
    decided = demo_store.select_rows(T.Dispute).iloc[0]
    assert decided["status"] == "approved"
    assert decided["decided_by"] == manager
    assert str(decided["item_id"]) in (lead, lead.split("%")[0])


_TABLE_HEADERS = """() => Array.from(document.querySelectorAll('[data-testid="stDataFrame"]'))
    .map(table => {
        const box = table.getBoundingClientRect();
        const heads = Array.from(table.querySelectorAll('[role="columnheader"]'));
        return {right: box.right, heads: heads.map(h => h.innerText.trim())};
    })"""


def test_link_columns_stay_in_view_at_1024_px_and_friction_opens_on_the_last_full_month(
    server: str, page: object
) -> None:
    page.set_viewport_size({"width": 1024, "height": 900})  # type: ignore[attr-defined]
    for path, heading, tab in (
        ("overview", "Overview", None),
        ("service", "Service handoff", "Customers"),
    ):
        page.goto(f"{server}/{path}")  # type: ignore[attr-defined]
        settle(page, heading)
        if tab is not None:
            page.get_by_role("tab", name=tab).click()  # type: ignore[attr-defined]
            time.sleep(1.0)
        assert_no_error(page, f"{heading} at 1024 px")
        page.wait_for_function(  # type: ignore[attr-defined]
            """() => Array.from(document.querySelectorAll(
                '[data-testid="stDataFrame"] [role="columnheader"]'))
                .some(h => h.innerText.trim().startsWith('Drill-down'))""",
            timeout=60_000,
        )
        tables = page.evaluate(_TABLE_HEADERS)  # type: ignore[attr-defined]
        assert all(t["right"] <= 1024 + 1 for t in tables), tables  # no table runs off-screen
        linked = [t["heads"] for t in tables if any(h.startswith("Drill-down") for h in t["heads"])]
        assert linked, f"{heading}: a table with a drill-down link column"
        # Pinned first: whatever scrolls sideways, the way into a row stays visible.
        assert all(heads[0].startswith("Drill-down") for heads in linked), linked
        shot(page, f"narrow-links-{path}")
    page.goto(f"{server}/friction")  # type: ignore[attr-defined]
    settle(page, "friction report")
    title = page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text()  # type: ignore[attr-defined]
    assert title == "Handoff friction report, September 2026"  # NOW is 20 October
    shot(page, "narrow-friction-default-month")


@pytest.mark.browser
def test_a_deep_link_on_a_fresh_server_runs_the_page_once(
    demo_store: Store, browser: object, tmp_path: Path
) -> None:
    """The first visitor of a freshly started server, arriving by a link to a page, waits for
    one script run: not a run of the page file alone that then starts over through app.py
    (Streamlit's pages-directory mode, which `handoff serve` ends before anyone connects)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    finished: list[int] = []

    def received(payload: object) -> None:
        if isinstance(payload, bytes):
            message = ForwardMsg()
            message.ParseFromString(payload)
            if message.WhichOneof("type") == "script_finished":
                finished.append(int(message.script_finished))

    with serve(demo_store.url, tmp_path) as url:
        context = browser.new_context(viewport={"width": 1440, "height": 1000})  # type: ignore[attr-defined]
        tab = context.new_page()
        tab.on("websocket", lambda ws: ws.on("framereceived", received))
        tab.goto(f"{url}/follow_up")
        settle(tab, "Follow-up")
        context.close()
    assert finished == [ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY], finished
