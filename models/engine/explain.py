"""One sentence per item verdict, so a manager can answer "why is this lead breached?" from the
output alone: when the clock started and why, what stopped it and when, elapsed against target,
segment, version, routing delay and any exclusion. Times are the wall clock of the item's
calendar, whose zone the sentence names.

Vectorised string building (pandas string concatenation), no loop over items.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from models.engine import columns as E
from models.engine.serialise import normalise_items
from models.time.calendar import Calendar

_DAY_NAMES = np.array(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], dtype=object)


def _local(items: pd.DataFrame, column: str, calendars: Mapping[str, Calendar]) -> pd.Series:
    """ "Mon 2026-10-05 10:00" on the wall clock of each item's calendar ("" when missing)."""
    values = items[column]
    wall = np.full(len(items), np.datetime64("NaT"), dtype="datetime64[m]")
    for name in items[E.CALENDAR].dropna().unique():
        mine = (items[E.CALENDAR] == name).to_numpy()
        zone = calendars[name].timezone if name in calendars else "UTC"
        local = values[mine].dt.tz_convert(zone).dt.tz_localize(None)
        wall[mine] = local.to_numpy().astype("datetime64[m]")
    missing = np.isnat(wall)
    days = np.where(missing, 0, wall.astype("datetime64[D]").astype(np.int64))
    stamps = np.char.replace(np.datetime_as_string(wall, unit="m"), "T", " ").astype(object)
    out = pd.Series(_DAY_NAMES[(days + 3) % 7] + " " + stamps, index=items.index, dtype=object)
    return out.where(~missing, "")


