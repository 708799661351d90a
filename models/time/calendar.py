"""Business-hours calendars (SPEC.md section 3): weekly hours, a time zone and holidays.

A calendar says when a team works; what that adds up to in real time (business minutes between
two instants, the instant N business minutes later, the working intervals to shade on a
timeline) is the kernel in `models.time.working_time`, which imports this module. This module never
imports the kernel at load time, so there is no cycle.

Building a calendar, typically from the SLA file:

    Calendar(name="ny", timezone="America/New_York",
             hours={"mon": (parse_hours("09:00-12:00"), parse_hours("13:00-17:00")),
                    "tue": (parse_hours("09:00-17:00"),)},
             holiday_country="US", holiday_subdiv="NY", extra_holidays=(date(2026, 12, 24),))

`hours` may be any mapping of weekday -> intervals (lists and "HH:MM-HH:MM" strings are accepted
too); it is stored as a hashable `WeeklyHours` mapping of all seven days, so calendars can key
caches and compare by value.

Pure: the current time is never read here; every instant is an argument.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
import pandas as pd

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 1440

# Column names of the DataFrames this module and `models.time.working_time` return.
START = "start"
END = "end"
DATE = "date"
NAME = "name"
SOURCE = "source"
EXTRA_HOLIDAYS_SOURCE = "extra_holidays"

_HOURS_SPEC = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

Interval = tuple[int, int]


def parse_hours(spec: str) -> tuple[int, int]:
    """Parse local hours "HH:MM-HH:MM" into minutes after the start day's midnight.

    An end at or before the start runs past midnight ("22:00-06:00" -> (1320, 1800)); "24:00" is
    allowed as an end ("18:00-24:00" -> (1080, 1440)).
    """
    match = _HOURS_SPEC.match(spec) if isinstance(spec, str) else None
    if match is None:
        raise ValueError(f'expected HH:MM-HH:MM such as "09:00-17:00", got {spec!r}')
    start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
    if start_h > 23 or start_m > 59 or end_m > 59 or end_h > 24 or (end_h == 24 and end_m):
        raise ValueError(
            f"expected HH:MM-HH:MM with times from 00:00 to 23:59 (24:00 only as an end), got {spec!r}"
        )
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if start == end:
        raise ValueError(f"expected HH:MM-HH:MM with an end different from the start, got {spec!r}")
    return (start, end if end > start else end + MINUTES_PER_DAY)


def format_hours(interval: tuple[int, int]) -> str:
    """The inverse of `parse_hours`: (1320, 1800) -> "22:00-06:00"."""
    start, end = interval
    end_text = "24:00" if end == MINUTES_PER_DAY else f"{end // 60 % 24:02d}:{end % 60:02d}"
    return f"{start // 60:02d}:{start % 60:02d}-{end_text}"


def _check_interval(day: str, interval: Any) -> Interval:
    if isinstance(interval, str):
        try:
            return parse_hours(interval)
        except ValueError as exc:
            raise ValueError(f"{day}: {exc}") from None
    try:
        start, end = (int(value) for value in interval)
    except (TypeError, ValueError):
        raise ValueError(
            f"{day}: expected (start_min, end_min) or 'HH:MM-HH:MM', got {interval!r}"
        ) from None
    if not (0 <= start < MINUTES_PER_DAY and start < end <= start + MINUTES_PER_DAY):
        raise ValueError(
            f"{day}: interval {interval!r} must start within the day (0-1439 minutes) and "
            "end after it, at most 24 hours later"
        )
    return (start, end)


class WeeklyHours(Mapping[str, tuple[Interval, ...]]):
    """Hashable weekday -> local intervals mapping: all seven days, each day's intervals sorted."""

    __slots__ = ("_days",)

    def __init__(self, hours: Mapping[str, Iterable[Any]] | None = None) -> None:
        given = dict(hours or {})
        unknown = sorted(str(day) for day in set(given) - set(WEEKDAYS))
        if unknown:
            raise ValueError(
                f"unknown weekday {unknown[0]!r}; expected one of {', '.join(WEEKDAYS)}"
            )
        days = []
        for day in WEEKDAYS:
            intervals = given.get(day) or ()
            if isinstance(intervals, str):
                intervals = (intervals,)
            days.append(tuple(sorted(_check_interval(day, item) for item in intervals)))
        self._days: tuple[tuple[Interval, ...], ...] = tuple(days)

    def __getitem__(self, day: str) -> tuple[Interval, ...]:
        if day not in WEEKDAYS:
            raise KeyError(day)
        return self._days[WEEKDAYS.index(day)]

    def __iter__(self) -> Iterator[str]:
        return iter(WEEKDAYS)

    def __len__(self) -> int:
        return len(WEEKDAYS)

    def __hash__(self) -> int:
        return hash(self._days)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, WeeklyHours):
            return self._days == other._days
        return NotImplemented

    def __repr__(self) -> str:
        shown = {d: [format_hours(i) for i in self[d]] for d in WEEKDAYS if self[d]}
        return f"WeeklyHours({shown})"


