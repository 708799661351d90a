"""`handoff demo`: a realistic, deterministic demo organisation, written to a real database."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from connectors import demo_text
from connectors.demo import generate_demo, load_demo
from connectors.demo_people import CALENDAR_OF_TEAM
from connectors.demo_time import NAT, team_tables
from models import columns as C
from models import tables as T
from models.config import load_config
from models.errors import BadInputError
from models.store import Store
from models.time.working_time import business_minutes

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)  # a Wednesday, mid-month
SMALL: dict[str, Any] = {"months": 2, "leads_per_month": 200, "now": NOW}
ENTITIES = ("team", "owner", "lead", "activity", "deal")
SLOW_REPS = ("O09", "O13", "O20")
SALES_REPS = {f"O{n:02d}" for n in range(5, 23)} | {"O30"}


def _export(store: Store) -> dict[str, pd.DataFrame]:
    return {entity: store.read_entity(entity).drop(columns=["origin"]) for entity in ENTITIES}


def _taxonomy() -> dict[str, dict]:
    return tomllib.loads((ROOT / "data" / "friction.toml").read_text(encoding="utf-8"))[
        "categories"
    ]


def _categories_of(bodies: pd.Series) -> pd.DataFrame:
    """A note x category table by case-insensitive phrase substring or #tag, like the report."""
    lower = bodies.fillna("").str.lower()
    hits = {}
    for slug, spec in _taxonomy().items():
        phrase_hit = lower.apply(lambda body, ps=spec["phrases"]: any(p in body for p in ps))
        tags = "|".join(re.escape(t) for t in spec["tags"])
        hits[slug] = phrase_hit | lower.str.contains(rf"#(?:{tags})\b", regex=True)
    return pd.DataFrame(hits)


@pytest.fixture(scope="module")
def year() -> dict[str, pd.DataFrame]:
    """A larger generated data set (no database) for the distribution checks."""
    return generate_demo(months=8, leads_per_month=400, now=NOW)


# --------------------------------------------------------------------------- database runs


def test_two_runs_give_identical_data_and_replace_the_previous_demo(store: Store) -> None:
    first_counts = load_demo(store, **SMALL)
    first = _export(store)
    second_counts = load_demo(store, **SMALL)
    second = _export(store)
    assert first_counts == second_counts
    assert store.count_rows() == {
        "team": first_counts["teams"],
        "owner": first_counts["owners"],
        "lead": first_counts["leads"],
        "activity": first_counts["activities"],
        "deal": first_counts["deals"],
    }
    for entity in ENTITIES:
        pd.testing.assert_frame_equal(first[entity], second[entity])
    assert first_counts["leads"] > 300 and first_counts["activities"] > first_counts["leads"]


def test_a_different_seed_gives_different_data_and_replaces_it(store: Store) -> None:
    load_demo(store, **SMALL)
    before = store.read_entity("lead")
    load_demo(store, seed=8, **SMALL)
    after = store.read_entity("lead")
    assert not before[C.CREATED_AT].equals(after[C.CREATED_AT])
    assert set(store.read_entity("lead")[C.LEAD_ID]) == set(after[C.LEAD_ID])


def test_the_run_is_recorded_with_its_counts(store: Store) -> None:
    counts = load_demo(store, **SMALL)
    runs = store.read_runs(T.ImportRun)
    assert runs.loc[0, "kind"] == "demo"
    assert runs.loc[0, "status"] == "ok"
    assert json.loads(runs.loc[0, "counts"]) == counts


def test_other_origins_are_left_alone(store: Store) -> None:
    csv_lead = pd.DataFrame(
        {C.LEAD_ID: ["CSV-1"], C.CREATED_AT: [pd.Timestamp("2026-01-05T10:00Z")]}
    )
    store.upsert_frame("lead", csv_lead, origin="csv")
    load_demo(store, **SMALL)
    load_demo(store, **SMALL)
    assert "CSV-1" in set(store.read_entity("lead")[C.LEAD_ID])


