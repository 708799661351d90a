"""Cached loaders: every page gets its data through these functions, never from SQL or the engine.

Two cache layers: the heavy, shared objects (the store, the SLA file, a month's evaluation) are
`st.cache_resource` (one copy, never pickled, so a warm page does not pay for copying 100k items);
a page's views built from them that hold a month's items (an SLA's items with names and links,
the at-risk list, the service page's customers, the friction report) are `view_cache`: also
shared and never pickled, and read-only by convention (a page filters or copies, never writes
into them); the small per-page summaries are `st.cache_data` with a TTL. Every key carries a
*data stamp* (the newest import, sync, SLA-version and dispute rows), so a sync or import run from
the command line is picked up on the next click, and `evaluations.clear_caches()` drops everything after an
action taken in the dashboard itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from models import tables as T
from models.config import HandoffConfig, load_config
from models.errors import BadInputError
from models.settings import Settings, load_settings
from models.store import Store
from models.time.months import month_end, month_of
from ui import clock

TTL_SECONDS = 600
# What depends only on the data stamp (which moves with every write: see `data_stamp`) stays
# right until the stamp moves; the TTL only bounds how long an unused entry is kept.
STAMP_TTL_SECONDS = 6 * 3600
# Per loader: keys are the data stamp, the as-of bucket and the filters, so a few dozen views
# cover a busy team's day; older ones are dropped first, so memory stays bounded.
MAX_ENTRIES = 32


@dataclass(frozen=True)
class Source:
    """Where the dashboard reads from: the database URL and the SLA file (with its mtime)."""

    database_url: str
    config_path: str
    config_mtime: float


def settings() -> Settings:
    return load_settings()


def source() -> Source:
    current = settings()
    path = Path(current.handoff_config)
    mtime = path.stat().st_mtime if path.exists() else 0.0
    return Source(current.database_url, str(path), mtime)


_VIEW_CACHES: list[Any] = []


def view_cache(*, show_spinner: bool | str = False, max_entries: int | None = None) -> Any:
    """`st.cache_resource` for a page's view that holds a month's items: one copy shared by
    every session, read without copying (`st.cache_data` unpickles its whole value on every
    read: about 0.2 s per SLA view of a 100k-lead month, on every page view). Callers must not
    change what it returns (filter, or copy first). Cleared with the other caches."""

    def decorate(func: Any) -> Any:
        cached = st.cache_resource(
            show_spinner=show_spinner, ttl=TTL_SECONDS, max_entries=max_entries or MAX_ENTRIES
        )(func)
        _VIEW_CACHES.append(cached)
        return cached

    return decorate


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    # Store(url) brings the schema up to date, so a fresh database works on the first click.
    return Store(url)


def get_store() -> Store:
    """The shared store for DATABASE_URL (migrated on first use)."""
    return _store(settings().database_url)


@st.cache_resource(show_spinner=False, ttl=TTL_SECONDS, max_entries=MAX_ENTRIES)
def _config(path: str, mtime: float) -> HandoffConfig:
    del mtime  # part of the key: an edited file is read again
    return load_config(path)


def get_config() -> HandoffConfig:
    """The SLA file in force (raises models.config.ConfigError with every problem)."""
    where = source()
    return _config(where.config_path, where.config_mtime)


# The stamp of the current script run: every loader of one page view keys on the same stamp,
# so nothing built in one run mixes data read before and after a change (see `one_stamp`).
_run_stamp: ContextVar[str | None] = ContextVar("handoff_run_stamp", default=None)


@contextmanager
def one_stamp() -> Iterator[None]:
    """Pin `data_stamp()` for the body (one script run). An unreachable database pins nothing:
    the page shows that error itself."""
    try:
        stamp = _data_stamp(get_store().url)
    except Exception:
        yield
        return
    token = _run_stamp.set(stamp)
    try:
        yield
    finally:
        _run_stamp.reset(token)


def data_stamp() -> str:
    """A short fingerprint of everything that changes verdicts: runs, SLA versions, frozen months,
    disputes and the data revision (any write to the CRM tables). A few tiny reads, at most once
    per `STAMP_SECONDS` (a page asks for it several times per run); a write made from the
    dashboard clears it at once."""
    pinned = _run_stamp.get()
    return pinned if pinned is not None else _data_stamp(get_store().url)


STAMP_SECONDS = 2


def fresh_data_stamp() -> str:
    """`data_stamp()` read now, not up to `STAMP_SECONDS` ago."""
    _data_stamp.clear()
    return data_stamp()


@st.cache_data(show_spinner=False, ttl=STAMP_SECONDS, max_entries=4)
def _data_stamp(url: str) -> str:
    return _store(url).read_change_marker()


@st.cache_data(show_spinner=False, ttl=STAMP_TTL_SECONDS, max_entries=MAX_ENTRIES)
def load_directory(url: str, stamp: str) -> dict[str, pd.DataFrame]:
    """Teams and owners (with their team's name and tier) for labels and filters."""
    del stamp
    store = _store(url)
    teams = store.read_entity("team")
    owners = store.read_entity("owner")
    owners = owners.merge(
        teams[["team_id", "name", "tier"]].rename(columns={"name": "team_name"}),
        on="team_id",
        how="left",
    )
    return {"teams": teams, "owners": owners}


def directory() -> dict[str, pd.DataFrame]:
    return load_directory(get_store().url, data_stamp())


def names() -> tuple[dict[str, str], dict[str, str]]:
    """Display names: owner id -> name, team id -> name."""
    people = directory()
    owners, teams = people["owners"], people["teams"]
    return (
        dict(zip(owners["owner_id"].astype(str), owners["name"].astype(str), strict=False)),
        dict(zip(teams["team_id"].astype(str), teams["name"].astype(str), strict=False)),
    )


@st.cache_data(show_spinner=False, ttl=STAMP_TTL_SECONDS, max_entries=MAX_ENTRIES)
def load_counts(url: str, stamp: str) -> dict[str, int]:
    del stamp
    return _store(url).count_rows()


def counts() -> dict[str, int]:
    """Live rows per canonical entity (team, owner, lead, activity, deal)."""
    return load_counts(get_store().url, data_stamp())


@st.cache_data(show_spinner=False, ttl=STAMP_TTL_SECONDS, max_entries=MAX_ENTRIES)
def load_has_leads(url: str, stamp: str) -> bool:
    del stamp
    return _store(url).has_live_rows("lead")


def verdict_cache() -> list[dict[str, Any]]:
    """The months whose verdicts are kept in the database, and whether they fit the data now."""
    from models.verdicts.cache import cache_status

    try:
        return cache_status(get_store(), get_config(), now=clock.now())
    except BadInputError:
        return []  # the SLA file's problem is shown by every page


@st.cache_data(show_spinner=False, ttl=STAMP_TTL_SECONDS, max_entries=MAX_ENTRIES)
def load_latest_precomputed(url: str, stamp: str) -> datetime | None:
    del stamp
    rows = _store(url).read_cache_status()
    return max((row["as_of"] for row in rows), default=None)


def evaluation_instant(current: datetime) -> datetime:
    """The as-of every page shares: the start of the current 5-minute bucket, or the instant
    verdicts were last precomputed when that is later (and not after `current`). Right after a
    sync, pages then show what it precomputed instead of judging six months again as of the
    bucket's start, which is before the sync."""
    floor = clock.evaluation_instant(current)
    latest = load_latest_precomputed(get_store().url, data_stamp())
    return latest if latest is not None and floor < latest <= current else floor


def is_empty() -> bool:
    """True when no lead is loaded yet (the fresh-install state)."""
    return not load_has_leads(get_store().url, data_stamp())


@st.cache_data(show_spinner="Reading what is loaded…", ttl=STAMP_TTL_SECONDS, max_entries=MAX_ENTRIES)
def load_data_overview(url: str, stamp: str, zone_name: str) -> dict[str, Any]:
    zone = ZoneInfo(zone_name)
    facets = load_lead_facets(url, stamp)
    months: list[tuple[str, datetime, datetime]] = []
    if facets["first"] is not None and facets["last"] is not None:
        month = month_of(facets["first"], zone)
        last = month_of(facets["last"], zone)
        while month <= last:
            year, number = (int(part) for part in month.split("-"))
            start = datetime(year, number, 1, tzinfo=zone).astimezone(UTC)
            months.append((month, start, month_end(month, zone)))
            month = month_of(month_end(month, zone), zone)
    overview: dict[str, Any] = _store(url).data_overview(months)
    overview.update(first_handoff=facets["first"], last_handoff=facets["last"])
    return overview


def data_overview(zone: ZoneInfo) -> dict[str, Any]:
    """Owners by team, live handed-off leads by month (in `zone`) and team, activities by type,
    deals, and the first and last handoff."""
    return load_data_overview(get_store().url, data_stamp(), str(zone))


@st.cache_data(show_spinner=False, ttl=STAMP_TTL_SECONDS, max_entries=MAX_ENTRIES)
def load_lead_facets(url: str, stamp: str) -> dict[str, Any]:
    """Distinct lead sources and the handed-off date range (cheap aggregates for the sidebar)."""
    del stamp
    store = _store(url)
    first, last = store.read_time_range("lead", "handed_off_at")
    return {
        "sources": [str(v) for v in store.read_distinct("lead", "source")],
        "first": first,
        "last": last,
    }


def lead_sources() -> list[str]:
    return list(load_lead_facets(get_store().url, data_stamp())["sources"])


def lead_month_range(zone: ZoneInfo) -> tuple[str | None, str | None]:
    """First and last month (YYYY-MM in `zone`) with a handed-off lead."""
    facets = load_lead_facets(get_store().url, data_stamp())
    first, last = facets["first"], facets["last"]
    if first is None or last is None:
        return None, None
    return first.astimezone(zone).strftime("%Y-%m"), last.astimezone(zone).strftime("%Y-%m")


def month_zone() -> ZoneInfo:
    """The zone that months are counted in: the lead quota's, else the first SLA calendar's
    (the same months `handoff cache warm` precomputes)."""
    from models.verdicts.cache import month_zone as zone_of

    try:
        config = get_config()
    except BadInputError:
        return clock.DEFAULT_MONTH_ZONE
    return ZoneInfo(zone_of(config))


def runs(kind: str, limit: int = 10) -> pd.DataFrame:
    """Newest import (kind="import") or sync (kind="sync") runs, counts decoded."""
    model = T.ImportRun if kind == "import" else T.SyncRun
    frame = get_store().read_runs(model, limit=limit)
    if not frame.empty and "counts" in frame.columns:
        frame["counts"] = frame["counts"].map(_decode_counts)
    return frame


def _decode_counts(raw: Any) -> str:
    if not raw:
        return ""
    try:
        values = json.loads(raw)
    except (TypeError, ValueError):
        return str(raw)
    if isinstance(values, dict):
        return ", ".join(
            f"{v:,} {k}" if isinstance(v, int) else f"{k}: {v}" for k, v in values.items()
        )
    return str(values)


def hubspot_status() -> str:
    """The sync checkpoints as the CLI's `handoff sync status` shows them."""
    try:
        from connectors.hubspot.sync import describe_status
    except ImportError:
        return "The HubSpot connector is not installed in this build."
    return describe_status(get_store())


def clear_caches() -> None:
    """Drop the loaders' cached values (`evaluations.clear_caches` drops everything); the rest
    of this run reads the stamp afresh (the data just changed)."""
    _run_stamp.set(None)
    st.cache_data.clear()
    for cached in (_config, *_VIEW_CACHES):
        cached.clear()


def stamp_and_url() -> tuple[str, str]:
    return get_store().url, data_stamp()


def as_iso(value: datetime) -> str:
    return value.isoformat()
