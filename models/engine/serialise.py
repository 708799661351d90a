"""Evaluations as JSON (SPEC.md section 5) and back, and frozen snapshots as stored.

Numbers are JSON numbers, times ISO 8601 with an offset (`+00:00`), missing values null.

A snapshot is stored as two lines: the evaluation's JSON without items (with `snapshot_format`),
then each SLA's items column by column, as JSON compressed with zlib in base64, one such text per
SLA in a small JSON object (a month of 100k leads is ~110 MB of JSON, ~16 MB so). Reading a
frozen month's headline parses the first line only; an SLA's items are decoded when first read,
and only that SLA's (the friction report reads only last month's new customers, ~4% of its
items). Older snapshots are still read: format 2 (every SLA's items compressed together) and
before it one JSON document with items as records, their items also decoded on first read.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from models.engine import columns as E

if TYPE_CHECKING:
    from models.engine.results import Evaluation, SlaResult

# Columns an item carries in JSON: the SLA id, kind and month are the enclosing object's.
JSON_ITEM_COLUMNS = tuple(c for c in E.ITEM_COLUMNS if c not in (E.SLA_ID, E.KIND, E.MONTH))


def iso_instants(values: pd.Series) -> pd.Series:
    """Aware timestamps -> "YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00" strings (None for NaT)."""
    utc = pd.to_datetime(values, utc=True)
    text = utc.dt.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = utc.dt.microsecond != 0
    text = text.where(~fraction, text + "." + utc.dt.strftime("%f"))
    text = text + "+00:00"
    return text.astype(object).where(utc.notna(), None)


def _json_columns(items: pd.DataFrame) -> pd.DataFrame:
    """The JSON item columns as Python values: ISO strings, numbers rounded to 0.01 minute,
    ints, bools, text, and None for missing."""
    frame = pd.DataFrame(index=items.index)
    for name in JSON_ITEM_COLUMNS:
        values = items[name] if name in items.columns else pd.Series(None, index=items.index)
        if name in E.TIMESTAMP_COLUMNS:
            frame[name] = iso_instants(values)
        elif name in E.FLOAT_COLUMNS:
            numbers = pd.to_numeric(values, errors="coerce").round(2)
            frame[name] = numbers.astype(object).where(numbers.notna(), None)
        elif name == E.ATTEMPTS:
            numbers = pd.to_numeric(values, errors="coerce")
            frame[name] = (
                numbers.astype(object)
                .where(numbers.notna(), None)
                .map(lambda v: None if v is None else int(v))
            )
        elif name in (E.AT_RISK, E.REACHED):
            frame[name] = (
                values.astype(object)
                .where(values.notna(), None)
                .map(lambda v: None if v is None else bool(v))
            )
        else:
            frame[name] = values.astype(object).where(values.notna(), None)
    return frame


def items_to_records(items: pd.DataFrame) -> list[dict[str, Any]]:
    """Item rows as JSON-ready dicts (numbers rounded to 0.01 minute)."""
    if items.empty:
        return []
    frame = _json_columns(items)
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]


def items_to_columns(items: pd.DataFrame) -> dict[str, list[Any]]:
    """The same values as `items_to_records`, one list per column (compact and fast to read)."""
    if items.empty:
        return {}
    return {str(name): values.tolist() for name, values in _json_columns(items).items()}


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def sla_to_json(result: SlaResult, *, with_items: bool = True) -> dict[str, Any]:
    """One SLA object of SPEC.md section 5 (required keys first, extras after)."""
    out: dict[str, Any] = {
        "id": result.sla_id,
        "kind": result.kind,
        "provider": result.provider,
        "name": result.name,
        "target_pct": float(result.target_pct),
        "compliance_pct": result.compliance_pct,
        "met": result.met,
        "versions": list(result.versions),
        "credit": result.credit,
        "credit_bands": list(result.credit_bands),
    }
    if result.quota is not None:
        out.update({key: _plain(value) for key, value in result.quota.items()})
        return out
    out["counts"] = dict(result.counts)
    out["at_risk"] = result.at_risk_count
    out["warn_at_pct"] = result.warn_at_pct
    if result.kind == "follow_up_attempts":
        out["average_attempts"] = result.average_attempts
        out["min_attempts"] = result.min_attempts
    if with_items:
        out["items"] = items_to_records(result.items)
    return out


def evaluation_to_json(evaluation: Evaluation, *, with_items: bool = True) -> dict[str, Any]:
    """The whole evaluation, SPEC.md section 5 shape plus `team_id` and `frozen`."""
    as_of = pd.Timestamp(evaluation.as_of).tz_convert("UTC").isoformat()
    return {
        "month": evaluation.month,
        "as_of": as_of,
        "team_id": evaluation.team_id,
        "frozen": evaluation.frozen,
        "slas": [s.to_json(with_items=with_items) for s in evaluation.slas],
    }


def items_from_records(
    records: list[dict[str, Any]], sla_id: str, kind: str, month: str
) -> pd.DataFrame:
    """Item rows back into an items frame with the engine's dtypes."""
    if not records:
        return empty_items()
    return _items_frame(pd.DataFrame.from_records(records), sla_id, kind, month)


