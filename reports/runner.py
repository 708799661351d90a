"""`handoff report`: read the month from the store and the SLA engine, assemble, render, deliver.

    result = run_report(store, settings, month="2026-10", out_dir=Path("out"), formats=["html", "pdf"],
                        team_id=None, deliver=True, resend=False, trigger="manual")

Every run is a `ReportRun` row; every delivery a `Delivery` row (reports/deliver.py). The
dashboard uses `build_report` and the renderers' bytes functions directly.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from models.config import HandoffConfig, load_config
from models.config_agreement import review_status
from models.engine import columns as E
from models.engine.results import Evaluation
from models.errors import BadInputError, HandoffError
from models.settings import Settings
from models.store import Store
from models.tables import ReportRun
from models.time.months import check_month, last_full_month, months_before, months_through
from models.verdicts.cache import cached_evaluations
from models.verdicts.service import (
    evaluate_months,
    freeze_month,
    list_disputes,
    month_closed_at,
    month_is_frozen,
)
from reports.assemble import Report, ReportInputs, assemble_report
from reports.deliver import Attachment, DeliveryOutcome, deliver_report
from reports.friction import Taxonomy, load_taxonomy
from reports.render_csv import render_csv, render_csv_zip
from reports.render_html import render_html
from reports.render_pdf import render_pdf
from reports.render_xlsx import render_xlsx

FORMATS = ("html", "pdf", "xlsx", "csv")
TREND_MONTHS = 3
NOTE_TYPES = ("note", "call")  # what customers told sales: note and call bodies
Clock = Callable[[], datetime]


@dataclass
class ReportResult:
    """What a run did: files written, deliveries, and whether anything failed."""

    run_id: int | None
    month: str
    team_id: str | None
    status: str  # ok | failed
    files: list[Path] = field(default_factory=list)
    deliveries: list[DeliveryOutcome] = field(default_factory=list)
    error: str | None = None
    report: Report | None = None
    frozen: str | None = None  # what delivering did to the month (frozen now, or already)

    def summary(self) -> str:
        scope = f" (team {self.team_id})" if self.team_id else ""
        lines = [f"Friction report {self.month}{scope}: {self.status}"]
        lines += [f"  wrote {path}" for path in self.files]
        lines += [f"  {outcome.line()}" for outcome in self.deliveries]
        if self.frozen:
            lines.append(f"  {self.frozen}")
        if self.error:
            lines.append(f"  error: {self.error}")
        return "\n".join(lines)


def _config(settings_or_config: Settings | HandoffConfig | str | Path) -> HandoffConfig:
    if isinstance(settings_or_config, HandoffConfig):
        return settings_or_config
    if isinstance(settings_or_config, Settings):
        return load_config(settings_or_config.handoff_config)
    return load_config(settings_or_config)


def report_timezone(config: HandoffConfig) -> str:
    """Where "last month" is judged: [schedule] timezone, else the quota's, else the first calendar's."""
    zone = config.section("schedule").get("timezone")
    if isinstance(zone, str) and zone:
        return zone
    for sla in config.slas:
        if sla.kind == "lead_quota" and sla.timezone:
            return sla.timezone
    for calendar in config.calendars.values():
        return str(calendar.timezone)
    return "UTC"


def taxonomy_path(config: HandoffConfig) -> Path:
    """[report] taxonomy (relative to the SLA file), else friction.toml beside the SLA file."""
    base = (
        Path(config.source).parent
        if config.source and config.source != "<memory>"
        else Path("data")
    )
    configured = config.section("report").get("taxonomy")
    if isinstance(configured, str) and configured:
        path = Path(configured)
        return path if path.is_absolute() else base / path
    return base / "friction.toml"


def _month_bounds(month: str, timezone: str) -> tuple[datetime, datetime]:
    first = pd.Timestamp(f"{month}-01").tz_localize(timezone)
    return first.to_pydatetime(), (first + pd.offsets.MonthBegin(1)).to_pydatetime()


def _quota_timezone(config: HandoffConfig) -> str:
    return next(
        (s.timezone for s in config.slas if s.kind == "lead_quota"), report_timezone(config)
    )


def _team_of_owner(owners: pd.DataFrame) -> pd.Series:
    return (
        owners.drop_duplicates("owner_id").set_index("owner_id")["team_id"]
        if not owners.empty
        else pd.Series(dtype=object)
    )


def _customers(
    store: Store, evaluation, month: str, team_id: str | None, owners: pd.DataFrame
) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The month's new customers: the service SLA's items (deals), with deal and lead details."""
    service = evaluation.items("service_first_contact", explain=False)
    if not service.empty:
        # The deals and their leads' company and owner in one read (no per-row work).
        return store.read_deals_with_leads(sorted(service[E.DEAL_ID].dropna().unique()))
    start, end = _month_bounds(month, "UTC")
    deals = store.read_deals_closed(start, end)
    if team_id is not None:
        deals = deals[deals["owner_id"].map(_team_of_owner(owners)) == team_id]
    if deals.empty:
        return pd.DataFrame(
            columns=["deal_id", "lead_id", "company", "closed_won_at", "amount", "owner_id"]
        )
    leads = store.read_entity("lead", ids=sorted(deals["lead_id"].unique()))[
        ["lead_id", "company", "owner_id"]
    ]
    joined = deals[["deal_id", "lead_id", "closed_won_at", "amount"]].merge(
        leads, on="lead_id", how="left"
    )
    return joined.sort_values("deal_id", ignore_index=True)


