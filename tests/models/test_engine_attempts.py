"""follow_up_attempts (SPEC.md section 3): min 3 attempts within 8 business hours (one 9-17 day).

2026-10-05 is a Monday, 2026-10-09 a Friday, New York time.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from engine_builders import act, config, data, item, lead, run, sla_file, t

MON, FRI = "2026-10-05", "2026-10-09"
LATE = "2026-11-05 00:00"

CASES: list[tuple[str, str, dict[str, Any], list[dict[str, Any]], str, dict[str, Any]]] = [
    (
        "three attempts in the window: met at the third",
        f"{MON} 09:00",
        {},
        [act("L", f"{MON} 10:00"), act("L", f"{MON} 11:00", "email"), act("L", f"{MON} 12:00")],
        LATE,
        {
            "state": "met",
            "attempts": 3,
            "stop_reason": "attempts",
            "stop": t(f"{MON} 12:00"),
            "reached": False,
        },
    ),
    (
        "attempts after the goal are still counted",
        f"{MON} 09:00",
        {},
        [act("L", f"{MON} {h}:00") for h in (10, 11, 12, 13, 14)],
        LATE,
        {"state": "met", "attempts": 5, "stop": t(f"{MON} 12:00")},
    ),
    (
        "a connected outbound call reaches the lead",
        f"{MON} 09:00",
        {},
        [
            act("L", f"{MON} 10:00", outcome="no_answer"),
            act("L", f"{MON} 11:00", outcome="connected"),
        ],
        LATE,
        {
            "state": "met",
            "attempts": 2,
            "reached": True,
            "stop_reason": "reached",
            "stop": t(f"{MON} 11:00"),
        },
    ),
    (
        "any meeting reaches the lead",
        f"{MON} 09:00",
        {},
        [act("L", f"{MON} 15:00", "meeting", direction="inbound")],
        LATE,
        {"state": "met", "attempts": 0, "reached": True, "stop_reason": "reached"},
    ),
    (
        "a rejection inside the window meets it",
        f"{MON} 09:00",
        {"rejected": f"{MON} 10:00"},
        [act("L", f"{MON} 09:30")],
        LATE,
        {"state": "met", "attempts": 1, "stop_reason": "rejection", "stop": t(f"{MON} 10:00")},
    ),
    (
        "a rejection before the clock started meets it at the start",
        f"{MON} 09:00",
        {"assigned": f"{MON} 10:00", "rejected": f"{MON} 09:30"},
        [],
        LATE,
        {"state": "met", "stop": t(f"{MON} 10:00"), "elapsed_business_minutes": 0.0},
    ),
    (
        "too few attempts when the window ends: breached at the window end",
        f"{MON} 09:00",
        {},
        [act("L", f"{MON} 10:00"), act("L", f"{MON} 11:00")],
        LATE,
        {
            "state": "breached",
            "attempts": 2,
            "stop_reason": "window_end",
            "stop": t(f"{MON} 17:00"),
            "window_end": t(f"{MON} 17:00"),
            "elapsed_business_minutes": 480.0,
        },
    ),
    (
        "an attempt exactly at the window end counts",
        f"{FRI} 09:00",
        {},
        [act("L", f"{FRI} 10:00"), act("L", f"{FRI} 11:00"), act("L", f"{FRI} 17:00")],
        LATE,
        {"state": "met", "attempts": 3, "window_end": t(f"{FRI} 17:00")},
    ),
    (
        "a window that runs out Friday 17:00 ends then, not Monday 09:00",
        f"{FRI} 09:00",
        {},
        [act("L", f"{FRI} 10:00"), act("L", f"{FRI} 11:00"), act("L", "2026-10-12 09:00")],
        LATE,
        {"state": "breached", "attempts": 2, "window_end": t(f"{FRI} 17:00")},
    ),
    (
        "on Saturday a Friday window has ended: breached",
        f"{FRI} 09:00",
        {},
        [],
        "2026-10-10 12:00",
        {"state": "breached", "attempts": 0},
    ),
    (
        "inside the window with too few attempts: open",
        f"{MON} 09:00",
        {},
        [act("L", f"{MON} 10:00"), act("L", f"{MON} 15:00")],
        f"{MON} 12:00",
        {
            "state": "open",
            "attempts": 1,
            "elapsed_business_minutes": 180.0,
            "remaining_business_minutes": 300.0,
        },
    ),
    (
        "inbound calls, notes and other tiers' calls are not attempts",
        f"{MON} 09:00",
        {},
        [
            act("L", f"{MON} 10:00", direction="inbound"),
            act("L", f"{MON} 10:30", "note"),
            act("L", f"{MON} 11:00", owner="mkt"),
            act("L", f"{MON} 11:30", owner="csm"),
            act("L", f"{MON} 12:00"),
        ],
        LATE,
        {"state": "breached", "attempts": 1},
    ),
    (
        "attempts before the start do not count",
        f"{MON} 09:00",
        {"assigned": f"{MON} 12:00"},
        [act("L", f"{MON} 10:00"), act("L", f"{MON} 11:00"), act("L", f"{MON} 13:00")],
        LATE,
        {"state": "breached", "attempts": 1, "window_end": t("2026-10-06 12:00")},
    ),
]


@pytest.mark.parametrize(
    ("rule", "handed", "kwargs", "activities", "as_of", "expected"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_follow_up_attempts(
    rule: str,
    handed: str,
    kwargs: dict[str, Any],
    activities: list[dict[str, Any]],
    as_of: str,
    expected: dict[str, Any],
) -> None:
    found = item(run(data([lead("L", handed, **kwargs)], activities), as_of=as_of), "attempts", "L")
    for key, value in expected.items():
        assert found[key] == value, f"{key}: expected {value!r}, got {found[key]!r}"


def test_min_attempts_comes_from_the_sla_version() -> None:
    cfg = config(sla_file(attempts={"min_attempts": 2}))
    inputs = data([lead("L", f"{MON} 09:00")], [act("L", f"{MON} 10:00"), act("L", f"{MON} 11:00")])
    found = item(run(inputs, cfg=cfg), "attempts", "L")
    assert (found["state"], found["stop"]) == ("met", t(f"{MON} 11:00"))
    assert run(inputs, cfg=cfg).sla("attempts").min_attempts == 2


def test_average_attempts_is_over_decided_leads_beside_the_goal() -> None:
    inputs = data(
        [lead("A", f"{MON} 09:00"), lead("B", f"{MON} 09:00"), lead("C", "2026-10-30 09:00")],
        [act("A", f"{MON} {h}:00") for h in (10, 11, 12, 13)]
        + [act("B", f"{MON} 10:00"), act("C", "2026-10-30 10:00")],
    )
    result = run(inputs, as_of="2026-10-30 12:00").sla("attempts")
    assert result.counts == {"met": 1, "breached": 1, "open": 1, "excluded": 0}
    assert result.average_attempts == pytest.approx((4 + 1) / 2)
    assert result.min_attempts == 3
    assert result.compliance_pct == 50.0
    assert result.met is False
    assert pd.isna(item(run(inputs, as_of="2026-10-30 12:00"), "attempts", "C")["stop"])


def test_explanations_say_what_met_or_breached_the_window() -> None:
    inputs = data(
        [lead("A", f"{MON} 09:00"), lead("B", f"{MON} 09:00")],
        [act("A", f"{MON} {h}:00", activity_id=f"A-{h}") for h in (10, 11, 12, 13)]
        + [act("B", f"{MON} 10:00")],
    )
    evaluation = run(inputs)
    met = item(evaluation, "attempts", "A")["explanation"]
    assert (
        "goal of 3 attempts reached with call A-12 at Mon 2026-10-05 12:00 (4 in the window)" in met
    )
    breached = item(evaluation, "attempts", "B")["explanation"]
    assert "window ended Mon 2026-10-05 17:00 with 1 of 3 attempts and no reach" in breached
