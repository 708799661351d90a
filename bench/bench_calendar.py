"""Business-time kernel against `businesstimedelta`, on 10,000 random (start, stop) pairs.

Run: .venv/bin/python bench/bench_calendar.py

The calendar is one businesstimedelta can express: Mon-Fri 09:00-17:00 America/New_York with US
federal holidays. businesstimedelta reads naive datetimes as UTC and has no notion of the
calendar's zone, so each pair is handed to it as naive New York wall time; with no working time
near the 02:00 clock changes, both then measure the same thing. Results must agree to the second.

Prints one JSON line and writes it to bench/out/calendar.json.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import time as clock
from pathlib import Path
from typing import Any

import businesstimedelta as btd
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.time.calendar import (  # noqa: E402
    WEEKDAYS,
    Calendar,
    holiday_dates,
    parse_hours,
)
from models.time.working_time import (  # noqa: E402
    WorkingTime,
    business_minutes,
    clear_caches,
)

ROWS = 10_000
SEED = 20260101
ZONE = "America/New_York"
REPEATS_OURS = 25
REPEATS_THEIRS = 5
MAX_SPAN_DAYS = 14  # SLA windows: hours to a couple of weeks


def draw_pairs(rows: int, seed: int) -> tuple[pd.Series, pd.Series]:
    """Starts uniform over 2025-2026 (whole seconds, UTC), stops up to two weeks later."""
    rng = np.random.default_rng(seed)
    first = pd.Timestamp("2025-01-01", tz=ZONE).tz_convert("UTC")
    last = pd.Timestamp("2027-01-01", tz=ZONE).tz_convert("UTC")
    span_s = int((last - first).total_seconds())
    offsets = rng.integers(0, span_s, rows)
    lengths = rng.integers(0, MAX_SPAN_DAYS * 86_400, rows)
    starts = pd.Series(first + pd.to_timedelta(offsets, unit="s"))
    return starts, starts + pd.to_timedelta(lengths, unit="s")


def timed(run: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        began = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def main() -> None:
    cal = Calendar(
        name="ny",
        timezone=ZONE,
        hours={day: (parse_hours("09:00-17:00"),) for day in WEEKDAYS[:5]},
        holiday_country="US",
    )
    starts, stops = draw_pairs(ROWS, SEED)

    rules = btd.Rules(
        [
            btd.WorkDayRule(start_time=clock(9), end_time=clock(17), working_days=[0, 1, 2, 3, 4]),
            btd.HolidayRule(holiday_dates(cal, 2024, 2027)),
        ]
    )
    local_starts = starts.dt.tz_convert(ZONE).dt.tz_localize(None).dt.to_pydatetime()
    local_stops = stops.dt.tz_convert(ZONE).dt.tz_localize(None).dt.to_pydatetime()

    def theirs() -> np.ndarray:
        return np.array(
            [
                rules.difference(a, b).timedelta.total_seconds()
                for a, b in zip(local_starts, local_stops, strict=True)
            ]
        )

    def ours_cold() -> np.ndarray:
        clear_caches()  # includes building the table and fetching the holidays
        return business_minutes(cal, starts, stops)

    table = WorkingTime.build(cal, starts.min(), stops.max())

    def ours_warm() -> np.ndarray:
        return table.business_minutes(starts, stops)

    ours_s, ours_minutes = timed(ours_cold, REPEATS_OURS)
    warm_s, warm_minutes = timed(ours_warm, REPEATS_OURS)
    theirs_s, theirs_seconds = timed(theirs, REPEATS_THEIRS)

    ours_seconds = np.round(ours_minutes * 60).astype(np.int64)
    mismatched = np.flatnonzero(ours_seconds != theirs_seconds.astype(np.int64))
    assert mismatched.size == 0, (
        f"{mismatched.size} pairs differ, first: {starts.iloc[mismatched[0]]} -> "
        f"{stops.iloc[mismatched[0]]}: ours {ours_seconds[mismatched[0]]} s, "
        f"businesstimedelta {theirs_seconds[mismatched[0]]} s"
    )
    assert np.array_equal(ours_minutes, warm_minutes)

    result = {
        "name": "business_time_kernel",
        "rows": ROWS,
        "ours_s_median": round(ours_s, 6),
        "businesstimedelta_s_median": round(theirs_s, 6),
        "speedup": round(theirs_s / ours_s, 1),
        "ours_prebuilt_table_s_median": round(warm_s, 6),
        "speedup_prebuilt_table": round(theirs_s / warm_s, 1),
        "repeats": {"ours": REPEATS_OURS, "businesstimedelta": REPEATS_THEIRS},
        "seed": SEED,
        "pairs": f"starts uniform over 2025-2026, stops 0-{MAX_SPAN_DAYS} days later",
        "calendar": "Mon-Fri 09:00-17:00 America/New_York, US holidays",
        "identical_to_the_second": True,
    }
    line = json.dumps(result)
    print(line)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "calendar.json").write_text(line + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
