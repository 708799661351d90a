"""The Nudges view's data: the nudge log as a table a person reads, a lead's nudges for its
timeline, and muting. Reads and writes go through the store."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from models.nudges.planner import unmanaged_teams
from ui import loaders

STATUS_LABELS = {"sent": "Sent", "failed": "Failed (will retry)", "claimed": "Sending…"}
SHOWN_ROWS = 2_000


@st.cache_data(show_spinner=False, ttl=60)
def load_log(url: str, stamp: str, lead_id: str | None = None) -> pd.DataFrame:
    return loaders._store(url).read_nudge_log(
        lead_id=lead_id, limit=None if lead_id else SHOWN_ROWS
    )


def log(lead_id: str | None = None) -> pd.DataFrame:
    """The newest nudges (or one lead's), newest first. Cached for a minute: the scheduler
    writes it every few minutes from another process."""
    return load_log(loaders.settings().database_url, loaders.data_stamp(), lead_id)


def table(frame: pd.DataFrame, zone: object) -> pd.DataFrame:
    """Who was told what, when, through which channel; failures with their error and retry."""
    if frame.empty:
        return pd.DataFrame(columns=["When", "To", "As", "What", "SLA", "Item", "Channel",
                                     "Status", "Attempts", "Next retry", "Problem"])  # fmt: skip
    failed_for_good = (frame["status"] == "failed") & frame["next_attempt_at"].isna()
    status = frame["status"].map(STATUS_LABELS).fillna(frame["status"])
    status = status.where(~failed_for_good, "Failed (gave up)")
    return pd.DataFrame({
        "When": frame["sent_at"].fillna(frame["claimed_at"]).dt.tz_convert(zone).dt.tz_localize(None),
        "To": frame["recipient"],
        "As": frame["role"],
        "What": frame["summary"].fillna(frame["stage"]),
        "SLA": frame["sla_id"],
        "Item": frame["item_id"],
        "Channel": frame["channel"],
        "Status": status,
        "Attempts": frame["attempts"],
        "Next retry": frame["next_attempt_at"].dt.tz_convert(zone).dt.tz_localize(None),
        "Problem": frame["error"],
    })  # fmt: skip


def mutes() -> list[str]:
    return sorted(loaders.get_store().read_mutes())


def set_mute(email: str, muted: bool) -> str:
    """Mute or unmute; returns what happened, for a flash message."""
    address = email.strip().lower()
    if "@" not in address:
        raise ValueError(f"{email!r} is not an e-mail address; use the one the CRM has")
    loaders.get_store().set_mute(address, muted)
    return f"Nudges to {address} are {'muted' if muted else 'on again'}."


def unmanaged() -> tuple[tuple[str, str], ...]:
    """Teams with people whose manager would be told (digest, a manager stage) but who have no
    manager e-mail in the data and none in `[access.managers]`: (team_id, name)."""
    people = loaders.directory()
    config = loaders.get_config()
    return unmanaged_teams(people["teams"], people["owners"], config.nudges, config.access.managers)
