"""Every dashboard page through Streamlit's AppTest, on an empty database and on the demo
organisation; the key numbers must match `handoff evaluate` for the same month and instant."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import streamlit as st
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from cli import app as cli_app
from connectors.demo import load_demo
from models import tables as T
from models.store import Store
from models.verdicts.service import evaluate_month
from ui.theme import KIND_LABELS

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)
MONTH = "2026-10"
PAGES = [
    "pages/overview.py",
    "pages/follow_up.py",
    "pages/service.py",
    "pages/friction.py",
    "pages/drilldown.py",
    "pages/sla_settings.py",
    "pages/data.py",
]


def loopback_only(request: pytest.FixtureRequest) -> None:
    """Listen on 127.0.0.1 for this test (AppTest runs in this process)."""
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", "127.0.0.1")
    request.addfinalizer(lambda: st_config.set_option("server.address", before))


@pytest.fixture
def dashboard_env(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Path:
    """The dashboard pointed at the test database, a scratch copy of the SLA file and a fixed clock."""
    config = tmp_path / "sla.toml"
    shutil.copy(ROOT / "data" / "sla.toml", config)
    shutil.copy(ROOT / "data" / "friction.toml", config.parent / "friction.toml")
    monkeypatch.setenv("DATABASE_URL", store.url)
    monkeypatch.setenv("HANDOFF_CONFIG", str(config))
    monkeypatch.setenv("HANDOFF_NOW", NOW.isoformat())
    monkeypatch.setenv("HANDOFF_DEMO_MONTHS", "2")
    monkeypatch.setenv("HANDOFF_DEMO_LEADS_PER_MONTH", "60")
    monkeypatch.delenv("HANDOFF_ADMINS", raising=False)
    # What `handoff serve` does by default: loopback only, so no [auth] means the demo mode.
    loopback_only(request)
    st.cache_data.clear()
    st.cache_resource.clear()
    return config


@pytest.fixture
def demo(store: Store, dashboard_env: Path) -> Iterator[Store]:
    load_demo(store, months=3, leads_per_month=150, now=NOW)
    yield store


def open_app(page: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(query)
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, f"no metric {label!r}; have {[m.label for m in at.metric]}"
    return found[0]


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


@pytest.mark.parametrize("page", PAGES)
def test_page_on_empty_database_says_what_to_do(dashboard_env: Path, page: str) -> None:
    at = open_app(page)
    assert_clean(at)
    assert at.title, "the page keeps its title, so the user sees where they are"
    text = " ".join(m.value for m in at.markdown) + " ".join(s.value for s in at.subheader)
    if page != "pages/sla_settings.py":
        assert "No data yet" in text
        assert "handoff demo" in text
        assert any(b.label == "Load demo data" for b in at.button)


def test_load_demo_button_fills_an_empty_database(dashboard_env: Path, store: Store) -> None:
    at = open_app("pages/data.py")
    next(b for b in at.button if b.label == "Load demo data").click().run()
    assert_clean(at)
    assert store.count_rows()["lead"] > 0
    assert any("Demo organisation loaded" in s.value for s in at.success)
    assert metric(at, "Teams") == "4"


@pytest.mark.parametrize("page", PAGES)
def test_page_on_demo_renders(demo: Store, page: str) -> None:
    at = open_app(page)
    assert_clean(at)
    assert at.title, "every page has a title"


def test_overview_numbers_match_handoff_evaluate(demo: Store, dashboard_env: Path) -> None:
    result = CliRunner().invoke(
        cli_app,
        [
            "evaluate",
            "--month",
            MONTH,
            "--as-of",
            NOW.isoformat(),
            "--format",
            "json",
            "--database-url",
            demo.url,
            "--config",
            str(dashboard_env),
        ],
    )
    assert result.exit_code == 0, result.output
    evaluation = json.loads(result.output)
    at = open_app(month=MONTH)
    assert_clean(at)
    for sla in evaluation["slas"]:
        if sla["kind"] == "lead_quota":
            assert metric(at, "Delivered") == f"{sla['delivered']:,}"
            assert metric(at, "Accepted") == f"{sla['accepted']:,}"
            assert metric(at, "Target") == f"{sla['target']:,}"
        else:
            assert metric(at, KIND_LABELS[sla["kind"]]) == pct(sla["compliance_pct"]), sla["id"]
            # The card's label is short; the SLA's full name is right under it.
            assert any(sla["name"] in c.value for c in at.caption), sla["name"]


@pytest.mark.parametrize("team_id", ["sales-east", "sales-west"])
def test_team_filter_matches_evaluate_for_that_team(
    demo: Store, dashboard_env: Path, team_id: str
) -> None:
    expected = evaluate_month(demo, dashboard_env, MONTH, as_of=NOW, team_id=team_id)
    at = open_app(month=MONTH, team=team_id)
    assert_clean(at)
    assert at.selectbox(key="f_team").value == team_id
    for sla in expected.slas:
        if sla.kind != "lead_quota":
            assert metric(at, KIND_LABELS[sla.kind]) == pct(sla.compliance_pct), sla.sla_id


def test_follow_up_and_service_match_evaluate(demo: Store, dashboard_env: Path) -> None:
    expected = evaluate_month(demo, dashboard_env, MONTH, as_of=NOW)
    touch = next(s for s in expected.slas if s.kind == "first_touch")
    service = next(s for s in expected.slas if s.kind == "service_first_contact")
    at = open_app("pages/follow_up.py", month=MONTH)
    assert_clean(at)
    assert metric(at, "Within target") == pct(touch.compliance_pct)
    slowest = [m.value for m in at.markdown if "Slowest rep for first touch" in m.value]
    assert slowest, "the worst rep for first touch is named"
    at.switch_page("pages/service.py").run()
    assert_clean(at)
    assert metric(at, "New customers") == f"{len(service.items):,}"
    assert metric(at, "Reached within target") == pct(service.compliance_pct)


def manager_email(store: Store, team_id: str) -> str:
    """A team's manager (the demo role switcher's option for them)."""
    teams = store.read_entity("team").set_index("team_id")
    return str(teams.loc[team_id, "manager_email"])


def rep_email(store: Store, owner_id: str) -> str:
    owners = store.read_entity("owner").set_index("owner_id")
    return str(owners.loc[owner_id, "email"])


def open_as(email: str, page: str | None = None, **query: str) -> AppTest:
    """The app in demo mode, switched to `email` (a rep, manager, viewer or admin)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.selectbox(key="demo_as").set_value(email).run()
    at.query_params.update(query)
    if page is not None:
        at.switch_page(page).run()
    else:
        at.run()
    return at


