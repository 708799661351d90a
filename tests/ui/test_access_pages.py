"""Every page x role through AppTest with a signed-in `st.user` (the `[auth]` secrets set):
what each role reaches, what a crafted link shows, and that CRM text stays plain text."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from connectors.demo import load_demo
from models import tables as T
from models.store import Store
from models.verdicts.service import evaluate_month

ROOT = Path(__file__).resolve().parents[2]
NOW = pd.Timestamp("2026-10-20 15:00", tz="UTC").to_pydatetime()
MONTH = "2026-10"
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-only-cookie-secret",
    "client_id": "handoff",
    "client_secret": "test-only",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
REP = "kevin.brooks@northwind.example"  # O09, Sales East
MANAGER = "marcus.bell@northwind.example"  # Sales East's manager (and rep O05)
VIEWER = "ceo@northwind.example"
ADMIN = "ops@northwind.example"
STRANGER = "stranger@northwind.example"
EVIL_COMPANY = "**x](https://evil.example)"
EVIL_NAME = '<a href="https://evil.example">Kev</a> **x](https://evil.example)'
EVIL_TEAM = "<b>bold</b> West"
EVIL_REASON = '=HYPERLINK("https://evil.example","click")'


@pytest.fixture
def env(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    config = tmp_path / "sla.toml"
    shutil.copy(ROOT / "data" / "sla.toml", config)
    shutil.copy(ROOT / "data" / "friction.toml", tmp_path / "friction.toml")
    monkeypatch.setenv("DATABASE_URL", store.url)
    monkeypatch.setenv("HANDOFF_CONFIG", str(config))
    monkeypatch.setenv("HANDOFF_NOW", NOW.isoformat())
    monkeypatch.delenv("HANDOFF_ADMINS", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    load_demo(store, months=2, leads_per_month=120, now=NOW)
    yield config


def signed_in(email: str | None, page: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets["auth"] = AUTH
    at.user = (
        {"is_logged_in": True, "email": email, "email_verified": True}
        if email
        else {"is_logged_in": False}
    )
    at.query_params.update(query)
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at


def text_of(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [t.value for t in at.title]
    parts += [s.value for s in at.subheader] + [w.value for w in at.warning]
    parts += [c.value for c in at.caption] + [t.value for t in at.text]
    parts += [i.value for i in at.info]
    return "\n".join(str(p) for p in parts)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_signed_out_sees_only_the_sign_in_button(env: Path) -> None:
    at = signed_in(None)
    assert_clean(at)
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.dataframe, "nothing of the data before sign-in"


def test_unknown_address_gets_a_clear_page_and_no_data(env: Path) -> None:
    at = signed_in(STRANGER, None, team="sales-east")
    assert_clean(at)
    text = text_of(at)
    assert "Not known to Handoff" in text and STRANGER in text
    assert not at.metric and not at.dataframe


def test_unverified_email_is_unknown(env: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": ADMIN, "email_verified": False}
    at.run()
    assert "Not known to Handoff" in text_of(at)
    assert not at.metric


PAGES = [
    "overview",
    "follow_up",
    "service",
    "friction",
    "drilldown",
    "sla_settings",
    "data",
    "nudges",
    "people",
]
SETUP = {"sla_settings", "data", "nudges", "people"}


MARKETING_MANAGER = "dana.whitfield@northwind.example"
SERVICE_MANAGER = "sofia.reyes@northwind.example"


def chart_points(spec: str) -> int:
    """Values a plotly chart draws (trace data; target lines and axes are not data)."""
    figure = json.loads(spec)
    figure = figure.get("data", figure)
    total = 0
    for trace in figure if isinstance(figure, list) else []:
        for field in ("y", "x") if trace.get("type") == "histogram" else ("y", "values"):
            values = trace.get(field)
            if isinstance(values, list):
                total += sum(v is not None for v in values)
            elif isinstance(values, dict) and values.get("bdata"):
                total += 1  # a typed array: numbers (plotly never encodes an empty one this way)
    return total


@pytest.mark.parametrize(
    "email", [REP, MANAGER, MARKETING_MANAGER, SERVICE_MANAGER, VIEWER, ADMIN]
)
@pytest.mark.parametrize("page", PAGES)
def test_page_by_role(env: Path, email: str, page: str) -> None:
    if page in SETUP and email != ADMIN:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            signed_in(email, f"pages/{page}.py")  # not in the person's page list
        return
    at = signed_in(email, f"pages/{page}.py", month=MONTH)
    assert_clean(at)
    assert at.title and "Only Handoff admins" not in text_of(at)
    for chart in at.get("plotly_chart"):
        assert chart_points(chart.proto.spec) > 0, f"{page} as {email}: an empty chart, no word why"


@pytest.mark.parametrize(
    ("email", "query", "refused"),
    [
        (REP, {"team": "sales-west"}, True),  # another team
        (REP, {"team": "sales-east", "rep": "O13"}, True),  # a teammate
        (REP, {"team": "sales-east", "rep": "O09"}, False),  # their own items
        (MANAGER, {"team": "sales-west"}, True),
        (MANAGER, {"team": "sales-east", "rep": "O09"}, False),
        (VIEWER, {"team": "sales-west", "rep": "O20"}, False),
        (ADMIN, {"team": "service"}, False),
    ],
)
def test_crafted_links_show_not_yours(
    env: Path, email: str, query: dict[str, str], refused: bool
) -> None:
    at = signed_in(email, "pages/drilldown.py", month=MONTH, **query)
    assert_clean(at)
    text = text_of(at)
    assert ("Not yours" in text) is refused, text[:2000]
    if refused:
        assert not any("items" in s.value for s in at.subheader), "no rep's items are drawn"


def _breached(store: Store, config: Path, owner: str) -> str:
    items = evaluate_month(store, config, MONTH, as_of=NOW).sla("first-touch").items
    mine = items[(items["state"] == "breached") & (items["owner_id"] == owner)]
    return str(mine.iloc[0]["lead_id"])


def test_rep_cannot_open_a_teammates_lead_by_link(store: Store, env: Path) -> None:
    lead = _breached(store, env, "O13")
    at = signed_in(REP, "pages/drilldown.py", month=MONTH, team="sales-east", rep="O09", lead=lead)
    assert_clean(at)
    assert "Not yours" in text_of(at)
    assert not at.get("plotly_chart"), "nothing of the lead is drawn"


def test_rep_disputes_manager_of_the_team_decides_nobody_approves_their_own(
    store: Store, env: Path
) -> None:
    lead = _breached(store, env, "O09")
    query = {"month": MONTH, "team": "sales-east", "rep": "O09", "lead": lead}
    at = signed_in(REP, "pages/drilldown.py", **query)
    at.text_area(key=f"reason_first-touch_{lead}").input("Duplicate of an existing customer")
    next(b for b in at.button if b.label == "File dispute").click().run()
    assert_clean(at)
    assert not [b for b in at.button if b.label == "Approve"], "a rep never decides"
    dispute = store.select_rows(T.Dispute).iloc[0]
    assert dispute["raised_by"] == REP

    other = signed_in("elena.park@northwind.example", "pages/drilldown.py", **query)
    assert "Not yours" in text_of(other), "Sales West's manager cannot even open it"

    manager = signed_in(MANAGER, "pages/drilldown.py", **query)
    assert_clean(manager)
    next(b for b in manager.button if b.label == "Approve").click().run()
    assert_clean(manager)
    decided = store.select_rows(T.Dispute).iloc[0]
    assert (decided["status"], decided["decided_by"]) == ("approved", MANAGER)
    audit = store.select_rows(T.AuditEntry, order_by="id")
    assert list(zip(audit["action"], audit["actor"], strict=True)) == [
        ("dispute.raise", REP),
        ("dispute.decide", MANAGER),
    ]


def test_manager_cannot_approve_a_dispute_they_raised(store: Store, env: Path) -> None:
    lead = _breached(store, env, "O13")
    query = {"month": MONTH, "team": "sales-east", "rep": "O13", "lead": lead}
    at = signed_in(MANAGER, "pages/drilldown.py", **query)
    at.text_area(key=f"reason_first-touch_{lead}").input("CRM outage")
    next(b for b in at.button if b.label == "File dispute").click().run()
    assert_clean(at)
    assert not [b for b in at.button if b.label == "Approve"]
    assert "you raised it" in text_of(at).lower()


def test_admin_sees_people_and_the_audit_trail(store: Store, env: Path) -> None:
    at = signed_in(ADMIN, "pages/people.py")
    assert_clean(at)
    people = at.dataframe[0].value
    roles = dict(zip(people["E-mail"], people["Role"], strict=True))
    assert (roles[ADMIN], roles[VIEWER], roles[MANAGER], roles[REP]) == (
        "Admin",
        "Viewer",
        "Manager",
        "Rep",
    )


def test_crm_text_is_never_markup(store: Store, env: Path) -> None:
    lead = _breached(store, env, "O09")
    leads = store.read_entity("lead", ids=[lead])
    leads["company"] = EVIL_COMPANY
    leads["rejection_reason"] = EVIL_REASON
    store.upsert_frame("lead", leads)
    st.cache_data.clear()
    at = signed_in(
        ADMIN, "pages/drilldown.py", month=MONTH, team="sales-east", rep="O09", lead=lead
    )
    assert_clean(at)
    shown = [m.value for m in at.markdown if "evil" in m.value]
    assert shown, "the company is shown"
    for value in shown:
        assert "](https://evil" not in value and "**x]" not in value, value
        assert "\\*\\*x\\]\\(https\\:" in value, "every markup character is escaped"


# Follow-up, Service and Friction draw only the open tab: the other tabs are checked open.
HIDDEN_TABS = [
    ("follow_up", "fu_tab", "By rep"),
    ("follow_up", "fu_tab", "Never touched"),
    ("service", "svc_tab", "By first contact"),
    ("service", "svc_tab", "Closed by (sales)"),
    ("service", "svc_tab", "Customers"),
    ("friction", "tab", "Customer friction"),
]


@pytest.mark.parametrize(
    ("page", "tab"),
    [(p, None) for p in PAGES if p != "people"] + [(p, (k, v)) for p, k, v in HIDDEN_TABS],
)
def test_crm_text_is_plain_on_every_page(
    store: Store, env: Path, page: str, tab: tuple[str, str] | None
) -> None:
    owners = store.read_entity("owner")
    owners.loc[owners["owner_id"] == "O09", "name"] = EVIL_NAME
    store.upsert_frame("owner", owners)
    teams = store.read_entity("team")
    teams.loc[teams["team_id"] == "sales-west", "name"] = EVIL_TEAM
    store.upsert_frame("team", teams)
    leads = store.read_entity("lead")
    leads["company"] = EVIL_COMPANY
    leads.loc[leads["rejected_at"].notna(), "rejection_reason"] = EVIL_REASON
    store.upsert_frame("lead", leads)
    st.cache_data.clear()
    opened = dict([tab]) if tab else {}
    at = signed_in(ADMIN, f"pages/{page}.py", month=MONTH, team="sales-east", rep="O09", **opened)
    assert_clean(at)
    texts = [m.value for m in at.markdown] + [s.value for s in at.subheader]
    texts += [c.value for c in at.caption]
    for value in texts:
        assert "](https://evil" not in str(value), f"{page}: {value}"
    for chart in at.get("plotly_chart"):
        spec = json.dumps(json.loads(chart.proto.spec), ensure_ascii=False)
        assert "<a href=" not in spec and "<b>bold" not in spec, f"{page}: a chart label is markup"


@pytest.mark.parametrize(
    ("email", "owners"),
    [(REP, {"O09"}), (MANAGER, "sales-east"), (VIEWER, None)],
)
def test_lists_of_leads_and_reps_are_scoped(
    store: Store, env: Path, email: str, owners: set[str] | str | None
) -> None:
    """Follow-up's per-rep table and the never-touched list: a rep sees their own rows, a manager
    their team's, a viewer everyone's (team figures stay whole for all)."""
    team_of = dict(
        zip(store.read_entity("owner")["name"], store.read_entity("owner")["team_id"], strict=True)
    )
    at = signed_in(email, "pages/follow_up.py", month=MONTH)
    assert_clean(at)
    frames = [d.value for d in at.dataframe if "rep" in d.value.columns]
    outside_tabs = len(frames)
    for tab in ("By rep", "Never touched"):  # only the open tab is drawn: open each
        opened = signed_in(email, "pages/follow_up.py", month=MONTH, fu_tab=tab)
        assert_clean(opened)
        shown = [d.value for d in opened.dataframe if "rep" in d.value.columns]
        assert len(shown) > outside_tabs, f"the {tab} tab's list is drawn when it is open"
        frames += shown
    assert frames, "the per-rep tables are drawn"
    by_team = [
        d.value for d in at.dataframe if "team" in d.value.columns and "rep" not in d.value.columns
    ]
    assert by_team and len(by_team[0]) >= 2, "team figures stay whole"
    for frame in frames:
        teams = {team_of.get(name) for name in frame["rep"] if name in team_of}
        if owners is None:
            assert len(teams) >= 2
        elif isinstance(owners, str):
            assert teams <= {owners}
        else:
            names = set(frame["rep"])
            assert names <= {"Kevin Brooks"}, names


def test_at_risk_list_shows_a_rep_only_their_own_items(store: Store, env: Path) -> None:
    everyone = signed_in(ADMIN, "pages/overview.py", month=MONTH)
    owners_all = {
        o for d in everyone.dataframe if "Owner" in d.value.columns for o in d.value["Owner"]
    }
    assert len(owners_all) >= 2, "the admin sees every rep's open items"
    at = signed_in(REP, "pages/overview.py", month=MONTH)
    assert_clean(at)
    owners = {o for d in at.dataframe if "Owner" in d.value.columns for o in d.value["Owner"]}
    assert owners <= {"Kevin Brooks"}, owners


def test_friction_report_goes_no_further_than_the_person(env: Path) -> None:
    """Its tables go down to reps and leads: a rep reads none of it, a sales manager their own
    team's report (a link to another team's: Not yours), a viewer the whole organisation's."""
    at = signed_in(REP, "pages/friction.py", month=MONTH)
    assert_clean(at)
    assert "for managers, viewers and admins" in text_of(at)
    assert not at.dataframe and not at.get("download_button")
    at = signed_in(MANAGER, "pages/friction.py", month=MONTH)
    assert_clean(at)
    assert at.title[0].value.endswith("— Sales East"), at.title[0].value
    at = signed_in(MANAGER, "pages/friction.py", month=MONTH, team="sales-west")
    assert_clean(at)
    assert "Not yours" in text_of(at) and not at.dataframe
    at = signed_in(VIEWER, "pages/friction.py", month=MONTH)
    assert_clean(at)
    assert "—" not in at.title[0].value


