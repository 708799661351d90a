"""The two SPEC corrections of sections 1 and 3, as the hand-computed examples of the SPEC change.

Calendar `ny`: 09:00-17:00 Mon-Fri, New York time; 2026-10-02 is a Friday, 2026-10-05 a Monday;
first-touch target 4h = 240 business minutes.
"""

from __future__ import annotations

from engine_builders import act, data, deal, item, lead, run, t

FRI = "2026-10-02"
MON = "2026-10-05"


def test_a_lead_assigned_before_its_handoff_is_judged_from_the_handoff() -> None:
    # Assigned Friday 09:00 at contact creation, handed off Monday 13:00, called Monday 14:00.
    # Judged from Friday this was 780 business minutes (8 h Friday + 5 h Monday) against 240,
    # with a routing delay of -4,560 minutes; from the handoff it is 60 minutes and no delay.
    inputs = data(
        [lead("L", f"{MON} 13:00", assigned=f"{FRI} 09:00")], [act("L", f"{MON} 14:00")]
    )
    found = item(run(inputs), "first-touch", "L")
    assert found["start"] == t(f"{MON} 13:00")
    assert found["state"] == "met"
    assert found["elapsed_business_minutes"] == 60.0
    assert found["routing_delay_minutes"] == 0.0
    assert found["routing_delay_business_minutes"] == 0.0
    assert "the owner was assigned before it" in found["explanation"]
    assert "routing delay 0 min" in found["explanation"]


def test_the_attempts_window_also_starts_at_the_handoff() -> None:
    # Window of 8 business hours from Monday 13:00 ends Tuesday 13:00. Three calls in it meet it;
    # a call on Friday, before the handoff, is no attempt.
    calls = [act("L", f"{FRI} 10:00")] + [act("L", f"{MON} {h}:00") for h in (14, 15, 16)]
    inputs = data([lead("L", f"{MON} 13:00", assigned=f"{FRI} 09:00")], calls)
    found = item(run(inputs), "attempts", "L")
    assert found["start"] == t(f"{MON} 13:00")
    assert found["window_end"] == t("2026-10-06 13:00")
    assert found["attempts"] == 3
    assert found["state"] == "met"


def test_an_assignment_after_the_handoff_still_starts_the_clock_with_a_routing_delay() -> None:
    inputs = data([lead("L", f"{MON} 09:00", assigned=f"{MON} 10:00")], [act("L", f"{MON} 11:00")])
    found = item(run(inputs), "first-touch", "L")
    assert found["start"] == t(f"{MON} 10:00")
    assert found["elapsed_business_minutes"] == 60.0
    assert found["routing_delay_minutes"] == 60.0
    assert "assigned to the owner after the handoff" in found["explanation"]


def test_the_month_follows_the_corrected_start() -> None:
    # Assigned Wednesday 30 September, handed off Thursday 1 October: an October item.
    inputs = data([lead("L", "2026-10-01 10:00", assigned="2026-09-30 10:00")])
    assert run(inputs, month="2026-09").sla("first-touch").items.empty
    found = item(run(inputs, month="2026-10"), "first-touch", "L")
    assert found["start"] == t("2026-10-01 10:00")
    assert found["month"] == "2026-10"


def _service_item(service_owner: str | None, activities: list[dict[str, object]]) -> dict:
    inputs = data(
        [lead("L", "2026-09-01 09:00")],
        activities,
        [deal("D1", "L", f"{MON} 10:00", owner="rep", service_owner=service_owner)],
    )
    return item(run(inputs), "service", "D1")


def test_a_service_item_with_a_service_owner_is_that_reps() -> None:
    # The deal names csm2 as the service owner; csm made the first contact 2 h after the close.
    found = _service_item("csm2", [act("L", f"{MON} 12:00", owner="csm")])
    assert (found["owner_id"], found["team_id"]) == ("csm2", "svc")
    assert found["closed_by_owner_id"] == "rep"
    assert found["state"] == "met"
    assert found["elapsed_business_minutes"] == 120.0
    assert "service owner csm2" in found["explanation"]
    assert "deal closed by rep" in found["explanation"]


def test_a_service_item_with_only_a_first_contact_is_the_contacting_reps() -> None:
    # The sales rep's own call after the close neither stops the clock nor owns the item.
    found = _service_item(
        None, [act("L", f"{MON} 11:00", owner="rep"), act("L", f"{MON} 12:00", owner="csm2")]
    )
    assert (found["owner_id"], found["team_id"]) == ("csm2", "svc")
    assert found["closed_by_owner_id"] == "rep"
    assert found["elapsed_business_minutes"] == 120.0


def test_a_service_item_with_neither_is_in_the_service_queue() -> None:
    found = _service_item(None, [act("L", f"{MON} 11:00", owner="rep")])
    assert found["owner_id"] is None and found["team_id"] is None
    assert found["closed_by_owner_id"] == "rep"
    assert found["state"] == "breached"  # 8 h target; no service contact in a month
    assert "no service owner yet (service queue)" in found["explanation"]


def test_service_items_filter_by_the_service_team_not_the_closers() -> None:
    inputs = data(
        [lead("L", "2026-09-01 09:00")],
        [act("L", f"{MON} 12:00", owner="csm")],
        [deal("D1", "L", f"{MON} 10:00", owner="rep")],
    )
    assert list(run(inputs, team_id="svc").sla("service").items["item_id"]) == ["D1"]
    assert run(inputs, team_id="sales-east").sla("service").items.empty
