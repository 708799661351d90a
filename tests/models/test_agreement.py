"""The review cycle of the agreement (SPEC.md section 2, `[agreement]`): when the next review is
due across month ends and leap years, when it is announced, and bad keys named."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from engine_builders import BASE_SLA_FILE

from models.config import ConfigError, parse_config
from models.config_agreement import Agreement, add_months, review_status


@pytest.mark.parametrize(
    ("reviewed", "months", "due"),
    [
        (date(2025, 7, 1), 18, date(2027, 1, 1)),
        (date(2025, 1, 15), 18, date(2026, 7, 15)),
        (date(2025, 8, 31), 18, date(2027, 2, 28)),  # no 31 February: the month's last day
        (date(2026, 8, 31), 18, date(2028, 2, 29)),  # 2028 is a leap year
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # a leap day a year on
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 10, 31), 1, date(2025, 11, 30)),
        (date(2025, 12, 15), 24, date(2027, 12, 15)),  # across the year end
        (date(2025, 3, 31), 11, date(2026, 2, 28)),
    ],
)
def test_next_review_due(reviewed: date, months: int, due: date) -> None:
    assert add_months(reviewed, months) == due
    assert Agreement(reviewed_on=reviewed, review_every_months=months).next_review_due == due


@pytest.mark.parametrize(
    ("today", "days_left", "due_soon", "overdue", "words"),
    [
        (date(2026, 11, 30), 32, False, False, "due in 32 day(s), on 2027-01-01"),
        (date(2026, 12, 2), 30, True, False, "due in 30 day(s), on 2027-01-01"),
        (date(2027, 1, 1), 0, True, False, "due today"),
        (date(2027, 1, 11), -10, True, True, "overdue by 10 day(s): it was due 2027-01-01"),
    ],
)
def test_review_status_on_a_day(
    today: date, days_left: int, due_soon: bool, overdue: bool, words: str
) -> None:
    status = review_status(Agreement(date(2025, 7, 1), 18, ("Marketing", "Sales")), today)
    assert status is not None
    assert (status.days_left, status.due_soon, status.overdue) == (days_left, due_soon, overdue)
    assert words in status.sentence()
    assert "last reviewed 2025-07-01, every 18 months" in status.sentence()


def test_never_reviewed_is_worth_a_banner_and_no_agreement_is_none() -> None:
    status = review_status(Agreement(None), date(2026, 12, 1))
    assert status is not None and status.due_soon and "no recorded review" in status.sentence()
    assert review_status(None, date(2026, 12, 1)) is None


def _parsed(agreement: Any) -> Any:
    return parse_config({**BASE_SLA_FILE, "agreement": agreement}, "test.toml").agreement


def test_agreement_is_parsed_with_defaults() -> None:
    agreement = _parsed({"reviewed_on": date(2026, 1, 15), "parties": ["Marketing", "Sales"]})
    assert agreement == Agreement(date(2026, 1, 15), 18, ("Marketing", "Sales"))
    assert _parsed({"reviewed_on": "2026-01-15", "review_every_months": 24}).review_every_months == 24
    assert parse_config(BASE_SLA_FILE, "test.toml").agreement is None


@pytest.mark.parametrize(
    ("agreement", "message"),
    [
        ({"reviewed_on": "15/01/2026"}, "agreement.reviewed_on: expected a date"),
        ({"review_every_months": 0}, "agreement.review_every_months: expected a whole number"),
        ({"review_every_months": "18"}, "agreement.review_every_months: expected a whole number"),
        ({"parties": [1, 2]}, "agreement.parties: expected a list of names"),
        ("yes", "agreement: expected a table"),
    ],
)
def test_bad_agreement_keys_are_named(agreement: Any, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _parsed(agreement)
    assert any(message in problem for problem in caught.value.problems), caught.value.problems