ALL_TEAMS = {"Marketing", "Sales East", "Sales West", "Customer Service"}


@pytest.mark.parametrize(
    ("email", "teams"),
    [
        (REP, {"Sales East"}),
        (MANAGER, {"Sales East"}),
        ("elena.park@northwind.example", {"Sales West"}),
        (VIEWER, ALL_TEAMS),
        (ADMIN, ALL_TEAMS),
    ],
)
def test_only_teams_the_person_may_open_are_offered(
    env: Path, email: str, teams: set[str]
) -> None:
    """The sidebar's Team list and the drill-down's team table and links hold only what the
    person may open; nothing offered ends in "Not yours"."""
    at = signed_in(email, "pages/drilldown.py", month=MONTH)
    assert_clean(at)
    offered = set(at.selectbox(key="f_team").options) - {"All teams"}
    assert offered == teams
    table = at.dataframe[0].value
    listed = set(table["Team"]) - {"(unassigned: no owner yet, or the service queue)"}
    assert listed == teams & listed and listed, listed
    if teams != ALL_TEAMS:
        assert "(unassigned: no owner yet, or the service queue)" not in set(table["Team"])
    links = [link.label for link in at.get("page_link")]
    assert {label.removesuffix(" →") for label in links if label.endswith(" →")} <= teams
    for link in table["Open"].dropna():
        at_link = signed_in(email, "pages/drilldown.py", **dict(
            pair.split("=", 1) for pair in str(link).split("?", 1)[1].split("&")
        ))
        assert "Not yours" not in text_of(at_link), link


