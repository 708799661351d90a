"""Deletions and merges of recent records show on the next incremental sync (not at the next
archived-list scan, `archived_scan_hours` = 24 here): the fake HubSpot through the real
hubspot-api-client, then the verdicts the dashboard and the nudges read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from fakes.hubspot_portal import OBJECT_TYPES, Portal, iso
from fakes.hubspot_server import FakeHubSpot
from test_hubspot_sync import FAST

from connectors.hubspot.recent import start_of_previous_month
from connectors.hubspot.sync import SyncResult, sync_hubspot
from models.engine import columns as E
from models.settings import load_settings
from models.store import Store
from models.verdicts.cache import cached_evaluations, recent_months

TOKEN = "pat-na1-recent-test"
ALL_DAY = "\n".join(f'{d} = ["00:00-24:00"]' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
SLA = f"""
[calendars.always]
timezone = "UTC"
[calendars.always.hours]
{ALL_DAY}

[[sla]]
id = "first-touch"
kind = "first_touch"
provider = "sales"
calendar = "always"
within = "4h"
target_pct = 90

[hubspot]
archived_scan_hours = 24
[hubspot.team_tiers]
"Sales East" = "sales"
"""
IDLE = 2 + len(OBJECT_TYPES)  # owners, pipelines, one search per object type
RECENT_CONTACTS = 150  # more than one batch read: the recent contacts are counted by a search


@dataclass
class World:
    portal: Portal
    fake: FakeHubSpot
    sla: Path
    handed: datetime
    contacts: list[int]
    deals: list[int]
    call: int  # on contacts[0], the loser of the merge below


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    handed = datetime.now(UTC) - timedelta(hours=3, minutes=10)  # 79% of the 4 hours used
    portal = Portal()
    portal.owners = [{"id": "501", "email": "rita@x.example", "firstName": "Rita", "lastName": "Rep",
                      "userId": 501, "createdAt": iso(handed), "updatedAt": iso(handed), "archived": False,
                      "teams": [{"id": "12", "name": "Sales East", "primary": True}]}]  # fmt: skip
    portal.pipelines = [{"id": "default", "label": "Sales", "archived": False, "stages": [
        {"id": "closedwon", "label": "won", "displayOrder": 0, "archived": False,
         "metadata": {"isClosed": "true", "probability": "1.0"}}]}]  # fmt: skip
    old = handed - timedelta(days=120)  # long before the previous month: not checked each sync
    contacts = []
    for index in range(RECENT_CONTACTS + 20):
        at = handed if index < RECENT_CONTACTS else old
        contacts.append(portal.create("contacts", {
            "email": f"c{index}@customer.example", "company": f"Company {index}", "hubspot_owner_id": "501",
            "hubspot_owner_assigneddate": iso(at), "hs_v2_date_entered_marketingqualifiedlead": iso(at),
        }, at=at))  # fmt: skip
    call = portal.create("calls", {"hs_timestamp": iso(handed + timedelta(minutes=5)), "hubspot_owner_id": "501",
                                   "hs_call_direction": "OUTBOUND"}, at=handed, contacts=[contacts[0]])  # fmt: skip
    deals = [portal.create("deals", {"dealstage": "closedwon", "pipeline": "default", "closedate": iso(handed),
                                     "amount": "100", "hubspot_owner_id": "501"},
                           at=handed, contacts=[contacts[10 + i]]) for i in range(3)]  # fmt: skip
    sla = tmp_path / "sla.toml"
    sla.write_text(SLA, encoding="utf-8")
    with FakeHubSpot(portal, token=TOKEN, rate_per_10s=2000, search_per_second=100) as fake:
        yield World(portal, fake, sla, handed, contacts, deals, call)


def sync(store: Store, world: World) -> SyncResult:
    settings = load_settings(database_url=store.url, hubspot_access_token=TOKEN, hubspot_base_url=world.fake.url,
                             handoff_config=world.sla, hubspot_rate_per_10s=2000, hubspot_search_per_s=100)  # fmt: skip
    result = sync_hubspot(store, settings, progress=False, options=FAST)
    assert result.status == "ok", result.message
    return result


def items_now(store: Store, world: World) -> pd.DataFrame:
    now = datetime.now(UTC)
    evaluations = cached_evaluations(store, world.sla, recent_months_for(world, now), as_of=now)
    return pd.concat([e.items(explain=False) for e in evaluations], ignore_index=True).set_index(E.ITEM_ID)


def recent_months_for(world: World, now: datetime) -> list[str]:
    from models.config import load_config

    return recent_months(load_config(world.sla), now, 2)


def test_an_idle_sync_counts_the_recent_contacts_in_one_search_and_reads_the_few_deals(
    store: Store, world: World
) -> None:
    sync(store, world)
    before = world.fake.request_count
    result = sync(store, world)
    # 150 recent contacts: one count search; 3 recent won deals: one batch read.
    assert result.requests_used == IDLE + 2 <= 15
    checks = world.fake.log[before:]
    assert sum(1 for _, path, _ in checks if path == "/crm/v3/objects/contacts/search") == 2  # window + count
    assert sum(1 for _, path, _ in checks if path == "/crm/v3/objects/deals/batch/read") == 1
    assert not world.fake.violations and not world.fake.bad_requests
    assert result.counts["archived"] == 0 and result.counts["merged"] == 0


def test_a_deletion_and_a_merge_are_gone_after_one_incremental_sync(store: Store, world: World) -> None:
    sync(store, world)
    items = items_now(store, world)
    loser, survivor, deleted = (str(world.contacts[i]) for i in (0, 1, 2))
    assert items.loc[loser, E.STATE] == E.MET and items.loc[survivor, E.STATE] == E.OPEN
    assert deleted in items.index

    world.portal.archive("contacts", int(deleted))
    world.portal.merge("contacts", int(loser), int(survivor))
    world.portal.archive("deals", world.deals[0])
    result = sync(store, world)

    assert (result.counts["archived"], result.counts["merged"]) == (2, 1)  # a contact and a deal; the loser
    assert not world.fake.violations and not world.fake.bad_requests
    assert result.requests_used <= IDLE + 2 + 2 * 8  # a few halvings and batch reads, not 150 ids one by one
    leads = store.read_entity("lead").set_index("lead_id")
    assert loser not in leads.index and deleted not in leads.index and survivor in leads.index
    # The loser's call follows the survivor, and counts as its first touch.
    assert store.read_entity("activity").set_index("activity_id").loc[str(world.call), "lead_id"] == survivor
    assert world.deals[0] not in set(store.read_entity("deal")["deal_id"].astype(int))
    items = items_now(store, world)
    assert loser not in items.index and deleted not in items.index
    assert items.loc[survivor, E.STATE] == E.MET
    open_now = items[items[E.STATE] == E.OPEN].index
    assert len(open_now) == RECENT_CONTACTS - 3  # the at-risk list: neither the deleted nor the merged

    # The next idle sync is back to its usual cost: nothing left to find.
    assert sync(store, world).requests_used == IDLE + 2


def test_old_records_are_left_to_the_archived_scan(store: Store, world: World) -> None:
    sync(store, world)
    old = str(world.contacts[-1])
    world.portal.archive("contacts", int(old))
    result = sync(store, world)
    assert result.counts["archived"] == 0
    assert old in set(store.read_entity("lead")["lead_id"])


@pytest.mark.parametrize(
    ("moment", "start"),
    [
        (datetime(2026, 12, 7, 19, 0, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)),
        (datetime(2027, 1, 1, 0, 0, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)),
        (datetime(2026, 3, 31, 23, 59, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)),
    ],
)
def test_recent_means_since_the_start_of_the_previous_month(moment: datetime, start: datetime) -> None:
    assert start_of_previous_month(moment) == start


def test_a_check_cut_short_writes_nothing_and_the_next_sync_finishes_it(
    store: Store, world: World
) -> None:
    """HubSpot fails in the middle of the check (the pieces' batch reads): the sync says
    failed, nothing is half-written, and the next sync finds the same deletion and merge."""
    sync(store, world)
    loser, survivor, deleted = (str(world.contacts[i]) for i in (0, 1, 2))
    world.portal.archive("contacts", int(deleted))
    world.portal.merge("contacts", int(loser), int(survivor))
    world.fake.inject("/contacts/batch/read", 502, {"status": "error", "message": "Bad gateway"}, times=5)
    settings = load_settings(database_url=store.url, hubspot_access_token=TOKEN, hubspot_base_url=world.fake.url,
                             handoff_config=world.sla, hubspot_rate_per_10s=2000, hubspot_search_per_s=100)  # fmt: skip
    failed = sync_hubspot(store, settings, progress=False, options=FAST)
    assert failed.status == "failed" and "batch read contacts" in (failed.message or "")
    leads = store.read_entity("lead").set_index("lead_id")
    assert {loser, deleted} <= set(leads.index)  # nothing marked
    assert store.read_entity("activity").set_index("activity_id").loc[str(world.call), "lead_id"] == loser
    result = sync(store, world)
    assert (result.counts["archived"], result.counts["merged"]) == (1, 1)
    leads = store.read_entity("lead").set_index("lead_id")
    assert loser not in leads.index and deleted not in leads.index
    assert store.read_entity("activity").set_index("activity_id").loc[str(world.call), "lead_id"] == survivor
