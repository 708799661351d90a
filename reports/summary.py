"""The summary at the top of the report, written from the numbers: what improved, what got worse,
and the three actions that matter most. Pure and deterministic (same tables, same words)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from reports.formats import fmt_month, fmt_pct
from reports.sla_sections import NO_TEAM, UNASSIGNED, records

# A change smaller than this (percentage points) is noise, not news.
CHANGE_PTS = 1.0


@dataclass(frozen=True)
class Summary:
    paragraph: str
    improved: tuple[str, ...]
    worsened: tuple[str, ...]
    actions: tuple[str, ...]


def _changes(results: pd.DataFrame) -> tuple[list[str], list[str]]:
    improved: list[str] = []
    worsened: list[str] = []
    for row in records(results):  # one row per SLA, a handful
        if pd.isna(row["change_pts"]) or abs(row["change_pts"]) < CHANGE_PTS:
            continue
        text = (
            f"{row['name']}: {fmt_pct(row['previous_pct'])} → {fmt_pct(row['result_pct'])} "
            f"({row['change_pts']:+.1f} pts, target {fmt_pct(row['target_pct'])})"
        )
        (improved if row["change_pts"] > 0 else worsened).append(text)
    return improved, worsened


def _sla_actions(
    results: pd.DataFrame, by_team: pd.DataFrame, by_rep: pd.DataFrame
) -> list[tuple[float, str]]:
    actions: list[tuple[float, str]] = []
    for row in records(results[results["status"] == "missed"]):
        gap = float(row["target_pct"] - row["result_pct"])
        if row["kind"] == "lead_quota":
            short = int(row["quota_target"] - row["accepted"]) if pd.notna(row["accepted"]) else 0
            actions.append(
                (
                    40 + gap,
                    f"Marketing is {short:,} accepted MQLs short of {int(row['quota_target']):,} "
                    f"({fmt_pct(row['result_pct'])} attainment): agree the plan to close the gap.",
                )
            )
            continue
        teams = by_team[(by_team["sla_id"] == row["sla_id"]) & (by_team["breached"] > 0)]
        reps = by_rep[
            (by_rep["sla_id"] == row["sla_id"])
            & (by_rep["breached"] > 0)
            & (by_rep["name"] != UNASSIGNED)
        ]
        text = (
            f"Recover “{row['name']}”: {fmt_pct(row['result_pct'])} against {fmt_pct(row['target_pct'])}."
        )
        if row["provider"] == "service":
            # Service items carry the deal owner's team (a sales team): name the customers instead.
            text += f" {int(row['breached'])} new customers waited past the target: check service capacity and the handoff queue."
        elif not teams.empty and teams.iloc[0]["name"] != NO_TEAM:
            top = records(teams.head(1))[0]
            text += (
                f" {top['name']} has {int(top['breached'])} of the {int(row['breached'])} breaches"
            )
            names = ", ".join(f"{r['name']} ({int(r['breached'])})" for r in records(reps.head(2)))
            text += f"; start with {names}." if names else "."
        actions.append((50 + gap, text))
    return actions


def _other_actions(tables: dict[str, pd.DataFrame], customers: int) -> list[tuple[float, str]]:
    actions: list[tuple[float, str]] = []
    routing = tables["routing_delay"]
    overall = routing[routing["team"] == "All teams"]
    if not overall.empty:
        row = records(overall.head(1))[0]
        share = float(row["routing_share_pct"]) if pd.notna(row["routing_share_pct"]) else 0.0
        if share >= 25:
            actions.append(
                (
                    30 + share / 2,
                    f"Fix lead routing: {share:.0f}% of first-touch delay is before a rep "
                    f"is assigned (average {row['mean_routing_minutes'] / 60:.1f} business "
                    f"hours, 90th percentile {row['p90_routing_minutes'] / 60:.1f}).",
                )
            )
    rejected = tables["rejections"]
    if not rejected.empty:
        top = records(rejected.head(1))[0]
        if float(top["pct_of_delivered"]) >= 3:
            actions.append(
                (
                    20 + float(top["pct_of_delivered"]),
                    f"Review lead quality with marketing: {int(top['rejected'])} leads rejected as "
                    f"“{top['reason']}” ({fmt_pct(top['pct_of_delivered'])} of delivered), mostly from "
                    f"{top['main_source']}.",
                )
            )
    pains = tables["pain_points"]
    pains = pains[pains["customers"] > 0]
    if not pains.empty and customers:
        top = records(pains.head(1))[0]
        advice = f" {top['advice']}" if top["advice"] else ""
        actions.append(
            (
                28 + float(top["share_pct"]) / 2,
                f"Brief service on “{top['name']}”: raised by {int(top['customers'])} of {customers} "
                f"new customers ({_share_change(top)}).{advice}",
            )
        )
    pending = tables["disputes"]
    pending = pending[pending["status"] == "pending"]
    if not pending.empty:
        actions.append(
            (
                15 + len(pending),
                f"Decide the {len(pending)} pending dispute(s) so the month can be closed.",
            )
        )
    return actions


def _share_change(row: dict[str, Any]) -> str:
    change = row["share_change_pts"]
    return (
        "new this month" if pd.isna(change) else f"{change:+.1f} pts of new customers vs last month"
    )


def write_summary(
    month: str,
    previous_month: str | None,
    tables: dict[str, pd.DataFrame],
    customers: int,
    team_name: str | None,
    *,
    review: str | None = None,
) -> Summary:
    """The paragraph and its lists, from the report's own tables; `review` (the agreement's
    review is due soon or overdue) is said right after the headline."""
    results = tables["sla_results"]
    improved, worsened = _changes(results)
    scored = _sla_actions(results, tables["breaches_by_team"], tables["breaches_by_rep"])
    scored += _other_actions(tables, customers)
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    actions = [text for _, text in scored[:3]]
    customer_action = next((t for _, t in scored if t.startswith("Brief service")), None)
    # The report goes to the head of service: keep one customer action among the three.
    if customer_action and customer_action not in actions and len(actions) == 3:
        actions[2] = customer_action
    decided = results[results["status"] != "no data"]
    met = int((decided["status"] == "met").sum())
    scope = f" for {team_name}" if team_name else ""
    parts = [f"In {fmt_month(month, long=True)}{scope}, {met} of {len(decided)} SLAs met their target."]
    if review:
        parts.append(review)
    starved = tables.get("leads_per_rep")
    if starved is not None and not starved.empty:
        short = starved[starved["attainment_pct"] < 100.0]
        parts.append(
            f"{len(short)} of {len(starved)} sales reps got fewer accepted leads than their "
            "per-rep SLA owes them."
        )
    since = f" since {fmt_month(previous_month, long=True)}" if previous_month else ""
    if improved:
        parts.append(f"Improved{since}: " + "; ".join(improved) + ".")
    if worsened:
        parts.append(f"Got worse{since}: " + "; ".join(worsened) + ".")
    if not improved and not worsened and previous_month:
        parts.append(f"No SLA moved by {CHANGE_PTS:.0f} point or more{since}.")
    pains = tables["pain_points"]
    raised = pains[pains["customers"] > 0].head(3)
    if customers and not raised.empty:
        listed = ", ".join(f"{r['name'].lower()} ({int(r['customers'])})" for r in records(raised))
        parts.append(f"The {customers} new customers most often raised {listed}.")
    elif customers:
        parts.append(f"The {customers} new customers raised no pain point the taxonomy knows.")
    if actions:
        parts.append("Top actions: " + " ".join(f"({i}) {a}" for i, a in enumerate(actions, 1)))
    return Summary(" ".join(parts), tuple(improved), tuple(worsened), tuple(actions))
