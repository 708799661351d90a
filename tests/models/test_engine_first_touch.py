"""first_touch and service_first_contact clocks (SPEC.md section 3), one rule per case.

Calendar `ny`: 09:00-17:00 Mon-Fri, New York time; 2026-10-05 is a Monday; target 4h = 240 min.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from engine_builders import act, data, deal, item, lead, run, t

MON = "2026-10-05"
LATE = "2026-11-05 00:00"

FIRST_TOUCH_CASES: list[tuple[str, dict[str, Any], list[dict[str, Any]], str, dict[str, Any]]] = [
    (
        "call within target is met",
        {},
        [act("L", f"{MON} 11:00")],
        LATE,
        {
            "state": "met",
            "elapsed_business_minutes": 120.0,
            "stop_reason": "activity",
            "stop": t(f"{MON} 11:00"),
        },
    ),
    (
        "contact exactly at the target is met",
        {},
        [act("L", f"{MON} 13:00")],
        LATE,
        {"state": "met", "elapsed_business_minutes": 240.0},
    ),
    (
        "one minute late is breached",
        {},
        [act("L", f"{MON} 13:01", "email")],
        LATE,
        {"state": "breached", "elapsed_business_minutes": 241.0, "breached_at": t(f"{MON} 13:00")},
    ),
    (
        "the first contact wins over later ones",
        {},
        [act("L", f"{MON} 15:00"), act("L", f"{MON} 10:00", "email")],
        LATE,
        {"state": "met", "elapsed_business_minutes": 60.0, "stop_activity_type": "email"},
    ),
    (
        "start is assigned_at; contacts before it do not stop the clock",
        {"assigned": f"{MON} 10:00"},
        [act("L", f"{MON} 09:30"), act("L", f"{MON} 15:00")],
        LATE,
        {
            "state": "breached",
            "elapsed_business_minutes": 300.0,
            "start": t(f"{MON} 10:00"),
            "routing_delay_minutes": 60.0,
            "routing_delay_business_minutes": 60.0,
        },
    ),
    (
        "a contact exactly at the start counts (zero time)",
        {"assigned": f"{MON} 10:00"},
        [act("L", f"{MON} 10:00")],
        LATE,
        {"state": "met", "elapsed_business_minutes": 0.0},
    ),
    (
        "rejection before the clock started stops it at the start",
        {"assigned": f"{MON} 10:00", "rejected": f"{MON} 09:30"},
        [],
        LATE,
        {
            "state": "met",
            "elapsed_business_minutes": 0.0,
            "stop_reason": "rejection",
            "stop": t(f"{MON} 10:00"),
        },
    ),
    (
        "rejection before the first contact stops the clock",
        {"rejected": f"{MON} 10:00"},
        [act("L", f"{MON} 11:00")],
        LATE,
        {"state": "met", "elapsed_business_minutes": 60.0, "stop_reason": "rejection"},
    ),
    (
        "a late rejection is still a stop, and late",
        {"rejected": f"{MON} 16:00"},
        [],
        LATE,
        {"state": "breached", "elapsed_business_minutes": 420.0, "stop_reason": "rejection"},
    ),
    (
        "inbound calls and emails do not count",
        {},
        [
            act("L", f"{MON} 10:00", direction="inbound"),
            act("L", f"{MON} 10:30", "email", direction="inbound"),
            act("L", f"{MON} 14:00", "email"),
        ],
        LATE,
        {"state": "breached", "elapsed_business_minutes": 300.0},
    ),
    (
        "a call without a direction is not outbound",
        {},
        [act("L", f"{MON} 10:00", direction=None)],
        LATE,
        {"state": "breached", "stop_reason": None},
    ),
    (
        "notes and tasks do not count",
        {},
        [act("L", f"{MON} 10:00", "note"), act("L", f"{MON} 10:05", "task")],
        LATE,
        {"state": "breached", "stop_reason": None},
    ),
    (
        "a meeting counts (meetings are outbound unless marked inbound)",
        {},
        [act("L", f"{MON} 12:00", "meeting", direction=None)],
        LATE,
        {"state": "met", "elapsed_business_minutes": 180.0, "stop_activity_type": "meeting"},
    ),
    (
        "touches by marketing or service owners do not count",
        {},
        [
            act("L", f"{MON} 10:00", owner="mkt"),
            act("L", f"{MON} 10:10", owner="csm"),
            act("L", f"{MON} 11:00", owner="rep2"),
        ],
        LATE,
        {"state": "met", "elapsed_business_minutes": 120.0},
    ),
    (
        "events after as_of are not known yet: open",
        {},
        [act("L", f"{MON} 11:00")],
        f"{MON} 10:30",
        {
            "state": "open",
            "elapsed_business_minutes": 90.0,
            "remaining_business_minutes": 150.0,
            "at_risk": False,
            "stop": None,
            "due_at": t(f"{MON} 13:00"),
        },
    ),
    (
        "open past the warning share is at risk",
        {},
        [],
        f"{MON} 12:00",
        {
            "state": "open",
            "elapsed_business_minutes": 180.0,
            "at_risk": True,
            "remaining_business_minutes": 60.0,
        },
    ),
    (
        "no stop and past the target is breached",
        {},
        [],
        f"{MON} 13:30",
        {"state": "breached", "elapsed_business_minutes": 270.0, "breached_at": t(f"{MON} 13:00")},
    ),
    (
        "a rejection after as_of is not known yet",
        {"rejected": f"{MON} 10:00"},
        [],
        f"{MON} 09:30",
        {"state": "open", "elapsed_business_minutes": 30.0},
    ),
    (
        "an assignment after as_of is not known yet: the clock runs from the handoff",
        {"assigned": f"{MON} 11:00"},
        [],
        f"{MON} 10:00",
        {"state": "open", "start": t(f"{MON} 09:00"), "elapsed_business_minutes": 60.0},
    ),
    (
        "nights and weekends are not business time",
        {"handed": "2026-10-09 16:00"},
        [act("L", "2026-10-12 10:00")],
        LATE,
        {"state": "met", "elapsed_business_minutes": 120.0},
    ),
    (
        "time zones: the instant is what counts",
        {},
        [act("L", "2026-10-05T15:00:00+00:00")],
        LATE,
        {"state": "met", "elapsed_business_minutes": 120.0},
    ),
]


def _check(found: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        got = found[key]
        if value is None:
            assert got is None or pd.isna(got), f"{key}: expected missing, got {got!r}"
        else:
            assert got == value, f"{key}: expected {value!r}, got {got!r}"


@pytest.mark.parametrize(
    ("rule", "lead_kwargs", "activities", "as_of", "expected"),
    FIRST_TOUCH_CASES,
    ids=[case[0] for case in FIRST_TOUCH_CASES],
)
def test_first_touch(
    rule: str,
    lead_kwargs: dict[str, Any],
    activities: list[dict[str, Any]],
    as_of: str,
    expected: dict[str, Any],
) -> None:
    kwargs = dict(lead_kwargs)
    handed = kwargs.pop("handed", f"{MON} 09:00")
    evaluation = run(data([lead("L", handed, **kwargs)], activities), as_of=as_of)
    _check(item(evaluation, "first-touch", "L"), expected)


def test_a_lead_without_handoff_is_in_no_follow_up_sla() -> None:
    evaluation = run(data([lead("L", None)], [act("L", f"{MON} 10:00")]))
    assert evaluation.sla("first-touch").items.empty
    assert evaluation.sla("attempts").items.empty
    assert evaluation.sla("first-touch").compliance_pct is None
    assert evaluation.sla("first-touch").met is None


SERVICE_CASES: list[tuple[str, list[dict[str, Any]], str, dict[str, Any]]] = [
    (
        "service contact within a day is met",
        [act("L", "2026-10-08 09:00", owner="csm")],
        LATE,
        {
            "state": "met",
            "elapsed_business_minutes": 420.0,
            "owner_id": "csm",
            "team_id": "svc",
            "closed_by_owner_id": "rep",
        },
    ),
    (
        "sales touches do not stop the service clock",
        [
            act("L", "2026-10-07 11:00", owner="rep"),
            act("L", "2026-10-08 12:00", owner="csm", type_="email"),
        ],
        LATE,
        {"state": "breached", "elapsed_business_minutes": 600.0},
    ),
    (
        "a service contact before close does not count",
        [act("L", "2026-10-07 09:00", owner="csm")],
        "2026-10-07 12:00",
        {"state": "open", "elapsed_business_minutes": 120.0, "stop": None},
    ),
]


@pytest.mark.parametrize(
    ("rule", "activities", "as_of", "expected"), SERVICE_CASES, ids=[c[0] for c in SERVICE_CASES]
)
def test_service_first_contact(
    rule: str, activities: list[dict[str, Any]], as_of: str, expected: dict[str, Any]
) -> None:
    inputs = data(
        [lead("L", "2026-09-01 09:00")], activities, [deal("D1", "L", "2026-10-07 10:00")]
    )
    found = item(run(inputs, as_of=as_of), "service", "D1")
    assert found["lead_id"] == "L" and found["deal_id"] == "D1"
    _check(found, expected)


def test_service_items_of_a_lead_with_two_deals_each_have_their_own_clock() -> None:
    inputs = data(
        [lead("L", "2026-09-01 09:00")],
        [act("L", "2026-10-06 10:00", owner="csm"), act("L", "2026-10-20 10:00", owner="csm")],
        [
            deal("D1", "L", "2026-10-06 09:00", owner="csm"),
            deal("D2", "L", "2026-10-19 09:00", owner="csm"),
        ],
    )
    evaluation = run(inputs)
    assert item(evaluation, "service", "D1")["elapsed_business_minutes"] == 60.0
    assert item(evaluation, "service", "D2")["elapsed_business_minutes"] == 540.0
    assert item(evaluation, "service", "D2")["state"] == "breached"
    assert item(evaluation, "service", "D1")["team_id"] == "svc"


def test_a_deal_closed_after_as_of_is_not_an_item_yet() -> None:
    inputs = data([lead("L", "2026-09-01 09:00")], [], [deal("D1", "L", "2026-10-20 10:00")])
    assert run(inputs, as_of="2026-10-15 00:00").sla("service").items.empty
