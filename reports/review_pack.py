"""The review pack: the evidence for the parties' review meeting (SPEC.md section 2,
`[agreement]`). PURE: evaluations and plain tables in, a `ReviewPack` out; the runner
(reports/review_runner.py) reads the store and the engine, the renderers draw it.

Sections: each SLA's result month by month since the last review (the same figures as
`handoff evaluate --month M` at the same instant), the trend per SLA, credits paid, disputes by
reason, rejected leads by reason, each rep's attainment of the per-rep SLA, and a preview of the
proposed change (SLA versions whose `effective_from` is still ahead) on the last three months.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from reports import per_rep, sla_sections
from reports.display import fmt_int, fmt_num, fmt_pct, fmt_pts, fmt_text
from reports.formats import fmt_month
from reports.sla_sections import EvaluationLike, headline_pct


@dataclass(frozen=True)
class PackColumn:
    name: str
    header: str
    fmt: Callable[[object], str] = fmt_text
    numeric: bool = False


@dataclass(frozen=True)
class PackSection:
    key: str
    title: str
    intro: str
    table: pd.DataFrame
    columns: tuple[PackColumn, ...]

    def rows(self) -> list[list[str]]:
        """The table as strings, as every renderer shows it."""
        return [
            [c.fmt(value) for c, value in zip(self.columns, row, strict=True)]
            for row in self.table[[c.name for c in self.columns]].itertuples(index=False)
        ]


@dataclass(frozen=True)
class ReviewPack:
    as_of: datetime
    reviewed_on: date | None
    months: tuple[str, ...]
    status: str
    parties: tuple[str, ...]
    sections: tuple[PackSection, ...]

    @property
    def title(self) -> str:
        if not self.months:
            return "Handoff agreement review pack"
        return (
            f"Handoff agreement review pack, {fmt_month(self.months[0], long=True)} to "
            f"{fmt_month(self.months[-1], long=True)}"
        )

    @property
    def slug(self) -> str:
        return f"review-pack-{self.as_of.date().isoformat()}"

    def section(self, key: str) -> PackSection:
        return next(s for s in self.sections if s.key == key)

    @property
    def opening(self) -> str:
        """The pack's first paragraph: what it covers and where the review cycle stands."""
        since = (
            f"since the last review on {self.reviewed_on.isoformat()}"
            if self.reviewed_on
            else "(no review on record: the last months)"
        )
        return (
            f"The last {len(self.months)} months' evidence {since}. {self.status}"
        )


def _status(result_pct: float | None, target: float) -> str:
    if result_pct is None or pd.isna(result_pct):
        return "no data"
    return "met" if result_pct >= target else "missed"


def results_table(evaluations: Sequence[EvaluationLike]) -> pd.DataFrame:
    """One row per SLA and month: the result (compliance, attainment for a quota) against the
    target, as `handoff evaluate` reports it, with the credit the month earned."""
    rows = []
    for evaluation in evaluations:
        for result in evaluation.slas:
            target = 100.0 if result.kind == "lead_quota" else float(result.target_pct)
            value = headline_pct(result)
            rows.append(
                {
                    "sla_id": result.sla_id,
                    "name": result.name,
                    "month": evaluation.month,
                    "result_pct": value,
                    "target_pct": target,
                    "status": _status(value, target),
                    "credit": result.credit,
                }
            )
    columns = ["sla_id", "name", "month", "result_pct", "target_pct", "status", "credit"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["sla_id", "month"], kind="stable").reset_index(drop=True)


def trend_table(results: pd.DataFrame) -> pd.DataFrame:
    """Per SLA over the period: months met of months judged, first and last result, average, and
    the change from first to last."""
    rows = []
    for sla_id, mine in results.groupby("sla_id", sort=False):
        judged = mine[mine["status"] != "no data"]
        values = judged["result_pct"].astype(float)
        rows.append(
            {
                "sla_id": sla_id,
                "name": mine["name"].iloc[-1],
                "months_judged": len(judged),
                "months_met": int((judged["status"] == "met").sum()),
                "first_pct": values.iloc[0] if len(values) else None,
                "last_pct": values.iloc[-1] if len(values) else None,
                "average_pct": round(float(values.mean()), 1) if len(values) else None,
                "change_pts": round(float(values.iloc[-1] - values.iloc[0]), 1)
                if len(values) > 1
                else None,
            }
        )
    return pd.DataFrame(
        rows,
        columns=["sla_id", "name", "months_judged", "months_met", "first_pct", "last_pct",
                 "average_pct", "change_pts"],
    )  # fmt: skip


