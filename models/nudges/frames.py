"""The nudge planner's vocabulary: the columns of a plan row, stages and roles that are not an
SLA's, the retry policy, and where an instant stands in a calendar. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from models.engine import columns as E
from models.time.calendar import Calendar
from models.time.working_time import working_intervals

# Columns of a plan row.
STAGE = "stage"
RANK = "rank"
ROLE = "role"
RECIPIENT = "recipient"
CHANNEL = "channel"
RECIPIENT_CALENDAR = "recipient_calendar"
SEND_AT = "send_at"  # now, or the recipient's next working start
PCT_USED = "pct_used"
DETAILS = "details"  # digest and quota rows: what the message lists
PLAN_COLUMNS = (
    E.SLA_ID, E.KIND, E.ITEM_ID, E.LEAD_ID, E.DEAL_ID, E.OWNER_ID, E.TEAM_ID, E.MONTH, E.STATE,
    STAGE, RANK, ROLE, RECIPIENT, CHANNEL, RECIPIENT_CALENDAR, SEND_AT, PCT_USED,
    E.ELAPSED, E.TARGET, E.REMAINING, E.DUE_AT, E.BREACHED_AT, DETAILS,
)  # fmt: skip
DIGEST_SLA = "digest"
DIGEST_STAGE = "digest"
PACE_STAGE = "pace"
ROOM_PREFIX = "room:"
# Log statuses (the store's nudge_log.status).
CLAIMED, SENT, FAILED = "claimed", "sent", "failed"
LOG_KEY = (E.SLA_ID, E.ITEM_ID, STAGE, RECIPIENT)


@dataclass(frozen=True)
class RetryPolicy:
    """When a logged nudge no longer blocks a new attempt: a failure due for its retry (below
    `max_attempts`), or a claim older than `stale_after` (its process died between claiming
    and recording: sending again risks one duplicate, never a lost notice)."""

    max_attempts: int = 3
    stale_after: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class CalendarNow:
    """One calendar around `as_of`: working now? the next working start, today's first start."""

    working: bool
    next_start: pd.Timestamp | None
    day_start: pd.Timestamp | None
    local_midnight: pd.Timestamp
    local_day_end: pd.Timestamp
    zone: str


@dataclass(frozen=True)
class Plan:
    send: pd.DataFrame  # send now
    waiting: pd.DataFrame  # reached, but outside the recipient's working time
    # Teams whose manager would be told but who have none (team_id, name): said, never silent.
    unmanaged: tuple[tuple[str, str], ...] = ()

    def __len__(self) -> int:
        return len(self.send)


def empty_plan_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in PLAN_COLUMNS})


def calendar_now(cal: Calendar, as_of: datetime) -> CalendarNow:
    """Where `as_of` stands in `cal`'s working time."""
    now = pd.Timestamp(as_of).tz_convert("UTC")
    local = now.tz_convert(cal.timezone)
    midnight = local.normalize()
    spans = working_intervals(cal, (midnight - pd.Timedelta(days=1)).to_pydatetime(),
                              (now + pd.Timedelta(days=21)).to_pydatetime())  # fmt: skip
    starts, ends = spans["start"], spans["end"]
    working = bool(((starts <= now) & (ends > now)).any())
    later = starts[starts > now]
    day_end = (midnight + pd.Timedelta(days=1)).tz_convert("UTC")
    today = starts[(starts >= midnight.tz_convert("UTC")) & (starts < day_end)]
    # An interval that began before midnight (an overnight shift) also opens this working day.
    started = spans[(starts < midnight.tz_convert("UTC")) & (ends > midnight.tz_convert("UTC"))]
    day_start = (
        started["start"].iloc[0] if len(started) else (today.iloc[0] if len(today) else None)
    )
    return CalendarNow(
        working=working,
        next_start=later.iloc[0] if len(later) else None,
        day_start=day_start,
        local_midnight=midnight.tz_convert("UTC"),
        local_day_end=day_end,
        zone=cal.timezone,
    )
