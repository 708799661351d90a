"""Business-hours calendars (SPEC.md section 3): table-driven cases, and hypothesis properties
checked against a brute-force reference that walks minute by minute in local time."""

from __future__ import annotations

import bisect
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_lib
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.time.calendar import (
    WEEKDAYS,
    Calendar,
    WeeklyHours,
    format_hours,
    holiday_dates,
    holidays_in_year,
    parse_hours,
)
from models.time.working_time import (
    WorkingTime,
    add_business_minutes,
    business_minutes,
    working_intervals,
)

NY = "America/New_York"
MINUTE = timedelta(minutes=1)


def calendar(
    hours: dict[str, list[str]], zone: str = NY, extra: tuple[date, ...] = (), **kwargs: str
) -> Calendar:
    return Calendar(
        name="test",
        timezone=zone,
        hours={day: tuple(parse_hours(text) for text in texts) for day, texts in hours.items()},
        extra_holidays=extra,
        **kwargs,
    )


def at(text: str, zone: str = NY) -> datetime:
    """A local wall time "YYYY-MM-DD HH:MM" in `zone`, first reading if the clock shows it twice."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def one(cal: Calendar, start: datetime, stop: datetime) -> float:
    return float(business_minutes(cal, [start], [stop])[0])


def add_one(cal: Calendar, start: datetime, minutes: float) -> datetime:
    return add_business_minutes(cal, [start], minutes).iloc[0].to_pydatetime()


WEEKDAYS_9_TO_5 = {day: ["09:00-17:00"] for day in WEEKDAYS[:5]}
NIGHTS = {day: ["22:00-06:00"] for day in WEEKDAYS}


# -- the reference: brute force, minute by minute -------------------------------------------------


class Reference:
    """Working time found by walking every UTC minute up to a window and reading the local clock.

    A local interval (day, start, end) is worked from the first minute at which the local clock
    reads its start or later until the first minute at which it reads its end or later, unless
    its day is a holiday; working time is the union of those stretches.
    """

    def __init__(self, cal: Calendar, lo: datetime, hi: datetime) -> None:
        zone = ZoneInfo(cal.timezone)
        # From far enough back that the local day before `lo` has begun (overnight shifts from
        # it may reach into the window), to just past `hi`; a stretch running past the walk's
        # end is marked up to it.
        self.origin = lo - timedelta(hours=26)
        count = int((hi - self.origin) / MINUTE) + 2
        instants = [self.origin + i * MINUTE for i in range(count)]
        walls = [t.astimezone(zone).replace(tzinfo=None) for t in instants]
        clock = list(walls)  # the latest reading so far: "reads X or later" is a bisect on it
        for i in range(1, count):
            clock[i] = max(clock[i], clock[i - 1])
        off = set(cal.extra_holidays)
        if cal.holiday_country:
            years = range(walls[0].year, walls[-1].year + 1)
            found = holidays_lib.country_holidays(
                cal.holiday_country, subdiv=cal.holiday_subdiv, years=years
            )
            off |= set(found)
        self.worked = [False] * count
        day = walls[0].date()
        while day <= walls[-1].date():
            if day not in off:
                midnight = datetime.combine(day, datetime.min.time())
                for start, end in cal.hours[WEEKDAYS[day.weekday()]]:
                    first = bisect.bisect_left(clock, midnight + start * MINUTE)
                    stop = bisect.bisect_left(clock, midnight + end * MINUTE)
                    for i in range(first, stop):
                        self.worked[i] = True
            day += timedelta(days=1)

    def _index(self, instant: datetime) -> int:
        return int((instant - self.origin) / MINUTE)

    def minutes(self, start: datetime, stop: datetime) -> int:
        return sum(self.worked[self._index(start) : self._index(stop)])

    def add(self, start: datetime, minutes: int) -> datetime:
        i, left = self._index(start), minutes
        while left:
            left -= self.worked[i]
            i += 1
        return self.origin + i * MINUTE


# -- hypothesis strategies ----------------------------------------------------------------------------

ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "America/Chicago",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Dublin",  # "negative" DST in tzdata: winter time is the daylight-saving one
    "Australia/Sydney",
    "Asia/Kolkata",
    "UTC",
]
DST_DAYS = [
    date(2025, 3, 9), date(2025, 11, 2), date(2026, 3, 8), date(2026, 11, 1),  # US
    date(2025, 3, 30), date(2025, 10, 26), date(2026, 3, 29), date(2026, 10, 25),  # Europe
    date(2025, 4, 6), date(2025, 10, 5), date(2026, 4, 5), date(2026, 10, 4),  # Sydney
]  # fmt: skip
# Interval edges on a half-hour grid, weighted towards the small hours where clocks change.
EDGES = st.one_of(
    st.integers(0, 47).map(lambda i: i * 30), st.sampled_from([60, 90, 120, 150, 180])
)


@st.composite
def intervals(draw: st.DrawFn) -> tuple[int, int]:
    start = draw(EDGES)
    length = draw(st.sampled_from([30, 60, 90, 180, 240, 480, 720, 1440 - start, 1440]))
    return (start, start + length)


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    days = draw(st.sets(st.sampled_from(WEEKDAYS), min_size=1))
    hours = {
        day: draw(st.lists(intervals(), min_size=1 if n == 0 else 0, max_size=3))
        for n, day in enumerate(sorted(days))
    }
    near_dst = st.builds(
        lambda day, shift: day + timedelta(days=shift),
        st.sampled_from(DST_DAYS),
        st.integers(-2, 2),
    )
    return Calendar(
        name="random",
        timezone=draw(st.sampled_from(ZONES)),
        hours={day: tuple(day_hours) for day, day_hours in hours.items()},
        holiday_country=draw(st.sampled_from([None, None, "US", "GB", "DE"])),
        extra_holidays=tuple(draw(st.lists(near_dst, max_size=4))),
    )


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """Whole-minute UTC instants within a day and a half of a DST change or of a random day."""
    day = draw(st.one_of(st.sampled_from(DST_DAYS), st.dates(date(2025, 1, 1), date(2026, 12, 31))))
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    return midnight + draw(st.integers(-36 * 60, 36 * 60)) * MINUTE


PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- properties --------------------------------------------------------------------------------------


@PROPERTY
@given(calendars(), instants(), st.integers(-120, 3 * 1440))
def test_business_minutes_matches_minute_walk(cal: Calendar, start: datetime, length: int) -> None:
    stop = start + length * MINUTE
    expected = Reference(cal, min(start, stop), max(start, stop)).minutes(start, stop)
    assert one(cal, start, stop) == expected


@PROPERTY
@given(calendars(), instants(), st.integers(0, 2000))
def test_add_business_minutes_matches_minute_walk(
    cal: Calendar, start: datetime, minutes: int
) -> None:
    result = add_one(cal, start, minutes)
    # Sparse random calendars can push the result months away; the walk stays short.
    if result - start <= timedelta(days=8):
        assert Reference(cal, start, result).add(start, minutes) == result


@PROPERTY
@given(
    calendars(), instants(), st.lists(st.integers(0, 4 * 86_400_000_000), min_size=2, max_size=2)
)
def test_business_time_is_additive(cal: Calendar, a: datetime, offsets_us: list[int]) -> None:
    b, c = (a + timedelta(microseconds=us) for us in sorted(offsets_us))
    whole, first, second = business_minutes(cal, [a, a, b], [c, b, c])
    assert whole == pytest.approx(first + second, abs=1e-9)


@PROPERTY
@given(calendars(), instants(), st.integers(0, 4 * 86_400_000_000), st.integers(0, 3000 * 4))
def test_add_is_the_earliest_instant_reaching_the_minutes(
    cal: Calendar, start_minute: datetime, offset_us: int, quarter_minutes: int
) -> None:
    start = start_minute + timedelta(microseconds=offset_us)
    minutes = quarter_minutes / 4
    result = add_one(cal, start, minutes)
    assert result >= start
    assert one(cal, start, result) == pytest.approx(minutes, abs=1e-9)
    if minutes:
        assert one(cal, start, result - timedelta(microseconds=1)) < minutes


@PROPERTY
@given(
    calendars(),
    instants(),
    st.lists(st.integers(-1440, 5 * 1440), min_size=1, max_size=20),
    st.lists(st.integers(0, 5000), min_size=1, max_size=20),
)
def test_business_time_and_deadlines_are_monotonic(
    cal: Calendar, start: datetime, offsets: list[int], minutes: list[int]
) -> None:
    stops = [start + k * MINUTE for k in sorted(offsets)]
    elapsed = business_minutes(cal, start, stops)
    assert (np.diff(elapsed) >= 0).all()
    assert (elapsed >= 0).all()
    deadlines = add_business_minutes(cal, start, sorted(minutes))
    assert deadlines.is_monotonic_increasing


@PROPERTY
@given(calendars(), instants(), st.integers(0, 5 * 1440))
def test_working_intervals_are_disjoint_and_add_up(
    cal: Calendar, start: datetime, length: int
) -> None:
    stop = start + length * MINUTE
    shown = working_intervals(cal, start, stop)
    assert (shown["end"] > shown["start"]).all()
    assert (shown["start"].iloc[1:].to_numpy() > shown["end"].iloc[:-1].to_numpy()).all()
    assert shown.empty or (shown["start"].iloc[0] >= start and shown["end"].iloc[-1] <= stop)
    total = ((shown["end"] - shown["start"]).dt.total_seconds() / 60).sum()
    assert total == pytest.approx(one(cal, start, stop), abs=1e-9)


# -- table-driven cases ---------------------------------------------------------------------------

SPLIT = {"mon": ["09:00-12:00", "13:00-17:00"]}

BUSINESS_CASES = [
    # (why, hours, extra holidays, start, stop, minutes)
    ("22-06 across spring-forward is 7 real hours", NIGHTS, (), "2026-03-07 12:00", "2026-03-08 12:00", 420),
    ("22-06 across fall-back is 9 real hours", NIGHTS, (), "2026-10-31 12:00", "2026-11-01 12:00", 540),
    ("22-06 on an ordinary night", NIGHTS, (), "2026-06-06 12:00", "2026-06-07 12:00", 480),
    ("split shift, whole day", SPLIT, (), "2026-06-01 00:00", "2026-06-02 00:00", 420),
    ("split shift across lunch", SPLIT, (), "2026-06-01 11:00", "2026-06-01 14:00", 120),
    ("lunch is not worked", SPLIT, (), "2026-06-01 12:00", "2026-06-01 13:00", 0),
    ("holiday cancels its day", WEEKDAYS_9_TO_5, (date(2026, 6, 3),), "2026-06-03 00:00", "2026-06-04 00:00", 0),
    ("holiday between two days", WEEKDAYS_9_TO_5, (date(2026, 6, 3),), "2026-06-02 12:00", "2026-06-04 12:00", 480),
    ("night before a holiday is worked in full", NIGHTS, (date(2026, 12, 25),), "2026-12-24 12:00", "2026-12-25 12:00", 480),
    ("night starting on a holiday is not", NIGHTS, (date(2026, 12, 25),), "2026-12-25 12:00", "2026-12-26 12:00", 0),
    ("24:00 end joins the next day", {"sat": ["18:00-24:00"], "sun": ["00:00-06:00"]}, (), "2026-06-06 12:00", "2026-06-07 12:00", 720),
    ("00:00-24:00 is the whole day", {"wed": ["00:00-24:00"]}, (), "2026-06-02 12:00", "2026-06-04 12:00", 1440),
    ("start to end of a day", WEEKDAYS_9_TO_5, (), "2026-06-01 09:00", "2026-06-01 17:00", 480),
    ("end of a day to the next start", WEEKDAYS_9_TO_5, (), "2026-06-01 17:00", "2026-06-02 09:00", 0),
    ("empty window at a start", WEEKDAYS_9_TO_5, (), "2026-06-01 09:00", "2026-06-01 09:00", 0),
    ("stop before start", WEEKDAYS_9_TO_5, (), "2026-06-01 15:00", "2026-06-01 10:00", 0),
    ("one minute either side of a start", WEEKDAYS_9_TO_5, (), "2026-06-01 08:59", "2026-06-01 09:01", 1),
    ("weekend", WEEKDAYS_9_TO_5, (), "2026-06-05 17:00", "2026-06-08 09:00", 0),
    ("02:30 start on a spring-forward day starts at 03:00", {"sun": ["02:30-04:00"]}, (), "2026-03-08 00:00", "2026-03-08 12:00", 60),
    ("01:30-02:30 on a fall-back day: first 01:30 to 02:30", {"sun": ["01:30-02:30"]}, (), "2026-11-01 00:00", "2026-11-01 12:00", 120),
    ("an end read twice is its first reading", {"sun": ["00:00-01:30"]}, (), "2026-11-01 00:00", "2026-11-01 12:00", 90),
]  # fmt: skip


@pytest.mark.parametrize(
    ("hours", "extra", "start", "stop", "minutes"),
    [case[1:] for case in BUSINESS_CASES],
    ids=[case[0] for case in BUSINESS_CASES],
)
def test_business_minutes_cases(
    hours: dict[str, list[str]], extra: tuple[date, ...], start: str, stop: str, minutes: float
) -> None:
    assert one(calendar(hours, extra=extra), at(start), at(stop)) == minutes


def test_business_minutes_keeps_seconds() -> None:
    cal = calendar(WEEKDAYS_9_TO_5)
    start = at("2026-06-01 09:00") + timedelta(seconds=30)
    assert one(cal, start, at("2026-06-01 09:01")) == 0.5


ADD_CASES = [
    # (why, hours, start, minutes, expected local end)
    ("a window running out at 17:00 Friday ends then", WEEKDAYS_9_TO_5, "2026-06-05 16:00", 60, "2026-06-05 17:00"),
    ("zero minutes at an interval end is the start", WEEKDAYS_9_TO_5, "2026-06-05 17:00", 0, "2026-06-05 17:00"),
    ("zero minutes off hours is the start", WEEKDAYS_9_TO_5, "2026-06-06 10:00", 0, "2026-06-06 10:00"),
    ("one minute after Friday's end is Monday", WEEKDAYS_9_TO_5, "2026-06-05 17:00", 1, "2026-06-08 09:01"),
    ("spills over the weekend", WEEKDAYS_9_TO_5, "2026-06-05 16:00", 61, "2026-06-08 09:01"),
    ("from the weekend, a full day", WEEKDAYS_9_TO_5, "2026-06-06 10:00", 480, "2026-06-08 17:00"),
    ("split shift skips lunch", SPLIT, "2026-06-01 09:00", 240, "2026-06-01 14:00"),
    ("split shift ends at lunch, not after it", SPLIT, "2026-06-01 11:00", 60, "2026-06-01 12:00"),
    ("spring-forward night", NIGHTS, "2026-03-07 22:00", 420, "2026-03-08 06:00"),
    ("fall-back night", NIGHTS, "2026-10-31 22:00", 540, "2026-11-01 06:00"),
    ("fractional minutes", WEEKDAYS_9_TO_5, "2026-06-01 09:00", 0.5, "2026-06-01 09:00:30"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("hours", "start", "minutes", "expected"),
    [case[1:] for case in ADD_CASES],
    ids=[case[0] for case in ADD_CASES],
)
def test_add_business_minutes_cases(
    hours: dict[str, list[str]], start: str, minutes: float, expected: str
) -> None:
    assert add_one(calendar(hours), at(start), minutes) == at(expected)


def test_add_business_minutes_skips_package_holidays() -> None:
    cal = calendar(WEEKDAYS_9_TO_5, holiday_country="US", holiday_subdiv="NY")
    # Christmas 2026 is a Friday: from Thursday 16:00, two hours end on Monday at 10:00.
    assert add_one(cal, at("2026-12-24 16:00"), 120) == at("2026-12-28 10:00")


def test_add_business_minutes_runs_into_later_years() -> None:
    cal = calendar({"mon": ["09:00-10:00"]})
    assert add_one(cal, at("2026-12-28 08:00"), 600) == at("2027-03-01 10:00")


def test_calendar_without_working_time() -> None:
    cal = calendar({})
    start = at("2026-06-01 09:00")
    assert one(cal, start, start + timedelta(days=30)) == 0
    assert add_one(cal, start, 0) == start
    with pytest.raises(ValueError, match="too little working time"):
        add_one(cal, start, 5)


# -- missing values and input shapes ------------------------------------------------------------


def test_missing_instants_give_nan_and_nat() -> None:
    cal = calendar(WEEKDAYS_9_TO_5)
    t = at("2026-06-01 10:00")
    elapsed = business_minutes(cal, [None, t, pd.NaT], [t, None, pd.NaT])
    assert np.isnan(elapsed).all()
    assert np.isnan(business_minutes(cal, [None], [None])).all()
    deadlines = add_business_minutes(cal, [t, None, t], [5, 5, np.nan])
    assert deadlines.iloc[0] == at("2026-06-01 10:05")
    assert deadlines.iloc[1:].isna().all()
    assert add_business_minutes(cal, pd.Series([pd.NaT, pd.NaT]), 5).isna().all()
    assert str(deadlines.dtype) == "datetime64[ns, UTC]"


def test_accepts_series_index_arrays_and_lists() -> None:
    cal = calendar(WEEKDAYS_9_TO_5)
    utc = pd.Series(pd.to_datetime(["2026-06-01T13:00Z", "2026-06-05T20:00Z"], utc=True))
    stops = pd.Series(pd.to_datetime(["2026-06-01T15:30Z", "2026-06-08T14:00Z"], utc=True))
    expected = np.array([150.0, 120.0])
    shapes = [
        (utc, stops),
        (utc.dt.tz_convert(NY), stops.dt.tz_convert("Europe/Berlin")),
        (pd.DatetimeIndex(utc), pd.DatetimeIndex(stops)),
        (utc.dt.tz_localize(None).to_numpy(), stops.dt.tz_localize(None).to_numpy()),
        (list(utc.dt.tz_convert(NY).dt.to_pydatetime()), list(stops.dt.to_pydatetime())),
    ]
    for starts, ends in shapes:
        np.testing.assert_array_equal(business_minutes(cal, starts, ends), expected)
    np.testing.assert_array_equal(business_minutes(cal, utc.iloc[0], stops), [150.0, 5 * 480 + 60])


def test_add_keeps_the_series_index() -> None:
    cal = calendar(WEEKDAYS_9_TO_5)
    starts = pd.Series(
        pd.to_datetime(["2026-06-01T13:00Z", "2026-06-05T20:00Z"], utc=True), index=["L1", "L2"]
    )
    deadlines = add_business_minutes(cal, starts, pd.Series([30.0, 120.0], index=["L1", "L2"]))
    assert list(deadlines.index) == ["L1", "L2"]
    assert list(deadlines) == [at("2026-06-01 09:30"), at("2026-06-08 10:00")]


def test_lengths_must_match() -> None:
    cal = calendar(WEEKDAYS_9_TO_5)
    t = at("2026-06-01 10:00")
    with pytest.raises(ValueError, match="different lengths"):
        business_minutes(cal, [t, t], [t, t, t])
    with pytest.raises(ValueError, match=">= 0"):
        add_business_minutes(cal, [t], -5)


# -- the table ----------------------------------------------------------------------------------------


def test_working_time_table_matches_and_guards_its_span() -> None:
    cal = calendar(WEEKDAYS_9_TO_5, holiday_country="US")
    table = WorkingTime.build(cal, at("2026-11-23 00:00"), at("2026-11-30 00:00"))
    starts = [at("2026-11-24 10:00"), at("2026-11-25 16:00")]
    stops = [at("2026-11-27 10:00"), at("2026-11-30 00:00")]
    np.testing.assert_array_equal(
        table.business_minutes(starts, stops), business_minutes(cal, starts, stops)
    )
    assert (
        table.add_business_minutes(starts, 60).tolist()
        == add_business_minutes(cal, starts, 60).tolist()
    )
    with pytest.raises(ValueError, match="outside this table"):
        table.business_minutes([at("2026-11-01 10:00")], [at("2026-11-25 10:00")])
    with pytest.raises(ValueError, match="runs past the end"):
        table.add_business_minutes([at("2026-11-25 10:00")], 480 * 10)


def test_working_intervals_are_merged_and_clipped() -> None:
    cal = calendar({"mon": ["09:00-12:00", "12:00-17:00"], "tue": ["09:00-17:00"]})
    shown = working_intervals(cal, at("2026-06-01 10:00"), at("2026-06-02 12:00"))
    assert list(shown.columns) == ["start", "end"]
    assert list(zip(shown["start"], shown["end"], strict=True)) == [
        (at("2026-06-01 10:00"), at("2026-06-01 17:00")),
        (at("2026-06-02 09:00"), at("2026-06-02 12:00")),
    ]
    assert str(shown["start"].dtype) == "datetime64[ns, UTC]"


# -- holidays ---------------------------------------------------------------------------------------


def test_holidays_in_year_for_new_york() -> None:
    cal = calendar(
        WEEKDAYS_9_TO_5, extra=(date(2026, 12, 24),), holiday_country="US", holiday_subdiv="NY"
    )
    found = holidays_in_year(cal, 2026)
    assert list(found.columns) == ["date", "name", "source"]
    by_date = dict(zip(found["date"], found["source"], strict=False))
    assert by_date[date(2026, 11, 26)] == "holidays package US-NY"
    assert by_date[date(2026, 12, 25)] == "holidays package US-NY"
    assert by_date[date(2026, 12, 24)] == "extra_holidays"
    assert "Thanksgiving" in found.loc[found["date"] == date(2026, 11, 26), "name"].iloc[0]
    assert list(found["date"]) == sorted(found["date"])
    assert all(day.year == 2026 for day in found["date"])
    days = holiday_dates(cal, 2025, 2026)
    assert {date(2025, 12, 25), date(2026, 11, 26), date(2026, 12, 24)} <= days


def test_holidays_in_year_without_a_country() -> None:
    found = holidays_in_year(calendar(WEEKDAYS_9_TO_5, extra=(date(2026, 1, 2),)), 2026)
    assert found.to_dict("records") == [
        {"date": date(2026, 1, 2), "name": "Extra holiday", "source": "extra_holidays"}
    ]
    assert holidays_in_year(calendar(WEEKDAYS_9_TO_5), 2026).empty


# -- parsing and the calendar value ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00-17:00", (540, 1020)),
        ("22:00-06:00", (1320, 1800)),
        ("00:00-24:00", (0, 1440)),
        ("18:00-24:00", (1080, 1440)),
        ("23:30-00:00", (1410, 1440)),
        (" 9:05 - 9:35 ", (545, 575)),
    ],
)
def test_parse_hours(text: str, expected: tuple[int, int]) -> None:
    assert parse_hours(text) == expected
    assert parse_hours(format_hours(expected)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "9-17",
        "09:00",
        "09:00-17:00-18:00",
        "25:00-26:00",
        "09:60-10:00",
        "24:00-01:00",
        "10:00-10:00",
        "24:30",
    ],
)
def test_parse_hours_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="expected HH:MM-HH:MM"):
        parse_hours(text)


def test_calendar_is_a_hashable_value() -> None:
    from_tuples = calendar(WEEKDAYS_9_TO_5)
    # Lists of "HH:MM-HH:MM" are accepted at run time too, and normalised to the same value.
    as_strings: dict[str, object] = {day: ["09:00-17:00"] for day in WEEKDAYS[:5]}
    from_strings = Calendar(name="test", timezone=NY, hours=as_strings)  # type: ignore[arg-type]
    assert from_tuples == from_strings
    assert hash(from_tuples) == hash(from_strings)
    assert from_tuples.hours["mon"] == ((540, 1020),)
    assert from_tuples.hours["sat"] == ()
    assert isinstance(from_tuples.hours, WeeklyHours)
    assert dict(from_tuples.hours)["fri"] == ((540, 1020),)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"hours": {"monday": [(540, 1020)]}}, "unknown weekday 'monday'"),
        ({"hours": {"mon": [(1500, 1600)]}}, "mon: interval"),
        ({"hours": {"mon": ["9-5"]}}, "mon: expected HH:MM-HH:MM"),
        ({"holiday_country": "XX"}, "holidays"),
        ({"holiday_subdiv": "NY"}, "needs a holiday_country"),
        ({"extra_holidays": (datetime(2026, 1, 1, tzinfo=UTC),)}, "extra_holidays"),
    ],
)
def test_calendar_rejects_bad_values(kwargs: dict[str, object], message: str) -> None:
    values: dict[str, object] = {
        "name": "ny",
        "timezone": NY,
        "hours": {"mon": [(540, 1020)]},
    } | kwargs
    with pytest.raises(ValueError, match=message):
        Calendar(**values)  # type: ignore[arg-type]