@pytest.mark.parametrize("page", ["overview", "follow_up", "drilldown"])
def test_a_link_to_another_team_shows_not_yours_on_every_page(env: Path, page: str) -> None:
    at = signed_in(REP, f"pages/{page}.py", month=MONTH, team="sales-west")
    assert_clean(at)
    assert "Not yours: the team Sales West" in text_of(at)
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")
    assert at.selectbox(key="f_team").options == ["All teams", "Sales East"]
    at.selectbox(key="f_team").select("sales-east").run()  # their own team: the page again
    assert_clean(at)
    assert "Not yours" not in text_of(at) and at.query_params["team"] in ("sales-east", ["sales-east"])


@pytest.mark.parametrize(("email", "linked"), [(REP, {"Sales East"}), (VIEWER, ALL_TEAMS)])
def test_follow_up_team_figures_stay_whole_but_link_only_to_the_persons_teams(
    env: Path, email: str, linked: set[str]
) -> None:
    at = signed_in(email, "pages/follow_up.py", month=MONTH)
    assert_clean(at)
    by_team = next(
        d.value for d in at.dataframe if "team" in d.value.columns and "link" in d.value.columns
    )
    assert len(by_team) >= 2, "every sales team's figures"
    assert set(by_team.loc[by_team["link"].notna(), "team"]) == linked & set(by_team["team"])


