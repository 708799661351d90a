"""`handoff sync hubspot` against the fake HubSpot, through the real hubspot-api-client:
a first sync, an incremental one after changes, and the paging edge cases. (Idle syncs and the
archived-list schedule: test_hubspot_archived.py; the CLI end to end: test_hubspot_export.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fakes.hubspot_expected import as_sorted, expected, stored
from fakes.hubspot_portal import Portal, generate_portal
from fakes.hubspot_server import FakeHubSpot

from connectors.hubspot.client import HttpOptions
from connectors.hubspot.status import describe_status
from connectors.hubspot.sync import SyncOptions, SyncResult, sync_hubspot
from models.access import REP, UNKNOWN, resolve_person
from models.access_config import AccessConfig
from models.settings import load_settings
from models.store import Store
from models.tables import SyncRun

TOKEN = "pat-na1-secret-test-token"
FAST = SyncOptions(http=HttpOptions(backoff_factor=0.01, retries=4))
SLA = """
[hubspot]
rejected_statuses = ["UNQUALIFIED"]
[hubspot.team_tiers]
"Marketing" = "marketing"
"Sales East" = "sales"
"Sales West" = "sales"
"Customer Service" = "service"
"""


@pytest.fixture
def sla_file(tmp_path: Path) -> Path:
    path = tmp_path / "sla.toml"
    path.write_text(SLA, encoding="utf-8")
    return path


class MovableClock:
    """The sync's clock (its run start): real time plus an offset a test moves forward, so a
    test can make the archived-list scan due without waiting a day."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture
def fake() -> Iterator[FakeHubSpot]:
    # Tiny association pages so inline-association overflow and v4 paging happen on every sync.
    portal = generate_portal()
    with FakeHubSpot(portal, token=TOKEN, rate_per_10s=2000, search_per_second=100,
                     inline_association_limit=2, association_page_size=2) as server:  # fmt: skip
        yield server


def run(
    store: Store,
    fake: FakeHubSpot,
    sla: Path,
    *,
    full: bool = False,
    options: SyncOptions = FAST,
    clock: MovableClock | None = None,
    **settings: Any,
) -> SyncResult:
    values = {"hubspot_rate_per_10s": 2000, "hubspot_search_per_s": 100, **settings}
    config = load_settings(
        database_url=store.url,
        hubspot_access_token=TOKEN,
        hubspot_base_url=fake.url,
        handoff_config=sla,
        **values,
    )
    if clock is not None:
        options = replace(options, clock=clock)
    return sync_hubspot(store, config, full=full, progress=False, options=options)


def archived_lists(fake: FakeHubSpot, since: int = 0) -> list[str]:
    """Object types whose archived list was read (one entry per page) since request `since`."""
    return [
        p.split("/")[4]
        for m, p, q in fake.log[since:]
        if m == "GET" and p.startswith("/crm/v3/objects/") and q.get("archived") == ["True"]
    ]


def assert_matches_portal(store: Store, portal: Portal) -> None:
    want, have = as_sorted(expected(portal)), as_sorted(stored(store))
    for entity in want:
        assert have[entity] == want[entity], entity


def change_portal(portal: Portal) -> None:
    """A round of changes: edits, a rejection, a reopening, additions, archivals, a deal won."""
    now = datetime.now(UTC) - timedelta(seconds=5)
    contacts = portal.ids["contacts"]
    portal.update(
        "contacts",
        contacts[0],
        {"hs_lead_status": "UNQUALIFIED", "email": "new@example.org"},
        at=now,
    )
    rejected = [
        i
        for i in contacts
        if portal.objects["contacts"][i].properties.get("hs_lead_status") == "UNQUALIFIED"
    ]
    portal.update("contacts", rejected[1], {"hs_lead_status": "OPEN"}, at=now)  # reopened
    portal.update(
        "contacts",
        contacts[3],
        {"hs_v2_date_entered_marketingqualifiedlead": "2026-05-01T10:00:00Z"},
        at=now,
    )
    new_contact = portal.create(
        "contacts", {"email": "fresh@example.org", "hs_lead_status": "UNQUALIFIED"}, at=now
    )
    portal.archive("contacts", contacts[5], at=now)
    calls = portal.ids["calls"]
    portal.update(
        "calls", calls[1], {"hs_call_disposition": "73a0d17f-1163-4015-bdd5-ec830791da20"}, at=now
    )
    portal.associate("calls", calls[2], [], at=now)  # lost its contact: no longer exported
    portal.associate("emails", portal.ids["emails"][0], [new_contact, contacts[9]], at=now)
    portal.create(
        "meetings",
        {"hs_timestamp": "2026-06-01T15:00:00Z", "hs_meeting_outcome": "COMPLETED"},
        at=now,
        contacts=[new_contact],
    )
    portal.archive("notes", portal.ids["notes"][4], at=now)
    for deal_id in portal.ids["deals"]:
        if portal.objects["deals"][deal_id].properties[
            "dealstage"
        ] == "appointmentscheduled" and portal.contacts_of["deals"].get(deal_id):
            portal.update("deals", deal_id, {"dealstage": "closedwon"}, at=now)
            break
    portal.owners[1]["teams"] = [{"id": "13", "name": "Sales West", "primary": True}]
    portal.owners[0]["archived"] = True


