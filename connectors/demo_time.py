"""Business-time arithmetic for the demo generator, vectorised over int64 UTC nanoseconds.

The demo has to place touches "N business minutes after" an event on a team's calendar for
tens of thousands of leads at once. A table of working intervals in UTC (built once per calendar
and date range) plus `searchsorted` does that without per-lead loops. The calendars are read from
the demo organisation's own SLA file (data/sla.toml) so the generated behaviour follows the hours
the SLA engine will judge it by. This module only *generates* times; verdicts are the engine's job.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_lib
import numpy as np

from models.errors import BadInputError

NS_PER_MINUTE = 60_000_000_000
NAT = np.iinfo(np.int64).min  # the int64 view of NaT: "no such instant"
NO_VALUE = np.array(None, dtype=object)  # a typed None for np.where over object columns
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class WorkTable:
    """Working intervals of one calendar in UTC nanoseconds, sorted, with running business time."""

    name: str
    timezone: str
    starts: np.ndarray  # int64 ns
    ends: np.ndarray  # int64 ns
    before: np.ndarray  # int64 ns of business time before each interval starts

    @property
    def total(self) -> int:
        return int(self.before[-1] + (self.ends[-1] - self.starts[-1]))

    def position(self, instants: np.ndarray) -> np.ndarray:
        """Business nanoseconds from the table's start up to each instant."""
        index = np.searchsorted(self.ends, instants, side="right")
        inside = np.minimum(index, len(self.starts) - 1)
        offset = np.clip(instants - self.starts[inside], 0, None)
        offset = np.minimum(offset, self.ends[inside] - self.starts[inside])
        return np.where(index >= len(self.starts), self.total, self.before[inside] + offset)

    def at_position(self, positions: np.ndarray) -> np.ndarray:
        """The instant at which business time since the table's start reaches `positions`."""
        done = self.before + (self.ends - self.starts)
        index = np.searchsorted(done, positions, side="left")
        index = np.minimum(index, len(self.starts) - 1)
        return self.starts[index] + (positions - self.before[index])

    def add(self, instants: np.ndarray, minutes: np.ndarray) -> np.ndarray:
        """`instants` plus `minutes` of business time (never earlier than the instant itself)."""
        target = self.position(instants) + np.rint(minutes * NS_PER_MINUTE).astype(np.int64)
        return np.maximum(self.at_position(target), instants)

    def minutes_between(self, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
        """Business minutes in [start, stop] (for checking the generated distributions)."""
        return (self.position(stop) - self.position(start)) / NS_PER_MINUTE


def _minutes(text: str, where: str) -> tuple[int, int]:
    try:
        first, second = text.split("-")
        start_h, start_m = (int(part) for part in first.split(":"))
        end_h, end_m = (int(part) for part in second.split(":"))
    except ValueError as exc:
        raise BadInputError(f'{where}: expected "HH:MM-HH:MM", got {text!r}') from exc
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    # An overnight shift belongs to the day it starts (SPEC.md section 3).
    return start, end if end > start else end + 24 * 60


def read_calendars(path: Path, names: tuple[str, ...]) -> dict[str, Mapping[str, Any]]:
    """The raw [calendars.NAME] tables the demo organisation uses, from its SLA file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BadInputError(f"{path}: cannot read the demo's SLA file ({exc})") from exc
    calendars = data.get("calendars", {})
    missing = [name for name in names if name not in calendars]
    if missing:
        raise BadInputError(
            f"{path}: the demo organisation needs calendars {', '.join(missing)}; "
            "restore them in [calendars.NAME] (see the shipped data/sla.toml)"
        )
    return {name: calendars[name] for name in names}


def build_table(name: str, spec: Mapping[str, Any], first: date, last: date) -> WorkTable:
    """Working intervals of calendar `spec` for local days first..last (holidays removed)."""
    zone = ZoneInfo(str(spec["timezone"]))
    hours = {
        day: [_minutes(str(text), f"calendars.{name}.hours.{day}") for text in intervals]
        for day, intervals in dict(spec.get("hours", {})).items()
    }
    off: set[date] = {date.fromisoformat(str(day)) for day in spec.get("extra_holidays", [])}
    holiday_spec = spec.get("holidays")
    if isinstance(holiday_spec, Mapping):
        years = list(range(first.year, last.year + 1))
        off |= set(
            holidays_lib.country_holidays(
                holiday_spec["country"], subdiv=holiday_spec.get("subdiv"), years=years
            )
        )
    starts: list[int] = []
    ends: list[int] = []
    # A loop over days (a few hundred), not over leads: cheap, and DST-correct via zoneinfo.
    day = first
    while day <= last:
        if day not in off:
            midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
            for start, end in hours.get(WEEKDAYS[day.weekday()], []):
                starts.append(_ns(midnight + timedelta(minutes=start)))
                ends.append(_ns(midnight + timedelta(minutes=end)))
        day += timedelta(days=1)
    start_array = np.array(starts, dtype=np.int64)
    end_array = np.array(ends, dtype=np.int64)
    lengths = end_array - start_array
    before = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return WorkTable(name, str(spec["timezone"]), start_array, end_array, before)


def _ns(moment: datetime) -> int:
    # Wall-clock arithmetic on an aware datetime, then the real instant (fold-safe for DST).
    return int(moment.timestamp()) * 1_000_000_000
