"""`handoff evaluate --format json|table|csv`: an evaluation as text.

json: SPEC.md section 5 (plus extras); csv: one row per item of every per-item SLA, then one row
per receiving rep of each per-person quota (kind `lead_quota`, item_id the rep, with the extra
columns target, delivered, accepted, attainment_pct); table: for people, one line per SLA with
its compliance against target and the worst teams, then each per-person quota's reps.
"""

from __future__ import annotations

import io
import json

import pandas as pd

from models.engine import columns as E
from models.engine.results import Evaluation, SlaResult
from models.engine.rollups import worst
from models.engine.serialise import iso_instants
from models.errors import BadInputError

FORMATS = ("json", "table", "csv")


def render_evaluation(evaluation: Evaluation, fmt: str) -> str:
    """The evaluation as `json`, `table` or `csv` text."""
    if fmt == "json":
        return json.dumps(evaluation.to_json(), ensure_ascii=False, default=str)
    if fmt == "csv":
        return render_items_csv(evaluation.items(), owner_rows(evaluation))
    if fmt == "table":
        return render_table(evaluation)
    raise BadInputError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")


OWNER_FIGURES = ("target", "delivered", "accepted", "attainment_pct")


def owner_rows(evaluation: Evaluation) -> pd.DataFrame:
    """One row per receiving rep of each per-person quota, in item columns plus OWNER_FIGURES:
    state `met`, `breached` once the month is complete, else `open`."""
    rows = []
    for result in evaluation.slas:
        quota = result.quota or {}
        for line in quota.get("owners") or []:
            late = E.BREACHED if quota.get("month_complete") else E.OPEN
            state = E.MET if line["met"] else late
            rows.append(
                {
                    E.SLA_ID: result.sla_id,
                    E.KIND: result.kind,
                    E.ITEM_ID: line["owner_id"],
                    E.OWNER_ID: line["owner_id"],
                    E.TEAM_ID: line["team_id"],
                    E.MONTH: evaluation.month,
                    E.STATE: state,
                    **{name: line[name] for name in OWNER_FIGURES},
                }
            )
    return pd.DataFrame(rows, columns=[*E.ITEM_COLUMNS, *OWNER_FIGURES])


def render_items_csv(items: pd.DataFrame, owners: pd.DataFrame | None = None) -> str:
    """Items as CSV with ISO 8601 instants (UTC offset); per-rep quota rows (`owner_rows`)
    after them, when there are any, with their figures in extra columns."""
    frame = items[list(E.ITEM_COLUMNS)].copy()
    for name in E.TIMESTAMP_COLUMNS:
        frame[name] = iso_instants(frame[name])
    if owners is not None and not owners.empty:
        frame = pd.concat([frame.astype(object), owners.astype(object)], ignore_index=True)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def _pct(value: float | None) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.1f}%"


def _worst_teams(result: SlaResult) -> str:
    table = worst(result.lean_items, [E.TEAM_ID], n=3)
    table = table[table[E.BREACHED] > 0]
    if table.empty:
        return ""
    parts = [
        f"{team if isinstance(team, str) else 'no team'} {_pct(pct)} ({breached} breached)"
        for team, pct, breached in zip(
            table[E.TEAM_ID], table["compliance_pct"], table[E.BREACHED], strict=True
        )
    ]
    return "worst: " + ", ".join(parts)


def _line(result: SlaResult) -> list[str]:
    verdict = {True: "MET", False: "MISSED", None: "n/a"}[result.met]
    if result.quota is not None:
        q = result.quota
        pace = (
            ""
            if q["month_complete"]
            else (
                f"; pace {_pct(q['pace_pct'])} after {q['business_days_gone']}/{q['business_days_total']} business days, "
                f"projected {q['projected_accepted']}"
            )
        )
        detail = (
            f"accepted {q['accepted']} of target {q['target']} (delivered {q['delivered']}, "
            f"rejected {q['rejected']}) = {_pct(q['attainment_pct'])}{pace}"
        )
        cells = [result.sla_id, result.kind, verdict, _pct(q["attainment_pct"]), "100.0%", detail]
    else:
        c = result.counts
        detail = f"{c[E.MET]} met, {c[E.BREACHED]} breached, {c[E.OPEN]} open ({result.at_risk_count} at risk), {c[E.EXCLUDED]} excluded"
        if result.kind == "follow_up_attempts":
            average = "—" if result.average_attempts is None else f"{result.average_attempts:.1f}"
            detail += f"; avg attempts {average} vs goal {result.min_attempts}"
        teams = _worst_teams(result)
        if teams:
            detail += f"; {teams}"
        cells = [
            result.sla_id,
            result.kind,
            verdict,
            _pct(result.compliance_pct),
            _pct(result.target_pct),
            detail,
        ]
    if result.credit is not None:
        cells[-1] += f"; service credit {result.credit:g}"
    return cells


def render_table(evaluation: Evaluation) -> str:
    """One line per SLA: id, kind, verdict, compliance, target, counts and the worst teams."""
    header = ["SLA", "kind", "verdict", "actual", "target", "details"]
    rows = [_line(result) for result in evaluation.slas]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    title = f"SLA verdicts for {evaluation.month} as of {pd.Timestamp(evaluation.as_of).floor('s').isoformat()}"
    if evaluation.team_id:
        title += f", team {evaluation.team_id}"
    if evaluation.frozen:
        title += f" (frozen {evaluation.frozen.get('frozen_at')} by {evaluation.frozen.get('frozen_by') or 'unknown'})"
    lines.append(title)
    for row in [header, *rows]:
        lines.append(
            "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=False))
            + "  "
            + row[-1]
        )
    if not rows:
        lines.append("(no SLA in force for this month)")
    for result in evaluation.slas:
        lines.extend(_owner_lines(result))
    return "\n".join(lines)


def _owner_lines(result: SlaResult) -> list[str]:
    """A per-person quota's reps, those furthest below target first."""
    quota = result.quota or {}
    owners = quota.get("owners")
    if owners is None:
        return []
    below = [o for o in owners if not o["met"]]
    lines = [
        "",
        f"Leads per rep, {result.sla_id} ({quota.get('per_owner_target')} a month each): "
        f"{len(owners)} reps, {len(below)} below target",
    ]
    if not owners:
        lines.append("  (no active rep of the receiving tier)")
    ordered = sorted(owners, key=lambda o: (o["attainment_pct"], str(o["owner_id"])))
    names = [f"{o['owner_id']} ({o['team_id'] or 'no team'})" for o in ordered]
    width = max((len(n) for n in names), default=0)
    for name, o in zip(names, ordered, strict=True):
        pace = ""
        if not quota.get("month_complete"):
            pace = f"; pace {_pct(o['pace_pct'])}, projected {o['projected_accepted']}"
        flag = "met" if o["met"] else "BELOW"
        lines.append(
            f"  {name.ljust(width)}  accepted {o['accepted']} of {o['target']} "
            f"(delivered {o['delivered']}) = {_pct(o['attainment_pct'])}  {flag}{pace}"
        )
    return lines
