"""`handoff evaluate --format json|table|csv`: an evaluation as text.

json: SPEC.md section 5 (plus extras); csv: one row per item of every per-item SLA; table: for
people, one line per SLA with its compliance against target and the worst teams.
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
        return render_items_csv(evaluation.items())
    if fmt == "table":
        return render_table(evaluation)
    raise BadInputError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")


def render_items_csv(items: pd.DataFrame) -> str:
    """Items as CSV with ISO 8601 instants (UTC offset)."""
    frame = items[list(E.ITEM_COLUMNS)].copy()
    for name in E.TIMESTAMP_COLUMNS:
        frame[name] = iso_instants(frame[name])
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
    return "\n".join(lines)