def items_from_columns(
    columns: dict[str, list[Any]], sla_id: str, kind: str, month: str
) -> pd.DataFrame:
    """Inverse of `items_to_columns`: the same frame `items_from_records` gives."""
    if not columns or not any(columns.values()):
        return empty_items()
    # Object columns: letting pandas infer Arrow strings for text costs more than the rest.
    frame = pd.DataFrame(
        {name: pd.Series(values, dtype=object) for name, values in columns.items()}
    )
    return _items_frame(frame, sla_id, kind, month)


def _items_frame(items: pd.DataFrame, sla_id: str, kind: str, month: str) -> pd.DataFrame:
    items[E.SLA_ID] = sla_id
    items[E.KIND] = kind
    items[E.MONTH] = month
    for name in E.ITEM_COLUMNS:
        if name not in items.columns:
            items[name] = None
    for name in E.TIMESTAMP_COLUMNS:
        items[name] = pd.to_datetime(items[name], utc=True, format="ISO8601")
    return normalise_items(items)


def normalise_items(items: pd.DataFrame) -> pd.DataFrame:
    """The item columns in order with one dtype each: ns UTC instants, floats, nullable ints and
    booleans, and Python objects (None for missing) for text, live or rebuilt from JSON alike."""
    items = items[list(E.ITEM_COLUMNS)]  # a new frame (copy-on-write: the input is never changed)
    for name in E.ITEM_COLUMNS:
        values = items[name]
        if name in E.TIMESTAMP_COLUMNS:
            items[name] = values.astype("datetime64[ns, UTC]")
        elif name in E.FLOAT_COLUMNS:
            items[name] = pd.to_numeric(values, errors="coerce").astype(float)
        elif name == E.ATTEMPTS:
            items[name] = pd.array(pd.to_numeric(values, errors="coerce").to_numpy(), dtype="Int64")
        elif name == E.REACHED:
            items[name] = pd.array(
                values.astype(object).where(values.notna(), None).to_numpy(), dtype="boolean"
            )
        elif name == E.AT_RISK:
            items[name] = values.astype(object).where(values.notna(), False).astype(bool)
        else:
            items[name] = _objects_or_none(values)
    return items.reset_index(drop=True)


def empty_items() -> pd.DataFrame:
    """An items frame with every column and no row (a copy: callers may add to it)."""
    return _empty_items().copy()


@cache
def _empty_items() -> pd.DataFrame:
    # Normalising dozens of columns costs ~70 ms even with no rows; every quota asks for one.
    return normalise_items(
        pd.DataFrame({name: pd.Series([], dtype=object) for name in E.ITEM_COLUMNS})
    )


def _objects_or_none(values: pd.Series) -> pd.Series:
    """An object column with None for every missing value (NaN, NaT, NA), via numpy: the same
    as `values.astype(object).where(values.notna(), None)`, at a fraction of the cost."""
    array = values.to_numpy(dtype=object)
    missing = pd.isna(array)
    if missing.any():
        array = array.copy()
        array[missing] = None
    return pd.Series(array, index=values.index, dtype=object)


_QUOTA_KEYS = E.QUOTA_KEYS


def _records_loader(entry: dict[str, Any], month: str) -> Callable[[], pd.DataFrame]:
    records = entry.get("items", [])
    return lambda: items_from_records(records, entry["id"], entry["kind"], month)


