"""Month rules, in one place: what a month is called, which months come before, where a month
starts and ends. Every page, command and report asks here.

Naming: `months_before(m, n)` are the n months before m (m excluded); `months_through(m, n)` the
n months that end with m (m included). Both oldest first.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from models.errors import BadInputError

# Where months are counted when the SLA file names no zone (the demo's and most users').
DEFAULT_MONTH_ZONE = "America/New_York"

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# Any calendar's local month lies within a day of the UTC month.
_MARGIN = timedelta(days=1)


def check_month(month: str) -> str:
    """`YYYY-MM` or a BadInputError saying so."""
    if not isinstance(month, str) or not _MONTH.match(month):
        raise BadInputError(f"--month: expected YYYY-MM like 2026-10, got {month!r}")
    return month


def months_before(month: str, n: int) -> list[str]:
    """The `n` months before `month` (not `month` itself), oldest first."""
    first = pd.Period(check_month(month), freq="M")
    return [str(first - k) for k in range(n, 0, -1)]


def months_through(month: str, n: int) -> list[str]:
    """The `n` months that end with `month` (included), oldest first."""
    return [*months_before(month, n - 1), month]


def month_of(instant: datetime, zone: str | ZoneInfo = DEFAULT_MONTH_ZONE) -> str:
    """The YYYY-MM month that `instant` falls in, in `zone`."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    return instant.astimezone(tz).strftime("%Y-%m")


def last_full_month(instant: datetime, zone: str | ZoneInfo = DEFAULT_MONTH_ZONE) -> str:
    """The month before the one `instant` falls in, in `zone` (a report's default month)."""
    return months_before(month_of(instant, zone), 1)[0]


def month_end(month: str, zone: str | ZoneInfo = DEFAULT_MONTH_ZONE) -> datetime:
    """The first instant after `month` (YYYY-MM) in `zone`, as UTC."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    year, number = (int(part) for part in check_month(month).split("-"))
    following = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=tz)
    return following.astimezone(UTC)


def month_window(month: str) -> tuple[datetime, datetime]:
    """UTC [start, end) around a month, wide enough for any calendar's local month."""
    first = pd.Timestamp(f"{check_month(month)}-01", tz="UTC")
    following = first + pd.offsets.MonthBegin(1)
    return (first - _MARGIN).to_pydatetime(), (following + _MARGIN).to_pydatetime()
