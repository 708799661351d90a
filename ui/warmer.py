"""Figures ready before anyone asks: a background thread of the dashboard server.

Every page shows figures as of the current 5-minute mark (ui/clock.py). Without help, the first
person to open a page after each mark (and the first after the server starts) waits while the
month's verdicts are moved on to the new mark and the page's tables are rebuilt: seconds at
100k leads a month. The warmer does that work instead: once before the server opens, and then
ahead of every mark (starting twice its last pass's time before it, at least 30 s and at most
half a mark), as of that mark, so the figures of a new mark are ready when it begins: the
month's and the trend's verdicts, and each page's default view
(the current month, every team, every source; the Friction page's whole-organisation report)
go into the same caches the pages read, so a
person opening a page finds them there.

The first pass runs before the server listens (`ui/server.py` calls `start()` before Streamlit
opens its port): a freshly started or redeployed server answers its health check, and shows its
first page, only once the default views are ready, so nobody meets a server that is still
computing them (at 100k leads a month that pass takes seconds; `handoff serve` says so while it
runs). The caches are process-wide, so what that pass fills is what the pages read once
Streamlit's runtime is up.

Only a served dashboard runs it (`handoff serve` sets HANDOFF_SERVING=1; AppTest and the tests'
in-process runs do not), and `HANDOFF_WARM=0` turns it off. The caches are the ones the pages
use, keyed as the pages key them, so a warmed figure is exactly what the page would compute.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime

from models.time.months import month_of, months_through
from ui import charts, clock
from ui.filters import Filters
from ui.profiling import profiled

log = logging.getLogger("handoff.ui")

THREAD_NAME = "handoff-warm"
_started = False
_lock = threading.Lock()
_first_pass = threading.Event()  # set while the first pass runs, before the server starts


# What Streamlit says when a cache is used outside a page run, or before its runtime exists.
_EXPECTED = ("missing ScriptRunContext", "No runtime found")


class _NoContextWarning(logging.Filter):
    """Streamlit warns whenever a cache is used outside a page run (and, before its runtime
    exists, that it keeps the cache in memory); for the warmer that is expected, so those
    warnings are dropped while it works (only for its thread or its first pass)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            (threading.current_thread().name == THREAD_NAME or _first_pass.is_set())
            and any(text in record.getMessage() for text in _EXPECTED)
        )


def enabled() -> bool:
    return os.environ.get("HANDOFF_SERVING") == "1" and os.environ.get("HANDOFF_WARM", "1") != "0"


def start(announce: Callable[[str], None] = lambda line: None) -> None:
    """Once per server process: the first pass here and now, then a thread for every later
    mark. `handoff serve` runs ui/server.py, which calls this before Streamlit opens its port;
    `announce` is told what the first pass is doing (the server prints it)."""
    global _started
    if _started or not enabled():
        return
    with _lock:
        if _started:
            return
        _started = True
        for name in (
            "streamlit",
            "streamlit.runtime.caching",
            "streamlit.runtime.caching.cache_data_api",
            "streamlit.runtime.scriptrunner_utils.script_run_context",
        ):
            logging.getLogger(name).addFilter(_NoContextWarning())
        announce("Handoff: getting the current figures ready before the dashboard opens...")
        _first_pass.set()
        try:
            with contextlib.suppress(Exception):  # only a head start: the pages draw anyway
                charts.warm_up()
            announce(f"Handoff: {_pass()}")
        finally:
            _first_pass.clear()
        threading.Thread(target=_loop, name=THREAD_NAME, daemon=True).start()


_last_seconds = 0.0  # how long the last pass took


def _pass(at: datetime | None = None) -> str:
    """One warm pass as of `at` (default: now); a failure is logged, not raised (the pages
    compute it)."""
    global _last_seconds
    started = time.perf_counter()
    try:
        with profiled("warm"):  # HANDOFF_PROFILE: the pass is timed like a page run
            warmed = warm_once(at or clock.now())
    except Exception:  # the pages will compute it themselves, and show any problem
        log.warning("warming the dashboard's figures failed", exc_info=True)
        return "the figures could not be made ready in advance (see the log); pages compute them"
    _last_seconds = time.perf_counter() - started
    log.info("warmed %s in %.1f s", warmed, _last_seconds)
    return f"figures ready ({warmed}) in {_last_seconds:.1f} s"


def lead_seconds(last_pass: float) -> float:
    """How long before a mark its pass starts: twice the last pass, at least 30 s, at most
    half a mark (so a slow pass never runs into the one before)."""
    return min(max(30.0, 2 * last_pass), clock.EVALUATION_BUCKET.total_seconds() / 2)


def next_pass(now: datetime, warmed: datetime, last_pass: float) -> tuple[datetime, float]:
    """The mark to warm next after `warmed` (the last mark warmed) and the seconds to wait
    before starting on it. After a long stall (the machine suspended) the mark of `now`."""
    target = warmed + clock.EVALUATION_BUCKET
    if now >= target + clock.EVALUATION_BUCKET:
        target = clock.evaluation_instant(now)
    wait = (target - now).total_seconds() - lead_seconds(last_pass)
    return target, max(0.0, wait)


def _loop() -> None:
    warmed = clock.evaluation_instant(clock.now())  # the first pass did this mark
    while True:
        target, wait = next_pass(clock.now(), warmed, _last_seconds)
        if clock.pinned():
            # A pinned clock (HANDOFF_NOW: demos, tests) never reaches another mark: keep the
            # pinned one's figures ready (a sync moves the data stamp) every mark's length.
            target, wait = clock.evaluation_instant(clock.now()), clock.EVALUATION_BUCKET.total_seconds()
        time.sleep(wait)
        _pass(target)
        warmed = target


def warm_once(now: datetime) -> str:
    """Compute what the pages' default views need as of `now`'s mark; returns what it did."""
    from ui import loaders

    if loaders.is_empty():
        return "nothing (no data loaded)"
    before = loaders.fresh_data_stamp()
    warmed = _warm_views(now)
    if loaders.fresh_data_stamp() != before:
        # The pass itself moved the stamp (the first judging of a month records the SLA file's
        # versions), so the views it made are keyed on the old one: make them again.
        warmed = _warm_views(now)
    return warmed


def default_filters(now: datetime) -> Filters:
    """What a page's sidebar holds when a person opens it at `now` without choosing anything:
    the current month, every tier, team and source."""
    from ui import loaders

    zone = loaders.month_zone()
    return Filters(
        month=month_of(now, zone),
        tier=None,
        team_id=None,
        source=None,
        now=now,
        as_of=loaders.evaluation_instant(now),
        zone=zone,
    )


def _warm_views(now: datetime) -> str:
    from ui import data_summary, follow_up, friction, overview, service

    filters = default_filters(now)
    overview.load(filters)
    overview.trend(filters)
    for kind in ("first_touch", "follow_up_attempts"):
        follow_up.sla_view(filters, kind)
    scoped, _ = service.scope(filters)
    view = follow_up.sla_view(scoped, service.KIND)
    if view is not None:
        service.with_first_contact(scoped, view)
    follow_up.monthly_customers(scoped, service.KIND, months_through(filters.month, service.HISTORY_MONTHS))
    # The Friction page opens on the last full month's report for the whole organisation.
    friction.report(filters, friction.report_month(filters), None)
    # The Data page counts a year of rows in the database: kept until the data changes.
    data_summary.loaded_data(filters.zone)
    data_summary.backdated_deals()
    return f"{filters.month} as of {filters.as_of:%Y-%m-%d %H:%M %Z}"