def test_nothing_lies_after_now_and_the_current_month_is_open(store: Store) -> None:
    load_demo(store, **SMALL)
    data = _export(store)
    stamps = [
        data["lead"][column]
        for column in (C.CREATED_AT, C.HANDED_OFF_AT, C.ASSIGNED_AT, C.REJECTED_AT)
    ]
    stamps += [data["activity"][C.OCCURRED_AT], data["deal"][C.CLOSED_WON_AT]]
    assert all((s.dropna() <= pd.Timestamp(NOW)).all() for s in stamps)
    leads = data["lead"]
    this_month = leads[leads[C.CREATED_AT] >= pd.Timestamp("2026-11-01T05:00Z")]
    assert len(this_month) > 50
    # Open follow-up windows: handed off in the last days, neither six attempts nor reached yet.
    activities = data["activity"]
    sales = activities[
        activities[C.OWNER_ID].isin(SALES_REPS) & (activities[C.DIRECTION] == "outbound")
    ]
    attempts = sales.groupby(C.LEAD_ID).size()
    reached = set(sales.loc[sales[C.OUTCOME] == "connected", C.LEAD_ID])
    recent = leads[leads[C.ASSIGNED_AT] > pd.Timestamp(NOW) - timedelta(days=2)]
    still_open = recent[
        (recent[C.LEAD_ID].map(attempts).fillna(0) < 6) & ~recent[C.LEAD_ID].isin(reached)
    ]
    assert len(still_open) >= 3
    assert leads[C.HANDED_OFF_AT].min() >= pd.Timestamp("2026-10-01T04:00Z")


def test_records_reference_each_other(store: Store) -> None:
    load_demo(store, **SMALL)
    data = _export(store)
    teams, owners, leads = data["team"], data["owner"], data["lead"]
    activities, deals = data["activity"], data["deal"]
    assert set(owners[C.TEAM_ID]) <= set(teams[C.TEAM_ID])
    assert activities[C.LEAD_ID].isin(leads[C.LEAD_ID]).all()
    assert activities[C.OWNER_ID].notna().all()
    assert activities[C.OWNER_ID].isin(owners[C.OWNER_ID]).all()
    assert leads[C.OWNER_ID].dropna().isin(owners[C.OWNER_ID]).all()
    assert deals[C.LEAD_ID].isin(leads[C.LEAD_ID]).all()
    assert deals[C.LEAD_ID].is_unique
    tier = owners.set_index(C.OWNER_ID)[C.TEAM_ID].map(teams.set_index(C.TEAM_ID)[C.TIER])
    assert set(deals[C.OWNER_ID].map(tier)) == {"sales"}
    assert set(activities[C.TYPE]) == set(C.ACTIVITY_TYPES)
    assert set(activities[C.DIRECTION].dropna()) == set(C.DIRECTIONS)
    assert set(activities[C.OUTCOME].dropna()) <= set(C.CALL_OUTCOMES)
    assert activities.loc[activities[C.TYPE] != "call", C.OUTCOME].isna().all()


def test_the_organisation_matches_the_sla_file(store: Store) -> None:
    load_demo(store, **SMALL)
    teams = store.read_entity("team")
    owners = store.read_entity("owner")
    sla = load_config(ROOT / "data" / "sla.toml")
    assert set(teams[C.TIER]) == set(C.TIERS)
    assert set(teams[C.CALENDAR]) <= set(sla.calendars)
    assert dict(zip(teams[C.NAME], teams[C.TIER], strict=True)) == sla.hubspot.team_tiers
    assert teams[C.MANAGER_EMAIL].str.contains("@").all()
    assert 28 <= len(owners) <= 32 and owners[C.EMAIL].is_unique
    assert (~owners[C.ACTIVE]).sum() == 1
    former = owners.loc[~owners[C.ACTIVE], C.OWNER_ID].iloc[0]
    load_demo(store, months=6, leads_per_month=100, now=NOW)
    assert (store.read_entity("lead")[C.OWNER_ID] == former).any()


def test_lead_times_run_forward(store: Store) -> None:
    load_demo(store, **SMALL)
    leads = store.read_entity("lead")
    handed = leads[leads[C.HANDED_OFF_AT].notna()]
    assert (handed[C.HANDED_OFF_AT] >= handed[C.CREATED_AT]).all()
    assigned = leads[leads[C.ASSIGNED_AT].notna()]
    assert (assigned[C.ASSIGNED_AT] >= assigned[C.HANDED_OFF_AT]).all()
    assert (leads[C.ASSIGNED_AT].isna() == leads[C.OWNER_ID].isna()).all()
    assert leads.loc[leads[C.HANDED_OFF_AT].isna(), C.ASSIGNED_AT].isna().all()
    rejected = leads[leads[C.REJECTED_AT].notna()]
    assert rejected[C.REJECTION_REASON].notna().all()
    assert (rejected[C.REJECTED_AT] >= rejected[C.HANDED_OFF_AT]).all()
    assert (rejected[C.STATUS] == "UNQUALIFIED").all()
    assert 0.6 < len(handed) / len(leads) < 0.9


