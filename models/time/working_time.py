"""Business time over a calendar (SPEC.md section 3), vectorised: the working-time kernel.

Working time is the union of a calendar's weekly local intervals, except that a holiday cancels
every interval that starts on that local day (an overnight shift belongs wholly to the day it
starts). Each local interval is turned into real UTC instants in the calendar's own time zone, so
daylight-saving changes give real elapsed time: 22:00-06:00 across a spring-forward night is 7
hours, across a fall-back night 9.

Business time is read off a precomputed table of merged UTC intervals with a running total
(`WorkingTime`): `numpy.searchsorted` finds each instant's interval, so a whole column of
instants costs a few array operations and no Python loop per row. `business_minutes`,
`add_business_minutes` and `working_intervals` build the table for the years they are asked
about and cache it per calendar; `WorkingTime.build` gives one over an explicit span.

What a calendar is (hours, time zone, holidays) lives in `models.time.calendar`.

Pure: the current time is never read here; every instant is an argument.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from models.time.calendar import END, START, WEEKDAYS, Calendar, clear_holiday_cache, holiday_dates

_NS_PER_MINUTE = 60_000_000_000
_NAT = np.iinfo(np.int64).min  # numpy's NaT as int64
_MARGIN_DAYS = 3
# A calendar with so little working time that a window runs this far past its start is broken.
_MAX_EXTENSION_YEARS = 16


# -- instants ---------------------------------------------------------------------------------------


def _utc_ns(values: Any) -> np.ndarray:
    """Instants -> int64 UTC epoch nanoseconds, NaT/None as `_NAT`.

    Aware values are converted to UTC; naive ones (numpy datetime64, a naive pandas column, as
    SQLite hands back) are read as UTC. A scalar becomes a one-element array.
    """
    if values is None or isinstance(values, str | datetime | np.datetime64):
        values = [values]
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        return values.astype("datetime64[ns]").view(np.int64)
    converted = pd.DatetimeIndex(pd.to_datetime(values, utc=True))
    return np.asarray(converted.as_unit("ns").asi8, dtype=np.int64)


def _aware_ns(value: datetime, what: str) -> int:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        raise ValueError(f"{what} must be timezone-aware, got {value!r}")
    return int(stamp.tz_convert(UTC).as_unit("ns").value)


def _local_day(ns: int, zone: ZoneInfo) -> date:
    return pd.Timestamp(ns, tz=UTC).tz_convert(zone).date()


def _year(ns: int) -> int:
    return pd.Timestamp(ns, tz=UTC).year


def _broadcast(first: np.ndarray, second: np.ndarray, names: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        a, b = np.broadcast_arrays(first, second)
    except ValueError:
        raise ValueError(
            f"{names} have different lengths ({first.size} and {second.size})"
        ) from None
    return a.copy(), b.copy()


def _minutes_ns(minutes: Any) -> tuple[np.ndarray, np.ndarray]:
    """Business minutes -> (int64 ns, known mask); NaN/None are unknown."""
    if isinstance(minutes, pd.Series | pd.Index):
        values = minutes.to_numpy(dtype="float64", na_value=np.nan)
    else:
        values = np.atleast_1d(np.asarray(minutes, dtype="float64"))
    known = ~np.isnan(values)
    if np.isinf(values).any() or (values[known] < 0).any():
        raise ValueError("business minutes to add must be finite and >= 0")
    as_ns = np.zeros(values.shape, dtype=np.int64)
    as_ns[known] = np.round(values[known] * _NS_PER_MINUTE).astype(np.int64)
    return as_ns, known


def _wall_to_utc_ns(walls: np.ndarray, zone: ZoneInfo) -> np.ndarray:
    """Local wall-clock times (naive datetime64[ns]) -> UTC epoch ns.

    A wall time stands for the first instant at which the local clock reads it or later:
    - a time the clock skips (02:30 on a spring-forward night) is the transition instant, so a
      shift from 02:30 starts at 03:00 new time and one ending at 02:30 ends then;
    - a time the clock reads twice (01:30 on a fall-back night) is its first reading, so every
      interval stays one contiguous stretch of real time.
    """
    local = pd.DatetimeIndex(walls).tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward")
    utc_ns = np.array(local.as_unit("ns").asi8, dtype=np.int64)
    for index in np.flatnonzero(local.isna()):  # fall-back hour only: a few walls a year
        wall = pd.Timestamp(walls[index]).to_pydatetime().replace(tzinfo=zone, fold=0)
        utc_ns[index] = (
            (wall.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC))
            // timedelta(microseconds=1)
            * 1000
        )
    return utc_ns


def _union(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted, disjoint intervals covering the same instants; touching ones are joined."""
    keep = ends > starts
    order = np.argsort(starts[keep], kind="stable")
    starts, ends = starts[keep][order], ends[keep][order]
    if starts.size == 0:
        return starts, ends
    reach = np.maximum.accumulate(ends)
    opens = np.concatenate(([True], starts[1:] > reach[:-1]))
    firsts = np.flatnonzero(opens)
    return starts[firsts], np.maximum.reduceat(ends, firsts)


