"""The dashboard's formats: one way to write hours, percentages, months and stop reasons."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from reports.formats import fmt_hours, fmt_month, fmt_pct
from ui.theme import stop_reason_label
from ui.views import short_labels


@pytest.mark.parametrize(
    ("value", "text"),
    [(3.456, "3.5 h"), (0.0, "0.0 h"), (40, "40.0 h"), (None, "—"), (math.nan, "—")],
)
def test_business_hours_have_one_decimal_and_a_unit(value: float | None, text: str) -> None:
    assert fmt_hours(value) == text


@pytest.mark.parametrize(
    ("value", "text"), [(89.64, "89.6%"), (100.0, "100.0%"), (None, "—"), (math.nan, "—")]
)
def test_percentages_have_one_decimal(value: float | None, text: str) -> None:
    assert fmt_pct(value) == text


@pytest.mark.parametrize(
    ("month", "long", "text"),
    [("2026-10", False, "Oct 2026"), ("2026-01", True, "January 2026"), ("soon", False, "soon")],
)
def test_months_read_as_words(month: str, long: bool, text: str) -> None:
    assert fmt_month(month, long=long) == text


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        ("activity", "First contact"),
        ("window_end", "Window ended"),
        ("odd_one", "Odd one"),
        (None, None),
    ],
)
def test_stop_reasons_in_words(reason: str | None, text: str | None) -> None:
    assert stop_reason_label(reason) == text


def test_short_sla_labels_name_the_kind_and_the_id_only_when_kinds_repeat() -> None:
    slas = pd.DataFrame(
        {
            "sla_id": ["ft", "ft-emea", "svc"],
            "kind": ["first_touch", "first_touch", "service_first_contact"],
            "kind_label": ["First touch", "First touch", "Service first contact"],
        }
    )
    assert short_labels(slas) == [
        "First touch (ft)",
        "First touch (ft-emea)",
        "Service first contact",
    ]


@pytest.mark.parametrize(
    ("counts", "text"),
    [
        ({"met": 3, "breached": 0, "open": 37, "excluded": 0}, "provisional: 3 decided of 40"),
        ({"met": 15, "breached": 5, "open": 20, "excluded": 0}, "20 decided of 40"),
        # A month with nothing left open is final, however few items it had.
        ({"met": 2, "breached": 1, "open": 0, "excluded": 1}, "3 decided of 4"),
    ],
)
def test_compliance_says_how_many_items_it_rests_on(counts: dict[str, int], text: str) -> None:
    from reports.formats import fmt_decided

    assert fmt_decided(counts) == text


def test_counted_nouns_agree() -> None:
    from reports.formats import fmt_plural

    assert fmt_plural(1, "activity", "activities") == "1 activity"
    assert fmt_plural(2, "activity", "activities") == "2 activities"
    assert fmt_plural(1204, "lead") == "1,204 leads"