def test_some_handed_off_leads_are_never_touched(store: Store) -> None:
    load_demo(store, **SMALL)
    leads = store.read_entity("lead")
    activities = store.read_entity("activity")
    touched = activities[
        (activities[C.DIRECTION] == "outbound")
        & activities[C.TYPE].isin(["call", "email", "meeting"])
        & activities[C.OWNER_ID].isin(SALES_REPS)
    ][C.LEAD_ID]
    old = leads[
        (leads[C.HANDED_OFF_AT] < pd.Timestamp(NOW) - timedelta(days=14))
        & leads[C.REJECTED_AT].isna()
    ]
    never = old[~old[C.LEAD_ID].isin(touched)]
    assert 1 <= len(never) < 0.15 * len(old)


def test_service_reps_contact_the_new_customers(store: Store) -> None:
    # Deals close weeks after handoff: four short months give enough closed ones.
    load_demo(store, months=4, leads_per_month=150, now=NOW)
    data = _export(store)
    deals, activities = data["deal"], data["activity"]
    service = set(data["owner"].loc[data["owner"][C.TEAM_ID] == "service", C.OWNER_ID])
    contacts = activities[
        activities[C.OWNER_ID].isin(service)
        & (activities[C.DIRECTION] == "outbound")
        & activities[C.TYPE].isin(["call", "email", "meeting"])
    ].merge(deals[[C.LEAD_ID, C.CLOSED_WON_AT]], on=C.LEAD_ID)
    contacted = contacts[contacts[C.OCCURRED_AT] >= contacts[C.CLOSED_WON_AT]][C.LEAD_ID].unique()
    old_deals = deals[deals[C.CLOSED_WON_AT] < pd.Timestamp(NOW) - timedelta(days=7)]
    assert len(old_deals) >= 15
    assert old_deals[C.LEAD_ID].isin(contacted).mean() > 0.8


def test_notes_carry_taxonomy_pain_points(store: Store) -> None:
    load_demo(store, **SMALL)
    activities = store.read_entity("activity")
    notes = activities[activities[C.TYPE] == "note"]
    assert len(notes) > 20
    hits = _categories_of(notes[C.BODY])
    per_note = hits.sum(axis=1)
    assert 0.6 < (per_note > 0).mean() < 0.98
    assert (per_note >= 2).any() and (per_note == 0).any()
    assert notes[C.BODY].str.contains(r"#[a-z]", regex=True).any()
    calls = activities[(activities[C.TYPE] == "call") & (activities[C.OUTCOME] == "connected")]
    assert _categories_of(calls[C.BODY]).any(axis=1).any()


# --------------------------------------------------------------------------- generated data


def test_same_inputs_give_identical_frames_and_later_runs_extend_earlier_ones() -> None:
    first = generate_demo(**SMALL)
    again = generate_demo(**SMALL)
    for name in first:
        pd.testing.assert_frame_equal(first[name], again[name])
    later = generate_demo(months=2, leads_per_month=200, now=NOW + timedelta(days=3))
    shared = [C.LEAD_ID, C.CREATED_AT, C.SOURCE, C.EMAIL]
    pd.testing.assert_frame_equal(
        first["leads"][shared], later["leads"][shared].iloc[: len(first["leads"])]
    )


def test_slow_reps_are_clearly_slower(year: dict[str, pd.DataFrame]) -> None:
    """Median business minutes to first touch, on each team's own calendar (the SLA engine's)."""
    leads, activities = year["leads"], year["activities"]
    outbound = activities[
        (activities[C.DIRECTION] == "outbound") & activities[C.TYPE].isin(["call", "email"])
    ]
    first = outbound.groupby(C.LEAD_ID)[C.OCCURRED_AT].min()
    assigned = leads.set_index(C.LEAD_ID)[C.ASSIGNED_AT].reindex(first.index)
    owner = leads.set_index(C.LEAD_ID)[C.OWNER_ID].reindex(first.index)
    team = owner.map(year["owners"].set_index(C.OWNER_ID)[C.TEAM_ID])
    calendars = load_config(ROOT / "data" / "sla.toml").calendars
    minutes = pd.Series(np.nan, index=first.index)
    for team_id, calendar in (("sales-east", "ny"), ("sales-west", "la")):
        rows = assigned.notna() & (team == team_id)
        minutes[rows] = business_minutes(calendars[calendar], assigned[rows], first[rows])
    median = minutes.groupby(owner).median()
    slow = median[median.index.isin(SLOW_REPS)]
    fast = median[~median.index.isin([*SLOW_REPS, "O30"])]
    assert len(slow) == 3 and len(fast) == 15
    assert slow.min() > 2 * fast.max()


