"""New SLA versions against months already judged (issue 11: closed months stay as sent).

A version whose `effective_from` falls in a frozen month is refused: that month's report went
out under the old terms and its snapshot would disagree with the SLA file. One that reaches back
into earlier, unfrozen months needs an explicit confirmation, which names the months it will
judge again. Frozen months after it keep their snapshots until an explicit re-freeze.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from models.errors import BadInputError
from models.store import Store
from models.time.months import check_month


@dataclass(frozen=True)
class VersionImpact:
    """What a new SLA version effective from `effective_from` would do to months already judged:
    `frozen` are the frozen months from its month on (they keep their snapshots), `rejudged` the
    past, unfrozen months from its month up to `current_month` that it would judge again."""

    effective_from: date
    current_month: str
    frozen: list[str]
    rejudged: list[str]

    @property
    def month(self) -> str:
        return self.effective_from.strftime("%Y-%m")

    @property
    def in_frozen_month(self) -> bool:
        return self.month in self.frozen

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.rejudged)


def version_impact(store: Store, effective_from: date, current_month: str) -> VersionImpact:
    """Which months a new version effective from `effective_from` reaches back into."""
    check_month(current_month)
    month = effective_from.strftime("%Y-%m")
    frozen = [m for m in store.read_frozen_months() if m >= month]
    rejudged: list[str] = []
    if month < current_month:
        past = pd.period_range(month, current_month, freq="M")[:-1]
        rejudged = [str(p) for p in past if str(p) not in frozen]
    return VersionImpact(effective_from, current_month, frozen, rejudged)


def check_new_version(
    store: Store, sla_id: str, effective_from: date, current_month: str, *, confirmed: bool
) -> VersionImpact:
    """Refuse a new version of `sla_id` whose `effective_from` falls in a frozen month (its
    report was sent; the snapshot would disagree with the SLA file), and one reaching back into
    earlier, unfrozen months unless `confirmed` (they will be judged again). Returns the impact."""
    impact = version_impact(store, effective_from, current_month)
    if impact.in_frozen_month:
        raise BadInputError(
            f"{sla_id}: effective_from {effective_from.isoformat()} falls in {impact.month}, a "
            "frozen month (its verdicts were sent as they stand); choose a date after the last "
            f"frozen month ({impact.frozen[-1]}), or re-freeze that month explicitly first"
        )
    if impact.needs_confirmation and not confirmed:
        raise BadInputError(
            f"{sla_id}: effective_from {effective_from.isoformat()} reaches back into past months; "
            f"{', '.join(impact.rejudged)} will be judged again under the new version. Confirm "
            "to go ahead, or choose a date in the current month or later"
        )
    return impact
