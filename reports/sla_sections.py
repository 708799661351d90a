"""Handoff-friction tables of the report: SLA results, trend, breaches, routing, rejections, disputes.

Pure: the SLA engine's results (duck-typed, see `SlaResultLike`) and DataFrames in, tidy
DataFrames out. Minutes stay minutes here; renderers choose hours for display.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from models.engine import columns as E

PER_ITEM_KINDS = ("first_touch", "follow_up_attempts", "service_first_contact")
UNASSIGNED = "(unassigned)"
TOUCH_STOPS = (E.STOP_ACTIVITY, E.STOP_REACHED, E.STOP_ATTEMPTS)
NO_REASON = "(no reason given)"
NO_TEAM = "(unassigned)"  # one label for "no owner" and "no team", as on every page


class SlaResultLike(Protocol):
    """What the report reads of `models.engine.results.SlaResult` (read-only, so any such object fits)."""

    @property
    def sla_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def target_pct(self) -> float: ...
    @property
    def items(self) -> pd.DataFrame: ...
    @property
    def lean_items(self) -> pd.DataFrame: ...
    @property
    def counts(self) -> Mapping[str, int]: ...
    @property
    def compliance_pct(self) -> float | None: ...
    @property
    def met(self) -> bool | None: ...
    @property
    def average_attempts(self) -> float | None: ...
    @property
    def min_attempts(self) -> int | None: ...
    @property
    def quota(self) -> Mapping[str, Any] | None: ...
    @property
    def credit(self) -> float | None: ...


class EvaluationLike(Protocol):
    """What the report reads of `models.verdicts.service.Evaluation`."""

    @property
    def month(self) -> str: ...
    @property
    def team_id(self) -> str | None: ...
    @property
    def frozen(self) -> Any: ...
    @property
    def slas(self) -> Sequence[SlaResultLike]: ...

    def items(self, kind: str | None = None) -> pd.DataFrame: ...


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts, for the few places that walk a handful of summary rows (never items)."""
    return frame.to_dict("records")  # type: ignore[return-value]


def headline_pct(result: SlaResultLike) -> float | None:
    """The one number an SLA is judged by: compliance, or attainment for a quota."""
    if result.kind == "lead_quota":
        value = (result.quota or {}).get("attainment_pct")
        return None if value is None else float(value)
    return None if result.compliance_pct is None else float(result.compliance_pct)


def _nan(value: Any) -> float:
    return float("nan") if value is None else float(value)


def sla_results(evaluation: EvaluationLike, previous: EvaluationLike | None) -> pd.DataFrame:
    """One row per SLA: target, result, last month's result, counts, quota figures, credit."""
    before = {r.sla_id: headline_pct(r) for r in previous.slas} if previous is not None else {}
    rows = []
    for result in evaluation.slas:
        quota = result.quota or {}
        value = headline_pct(result)
        prior = before.get(result.sla_id)
        target = 100.0 if result.kind == "lead_quota" else float(result.target_pct)
        rows.append(
            {
                "sla_id": result.sla_id,
                "name": result.name,
                "kind": result.kind,
                "provider": result.provider,
                "metric": "attainment" if result.kind == "lead_quota" else "compliance",
                "target_pct": target,
                "result_pct": _nan(value),
                "previous_pct": _nan(prior),
                "change_pts": _nan(
                    None if value is None or prior is None else round(value - prior, 2)
                ),
                "status": "no data" if result.met is None else ("met" if result.met else "missed"),
                "met": int(result.counts.get(E.MET, 0)),
                "breached": int(result.counts.get(E.BREACHED, 0)),
                "open": int(result.counts.get(E.OPEN, 0)),
                "excluded": int(result.counts.get(E.EXCLUDED, 0)),
                "average_attempts": _nan(result.average_attempts),
                "min_attempts": _nan(result.min_attempts),
                "quota_target": _nan(quota.get("target")),
                "delivered": _nan(quota.get("delivered")),
                "accepted": _nan(quota.get("accepted")),
                "rejected": _nan(quota.get("rejected")),
                "credit": _nan(result.credit),
            }
        )
    return pd.DataFrame(rows)