def test_integration_complaints_rise_in_the_last_two_months(year: dict[str, pd.DataFrame]) -> None:
    activities = year["activities"]
    notes = activities[activities[C.TYPE] == "note"]
    hits = _categories_of(notes[C.BODY])
    month = notes[C.OCCURRED_AT].dt.tz_convert("America/New_York").dt.strftime("%Y-%m").to_numpy()
    share = hits["integrations"].groupby(month).mean()
    assert share.iloc[-2:].mean() > 1.8 * share.iloc[:-3].mean()


def test_deals_and_rejections_have_realistic_shares(year: dict[str, pd.DataFrame]) -> None:
    leads, deals = year["leads"], year["deals"]
    handed = leads[leads[C.HANDED_OFF_AT].notna()]
    assert 0.06 < len(deals) / len(handed) < 0.14
    assert 0.04 < handed[C.REJECTED_AT].notna().mean() < 0.12
    merged = deals.merge(leads, on=C.LEAD_ID, suffixes=("", "_lead"))
    gap = merged[C.CLOSED_WON_AT] - merged[C.HANDED_OFF_AT]
    assert gap.min() >= pd.Timedelta(days=13) and gap.median() < pd.Timedelta(days=60)
    assert (merged[C.OWNER_ID] == merged[f"{C.OWNER_ID}_lead"]).all()
    assert set(handed[C.SOURCE]) == {
        "demo_request", "pricing_page", "webinar", "content_download",
        "paid_search", "organic", "referral", "event",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"end_month": "2026-13"}, "YYYY-MM"),
        ({"end_month": "May 2026"}, "YYYY-MM"),
        ({"months": 0}, "--months"),
        ({"leads_per_month": -5}, "--leads-per-month"),
        ({"now": datetime(2026, 5, 1)}, "timezone-aware"),  # noqa: DTZ001
    ],
)
def test_bad_options_are_refused_with_a_clear_message(options: dict, fragment: str) -> None:
    arguments = {**SMALL, **options}
    with pytest.raises(BadInputError, match=re.escape(fragment)):
        generate_demo(**arguments)


def test_an_end_month_in_the_past_is_complete() -> None:
    data = generate_demo(months=1, leads_per_month=100, end_month="2026-03", now=NOW)
    created = data["leads"][C.CREATED_AT].dt.tz_convert("America/New_York")
    assert set(created.dt.strftime("%Y-%m")) == {"2026-03"}
    assert len(data["leads"]) == round(100 * 1.07)


# --------------------------------------------------------------------------- business time

SHIPPED_CALENDARS = (ROOT / "data" / "sla.toml").read_text(encoding="utf-8").split("\n[[sla]]\n")[0]


@pytest.mark.parametrize(
    ("sla_text", "fragment"),
    [
        (SHIPPED_CALENDARS.replace("[calendars.la", "[calendars.west"), "needs calendars la;"),
        (SHIPPED_CALENDARS.replace('"08:00-20:00"', '"8-20"'), "calendars.service.hours.mon[0]"),
        (None, "file not found"),
    ],
)
def test_a_bad_sla_file_is_refused_naming_the_calendar(
    tmp_path: Path, sla_text: str | None, fragment: str
) -> None:
    sla_path = tmp_path / "sla.toml"
    if sla_text is not None:
        sla_path.write_text(sla_text, encoding="utf-8")
    with pytest.raises(BadInputError) as caught:
        generate_demo(**SMALL, sla_path=sla_path)
    assert fragment in "\n".join([str(caught.value), *caught.value.problems])


def _utc(text: str) -> int:
    return pd.Timestamp(text).tz_convert(UTC).value


