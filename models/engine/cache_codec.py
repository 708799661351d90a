"""How a month's verdicts are kept in the verdict cache (pure): the head, the evaluation's JSON
without items (what headline figures need), and the items of every per-item SLA as one Parquet
file, read only when something needs the items. Parquet, not JSON: the current month's ~250k
items at 100k leads decode in a fraction of the time JSON takes, with their types kept."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from functools import cache
from typing import Any

import pandas as pd

from models.engine import columns as E
from models.engine.results import Evaluation, SlaResult, empty_items
from models.engine.serialise import evaluation_from_json, normalise_items

CODEC_FORMAT = 1  # part of the cache key: a row written by another format is never read


def head_text(evaluation: Evaluation) -> str:
    """The evaluation's JSON without items (SPEC.md section 5 shape): every headline figure."""
    return json.dumps(evaluation.to_json(with_items=False), default=str)


def items_blob(evaluation: Evaluation) -> bytes:
    """Every per-item SLA's items (lean: explanations are written when read) as Parquet."""
    frames = [s.lean_items for s in evaluation.slas if s.quota is None]
    frames = [f for f in frames if not f.empty]
    items = pd.concat(frames, ignore_index=True) if frames else empty_items()
    items = items.assign(**{E.EXPLANATION: None})
    buffer = io.BytesIO()
    items.to_parquet(buffer, index=False, compression="zstd")
    return buffer.getvalue()


def decode_items(blob: bytes) -> dict[str, pd.DataFrame]:
    """The items of each SLA id, as `items_blob` kept them."""
    items = normalise_items(pd.read_parquet(io.BytesIO(blob)))
    return {
        str(sla_id): part.reset_index(drop=True)
        for sla_id, part in items.groupby(E.SLA_ID, sort=False)
    }


def evaluation_from_cache(head: str, read_blob: Callable[[], bytes]) -> Evaluation:
    """The evaluation back from its head; `read_blob` is called the first time any SLA's items
    are read (and only once for all of them)."""
    payload = json.loads(head)

    @cache
    def decoded() -> dict[str, pd.DataFrame]:
        return decode_items(read_blob())

    def loader(entry: dict[str, Any], month: str) -> Callable[[], pd.DataFrame]:
        del month
        return lambda: decoded().get(entry["id"], empty_items())

    return evaluation_from_json(payload, Evaluation, SlaResult, loader)
