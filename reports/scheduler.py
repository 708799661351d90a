"""`handoff schedule`: the nightly sync and the monthly report, run in the foreground.

The SLA file's `[schedule]` table configures it (every key optional):

    [schedule]
    timezone = "America/New_York"   # local time of the times below (default: the report timezone)
    sync_time = "02:00"             # nightly HubSpot sync; "off" disables it
    report_day = 1                  # day of the month (1-28) the previous month's report goes out
    report_time = "07:00"
    formats = ["html", "pdf", "xlsx", "csv"]
    out_dir = "reports_out"         # default REPORT_OUT_DIR
    deliver = true                  # email / webhook as configured (the folder always)

Each job run is a `JobRun` row keyed by its period (the local day for sync, the reported month
for the report). On start, and on every wake-up, whatever is due and not yet done runs: a run
missed while the machine was off is caught up then. A failed run is retried after
`retry_minutes` up to `max_attempts` times. The clock and sleep are parameters so tests can
move time.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from models.config import HandoffConfig, load_config
from models.errors import BadInputError
from models.settings import Settings
from models.store import Store
from models.tables import JobRun
from models.verdicts.cache import warm_after_write
from reports.runner import FORMATS, report_timezone, run_report

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
SCHEDULE_KEYS = (
    "timezone",
    "sync_time",
    "report_day",
    "report_time",
    "formats",
    "out_dir",
    "deliver",
    "retry_minutes",
    "max_attempts",
    "catch_up_months",
)
Clock = Callable[[], datetime]
SyncFunction = Callable[..., Any]


@dataclass(frozen=True)
class Schedule:
    timezone: str = "UTC"
    sync_time: clock_time | None = clock_time(2, 0)
    report_day: int = 1
    report_time: clock_time = clock_time(7, 0)
    formats: tuple[str, ...] = FORMATS
    out_dir: Path | None = None
    deliver: bool = True
    retry_minutes: int = 30
    max_attempts: int = 3
    catch_up_months: int = 3


def parse_schedule(
    raw: Mapping[str, Any], default_timezone: str = "UTC", source: str = "the SLA file"
) -> Schedule:
    """Validate `[schedule]`; every problem is reported with its key path (`schedule.report_day`)."""
    problems: list[str] = []

    def hhmm(key: str, default: clock_time | None, allow_off: bool = False) -> clock_time | None:
        value = raw.get(key)
        if value is None:
            return default
        if allow_off and value in ("off", False):
            return None
        match = _HHMM.match(str(value)) if isinstance(value, str) else None
        if not match:
            problems.append(
                f'schedule.{key}: expected local time "HH:MM" (24h) like "07:00"'
                + (' or "off"' if allow_off else "")
                + f", got {value!r}"
            )
            return default
        return clock_time(int(match[1]), int(match[2]))

    def integer(key: str, default: int, low: int, high: int) -> int:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems.append(
                f"schedule.{key}: expected a whole number from {low} to {high}, got {value!r}"
            )
            return default
        return value

    for key in raw:
        if key not in SCHEDULE_KEYS:
            problems.append(f"schedule.{key}: unknown key; known: {', '.join(SCHEDULE_KEYS)}")
    zone = raw.get("timezone", default_timezone)
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            f'schedule.timezone: unknown time zone {zone!r}; use an IANA name like "America/New_York"'
        )
        zone = "UTC"
    formats = raw.get("formats", list(FORMATS))
    if not isinstance(formats, list) or not formats or any(f not in FORMATS for f in formats):
        problems.append(
            f"schedule.formats: expected a list drawn from {list(FORMATS)}, got {formats!r}"
        )
        formats = list(FORMATS)
    out_dir = raw.get("out_dir")
    if out_dir is not None and not isinstance(out_dir, str):
        problems.append(f"schedule.out_dir: expected a folder path string, got {out_dir!r}")
        out_dir = None
    deliver = raw.get("deliver", True)
    if not isinstance(deliver, bool):
        problems.append(f"schedule.deliver: expected true or false, got {deliver!r}")
        deliver = True
    schedule = Schedule(
        timezone=str(zone),
        sync_time=hhmm("sync_time", clock_time(2, 0), allow_off=True),
        # Days 29-31 do not exist in every month; a report that silently skips February is worse.
        report_day=integer("report_day", 1, 1, 28),
        report_time=hhmm("report_time", clock_time(7, 0)) or clock_time(7, 0),
        formats=tuple(dict.fromkeys(formats)),
        out_dir=Path(out_dir) if out_dir else None,
        deliver=deliver,
        retry_minutes=integer("retry_minutes", 30, 1, 24 * 60),
        max_attempts=integer("max_attempts", 3, 1, 20),
        catch_up_months=integer("catch_up_months", 3, 1, 24),
    )
    if problems:
        raise BadInputError(
            f"The [schedule] table of {source} has {len(problems)} problem(s):",
            [f"{source}: {p}" for p in problems],
        )
    return schedule


def load_schedule(config: HandoffConfig) -> Schedule:
    """The `[schedule]` table of an SLA file, validated."""
    return parse_schedule(config.section("schedule"), report_timezone(config), config.source)


# -- when is what due ------------------------------------------------------------------------------


def _at(day: date, at: clock_time, zone: str) -> datetime:
    # fold=0 and zoneinfo resolve a DST gap/overlap to a real instant, so a job never vanishes.
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def _report_instant(month: pd.Period, schedule: Schedule) -> datetime:
    """When the report of `month` is due: report_day/report_time of the following month."""
    following = month + 1
    return _at(
        date(following.year, following.month, schedule.report_day),
        schedule.report_time,
        schedule.timezone,
    )


def due_report_months(now: datetime, schedule: Schedule) -> list[str]:
    """Reported months whose due instant has passed, newest last (up to catch_up_months)."""
    local = pd.Timestamp(now).tz_convert(schedule.timezone).tz_localize(None).to_period("M")
    latest = local - 1 if now >= _report_instant(local - 1, schedule) else local - 2
    return [str(latest - k) for k in range(schedule.catch_up_months - 1, -1, -1)]


def due_sync_day(now: datetime, schedule: Schedule) -> str | None:
    """The local day whose nightly sync is due (today once sync_time has passed, else yesterday)."""
    if schedule.sync_time is None:
        return None
    today = now.astimezone(ZoneInfo(schedule.timezone)).date()
    day = (
        today
        if now >= _at(today, schedule.sync_time, schedule.timezone)
        else today - timedelta(days=1)
    )
    return day.isoformat()


def next_wake(now: datetime, schedule: Schedule) -> datetime:
    """The next instant a job becomes due (the next sync or report time)."""
    today = now.astimezone(ZoneInfo(schedule.timezone)).date()
    candidates = []
    if schedule.sync_time is not None:
        candidates += [
            _at(today + timedelta(days=d), schedule.sync_time, schedule.timezone) for d in (0, 1)
        ]
    local = pd.Timestamp(now).tz_convert(schedule.timezone).tz_localize(None).to_period("M")
    candidates += [_report_instant(local - 1, schedule), _report_instant(local, schedule)]
    return min(c for c in candidates if c > now)


# -- running jobs ----------------------------------------------------------------------------------


def _pending(
    store: Store, job: str, periods: list[str], now: datetime, schedule: Schedule
) -> list[str]:
    """Periods not yet done; a failed one only after retry_minutes and below max_attempts."""
    if not periods:
        return []
    runs = store.select_rows(JobRun, {"job": job, "period": periods})
    done = (
        set(runs.loc[runs["status"].isin(["ok", "skipped"]), "period"]) if not runs.empty else set()
    )
    todo = []
    for period in periods:  # a handful of periods, never items
        if period in done:
            continue
        tried = runs[runs["period"] == period] if not runs.empty else runs
        if len(tried) >= schedule.max_attempts:
            continue
        if not tried.empty and now - tried["started_at"].max() < timedelta(
            minutes=schedule.retry_minutes
        ):
            continue
        todo.append(period)
    return todo


def _report_periods(store: Store, now: datetime, schedule: Schedule) -> list[str]:
    due = due_report_months(now, schedule)
    ever = store.select_rows(
        JobRun, {"job": "report", "status": "ok"}, order_by="period", descending=True, limit=1
    )
    if ever.empty:
        due = due[-1:]  # a new installation reports the last month only, not all history
    else:
        due = [m for m in due if m > str(ever.iloc[0]["period"])] or due[-1:]
    return due


def run_due(
    store: Store,
    settings: Settings,
    schedule: Schedule,
    now: Clock,
    *,
    sync: SyncFunction | None,
    echo: Callable[[str], None],
    sleep: Callable[[float], None],
) -> list[tuple[str, str, str]]:
    """Run every due job once: [(job, period, status)]."""
    done: list[tuple[str, str, str]] = []
    sync_day = due_sync_day(now(), schedule)
    for period in _pending(store, "sync", [sync_day] if sync_day else [], now(), schedule):
        done.append(("sync", period, _run_sync(store, settings, period, now, sync, echo)))
    for period in _pending(
        store, "report", _report_periods(store, now(), schedule), now(), schedule
    ):
        done.append(
            ("report", period, _run_report(store, settings, schedule, period, now, echo, sleep))
        )
    return done


def _run_sync(
    store: Store,
    settings: Settings,
    period: str,
    now: Clock,
    sync: SyncFunction | None,
    echo: Callable[[str], None],
) -> str:
    if settings.hubspot_access_token is None or sync is None:
        store.insert_row(
            JobRun,
            job="sync",
            period=period,
            started_at=now(),
            finished_at=now(),
            status="skipped",
            error="no HubSpot token (HUBSPOT_ACCESS_TOKEN): nothing to sync",
        )
        echo(f"sync {period}: skipped (HUBSPOT_ACCESS_TOKEN is not set)")
        return "skipped"
    run_id = store.insert_row(JobRun, job="sync", period=period, started_at=now(), status="running")
    try:
        result = sync(store, settings, full=False, progress=False)
        # "busy": another process is running this sync right now (the sync lease).
        status = {"ok": "ok", "busy": "skipped"}.get(getattr(result, "status", "ok"), "failed")
        error = None if status == "ok" else str(getattr(result, "summary", lambda: result)())
    except Exception as exc:  # a failed night must not stop the scheduler; it is recorded
        status, error = "failed", f"{type(exc).__name__}: {exc}"
    store.update_rows(JobRun, {"id": run_id}, status=status, finished_at=now(), error=error)
    echo(f"sync {period}: {status}" + (f" ({error})" if error else ""))
    if status == "ok":
        # The morning's first dashboard view then reads kept verdicts instead of judging months.
        echo(f"sync {period}: {warm_after_write(store, settings.handoff_config, now=now)}")
    return status


def _run_report(
    store: Store,
    settings: Settings,
    schedule: Schedule,
    month: str,
    now: Clock,
    echo: Callable[[str], None],
    sleep: Callable[[float], None],
) -> str:
    run_id = store.insert_row(
        JobRun, job="report", period=month, started_at=now(), status="running"
    )
    try:
        result = run_report(
            store,
            settings,
            month=month,
            out_dir=schedule.out_dir or settings.report_out_dir,
            formats=list(schedule.formats),
            team_id=None,
            deliver=schedule.deliver,
            resend=False,
            trigger="schedule",
            now=now,
            sleep=sleep,
        )
        status, error = result.status, result.error
        echo(result.summary())
    except Exception as exc:  # recorded and retried later; the scheduler keeps running
        status, error = "failed", f"{type(exc).__name__}: {exc}"
        echo(f"report {month}: failed ({error})")
    store.update_rows(JobRun, {"id": run_id}, status=status, finished_at=now(), error=error)
    return status


def _run_nudges(
    store: Store,
    settings: Settings,
    now: Clock,
    nudge: Callable[..., Any],
    sync: SyncFunction | None,
    echo: Callable[[str], None],
) -> tuple[str, str, str]:
    period = f"{now():%Y-%m-%dT%H:%M}Z"
    try:
        status = str(nudge(store, settings, now=now(), sync=sync, echo=echo).status)
    except Exception as exc:  # a failed pass must not stop the scheduler; the next one retries
        status = "failed"
        echo(f"nudges {period}: failed ({type(exc).__name__}: {exc})")
    return ("nudge", period, status)


def _print(line: str) -> None:
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S}Z {line}", flush=True)


def run_scheduler(
    store: Store,
    settings: Settings,
    *,
    once: bool,
    sync: SyncFunction | None = None,
    now: Clock | None = None,
    sleep: Callable[[float], None] = time.sleep,
    stop: Callable[[], bool] | None = None,
    echo: Callable[[str], None] = _print,
    max_sleep: float = 900.0,
    nudge: Callable[..., Any] | None = None,
) -> list[tuple[str, str, str]]:
    """Run due jobs, then sleep until the next one, forever (or once). Returns what ran.

    Wakes at least every `max_sleep` seconds so a suspended machine or a changed clock is noticed.
    `nudge` (reports.nudges.run.run_nudge_pass) runs every `[nudges] every_minutes`.
    """
    clock = now or (lambda: datetime.now(UTC))
    config = load_config(settings.handoff_config)
    schedule = load_schedule(config)
    sync_at = f"{schedule.sync_time:%H:%M}" if schedule.sync_time else "off"
    echo(
        f"schedule: nightly sync {sync_at}, report on day {schedule.report_day} at "
        f"{schedule.report_time:%H:%M} ({schedule.timezone})"
    )
    ran: list[tuple[str, str, str]] = []
    nudge_every = config.nudges.every_minutes * 60.0 if nudge is not None else max_sleep
    while True:
        ran += run_due(store, settings, schedule, clock, sync=sync, echo=echo, sleep=sleep)
        if nudge is not None:
            ran.append(_run_nudges(store, settings, clock, nudge, sync, echo))
        if once or (stop is not None and stop()):
            return ran
        wait = (next_wake(clock(), schedule) - clock()).total_seconds()
        sleep(min(max(wait, 1.0), max_sleep, nudge_every))