def _notes(
    store: Store, lead_ids: list[str], as_of: datetime, owners: pd.DataFrame, teams: pd.DataFrame
) -> pd.DataFrame:
    """Note and call bodies of these leads known at `as_of`, except those written by service."""
    notes = (
        store.read_activity_bodies(lead_ids, NOTE_TYPES)
        if lead_ids
        else store.read_activity_bodies([], NOTE_TYPES)
    )
    if notes.empty:
        return notes
    tier = (
        teams.drop_duplicates("team_id").set_index("team_id")["tier"]
        if not teams.empty
        else pd.Series(dtype=object)
    )
    author_tier = notes["owner_id"].map(_team_of_owner(owners)).map(tier)
    keep = (notes["occurred_at"] <= pd.Timestamp(as_of)) & (author_tier != "service")
    return notes[keep].reset_index(drop=True)


def _handed_off(
    store: Store,
    config: HandoffConfig,
    month: str,
    as_of: datetime,
    team_id: str | None,
    owners: pd.DataFrame,
) -> pd.DataFrame:
    """Leads handed off in the month (the quota's month), known at `as_of` (SPEC section 3)."""
    start, end = _month_bounds(month, _quota_timezone(config))
    leads = store.read_handoff_outcomes(start, end, as_of)
    if team_id is not None:
        leads = leads[leads["owner_id"].map(_team_of_owner(owners)) == team_id]
    return leads.reset_index(drop=True)


def report_months(month: str) -> list[str]:
    """The months a report judges: its trend's, oldest first, then the month itself."""
    return months_through(month, TREND_MONTHS + 1)


def build_report(
    store: Store,
    settings_or_config: Settings | HandoffConfig | str | Path,
    month: str,
    *,
    team_id: str | None = None,
    as_of: datetime,
    taxonomy: Taxonomy | None = None,
    timezone: str | None = None,
    judged: list[Evaluation] | None = None,
) -> Report:
    """The month's report (optionally one team's), as known at `as_of`; its times are shown in
    `timezone` (the viewer's), by default the report's own zone (`report_timezone`). `judged`:
    the evaluations of `report_months(month)` at `as_of` when the caller has them already (the
    dashboard keeps them in memory)."""
    check_month(month)
    if as_of.tzinfo is None:
        raise BadInputError(f"as_of {as_of!r} has no time zone; pass an aware instant")
    config = _config(settings_or_config)
    taxonomy = taxonomy or load_taxonomy(taxonomy_path(config))
    owners, teams = store.read_entity("owner"), store.read_entity("team")
    if team_id is not None and (teams.empty or team_id not in set(teams["team_id"])):
        known = ", ".join(sorted(teams["team_id"])) if not teams.empty else "none loaded"
        raise BadInputError(f"--team: unknown team id {team_id!r} (known: {known})")
    months = report_months(month)
    if judged is not None and [e.month for e in judged] != months:
        raise ValueError(f"judged holds {[e.month for e in judged]}, not {months}")
    if judged is None and team_id is None:
        # Frozen months from their snapshots, the rest from the verdict cache where it may be
        # used (the same verdicts as judging afresh: see models.verdicts.cache), else judged in
        # one pass and kept.
        judged = cached_evaluations(store, config, months, as_of=as_of)
    if judged is None:
        # One team: the trend months and the month itself in one go (their leads are read
        # together); the report shows no explanation sentences, so none are written.
        judged = evaluate_months(store, config, months, as_of=as_of, team_id=team_id, explain=False)
    *history, evaluation = judged
    customers = _customers(store, evaluation, month, team_id, owners)
    previous_customers = _customers(
        store, history[-1], months_before(month, 1)[0], team_id, owners
    )
    inputs = ReportInputs(
        month=month,
        as_of=as_of,
        evaluation=evaluation,
        history=history,
        handed_off=_handed_off(store, config, month, as_of, team_id, owners),
        disputes=list_disputes(store),
        owners=owners,
        teams=teams,
        customers=customers,
        notes=_notes(store, sorted(customers["lead_id"].dropna().unique()), as_of, owners, teams),
        previous_notes=_notes(
            store, sorted(previous_customers["lead_id"].dropna().unique()), as_of, owners, teams
        ),
        previous_customers=int(previous_customers["deal_id"].nunique()),
        taxonomy=taxonomy,
        team_id=team_id,
        review=_review_due(config, as_of),
        timezone=timezone or report_timezone(config),
    )
    return assemble_report(inputs)