def _minutes(values: pd.Series) -> pd.Series:
    """Minutes to one decimal, "60" rather than "60.0" ("" when missing)."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float).round(1).to_numpy()
    known = ~np.isnan(numbers)
    whole = known & (numbers == np.floor(np.where(known, numbers, 0)))
    text = np.where(
        whole, np.where(whole, numbers, 0).astype(np.int64).astype(str), numbers.astype(str)
    ).astype(object)
    return pd.Series(np.where(known, text, ""), index=values.index, dtype=object)


def _text_array(values: pd.Series | np.ndarray) -> np.ndarray:
    """A column as a numpy object array of Python strings ("" when missing)."""
    if isinstance(values, pd.Series):
        array = values.to_numpy(dtype=object, na_value="")
    else:
        array = np.array(values, dtype=object)
        array[pd.isna(array)] = ""
    if array.size and not isinstance(array[0], str):
        array = array.astype(str).astype(object)  # numbers: the few columns that hold them
    return array


def _join(mask: np.ndarray, *parts: np.ndarray | str) -> np.ndarray:
    """Concatenate `parts` (arrays or constants) for the rows in `mask` only."""
    out = np.empty(int(mask.sum()), dtype=object)
    out[:] = ""
    for part in parts:
        out = out + (part[mask] if isinstance(part, np.ndarray) else part)
    return out


def explain_items(
    items: pd.DataFrame, calendars: Mapping[str, Calendar], *, min_attempts: Mapping[str, int]
) -> pd.DataFrame:
    """`items` (normalised item verdicts) with every missing `explanation` written.

    `min_attempts`: the attempt goal of each SLA version label (items' `sla_version`), which the
    sentences of follow_up_attempts items quote."""
    missing = items[E.EXPLANATION].isna().to_numpy()
    if not missing.any():
        return items
    items = items.copy()
    if missing.all():
        items[E.EXPLANATION] = _sentences(items, calendars, min_attempts)
    else:
        part = items[missing]
        items.loc[missing, E.EXPLANATION] = _sentences(part, calendars, min_attempts)
    return normalise_items(items)


def _sentences(
    items: pd.DataFrame, calendars: Mapping[str, Calendar], min_attempts: Mapping[str, int]
) -> pd.Series:
    """One explanation per item (a string Series on the items' index)."""
    # Plain numpy object arrays: `+` concatenates Python strings element-wise in C. Each clause
    # is built only for the rows it applies to.
    n = len(items)
    start = _local(items, E.START, calendars).to_numpy(dtype=object)
    stop = _local(items, E.STOP, calendars).to_numpy(dtype=object)
    state = _text_array(items[E.STATE])
    reason = _text_array(items[E.STOP_REASON])
    is_deal = items[E.DEAL_ID].notna().to_numpy()
    assigned = items[E.ASSIGNED_AT].notna().to_numpy()
    # The clock starts at the later of the assignment and the handoff (SPEC.md section 3).
    assigned_later = assigned & (items[E.START] > items[E.HANDED_OFF_AT]).to_numpy()
    basis = np.select(
        [is_deal, assigned_later, assigned],
        [
            "deal closed won",
            "assigned to the owner after the handoff",
            "handed off; the owner was assigned before it",
        ],
        default="handed off, not assigned",
    ).astype(object)
    activity = _text_array(items[E.STOP_ACTIVITY_TYPE]) + " " + _text_array(items[E.STOP_ACTIVITY_ID])
    attempts = _text_array(
        pd.to_numeric(items[E.ATTEMPTS], errors="coerce").fillna(0).astype(np.int64).to_numpy()
    )
    goal = _text_array(items[E.SLA_VERSION].map(dict(min_attempts)).fillna(0).astype(np.int64).to_numpy())
    at_start = (items[E.STOP] == items[E.START]).to_numpy()
    stopped_by = np.full(n, "no qualifying contact yet", dtype=object)
    clauses = [
        (reason == E.STOP_ACTIVITY, ("first contact: ", activity, " at ", stop)),
        (
            (reason == E.STOP_REJECTION) & at_start,
            ("rejected before the clock started (zero business time)",),
        ),
        ((reason == E.STOP_REJECTION) & ~at_start, ("stopped by the rejection at ", stop)),
        (
            reason == E.STOP_ATTEMPTS,
            (
                "goal of ",
                goal,
                " attempts reached with ",
                activity,
                " at ",
                stop,
                " (",
                attempts,
                " in the window)",
            ),
        ),
        (reason == E.STOP_REACHED, ("lead reached by ", activity, " at ", stop)),
        (
            reason == E.STOP_WINDOW_END,
            ("window ended ", stop, " with ", attempts, " of ", goal, " attempts and no reach"),
        ),
    ]
    for mask, parts in clauses:
        if mask.any():
            stopped_by[mask] = _join(mask, *parts)
    sentence = _join(
        np.ones(n, dtype=bool),
        np.char.upper(state.astype(str)).astype(object), ": clock started ", start, " (", basis, "); ",
        stopped_by, "; ", _minutes(items[E.ELAPSED]).to_numpy(dtype=object), " of ",
        _minutes(items[E.TARGET]).to_numpy(dtype=object), " business minutes",
    )  # fmt: skip
    late = (state == E.BREACHED) & items[E.STOP].isna().to_numpy()
    is_open = state == E.OPEN
    if late.any() or is_open.any():
        due = _local(items, E.DUE_AT, calendars).to_numpy(dtype=object)
        sentence[late] = _join(late, sentence, "; target ran out ", due)
        remaining = _minutes(items[E.REMAINING]).to_numpy(dtype=object)
        sentence[is_open] = _join(
            is_open, sentence, "; ", remaining, " business minutes left, due ", due
        )
    segment = _text_array(items[E.SEGMENT])
    has_segment = segment != ""
    sentence[has_segment] = _join(has_segment, sentence, "; segment ", segment)
    zones = _text_array(items[E.CALENDAR].map({name: cal.timezone for name, cal in calendars.items()}))
    sentence = (
        sentence
        + "; SLA version "
        + _text_array(items[E.SLA_VERSION])
        + "; calendar "
        + _text_array(items[E.CALENDAR])
    )
    sentence = sentence + " (times " + np.where(zones == "", "UTC", zones).astype(object) + ")"
    delayed = items[E.ROUTING_DELAY].notna().to_numpy()
    if delayed.any():
        sentence[delayed] = _join(
            delayed, sentence, "; routing delay ", _minutes(items[E.ROUTING_DELAY]).to_numpy(dtype=object),
            " min (", _minutes(items[E.ROUTING_DELAY_BUSINESS]).to_numpy(dtype=object),
            " business), not counted against the owner",
        )  # fmt: skip
    if is_deal.any():
        # A service item is the service side's; the closer is named beside it, never charged.
        owner = _text_array(items[E.OWNER_ID])
        owned = is_deal & (owner != "")
        queue = is_deal & (owner == "")
        sentence[owned] = _join(owned, sentence, "; service owner ", owner)
        sentence[queue] = _join(queue, sentence, "; no service owner yet (service queue)")
        closer = _text_array(items[E.CLOSED_BY_OWNER_ID])
        closed = is_deal & (closer != "")
        sentence[closed] = _join(closed, sentence, "; deal closed by ", closer)
    excluded = state == E.EXCLUDED
    if excluded.any():
        sentence[excluded] = _join(
            excluded, sentence, "; excluded: ", _text_array(items[E.EXCLUSION_REASON])
        )
    return pd.Series(sentence, index=items.index, dtype=object)
