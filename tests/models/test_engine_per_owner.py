"""An SLA per person (SPEC.md section 3, `per_owner_target` on a `lead_quota`): who the receiving
reps are, each rep's figures, the headline target, pace per rep, JSON and the evaluate table."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from typing import Any

import pandas as pd
import pytest
from engine_builders import OWNERS, config, data, lead, run, sla_file

from models.config import ConfigError
from models.engine.render import render_evaluation
from models.engine.results import Evaluation

PEOPLE = [
    *OWNERS,
    {"owner_id": "gone", "name": "Gil Gone", "email": "gil@x", "team_id": "sales-east",
     "active": False},  # fmt: skip
    {"owner_id": "newbie", "name": "Nia New", "email": "nia@x", "team_id": "sales-west"},
]
LEADS = [
    lead("L1", "2026-10-01 10:00"),
    lead("L2", "2026-10-02 10:00", rejected="2026-10-03 10:00"),
    lead("L3", "2026-10-05 10:00", owner="rep2"),
    lead("L4", "2026-10-06 10:00", owner="west"),
    lead("L5", "2026-10-07 10:00", owner="gone"),  # an inactive rep's lead: in the headline only
    lead("L6", "2026-10-08 10:00", owner="csm"),  # not a receiving rep
    lead("L7", "2026-09-30 10:00"),  # September
]


def _people(active_flags: dict[str, Any] | None = None) -> pd.DataFrame:
    people = pd.DataFrame(PEOPLE)
    people["active"] = people["active"].astype(object).where(people["active"].notna(), None)
    for owner, flag in (active_flags or {}).items():
        people.loc[people["owner_id"] == owner, "active"] = flag
    return people


def _quota(keys: dict[str, Any], as_of: str = "2026-11-02 00:00", **flags: Any) -> dict[str, Any]:
    inputs = replace(data(LEADS), owners=_people(flags or None))
    quota = run(inputs, as_of=as_of, cfg=config(sla_file(mql=keys))).sla("mql").quota
    assert quota is not None
    return quota


def _lines(quota: dict[str, Any]) -> list[tuple[str, str, int, int, int, float, bool]]:
    return [
        (o["owner_id"], o["team_id"], o["target"], o["delivered"], o["accepted"],
         o["attainment_pct"], o["met"])
        for o in quota["owners"]
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("keys", "flags", "headline", "lines"),
    [
        # No monthly_target: the headline target is 2 x the four active sales reps; every lead
        # of the month counts in the headline, the inactive rep's and the service rep's too.
        (
            {"monthly_target": None, "per_owner_target": 2},
            {},
            {"target": 8, "delivered": 6, "accepted": 5, "attainment_pct": 62.5, "met": False},
            [
                ("newbie", "sales-west", 2, 0, 0, 0.0, False),  # no lead: 0, not null
                ("rep", "sales-east", 2, 2, 1, 50.0, False),
                ("rep2", "sales-east", 2, 1, 1, 50.0, False),
                ("west", "sales-west", 2, 1, 1, 50.0, False),
            ],
        ),
        # A monthly_target given heads the month whatever the reps add up to.
        (
            {"monthly_target": 5, "per_owner_target": 1},
            {},
            {"target": 5, "delivered": 6, "accepted": 5, "attainment_pct": 100.0, "met": True},
            [
                ("newbie", "sales-west", 1, 0, 0, 0.0, False),
                ("rep", "sales-east", 1, 2, 1, 100.0, True),
                ("rep2", "sales-east", 1, 1, 1, 100.0, True),
                ("west", "sales-west", 1, 1, 1, 100.0, True),
            ],
        ),
        # team_id: only that team's reps are owed leads, and only its leads count (the inactive
        # rep's lead is the team's: it counts in the headline, he gets no line).
        (
            {"monthly_target": None, "per_owner_target": 2, "team_id": "sales-east"},
            {},
            {"target": 4, "delivered": 4, "accepted": 3, "attainment_pct": 75.0, "met": False},
            [
                ("rep", "sales-east", 2, 2, 1, 50.0, False),
                ("rep2", "sales-east", 2, 1, 1, 50.0, False),
            ],
        ),
        # Activity flags as CSV text: "false" is inactive; the inactive rep back as active.
        (
            {"monthly_target": None, "per_owner_target": 1, "team_id": "sales-east"},
            {"rep2": "false", "gone": "true"},
            {"target": 2, "delivered": 4, "accepted": 3, "attainment_pct": 150.0, "met": True},
            [
                ("gone", "sales-east", 1, 1, 1, 100.0, True),
                ("rep", "sales-east", 1, 2, 1, 100.0, True),
            ],
        ),
    ],
)
def test_each_receiving_rep_gets_a_line(
    keys: dict[str, Any],
    flags: dict[str, Any],
    headline: dict[str, Any],
    lines: list[tuple[str, str, int, int, int, float, bool]],
) -> None:
    quota = _quota(keys, **flags)
    for key, value in headline.items():
        assert quota[key] == value, key
    assert _lines(quota) == lines


def test_a_quota_without_per_owner_target_has_no_owner_lines() -> None:
    quota = _quota({})
    assert quota["owners"] is None and quota["per_owner_target"] is None
    assert quota["target"] == 4


def test_each_rep_has_pace_and_projection_mid_month() -> None:
    # 15 October 08:00: 10 of October's 22 business days gone (no calendar: Monday to Friday).
    quota = _quota({"monthly_target": None, "per_owner_target": 4}, as_of="2026-10-15 08:00")
    rep = next(o for o in quota["owners"] if o["owner_id"] == "rep")
    assert rep["accepted"] == 1
    assert rep["expected_by_now"] == round(4 * 10 / 22, 1)
    assert rep["pace_pct"] == round(100 * 1 / (4 * 10 / 22), 2)
    assert rep["projected_accepted"] == 2.2
    assert rep["projected_attainment_pct"] == 55.0
    # Events after as_of are not known: a rejection on 3 October counts only once it happened.
    early = _quota({"monthly_target": None, "per_owner_target": 4}, as_of="2026-10-02 12:00")
    rep = next(o for o in early["owners"] if o["owner_id"] == "rep")
    assert (rep["delivered"], rep["accepted"]) == (2, 2)


def test_owners_in_json_and_back() -> None:
    inputs = replace(data(LEADS), owners=_people())
    cfg = config(sla_file(mql={"monthly_target": None, "per_owner_target": 2}))
    evaluation = run(inputs, cfg=cfg)
    payload = json.loads(render_evaluation(evaluation, "json"))
    mql = next(s for s in payload["slas"] if s["id"] == "mql")
    assert mql["owners"][1] == {
        "owner_id": "rep", "team_id": "sales-east", "target": 2, "delivered": 2,
        "accepted": 1, "rejected": 1, "attainment_pct": 50.0, "met": False,
        "expected_by_now": 2.0, "pace_pct": 50.0, "projected_accepted": 1.0,
        "projected_attainment_pct": 50.0,
    }  # fmt: skip
    assert mql["target"] == 8 and mql["per_owner_target"] == 2
    assert Evaluation.from_json(evaluation.to_json()).to_json() == evaluation.to_json()


def test_table_and_csv_show_each_rep() -> None:
    inputs = replace(data(LEADS), owners=_people())
    cfg = config(sla_file(mql={"monthly_target": None, "per_owner_target": 2}))
    evaluation = run(inputs, cfg=cfg)
    table = render_evaluation(evaluation, "table")
    assert "Leads per rep, mql (2 a month each): 4 reps, 4 below target" in table
    assert "newbie (sales-west)  accepted 0 of 2 (delivered 0) = 0.0%  BELOW" in table
    rows = pd.read_csv(io.StringIO(render_evaluation(evaluation, "csv")))
    reps = rows[rows["kind"] == "lead_quota"]
    assert list(reps["owner_id"]) == ["newbie", "rep", "rep2", "west"]
    assert list(reps["accepted"]) == [0, 1, 1, 1]
    assert list(reps["target"]) == [2, 2, 2, 2]


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"monthly_target": None}, "monthly_target: expected a whole number"),
        ({"monthly_target": None, "per_owner_target": 0}, "per_owner_target: expected a whole"),
        ({"per_owner_target": "40"}, "per_owner_target: expected a whole"),
    ],
)
def test_a_bad_per_owner_target_is_named(keys: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config(sla_file(mql=keys))
    assert any(message in problem for problem in caught.value.problems), caught.value.problems