def trend(evaluations: Sequence[EvaluationLike]) -> pd.DataFrame:
    """Long table sla_id, name, month, result_pct, target_pct, status over the given months."""
    rows = []
    for evaluation in evaluations:
        for result in evaluation.slas:
            value = headline_pct(result)
            rows.append(
                {
                    "sla_id": result.sla_id,
                    "name": result.name,
                    "month": evaluation.month,
                    "metric": "attainment" if result.kind == "lead_quota" else "compliance",
                    "result_pct": _nan(value),
                    "target_pct": 100.0
                    if result.kind == "lead_quota"
                    else float(result.target_pct),
                    "status": "no data"
                    if result.met is None
                    else ("met" if result.met else "missed"),
                }
            )
    return pd.DataFrame(
        rows, columns=["sla_id", "name", "month", "metric", "result_pct", "target_pct", "status"]
    )


# The item columns the report's tables read (breaches, routing delay, disputes, new customers'
# service state): a month has ~250k items at 100k leads; the other twenty-odd columns are not
# copied into the one frame the tables are built from.
REPORT_ITEM_COLUMNS = (
    E.SLA_ID,
    E.KIND,
    E.ITEM_ID,
    E.DEAL_ID,
    E.OWNER_ID,
    E.TEAM_ID,
    E.CLOSED_BY_OWNER_ID,
    E.STATE,
    E.STOP_REASON,
    E.ELAPSED,
    E.ASSIGNED_AT,
    E.ROUTING_DELAY_BUSINESS,
)


def per_item(evaluation: EvaluationLike) -> pd.DataFrame:
    """All per-item verdicts of the evaluation in one frame, the columns the report reads
    (`REPORT_ITEM_COLUMNS`) plus the SLA's name and target."""
    frames = []
    for result in evaluation.slas:
        # Lean: the report shows no explanation sentences, so none are written for it.
        if result.kind not in PER_ITEM_KINDS or result.lean_items is None or result.lean_items.empty:
            continue
        items = result.lean_items[list(REPORT_ITEM_COLUMNS)]
        items = items.assign(sla_name=result.name, target_pct=float(result.target_pct))
        frames.append(items)
    if not frames:
        return pd.DataFrame(columns=[*REPORT_ITEM_COLUMNS, "sla_name", "target_pct"])
    return pd.concat(frames, ignore_index=True)


def _names(frame: pd.DataFrame, key: str) -> pd.Series:
    if frame.empty:
        return pd.Series(dtype=object)
    return frame.drop_duplicates(key).set_index(key)["name"]


def _compliance(met: pd.Series, breached: pd.Series) -> pd.Series:
    decided = met + breached
    return (100.0 * met / decided.where(decided > 0)).round(1)


def breaches_by(
    items: pd.DataFrame, by: str, owners: pd.DataFrame, teams: pd.DataFrame
) -> pd.DataFrame:
    """Decided items per SLA and `by` (team_id or owner_id), worst first (most breaches)."""
    team_key = [] if by == E.TEAM_ID else [E.TEAM_ID]
    columns = [
        "sla_id",
        "sla_name",
        by,
        "name",
        *team_key,
        "team",
        "decided",
        "met",
        "breached",
        "compliance_pct",
        "target_pct",
        "median_elapsed_minutes",
    ]
    decided = items[items[E.STATE].isin([E.MET, E.BREACHED])]
    if decided.empty:
        return pd.DataFrame(columns=columns)
    # The median is the dashboard's "median first touch": business time to the contact that
    # stopped the clock, over the items a contact stopped (not rejections, not untouched ones).
    touched = decided[E.STOP_REASON].isin(TOUCH_STOPS)
    keyed = decided.assign(
        **{by: decided[by].fillna("")},
        _met=(decided[E.STATE] == E.MET).astype(int),
        _breached=(decided[E.STATE] == E.BREACHED).astype(int),
        _elapsed=pd.to_numeric(decided[E.ELAPSED], errors="coerce").where(touched),
        _team=decided[E.TEAM_ID],
    )
    grouped = (
        keyed.groupby(["sla_id", "sla_name", by], sort=False, dropna=False)
        .agg(
            decided=(E.STATE, "size"),
            met=("_met", "sum"),
            breached=("_breached", "sum"),
            target_pct=("target_pct", "first"),
            median_elapsed_minutes=("_elapsed", "median"),
            _team=("_team", "first"),
        )
        .reset_index()
    )
    grouped["team_id"] = grouped["_team"]
    grouped["compliance_pct"] = _compliance(grouped["met"], grouped["breached"])
    team_names = _names(teams, "team_id")
    if by == E.OWNER_ID:
        grouped["name"] = grouped[by].map(_names(owners, "owner_id")).fillna(UNASSIGNED)
        grouped.loc[grouped[by] == "", "name"] = UNASSIGNED
        # Leads with no rep have no rep median: nobody's speed to report.
        grouped.loc[grouped[by] == "", "median_elapsed_minutes"] = np.nan
    else:
        grouped["name"] = grouped[by].map(team_names).fillna(NO_TEAM)
    grouped["team"] = grouped["team_id"].map(team_names).fillna(NO_TEAM)
    grouped[by] = grouped[by].replace("", None)
    grouped["median_elapsed_minutes"] = grouped["median_elapsed_minutes"].astype(float).round(1)
    ordered = grouped.sort_values(
        ["breached", "compliance_pct", "sla_id", "name"],
        ascending=[False, True, True, True],
        ignore_index=True,
        na_position="last",
    )
    return ordered[columns]