def _breached_lead(store: Store, config: Path) -> tuple[str, str, str]:
    evaluation = evaluate_month(store, config, MONTH, as_of=NOW)
    items = evaluation.sla("first-touch").items
    breached = items[(items["state"] == "breached") & items["owner_id"].notna()].iloc[0]
    return str(breached["team_id"]), str(breached["owner_id"]), str(breached["lead_id"])


def test_drill_down_link_explains_a_breach_and_dispute_is_approved(
    demo: Store, dashboard_env: Path
) -> None:
    team, rep, lead = _breached_lead(demo, dashboard_env)
    at = open_as(
        rep_email(demo, rep), "pages/drilldown.py", month=MONTH, team=team, rep=rep, lead=lead
    )
    assert_clean(at)
    assert at.selectbox(key="dd_lead").value == lead
    explanations = [m.value for m in at.markdown if "BREACHED" in m.value]
    assert explanations, "the breach is explained in words"
    assert len(at.get("plotly_chart")) == 1, "the lead's timeline is drawn"

    at.text_area(key=f"reason_first-touch_{lead}").input(
        "Lead was a duplicate of an existing customer"
    )
    next(b for b in at.button if b.label == "File dispute").click().run()
    assert_clean(at)
    disputes = demo.select_rows(T.Dispute)
    assert list(disputes["status"]) == ["pending"]
    assert disputes.iloc[0]["raised_by"] == rep_email(demo, rep)

    manager = manager_email(demo, team)
    at.selectbox(key="demo_as").set_value(manager).run()
    approve = [b for b in at.button if b.label == "Approve"]
    assert approve, "a manager sees the pending dispute"
    approve[0].click().run()
    assert_clean(at)
    decided = demo.select_rows(T.Dispute).iloc[0]
    assert decided["status"] == "approved"
    assert decided["decided_by"] == manager
    audit = demo.select_rows(T.AuditEntry, order_by="id")
    assert list(audit["action"]) == ["dispute.raise", "dispute.decide"]
    assert list(audit["actor"]) == [rep_email(demo, rep), manager]

    after = evaluate_month(demo, dashboard_env, MONTH, as_of=NOW, team_id=team).sla("first-touch")
    at.switch_page("pages/overview.py").run()  # still filtered to the team
    assert metric(at, KIND_LABELS[after.kind]) == pct(after.compliance_pct)
    assert after.counts["excluded"] >= 1


