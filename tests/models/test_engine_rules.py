"""Rules around the clocks: segments, versions, months, calendars, exclusions, quotas, credits,
JSON round trip and rollups (SPEC.md sections 2, 3 and 5)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from engine_builders import BASE_SLA_FILE, act, config, data, item, lead, run, sla_file, t

from models.engine import rollups
from models.engine.results import Evaluation

MON = "2026-10-05"
SEGMENTS = [
    {"name": "hot", "match": {"source": ["demo_request"]}, "within": "30m"},
    {
        "name": "east-web",
        "match": {"source": ["demo_request", "web"], "team_id": "sales-east"},
        "within": "1h",
    },
]


@pytest.mark.parametrize(
    ("source", "owner", "segment", "target"),
    [
        ("demo_request", "rep", "hot", 30.0),  # matches both: the first wins
        ("web", "rep", "east-web", 60.0),
        ("web", "west", None, 240.0),  # team does not match: the SLA's own `within`
        ("partner", "rep", None, 240.0),
        (None, "rep", None, 240.0),
    ],
)
def test_segments_first_match_wins(
    source: str | None, owner: str, segment: str | None, target: float
) -> None:
    cfg = config(sla_file(first_touch={"segments": SEGMENTS}))
    found = item(
        run(data([lead("L", f"{MON} 09:00", source=source, owner=owner)]), cfg=cfg),
        "first-touch",
        "L",
    )
    assert found["target_minutes"] == target
    assert found["segment"] == segment if segment else pd.isna(found["segment"])


def _two_versions() -> dict[str, Any]:
    cfg = sla_file()
    newer = dict(cfg["sla"][0], within="1h", effective_from="2026-10-15", target_pct=80)
    cfg["sla"].insert(1, newer)
    return cfg


@pytest.mark.parametrize(
    ("assigned", "version", "target"),
    [
        ("2026-10-14 16:00", "2026-01-01", 240.0),
        ("2026-10-15 09:00", "2026-10-15", 60.0),
        # handed off before the change, assigned after it: the clock started under the new one
        ("2026-10-15 10:00", "2026-10-15", 60.0),
    ],
)
def test_the_version_in_force_when_the_clock_starts_applies(
    assigned: str, version: str, target: float
) -> None:
    inputs = data([lead("L", "2026-10-14 15:00", assigned=assigned)])
    evaluation = run(inputs, cfg=config(_two_versions()))
    found = item(evaluation, "first-touch", "L")
    assert (found["sla_version"], found["target_minutes"]) == (version, target)
    # The month's headline target is the version in force on its first day.
    assert evaluation.sla("first-touch").target_pct == 90.0


def test_versions_start_at_local_midnight_and_only_once_effective() -> None:
    cfg = sla_file()
    for spec in cfg["sla"]:
        spec["effective_from"] = "2026-10-06"
    # 2026-10-06 00:30 New York is still 10-05 in... no: it is 10-06 locally though 04:30 UTC.
    inputs = data([lead("A", "2026-10-06 00:30"), lead("B", "2026-10-05 23:30")])
    items = run(inputs, cfg=config(cfg)).sla("first-touch").items
    assert list(items["item_id"]) == ["A"]  # before the first version no SLA was in force


@pytest.mark.parametrize(
    ("handed", "month", "included"),
    [
        (
            "2026-10-31T23:30:00-04:00",
            "2026-10",
            True,
        ),  # 03:30 UTC on Nov 1, but October in New York
        ("2026-10-31T23:30:00-04:00", "2026-11", False),
        ("2026-11-01T00:30:00-04:00", "2026-11", True),
        ("2026-10-01T00:30:00-04:00", "2026-10", True),
        ("2026-09-30T23:59:00-04:00", "2026-10", False),
    ],
)
def test_an_item_belongs_to_the_month_of_its_clock_start_in_the_calendar_zone(
    handed: str, month: str, included: bool
) -> None:
    items = (
        run(data([lead("L", handed)]), month=month, as_of="2026-12-15 00:00")
        .sla("first-touch")
        .items
    )
    assert (len(items) == 1) is included


def test_a_provider_team_with_its_own_calendar_is_judged_on_its_hours() -> None:
    # Sales West works 9-17 Los Angeles time: a 09:00 New York handoff is 06:00 there.
    inputs = data(
        [lead("W", f"{MON} 09:00", owner="west")], [act("W", f"{MON} 13:00", owner="west")]
    )
    found = item(run(inputs), "first-touch", "W")
    assert found["calendar"] == "la"
    assert found["elapsed_business_minutes"] == 60.0  # 09:00-10:00 LA
    assert found["due_at"] == t(f"{MON} 16:00")


def test_approved_exclusions_exclude_with_their_reason_and_leave_compliance() -> None:
    inputs = data(
        [lead("A", f"{MON} 09:00"), lead("B", f"{MON} 09:00")],
        [act("A", f"{MON} 10:00")],
        exclusions=[
            {"sla_id": "first-touch", "item_id": "B", "reason": "duplicate of A", "kind": "dispute"}
        ],
    )
    evaluation = run(inputs)
    result = evaluation.sla("first-touch")
    assert result.counts == {"met": 1, "breached": 0, "open": 0, "excluded": 1}
    assert result.compliance_pct == 100.0
    found = item(evaluation, "first-touch", "B")
    assert found["exclusion_reason"] == "duplicate of A"
    assert "excluded: duplicate of A" in found["explanation"]
    assert item(evaluation, "attempts", "B")["state"] == "breached"  # only the disputed SLA


def test_compliance_is_null_when_nothing_is_decided() -> None:
    result = run(data([lead("L", f"{MON} 09:00")]), as_of=f"{MON} 10:00").sla("first-touch")
    assert result.counts["open"] == 1
    assert result.compliance_pct is None and result.met is None


def test_explanation_answers_why_a_lead_is_breached() -> None:
    inputs = data(
        [lead("L", f"{MON} 09:00", assigned=f"{MON} 09:30")],
        [act("L", f"{MON} 15:00", activity_id="CALL-9")],
    )
    text = item(run(inputs), "first-touch", "L")["explanation"]
    for part in (
        "BREACHED",
        "Mon 2026-10-05 09:30",
        "(times America/New_York)",
        "call CALL-9",
        "330 of 240 business minutes",
        "SLA version 2026-01-01",
        "routing delay 30 min",
    ):
        assert part in text, text


def test_team_filter_keeps_that_teams_items() -> None:
    inputs = data([lead("A", f"{MON} 09:00"), lead("B", f"{MON} 09:00", owner="west")])
    evaluation = run(inputs, team_id="sales-west")
    assert list(evaluation.sla("first-touch").items["item_id"]) == ["B"]
    assert evaluation.team_id == "sales-west"


QUOTA_LEADS = [
    lead("Q1", "2026-10-01 10:00"),
    lead("Q2", "2026-10-02 10:00", rejected="2026-10-02 11:00"),
    lead("Q3", "2026-10-12 10:00"),
    lead("Q4", "2026-10-20 10:00", owner="west"),
    lead("Q5", "2026-10-31 23:00"),  # still October in New York
    lead("Q6", "2026-09-30 23:00"),
    lead("Q7", None),
]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (
            "2026-11-02 00:00",
            {
                "delivered": 5,
                "accepted": 4,
                "rejected": 1,
                "attainment_pct": 100.0,
                "met": True,
                "month_complete": True,
                "projected_accepted": 4.0,
                "business_days_total": 22,
            },
        ),
        # Mid-month: Oct 1-14 has 10 business days gone of 22 (Mon-Fri, no calendar named).
        (
            "2026-10-15 08:00",
            {
                "delivered": 3,
                "accepted": 2,
                "attainment_pct": 50.0,
                "met": False,
                "business_days_gone": 10,
                "expected_by_now": round(4 * 10 / 22, 1),
                "pace_pct": round(100 * 2 / (4 * 10 / 22), 2),
                "projected_accepted": 4.4,
                "month_complete": False,
            },
        ),
    ],
)
def test_lead_quota(as_of: str, expected: dict[str, Any]) -> None:
    quota = run(data(QUOTA_LEADS), as_of=as_of).sla("mql").quota
    assert quota is not None
    for key, value in expected.items():
        assert quota[key] == value, key


def test_lead_quota_scoped_to_a_receiving_team() -> None:
    cfg = config(sla_file(mql={"team_id": "sales-west", "monthly_target": 2}))
    result = run(data(QUOTA_LEADS), cfg=cfg).sla("mql")
    assert result.quota is not None and result.quota["delivered"] == 1
    assert result.compliance_pct == 50.0


@pytest.mark.parametrize(
    ("compliance_leads", "credit"), [(10, 0.0), (9, 5.0), (8, 10.0), (5, 10.0)]
)
def test_service_credits_follow_the_bands(compliance_leads: int, credit: float) -> None:
    bands = [{"below_pct": 95, "credit": 5}, {"below_pct": 85, "credit": 10}]
    cfg = config(sla_file(first_touch={"credits": bands}))
    leads = [lead(f"L{i}", f"{MON} 09:00") for i in range(10)]
    acts = [act(f"L{i}", f"{MON} 10:00") for i in range(compliance_leads)]
    result = run(data(leads, acts), cfg=cfg).sla("first-touch")
    assert result.compliance_pct == compliance_leads * 10.0
    assert result.credit == credit


def test_json_round_trip_keeps_every_verdict() -> None:
    inputs = data(
        [
            lead("A", f"{MON} 09:00", assigned=f"{MON} 09:10"),
            lead("B", f"{MON} 09:00", rejected=f"{MON} 10:00"),
        ],
        [act("A", f"{MON} 10:00:30.250000")],
    )
    evaluation = run(inputs, as_of=f"{MON} 12:00")
    again = Evaluation.from_json(evaluation.to_json())
    assert again.to_json() == evaluation.to_json()
    # JSON keeps minutes to 0.01 (0.6 s); everything else comes back exactly.
    pd.testing.assert_frame_equal(again.items(), evaluation.items(), check_exact=False, atol=0.01)


def test_rollups_by_team_and_owner() -> None:
    # W1 is Sales West's (Los Angeles hours): 13:00-17:00 LA by 23:00 New York is 240 minutes.
    leads = [lead(f"E{i}", f"{MON} 09:00") for i in range(4)] + [
        lead("W1", f"{MON} 16:00", owner="west")
    ]
    acts = [act("E0", f"{MON} 10:00"), act("E1", f"{MON} 11:00"), act("E2", f"{MON} 16:00")]
    evaluation = run(data(leads, acts), as_of=f"{MON} 23:00")
    table = rollups.rollup(evaluation.sla("first-touch").items, ["team_id"]).set_index("team_id")
    east = table.loc["sales-east"]
    assert (east["met"], east["breached"], east["decided"]) == (2, 2, 4)
    assert east["compliance_pct"] == 50.0
    assert east["median_elapsed_business_minutes"] == pytest.approx((120 + 420) / 2)
    assert table.loc["sales-west", "open"] == 1
    assert pd.isna(table.loc["sales-west", "compliance_pct"])
    worst = rollups.worst(evaluation.sla("first-touch").items, ["team_id"], n=1)
    assert list(worst["team_id"]) == ["sales-east"]
    risky = rollups.at_risk(evaluation)
    assert list(zip(risky["sla_id"], risky["item_id"], strict=True)) == [("first-touch", "W1")]
    assert risky["remaining_business_minutes"].tolist() == [0.0]  # still open overnight


def test_trend_and_credits_over_months() -> None:
    leads = [lead("S", "2026-09-14 09:00"), lead("O", f"{MON} 09:00")]
    acts = [act("S", "2026-09-14 10:00")]
    evaluations = [run(data(leads, acts), month=m) for m in ("2026-09", "2026-10")]
    table = rollups.trend(evaluations)
    first_touch = table[table["sla_id"] == "first-touch"].set_index("month")
    assert first_touch.loc["2026-09", "compliance_pct"] == 100.0
    assert first_touch.loc["2026-10", "compliance_pct"] == 0.0
    assert set(table["sla_id"]) == {s["id"] for s in BASE_SLA_FILE["sla"]}
    assert rollups.credits(evaluations).empty  # no SLA here defines credit bands


@pytest.mark.parametrize(("warn", "expected"), [(None, []), (50, ["A"]), (25, ["A", "B"])])
def test_at_risk_threshold_is_configurable(warn: float | None, expected: list[str]) -> None:
    # At 11:00 A has run 120 of 240 minutes (50%), B 60 (25%).
    inputs = data([lead("A", f"{MON} 09:00"), lead("B", f"{MON} 10:00")])
    risky = rollups.at_risk(run(inputs, as_of=f"{MON} 11:00"), warn_at_pct=warn)
    assert list(risky[risky["sla_id"] == "first-touch"]["item_id"]) == expected


def test_warn_at_pct_comes_from_the_sla_file() -> None:
    cfg = config(sla_file(first_touch={"warn_at_pct": 50}))
    found = item(
        run(data([lead("A", f"{MON} 09:00")]), as_of=f"{MON} 11:00", cfg=cfg), "first-touch", "A"
    )
    assert bool(found["at_risk"]) is True
