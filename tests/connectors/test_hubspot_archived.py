"""Deletions: the archived lists are read only when due (`[hubspot] archived_scan_hours`), so an
idle sync costs 9 requests; a due scan, a zero setting or `--full` finds archivals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.hubspot_expected import full_table
from fakes.hubspot_portal import OBJECT_TYPES, generate_portal
from fakes.hubspot_server import FakeHubSpot
from test_hubspot_sync import SLA, TOKEN, MovableClock, archived_lists, assert_matches_portal, run

from connectors.hubspot.status import describe_status
from models.config import load_config
from models.errors import BadInputError
from models.store import Store

# owners (active list), deal pipelines, and one search per object type (7)
IDLE_REQUESTS = 2 + len(OBJECT_TYPES)


def sla_with(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "sla.toml"
    path.write_text(SLA.replace("[hubspot]\n", f"[hubspot]\n{extra}\n"), encoding="utf-8")
    return path


@pytest.fixture
def fake() -> Iterator[FakeHubSpot]:
    portal = generate_portal(contacts=60, engagements_per_contact=1.5, deals=12)
    with FakeHubSpot(portal, token=TOKEN, rate_per_10s=2000, search_per_second=100) as server:
        yield server


def archive_some(fake: FakeHubSpot) -> dict[str, int]:
    """Archive one contact, one call and one deal (none of them touches a search window)."""
    portal = fake.portal
    chosen = {kind: portal.ids[kind][2] for kind in ("contacts", "calls", "deals")}
    for kind, record_id in chosen.items():
        portal.archive(kind, record_id)
    return chosen


def live_ids(store: Store, entity: str) -> set[str]:
    key = {"lead": "lead_id", "activity": "activity_id", "deal": "deal_id"}[entity]
    return {str(row[key]) for row in full_table(store, entity) if not row["deleted"]}


@pytest.mark.parametrize(
    ("line", "hours"),
    [
        ("", 24.0),
        ("archived_scan_hours = 6", 6.0),
        ("archived_scan_hours = 0.5", 0.5),
        ("archived_scan_hours = 0", 0.0),
    ],
)
def test_archived_scan_hours_is_read_from_the_sla_file(
    tmp_path: Path, line: str, hours: float
) -> None:
    assert load_config(sla_with(tmp_path, line)).hubspot.archived_scan_hours == hours


@pytest.mark.parametrize("value", ["-1", '"daily"', "true", "inf"])
def test_a_bad_archived_scan_hours_names_its_key(tmp_path: Path, value: str) -> None:
    with pytest.raises(BadInputError) as error:
        load_config(sla_with(tmp_path, f"archived_scan_hours = {value}"))
    assert any(
        "hubspot.archived_scan_hours: expected a number of hours >= 0" in p
        for p in error.value.problems
    )


def test_an_idle_sync_right_after_a_sync_uses_nine_requests_and_changes_nothing(
    store: Store, fake: FakeHubSpot, tmp_path: Path
) -> None:
    sla = sla_with(tmp_path)
    clock = MovableClock()
    assert run(store, fake, sla, clock=clock).status == "ok"
    before_rows = {e: full_table(store, e) for e in ("lead", "activity", "deal")}
    clock.advance(hours=23)  # not yet due
    before = fake.request_count
    result = run(store, fake, sla, clock=clock)
    assert result.status == "ok", result.message
    assert fake.request_count - before == result.requests_used == IDLE_REQUESTS == 9
    assert [p for _, p, _ in fake.log[before:]] == [
        "/crm/v3/owners/", "/crm/v3/pipelines/deals",
        *(f"/crm/v3/objects/{kind}/search" for kind in OBJECT_TYPES),
    ]  # fmt: skip
    assert {e: full_table(store, e) for e in ("lead", "activity", "deal")} == before_rows


def test_archivals_are_found_when_the_scan_is_due(
    store: Store, fake: FakeHubSpot, tmp_path: Path
) -> None:
    sla = sla_with(tmp_path, "archived_scan_hours = 24")
    clock = MovableClock()
    assert run(store, fake, sla, clock=clock).status == "ok"
    archived = archive_some(fake)
    # Not due yet: the trade-off is that the archived records are still exported for a while.
    before = fake.request_count
    assert run(store, fake, sla, clock=clock).status == "ok"
    assert archived_lists(fake, before) == []
    assert str(archived["contacts"]) in live_ids(store, "lead")
    # Due: every object type's archived list is read once, and the archivals are applied.
    clock.advance(hours=24)
    before = fake.request_count
    result = run(store, fake, sla, clock=clock)
    assert result.status == "ok", result.message
    assert sorted(archived_lists(fake, before)) == sorted(OBJECT_TYPES)
    assert result.counts["archived"] >= 3
    assert str(archived["contacts"]) not in live_ids(store, "lead")
    assert str(archived["calls"]) not in live_ids(store, "activity")
    assert_matches_portal(store, fake.portal)
    assert "contacts:archived: deletions checked as of" in describe_status(store)
    # The scan just done resets the schedule: the next sync is idle again.
    before = fake.request_count
    assert run(store, fake, sla, clock=clock).requests_used == IDLE_REQUESTS
    assert archived_lists(fake, before) == []


def test_full_finds_archivals_at_once(store: Store, fake: FakeHubSpot, tmp_path: Path) -> None:
    sla = sla_with(tmp_path)
    clock = MovableClock()
    assert run(store, fake, sla, clock=clock).status == "ok"
    archive_some(fake)
    assert run(store, fake, sla, clock=clock, full=True).status == "ok"
    assert_matches_portal(store, fake.portal)


def test_zero_hours_scans_on_every_sync(store: Store, fake: FakeHubSpot, tmp_path: Path) -> None:
    sla = sla_with(tmp_path, "archived_scan_hours = 0")
    clock = MovableClock()
    assert run(store, fake, sla, clock=clock).status == "ok"
    before = fake.request_count
    idle = run(store, fake, sla, clock=clock)
    assert sorted(archived_lists(fake, before)) == sorted(OBJECT_TYPES)
    assert idle.requests_used == IDLE_REQUESTS + len(OBJECT_TYPES)  # one archived page each
    archive_some(fake)
    assert run(store, fake, sla, clock=clock).status == "ok"
    assert_matches_portal(store, fake.portal)
