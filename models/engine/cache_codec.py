"""How a month's verdicts are kept in the verdict cache (pure): the head, the evaluation's JSON
without items (what headline figures need), and the items of every per-item SLA as one Parquet
file, read only when something needs the items. Parquet, not JSON: the current month's ~250k
items at 100k leads decode in a fraction of the time JSON takes, with their types kept. Each
SLA's items are their own row groups, so reading one SLA's items (the friction report needs only
last month's new customers) decodes only those."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from models.engine import columns as E
from models.engine.results import Evaluation, SlaResult, empty_items
from models.engine.serialise import evaluation_from_json

CODEC_FORMAT = 2  # part of the cache key: a row written by another format is never read


def head_text(evaluation: Evaluation) -> str:
    """The evaluation's JSON without items (SPEC.md section 5 shape): every headline figure."""
    return json.dumps(evaluation.to_json(with_items=False), default=str)


def items_blob(evaluation: Evaluation) -> bytes:
    """Every per-item SLA's items (lean: explanations are written when read) as Parquet, one SLA
    after the other, each in row groups of its own."""
    frames = [s.lean_items for s in evaluation.slas if s.quota is None]
    frames = [f for f in frames if not f.empty]
    items = pd.concat(frames, ignore_index=True) if frames else empty_items()
    items = items.assign(**{E.EXPLANATION: None})
    table = pa.Table.from_pandas(items, preserve_index=False)
    buffer = io.BytesIO()
    with pq.ParquetWriter(buffer, table.schema, compression="zstd") as writer:
        offset = 0
        for size in [len(f) for f in frames] or [0]:
            writer.write_table(table.slice(offset, size))
            offset += size
    return buffer.getvalue()


def _decode(table: pa.Table) -> pd.DataFrame:
    """Rows of the blob as one items frame: the same frame (columns, dtypes, None for missing
    text) as `normalise_items` gives, built column by column from Arrow.

    Text columns are the slow part (a month is ~250k items at 100k leads): each is dictionary-
    encoded in Arrow, its distinct values become Python strings once, and the rows index into
    them, instead of one string object made, then checked for missing, per cell."""
    every = np.arange(table.num_rows)
    return pd.DataFrame(
        {name: _take(_column(table, name), every) for name in E.ITEM_COLUMNS}
    )


def decode_items(blob: bytes) -> dict[str, pd.DataFrame]:
    """The items of each SLA id, as `items_blob` kept them (see `_decode`)."""
    table = pq.read_table(io.BytesIO(blob))
    if table.num_rows == 0 or E.SLA_ID not in table.column_names:
        return {}
    sla_ids, sla_codes = _dictionary(table.column(E.SLA_ID))
    columns = {name: _column(table, name) for name in E.ITEM_COLUMNS}
    parts: dict[str, pd.DataFrame] = {}
    for code, sla_id in enumerate(sla_ids):
        if sla_id is None:
            continue
        rows = np.flatnonzero(sla_codes == code)
        parts[str(sla_id)] = pd.DataFrame(
            {name: _take(values, rows) for name, values in columns.items()}
        )
    return parts


def _dictionary(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values as Python objects with None last, each row's index into them)."""
    encoded = pc.dictionary_encode(column).combine_chunks()
    values = np.empty(len(encoded.dictionary) + 1, dtype=object)
    values[:-1] = encoded.dictionary.to_pylist()
    values[-1] = None
    codes = encoded.indices.fill_null(len(encoded.dictionary)).to_numpy(zero_copy_only=False)
    return values, codes


def _column(table: pa.Table, name: str) -> Any:
    """One item column for all rows, in its `normalise_items` dtype."""
    rows = table.num_rows
    if name not in table.column_names or pa.types.is_null(table.column(name).type):
        if name in E.TIMESTAMP_COLUMNS:
            return pd.array(np.full(rows, np.datetime64("NaT", "ns")), dtype="datetime64[ns]").tz_localize("UTC")
        if name in E.FLOAT_COLUMNS:
            return np.full(rows, np.nan)
        if name == E.ATTEMPTS:
            return pd.array([None] * rows, dtype="Int64")
        if name == E.REACHED:
            return pd.array([None] * rows, dtype="boolean")
        if name == E.AT_RISK:
            return np.zeros(rows, dtype=bool)
        return np.full(rows, None, dtype=object)
    column = table.column(name)
    if name in E.TIMESTAMP_COLUMNS:
        return pd.Series(column.to_pandas()).astype("datetime64[ns, UTC]").array
    if name in E.FLOAT_COLUMNS:
        return column.cast(pa.float64()).to_numpy(zero_copy_only=False)
    if name == E.ATTEMPTS:
        return pd.array(column.to_pandas(), dtype="Int64")
    if name == E.REACHED:
        return pd.array(column.to_pylist(), dtype="boolean")
    if name == E.AT_RISK:
        return column.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
    if name in _DISTINCT_TEXT:  # nearly one value per row: nothing to share
        return column.to_numpy(zero_copy_only=False)
    values, codes = _dictionary(column)
    return values[codes]


# Text columns with (nearly) a different value on every row; the others repeat a few values.
_DISTINCT_TEXT = frozenset({E.ITEM_ID, E.LEAD_ID, E.DEAL_ID, E.STOP_ACTIVITY_ID})


def _take(values: Any, rows: np.ndarray) -> Any:
    if isinstance(values, np.ndarray):
        # dtype given: pandas would otherwise infer its own string dtype for Python strings.
        return pd.Series(values[rows], dtype=values.dtype, copy=False)
    return values.take(rows)


def decode_sla_items(blob: bytes, sla_id: str) -> pd.DataFrame:
    """One SLA's items: only its row groups are decoded (told apart by their sla_id statistics;
    a file without them is read whole)."""
    parquet = pq.ParquetFile(io.BytesIO(blob))
    column = parquet.schema_arrow.get_field_index(E.SLA_ID)
    groups = []
    for index in range(parquet.num_row_groups):
        group = parquet.metadata.row_group(index)
        stats = group.column(column).statistics
        if group.num_rows == 0:
            continue
        if stats is None or not stats.has_min_max or stats.min != stats.max:
            return decode_items(blob).get(sla_id, empty_items())
        if stats.min == sla_id:
            groups.append(index)
    if not groups:
        return empty_items()
    return _decode(parquet.read_row_groups(groups)).reset_index(drop=True)


def evaluation_from_cache(head: str, read_blob: Callable[[], bytes]) -> Evaluation:
    """The evaluation back from its head; `read_blob` is called the first time any SLA's items
    are read (and only once for all of them); each SLA's items are decoded when first read."""
    payload = json.loads(head)

    @cache
    def blob() -> bytes:
        return read_blob()

    @cache
    def decoded(sla_id: str) -> pd.DataFrame:
        return decode_sla_items(blob(), sla_id)

    def loader(entry: dict[str, Any], month: str) -> Callable[[], pd.DataFrame]:
        del month
        return lambda: decoded(entry["id"])

    return evaluation_from_json(payload, Evaluation, SlaResult, loader)
