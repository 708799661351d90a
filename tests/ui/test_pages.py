"""Every dashboard page through Streamlit's AppTest, on an empty database and on the demo
organisation; the key numbers must match `handoff evaluate` for the same month and instant."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
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
        if sla["kind"] == "lead_quota" and sla.get("owners") is not None:
            # The per-rep quota (data/sla.toml's leads-per-rep) has its own strip.
            assert metric(at, "Reps owed leads") == str(len(sla["owners"]))
        elif sla["kind"] == "lead_quota":
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
    # Only the open tab is drawn; each tab opens from its link (?svc_tab=).
    contacts = open_app("pages/service.py", month=MONTH, svc_tab="By first contact")
    assert_clean(contacts)
    table = next(d.value for d in contacts.dataframe if "contact_rep" in d.value.columns)
    shown = table[table["contact_rep"] != "(not contacted yet)"]
    assert dict(zip(shown["contact_rep"], shown["items"], strict=True)) == want
    assert int(table["items"].sum()) == len(items)
    # Customers are the service side's: the owner table counts each service owner's customers
    # (the service queue last), and the closers are shown beside them, not charged.
    owned = items["owner_id"].map(owners["name"]).fillna("(service queue)").value_counts()
    by_owner = next(d.value for d in at.dataframe if "rep" in d.value.columns and "open" in d.value.columns)
    assert dict(zip(by_owner["rep"], by_owner["items"], strict=True)) == owned.to_dict()
    assert set(items["team_id"].dropna().map(teams["tier"])) <= {"service"}
    assert items["closed_by_owner_id"].notna().all()
    closed = open_app("pages/service.py", month=MONTH, svc_tab="Closed by (sales)")
    assert_clean(closed)
    closers = next(
        d.value for d in closed.dataframe if "closer" in d.value.columns and "items" in d.value.columns
    )
    assert int(closers["items"].sum()) == len(items)
    assert [t.label for t in at.tabs][:4] == [
        "By service owner", "By first contact", "Closed by (sales)", "Customers"
    ]


def test_data_page_warns_about_deals_won_before_their_lead_existed(
    demo: Store, dashboard_env: Path
) -> None:
    lead = demo.read_entity("lead").sort_values("lead_id").iloc[0]
    early = lead["created_at"] - pd.Timedelta(days=3)
    demo.upsert_frame(
        "deal",
        pd.DataFrame(
            [{"deal_id": "D-EARLY", "lead_id": lead["lead_id"], "closed_won_at": early}]
        ),
    )
    at = open_app("pages/data.py")
    assert_clean(at)
    warned = [w.value for w in at.warning if "closed won before the lead was created" in w.value]
    assert warned and warned[0].startswith("1 deal closed won")
    table = next(d.value for d in at.dataframe if "deal_id" in d.value.columns)
    assert list(table["deal_id"]) == ["D-EARLY"]


def test_sla_settings_refuses_a_frozen_month_and_asks_before_judging_past_months_again(
    demo: Store, dashboard_env: Path
) -> None:
    from datetime import date

    from models.verdicts.service import freeze_month

    freeze_month(demo, dashboard_env, "2026-09", as_of=NOW, frozen_by="mia")
    before = dashboard_env.read_text()
    at = open_app("pages/sla_settings.py")
    at.selectbox(key="versions_sla").set_value("first-touch").run()

    def save(effective: date, *, confirm: bool = False) -> None:
        next(t for t in at.text_input if t.label.startswith("Within")).input("8h")
        next(d for d in at.date_input if d.label == "Effective from").set_value(effective)
        next(c for c in at.checkbox if c.label.startswith("Judge past months")).set_value(confirm)
        next(b for b in at.button if b.label == "Save new version").click().run()
        assert not at.exception, [e.value for e in at.exception]

    save(date(2026, 9, 15))
    assert any("2026-09, a frozen month" in e.value for e in at.error)
    assert dashboard_env.read_text() == before, "nothing is written"

    save(date(2026, 8, 1))
    warned = [w.value for w in at.warning if "judges" in w.value]
    assert warned and "2026-08 again" in warned[0] and "frozen 2026-09 stay as sent" in warned[0]
    assert dashboard_env.read_text() == before

    save(date(2026, 8, 1), confirm=True)
    assert not at.error
    assert 'effective_from = "2026-08-01"' in dashboard_env.read_text()


def test_friction_opens_on_the_last_full_month_and_rejections_land_with_teams(
    demo: Store, dashboard_env: Path
) -> None:
    at = open_app("pages/friction.py", month=MONTH)  # MONTH is the running month at NOW
    assert_clean(at)
    assert at.title[0].value == "Handoff friction report, September 2026"
    toggle = next(t for t in at.toggle if t.key == "fr_to_date")
    assert toggle.value is False
    # Only the open tab is drawn (the first: handoff friction).
    assert not [d for d in at.dataframe if "advice" in d.value.columns]
    # Customer friction: each category's advice, biggest first, full notes on demand.
    customers = open_app("pages/friction.py", month=MONTH, tab="Customer friction")
    assert_clean(customers)
    pains = next(d.value for d in customers.dataframe if "advice" in d.value.columns)
    assert pains["customers"].is_monotonic_decreasing
    assert pains["advice"].str.len().gt(0).all()
    assert any(e.label == "Full notes behind these quotes" for e in customers.expander)
    # The Overview's link: the running month's rejections, first in the handoff tab, by team.
    linked = open_app(
        "pages/friction.py", month=MONTH, tab="Handoff friction", section="rejections", so_far="1"
    )
    assert_clean(linked)
    assert linked.title[0].value == "Handoff friction report, October 2026"
    headings = [m.value for m in linked.markdown if m.value.startswith("#### ")]
    assert headings[0] == "#### Rejected leads by reason", headings[:3]
    table = next(d.value for d in linked.dataframe if "by_team" in d.value.columns)
    assert table["by_team"].str.len().gt(0).all()


def test_overview_is_the_morning_list_and_says_what_each_figure_rests_on(
    demo: Store, dashboard_env: Path
) -> None:
    from zoneinfo import ZoneInfo

    expected = evaluate_month(demo, dashboard_env, MONTH, as_of=NOW)
    at = open_app("pages/overview.py", month=MONTH)
    assert_clean(at)
    # "N decided of M" beside every compliance card.
    for sla in expected.slas:
        if sla.quota is not None:
            continue
        decided = sla.counts["met"] + sla.counts["breached"]
        total = decided + sla.counts["open"] + sla.counts["excluded"]
        card = next(m for m in at.metric if m.label == KIND_LABELS[sla.kind])
        shown = f"{card.delta} {getattr(card.proto, 'delta_description', '')}"
        assert f"{decided:,} decided of {total:,}" in shown, (sla.sla_id, shown)
    # Leads and new customers apart; due times on the team's clock; a due-today filter.
    items = expected.items()
    open_items = items[items["state"] == "open"]
    leads_table = next(d.value for d in at.dataframe if "Due (local)" in d.value.columns)
    assert set(leads_table["Item"].str.split(" ").str[0]) <= {"Lead"}
    assert leads_table["Due (local)"].str.match(r"^\w{3} \d\d \w{3}, \d\d:\d\d [A-Z]{3,4}$").all()
    ny = ZoneInfo("America/New_York")
    due_today = int(
        (
            pd.to_datetime(open_items["due_at"], utc=True).dt.tz_convert(ny).dt.date
            == NOW.astimezone(ny).date()
        ).sum()
    )
    toggle = next(t for t in at.toggle if t.key == "risk_today")
    assert toggle.label == f"Only what is due today ({due_today:,})"
    toggle.set_value(True).run()
    assert_clean(at)
    shown_today = [d.value for d in at.dataframe if "Due (local)" in d.value.columns]
    assert sum(len(t) for t in shown_today) == due_today
    # Every row link keeps the viewer's query parameters.
    assert all("month=2026-10" in link for link in leads_table["Open"])


@pytest.mark.parametrize(
    ("page", "param", "label"),
    [
        ("pages/service.py", "svc_tab", "Customers"),
        ("pages/follow_up.py", "fu_tab", "Never touched"),
        ("pages/friction.py", "tab", "Customer friction"),
    ],
)
def test_a_shared_link_restores_the_selected_tab(
    demo: Store, dashboard_env: Path, page: str, param: str, label: str
) -> None:
    at = open_app(page, month=MONTH, **{param: label})
    assert_clean(at)
    assert at.session_state[param] == label


def test_drill_down_teams_add_up_to_every_item_of_the_month(demo: Store, dashboard_env: Path) -> None:
    """Unowned items (leads not routed, new customers in the service queue) have their own row,
    so the teams table agrees with the Overview and `handoff evaluate`."""
    at = open_app("pages/drilldown.py", month=MONTH)
    assert_clean(at)
    teams = next(d.value for d in at.dataframe if "Team" in d.value.columns)
    items = evaluate_month(demo, dashboard_env, MONTH, as_of=NOW).items(explain=False)
    assert int(teams["items"].sum()) == len(items)
    assert int(teams["open"].sum()) == int((items["state"] == "open").sum())
    assert items["team_id"].isna().any(), "the demo has unrouted leads or a service queue"
    assert teams["Team"].str.startswith("(unassigned").any()


DEMO_REP = "kevin.brooks@northwind.example"  # O09, Sales East


def _query(link: str) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(link.split("?", 1)[1]))


def test_demo_person_rides_in_the_url_so_a_new_tab_keeps_them(demo: Store) -> None:
    """The demo person lives in the session, and a link opened in a new tab (every table link
    does that) starts a new session: `?demo_as=` carries the person, and navigation keeps it."""
    at = open_as(DEMO_REP, "pages/overview.py", month=MONTH)
    assert_clean(at)
    assert at.query_params["demo_as"] in (DEMO_REP, [DEMO_REP])
    links = [link for d in at.dataframe if "Open" in d.value.columns for link in d.value["Open"]]
    assert links, "the at-risk list has the rep's open items"
    assert all(_query(link)["demo_as"] == DEMO_REP for link in links)

    tab = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)  # a new tab: new session
    tab.query_params.update(_query(links[0]))
    tab.run()
    tab.switch_page("pages/drilldown.py").run()
    assert_clean(tab)
    assert tab.selectbox(key="demo_as").value == DEMO_REP, "not the demo's admin"
    assert "Not yours" not in "\n".join(w.value for w in tab.warning)
    assert any("'s items" in s.value for s in tab.subheader), "the rep's own lead opens"
    assert "Setup" not in str(tab.get("navigation")), "no admin pages in the new tab"

    tab.switch_page("pages/follow_up.py").run()
    assert tab.query_params["demo_as"] in (DEMO_REP, [DEMO_REP]), "navigation keeps it"
    table_links = [
        link for d in tab.dataframe if "link" in d.value.columns for link in d.value["link"].dropna()
    ]
    assert table_links and all(_query(link)["demo_as"] == DEMO_REP for link in table_links)

    tab.selectbox(key="demo_as").set_value("ceo@northwind.example").run()
    assert tab.query_params["demo_as"] in ("ceo@northwind.example", ["ceo@northwind.example"])


def test_an_unknown_demo_as_chooses_nobody(demo: Store) -> None:
    at = open_app(None, demo_as="made.up@elsewhere.example")
    assert_clean(at)
    first = at.selectbox(key="demo_as").options[0]
    assert at.selectbox(key="demo_as").value != "made.up@elsewhere.example"
    assert "Admin" in first, "the switcher's first person, as without the parameter"
