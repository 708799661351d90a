"""Leads per rep: each receiving rep's line of a per-person quota (SPEC.md section 3,
`per_owner_target`), in words a marketing-ops lead reads: who is starved of leads, who is
over-served. Pure: an evaluation in, a table out; the Overview's strip, the drill-down, the
friction report and the review pack all read it.

`owner_id` / `team_id` narrow the lines to one rep or one team: the same filter a signed-in rep
(their own line) or a manager (their team's) is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from reports.sla_sections import EvaluationLike

# A rep heading for fewer leads than promised is starved; one heading for half as many again as
# promised is over-served (leads that another rep could have worked). Judged on the projection
# mid-month and on the final figure once the month is complete.
STARVED = "starved"
ON_TARGET = "on target"
OVER_SERVED = "over-served"
OVER_SERVED_FROM_PCT = 150.0

COLUMNS = (
    "sla_id",
    "owner_id",
    "team_id",
    "rep",
    "team",
    "target",
    "delivered",
    "accepted",
    "rejected",
    "attainment_pct",
    "projected_accepted",
    "projected_attainment_pct",
    "status",
)


def status_of(line: Mapping[str, Any], month_complete: bool) -> str:
    """STARVED, ON_TARGET or OVER_SERVED for one rep's line."""
    measure = line.get("attainment_pct")
    projected = line.get("projected_attainment_pct")
    if not month_complete and projected is not None:
        measure = projected
    if measure is None or measure < 100.0:
        return STARVED
    return OVER_SERVED if measure >= OVER_SERVED_FROM_PCT else ON_TARGET


def rep_lines(
    evaluation: EvaluationLike,
    names: Mapping[str, str] | None = None,
    teams: Mapping[str, str] | None = None,
    *,
    owner_id: str | None = None,
    team_id: str | None = None,
) -> pd.DataFrame:
    """One row per receiving rep of every per-person quota (COLUMNS), starved first then by
    attainment; empty when the SLA file has no `per_owner_target`."""
    names, teams = names or {}, teams or {}
    rows = []
    for result in evaluation.slas:
        quota = result.quota or {}
        for line in quota.get("owners") or []:
            if owner_id is not None and line["owner_id"] != owner_id:
                continue
            if team_id is not None and line["team_id"] != team_id:
                continue
            rows.append(
                {
                    "sla_id": result.sla_id,
                    "owner_id": line["owner_id"],
                    "team_id": line["team_id"],
                    "rep": names.get(str(line["owner_id"]), str(line["owner_id"])),
                    "team": teams.get(str(line["team_id"]), line["team_id"]),
                    **{k: line.get(k) for k in COLUMNS[5:-1]},
                    "status": status_of(line, bool(quota.get("month_complete"))),
                }
            )
    lines = pd.DataFrame(rows, columns=list(COLUMNS))
    if lines.empty:
        return lines
    order = lines["status"].map({STARVED: 0, ON_TARGET: 1, OVER_SERVED: 2})
    lines = lines.assign(_order=order).sort_values(
        ["sla_id", "_order", "attainment_pct", "rep"], kind="stable"
    )
    return lines.drop(columns="_order").reset_index(drop=True)


def strip_sentence(lines: pd.DataFrame, limit: int = 5) -> str:
    """"3 of 18 reps are starved of leads (A 40%, B 55%, …); 2 are over-served (C 160%)"."""
    if lines.empty:
        return ""
    starved = lines[lines["status"] == STARVED]
    over = lines[lines["status"] == OVER_SERVED]

    def named(part: pd.DataFrame, ascending: bool) -> str:
        part = part.sort_values("attainment_pct", ascending=ascending)
        shown = [
            f"{rep} {pct:.0f}%"
            for rep, pct in zip(part["rep"], part["attainment_pct"], strict=True)
        ][:limit]
        more = len(part) - len(shown)
        return ", ".join(shown) + (f", and {more} more" if more > 0 else "")

    total = len(lines)
    parts = [
        f"{len(starved)} of {total} reps are starved of leads"
        + (f" ({named(starved, True)})" if len(starved) else "")
    ]
    parts.append(
        f"{len(over)} over-served" + (f" ({named(over, False)})" if len(over) else "")
    )
    return "; ".join(parts) + "."