def routing_delay(items: pd.DataFrame, teams: pd.DataFrame) -> pd.DataFrame:
    """First-touch delay split into routing (hand-off to assignment) and rep (assignment to touch).

    Routing delay is not the rep's fault (SPEC section 1), so it is shown apart, per sales team
    and overall, as medians and 90th percentiles in business minutes.
    """
    columns = [
        "team_id",
        "team",
        "leads",
        "unassigned",
        "mean_routing_minutes",
        "p90_routing_minutes",
        "median_rep_minutes",
        "p90_rep_minutes",
        "routing_share_pct",
    ]
    touch = items[items[E.KIND] == "first_touch"]
    if touch.empty:
        return pd.DataFrame(columns=columns)
    touch = touch.assign(
        _team=touch[E.TEAM_ID].fillna(""),
        _routing=pd.to_numeric(touch[E.ROUTING_DELAY_BUSINESS], errors="coerce"),
        _rep=pd.to_numeric(touch[E.ELAPSED], errors="coerce"),
        _unassigned=touch[E.ASSIGNED_AT].isna(),
    )
    # Only the first-touch SLA's own items; several first-touch SLAs would double count leads.
    touch = touch[touch["sla_id"] == touch["sla_id"].iloc[0]]
    overall = touch.assign(_team="*")
    both = pd.concat([touch, overall], ignore_index=True)
    grouped = (
        both.groupby("_team", sort=True)
        .agg(
            leads=("_team", "size"),
            unassigned=("_unassigned", "sum"),
            mean_routing_minutes=("_routing", "mean"),
            p90_routing_minutes=("_routing", lambda s: s.quantile(0.9)),
            median_rep_minutes=("_rep", "median"),
            p90_rep_minutes=("_rep", lambda s: s.quantile(0.9)),
            routing_total=("_routing", "sum"),
            rep_total=("_rep", "sum"),
        )
        .reset_index()
    )
    total = grouped["routing_total"] + grouped["rep_total"]
    grouped["routing_share_pct"] = (
        100.0 * grouped["routing_total"] / total.where(total > 0)
    ).round(1)
    grouped["team_id"] = grouped["_team"].replace({"": None, "*": None})
    names = grouped["_team"].map(_names(teams, "team_id"))
    grouped["team"] = names.fillna(NO_TEAM).where(grouped["_team"] != "*", "All teams")
    grouped["unassigned"] = grouped["unassigned"].astype(int)
    for name in columns[4:8]:
        grouped[name] = grouped[name].astype(float).round(1)
    # "All teams" last, the rest by average routing delay, slowest first. The average, not the
    # median, sits beside the routing share: both are sums over the same leads (a median of 0 h
    # beside a share of 11% read as a contradiction when most leads are routed at once).
    grouped["_all"] = grouped["_team"] == "*"
    grouped = grouped.sort_values(
        ["_all", "mean_routing_minutes", "team"], ascending=[True, False, True]
    )
    return grouped[columns].reset_index(drop=True)


