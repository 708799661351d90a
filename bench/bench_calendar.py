"""Business-time kernel against `businesstimedelta`, on 10,000 and on 1,000,000 random pairs.

Run: .venv/bin/python bench/bench_calendar.py [--large 1000000] [--sample 50000]

The calendar is one businesstimedelta can express: Mon-Fri 09:00-17:00 America/New_York with US
federal holidays. businesstimedelta reads naive datetimes as UTC and has no notion of the
calendar's zone, so each pair is handed to it as naive New York wall time; with no working time
near the 02:00 clock changes, both then measure the same thing. Results must agree to the second.

At 10,000 pairs both sides are timed on every pair. At 1,000,000 pairs the kernel is timed on
every pair (wall and CPU, cold: the table built and the holidays fetched, and with the table
prebuilt), but businesstimedelta (about 190 s for a million pairs, one Python call per pair) runs
only on a random sample of them (`--sample`): the results are compared pair by pair on that
sample, and the speed-up quoted at that size is per pair, over the sample. Speed-ups are ratios
of CPU seconds (the machine is shared: wall time also counts waiting for a core); wall seconds
are recorded beside them.

Prints one JSON line and writes it to bench/out/calendar.json.
"""

from __future__ import annotations

import argparse
import json
import os
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
    seconds, _, result = timed_cpu(run, repeats)
    return seconds, result


def timed_cpu(run: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """Median wall and CPU seconds of `repeats` calls, and the last result."""
    times, cpus, result = [], [], None
    for _ in range(repeats):
        began, began_cpu = time.perf_counter(), time.process_time()
        result = run()
        times.append(time.perf_counter() - began)
        cpus.append(time.process_time() - began_cpu)
    return statistics.median(times), statistics.median(cpus), result


def check_identical(
    ours_minutes: np.ndarray, theirs_seconds: np.ndarray, starts: pd.Series, stops: pd.Series
) -> None:
    ours_seconds = np.round(ours_minutes * 60).astype(np.int64)
    mismatched = np.flatnonzero(ours_seconds != theirs_seconds.astype(np.int64))
    assert mismatched.size == 0, (
        f"{mismatched.size} pairs differ, first: {starts.iloc[mismatched[0]]} -> "
        f"{stops.iloc[mismatched[0]]}: ours {ours_seconds[mismatched[0]]} s, "
        f"businesstimedelta {theirs_seconds[mismatched[0]]} s"
    )


def their_rules(cal: Calendar) -> btd.Rules:
    return btd.Rules(
        [
            btd.WorkDayRule(start_time=clock(9), end_time=clock(17), working_days=[0, 1, 2, 3, 4]),
            btd.HolidayRule(holiday_dates(cal, 2024, 2027)),
        ]
    )


def theirs_for(rules: btd.Rules, starts: pd.Series, stops: pd.Series) -> Callable[[], np.ndarray]:
    """businesstimedelta over the pairs, each handed over as naive New York wall time."""
    local_starts = starts.dt.tz_convert(ZONE).dt.tz_localize(None).dt.to_pydatetime()
    local_stops = stops.dt.tz_convert(ZONE).dt.tz_localize(None).dt.to_pydatetime()

    def theirs() -> np.ndarray:
        return np.array(
            [
                rules.difference(a, b).timedelta.total_seconds()
                for a, b in zip(local_starts, local_stops, strict=True)
            ]
        )

    return theirs


def kernel_timings(
    cal: Calendar, starts: pd.Series, stops: pd.Series, repeats: int
) -> tuple[dict[str, float], np.ndarray]:
    """Cold (table built, holidays fetched) and prebuilt-table timings of the kernel."""

    def ours_cold() -> np.ndarray:
        clear_caches()  # includes building the table and fetching the holidays
        return business_minutes(cal, starts, stops)

    table = WorkingTime.build(cal, starts.min(), stops.max())

    def ours_warm() -> np.ndarray:
        return table.business_minutes(starts, stops)

    cold_s, cold_cpu, minutes = timed_cpu(ours_cold, repeats)
    warm_s, warm_cpu, warm_minutes = timed_cpu(ours_warm, repeats)
    assert np.array_equal(minutes, warm_minutes, equal_nan=True)
    return {
        "ours_s_median": round(cold_s, 6),
        "ours_cpu_s_median": round(cold_cpu, 6),
        "ours_prebuilt_table_s_median": round(warm_s, 6),
        "ours_prebuilt_table_cpu_s_median": round(warm_cpu, 6),
    }, minutes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=50_000)
    parser.add_argument("--large-repeats", type=int, default=5)
    args = parser.parse_args()
    cal = Calendar(
        name="ny",
        timezone=ZONE,
        hours={day: (parse_hours("09:00-17:00"),) for day in WEEKDAYS[:5]},
        holiday_country="US",
    )
    rules = their_rules(cal)

    # 10k pairs: both sides on every pair.
    starts, stops = draw_pairs(ROWS, SEED)
    ours, ours_minutes = kernel_timings(cal, starts, stops, REPEATS_OURS)
    theirs_s, theirs_cpu, theirs_seconds = timed_cpu(theirs_for(rules, starts, stops), REPEATS_THEIRS)
    check_identical(ours_minutes, theirs_seconds, starts, stops)

    # 1M pairs: the kernel on every pair; businesstimedelta on a random sample of them.
    big_starts, big_stops = draw_pairs(args.large, SEED + 1)
    big, big_minutes = kernel_timings(cal, big_starts, big_stops, args.large_repeats)
    picked = np.sort(
        np.random.default_rng(SEED + 2).choice(args.large, min(args.sample, args.large), replace=False)
    )
    sample_starts = big_starts.iloc[picked].reset_index(drop=True)
    sample_stops = big_stops.iloc[picked].reset_index(drop=True)
    sample_s, sample_cpu, sample_seconds = timed_cpu(
        theirs_for(rules, sample_starts, sample_stops), 1
    )
    check_identical(big_minutes[picked], sample_seconds, sample_starts, sample_stops)
    # Speed-ups from CPU seconds: on a shared machine wall time also counts waiting for a core.
    per_pair_theirs = sample_cpu / len(picked)
    per_pair_ours = big["ours_cpu_s_median"] / args.large

    result = {
        "name": "business_time_kernel",
        "rows": ROWS,
        **ours,
        "businesstimedelta_s_median": round(theirs_s, 6),
        "businesstimedelta_cpu_s_median": round(theirs_cpu, 6),
        # Speed-ups from CPU seconds (see above); wall seconds are kept beside them.
        "speedup": round(theirs_cpu / ours["ours_cpu_s_median"], 1),
        "speedup_prebuilt_table": round(theirs_cpu / ours["ours_prebuilt_table_cpu_s_median"], 1),
        "repeats": {"ours": REPEATS_OURS, "businesstimedelta": REPEATS_THEIRS},
        "large": {
            "rows": args.large,
            **big,
            "repeats": args.large_repeats,
            "businesstimedelta_sample_rows": len(picked),
            "businesstimedelta_sample_s": round(sample_s, 3),
            "businesstimedelta_sample_cpu_s": round(sample_cpu, 3),
            "identical_on_sample": True,
            "speedup_per_pair": round(per_pair_theirs / per_pair_ours, 1),
        },
        "load_average_1m": round(os.getloadavg()[0], 2),
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
