"""The `[hubspot]` table of the SLA file: which HubSpot property holds each canonical field, the
team tiers, the rejected lead statuses and the request budget (see HUBSPOT.md). Parsed with the
rest of the file by `models.config.parse_config`; pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from models.columns import TIERS

DEFAULT_HUBSPOT_PROPERTIES: dict[str, str] = {
    "handed_off_at": "hs_v2_date_entered_marketingqualifiedlead",
    "handed_off_at_fallback": "hs_lifecyclestage_marketingqualifiedlead_date",
    "assigned_at": "hubspot_owner_assigneddate",
    "owner_id": "hubspot_owner_id",
    "source": "hs_analytics_source",
    "status": "hs_lead_status",
    "email": "email",
    "company": "company",
    "created_at": "createdate",
    "rejection_reason": "hs_lead_status",
    "activity_time": "hs_timestamp",
    "activity_owner": "hubspot_owner_id",
    "call_direction": "hs_call_direction",
    "call_outcome": "hs_call_disposition",
    "call_body": "hs_call_body",
    "email_direction": "hs_email_direction",
    "email_body": "hs_email_text",
    "meeting_body": "hs_meeting_body",
    "note_body": "hs_note_body",
    "task_body": "hs_task_body",
    "deal_closed_at": "closedate",
    "deal_amount": "amount",
    "deal_owner": "hubspot_owner_id",
    "deal_stage": "dealstage",
    "deal_pipeline": "pipeline",
    "meeting_outcome": "hs_meeting_outcome",
    "task_status": "hs_task_status",
}

# Properties with no default: unmapped unless `[hubspot.properties]` names one. A portal keeps the
# service owner of a won deal in a property of its own choosing (SPEC.md section 6).
OPTIONAL_HUBSPOT_PROPERTIES = ("deal_service_owner",)


@dataclass(frozen=True)
class HubSpotConfig:
    team_tiers: Mapping[str, str]
    properties: Mapping[str, str]
    rejected_statuses: tuple[str, ...] = ("UNQUALIFIED",)
    rate_per_10s: int = 100
    search_per_second: float = 4.0
    archived_scan_hours: float = 24.0  # re-read the archived lists this often (0 = every sync)
    lookback_minutes: float = 10.0  # search windows overlap this much: the index lags writes


def parse_hubspot(raw: Any, problems: list[str]) -> HubSpotConfig:
    """The `[hubspot]` table, its problems appended to `problems` with their key paths."""
    if not isinstance(raw, Mapping):
        problems.append("hubspot: expected a table")
        raw = {}
    tiers = raw.get("team_tiers", {})
    if not isinstance(tiers, Mapping):
        problems.append("hubspot.team_tiers: expected a table of \"Team name\" = \"tier\"")
        tiers = {}
    for team, tier in tiers.items():
        if tier not in TIERS:
            problems.append(f"hubspot.team_tiers.\"{team}\": expected one of {', '.join(TIERS)}, got {tier!r}")
    properties = dict(DEFAULT_HUBSPOT_PROPERTIES)
    overrides = raw.get("properties", {})
    if not isinstance(overrides, Mapping):
        problems.append("hubspot.properties: expected a table of canonical name = HubSpot property")
        overrides = {}
    for key, value in overrides.items():
        if key not in DEFAULT_HUBSPOT_PROPERTIES and key not in OPTIONAL_HUBSPOT_PROPERTIES:
            known = [*DEFAULT_HUBSPOT_PROPERTIES, *OPTIONAL_HUBSPOT_PROPERTIES]
            problems.append(f"hubspot.properties.{key}: unknown; expected one of {', '.join(known)}")
        elif not isinstance(value, str) or not value:
            problems.append(f"hubspot.properties.{key}: expected a HubSpot property name")
        else:
            properties[key] = value
    rejected = raw.get("rejected_statuses", ["UNQUALIFIED"])
    if not isinstance(rejected, list) or not all(isinstance(v, str) for v in rejected):
        problems.append("hubspot.rejected_statuses: expected a list of lead status values")
        rejected = ["UNQUALIFIED"]
    rate = raw.get("rate_per_10s", 100)
    if not isinstance(rate, int) or rate < 1:
        problems.append(f"hubspot.rate_per_10s: expected 100 (Free/Starter) or 190 (Professional/Enterprise), got {rate!r}")
        rate = 100
    search = raw.get("search_per_second", 4.0)
    if not isinstance(search, int | float) or search <= 0:
        problems.append(f"hubspot.search_per_second: expected a positive number, got {search!r}")
        search = 4.0
    scan_hours = raw.get("archived_scan_hours", 24.0)
    if isinstance(scan_hours, bool) or not isinstance(scan_hours, int | float) or not 0 <= scan_hours < float("inf"):
        problems.append(
            f"hubspot.archived_scan_hours: expected a number of hours >= 0 (0 = every sync), got {scan_hours!r}"
        )
        scan_hours = 24.0
    lookback = raw.get("lookback_minutes", 10.0)
    if isinstance(lookback, bool) or not isinstance(lookback, int | float) or not 0 <= lookback <= 1440:
        problems.append(
            f"hubspot.lookback_minutes: expected minutes between 0 and 1440 (default 10), got {lookback!r}"
        )
        lookback = 10.0
    return HubSpotConfig(
        team_tiers=dict(tiers),
        properties=properties,
        rejected_statuses=tuple(rejected),
        rate_per_10s=rate,
        search_per_second=float(search),
        archived_scan_hours=float(scan_hours),
        lookback_minutes=float(lookback),
    )