@dataclass(frozen=True)
class Calendar:
    """A named business-hours calendar. Hashable; `hours` is normalised to `WeeklyHours`."""

    name: str
    timezone: str
    hours: Mapping[str, tuple[tuple[int, int], ...]]
    holiday_country: str | None = None
    holiday_subdiv: str | None = None
    extra_holidays: tuple[date, ...] = ()

    def __post_init__(self) -> None:
        where = f"calendar {self.name!r}"
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(
                f'{where}: unknown time zone {self.timezone!r}; use an IANA name like "America/New_York"'
            ) from None
        if not isinstance(self.hours, WeeklyHours):
            try:
                object.__setattr__(self, "hours", WeeklyHours(self.hours))
            except ValueError as exc:
                raise ValueError(f"{where}: hours: {exc}") from None
        extras = set()
        for day in self.extra_holidays:
            if isinstance(day, datetime) or not isinstance(day, date | str):
                raise ValueError(
                    f"{where}: extra_holidays: expected dates (YYYY-MM-DD), got {day!r}"
                )
            extras.add(date.fromisoformat(day) if isinstance(day, str) else day)
        object.__setattr__(self, "extra_holidays", tuple(sorted(extras)))
        if self.holiday_subdiv and not self.holiday_country:
            raise ValueError(f"{where}: holiday_subdiv needs a holiday_country")
        if self.holiday_country:
            try:
                holidays_lib.country_holidays(self.holiday_country, subdiv=self.holiday_subdiv)
            except NotImplementedError as exc:
                raise ValueError(f"{where}: holidays: {exc} (see the holidays package)") from None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# -- holidays -------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _package_holidays(country: str, subdiv: str | None, year: int) -> tuple[tuple[date, str], ...]:
    found = holidays_lib.country_holidays(country, subdiv=subdiv, years=year)
    return tuple(sorted(found.items()))


def holidays_in_year(cal: Calendar, year: int) -> pd.DataFrame:
    """The calendar's holidays in `year`: columns date, name, source; sorted by date."""
    rows: list[tuple[date, str, str]] = []
    if cal.holiday_country:
        region = "-".join(part for part in (cal.holiday_country, cal.holiday_subdiv) if part)
        source = f"holidays package {region}"
        found = _package_holidays(cal.holiday_country, cal.holiday_subdiv, year)
        rows.extend((day, name, source) for day, name in found)
    rows.extend(
        (day, "Extra holiday", EXTRA_HOLIDAYS_SOURCE)
        for day in cal.extra_holidays
        if day.year == year
    )
    rows.sort()
    return pd.DataFrame(rows, columns=[DATE, NAME, SOURCE])


def holiday_dates(cal: Calendar, start_year: int, end_year: int) -> set[date]:
    """Every local day off of the calendar from `start_year` to `end_year`, both included."""
    days = {day for day in cal.extra_holidays if start_year <= day.year <= end_year}
    if cal.holiday_country:
        for year in range(start_year, end_year + 1):
            found = _package_holidays(cal.holiday_country, cal.holiday_subdiv, year)
            days.update(day for day, _ in found)
    return days


def clear_holiday_cache() -> None:
    """Forget the holiday lists read from the `holidays` package."""
    _package_holidays.cache_clear()