def rejections(
    handed_off: pd.DataFrame,
    owners: pd.DataFrame | None = None,
    teams: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rejected leads of the month by reason, with the source that sent most of them and, per
    reason, the rejecting sales teams (the lead owner's team) with their counts, most first."""
    columns = [
        "reason",
        "rejected",
        "pct_of_rejected",
        "pct_of_delivered",
        "main_source",
        "main_source_rejected",
        "by_team",
    ]
    if handed_off.empty:
        return pd.DataFrame(columns=columns)
    rejected = handed_off[handed_off["rejected_at"].notna()]
    if rejected.empty:
        return pd.DataFrame(columns=columns)
    reasons = rejected["rejection_reason"].fillna(NO_REASON).replace("", NO_REASON)
    sources = rejected["source"].fillna("(unknown)")
    by_source = (
        pd.DataFrame({"reason": reasons, "source": sources})
        .value_counts()
        .rename("n")
        .reset_index()
        .sort_values(["reason", "n", "source"], ascending=[True, False, True])
        .drop_duplicates("reason")
        .set_index("reason")
    )
    counts = reasons.value_counts().rename("rejected").rename_axis("reason").reset_index()
    counts["pct_of_rejected"] = (100.0 * counts["rejected"] / len(rejected)).round(1)
    counts["pct_of_delivered"] = (100.0 * counts["rejected"] / len(handed_off)).round(1)
    counts["main_source"] = counts["reason"].map(by_source["source"])
    counts["main_source_rejected"] = counts["reason"].map(by_source["n"]).astype(int)
    counts["by_team"] = counts["reason"].map(_teams_per_reason(rejected, reasons, owners, teams))
    counts = counts.sort_values(["rejected", "reason"], ascending=[False, True], ignore_index=True)
    return counts[columns]


def _teams_per_reason(
    rejected: pd.DataFrame,
    reasons: pd.Series,
    owners: pd.DataFrame | None,
    teams: pd.DataFrame | None,
) -> pd.Series:
    """Per reason: "Sales East 12 · Sales West 3" (the owner's team; "(unassigned)" without)."""
    owner_team = (
        owners.drop_duplicates("owner_id").set_index("owner_id")["team_id"]
        if owners is not None and not owners.empty
        else pd.Series(dtype=object)
    )
    names = _names(teams, "team_id") if teams is not None else pd.Series(dtype=object)
    team = rejected["owner_id"].map(owner_team).map(names) if "owner_id" in rejected else None
    team = (team if team is not None else pd.Series(None, index=rejected.index)).fillna(NO_TEAM)
    counted = (
        pd.DataFrame({"reason": reasons, "team": team})
        .value_counts()
        .rename("n")
        .reset_index()
        .sort_values(["reason", "n", "team"], ascending=[True, False, True])
    )
    counted["part"] = counted["team"].astype(str) + " " + counted["n"].astype(str)
    return counted.groupby("reason", sort=False)["part"].agg(" · ".join)


def disputes(items: pd.DataFrame, all_disputes: pd.DataFrame) -> pd.DataFrame:
    """Disputes and exclusions raised on this month's items, newest first."""
    columns = [
        "sla_id",
        "item_id",
        "kind",
        "status",
        "reason",
        "raised_by",
        "raised_at",
        "decided_by",
        "decided_at",
        "decision_note",
    ]
    if all_disputes.empty or items.empty:
        return pd.DataFrame(columns=columns)
    keys = items[["sla_id", E.ITEM_ID]].drop_duplicates()
    mine = all_disputes.merge(
        keys, left_on=["sla_id", "item_id"], right_on=["sla_id", E.ITEM_ID], how="inner"
    )
    if mine.empty:
        return pd.DataFrame(columns=columns)
    mine = mine.reindex(columns=columns)
    return mine.sort_values(
        ["raised_at", "sla_id", "item_id"], ascending=[False, True, True], ignore_index=True
    )


def credits(results: pd.DataFrame) -> pd.DataFrame:
    """SLAs with service credits configured: result and the credit it earns this month."""
    configured = results[results["credit"].notna()]
    return configured[
        ["sla_id", "name", "provider", "target_pct", "result_pct", "credit"]
    ].reset_index(drop=True)


def worst(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """The first `n` rows that have at least one breach (tables are already worst first)."""
    return frame[frame["breached"] > 0].head(n)


def safe_round(value: Any, digits: int = 1) -> float | None:
    """A float rounded, or None for missing/NaN (for JSON and text)."""
    if value is None:
        return None
    number = float(value)
    return None if np.isnan(number) else round(number, digits)
