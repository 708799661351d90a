"""Builders for SLA engine tests: a tiny organisation, an SLA file as a dict, and one-line rows.

Times are New York wall clock ("2026-10-05 09:00", a Monday) unless they carry an offset.
The default calendar `ny` works 09:00-17:00 Monday to Friday with no holidays, so business time
is easy to count by hand.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from models.config import HandoffConfig, parse_config
from models.engine.evaluate import EvalInput, evaluate
from models.engine.results import Evaluation

NY = ZoneInfo("America/New_York")

TEAMS = [
    {"team_id": "sales-east", "name": "Sales East", "tier": "sales", "calendar": None},
    {"team_id": "sales-west", "name": "Sales West", "tier": "sales", "calendar": "la"},
    {"team_id": "svc", "name": "Customer Service", "tier": "service", "calendar": None},
    {"team_id": "mkt", "name": "Marketing", "tier": "marketing", "calendar": None},
]
OWNERS = [
    {"owner_id": "rep", "name": "Rita Rep", "email": "rita@x", "team_id": "sales-east"},
    {"owner_id": "rep2", "name": "Sam Rep", "email": "sam@x", "team_id": "sales-east"},
    {"owner_id": "west", "name": "Wes West", "email": "wes@x", "team_id": "sales-west"},
    {"owner_id": "csm", "name": "Cara CSM", "email": "cara@x", "team_id": "svc"},
    {"owner_id": "csm2", "name": "Cole CSM", "email": "cole@x", "team_id": "svc"},
    {"owner_id": "mkt", "name": "Mo Marketer", "email": "mo@x", "team_id": "mkt"},
]

WEEK_9_TO_5 = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}

BASE_SLA_FILE: dict[str, Any] = {
    "calendars": {
        "ny": {"timezone": "America/New_York", "hours": WEEK_9_TO_5},
        "la": {"timezone": "America/Los_Angeles", "hours": WEEK_9_TO_5},
    },
    "sla": [
        {
            "id": "first-touch",
            "kind": "first_touch",
            "provider": "sales",
            "calendar": "ny",
            "within": "4h",
            "target_pct": 90,
            "effective_from": "2026-01-01",
        },
        {
            "id": "attempts",
            "kind": "follow_up_attempts",
            "provider": "sales",
            "calendar": "ny",
            "within": "8h",
            "min_attempts": 3,
            "target_pct": 80,
            "effective_from": "2026-01-01",
        },
        {
            "id": "service",
            "kind": "service_first_contact",
            "provider": "service",
            "calendar": "ny",
            "within": "8h",
            "target_pct": 95,
            "effective_from": "2026-01-01",
        },
        {
            "id": "mql",
            "kind": "lead_quota",
            "provider": "marketing",
            "monthly_target": 4,
            "timezone": "America/New_York",
            "effective_from": "2026-01-01",
        },
    ],
}


def sla_file(**changes: Any) -> dict[str, Any]:
    """A copy of the base SLA file; `changes` maps an SLA id to keys to set on it."""
    data = copy.deepcopy(BASE_SLA_FILE)
    for sla_id, keys in changes.items():
        for spec in data["sla"]:
            if spec["id"] == sla_id.replace("_", "-"):
                spec.update(keys)
    return data


def config(data: dict[str, Any] | None = None) -> HandoffConfig:
    return parse_config(data or BASE_SLA_FILE, "test.toml")


def t(text: str | None) -> pd.Timestamp | None:
    """New York wall time (or any ISO instant with an offset) -> aware UTC timestamp."""
    if text is None:
        return None
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=NY)
    return pd.Timestamp(value).tz_convert("UTC")


def lead(
    lead_id: str,
    handed_off: str | None,
    *,
    assigned: str | None = None,
    owner: str = "rep",
    source: str | None = "web",
    rejected: str | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    return {
        "lead_id": lead_id,
        "created_at": t(handed_off) if handed_off else t("2026-01-01 00:00"),
        "handed_off_at": t(handed_off),
        "assigned_at": t(assigned),
        "owner_id": owner,
        "source": source,
        "status": status,
        "rejected_at": t(rejected),
        "rejection_reason": "not workable" if rejected else None,
    }


_counter = iter(range(1, 10_000_000))


def act(
    lead_id: str,
    when: str,
    type_: str = "call",
    *,
    owner: str = "rep",
    direction: str | None = "outbound",
    outcome: str | None = None,
    activity_id: str | None = None,
) -> dict[str, Any]:
    return {
        "activity_id": activity_id or f"A{next(_counter)}",
        "lead_id": lead_id,
        "type": type_,
        "occurred_at": t(when),
        "owner_id": owner,
        "direction": direction,
        "outcome": outcome,
    }


def deal(
    deal_id: str, lead_id: str, closed: str, *, owner: str = "rep", service_owner: str | None = None
) -> dict[str, Any]:
    return {
        "deal_id": deal_id,
        "lead_id": lead_id,
        "closed_won_at": t(closed),
        "owner_id": owner,
        "service_owner_id": service_owner,
    }


def frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    return pd.DataFrame(rows)


LEAD_COLUMNS = ["lead_id", "created_at", "handed_off_at", "assigned_at", "owner_id", "source",
                "status", "rejected_at", "rejection_reason"]  # fmt: skip
ACTIVITY_COLUMNS = [
    "activity_id",
    "lead_id",
    "type",
    "occurred_at",
    "owner_id",
    "direction",
    "outcome",
]
DEAL_COLUMNS = ["deal_id", "lead_id", "closed_won_at", "owner_id", "service_owner_id"]


def data(
    leads: list[dict[str, Any]],
    activities: list[dict[str, Any]] | None = None,
    deals: list[dict[str, Any]] | None = None,
    exclusions: list[dict[str, Any]] | None = None,
) -> EvalInput:
    return EvalInput(
        leads=frame(leads, LEAD_COLUMNS),
        activities=frame(activities or [], ACTIVITY_COLUMNS),
        deals=frame(deals or [], DEAL_COLUMNS),
        owners=pd.DataFrame(OWNERS),
        teams=pd.DataFrame(TEAMS),
        exclusions=frame(exclusions or [], ["sla_id", "item_id", "reason", "kind"]),
    )


def run(
    inputs: EvalInput,
    as_of: str = "2026-11-05 00:00",
    month: str = "2026-10",
    cfg: HandoffConfig | None = None,
    team_id: str | None = None,
) -> Evaluation:
    stamp = t(as_of)
    assert stamp is not None
    return evaluate(cfg or config(), inputs, month, stamp.to_pydatetime(), team_id=team_id)


def item(evaluation: Evaluation, sla_id: str, item_id: str) -> dict[str, Any]:
    """One item's verdict as a dict (fails if the item is not in the SLA's month)."""
    items = evaluation.sla(sla_id).items
    found = items[items["item_id"] == item_id]
    assert len(found) == 1, f"{item_id} not in {sla_id}: {list(items['item_id'])}"
    return found.iloc[0].to_dict()
