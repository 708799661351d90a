"""The store's rows as DataFrames: query results read into frames with aware UTC timestamps.

Part of the store (every SQL statement lives in `models/store*.py`); shared by `models/store/canonical.py`
and the mixins `Store` inherits, so it imports none of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from models import tables as T

_IDS_PER_QUERY = 20_000


def timestamp_columns(table: Any) -> list[str]:
    return [c.name for c in table.columns if isinstance(c.type, T.UTCDateTime)]


def as_utc(values: pd.Series) -> pd.Series:
    """Any timestamp column (aware, naive UTC text from SQLite, or None) as aware UTC datetimes."""
    if values.empty:
        return pd.Series(pd.DatetimeIndex([], tz="UTC"), index=values.index, name=values.name)
    converted = pd.to_datetime(values, utc=True, format="ISO8601")
    return converted.astype("datetime64[us, UTC]")


def read_by_ids(
    conn: Connection, stmt: Any, table: Any, ids: Sequence[str], names: list[str]
) -> pd.DataFrame:
    """Run `stmt` (with an expanding `ids` parameter) in chunks: an IN list of a million ids
    exceeds SQLite's variable limit and makes PostgreSQL plan slowly."""
    frames = [
        read_frame(conn, stmt, table, {"ids": list(ids[start : start + _IDS_PER_QUERY])})
        for start in range(0, len(ids), _IDS_PER_QUERY)
    ]
    return pd.concat(frames, ignore_index=True) if frames else empty_frame(table, names)


def empty_frame(table: Any, names: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series([], dtype=object) for name in names})
    for name in set(timestamp_columns(table)) & set(names):
        frame[name] = as_utc(frame[name])
    return frame


def raw_frame(
    conn: Connection, sql: str, params: Sequence[Any], *, typed: bool = True
) -> pd.DataFrame:
    """Run plain SQL (the driver's positional placeholders) on the connection's DB-API cursor:
    the rows straight from the driver, built column-wise, with no per-value work in Python.
    Columns named *_at become aware UTC timestamps; with `typed`, the others get the dtypes
    `read_frame` would give them (numbers, strings), so callers see the same frame."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        return frame_from_cursor(cursor, sql, tuple(params), typed=typed)
    finally:
        cursor.close()


def frame_from_cursor(
    cursor: Any, sql: str, params: tuple[Any, ...], *, typed: bool = False
) -> pd.DataFrame:
    """Run a query on an open DB-API cursor; the rows as a frame built column-wise, columns
    named *_at as aware UTC timestamps (with `typed`, the others' dtypes inferred)."""
    cursor.execute(sql, params)
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    # One 2-D object array from the row tuples (numpy does it in C), then object columns.
    table = np.empty((len(rows), len(names)), dtype=object)
    if rows:
        table[:] = rows
    frame = pd.DataFrame({name: pd.Series(table[:, i], dtype=object) for i, name in enumerate(names)})
    for name in names:
        if name.endswith("_at"):
            frame[name] = as_utc(frame[name])
        elif typed and rows:
            frame[name] = frame[name].infer_objects()
    return frame


def read_frame(conn: Connection, stmt: Any, table: Any, params: dict[str, Any] | None = None) -> pd.DataFrame:
    result = conn.execute(stmt, params or {})
    names = list(result.keys())
    rows = result.fetchall()
    if not rows:
        return empty_frame(table, names)
    frame = pd.DataFrame.from_records(rows, columns=names, coerce_float=True)
    for name in set(timestamp_columns(table)) & set(names):
        frame[name] = as_utc(frame[name])
    if "active" in frame.columns:
        frame["active"] = frame["active"].astype(bool)
    return frame
