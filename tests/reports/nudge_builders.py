"""A tiny organisation for nudge tests, written through the store, and its SLA file.

New York calendar 09:00-17:00 Monday to Friday, Friday 2026-12-25 a holiday; first touch within
4 business hours; the attempts SLA has its nudges switched off (a per-SLA override). Times are
New York wall clock unless they carry an offset."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from models.settings import Settings, load_settings
from models.store import Store

NY = ZoneInfo("America/New_York")
SLACK_USERS = {"rita@x.example": "U_RITA", "sam@x.example": "U_SAM", "mgr@x.example": "U_MGR",
               "cara@x.example": "U_CARA"}  # fmt: skip

SLA_TOML = """
[calendars.ny]
timezone = "America/New_York"
extra_holidays = ["2026-12-25"]
[calendars.ny.hours]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]

[[sla]]
id = "first-touch"
name = "First touch within 4 business hours"
kind = "first_touch"
provider = "sales"
calendar = "ny"
within = "4h"
target_pct = 90
effective_from = "2026-01-01"

[[sla]]
id = "attempts"
kind = "follow_up_attempts"
provider = "sales"
calendar = "ny"
within = "40h"
min_attempts = 3
target_pct = 80
effective_from = "2026-01-01"

[nudges]
every_minutes = 5
channels = ["slack", "email"]
digest = {digest}
[nudges.sla.attempts]
enabled = false
"""


def t(text: str) -> pd.Timestamp:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=NY)
    return pd.Timestamp(value).tz_convert("UTC")


def at(text: str) -> datetime:
    return t(text).to_pydatetime()


def write_sla_file(folder: Path, *, digest: bool = True, extra: str = "") -> Path:
    path = folder / "sla.toml"
    path.write_text(
        SLA_TOML.replace("{digest}", "true" if digest else "false") + extra, encoding="utf-8"
    )
    return path


def load_org(store: Store) -> None:
    store.upsert_frame("team", pd.DataFrame([
        {"team_id": "sales-east", "name": "Sales East", "tier": "sales", "calendar": "ny",
         "manager_email": "mgr@x.example"},
    ]))  # fmt: skip
    store.upsert_frame("owner", pd.DataFrame([
        {"owner_id": "rita", "name": "Rita Rep", "email": "rita@x.example", "team_id": "sales-east", "active": True},
        {"owner_id": "sam", "name": "Sam Rep", "email": "sam@x.example", "team_id": "sales-east", "active": True},
    ]))  # fmt: skip


def add_lead(store: Store, lead_id: str, handed_off: str, *, owner: str = "rita",
             company: str = "Acme", **extra: Any) -> None:  # fmt: skip
    row = {"lead_id": lead_id, "created_at": t(handed_off), "handed_off_at": t(handed_off),
           "assigned_at": t(handed_off), "owner_id": owner, "source": "web",
           "email": f"{lead_id.lower()}@customer.example", "company": company, **extra}  # fmt: skip
    store.upsert_frame("lead", pd.DataFrame([row]))


def add_call(
    store: Store, lead_id: str, when: str, *, owner: str = "rita", activity_id: str
) -> None:
    store.upsert_frame("activity", pd.DataFrame([{
        "activity_id": activity_id, "lead_id": lead_id, "type": "call", "occurred_at": t(when),
        "owner_id": owner, "direction": "outbound", "outcome": "no_answer",
    }]))  # fmt: skip


def nudge_settings(store: Store, sla_file: Path, slack_url: str | None, **more: Any) -> Settings:
    values: dict[str, Any] = {"database_url": store.url, "handoff_config": sla_file,
                              "handoff_base_url": "https://handoff.example"}  # fmt: skip
    if slack_url:
        values.update(slack_bot_token="xoxb-test-token", slack_base_url=slack_url)
    values.update(more)
    return load_settings(**values)
