"""An SLA's headline figures from its item verdicts: counts, compliance, attempts, credit.

Shared by the engine and by team-filtered snapshots, so a frozen month re-summarised for one team
uses exactly the rules of a live one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from models.config import SlaDef
from models.engine import columns as E
from models.engine.results import SlaResult


def counts_of(items: pd.DataFrame) -> dict[str, int]:
    """Items per state (met, breached, open, excluded), zeros included."""
    found = items[E.STATE].value_counts() if not items.empty else pd.Series(dtype=int)
    return {state: int(found.get(state, 0)) for state in E.STATES}


def compliance_of(counts: dict[str, int]) -> float | None:
    """100 × met / (met + breached); None when nothing is decided yet."""
    decided = counts[E.MET] + counts[E.BREACHED]
    return round(100.0 * counts[E.MET] / decided, 2) if decided else None


def average_attempts_of(items: pd.DataFrame) -> float | None:
    """Mean attempts per decided (met or breached) item."""
    if items.empty:
        return None
    decided = items[items[E.STATE].isin((E.MET, E.BREACHED))]
    values = pd.to_numeric(decided[E.ATTEMPTS], errors="coerce").dropna()
    return round(float(values.mean()), 2) if len(values) else None


def credit_for(value: float | None, bands: Sequence[dict[str, Any]]) -> float | None:
    """The service credit a month earns: the largest credit among the bands whose `below_pct`
    the value is under (0 when above all of them); None without bands or without a value."""
    if not bands or value is None:
        return None
    earned = [float(b["credit"]) for b in bands if value < float(b["below_pct"])]
    return max(earned) if earned else 0.0


def summarise(head: SlaDef, versions: Sequence[SlaDef], items: pd.DataFrame) -> SlaResult:
    """The SlaResult of a per-item SLA from its items."""
    bands = [{"below_pct": b.below_pct, "credit": b.credit} for b in head.credits]
    used = sorted(set(items[E.SLA_VERSION].dropna())) if not items.empty else []
    result = SlaResult(
        sla_id=head.id,
        kind=head.kind,
        provider=head.provider,
        name=head.name,
        target_pct=head.target_pct,
        versions=used or [head.effective_from.isoformat()],
        items=items,
        counts={},
        compliance_pct=None,
        met=None,
        min_attempts=head.min_attempts,
        credit_bands=bands,
        warn_at_pct=head.warn_at_pct,
    )
    return resummarise(result, items)


def resummarise(result: SlaResult, items: pd.DataFrame) -> SlaResult:
    """The same SLA with `items` (e.g. one team's) and figures recomputed from them."""
    from dataclasses import replace

    counts = counts_of(items)
    compliance = compliance_of(counts)
    return replace(
        result,
        items=items,
        counts=counts,
        compliance_pct=compliance,
        met=None if compliance is None else compliance >= result.target_pct,
        average_attempts=average_attempts_of(items)
        if result.kind == "follow_up_attempts"
        else None,
        credit=credit_for(compliance, result.credit_bands),
        known_at_risk=None,  # counted again from `items` when asked
    )