# -- the table --------------------------------------------------------------------------------------


class WorkingTime:
    """Precomputed table of working intervals over a span, for vectorised business time.

    `starts_ns`/`ends_ns` are the merged working intervals in UTC epoch ns; `cumulative_ns` is the
    working time before each interval starts. The table is exact for instants in
    [`covered_from`, `covered_until`]; asking about instants outside raises ValueError.
    """

    __slots__ = (
        "calendar",
        "starts_ns",
        "ends_ns",
        "cumulative_ns",
        "_cumulative_end_ns",
        "covered_from_ns",
        "covered_until_ns",
    )

    def __init__(
        self, calendar: Calendar, starts_ns: np.ndarray, ends_ns: np.ndarray, span: tuple[int, int]
    ) -> None:
        self.calendar = calendar
        self.starts_ns, self.ends_ns = _union(starts_ns, ends_ns)
        self._cumulative_end_ns = np.cumsum(self.ends_ns - self.starts_ns)
        self.cumulative_ns = self._cumulative_end_ns - (self.ends_ns - self.starts_ns)
        self.covered_from_ns, self.covered_until_ns = span

    @classmethod
    def build(cls, cal: Calendar, start: datetime, end: datetime) -> WorkingTime:
        """The table for `cal` covering [start, end] (aware datetimes) with a few days' margin."""
        zone = cal.zone
        first = _local_day(_aware_ns(start, "start"), zone) - timedelta(days=_MARGIN_DAYS)
        last = _local_day(_aware_ns(end, "end"), zone) + timedelta(days=_MARGIN_DAYS)
        days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
        off = sorted(holiday_dates(cal, first.year, last.year))
        working = ~np.isin(days, np.array(off, dtype="datetime64[D]"))
        weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        midnights = days.astype("datetime64[ns]")
        wall_starts, wall_ends = [np.empty(0, "datetime64[ns]")], [np.empty(0, "datetime64[ns]")]
        for index, day_name in enumerate(WEEKDAYS):
            # A holiday cancels the intervals that start on it, overnight ones included in full.
            own = midnights[(weekday == index) & working]
            for start_min, end_min in cal.hours[day_name]:
                wall_starts.append(own + np.timedelta64(start_min, "m"))
                wall_ends.append(own + np.timedelta64(end_min, "m"))
        # Intervals of days before `first` end by first+1 00:00 and those of days after `last`
        # start at last+1 00:00 or later, so the table is exact between those two instants.
        edges = _wall_to_utc_ns(np.array([days[1], days[-1] + 1], dtype="datetime64[ns]"), zone)
        return cls(
            cal,
            _wall_to_utc_ns(np.concatenate(wall_starts), zone),
            _wall_to_utc_ns(np.concatenate(wall_ends), zone),
            (int(edges[0]), int(edges[1])),
        )

    @property
    def covered_from(self) -> pd.Timestamp:
        return pd.Timestamp(self.covered_from_ns, tz=UTC)

    @property
    def covered_until(self) -> pd.Timestamp:
        return pd.Timestamp(self.covered_until_ns, tz=UTC)

    def intervals(self) -> pd.DataFrame:
        """The merged working intervals: columns start, end (aware UTC)."""
        return pd.DataFrame(
            {
                START: pd.to_datetime(self.starts_ns, utc=True),
                END: pd.to_datetime(self.ends_ns, utc=True),
            }
        )

    def business_minutes(self, starts: Any, stops: Any) -> np.ndarray:
        """Minutes of working time in [start, stop] per row; NaN where either is missing, 0 where
        stop <= start."""
        start_ns, stop_ns = _broadcast(_utc_ns(starts), _utc_ns(stops), "starts and stops")
        return self._minutes_between(start_ns, stop_ns)

    def add_business_minutes(self, starts: Any, minutes: Any) -> pd.Series:
        """The earliest instant at which working time since each start reaches `minutes` (aware
        UTC); the start itself for 0 minutes; NaT where start or minutes is missing."""
        start_ns, minutes_ns, known = _add_inputs(starts, minutes)
        at, beyond = self._add(start_ns, minutes_ns, known)
        if beyond.any():
            raise ValueError(
                f"business time from {pd.Timestamp(start_ns[beyond][0], tz=UTC)} runs past the end "
                f"of this table ({self.covered_until}); build WorkingTime over a longer span"
            )
        return _as_series(at, starts)

    def _check_covered(self, instants_ns: np.ndarray) -> None:
        outside = (instants_ns < self.covered_from_ns) | (instants_ns > self.covered_until_ns)
        if outside.any():
            raise ValueError(
                f"instant {pd.Timestamp(instants_ns[outside][0], tz=UTC)} is outside this table "
                f"({self.covered_from} to {self.covered_until}); build WorkingTime over a span "
                "that covers it"
            )

    def _worked_before(self, instants_ns: np.ndarray) -> np.ndarray:
        """Working time (ns) in the table before each instant."""
        if self.starts_ns.size == 0:
            return np.zeros(instants_ns.shape, dtype=np.int64)
        found = np.searchsorted(self.starts_ns, instants_ns, side="right") - 1
        index = np.maximum(found, 0)
        lengths = self.ends_ns[index] - self.starts_ns[index]
        within = np.clip(instants_ns - self.starts_ns[index], 0, lengths)
        return np.where(found >= 0, self.cumulative_ns[index] + within, 0)

    def _minutes_between(self, start_ns: np.ndarray, stop_ns: np.ndarray) -> np.ndarray:
        known = (start_ns != _NAT) & (stop_ns != _NAT)
        self._check_covered(start_ns[known])
        self._check_covered(stop_ns[known])
        start_ns = np.where(known, start_ns, self.covered_from_ns)
        stop_ns = np.where(known, np.maximum(stop_ns, start_ns), self.covered_from_ns)
        worked = self._worked_before(stop_ns) - self._worked_before(start_ns)
        return np.where(known, worked / _NS_PER_MINUTE, np.nan)

    def _add(
        self, start_ns: np.ndarray, minutes_ns: np.ndarray, known: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(instants ns with `_NAT` where unknown or beyond the table, mask of beyond)."""
        self._check_covered(start_ns[known])
        start_ns = np.where(known, start_ns, self.covered_from_ns)
        target = self._worked_before(start_ns) + minutes_ns
        # The first interval whose running total reaches the target holds the earliest instant:
        # a target met exactly at an interval's end (17:00 Friday) is that end, not Monday 09:00.
        found = np.searchsorted(self._cumulative_end_ns, target, side="left")
        inside = found < self.starts_ns.size
        if self.starts_ns.size:
            index = np.minimum(found, self.starts_ns.size - 1)
            at = self.starts_ns[index] + (target - self.cumulative_ns[index])
        else:
            at = start_ns.copy()
        at = np.where(minutes_ns == 0, start_ns, at)
        beyond = known & (minutes_ns > 0) & (~inside | (at > self.covered_until_ns))
        return np.where(known & ~beyond, at, _NAT), beyond


def _add_inputs(starts: Any, minutes: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    minutes_ns, minutes_known = _minutes_ns(minutes)
    start_ns, minutes_ns = _broadcast(_utc_ns(starts), minutes_ns, "starts and minutes")
    _, minutes_known = np.broadcast_arrays(start_ns, minutes_known)
    return start_ns, minutes_ns, (start_ns != _NAT) & minutes_known


def _as_series(instants_ns: np.ndarray, like: Any) -> pd.Series:
    # A zero-copy datetime64 view is ~200x faster than parsing raw int64 (_NAT reads back as NaT).
    values = pd.DatetimeIndex(np.asarray(instants_ns, dtype=np.int64).view("datetime64[ns]")).tz_localize(UTC)
    index = like.index if isinstance(like, pd.Series) and len(like) == len(values) else None
    return pd.Series(values, index=index)


# -- convenience: tables cached per calendar and years ------------------------------------------------


@functools.lru_cache(maxsize=32)
def _working_time_for_years(cal: Calendar, first_year: int, last_year: int) -> WorkingTime:
    return WorkingTime.build(
        cal, datetime(first_year, 1, 1, tzinfo=UTC), datetime(last_year, 12, 31, 23, 59, tzinfo=UTC)
    )


def business_minutes(cal: Calendar, starts: Any, stops: Any) -> np.ndarray:
    """Minutes of `cal`'s working time in [start, stop] per row (float); NaN where either is
    missing; 0 where stop <= start. Accepts Series, DatetimeIndex, datetime64 arrays, lists of
    aware datetimes or a scalar (naive values are read as UTC); rows pair up by position, not by
    index."""
    start_ns, stop_ns = _broadcast(_utc_ns(starts), _utc_ns(stops), "starts and stops")
    known = np.concatenate((start_ns[start_ns != _NAT], stop_ns[stop_ns != _NAT]))
    if known.size == 0:
        return np.full(start_ns.shape, np.nan)
    table = _working_time_for_years(cal, _year(known.min()), _year(known.max()))
    return table._minutes_between(start_ns, stop_ns)


def add_business_minutes(cal: Calendar, starts: Any, minutes: Any) -> pd.Series:
    """The earliest instant at which `cal`'s working time since each start reaches `minutes`
    (scalar or per row) as aware UTC; the start itself for 0 minutes; NaT where start or minutes
    is missing. Keeps the index of a Series of starts."""
    start_ns, minutes_ns, known = _add_inputs(starts, minutes)
    if not known.any():
        return _as_series(np.full(start_ns.shape, _NAT), starts)
    first, last = _year(start_ns[known].min()), _year(start_ns[known].max())
    extra = 0
    while True:
        table = _working_time_for_years(cal, first, last + extra)
        at, beyond = table._add(start_ns, minutes_ns, known)
        if not beyond.any():
            return _as_series(at, starts)
        if extra >= _MAX_EXTENSION_YEARS:
            stuck = pd.Timestamp(start_ns[beyond][0], tz=UTC)
            raise ValueError(
                f"calendar {cal.name!r} has too little working time to add "
                f"{minutes_ns[beyond][0] / _NS_PER_MINUTE:g} business minutes to {stuck} within "
                f"{_MAX_EXTENSION_YEARS} years; check its hours and holidays"
            )
        extra = max(1, extra * 2)


def working_intervals(cal: Calendar, start: datetime, end: datetime) -> pd.DataFrame:
    """Working time of `cal` overlapping [start, end), clipped to it: columns start, end (aware
    UTC), sorted and disjoint. For shading off-hours on a timeline."""
    lo, hi = _aware_ns(start, "start"), _aware_ns(end, "end")
    table = _working_time_for_years(cal, _year(lo), _year(max(lo, hi)))
    first = np.searchsorted(table.ends_ns, lo, side="right")
    last = np.searchsorted(table.starts_ns, hi, side="left")
    starts = np.maximum(table.starts_ns[first:last], lo)
    ends = np.minimum(table.ends_ns[first:last], hi)
    starts, ends = starts[ends > starts], ends[ends > starts]
    return pd.DataFrame(
        {START: pd.to_datetime(starts, utc=True), END: pd.to_datetime(ends, utc=True)}
    )


def clear_caches() -> None:
    """Forget cached holiday lists and working-time tables (benchmarks, config reloads)."""
    clear_holiday_cache()
    _working_time_for_years.cache_clear()
