"""Canonical column names, enumerations and the CSV contract (SPEC.md section 1), in one place."""

from __future__ import annotations

from dataclasses import dataclass

TIERS = ("marketing", "sales", "service")
ACTIVITY_TYPES = ("call", "email", "meeting", "note", "task")
DIRECTIONS = ("outbound", "inbound")
CALL_OUTCOMES = (
    "connected",
    "no_answer",
    "left_voicemail",
    "left_live_message",
    "busy",
    "wrong_number",
)

# Column names shared by tables, DataFrames and CSV files.
TEAM_ID = "team_id"
OWNER_ID = "owner_id"
LEAD_ID = "lead_id"
ACTIVITY_ID = "activity_id"
DEAL_ID = "deal_id"
NAME = "name"
TIER = "tier"
CALENDAR = "calendar"
MANAGER_EMAIL = "manager_email"
EMAIL = "email"
ACTIVE = "active"
CREATED_AT = "created_at"
HANDED_OFF_AT = "handed_off_at"
ASSIGNED_AT = "assigned_at"
SOURCE = "source"
STATUS = "status"
REJECTED_AT = "rejected_at"
REJECTION_REASON = "rejection_reason"
COMPANY = "company"
TYPE = "type"
OCCURRED_AT = "occurred_at"
DIRECTION = "direction"
OUTCOME = "outcome"
BODY = "body"
CLOSED_WON_AT = "closed_won_at"
AMOUNT = "amount"
SERVICE_OWNER_ID = "service_owner_id"
DELETED_AT = "deleted_at"


@dataclass(frozen=True)
class EntitySpec:
    """One canonical CSV file: its table, key and columns (order is the export order)."""

    file: str
    entity: str
    key: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    timestamps: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


TEAMS = EntitySpec("teams.csv", "team", TEAM_ID, (TEAM_ID, NAME, TIER), (CALENDAR, MANAGER_EMAIL))
OWNERS = EntitySpec("owners.csv", "owner", OWNER_ID, (OWNER_ID, NAME, EMAIL, TEAM_ID), (ACTIVE,))
LEADS = EntitySpec(
    "leads.csv",
    "lead",
    LEAD_ID,
    (LEAD_ID, CREATED_AT),
    (
        HANDED_OFF_AT,
        ASSIGNED_AT,
        OWNER_ID,
        SOURCE,
        STATUS,
        REJECTED_AT,
        REJECTION_REASON,
        EMAIL,
        COMPANY,
    ),
    timestamps=(CREATED_AT, HANDED_OFF_AT, ASSIGNED_AT, REJECTED_AT),
)
ACTIVITIES = EntitySpec(
    "activities.csv",
    "activity",
    ACTIVITY_ID,
    (ACTIVITY_ID, LEAD_ID, TYPE, OCCURRED_AT),
    (OWNER_ID, DIRECTION, OUTCOME, BODY),
    timestamps=(OCCURRED_AT,),
)
DEALS = EntitySpec(
    "deals.csv",
    "deal",
    DEAL_ID,
    (DEAL_ID, LEAD_ID, CLOSED_WON_AT),
    (OWNER_ID, AMOUNT, SERVICE_OWNER_ID),
    timestamps=(CLOSED_WON_AT,),
)

# Import order: references point backwards in this tuple.
ENTITIES = (TEAMS, OWNERS, LEADS, ACTIVITIES, DEALS)
ENTITY_BY_NAME = {spec.entity: spec for spec in ENTITIES}

# The activities that can stop an SLA clock once they happen (the engine, its store reads and the
# verdict cache's horizon all use this one list).
CLOCK_ACTIVITY_TYPES = ("call", "email", "meeting")
# Calls and emails count only when outbound (as a contact, an attempt or a reach: the engine's
# rules, models/engine/items.py); a meeting whatever its direction. The engine's read leaves the
# rest out.
OUTBOUND = "outbound"
OUTBOUND_ONLY_ACTIVITY_TYPES = ("call", "email")
