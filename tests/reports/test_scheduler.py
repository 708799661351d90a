"""`handoff schedule` under a moved clock: the nightly sync and the monthly report fire for the right
period, deliver to a local mailbox, catch up after downtime, and retry failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from pydantic import SecretStr
from servers import smtp_server

from connectors.demo import load_demo
from models.errors import BadInputError
from models.settings import DEFAULT_CONFIG_PATH, Settings
from models.store import Store
from models.tables import JobRun
from reports.scheduler import (
    Schedule,
    due_report_months,
    due_sync_day,
    parse_schedule,
    run_scheduler,
)

NY = "America/New_York"


class MovedClock:
    """A clock the scheduler reads; its sleep moves time instead of waiting."""

    def __init__(self, start: datetime) -> None:
        self.at = start
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.at += timedelta(seconds=seconds)


def _config(tmp_path: Path, schedule: str) -> Path:
    path = tmp_path / "sla.toml"
    path.write_text(DEFAULT_CONFIG_PATH.read_text() + "\n[schedule]\n" + schedule)
    (tmp_path / "friction.toml").write_text(
        (DEFAULT_CONFIG_PATH.parent / "friction.toml").read_text()
    )
    return path


def _ny(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(NY)).astimezone(UTC)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"report_day": 31}, "schedule.report_day: expected a whole number from 1 to 28"),
        ({"report_time": "7am"}, 'schedule.report_time: expected local time "HH:MM"'),
        ({"sync_time": "25:00"}, "schedule.sync_time"),
        ({"timezone": "Mars/Olympus"}, "schedule.timezone: unknown time zone"),
        ({"formats": ["html", "docx"]}, "schedule.formats"),
        ({"deliver": "yes"}, "schedule.deliver"),
        ({"report_dya": 2}, "schedule.report_dya: unknown key"),
    ],
)
def test_bad_schedule_names_the_key(raw: dict[str, Any], problem: str) -> None:
    with pytest.raises(BadInputError) as error:
        parse_schedule(raw)
    assert any(problem in p for p in error.value.problems), error.value.problems


@pytest.mark.parametrize(
    ("now", "months"),
    [
        ("2026-05-01T06:59", ["2026-03"]),  # the April report is due at 07:00 New York time
        ("2026-05-01T07:00", ["2026-04"]),
        ("2026-05-20T12:00", ["2026-04"]),
        ("2026-01-01T08:00", ["2025-12"]),  # across the year
        ("2026-03-01T07:30", ["2026-02"]),
    ],
)
def test_report_month_due(now: str, months: list[str]) -> None:
    schedule = Schedule(timezone=NY, report_day=1, catch_up_months=1)
    assert due_report_months(_ny(now), schedule) == months


@pytest.mark.parametrize(
    ("now", "day"),
    [
        ("2026-03-08T01:59", "2026-03-07"),
        ("2026-03-08T03:00", "2026-03-08"),
        ("2026-11-01T02:30", "2026-11-01"),
    ],
)
def test_sync_day_due_across_dst(now: str, day: str) -> None:
    # 2026-03-08 02:00 does not exist in New York (spring forward): the sync still runs that day.
    assert due_sync_day(_ny(now), Schedule(timezone=NY)) == day


def _settings(settings: Settings, config: Path, **extra: Any) -> Settings:
    return settings.model_copy(update={"handoff_config": config, **extra})


def test_scheduler_fires_the_right_month_and_delivers_to_a_mailbox(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    start = _ny("2026-05-01T05:00")
    load_demo(store, seed=7, months=4, leads_per_month=150, end_month="2026-05", now=start)
    config = _config(
        tmp_path,
        f'timezone = "{NY}"\nreport_day = 1\nreport_time = "07:00"\nsync_time = "02:00"\n'
        f'formats = ["pdf", "csv"]\nout_dir = "{tmp_path / "scheduled"}"\n',
    )
    clock = MovedClock(start)
    # The scheduler has been running for a while: March's report went out on April 1.
    store.insert_row(
        JobRun, job="report", period="2026-03", started_at=_ny("2026-04-01T07:00"), status="ok"
    )
    with smtp_server() as (mailbox, port):
        mail = _settings(
            settings,
            config,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_starttls=False,
            report_email_to="head.of.service@example.com",
        )
        ran = run_scheduler(
            store,
            mail,
            once=False,
            now=clock.now,
            sleep=clock.sleep,
            max_sleep=3600,
            stop=lambda: clock.at >= _ny("2026-05-02T03:00"),
            echo=lambda _line: None,
        )
    assert ran == [
        ("sync", "2026-05-01", "skipped"),
        ("report", "2026-04", "ok"),
        ("sync", "2026-05-02", "skipped"),
    ]
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    assert message["Subject"] == "Handoff friction report, April 2026"
    assert {p.get_filename() for p in message.walk() if p.get_filename()} == {
        "friction-2026-04.pdf",
        "friction-2026-04-csv.zip",
    }
    assert (tmp_path / "scheduled" / "friction-2026-04.pdf").exists()
    report_run = store.select_rows(JobRun, {"job": "report", "period": "2026-04"}).iloc[0]
    assert report_run["started_at"] == pd.Timestamp(_ny("2026-05-01T07:00"))


def test_missed_run_is_caught_up_on_the_next_start(
    demo_store: Store, settings: Settings, tmp_path: Path
) -> None:
    config = _config(
        tmp_path,
        f'timezone = "{NY}"\nformats = ["csv"]\nsync_time = "off"\nout_dir = "{tmp_path / "o"}"\n',
    )
    # The machine was off on June 1; it starts again on June 3.
    clock = MovedClock(_ny("2026-06-03T10:00"))
    store = demo_store
    first = run_scheduler(
        store, _settings(settings, config), once=True, now=clock.now, echo=lambda _l: None
    )
    assert first == [("report", "2026-05", "ok")]
    assert (
        run_scheduler(
            store, _settings(settings, config), once=True, now=clock.now, echo=lambda _l: None
        )
        == []
    )
    # Off again over two report days: both missed months are caught up, oldest first.
    clock.at = _ny("2026-08-02T09:00")
    assert [
        r[1]
        for r in run_scheduler(
            store, _settings(settings, config), once=True, now=clock.now, echo=lambda _l: None
        )
    ] == ["2026-06", "2026-07"]


@dataclass
class SyncResult:
    status: str

    def summary(self) -> str:
        return f"sync {self.status}"


def test_sync_runs_only_with_a_token_and_failures_are_retried(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    config = _config(tmp_path, f'timezone = "{NY}"\nsync_time = "02:00"\nretry_minutes = 30\n')
    calls: list[dict[str, Any]] = []
    outcomes = iter(["failed", "ok"])

    def sync(store_: Store, settings_: Settings, **kwargs: Any) -> SyncResult:
        calls.append(kwargs)
        return SyncResult(next(outcomes))

    clock = MovedClock(_ny("2026-06-10T02:30"))
    with_token = _settings(settings, config, hubspot_access_token=SecretStr("pat-test"))
    # Mark the report as done so only the sync is in play.
    store.insert_row(JobRun, job="report", period="2026-05", started_at=clock.at, status="ok")
    assert run_scheduler(
        store, with_token, once=True, sync=sync, now=clock.now, echo=lambda _l: None
    ) == [("sync", "2026-06-10", "failed")]
    assert (
        run_scheduler(store, with_token, once=True, sync=sync, now=clock.now, echo=lambda _l: None)
        == []
    )
    clock.at += timedelta(minutes=31)
    assert run_scheduler(
        store, with_token, once=True, sync=sync, now=clock.now, echo=lambda _l: None
    ) == [("sync", "2026-06-10", "ok")]
    assert calls == [{"full": False, "progress": False}] * 2
    clock.at += timedelta(days=1)
    no_token = _settings(settings, config)
    assert run_scheduler(
        store, no_token, once=True, sync=sync, now=clock.now, echo=lambda _l: None
    ) == [("sync", "2026-06-11", "skipped")]
    assert len(calls) == 2
