"""Never stale: with HubSpot as the source, a nudge pass syncs first (the fake HubSpot through
the real hubspot-api-client) and judges the items from that data, so a lead touched, reassigned
or deleted in the CRM a minute before the pass gets no nudge (a reassigned one goes to its new
owner). The calendar works around the clock, so the test holds at any real time of day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from fakes.hubspot_portal import Portal, iso
from fakes.hubspot_server import FakeHubSpot
from fakes.slack_server import TOKEN as SLACK_TOKEN
from fakes.slack_server import slack_server

from connectors.hubspot.sync import sync_hubspot
from connectors.hubspot.verify import verify_contacts
from models.settings import load_settings
from models.store import Store
from reports.nudges.run import run_nudge_pass

HUBSPOT_TOKEN = "pat-na1-nudge-test"
ALL_DAY = "\n".join(
    f'{d} = ["00:00-24:00"]' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
)
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
archived_scan_hours = 0
[hubspot.team_tiers]
"Sales East" = "sales"

[nudges]
digest = false
"""


def _owner(owner_id: str, email: str, at: datetime) -> dict[str, object]:
    return {"id": owner_id, "email": email, "firstName": email.split("@")[0], "lastName": "Rep",
            "userId": int(owner_id), "createdAt": iso(at), "updatedAt": iso(at), "archived": False,
            "teams": [{"id": "12", "name": "Sales East", "primary": True}]}  # fmt: skip


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SMTP_HOST", "HUBSPOT_ACCESS_TOKEN", "HANDOFF_CONFIG"):
        monkeypatch.delenv(name, raising=False)


def test_the_pass_syncs_first_and_nudges_nobody_about_a_lead_just_handled(
    store: Store, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    handed = now - timedelta(hours=3, minutes=10)  # 79% of 4 hours: the "late" stage
    portal = Portal()
    portal.owners = [
        _owner("501", "rita@x.example", handed),
        _owner("502", "sam@x.example", handed),
    ]
    portal.pipelines = [{"id": "default", "label": "Sales", "archived": False, "stages": [
        {"id": "closedwon", "label": "won", "displayOrder": 0, "archived": False,
         "metadata": {"isClosed": "true", "probability": "1.0"}}]}]  # fmt: skip
    contacts = {}
    for name in ("touched", "deleted", "reassigned", "waiting"):
        contacts[name] = portal.create("contacts", {
            "email": f"{name}@customer.example", "company": name.title(), "hubspot_owner_id": "501",
            "hubspot_owner_assigneddate": iso(handed), "hs_v2_date_entered_marketingqualifiedlead": iso(handed),
        }, at=handed)  # fmt: skip
    sla_file = tmp_path / "sla.toml"
    sla_file.write_text(SLA, encoding="utf-8")
    with (
        FakeHubSpot(portal, token=HUBSPOT_TOKEN) as hubspot,
        slack_server({"rita@x.example": "U_RITA", "sam@x.example": "U_SAM"}) as slack,
    ):
        settings = load_settings(
            database_url=store.url, handoff_config=sla_file, hubspot_access_token=HUBSPOT_TOKEN,
            hubspot_base_url=hubspot.url, slack_bot_token=SLACK_TOKEN, slack_base_url=slack.base_url,
        )  # fmt: skip
        assert sync_hubspot(store, settings).status == "ok"  # yesterday's sync
        # In the CRM, a minute before the pass:
        touched_at = datetime.now(UTC) - timedelta(minutes=1)
        portal.create("calls", {"hs_timestamp": iso(touched_at), "hubspot_owner_id": "501",
                                "hs_call_direction": "OUTBOUND"},
                      contacts=[contacts["touched"]])  # fmt: skip
        portal.archive("contacts", contacts["deleted"])
        portal.update("contacts", contacts["reassigned"], {"hubspot_owner_id": "502"})
        result = run_nudge_pass(store, settings, now=datetime.now(UTC), sync=sync_hubspot,
                                echo=lambda _line: None)  # fmt: skip
    assert result.status == "ok"
    log = store.read_nudge_log()
    sent = set(zip(log["item_id"], log["stage"], log["recipient"], log["status"], strict=True))
    assert sent == {
        (str(contacts["waiting"]), "late", "rita@x.example", "sent"),
        (str(contacts["reassigned"]), "late", "sam@x.example", "sent"),
    }
    assert len(slack.dms("U_RITA")) == 1 and len(slack.dms("U_SAM")) == 1


def test_deleted_or_merged_since_the_archived_scan_get_nothing(store: Store, tmp_path: Path) -> None:
    """The archived lists are read once a day (the default); the pass asks about the leads it is
    about to nudge, so a contact deleted or merged a minute ago is gone all the same."""
    now = datetime.now(UTC)
    handed = now - timedelta(hours=3, minutes=10)
    portal = Portal()
    portal.owners = [_owner("501", "rita@x.example", handed)]
    portal.pipelines = []
    contacts = {}
    for name in ("deleted", "loser", "winner", "waiting"):
        contacts[name] = portal.create("contacts", {
            "email": f"{name}@customer.example", "company": name.title(), "hubspot_owner_id": "501",
            "hubspot_owner_assigneddate": iso(handed), "hs_v2_date_entered_marketingqualifiedlead": iso(handed),
        }, at=handed)  # fmt: skip
    note = portal.create("notes", {"hs_timestamp": iso(handed), "hubspot_owner_id": "501", "hs_note_body": "x"},
                         at=handed, contacts=[contacts["loser"]])  # fmt: skip
    # The winner was touched already: only the loser and the deleted one would be nudged.
    portal.create("calls", {"hs_timestamp": iso(handed + timedelta(minutes=5)), "hubspot_owner_id": "501",
                            "hs_call_direction": "OUTBOUND"}, at=handed, contacts=[contacts["winner"]])  # fmt: skip
    sla_file = tmp_path / "sla.toml"
    sla_file.write_text(SLA.replace("archived_scan_hours = 0", "archived_scan_hours = 24"), encoding="utf-8")
    with FakeHubSpot(portal, token=HUBSPOT_TOKEN) as hubspot, slack_server({"rita@x.example": "U_RITA"}) as slack:
        settings = load_settings(
            database_url=store.url, handoff_config=sla_file, hubspot_access_token=HUBSPOT_TOKEN,
            hubspot_base_url=hubspot.url, slack_bot_token=SLACK_TOKEN, slack_base_url=slack.base_url,
        )  # fmt: skip
        assert sync_hubspot(store, settings).status == "ok"
        portal.archive("contacts", contacts["deleted"])
        # A merge: the loser disappears, its activities follow the surviving contact.
        portal.archive("contacts", contacts["loser"])
        portal.contacts_of["notes"][note] = [contacts["winner"]]
        result = run_nudge_pass(store, settings, now=datetime.now(UTC), sync=sync_hubspot,
                                verify=verify_contacts, echo=lambda _line: None)  # fmt: skip
    assert result.status == "ok"
    log = store.read_nudge_log()
    assert set(zip(log["item_id"], log["stage"], strict=True)) == {(str(contacts["waiting"]), "late")}
    leads = store.read_entity("lead", include_deleted=True).set_index("lead_id")
    assert leads.loc[str(contacts["deleted"]), "deleted_at"] is not None
    assert pd.notna(leads.loc[str(contacts["loser"]), "deleted_at"])
    moved = store.read_entity("activity").set_index("activity_id")
    assert moved.loc[str(note), "lead_id"] == str(contacts["winner"])
