"""Column names and values of the SLA engine's item verdicts, in one place.

Every per-item SLA (first_touch, follow_up_attempts, service_first_contact) yields one row per
item with these columns; the JSON of `handoff evaluate`, the CSV format, snapshots, rollups and
the dashboard all read them by these names.
"""

from __future__ import annotations

SLA_ID = "sla_id"
KIND = "kind"
ITEM_ID = "item_id"  # lead_id, or deal_id for service_first_contact
LEAD_ID = "lead_id"
DEAL_ID = "deal_id"
OWNER_ID = "owner_id"
CLOSED_BY_OWNER_ID = "closed_by_owner_id"  # service items: who closed the deal (sales)
TEAM_ID = "team_id"
MONTH = "month"
STATE = "state"
START = "start"
STOP = "stop"
STOP_REASON = "stop_reason"
STOP_ACTIVITY_ID = "stop_activity_id"
STOP_ACTIVITY_TYPE = "stop_activity_type"
ELAPSED = "elapsed_business_minutes"
TARGET = "target_minutes"
REMAINING = "remaining_business_minutes"
DUE_AT = "due_at"
BREACHED_AT = "breached_at"
AT_RISK = "at_risk"
SEGMENT = "segment"
SLA_VERSION = "sla_version"
CALENDAR = "calendar"
HANDED_OFF_AT = "handed_off_at"
ASSIGNED_AT = "assigned_at"
ROUTING_DELAY = "routing_delay_minutes"
ROUTING_DELAY_BUSINESS = "routing_delay_business_minutes"
ATTEMPTS = "attempts"
REACHED = "reached"
WINDOW_END = "window_end"
EXCLUSION_REASON = "exclusion_reason"
SOURCE = "source"
EXPLANATION = "explanation"

# States of an item at the evaluation instant (SPEC.md section 3).
MET = "met"
BREACHED = "breached"
OPEN = "open"
EXCLUDED = "excluded"
STATES = (MET, BREACHED, OPEN, EXCLUDED)

# What stopped an item's clock.
STOP_ACTIVITY = "activity"
STOP_REJECTION = "rejection"
STOP_ATTEMPTS = "attempts"
STOP_REACHED = "reached"
STOP_WINDOW_END = "window_end"

ITEM_COLUMNS = (
    SLA_ID,
    KIND,
    ITEM_ID,
    LEAD_ID,
    DEAL_ID,
    OWNER_ID,
    TEAM_ID,
    CLOSED_BY_OWNER_ID,
    MONTH,
    STATE,
    START,
    STOP,
    STOP_REASON,
    STOP_ACTIVITY_ID,
    STOP_ACTIVITY_TYPE,
    ELAPSED,
    TARGET,
    REMAINING,
    DUE_AT,
    BREACHED_AT,
    AT_RISK,
    SEGMENT,
    SLA_VERSION,
    CALENDAR,
    HANDED_OFF_AT,
    ASSIGNED_AT,
    ROUTING_DELAY,
    ROUTING_DELAY_BUSINESS,
    ATTEMPTS,
    REACHED,
    WINDOW_END,
    EXCLUSION_REASON,
    SOURCE,
    EXPLANATION,
)
TIMESTAMP_COLUMNS = (START, STOP, DUE_AT, BREACHED_AT, HANDED_OFF_AT, ASSIGNED_AT, WINDOW_END)
FLOAT_COLUMNS = (ELAPSED, TARGET, REMAINING, ROUTING_DELAY, ROUTING_DELAY_BUSINESS)

# Exclusions handed to the engine (approved disputes and exclusions).
EXCLUSION_COLUMNS = (SLA_ID, ITEM_ID, "reason", "kind")

# Quota figures (lead_quota), the keys of SlaResult.quota.
QUOTA_KEYS = (
    "target",
    "delivered",
    "accepted",
    "rejected",
    "attainment_pct",
    "met",
    "business_days_total",
    "business_days_gone",
    "expected_by_now",
    "pace_pct",
    "projected_accepted",
    "projected_attainment_pct",
    "month_complete",
    "per_owner_target",  # a per-person quota (SPEC.md section 3); None otherwise
    "owners",  # each receiving rep's line of a per-person quota; None otherwise
)
