"""Sign-in through a real OpenID Connect provider on 127.0.0.1 (oidc-provider-mock), in headless
Chromium against `handoff serve`: a rep, a manager, a viewer, an admin and an unknown address
each sign in through the real redirect flow, see exactly their part, and crafted links show
nothing outside it. The rep disputes a breach; their team's manager approves it."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_browser import (
    CHROMIUM_ARGS,
    NOW,
    _free_port,
    _require_browser,
    run_dashboard,
    settle,
    shot,
)

from connectors.demo import load_demo
from models import tables as T
from models.store import Store
from models.verdicts.service import evaluate_month

ROOT = Path(__file__).resolve().parents[2]
MONTH = "2026-10"
REP = "kevin.brooks@northwind.example"  # O09, Sales East
MANAGER = "marcus.bell@northwind.example"  # Sales East's manager
WEST_MANAGER = "elena.park@northwind.example"
VIEWER = "ceo@northwind.example"
ADMIN = "ops@northwind.example"
STRANGER = "stranger@elsewhere.example"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The identity provider: every test person is a one-click predefined user."""
    _require_browser()
    from oidc_provider_mock import User, run_server_in_thread

    users = [
        User(sub=email, claims={"email": email, "email_verified": True})
        for email in (REP, MANAGER, WEST_MANAGER, VIEWER, ADMIN, STRANGER)
    ]
    with run_server_in_thread(port=0, user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def signin_store(_migrated_store: Store) -> Store:
    _require_browser()
    _migrated_store.truncate_all()
    load_demo(_migrated_store, months=3, leads_per_month=150, now=NOW)
    return _migrated_store


@pytest.fixture(scope="module")
def app_url(
    signin_store: Store, provider: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`handoff serve` with an [auth] section pointing at the provider (a scratch secrets file)."""
    folder = tmp_path_factory.mktemp("signin")
    config = folder / "sla.toml"
    shutil.copy(ROOT / "data" / "sla.toml", config)
    shutil.copy(ROOT / "data" / "friction.toml", folder / "friction.toml")
    port = _free_port()
    url = f"http://localhost:{port}"
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "{url}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(16)}"\n'
        'client_id = "handoff-test"\n'
        'client_secret = "handoff-test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    env = dict(
        os.environ,
        DATABASE_URL=signin_store.url,
        HANDOFF_CONFIG=str(config),
        HANDOFF_NOW=NOW.isoformat(),
        STREAMLIT_SECRETS_FILES=str(secrets_file),
    )
    env.pop("HANDOFF_ADMINS", None)
    with run_dashboard(env, folder, port) as served:
        yield served


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@contextlib.contextmanager
def signed_in(chromium: object, app_url: str, email: str) -> Iterator[object]:
    """A fresh browser (no cookies) that signed in as `email` through the provider's pages."""
    context = chromium.new_context(viewport={"width": 1440, "height": 1600})  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    try:
        tab.goto(app_url)
        settle(tab)
        tab.get_by_role("button", name="Sign in").click()
        tab.wait_for_url(re.compile(r".*/oauth2/authorize.*"))
        assert tab.url.startswith("http://localhost:"), "the provider is local"
        tab.get_by_role("button", name=email).click()  # the provider's one-click user
        tab.wait_for_url(re.compile(re.escape(app_url) + r"/(overview)?(\?.*)?$"), timeout=60_000)
        settle(tab)
        yield tab
    finally:
        context.close()


def visit(tab: object, app_url: str, path: str) -> str:
    tab.goto(f"{app_url}/{path}")  # type: ignore[attr-defined]
    settle(tab)
    # On a loaded machine the run may still be on its way when the page is settled: every page
    # (and "Not yours", "Not known") writes something into the main area.
    tab.wait_for_function(  # type: ignore[attr-defined]
        "() => (document.querySelector('[data-testid=\"stMain\"]')?.innerText || '').trim().length > 0",
        timeout=60_000,
    )
    return str(tab.locator('[data-testid="stMain"]').inner_text())  # type: ignore[attr-defined]


def nav_labels(tab: object) -> list[str]:
    links = tab.locator('[data-testid="stSidebarNav"] a').all_inner_texts()  # type: ignore[attr-defined]
    return [t.strip().splitlines()[-1].strip() for t in links if t.strip()]


def breached_lead(store: Store, owner: str) -> str:
    items = evaluate_month(store, ROOT / "data" / "sla.toml", MONTH, as_of=NOW)
    first_touch = items.sla("first-touch").items
    mine = first_touch[(first_touch["state"] == "breached") & (first_touch["owner_id"] == owner)]
    return str(mine.iloc[0]["lead_id"])


def test_unknown_address_signs_in_and_sees_nothing(chromium: object, app_url: str) -> None:
    with signed_in(chromium, app_url, STRANGER) as tab:
        main = visit(tab, app_url, "drilldown?team=sales-east&rep=O09")
        assert "Not known to Handoff" in main and STRANGER in main
        assert tab.locator('[data-testid="stMetric"]').count() == 0  # type: ignore[attr-defined]
        assert "Drill-down" not in nav_labels(tab)
        shot(tab, "signin-unknown")


@pytest.mark.parametrize(
    ("email", "allowed", "refused", "setup"),
    [
        (
            REP,
            ["drilldown?month=2026-10&team=sales-east&rep=O09"],
            [
                "drilldown?month=2026-10&team=sales-west",
                "drilldown?month=2026-10&team=sales-east&rep=O13",
                "drilldown?month=2026-10&team=sales-east&as=manager:marcus.bell@northwind.example&rep=O13",
            ],
            False,
        ),
        (
            MANAGER,
            ["drilldown?month=2026-10&team=sales-east&rep=O13"],
            ["drilldown?month=2026-10&team=sales-west", "drilldown?month=2026-10&team=service"],
            False,
        ),
        (VIEWER, ["drilldown?month=2026-10&team=sales-west&rep=O20"], [], False),
        (ADMIN, ["drilldown?month=2026-10&team=service"], [], True),
    ],
)
def test_each_role_sees_exactly_its_part(
    chromium: object,
    app_url: str,
    email: str,
    allowed: list[str],
    refused: list[str],
    setup: bool,
) -> None:
    with signed_in(chromium, app_url, email) as tab:
        tab.locator('[data-testid="stMainBlockContainer"] h1', has_text="Overview").first.wait_for()  # type: ignore[attr-defined]
        labels = nav_labels(tab)
        assert ("People and access" in labels) is setup and ("Data" in labels) is setup
        assert f"Signed in as {email}" in tab.locator('[data-testid="stSidebar"]').inner_text()  # type: ignore[attr-defined]
        for path in allowed:
            visit(tab, app_url, path)
            tab.get_by_text(re.compile(r"(items|Team: )")).first.wait_for(timeout=30_000)  # type: ignore[attr-defined]
            main = str(tab.locator('[data-testid="stMain"]').inner_text())  # type: ignore[attr-defined]
            assert "Not yours" not in main, path
        for path in refused:
            visit(tab, app_url, path)
            tab.get_by_text(re.compile("^Not yours")).first.wait_for(timeout=30_000)  # type: ignore[attr-defined]
            assert tab.locator('[data-testid="stPlotlyChart"]').count() == 0  # type: ignore[attr-defined]
        if not setup:
            main = visit(tab, app_url, "data")
            assert "Import files" not in main and "Sync HubSpot now" not in main
            main = visit(tab, app_url, "people")
            assert "Who is who" not in main
        else:
            main = visit(tab, app_url, "people")
            assert "Who is who" in main and "What was done from the dashboard" in main
        shot(tab, f"signin-{email.split('@')[0]}")


def test_manager_flow_walkthrough_each_role_does_exactly_its_part(
    chromium: object, app_url: str, signin_store: Store
) -> None:
    """Issue 12's "done when", as new users would: each person signs in through the provider's
    real redirect flow. The rep disputes a breach of their own and reaches nothing of a
    teammate's or another team's by URL; the viewer reads the dispute and can decide nothing;
    another team's manager cannot open it; the team's manager approves it, files one of their own
    and cannot approve that; the admin decides the manager's dispute and reads the audit trail."""
    own = breached_lead(signin_store, "O09")
    teammates = breached_lead(signin_store, "O13")
    own_path = f"drilldown?month={MONTH}&team=sales-east&rep=O09&lead={own}"
    teammate_path = f"drilldown?month={MONTH}&team=sales-east&rep=O13&lead={teammates}"
    approve = re.compile(r"approved: the item is now excluded")

    with signed_in(chromium, app_url, REP) as tab:
        visit(tab, app_url, own_path)
        assert tab.get_by_role("button", name="Approve").count() == 0  # type: ignore[attr-defined]
        tab.get_by_label("Reason").first.fill("Duplicate of an existing customer")  # type: ignore[attr-defined]
        tab.get_by_role("button", name="File dispute").first.click()  # type: ignore[attr-defined]
        settle(tab)
        tab.get_by_text(re.compile(r"Dispute #\d+ filed")).wait_for()  # type: ignore[attr-defined]
        for path in (teammate_path, f"drilldown?month={MONTH}&team=sales-west", "overview?team=service"):
            visit(tab, app_url, path)
            tab.get_by_text(re.compile("^Not yours")).first.wait_for(timeout=30_000)  # type: ignore[attr-defined]
            assert tab.locator('[data-testid="stPlotlyChart"]').count() == 0, path  # type: ignore[attr-defined]
    filed = signin_store.select_rows(T.Dispute).iloc[0]
    assert (filed["status"], filed["raised_by"]) == ("pending", REP)

    with signed_in(chromium, app_url, VIEWER) as tab:
        main = visit(tab, app_url, own_path)
        tab.get_by_text("Duplicate of an existing customer").first.wait_for()  # type: ignore[attr-defined]
        assert "Waiting for the team's manager to decide" in str(
            tab.locator('[data-testid="stMain"]').inner_text()  # type: ignore[attr-defined]
        ), main[:500]
        for name in ("Approve", "Reject", "File dispute"):
            assert tab.get_by_role("button", name=name).count() == 0, name  # type: ignore[attr-defined]

    with signed_in(chromium, app_url, WEST_MANAGER) as tab:
        assert "Not yours" in visit(tab, app_url, own_path), "another team's manager cannot open it"

    with signed_in(chromium, app_url, MANAGER) as tab:
        visit(tab, app_url, own_path)
        tab.get_by_role("button", name="Approve").first.click()  # type: ignore[attr-defined]
        settle(tab)
        tab.get_by_text(approve).wait_for()  # type: ignore[attr-defined]
        shot(tab, "signin-manager-approved")
        visit(tab, app_url, teammate_path)
        tab.get_by_label("Reason").first.fill("CRM outage that morning")  # type: ignore[attr-defined]
        tab.get_by_role("button", name="File dispute").first.click()  # type: ignore[attr-defined]
        settle(tab)
        tab.get_by_text(re.compile(r"Dispute #\d+ filed")).wait_for()  # type: ignore[attr-defined]
        visit(tab, app_url, teammate_path)
        tab.get_by_text(re.compile("you raised it")).first.wait_for()  # type: ignore[attr-defined]
        assert tab.get_by_role("button", name="Approve").count() == 0, "nobody approves their own"  # type: ignore[attr-defined]

    with signed_in(chromium, app_url, ADMIN) as tab:
        visit(tab, app_url, teammate_path)
        tab.get_by_role("button", name="Approve").first.click()  # type: ignore[attr-defined]
        settle(tab)
        tab.get_by_text(approve).wait_for()  # type: ignore[attr-defined]
        main = visit(tab, app_url, "people")
        assert "What was done from the dashboard" in main

    disputes = signin_store.select_rows(T.Dispute, order_by="id")
    assert list(zip(disputes["raised_by"], disputes["status"], disputes["decided_by"], strict=True)) == [
        (REP, "approved", MANAGER),
        (MANAGER, "approved", ADMIN),
    ]
    audit = signin_store.select_rows(T.AuditEntry, order_by="id")
    assert list(zip(audit["action"], audit["actor"], strict=True))[-4:] == [
        ("dispute.raise", REP),
        ("dispute.decide", MANAGER),
        ("dispute.raise", MANAGER),
        ("dispute.decide", ADMIN),
    ]