def credits_table(results: pd.DataFrame) -> pd.DataFrame:
    """Per SLA with credit bands: the months that earned a credit and the credits in all."""
    with_credit = results[results["credit"].notna()]
    rows = [
        {
            "sla_id": sla_id,
            "name": mine["name"].iloc[-1],
            "months_with_credit": int((mine["credit"] > 0).sum()),
            "credits": float(mine["credit"].sum()),
        }
        for sla_id, mine in with_credit.groupby("sla_id", sort=False)
    ]
    return pd.DataFrame(rows, columns=["sla_id", "name", "months_with_credit", "credits"])


def disputes_table(disputes: pd.DataFrame) -> pd.DataFrame:
    """Disputes and exclusions raised in the period, by SLA, reason and decision."""
    columns = ["sla_id", "reason", "status", "disputes"]
    if disputes.empty:
        return pd.DataFrame(columns=columns)
    reasons = disputes.assign(reason=disputes["reason"].fillna("(no reason)").str.strip())
    counted = (
        reasons.groupby(["sla_id", "reason", "status"]).size().rename("disputes").reset_index()
    )
    return counted.sort_values(["disputes", "sla_id"], ascending=[False, True]).reset_index(
        drop=True
    )[columns]


def reps_table(
    evaluations: Sequence[EvaluationLike], names: Mapping[str, str], teams: Mapping[str, str]
) -> pd.DataFrame:
    """Each rep's attainment of the per-rep SLA over the period (months below target first)."""
    frames = []
    for evaluation in evaluations:
        lines = per_rep.rep_lines(evaluation, names, teams)
        if not lines.empty:
            frames.append(lines.assign(month=evaluation.month))
    columns = ["rep", "team", "months", "months_below", "owed", "accepted", "attainment_pct",
               "worst_month", "worst_pct"]  # fmt: skip
    if not frames:
        return pd.DataFrame(columns=columns)
    lines = pd.concat(frames, ignore_index=True)
    rows = []
    for (rep, team), mine in lines.groupby(["rep", "team"], sort=False, dropna=False):
        worst = mine.sort_values("attainment_pct", kind="stable").iloc[0]
        owed = int(mine["target"].sum())
        accepted = int(mine["accepted"].sum())
        rows.append(
            {
                "rep": rep,
                "team": team,
                "months": len(mine),
                "months_below": int((mine["attainment_pct"] < 100.0).sum()),
                "owed": owed,
                "accepted": accepted,
                "attainment_pct": round(100.0 * accepted / owed, 1) if owed else None,
                "worst_month": worst["month"],
                "worst_pct": worst["attainment_pct"],
            }
        )
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["months_below", "attainment_pct"], ascending=[False, True]).reset_index(
        drop=True
    )


def proposal_table(
    in_force: Sequence[EvaluationLike], proposed: Sequence[EvaluationLike], changed: Sequence[str]
) -> pd.DataFrame:
    """The last months under the SLAs in force and under the proposed versions, side by side
    (only the SLAs the proposal changes)."""
    now = results_table(in_force)
    then = results_table(proposed)
    columns = ["sla_id", "month", "in_force_pct", "proposed_pct", "target_pct", "in_force_status",
               "proposed_status"]  # fmt: skip
    if now.empty or not changed:
        return pd.DataFrame(columns=columns)
    both = now.merge(then, on=["sla_id", "month"], suffixes=("_now", "_proposed"))
    both = both[both["sla_id"].isin(list(changed))]
    return pd.DataFrame(
        {
            "sla_id": both["sla_id"],
            "month": both["month"],
            "in_force_pct": both["result_pct_now"],
            "proposed_pct": both["result_pct_proposed"],
            "target_pct": both["target_pct_proposed"],
            "in_force_status": both["status_now"],
            "proposed_status": both["status_proposed"],
        }
    ).reset_index(drop=True)


def _month(value: object) -> str:
    return fmt_month(str(value), long=True) if isinstance(value, str) and value else ""


