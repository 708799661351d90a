"""The engine's results: `SlaResult` (one SLA's verdicts for a month) and `Evaluation` (every
SLA's, at one instant). A leaf of the engine: every other engine module may import it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from models.config import PER_ITEM_KINDS
from models.engine import columns as E
from models.engine.lazy import Explainer, LazyItems
from models.engine.serialise import (
    empty_items,
    evaluation_from_json,
    evaluation_to_json,
    sla_to_json,
)

__all__ = ["Evaluation", "SlaResult", "empty_items"]


@dataclass
class SlaResult:
    """One SLA's verdicts for one month.

    `items` may be given as a frame or as a zero-argument loader; reading `items` runs the
    `explainer` once (explanations are costly and most readers never need them), `lean_items`
    does not. `known_at_risk` is the at-risk count when it is known without the items (a frozen
    snapshot's headline)."""

    sla_id: str
    kind: str
    provider: str
    name: str
    target_pct: float
    versions: list[str]
    counts: dict[str, int]
    compliance_pct: float | None
    met: bool | None
    # Required: the descriptor has no class-level value, so dataclasses see no default.
    items: LazyItems = LazyItems()
    average_attempts: float | None = None
    min_attempts: int | None = None
    quota: dict[str, Any] | None = None
    credit: float | None = None
    credit_bands: list[dict[str, float]] = field(default_factory=list)
    warn_at_pct: float | None = None
    explainer: Explainer | None = field(default=None, repr=False, compare=False)
    known_at_risk: int | None = field(default=None, repr=False, compare=False)

    @property
    def lean_items(self) -> pd.DataFrame:
        """The items as they are, without writing explanations (the column may hold None)."""
        return _ITEMS.lean(self)

    def __getstate__(self) -> dict[str, Any]:
        # A loader (a frozen month's items, read from the database when first needed) does not
        # pickle; the decoded frame does.
        _ITEMS.lean(self)
        return dict(self.__dict__)

    @property
    def at_risk_count(self) -> int:
        if self.known_at_risk is not None:
            return self.known_at_risk
        items = self.lean_items
        if items.empty:
            return 0
        return int(items[E.AT_RISK].fillna(False).astype(bool).sum())

    def to_json(self, *, with_items: bool = True) -> dict[str, Any]:
        """SPEC.md section 5 shape of one SLA (plus extras)."""
        return sla_to_json(self, with_items=with_items)


_ITEMS: LazyItems = SlaResult.__dict__["items"]


@dataclass
class Evaluation:
    """Every SLA's verdicts for one month at one instant; `frozen` describes a snapshot."""

    month: str
    as_of: datetime
    team_id: str | None
    slas: list[SlaResult]
    frozen: dict[str, Any] | None = None

    def sla(self, sla_id: str) -> SlaResult:
        for result in self.slas:
            if result.sla_id == sla_id:
                return result
        raise KeyError(
            f"no SLA {sla_id!r} in this evaluation (have: {[s.sla_id for s in self.slas]})"
        )

    def items(self, kind: str | None = None, *, explain: bool = True) -> pd.DataFrame:
        """All items of all per-item SLAs (optionally of one kind), with an `sla_id` column.
        `explain=False` skips writing the explanation sentences (the column may hold None)."""
        frames = [
            s.items if explain else s.lean_items
            for s in self.slas
            if s.kind in PER_ITEM_KINDS and (kind is None or s.kind == kind)
        ]
        frames = [f for f in frames if not f.empty]
        if not frames:
            return empty_items()
        return pd.concat(frames, ignore_index=True)

    def explain(self, items: pd.DataFrame) -> pd.DataFrame:
        """`items` (some rows of this evaluation, e.g. one rep's or one lead's) with their missing
        explanations written: far cheaper than `items()` when only a few rows are shown."""
        if items.empty or not items[E.EXPLANATION].isna().any():
            return items
        out = items.copy()
        for result in self.slas:
            mine = (items[E.SLA_ID] == result.sla_id) & items[E.EXPLANATION].isna()
            if result.explainer is not None and mine.any():
                written = result.explainer(items[mine])
                out.loc[mine, E.EXPLANATION] = written[E.EXPLANATION].to_numpy()
        return out

    def to_json(self, *, with_items: bool = True) -> dict[str, Any]:
        """SPEC.md section 5: month, as_of, slas (with counts and items), plus extras."""
        return evaluation_to_json(self, with_items=with_items)

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> Evaluation:
        """Rebuild an evaluation from `to_json()` output (frozen snapshots)."""
        return evaluation_from_json(payload, cls, SlaResult)
