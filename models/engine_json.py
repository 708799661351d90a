"""Evaluations as JSON (SPEC.md section 5) and back (frozen snapshots).

Numbers are JSON numbers, times ISO 8601 with an offset (`+00:00`), missing values null.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from models import engine_columns as E

if TYPE_CHECKING:
    from models.engine import Evaluation, SlaResult

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


def items_to_records(items: pd.DataFrame) -> list[dict[str, Any]]:
    """Item rows as JSON-ready dicts (numbers rounded to 0.01 minute)."""
    if items.empty:
        return []
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
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]


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
    from models.engine import empty_items

    if not records:
        return empty_items()
    items = pd.DataFrame.from_records(records)
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
    items = items[list(E.ITEM_COLUMNS)].copy()
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
            items[name] = values.astype(object).where(values.notna(), None)
    return items.reset_index(drop=True)


_QUOTA_KEYS = E.QUOTA_KEYS


def evaluation_from_json(
    payload: dict[str, Any], evaluation_cls: type[Evaluation], result_cls: type[SlaResult]
) -> Evaluation:
    """Inverse of `evaluation_to_json` (with items)."""
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
                items=items_from_records(entry.get("items", []), entry["id"], entry["kind"], month),
                counts=dict(entry.get("counts", {})),
                compliance_pct=entry.get("compliance_pct"),
                met=entry.get("met"),
                average_attempts=entry.get("average_attempts"),
                min_attempts=entry.get("min_attempts"),
                quota=quota,
                credit=entry.get("credit"),
                credit_bands=list(entry.get("credit_bands", [])),
                warn_at_pct=entry.get("warn_at_pct"),
            )
        )
    return evaluation_cls(
        month=month,
        as_of=datetime.fromisoformat(payload["as_of"]),
        team_id=payload.get("team_id"),
        slas=slas,
        frozen=payload.get("frozen"),
    )