def assemble_review_pack(
    *,
    as_of: datetime,
    reviewed_on: date | None,
    status: str,
    parties: Sequence[str],
    evaluations: Sequence[EvaluationLike],
    handed_off: pd.DataFrame,
    disputes: pd.DataFrame,
    names: Mapping[str, str],
    teams: Mapping[str, str],
    in_force: Sequence[EvaluationLike],
    proposed: Sequence[EvaluationLike],
    changed: Sequence[str],
) -> ReviewPack:
    """Every section of the pack (deterministic: same inputs, same pack)."""
    results = results_table(evaluations)
    proposal_intro = (
        "The SLA file holds versions of "
        + ", ".join(changed)
        + " that take effect later: the last three months judged both ways."
        if changed
        else "No proposed change: add a version with a later effective_from to the SLA file "
        "(SLA settings, New version) and build the pack again to preview it here."
    )
    sections = (
        PackSection(
            "results", "Each SLA month by month",
            "The result (compliance, or attainment for a lead quota) against the target; the "
            "same figures as handoff evaluate for each month.",
            results,
            (PackColumn("name", "SLA"), PackColumn("month", "Month", _month),
             PackColumn("result_pct", "Result", fmt_pct, True),
             PackColumn("target_pct", "Target", fmt_pct, True), PackColumn("status", "Status"),
             PackColumn("credit", "Credit", fmt_num, True)),
        ),
        PackSection(
            "trend", "Trend since the last review",
            "Months met out of months judged, the first and last month's result and the change.",
            trend_table(results),
            (PackColumn("name", "SLA"), PackColumn("months_met", "Met", fmt_int, True),
             PackColumn("months_judged", "Judged", fmt_int, True),
             PackColumn("first_pct", "First", fmt_pct, True),
             PackColumn("last_pct", "Last", fmt_pct, True),
             PackColumn("average_pct", "Average", fmt_pct, True),
             PackColumn("change_pts", "Change", fmt_pts, True)),
        ),
        PackSection(
            "credits", "Service credits paid",
            "SLAs with credit bands: the months that earned a credit and the credits in all.",
            credits_table(results),
            (PackColumn("name", "SLA"),
             PackColumn("months_with_credit", "Months with credit", fmt_int, True),
             PackColumn("credits", "Credits", fmt_num, True)),
        ),
        PackSection(
            "disputes", "Disputes by reason",
            "Disputes and exclusions raised in the period, by SLA, reason and decision.",
            disputes_table(disputes),
            (PackColumn("sla_id", "SLA"), PackColumn("reason", "Reason"),
             PackColumn("status", "Decision"), PackColumn("disputes", "Disputes", fmt_int, True)),
        ),
        PackSection(
            "rejections", "Rejected leads by reason",
            "Leads handed off in the period that sales rejected, by reason.",
            sla_sections.rejections(handed_off),
            (PackColumn("reason", "Reason"), PackColumn("rejected", "Rejected", fmt_int, True),
             PackColumn("pct_of_rejected", "% of rejected", fmt_pct, True),
             PackColumn("pct_of_delivered", "% of delivered", fmt_pct, True),
             PackColumn("main_source", "Main source")),
        ),
        PackSection(
            "reps", "Each rep's attainment of the per-rep SLA",
            "Accepted leads against what the per-rep SLA owed each active rep, months below "
            "target first.",
            reps_table(evaluations, names, teams),
            (PackColumn("rep", "Rep"), PackColumn("team", "Team"),
             PackColumn("months_below", "Months below", fmt_int, True),
             PackColumn("months", "Months", fmt_int, True),
             PackColumn("accepted", "Accepted", fmt_int, True),
             PackColumn("owed", "Owed", fmt_int, True),
             PackColumn("attainment_pct", "Attained", fmt_pct, True),
             PackColumn("worst_month", "Worst month", _month),
             PackColumn("worst_pct", "Worst", fmt_pct, True)),
        ),
        PackSection(
            "proposal", "The proposed change on the last three months",
            proposal_intro,
            proposal_table(in_force, proposed, changed),
            (PackColumn("sla_id", "SLA"), PackColumn("month", "Month", _month),
             PackColumn("in_force_pct", "In force", fmt_pct, True),
             PackColumn("proposed_pct", "Proposed", fmt_pct, True),
             PackColumn("target_pct", "Target", fmt_pct, True),
             PackColumn("in_force_status", "Status now"),
             PackColumn("proposed_status", "Status proposed")),
        ),
    )  # fmt: skip
    return ReviewPack(
        as_of=as_of,
        reviewed_on=reviewed_on,
        months=tuple(e.month for e in evaluations),
        status=status,
        parties=tuple(parties),
        sections=sections,
    )

