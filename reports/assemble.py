"""Assemble the monthly friction report: plain inputs in, a `Report` out.

PURE: no database, no streamlit, no files, no clock. The runner (reports/runner.py) reads the
store and the SLA engine and hands everything here as `ReportInputs`; every renderer (html, pdf,
xlsx, csv) and the dashboard's Friction page draw the same `Report`, so they cannot disagree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from models.engine import columns as E
from reports import customer_sections, per_rep, sla_sections
from reports.formats import fmt_month
from reports.friction import Taxonomy
from reports.sla_sections import EvaluationLike, records
from reports.summary import Summary, write_summary

# Rows of the long tables shown in HTML/PDF (the XLSX and CSV files carry every row).
TOP_ROWS = 12


@dataclass(frozen=True)
class Section:
    """One table of the report: its key (CSV file and XLSX sheet name), title and one-line intro."""

    key: str
    title: str
    intro: str
    part: str  # handoff | customer


SECTIONS: tuple[Section, ...] = (
    Section(
        "sla_results",
        "SLA results against target",
        "Each handoff's SLA this month, against its target and last month.",
        "handoff",
    ),
    Section(
        "trend",
        "This month and the three before it",
        "Compliance (attainment for the quota) month by month.",
        "handoff",
    ),
    Section(
        "breaches_by_team", "Breaches by team", "Decided items per team, worst first.", "handoff"
    ),
    Section("breaches_by_rep", "Breaches by rep", "Decided items per rep, worst first.", "handoff"),
    Section(
        "routing_delay",
        "Routing delay apart from rep delay",
        "First touch: business time from hand-off to assignment (routing, not the rep's fault) and from assignment to the first touch (the rep).",
        "handoff",
    ),
    Section(
        "rejections",
        "Rejected leads by reason",
        "Leads handed off this month that sales rejected: lead-quality friction between marketing and sales.",
        "handoff",
    ),
    Section(
        "leads_per_rep",
        "Leads per rep",
        "Marketing → sales, an SLA per person: each active sales rep's accepted leads against what the per-rep SLA owes them, starved reps first.",
        "handoff",
    ),
    Section(
        "disputes",
        "Disputes and exclusions",
        "Disputes and exclusions raised on this month's items, with their reasons.",
        "handoff",
    ),
    Section(
        "credits",
        "Service credits",
        "SLAs with service credits configured in the SLA file, and the credit this month earns.",
        "handoff",
    ),
    Section(
        "pain_points",
        "Customer pain points by category",
        "What this month's new customers raised with sales (notes and call bodies), by taxonomy category.",
        "customer",
    ),
    Section(
        "quotes",
        "In the customers' words",
        "A few verbatim quotes per category, newest first.",
        "customer",
    ),
    Section(
        "customer_briefs",
        "New customers: what service should know before the first contact",
        "One row per new customer, most pain points first.",
        "customer",
    ),
    Section(
        "uncategorised",
        "Uncategorised notes",
        "Notes that matched no category: extend data/friction.toml with their phrases.",
        "customer",
    ),
    Section(
        "new_tags",
        "Tags not in the taxonomy",
        "#tags used in notes that no category lists yet.",
        "customer",
    ),
)
SECTION_BY_KEY = {s.key: s for s in SECTIONS}


@dataclass(frozen=True)
class ReportInputs:
    """Everything the report is made of, already read from the store and the SLA engine.

    evaluation: the month's `Evaluation`; history: earlier months' evaluations, oldest first.
    handed_off: leads handed off in the month (lead_id, source, rejected_at, rejection_reason).
    customers: new customers (deal_id, lead_id, company, closed_won_at, amount, owner_id).
    notes / previous_notes: note and call bodies of this and last month's new customers
    (activity_id, lead_id, occurred_at, body).
    """

    month: str
    as_of: datetime
    evaluation: EvaluationLike
    history: Sequence[EvaluationLike]
    handed_off: pd.DataFrame
    disputes: pd.DataFrame
    owners: pd.DataFrame
    teams: pd.DataFrame
    customers: pd.DataFrame
    notes: pd.DataFrame
    previous_notes: pd.DataFrame
    previous_customers: int
    taxonomy: Taxonomy
    team_id: str | None = None
    review: str | None = None  # the agreement's review is due soon or overdue: say so
    timezone: str = "UTC"  # the reader's: where "as of" and every time of the report is shown


@dataclass(frozen=True)
class Report:
    """The monthly friction report: tables in `SECTIONS` order, a summary and key numbers."""

    month: str
    as_of: datetime
    team_id: str | None
    team_name: str | None
    frozen: bool
    summary: Summary
    tables: Mapping[str, pd.DataFrame]
    key_numbers: tuple[tuple[str, str], ...]
    new_customers: int
    previous_month: str | None
    taxonomy_source: str
    months: tuple[str, ...] = field(default=())
    timezone: str = "UTC"

    @property
    def as_of_text(self) -> str:
        """ "2026-05-14 08:00 EDT (America/New_York)": `as_of` on the reader's clock, labelled."""
        local = pd.Timestamp(self.as_of).tz_convert(self.timezone)
        return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({self.timezone})"

    def local(self, instant: datetime) -> str:
        """Any instant of the report on the reader's clock ("2026-04-03 10:15 EDT")."""
        local = pd.Timestamp(instant).tz_convert(self.timezone)
        return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"

    @property
    def title(self) -> str:
        scope = f" — {self.team_name}" if self.team_name else ""
        return f"Handoff friction report, {fmt_month(self.month, long=True)}{scope}"

    @property
    def slug(self) -> str:
        """File-name stem: friction-2026-10, or friction-2026-10-sales-east for one team."""
        team = f"-{re.sub(r'[^A-Za-z0-9_-]+', '-', self.team_id)}" if self.team_id else ""
        return f"friction-{self.month}{team}"

    def table(self, key: str) -> pd.DataFrame:
        return self.tables[key]