def test_first_sync_equals_the_portal_mapped_by_hand(
    store: Store, fake: FakeHubSpot, sla_file: Path
) -> None:
    result = run(store, fake, sla_file)
    assert result.status == "ok", result.message
    assert_matches_portal(store, fake.portal)
    assert fake.violations == [] and fake.bad_requests == []
    assert fake.requests_to("/crm/v4/associations/") > 0, "inline overflow must be read through v4"
    assert result.counts["contacts"] == len(fake.portal.ids["contacts"])


def test_incremental_sync_after_changes_equals_the_changed_portal(
    store: Store, fake: FakeHubSpot, sla_file: Path
) -> None:
    clock = MovableClock()
    assert run(store, fake, sla_file, clock=clock).status == "ok"
    change_portal(fake.portal)
    clock.advance(hours=24, minutes=1)  # the archived lists are due again: archivals are seen
    before = fake.request_count
    result = run(store, fake, sla_file, clock=clock)
    assert result.status == "ok", result.message
    assert_matches_portal(store, fake.portal)
    assert fake.violations == [] and fake.bad_requests == []
    searched = [p for m, p, _ in fake.log[before:] if p.endswith("/search")]
    assert len(searched) == 7, "one search per object type"
    assert sorted(archived_lists(fake, before)) == sorted(fake.portal.objects)
    assert not any(
        p.startswith("/crm/v3/objects")
        and m == "GET"
        and q.get("archived", ["false"])[0].lower() != "true"
        for m, p, q in fake.log[before:]
    ), "incremental must not re-list live records"


def test_an_archived_contact_moves_its_activities_to_the_next_contact(
    store: Store, fake: FakeHubSpot, sla_file: Path
) -> None:
    portal = fake.portal
    shared = next(
        i for i in portal.ids["emails"] if len(portal.contacts_of["emails"].get(i, [])) >= 2
    )
    clock = MovableClock()
    assert run(store, fake, sla_file, clock=clock).status == "ok"
    portal.archive("contacts", portal.contacts_of["emails"][shared][0])
    clock.advance(hours=25)
    assert run(store, fake, sla_file, clock=clock).status == "ok"
    assert_matches_portal(store, portal)


def test_requests_use_the_shapes_hubspot_expects(
    store: Store, fake: FakeHubSpot, sla_file: Path
) -> None:
    run(store, fake, sla_file)
    lists = [q for m, p, q in fake.log if p == "/crm/v3/objects/contacts" and m == "GET"]
    assert len(lists[0]["properties"]) > 5, "properties are sent repeated"
    assert lists[0]["limit"] == ["100"]
    assert any(p == "/crm/v3/owners/" for _, p, _ in fake.log), (
        "owners path keeps its trailing slash"
    )
    archived = [q["archived"][0] for m, p, q in fake.log if "archived" in q]
    assert {"True", "False"} >= set(archived) and "True" in archived


