"""The agreement itself (SPEC.md sections 2 and 3): the `[agreement]` table of the SLA file (when
the parties last reviewed it, how often they review it, who they are) and the per-person quota
key `per_owner_target` of a `lead_quota`. Parsed with the rest of the file by
`models.config.parse_config`; pure (today is a parameter, never read here)."""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

DEFAULT_REVIEW_EVERY_MONTHS = 18
DUE_SOON_DAYS = 30  # a review due within this many days is announced to admins and managers


@dataclass(frozen=True)
class Agreement:
    """`[agreement]`: `reviewed_on` None when the parties never recorded a review."""

    reviewed_on: date | None
    review_every_months: int = DEFAULT_REVIEW_EVERY_MONTHS
    parties: tuple[str, ...] = ()

    @property
    def next_review_due(self) -> date | None:
        if self.reviewed_on is None:
            return None
        return add_months(self.reviewed_on, self.review_every_months)


@dataclass(frozen=True)
class ReviewStatus:
    """Where the review cycle stands on `today`."""

    reviewed_on: date | None
    due_on: date | None
    days_left: int | None  # negative: overdue by that many days
    review_every_months: int

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def due_soon(self) -> bool:
        """Due within DUE_SOON_DAYS or overdue, or never reviewed: worth a banner."""
        return self.days_left is None or self.days_left <= DUE_SOON_DAYS

    def sentence(self) -> str:
        """What a person reads on the banner and in the report summary (plain text)."""
        if self.reviewed_on is None or self.due_on is None:
            return (
                "The SLA agreement has no recorded review: set [agreement] reviewed_on in the SLA "
                "file, or record a review (handoff agreement reviewed)."
            )
        last = f"last reviewed {self.reviewed_on.isoformat()}"
        assert self.days_left is not None
        if self.days_left < 0:
            return (
                f"The SLA agreement review is overdue by {-self.days_left} day(s): it was due "
                f"{self.due_on.isoformat()} ({last}, every {self.review_every_months} months)."
            )
        if self.days_left == 0:
            when = "today"
        else:
            when = f"in {self.days_left} day(s), on {self.due_on.isoformat()}"
        return (
            f"The SLA agreement review is due {when} ({last}, every "
            f"{self.review_every_months} months)."
        )


def add_months(day: date, months: int) -> date:
    """`day` moved on by whole months; a day the target month lacks (31 January + 1 month, 29
    February + 12 months) becomes that month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = month_calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def review_status(agreement: Agreement | None, today: date) -> ReviewStatus | None:
    """The review cycle on `today`; None when the SLA file has no `[agreement]`."""
    if agreement is None:
        return None
    due = agreement.next_review_due
    return ReviewStatus(
        reviewed_on=agreement.reviewed_on,
        due_on=due,
        days_left=None if due is None else (due - today).days,
        review_every_months=agreement.review_every_months,
    )


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def parse_agreement(raw: Any, problems: list[str]) -> Agreement | None:
    """`[agreement]` (absent: None); every problem appended as `agreement.key: message`."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        problems.append("agreement: expected a table ([agreement])")
        return None
    before = len(problems)
    reviewed = raw.get("reviewed_on")
    reviewed_on = None
    if reviewed is not None:
        reviewed_on = _as_date(reviewed)
        if reviewed_on is None:
            problems.append(
                f"agreement.reviewed_on: expected a date \"YYYY-MM-DD\", got {reviewed!r}"
            )
    every = raw.get("review_every_months", DEFAULT_REVIEW_EVERY_MONTHS)
    if isinstance(every, bool) or not isinstance(every, int) or not 1 <= every <= 120:
        problems.append(
            f"agreement.review_every_months: expected a whole number of months from 1 to 120 "
            f"(agreements are usually reviewed every 18-24), got {every!r}"
        )
    parties = raw.get("parties", [])
    if isinstance(parties, str):
        parties = [parties]
    if not isinstance(parties, list) or not all(isinstance(p, str) and p for p in parties):
        problems.append(
            "agreement.parties: expected a list of names like [\"Marketing\", \"Sales\"], "
            f"got {parties!r}"
        )
    if len(problems) != before:
        return None
    return Agreement(
        reviewed_on=reviewed_on, review_every_months=int(every), parties=tuple(parties)
    )


def parse_per_owner_target(spec: Mapping[str, Any], where: str, problems: list[str]) -> int | None:
    """`per_owner_target` of a `lead_quota`: each active receiving rep is owed this many leads a
    month (None when absent)."""
    value = spec.get("per_owner_target")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problems.append(
            f"{where}.per_owner_target: expected a whole number ≥ 1 (leads owed to each "
            f"receiving rep a month), got {value!r}"
        )
        return None
    return value