def evaluation_from_json(
    payload: dict[str, Any],
    evaluation_cls: type[Evaluation],
    result_cls: type[SlaResult],
    items_of: Callable[[dict[str, Any], str], Callable[[], pd.DataFrame]] = _records_loader,
) -> Evaluation:
    """Inverse of `evaluation_to_json` (with items). Each SLA's items are decoded when first
    read, by the loader `items_of(entry, month)` makes (by default from the entry's records)."""
    month = payload["month"]
    slas = []
    for entry in payload["slas"]:
        quota = {k: entry.get(k) for k in _QUOTA_KEYS} if entry["kind"] == "lead_quota" else None
        slas.append(
            result_cls(
                sla_id=entry["id"],
                kind=entry["kind"],
                provider=entry["provider"],
                name=entry.get("name", entry["id"]),
                target_pct=float(entry["target_pct"]),
                versions=list(entry.get("versions", [])),
                items=items_of(entry, month) if quota is None else _no_items(),
                counts=dict(entry.get("counts", {})),
                compliance_pct=entry.get("compliance_pct"),
                met=entry.get("met"),
                average_attempts=entry.get("average_attempts"),
                min_attempts=entry.get("min_attempts"),
                quota=quota,
                credit=entry.get("credit"),
                credit_bands=list(entry.get("credit_bands", [])),
                warn_at_pct=entry.get("warn_at_pct"),
                known_at_risk=entry.get("at_risk"),
            )
        )
    return evaluation_cls(
        month=month,
        as_of=datetime.fromisoformat(payload["as_of"]),
        team_id=payload.get("team_id"),
        slas=slas,
        frozen=payload.get("frozen"),
    )


def _no_items() -> pd.DataFrame:
    return empty_items()


SNAPSHOT_FORMAT = 3
_ZLIB_LEVEL = 3  # freezing is rare; reading is what must be quick (level barely changes that)


def _pack(value: Any) -> str:
    return base64.b64encode(
        zlib.compress(json.dumps(value, default=str).encode("utf-8"), _ZLIB_LEVEL)
    ).decode("ascii")


def snapshot_text(evaluation: Evaluation) -> str:
    """A frozen month as stored: line 1 the evaluation's JSON without items (plus
    `snapshot_format`), line 2 each per-item SLA's items column by column (explanations
    included), compressed SLA by SLA: {sla_id: packed columns}. JSON escapes line breaks inside
    strings, so line 1 is one line."""
    head = evaluation.to_json(with_items=False)
    head["snapshot_format"] = SNAPSHOT_FORMAT
    parts = {
        s.sla_id: _pack(items_to_columns(s.items)) for s in evaluation.slas if s.quota is None
    }
    return json.dumps(head, default=str) + "\n" + json.dumps(parts)


def _unpack(rest: str) -> str:
    # Plain JSON (starts with "{") is accepted too: snapshot_format 2 before compression.
    if rest.startswith("{"):
        return rest
    return zlib.decompress(base64.b64decode(rest)).decode("utf-8")


def evaluation_from_snapshot(
    head: str,
    read_rest: Callable[[], str],
    evaluation_cls: type[Evaluation],
    result_cls: type[SlaResult],
) -> Evaluation:
    """A snapshot back from its first line (`head`); `read_rest` returns the second line and is
    called only when some SLA's items are first read. A head without `snapshot_format` is an
    older snapshot: the whole payload, items as records."""
    payload = json.loads(head)
    if "snapshot_format" not in payload:
        return evaluation_from_json(payload, evaluation_cls, result_cls)

    per_sla = payload["snapshot_format"] >= 3

    @cache
    def stored() -> dict[str, Any]:  # read and parsed once, for every SLA of the month
        # Format 3: each SLA's packed items; format 2: every SLA's columns, packed together.
        parsed: dict[str, Any] = json.loads(read_rest() if per_sla else _unpack(read_rest()))
        return parsed

    def columns_of(sla_id: str) -> dict[str, Any]:
        if not per_sla:
            found: dict[str, Any] = stored().get(sla_id, {})
            return found
        packed = stored().get(sla_id)
        return json.loads(_unpack(packed)) if packed else {}

    def loader(entry: dict[str, Any], month: str) -> Callable[[], pd.DataFrame]:
        return lambda: items_from_columns(
            columns_of(entry["id"]), entry["id"], entry["kind"], month
        )

    return evaluation_from_json(payload, evaluation_cls, result_cls, loader)
