"""Rollups of item verdicts: by SLA, month, team and owner; trends over months; who must act now.

Pure: item frames (columns of `models.engine.columns`) and evaluations in, DataFrames out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from models.engine import columns as E

if TYPE_CHECKING:
    from models.engine.results import Evaluation

ROLLUP_COLUMNS = (
    "items",
    E.MET,
    E.BREACHED,
    E.OPEN,
    E.EXCLUDED,
    "decided",
    "compliance_pct",
    "median_elapsed_business_minutes",
    "p90_elapsed_business_minutes",
    "average_attempts",
    "at_risk",
)


def rollup(items: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Per group of `by` (e.g. ["sla_id", "team_id"]): counts per state, compliance
    (100 × met / decided; NaN when nothing is decided), median and P90 elapsed business minutes
    of decided items, average attempts per decided item, and open items at risk."""
    by = list(by)
    if items.empty:
        return pd.DataFrame(columns=[*by, *ROLLUP_COLUMNS])
    frame = items.assign(
        **{state: (items[E.STATE] == state).astype(int) for state in E.STATES},
        _decided_elapsed=items[E.ELAPSED].where(items[E.STATE].isin((E.MET, E.BREACHED))),
        _decided_attempts=pd.to_numeric(items[E.ATTEMPTS], errors="coerce").where(
            items[E.STATE].isin((E.MET, E.BREACHED))
        ),
        _at_risk=items[E.AT_RISK].fillna(False).astype(bool).astype(int),
    )
    # Groups with a missing key (e.g. an owner with no team) are kept, labelled by NaN.
    grouped = frame.groupby(by, dropna=False, sort=True)
    out = grouped.agg(
        items=(E.STATE, "size"),
        met=(E.MET, "sum"),
        breached=(E.BREACHED, "sum"),
        open=(E.OPEN, "sum"),
        excluded=(E.EXCLUDED, "sum"),
        median_elapsed_business_minutes=("_decided_elapsed", "median"),
        p90_elapsed_business_minutes=("_decided_elapsed", lambda v: v.quantile(0.9)),
        average_attempts=("_decided_attempts", "mean"),
        at_risk=("_at_risk", "sum"),
    ).reset_index()
    out["decided"] = out[E.MET] + out[E.BREACHED]
    out["compliance_pct"] = (100.0 * out[E.MET] / out["decided"].replace(0, np.nan)).round(2)
    for name in (
        "median_elapsed_business_minutes",
        "p90_elapsed_business_minutes",
        "average_attempts",
    ):
        out[name] = out[name].round(2)
    return out[[*by, *ROLLUP_COLUMNS]]


def worst(items: pd.DataFrame, by: Sequence[str], n: int = 3, min_decided: int = 1) -> pd.DataFrame:
    """The `n` groups with the lowest compliance (then most breaches) among groups with at least
    `min_decided` decided items."""
    table = rollup(items, by)
    table = table[table["decided"] >= min_decided]
    return table.sort_values(["compliance_pct", E.BREACHED], ascending=[True, False]).head(n)


def at_risk(
    evaluation: Evaluation, limit: int | None = None, warn_at_pct: float | None = None
) -> pd.DataFrame:
    """Open items at risk of breaching, least business time left first: who must act now.

    At risk means elapsed business time has reached the SLA's `warn_at_pct` share of the target
    (75% unless the SLA file says otherwise); pass `warn_at_pct` to apply another share to all."""
    items = evaluation.items(explain=False)
    if items.empty:
        return items
    if warn_at_pct is None:
        flagged = items[E.AT_RISK].fillna(False).astype(bool)
    else:
        flagged = items[E.ELAPSED] >= warn_at_pct / 100.0 * items[E.TARGET]
    risky = items[flagged & (items[E.STATE] == E.OPEN)]
    risky = risky.sort_values([E.REMAINING, E.DUE_AT], kind="stable")
    if limit is not None:
        risky = risky.head(limit)
    columns = [
        E.SLA_ID, E.ITEM_ID, E.LEAD_ID, E.DEAL_ID, E.OWNER_ID, E.TEAM_ID, E.START, E.DUE_AT,
        E.ELAPSED, E.TARGET, E.REMAINING, E.ATTEMPTS, E.SEGMENT, E.EXPLANATION,
    ]  # fmt: skip
    # Sentences only for the rows returned.
    return evaluation.explain(risky)[columns].reset_index(drop=True)


def open_items(evaluation: Evaluation) -> pd.DataFrame:
    """Every open item with the business time it has left (at risk or not)."""
    items = evaluation.items(explain=False)
    return evaluation.explain(
        items[items[E.STATE] == E.OPEN]
        .sort_values(E.REMAINING, kind="stable")
        .reset_index(drop=True)
    )


def trend(evaluations: Sequence[Evaluation]) -> pd.DataFrame:
    """One row per month and SLA: compliance (attainment for quotas), counts, credit, met."""
    rows = []
    for evaluation in evaluations:
        for result in evaluation.slas:
            quota = result.quota or {}
            rows.append(
                {
                    "month": evaluation.month,
                    E.SLA_ID: result.sla_id,
                    E.KIND: result.kind,
                    "target_pct": result.target_pct,
                    "compliance_pct": result.compliance_pct,
                    "met": result.met,
                    E.MET: result.counts.get(E.MET),
                    E.BREACHED: result.counts.get(E.BREACHED),
                    E.OPEN: result.counts.get(E.OPEN),
                    E.EXCLUDED: result.counts.get(E.EXCLUDED),
                    "average_attempts": result.average_attempts,
                    "delivered": quota.get("delivered"),
                    "accepted": quota.get("accepted"),
                    "attainment_pct": quota.get("attainment_pct"),
                    "credit": result.credit,
                    "frozen": evaluation.frozen is not None,
                }
            )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    return table.sort_values([E.SLA_ID, "month"], kind="stable").reset_index(drop=True)


def credits(evaluations: Sequence[Evaluation]) -> pd.DataFrame:
    """Service credits per month for the SLAs that define credit bands."""
    table = trend(evaluations)
    if table.empty:
        return table
    table = table[table["credit"].notna()]
    return table[["month", E.SLA_ID, "compliance_pct", "target_pct", "credit"]].reset_index(
        drop=True
    )
