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

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from models.engine import columns as E
from models.engine.results import Evaluation, SlaResult, empty_items
from models.engine.serialise import evaluation_from_json, normalise_items

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
    return normalise_items(table.to_pandas())


def decode_items(blob: bytes) -> dict[str, pd.DataFrame]:
    """The items of each SLA id, as `items_blob` kept them."""
    items = _decode(pq.read_table(io.BytesIO(blob)))
    return {
        str(sla_id): part.reset_index(drop=True)
        for sla_id, part in items.groupby(E.SLA_ID, sort=False)
    }


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
