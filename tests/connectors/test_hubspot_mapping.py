"""HubSpot records -> canonical rows (pure functions, SPEC.md section 6)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from connectors.hubspot import mapping
from models.config_hubspot import DEFAULT_HUBSPOT_PROPERTIES as NAMES


def contact(record_id: str, **props: Any) -> dict[str, Any]:
    base = {"createdate": "2026-01-05T10:00:00Z"}
    return {"id": record_id, "properties": {**base, **props}, "createdAt": "2026-01-05T10:00:00Z", "updatedAt": "2026-02-01T00:00:00Z"}


def history(*entries: tuple[str, str]) -> list[dict[str, str]]:
    return [{"value": v, "timestamp": t, "sourceType": "CRM_UI"} for v, t in entries]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01T10:00:00Z", "2026-03-01T10:00:00+00:00"),
        ("2026-03-01T10:00:00.123Z", "2026-03-01T10:00:00.123000+00:00"),
        ("2026-03-01T05:00:00-05:00", "2026-03-01T10:00:00+00:00"),
        ("1772359200000", "2026-03-01T10:00:00+00:00"),
        ("", None),
        (None, None),
    ],
)
def test_times_are_read_as_utc(text: str | None, expected: str | None) -> None:
    parsed = mapping.parse_times(pd.Series([text], dtype=object)).iloc[0]
    assert (None if pd.isna(parsed) else parsed.isoformat()) == expected


@pytest.mark.parametrize(
    ("newer", "older", "expected"),
    [
        ("2026-03-01T10:00:00Z", "2026-02-01T10:00:00Z", "2026-03-01T10:00:00+00:00"),
        ("", "2026-02-01T10:00:00Z", "2026-02-01T10:00:00+00:00"),  # empty counts as missing
        (None, "2026-02-01T10:00:00Z", "2026-02-01T10:00:00+00:00"),
        (None, None, None),
    ],
)
def test_handed_off_at_falls_back_to_the_older_property(newer: str | None, older: str | None, expected: str | None) -> None:
    record = contact("1", hs_v2_date_entered_marketingqualifiedlead=newer, hs_lifecyclestage_marketingqualifiedlead_date=older)
    leads = mapping.map_contacts([record], NAMES, ("UNQUALIFIED",), {})
    value = leads.loc[0, "handed_off_at"]
    assert (None if pd.isna(value) else value.isoformat()) == expected


@pytest.mark.parametrize(
    ("status", "entries", "expected"),
    [
        ("UNQUALIFIED", [("UNQUALIFIED", "2026-03-02T00:00:00Z"), ("OPEN", "2026-03-01T00:00:00Z")], "2026-03-02T00:00:00+00:00"),
        # re-saved with the same value: rejected when it first took the value
        ("UNQUALIFIED", [("UNQUALIFIED", "2026-03-05T00:00:00Z"), ("UNQUALIFIED", "2026-03-02T00:00:00Z"), ("OPEN", "2026-03-01T00:00:00Z")], "2026-03-02T00:00:00+00:00"),
        # rejected, reopened, rejected again: the most recent rejection
        ("UNQUALIFIED", [("UNQUALIFIED", "2026-03-09T00:00:00Z"), ("OPEN", "2026-03-04T00:00:00Z"), ("UNQUALIFIED", "2026-03-02T00:00:00Z")], "2026-03-09T00:00:00+00:00"),
        ("OPEN", [("OPEN", "2026-03-04T00:00:00Z"), ("UNQUALIFIED", "2026-03-02T00:00:00Z")], None),  # reopened
    ],
)
def test_rejected_at_is_when_the_status_last_took_a_rejecting_value(status: str, entries: list[tuple[str, str]], expected: str | None) -> None:
    leads = mapping.map_contacts([contact("7", hs_lead_status=status)], NAMES, ("UNQUALIFIED",), {"7": history(*entries)})
    value = leads.loc[0, "rejected_at"]
    assert (None if pd.isna(value) else value.isoformat()) == expected
    assert leads.loc[0, "rejection_reason"] == (status if expected else None)


@pytest.mark.parametrize(
    ("kind", "props", "direction", "outcome"),
    [
        ("call", {"hs_call_direction": "OUTBOUND", "hs_call_disposition": "f240bbac-87c9-4f6e-bf70-924b57d47db7"}, "outbound", "connected"),
        ("call", {"hs_call_direction": "INBOUND", "hs_call_disposition": "9d9162e7-6cf3-4944-bf63-4dff82258764"}, "inbound", "busy"),
        ("call", {"hs_call_direction": "OUTBOUND", "hs_call_disposition": "portal-own-id"}, "outbound", "portal-own-id"),
        ("call", {"hs_call_direction": "", "hs_call_disposition": ""}, None, None),
        ("email", {"hs_email_direction": "EMAIL"}, "outbound", None),
        ("email", {"hs_email_direction": "FORWARDED_EMAIL"}, "outbound", None),
        ("email", {"hs_email_direction": "INCOMING_EMAIL"}, "inbound", None),
        ("meeting", {"hs_meeting_outcome": "COMPLETED"}, "outbound", "COMPLETED"),
        ("note", {"hs_note_body": "x"}, None, None),
        ("task", {"hs_task_status": "COMPLETED"}, None, "COMPLETED"),
    ],
)
def test_activity_direction_and_outcome(kind: str, props: dict[str, str], direction: str | None, outcome: str | None) -> None:
    record = {"id": "9", "properties": {"hs_timestamp": "2026-03-01T10:00:00Z", **props}, "createdAt": "2026-03-01T09:00:00Z"}
    activities, skipped = mapping.map_activities([record], kind, NAMES, {"9": "42"})
    assert skipped == []
    row = activities.iloc[0]
    assert (row["type"], row["lead_id"], row["direction"], row["outcome"]) == (kind, "42", direction, outcome)


def test_activities_without_a_contact_are_left_out() -> None:
    records = [{"id": str(i), "properties": {"hs_timestamp": "2026-03-01T10:00:00Z"}} for i in (1, 2)]
    activities, skipped = mapping.map_activities(records, "note", NAMES, {"1": "5", "2": None})
    assert activities["activity_id"].tolist() == ["1"] and skipped == ["2"]


def test_lead_of_a_record_with_several_contacts_is_the_lowest_id() -> None:
    assert mapping.lowest_id(["900", "1000", "95"]) == "95"
    assert mapping.lowest_id([]) is None


def test_won_stages_come_from_metadata_not_stage_names() -> None:
    pipelines = {"results": [
        {"id": "default", "stages": [
            {"id": "closedwon", "metadata": {"isClosed": "true", "probability": "1.0"}},
            {"id": "closedlost", "metadata": {"isClosed": "true", "probability": "0.0"}}]},
        {"id": "77", "stages": [
            {"id": "123", "metadata": {"isClosed": "true", "probability": "1.0"}},
            {"id": "124", "metadata": {"isClosed": "false", "probability": "1.0"}}]},
    ]}  # fmt: skip
    won = mapping.won_stages(pipelines)
    assert won.pairs == {("default", "closedwon"), ("77", "123")}
    deal = {"id": "3", "properties": {"dealstage": "123", "pipeline": "77", "closedate": "2026-04-01T00:00:00Z", "amount": "10.5"}}
    deals, skipped = mapping.map_deals([deal], NAMES, won, {"3": "8"})
    assert deals.iloc[0][["deal_id", "lead_id", "amount"]].tolist() == ["3", "8", 10.5]
    lost = {**deal, "properties": {**deal["properties"], "dealstage": "124"}}
    assert mapping.map_deals([lost], NAMES, won, {"3": "8"})[1] == ["3"]


def test_owners_get_a_team_only_when_their_primary_team_is_mapped() -> None:
    owners = [
        {"id": "1", "firstName": "Ann", "lastName": "Lee", "email": "a@x.example", "teams": [{"id": "10", "name": "Sales East", "primary": True}]},
        {"id": "2", "firstName": "", "lastName": "", "email": "b@x.example", "teams": [{"id": "20", "name": "Partners", "primary": True}, {"id": "10", "name": "Sales East", "primary": False}]},
        {"id": "3", "email": "c@x.example", "teams": [], "archived": True},
    ]
    teams, rows, warnings = mapping.map_owners(owners, {"Sales East": "sales"})
    assert teams.to_dict("records") == [{"team_id": "10", "name": "Sales East", "tier": "sales"}]
    assert rows["team_id"].tolist() == ["10", None, None]
    assert rows["name"].tolist() == ["Ann Lee", "b@x.example", "c@x.example"]
    assert rows["active"].tolist() == [True, True, False]
    assert warnings == []


@pytest.mark.parametrize(
    "address",
    [
        "eve@x.example\n[[sla]]",  # a line break: could start a TOML table or a mail header
        "no-at-sign.example",
        "Eve <eve@x.example>",  # a display name around it
        "eve@x.example, boss@x.example",
        '<a href="https://evil.example">x</a>@x.example',
    ],
)
def test_an_owner_with_an_invalid_email_is_kept_without_one_and_named_in_a_warning(
    address: str,
) -> None:
    owners = [
        {"id": "7", "firstName": "", "lastName": "", "email": address, "teams": []},
        {"id": "8", "firstName": "Bo", "lastName": "Lin", "email": "  bo@x.example ", "teams": []},
    ]
    _, rows, warnings = mapping.map_owners(owners, {})
    assert rows["email"].tolist() == [None, "bo@x.example"], "the same check as the CSV import"
    assert rows["name"].tolist() == ["7", "Bo Lin"], "a refused address is not shown as a name"
    assert len(warnings) == 1 and warnings[0].startswith("HubSpot owner 7: e-mail ")
    assert "\n" not in warnings[0], "the bad value is quoted on one line"
    assert "Correct the address in HubSpot" in warnings[0]


def test_a_deals_service_owner_comes_from_the_configured_property_only() -> None:
    pipelines = {"results": [{"id": "default", "stages": [
        {"id": "closedwon", "metadata": {"isClosed": "true", "probability": "1.0"}}]}]}  # fmt: skip
    won = mapping.won_stages(pipelines)
    props = {"dealstage": "closedwon", "pipeline": "default", "closedate": "2026-04-01T00:00:00Z",
             "hubspot_owner_id": "11", "csm_owner": "42"}  # fmt: skip
    deal = {"id": "3", "properties": props}
    # None by default: a portal names its own property, so nothing is guessed.
    plain, _ = mapping.map_deals([deal], NAMES, won, {"3": "8"})
    assert plain.iloc[0]["service_owner_id"] is None
    configured = {**NAMES, "deal_service_owner": "csm_owner"}
    deals, _ = mapping.map_deals([deal], configured, won, {"3": "8"})
    assert deals.iloc[0][["owner_id", "service_owner_id"]].tolist() == ["11", "42"]