def test_rep_cannot_decide_disputes(demo: Store, dashboard_env: Path) -> None:
    team, rep, lead = _breached_lead(demo, dashboard_env)
    at = open_as(
        rep_email(demo, rep), "pages/drilldown.py", month=MONTH, team=team, rep=rep, lead=lead
    )
    assert_clean(at)
    assert not [b for b in at.button if b.label in ("Approve", "Reject")]


def test_sla_settings_preview_then_save_adds_a_version(demo: Store, dashboard_env: Path) -> None:
    at = open_app("pages/sla_settings.py")
    assert_clean(at)
    at.selectbox(key="versions_sla").set_value("first-touch").run()
    at.text_input[1].input("8h")  # "Within"
    next(b for b in at.button if b.label.startswith("Preview on")).click().run()
    assert_clean(at)
    preview = at.dataframe[-1].value
    assert list(preview["Version"]) == ["In force", "Draft"]
    assert (
        preview["Compliance / attainment %"].iloc[1] >= preview["Compliance / attainment %"].iloc[0]
    )

    at.text_input[1].input("8h")
    next(b for b in at.button if b.label == "Save new version").click().run()
    assert_clean(at)
    assert 'within = "8h"' in dashboard_env.read_text()
    versions = demo.select_rows(T.SlaVersion, {"sla_id": "first-touch"})
    assert versions["version"].max() == len(versions) >= 3


CSV_TEAMS = b"team_id,name,tier\nsales-x,Sales X,sales\n"
CSV_OWNERS = b"owner_id,name,email,team_id\nOX,Xavier,x@example.com,sales-x\n"
CSV_LEADS_BAD = b"lead_id,created_at\nLX1,2026-10-01T10:00:00\n"


def test_csv_upload_imports_or_lists_every_problem(dashboard_env: Path, store: Store) -> None:
    at = open_app("pages/data.py")
    at.file_uploader[0].set_value(
        [
            ("teams.csv", CSV_TEAMS, "text/csv"),
            ("owners.csv", CSV_OWNERS, "text/csv"),
            ("leads.csv", CSV_LEADS_BAD, "text/csv"),
        ]
    ).run()
    next(b for b in at.button if b.label == "Import files").click().run()
    assert at.error, "a bad file is reported"
    assert "leads.csv:2" in at.error[0].value
    assert store.count_rows()["team"] == 0, "all-or-nothing"

    at.file_uploader[0].set_value(
        [("teams.csv", CSV_TEAMS, "text/csv"), ("owners.csv", CSV_OWNERS, "text/csv")]
    ).run()
    next(b for b in at.button if b.label == "Import files").click().run()
    assert_clean(at)
    assert store.count_rows()["owner"] == 1


def test_service_page_credits_first_contacts_to_the_service_rep_who_made_them(
    demo: Store, dashboard_env: Path
) -> None:
    expected = evaluate_month(demo, dashboard_env, MONTH, as_of=NOW)
    items = next(s for s in expected.slas if s.kind == "service_first_contact").items
    activities = demo.read_activities_for_leads(sorted(items["lead_id"].astype(str).unique()))
    owners = demo.read_entity("owner").set_index("owner_id")
    teams = demo.read_entity("team").set_index("team_id")
    contact_owner = items["stop_activity_id"].map(activities.set_index("activity_id")["owner_id"])
    want = contact_owner.dropna().map(owners["name"]).value_counts().to_dict()
    assert want, "the demo month has customers contacted by service"
    assert set(contact_owner.dropna().map(owners["team_id"]).map(teams["tier"])) == {"service"}

    at = open_app("pages/service.py", month=MONTH)
    assert_clean(at)
    table = next(d.value for d in at.dataframe if "contact_rep" in d.value.columns)
    shown = table[table["contact_rep"] != "(not contacted yet)"]
    assert dict(zip(shown["contact_rep"], shown["items"], strict=True)) == want
    assert int(table["items"].sum()) == len(items)
    # The closing team is labelled as a sales team, not as the service team.
    assert any("By closing sales team" in t.label for t in at.tabs)
