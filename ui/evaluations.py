"""The month's SLA evaluation, computed once per (month, as-of, data stamp) and shared by every
page and session (`st.cache_resource`: one copy in memory, never pickled).

Below this in-memory cache sits the database's verdict cache (`models.verdicts.cache`): a freshly
started server reads the month's kept verdicts and moves their open clocks on to now instead of
judging the month again, as long as the data and the SLA file are unchanged.

A *settled* month (over, with no item still open) cannot change while the data and the SLA file
stay the same, whatever the as-of instant: it is kept apart, keyed without the as-of, so the
5-minute as-of rollover only re-evaluates the current month (the trend's past months stay warm).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from typing import Any

import streamlit as st

from models.engine import columns as E
from models.time.months import month_end
from ui import loaders

# Twelve months of trend plus a few as-of buckets: enough for a busy day, bounded in memory.
_MAX_ENTRIES = 32
_settled: OrderedDict[tuple[str, ...], Any] = OrderedDict()
_settled_lock = threading.Lock()
# What `evaluation` and `evaluations` returned lately, by as-of too: the trend then reuses the
# month the Overview's cards already have instead of reading it again.
_recent: OrderedDict[tuple[str, ...], Any] = OrderedDict()
_RECENT_ENTRIES = 8  # a trend's months and this month: big frames, so only the latest few


@st.cache_resource(show_spinner=False, ttl=loaders.TTL_SECONDS, max_entries=_MAX_ENTRIES)
def _evaluation(
    url: str, config_path: str, config_mtime: float, month: str, as_of: str, stamp: str
) -> Any:
    del url, config_path, config_mtime, stamp  # cache key only
    from models.verdicts.cache import cached_evaluations

    return cached_evaluations(
        loaders.get_store(), loaders.get_config(), [month], as_of=datetime.fromisoformat(as_of)
    )[0]


@st.cache_resource(show_spinner=False, ttl=loaders.TTL_SECONDS, max_entries=_MAX_ENTRIES)
def _evaluations(
    url: str,
    config_path: str,
    config_mtime: float,
    months: tuple[str, ...],
    as_of: str,
    stamp: str,
) -> list[Any]:
    del url, config_path, config_mtime, stamp  # cache key only
    from models.verdicts.cache import cached_evaluations

    return cached_evaluations(
        loaders.get_store(), loaders.get_config(), list(months), as_of=datetime.fromisoformat(as_of)
    )


def _is_settled(evaluation: Any, as_of: datetime) -> bool:
    if as_of < month_end(evaluation.month):
        return False
    return all(not result.counts.get(E.OPEN, 0) for result in evaluation.slas)


def evaluation(month: str, as_of: datetime) -> Any:
    """Every SLA's verdicts for `month` as known at `as_of` (frozen months come from their
    snapshot, as `handoff evaluate` shows them)."""
    where = loaders.source()
    stamp = loaders.data_stamp()
    key = (where.database_url, where.config_path, str(where.config_mtime), month, stamp)
    with _settled_lock:
        if key in _settled:
            _settled.move_to_end(key)
            return _settled[key]
    result = _evaluation(
        where.database_url, where.config_path, where.config_mtime, month, as_of.isoformat(), stamp
    )
    _remember((*key, as_of.isoformat()), result)
    if _is_settled(result, as_of):
        with _settled_lock:
            _settled[key] = result
            while len(_settled) > _MAX_ENTRIES:
                _settled.popitem(last=False)
    return result


def evaluations(months: list[str], as_of: datetime) -> list[Any]:
    """Evaluations of several months (oldest first). Settled ones come from memory; the rest in
    one call, so months missing from the verdict cache are judged in one pass over the leads."""
    where = loaders.source()
    stamp = loaders.data_stamp()
    base = (where.database_url, where.config_path, str(where.config_mtime))
    found: dict[str, Any] = {}
    with _settled_lock:
        for month in months:
            if (key := (*base, month, stamp)) in _settled:
                _settled.move_to_end(key)
                found[month] = _settled[key]
            elif (recent := (*key, as_of.isoformat())) in _recent:
                found[month] = _recent[recent]
    rest = tuple(dict.fromkeys(m for m in months if m not in found))
    if rest:
        batch = _evaluations(
            where.database_url, where.config_path, where.config_mtime, rest, as_of.isoformat(), stamp
        )
        for month, result in zip(rest, batch, strict=True):
            found[month] = result
            _remember((*base, month, stamp, as_of.isoformat()), result)
            if _is_settled(result, as_of):
                with _settled_lock:
                    _settled[(*base, month, stamp)] = result
                    while len(_settled) > _MAX_ENTRIES:
                        _settled.popitem(last=False)
    return [found[month] for month in months]


def _remember(key: tuple[str, ...], result: Any) -> None:
    with _settled_lock:
        _recent[key] = result
        _recent.move_to_end(key)
        while len(_recent) > _RECENT_ENTRIES:
            _recent.popitem(last=False)


def clear_caches() -> None:
    """Drop every cached value of the dashboard (after a sync, an import, a demo load or an SLA
    change): the loaders' and the evaluations'."""
    loaders.clear_caches()
    _evaluation.clear()
    _evaluations.clear()
    with _settled_lock:
        _settled.clear()
        _recent.clear()