def _review_due(config: HandoffConfig, as_of: datetime) -> str | None:
    """The agreement review sentence when it is due within 30 days or overdue at `as_of`."""
    status = review_status(config.agreement, as_of.date())
    return status.sentence() if status is not None and status.due_soon else None


def render_all(report: Report, formats: list[str]) -> dict[str, bytes]:
    """File name -> bytes for each format (CSV: one file per table)."""
    files: dict[str, bytes] = {}
    for fmt in formats:
        if fmt == "html":
            files[f"{report.slug}.html"] = render_html(report).encode("utf-8")
        elif fmt == "pdf":
            files[f"{report.slug}.pdf"] = render_pdf(report)
        elif fmt == "xlsx":
            files[f"{report.slug}.xlsx"] = render_xlsx(report)
        elif fmt == "csv":
            files.update({name: text.encode("utf-8") for name, text in render_csv(report).items()})
    return files


def check_formats(formats: list[str]) -> list[str]:
    """Lower-cased, de-duplicated formats, or a BadInputError naming the unknown ones."""
    wanted = list(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise BadInputError(
            f"--format: unknown {', '.join(unknown) or '(none given)'}; choose from {','.join(FORMATS)}"
        )
    return wanted


def _write(out_dir: Path, files: dict[str, bytes]) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        path = out_dir / name
        partial = path.with_name(f".{name}.partial")
        partial.write_bytes(content)
        os.replace(partial, path)  # readers never see a half-written report
        written.append(path)
    return written


def _attachments(report: Report, files: dict[str, bytes], formats: list[str]) -> list[Attachment]:
    attached = [
        Attachment(name, content) for name, content in files.items() if not name.endswith(".csv")
    ]
    if "csv" in formats:
        attached.append(Attachment(f"{report.slug}-csv.zip", render_csv_zip(report)))
    return attached


def run_report(
    store: Store,
    settings: Settings,
    *,
    month: str | None,
    out_dir: Path,
    formats: list[str],
    team_id: str | None,
    deliver: bool,
    resend: bool,
    trigger: str,
    now: Clock | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ReportResult:
    """Build, write and deliver one month's report, recording the run and each delivery."""
    clock = now or (lambda: datetime.now(UTC))
    wanted = check_formats(formats)
    config = _config(settings)
    as_of = clock()
    month = (
        check_month(month) if month is not None else last_full_month(as_of, report_timezone(config))
    )
    run_id = store.insert_row(
        ReportRun,
        month=month,
        team_id=team_id,
        trigger=trigger,
        started_at=as_of,
        status="running",
        formats=",".join(wanted),
        out_dir=str(out_dir),
    )
    assert run_id is not None
    try:
        report = build_report(store, config, month, team_id=team_id, as_of=as_of)
        rendered = render_all(report, wanted)
        paths = _write(out_dir, rendered)
    except Exception as exc:
        message = exc.summary if isinstance(exc, BadInputError) else f"{type(exc).__name__}: {exc}"
        store.update_rows(
            ReportRun, {"id": run_id}, status="failed", finished_at=clock(), error=message
        )
        if isinstance(exc, BadInputError | HandoffError):
            raise
        raise HandoffError(f"the {month} report failed: {message}") from exc
    outcomes = deliver_report(
        store,
        run_id,
        report,
        settings,
        paths,
        _attachments(report, rendered, wanted),
        channels=deliver,
        resend=resend,
        sleep=sleep,
    )
    failed = [o for o in outcomes if o.status == "failed"]
    error = "; ".join(f"{o.channel}: {o.error}" for o in failed) or None
    status = "failed" if failed else "ok"
    frozen = (
        _freeze_delivered(store, config, month, as_of, run_id)
        if deliver and not failed
        else None
    )
    store.update_rows(
        ReportRun,
        {"id": run_id},
        status=status,
        finished_at=clock(),
        error=error,
        files=json.dumps([p.name for p in paths]),
    )
    return ReportResult(run_id, month, team_id, status, paths, outcomes, error, report, frozen)


def _freeze_delivered(
    store: Store, config: HandoffConfig, month: str, as_of: datetime, run_id: int
) -> str | None:
    """A closed month whose report was delivered is frozen at the report's instant, so the
    numbers people were sent stay as they were (a later `--refreeze` is explicit and recorded).
    A report of a month still running (or a draft written without delivering) freezes nothing."""
    if as_of < month_closed_at(config, month):
        return None
    if month_is_frozen(store, month):
        return f"{month} was already frozen: the report shows its snapshot"
    freeze_month(
        store,
        config,
        month,
        as_of=as_of,
        frozen_by=f"report run {run_id}",
        note="frozen when its report was delivered",
    )
    return f"froze {month}: its verdicts stay as delivered until an explicit --refreeze"