def test_demo_as_is_ignored_when_sign_in_is_configured(env: Path) -> None:
    """`?demo_as=` is the demo mode's; with [auth] the signed-in person is who they are."""
    at = signed_in(REP, "pages/overview.py", month=MONTH, demo_as=ADMIN)
    assert_clean(at)
    assert "demo_as" not in at.query_params, "dropped, so no link passes it on"
    assert not [s for s in at.selectbox if s.key == "demo_as"], "no role switcher"
    assert "Signed in as kevin" in text_of(at).replace("\\", "")
    owners = {o for d in at.dataframe if "Owner" in d.value.columns for o in d.value["Owner"]}
    assert owners <= {"Kevin Brooks"}, "still the rep's own items only"
    links = [link for d in at.dataframe if "Open" in d.value.columns for link in d.value["Open"]]
    assert all("demo_as" not in str(link) for link in links)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        signed_in(REP, "pages/people.py", demo_as=ADMIN)


def test_marketing_managers_follow_up_says_why_a_chart_is_empty(env: Path) -> None:
    """Marketing's manager sees marketing's own leads, and marketing touches none: the first-touch
    histogram is replaced by one line that says so."""
    at = signed_in(MARKETING_MANAGER, "pages/follow_up.py", month=MONTH)
    assert_clean(at)
    captions = [c.value for c in at.caption]
    assert any("No first touches in your scope this month" in c for c in captions), captions