def _frozen(evaluation: EvaluationLike) -> bool:
    return bool(getattr(evaluation, "frozen", False))


def _team_name(teams: pd.DataFrame, team_id: str | None) -> str | None:
    if team_id is None:
        return None
    found = teams[teams["team_id"] == team_id] if not teams.empty else teams
    return str(found.iloc[0]["name"]) if not found.empty else team_id


def _key_numbers(tables: Mapping[str, pd.DataFrame], customers: int) -> tuple[tuple[str, str], ...]:
    numbers: list[tuple[str, str]] = []
    for row in records(tables["sla_results"]):  # one per SLA
        if pd.isna(row["result_pct"]):
            value = "no decided items"
        else:
            change = "" if pd.isna(row["change_pts"]) else f", {row['change_pts']:+.1f} pts"
            value = f"{row['result_pct']:.1f}% (target {row['target_pct']:.0f}%, {row['status']}{change})"
        numbers.append((str(row["name"]), value))
    numbers.append(("New customers", f"{customers:,}"))
    pains = tables["pain_points"]
    top = pains[pains["customers"] > 0].head(3)
    if not top.empty:
        numbers.append(
            (
                "Top pain points",
                ", ".join(f"{r['name']} ({int(r['customers'])})" for r in records(top)),
            )
        )
    return tuple(numbers)


def _directory(
    owners: pd.DataFrame, teams: pd.DataFrame
) -> tuple[dict[str, str], dict[str, str]]:
    """Display names: owner id -> name, team id -> name."""
    names = (
        dict(zip(owners["owner_id"].astype(str), owners["name"].astype(str), strict=True))
        if not owners.empty and "name" in owners
        else {}
    )
    team_names = (
        dict(zip(teams["team_id"].astype(str), teams["name"].astype(str), strict=True))
        if not teams.empty and "name" in teams
        else {}
    )
    return names, team_names


def assemble_report(inputs: ReportInputs) -> Report:
    """Build every section and the summary from `inputs` (deterministic: same inputs, same report)."""
    evaluation = inputs.evaluation
    previous = inputs.history[-1] if inputs.history else None
    results = sla_sections.sla_results(evaluation, previous)
    items = sla_sections.per_item(evaluation)
    tables: dict[str, pd.DataFrame] = {
        "sla_results": results,
        "trend": sla_sections.trend([*inputs.history, evaluation]),
        "breaches_by_team": sla_sections.breaches_by(items, E.TEAM_ID, inputs.owners, inputs.teams),
        "breaches_by_rep": sla_sections.breaches_by(items, E.OWNER_ID, inputs.owners, inputs.teams),
        "routing_delay": sla_sections.routing_delay(items, inputs.teams),
        "rejections": sla_sections.rejections(inputs.handed_off, inputs.owners, inputs.teams),
        "leads_per_rep": per_rep.rep_lines(
            evaluation, *_directory(inputs.owners, inputs.teams), team_id=inputs.team_id
        ),
        "disputes": sla_sections.disputes(items, inputs.disputes),
        "credits": sla_sections.credits(results),
    }
    service_items = items[items[E.KIND] == "service_first_contact"] if not items.empty else items
    friction = customer_sections.customer_friction(
        inputs.customers,
        inputs.notes,
        inputs.previous_notes,
        inputs.previous_customers,
        service_items,
        inputs.owners,
        inputs.taxonomy,
    )
    friction.pop("_matches")
    tables.update(friction)
    customers = int(inputs.customers["deal_id"].nunique()) if not inputs.customers.empty else 0
    team_name = _team_name(inputs.teams, inputs.team_id)
    previous_month = previous.month if previous is not None else None
    ordered = {s.key: tables[s.key] for s in SECTIONS}
    return Report(
        month=inputs.month,
        as_of=inputs.as_of,
        team_id=inputs.team_id,
        team_name=team_name,
        frozen=_frozen(evaluation),
        summary=write_summary(
            inputs.month, previous_month, ordered, customers, team_name, review=inputs.review
        ),
        tables=ordered,
        key_numbers=_key_numbers(ordered, customers),
        new_customers=customers,
        previous_month=previous_month,
        taxonomy_source=inputs.taxonomy.source,
        months=tuple(e.month for e in [*inputs.history, evaluation]),
        timezone=inputs.timezone,
    )