def test_more_than_ten_thousand_changes_with_one_timestamp_are_all_read(
    store: Store, sla_file: Path
) -> None:
    portal = generate_portal(contacts=10, engagements_per_contact=1, deals=2)
    with FakeHubSpot(portal, token=TOKEN, rate_per_10s=5000, search_per_second=500) as fake:
        settings = {"hubspot_rate_per_10s": 5000, "hubspot_search_per_s": 500}
        assert run(store, fake, sla_file, **settings).status == "ok"
        batch = datetime.now(UTC) - timedelta(seconds=30)  # a month-end mass update
        for index in range(10_250):
            portal.create("contacts", {"email": f"bulk{index}@example.org"}, at=batch)
        result = run(store, fake, sla_file, **settings)
        assert result.status == "ok", result.message
        assert fake.bad_requests == [] and fake.violations == []
        assert store.count_rows()["lead"] == 10_260
        assert result.counts["contacts"] == 10_250


def test_the_fake_refuses_to_page_past_ten_thousand_search_results(fake: FakeHubSpot) -> None:
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{fake.url}/crm/v3/objects/contacts/search", method="POST",
        data=json.dumps({"limit": 200, "after": "9900", "filterGroups": []}).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request)
    assert error.value.code == 400


def test_last_page_without_paging_and_empty_portal(store: Store, sla_file: Path) -> None:
    with FakeHubSpot(Portal(), token=TOKEN) as fake:
        result = run(store, fake, sla_file)
    assert result.status == "ok"
    assert store.count_rows() == {"team": 0, "owner": 0, "lead": 0, "activity": 0, "deal": 0}


def test_changed_pipeline_metadata_re_lists_the_deals(
    store: Store, fake: FakeHubSpot, sla_file: Path
) -> None:
    run(store, fake, sla_file)
    stage = fake.portal.pipelines[1]["stages"][0]  # "7101", was open
    stage["metadata"] = {"isClosed": "true", "probability": "1.0"}
    before = fake.request_count
    assert run(store, fake, sla_file).status == "ok"
    assert any(p == "/crm/v3/objects/deals" and m == "GET" for m, p, _ in fake.log[before:])
    assert_matches_portal(store, fake.portal)


def test_full_resync_keeps_the_same_data_and_status_describes_runs(
    store: Store, fake: FakeHubSpot, sla_file: Path
) -> None:
    run(store, fake, sla_file)
    change_portal(fake.portal)
    result = run(store, fake, sla_file, full=True)
    assert result.status == "ok"
    assert_matches_portal(store, fake.portal)
    text = describe_status(store)
    assert "full ok" in text and "incremental ok" in text
    assert "contacts: done" in text
    assert TOKEN not in text


def test_an_owner_with_an_invalid_email_syncs_without_one_and_the_run_warns(
    store: Store, fake: FakeHubSpot, sla_file: Path
) -> None:
    """HubSpot does not stop a user's address from holding a line break or a display name. The
    sync still completes; the owner (and their leads) are kept, without an address nobody can
    sign in with, and the run says which owner to fix."""
    bad = "rep1@example.com\n[[sla]]"
    fake.portal.owners[1]["email"] = bad
    fake.portal.owners[3]["email"] = "Rep Three <rep3@example.com>"
    result = run(store, fake, sla_file)
    assert result.status == "ok", result.message
    owners = store.read_entity("owner").set_index("owner_id")
    assert owners.loc[["501", "503"], "email"].isna().all()
    assert owners.loc["500", "email"] == "rep0@example.com"
    assert owners.loc["501", "name"] == "Rep1 Smith"
    leads = store.read_entity("lead")
    assert (leads["owner_id"] == "501").any(), "the owner's leads still count"
    run_row = store.read_runs(SyncRun, limit=1).iloc[0]
    assert run_row["status"] == "ok"
    warnings = str(run_row["error"]).splitlines()
    assert [w.split(":", 2)[1].strip() for w in warnings] == ["HubSpot owner 501", "HubSpot owner 503"]
    assert "'rep1@example.com\\n[[sla]]'" in warnings[0], "the bad value is quoted on one line"
    assert result.summary().endswith(str(run_row["error"]))

    teams, owner_frame = store.read_entity("team"), store.read_entity("owner")
    claims = {"email": "rep1@example.com", "email_verified": True}
    person = resolve_person(claims, teams, owner_frame, AccessConfig())
    assert person.role == UNKNOWN, "nobody signs in as the owner whose address was refused"
    fixed = resolve_person({"email": "rep0@example.com"}, teams, owner_frame, AccessConfig())
    assert fixed.role == REP and fixed.owner_ids == {"500"}