@pytest.mark.parametrize(
    ("team_id", "start", "minutes", "expected"),
    [
        # Friday 16:30 + 1 business hour on ny (to 17:00) is Monday 09:30.
        ("sales-east", "2026-11-13T16:30-05:00", 60, "2026-11-16T09:30-05:00"),
        # ...across the fall-back weekend: wall-clock hours, real instants.
        ("sales-east", "2026-10-30T16:30-04:00", 60, "2026-11-02T09:30-05:00"),
        # The lunch break and Thanksgiving (a holidays-package day) are skipped.
        ("sales-east", "2026-11-25T11:30-05:00", 120, "2026-11-25T14:30-05:00"),
        ("sales-east", "2026-11-25T16:00-05:00", 90, "2026-11-27T09:30-05:00"),
        # An extra holiday of the SLA file (ny: 2026-12-24) is skipped too.
        ("sales-east", "2026-12-23T16:00-05:00", 120, "2026-12-28T10:00-05:00"),
        # sales-west runs on la; service works Saturdays 10-14.
        ("sales-west", "2026-11-20T15:30-08:00", 60, "2026-11-23T08:30-08:00"),
        ("service", "2026-11-20T17:30-05:00", 60, "2026-11-21T10:30-05:00"),
        # No business time added to an off-hours instant leaves it where it is.
        ("sales-east", "2026-11-14T03:00-05:00", 0, "2026-11-14T03:00-05:00"),
    ],
)
def test_demo_business_time_follows_the_sla_calendars(
    team_id: str, start: str, minutes: float, expected: str
) -> None:
    tables = team_tables(
        ROOT / "data" / "sla.toml",
        CALENDAR_OF_TEAM,
        datetime(2026, 10, 1, tzinfo=UTC),
        datetime(2027, 1, 31, tzinfo=UTC),
    )
    table = tables[team_id]
    starts = np.array([_utc(start), NAT], dtype=np.int64)
    later = table.add(starts, np.array([minutes, 30.0]))
    assert later.tolist() == [_utc(expected), NAT]
    elapsed = table.minutes_between(starts[:1], later[:1])
    assert elapsed.tolist() == [minutes]


# --------------------------------------------------------------------------- taxonomy


def test_the_taxonomy_file_parses_and_every_category_has_phrases_and_tags() -> None:
    categories = _taxonomy()
    assert 8 <= len(categories) <= 12
    seen_tags: set[str] = set()
    for slug, spec in categories.items():
        assert spec["name"] and spec["phrases"], slug
        assert all(p == p.lower() and p.strip() == p for p in spec["phrases"]), slug
        assert spec["tags"] and not seen_tags & set(spec["tags"]), slug
        seen_tags |= set(spec["tags"])
    assert demo_text.load_taxonomy().slugs == tuple(categories)


def test_boilerplate_text_matches_no_category() -> None:
    """Openers, closers and canned bodies must not file a note under a category by accident."""
    canned = [
        *demo_text.OPENERS["sales"], *demo_text.OPENERS["service"],
        *demo_text.CLOSERS["sales"], *demo_text.CLOSERS["service"],
        *demo_text.CALL_BODIES.values(), *demo_text.SALES_EMAILS, *demo_text.MARKETING_EMAILS,
        *demo_text.INBOUND_EMAILS, *demo_text.SERVICE_EMAILS, *demo_text.TASK_BODIES,
        *demo_text.MEETING_BODIES.values(),
        "Welcome call: introduced myself as the onboarding contact.",
    ]  # fmt: skip
    hits = _categories_of(pd.Series(canned))
    assert not hits.any(axis=1).any(), [
        c for c, hit in zip(canned, hits.any(axis=1), strict=True) if hit
    ]


def test_a_broken_taxonomy_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "friction.toml"
    broken.write_text('[categories.pricing]\nname = "Pricing"\nphrases = []\n', encoding="utf-8")
    with pytest.raises(BadInputError) as caught:
        demo_text.load_taxonomy(broken)
    assert "categories.pricing.phrases" in "\n".join(caught.value.problems)


def test_every_phrase_appears_in_some_note(year: dict[str, pd.DataFrame]) -> None:
    bodies = " ".join(year["activities"][C.BODY].dropna()).lower()
    missing = [p for spec in _taxonomy().values() for p in spec["phrases"] if p not in bodies]
    assert not missing


# --------------------------------------------------------------------------- command line


def test_the_cli_loads_the_demo(store: Store) -> None:
    from cli import app

    result = CliRunner().invoke(
        app, ["demo", "--database-url", store.url, "--months", "2", "--leads-per-month", "200"]
    )
    assert result.exit_code == 0, result.output
    assert "Demo organisation loaded" in result.output
    assert store.count_rows()["lead"] > 0


def test_the_cli_refuses_a_bad_end_month_with_status_2(store: Store) -> None:
    from cli import app

    result = CliRunner().invoke(
        app, ["demo", "--database-url", store.url, "--end-month", "2026-5x"]
    )
    assert result.exit_code == 2
    assert "YYYY-MM" in result.output
    assert store.count_rows()["lead"] == 0


def test_activity_ids_follow_time_order(store: Store) -> None:
    load_demo(store, **SMALL)
    activities = store.read_entity("activity")
    assert activities[C.OCCURRED_AT].is_monotonic_increasing
    leads = store.read_entity("lead")
    assert leads[C.CREATED_AT].is_monotonic_increasing
    assert re.fullmatch(r"L\d{6}", leads[C.LEAD_ID].iloc[0])
    assert np.all(leads[C.LEAD_ID].str.len() == 7)
