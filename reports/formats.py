"""Numbers, durations, months and instants as people read them: the one home of every formatter
the dashboard and the report share, so a figure reads the same on every page and in every format.

Pure: plain values in, text out. "—" stands for "not known" wherever a value is missing, except
the report tables' plain counts, money and dates, which stay blank (`fmt_int`, `fmt_money`,
`fmt_date`, `fmt_text`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

MISSING = "—"


def number_or_none(value: object) -> float | None:
    """`value` as a float, or None when it is missing (None, NaN, NaT) or not a number."""
    if value is None or value is pd.NaT:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def text_or_none(value: object) -> str | None:
    """`value` as text, or None when it is missing (None, NaN): for ids read from a frame."""
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _shown(value: object, template: str, missing: str = MISSING) -> str:
    """`value` through a format template ("{:.1f}%"), or `missing` when it is not a number."""
    number = number_or_none(value)
    return missing if number is None else template.format(number)


def fmt_pct(value: object, digits: int = 1) -> str:
    """A 0-100 percentage: "88.2%"."""
    return _shown(value, f"{{:.{digits}f}}%")


def fmt_pts(value: object) -> str:
    """A change in percentage points: "+2.5 pts"."""
    return _shown(value, "{:+.1f} pts")


def fmt_hours(hours: object) -> str:
    """Business hours, one decimal: "3.5 h"."""
    return _shown(hours, "{:.1f} h")


def fmt_minutes_as_hours(minutes: object) -> str:
    """Business minutes shown in hours (the engine counts minutes, people read hours)."""
    number = number_or_none(minutes)
    return fmt_hours(None if number is None else number / 60)


def fmt_business(minutes: object) -> str:
    """A business duration: "45 min" under an hour, else "3.5 h"."""
    number = number_or_none(minutes)
    if number is None or abs(number) >= 60:
        return fmt_minutes_as_hours(number)
    return f"{number:.0f} min"


def fmt_num(value: object) -> str:
    return _shown(value, "{:.1f}")


def fmt_count(value: object) -> str:
    """A count with thousands separators: "12,345" (a fraction is cut, as a count of people)."""
    number = number_or_none(value)
    return MISSING if number is None else f"{int(number):,}"


def fmt_int(value: object) -> str:
    """A count in a report table ("" when missing)."""
    return _shown(value, "{:,.0f}", missing="")


def fmt_money(value: object) -> str:
    return _shown(value, "{:,.0f}", missing="")


def fmt_date(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d")  # type: ignore[arg-type]


def fmt_text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def fmt_month(month: str, *, long: bool = False) -> str:
    """A "YYYY-MM" month: "Oct 2026", or "October 2026" with `long`."""
    try:
        year, number = (int(part) for part in month.split("-", 1))
        stamp = date(year, number, 1)
    except ValueError:
        return month
    return stamp.strftime("%B %Y" if long else "%b %Y")


def fmt_when(value: datetime | None, zone: Any = None) -> str:
    """An instant in `zone` (a tzinfo) when given, with the zone's abbreviation."""
    if value is None:
        return MISSING
    try:
        stamp = value.astimezone(zone) if zone is not None else value
    except (ValueError, TypeError, OverflowError):
        return MISSING
    return stamp.strftime("%a %d %b %Y, %H:%M %Z").strip()


def fmt_ago(value: datetime | None, now: datetime) -> str:
    """ "3 h ago", "2 days ago" (wall-clock, for "last sync")."""
    if value is None:
        return "never"
    delta: timedelta = now - value
    seconds = max(delta.total_seconds(), 0)
    if seconds < 90:
        return "just now"
    if seconds < 3600 * 1.5:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 86400 * 1.5:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} days ago"


# Below this many decided items, while some are still open, a compliance figure is provisional:
# early in a month only the leads already reached are decided, so 100% can sit beside an average
# of 0.5 attempts. The figure is shown, marked so, with how many items it rests on.
MIN_DECIDED = 20


def decided_of(counts: Mapping[str, Any]) -> tuple[int, int]:
    """(decided, all items) from state counts: decided = met + breached."""

    def get(state: str) -> int:
        number = number_or_none(counts.get(state, 0))
        return 0 if number is None else int(number)

    decided = get("met") + get("breached")
    return decided, decided + get("open") + get("excluded")


def is_provisional(counts: Mapping[str, Any]) -> bool:
    """Too few decided items while some are still open (see MIN_DECIDED)."""
    decided, _ = decided_of(counts)
    still_open = counts.get("open", 0) or 0
    return decided < MIN_DECIDED and int(still_open) > 0


def fmt_decided(counts: Mapping[str, Any]) -> str:
    """ "12 decided of 40" (the base of a compliance figure), "provisional" when too few."""
    decided, total = decided_of(counts)
    text = f"{decided:,} decided of {total:,}"
    return f"provisional: {text}" if is_provisional(counts) else text


def fmt_plural(count: int, singular: str, plural: str | None = None) -> str:
    """ "1 activity", "2 activities", "1,204 leads"."""
    word = singular if count == 1 else (plural or singular + "s")
    return f"{count:,} {word}"
