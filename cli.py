"""The `handoff` command (SPEC.md section 4). No logic of its own: it parses options, calls the
connectors, the models and the reports, and maps errors to exit statuses (2 bad input, 1 other)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from models.errors import BadInputError, HandoffError
from models.settings import ROOT, Settings, current_time, load_settings
from models.store import Store

app = typer.Typer(
    help="Handoff: SLA tracking for lead handoffs between marketing, sales and service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sync_app = typer.Typer(help="Pull data from a CRM.", no_args_is_help=True)
app.add_typer(sync_app, name="sync")

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="SQLAlchemy URL; default DATABASE_URL or data/handoff.db."),
]
ConfigPath = Annotated[
    Path | None,
    typer.Option("--config", help="SLA file; default HANDOFF_CONFIG or data/sla.toml."),
]
WarmOption = Annotated[
    bool,
    typer.Option(
        "--warm/--no-warm",
        help="Afterwards precompute the dashboard's verdicts (handoff cache warm).",
    ),
]
T = TypeVar("T")
# A wholly wrong file would print a line per row; the first few hundred say what to fix.
MAX_PROBLEMS_SHOWN = 200


def _settings(database_url: str | None = None, config: Path | None = None) -> Settings:
    return load_settings(database_url=database_url, handoff_config=config)


def _store(settings: Settings) -> Store:
    return Store(settings.database_url)


def _run(action: Callable[[], T]) -> T:
    """Run a command body; turn known errors into a clear message and an exit status."""
    try:
        return action()
    except BadInputError as exc:
        typer.echo(f"error: {exc.summary}", err=True)
        for problem in exc.problems[:MAX_PROBLEMS_SHOWN]:
            typer.echo(problem, err=True)
        if len(exc.problems) > MAX_PROBLEMS_SHOWN:
            hidden = len(exc.problems) - MAX_PROBLEMS_SHOWN
            typer.echo(f"... and {hidden} more problem(s) not shown; fix these first.", err=True)
        raise typer.Exit(2) from None
    except HandoffError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _echo_counts(title: str, counts: dict[str, Any]) -> None:
    parts = ", ".join(f"{value} {name}" for name, value in counts.items())
    typer.echo(f"{title}: {parts}")


@app.command()
def demo(
    database_url: DatabaseUrl = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 7,
    months: Annotated[int, typer.Option(help="How many months of history.")] = 12,
    leads_per_month: Annotated[int, typer.Option(help="Leads created per month.")] = 1500,
    end_month: Annotated[
        str | None, typer.Option(help="Last month of data, YYYY-MM (default: the current month).")
    ] = None,
    warm: WarmOption = True,
    config: ConfigPath = None,
) -> None:
    """Fill the database with a realistic demo organisation (replaces earlier demo data)."""
    from connectors.demo import load_demo

    def body() -> None:
        settings = _settings(database_url, config)
        store = _store(settings)
        counts = load_demo(
            store,
            seed=seed,
            months=months,
            leads_per_month=leads_per_month,
            end_month=end_month,
            now=current_time(),
        )
        _echo_counts("Demo organisation loaded", counts)
        _warm(store, settings, warm)

    _run(body)


@app.command("import")
def import_(
    directory: Annotated[Path, typer.Argument(help="Folder with teams.csv, owners.csv, leads.csv, ...")],
    database_url: DatabaseUrl = None,
    warm: WarmOption = True,
    config: ConfigPath = None,
) -> None:
    """Import canonical CSV files (all-or-nothing; rows are upserted by id)."""
    from connectors.csv_io import data_warnings, import_dir

    def body() -> None:
        settings = _settings(database_url, config)
        store = _store(settings)
        counts = import_dir(store, directory)
        _echo_counts(f"Imported {directory}", counts)
        for warning in data_warnings(store):
            typer.echo(f"warning: {warning}", err=True)
        _warn_team_calendars(store, settings)
        _warm(store, settings, warm)

    _run(body)


@app.command("export-data")
def export_data(
    directory: Annotated[Path, typer.Argument(help="Folder to write the canonical CSV files to.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Export the data as canonical CSV files (deleted records are left out)."""
    from connectors.csv_io import export_dir

    def body() -> None:
        counts = export_dir(_store(_settings(database_url)), directory)
        _echo_counts(f"Exported to {directory}", counts)

    _run(body)


@sync_app.command("hubspot")
def sync_hubspot(
    full: Annotated[bool, typer.Option("--full", help="Re-read everything through the list endpoints.")] = False,
    database_url: DatabaseUrl = None,
    config: ConfigPath = None,
    warm: WarmOption = True,
) -> None:
    """Incremental sync from HubSpot (token from HUBSPOT_ACCESS_TOKEN; resumes from checkpoints)."""
    from connectors.hubspot.sync import sync_hubspot as run_sync

    def body() -> None:
        settings = _settings(database_url, config)
        store = _store(settings)
        result = run_sync(store, settings, full=full, progress=True)
        typer.echo(result.summary())
        if result.status != "ok":
            raise typer.Exit(1)
        _warm(store, settings, warm)

    _run(body)


@sync_app.command("status")
def sync_status(database_url: DatabaseUrl = None) -> None:
    """Show recent sync runs and each object's checkpoint."""
    from connectors.hubspot.sync import describe_status

    _run(lambda: typer.echo(describe_status(_store(_settings(database_url)))))


@app.command()
def evaluate(
    month: Annotated[str, typer.Option(help="Month to evaluate, YYYY-MM.")],
    as_of: Annotated[
        str | None, typer.Option(help="Evaluation instant, ISO 8601 with offset (default: now).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="json, table or csv.")] = "table",
    team: Annotated[str | None, typer.Option(help="Only items of this team id.")] = None,
    live: Annotated[
        bool, typer.Option("--live", help="For a frozen month, evaluate afresh instead of showing the snapshot (nothing is stored).")
    ] = False,
    database_url: DatabaseUrl = None,
    config: ConfigPath = None,
) -> None:
    """SLA verdicts for a month (SPEC.md section 5 for the JSON)."""
    from models.verdicts.service import evaluate_month, render_evaluation

    def body() -> None:
        settings = _settings(database_url, config)
        evaluation = evaluate_month(
            _store(settings), settings.handoff_config, month, as_of=_parse_as_of(as_of), team_id=team,
            use_snapshot=not live,
        )
        typer.echo(render_evaluation(evaluation, fmt))

    _run(body)


def _warn_team_calendars(store: Store, settings: Settings) -> None:
    from models.config import load_config, team_calendar_problems

    try:
        config = load_config(settings.handoff_config)
    except BadInputError:
        return  # the SLA file's own problems are reported by whatever reads it next
    for problem in team_calendar_problems(store.read_entity("team"), config):
        typer.echo(f"warning: {problem}", err=True)


def _warm(store: Store, settings: Settings, warm: bool) -> None:
    if warm:
        from models.verdicts.cache import warm_after_write

        typer.echo(warm_after_write(store, settings.handoff_config, now=current_time))


def _parse_as_of(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadInputError(f"--as-of: cannot read {text!r}; use ISO 8601 like 2026-11-05T00:00:00+00:00") from None
    if value.tzinfo is None:
        raise BadInputError(f"--as-of: {text!r} has no offset; add one, e.g. {text}+00:00 or {text}Z")
    return value


@app.command()
def freeze(
    month: Annotated[str, typer.Option(help="Closed month to freeze, YYYY-MM.")],
    note: Annotated[str | None, typer.Option(help="Why (kept with the snapshot).")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who freezes it (kept with the snapshot).")] = None,
    refreeze: Annotated[
        bool, typer.Option("--refreeze", help="Re-evaluate a frozen month; the old snapshot is kept, superseded.")
    ] = False,
    as_of: Annotated[str | None, typer.Option(help="Evaluation instant, ISO 8601 (default: now).")] = None,
    database_url: DatabaseUrl = None,
    config: ConfigPath = None,
) -> None:
    """Freeze a closed month's verdicts so later data or rule changes don't alter its report."""
    from models.verdicts.service import freeze_month, render_evaluation

    def body() -> None:
        settings = _settings(database_url, config)
        evaluation = freeze_month(
            _store(settings), settings.handoff_config, month, as_of=_parse_as_of(as_of),
            frozen_by=by, note=note, refreeze=refreeze,
        )
        typer.echo(render_evaluation(evaluation, "table"))

    _run(body)


dispute_app = typer.Typer(help="Disputes of breaches and exclusions of items.", no_args_is_help=True)
app.add_typer(dispute_app, name="dispute")


@dispute_app.command("raise")
def dispute_raise(
    sla: Annotated[str, typer.Option("--sla", help="SLA id, e.g. first-touch.")],
    item: Annotated[str, typer.Option("--item", help="Item id: the lead id (the deal id for service SLAs).")],
    reason: Annotated[str, typer.Option("--reason", help="Why the breach should not count.")],
    by: Annotated[str | None, typer.Option("--by", help="Who raises it.")] = None,
    kind: Annotated[str, typer.Option("--kind", help="dispute (a breach) or exclusion (any item).")] = "dispute",
    database_url: DatabaseUrl = None,
    config: ConfigPath = None,
) -> None:
    """Dispute a breached item (or ask to exclude an item); a manager decides."""
    from models.verdicts.service import raise_dispute

    def body() -> None:
        settings = _settings(database_url, config)
        new_id = raise_dispute(
            _store(settings), settings.handoff_config, sla, item, reason,
            as_of=datetime.now(UTC), raised_by=by, kind=kind,
        )
        typer.echo(f"{kind} {new_id} raised for {sla} {item}; decide it with `handoff dispute decide {new_id} --approve|--reject`")

    _run(body)


@dispute_app.command("list")
def dispute_list(
    status: Annotated[str | None, typer.Option(help="pending, approved or rejected.")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List disputes and exclusions, newest first."""
    from models.verdicts.service import list_disputes

    def body() -> None:
        rows = list_disputes(_store(_settings(database_url)), status)
        if rows.empty:
            typer.echo("no disputes")
            return
        shown = ["id", "sla_id", "item_id", "kind", "status", "reason", "raised_by", "raised_at", "decided_by", "decided_at", "decision_note"]
        typer.echo(rows[shown].to_string(index=False))

    _run(body)


@dispute_app.command("decide")
def dispute_decide(
    dispute_id: Annotated[int, typer.Argument(help="Dispute id (see `handoff dispute list`).")],
    approve: Annotated[bool | None, typer.Option("--approve/--reject", help="Approve (item excluded) or reject.")] = None,
    note: Annotated[str | None, typer.Option(help="Decision note.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who decides.")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Approve or reject a pending dispute (approved items are excluded, the reason kept)."""
    from models.verdicts.service import decide_dispute

    def body() -> None:
        if approve is None:
            raise BadInputError("say --approve or --reject")
        row = decide_dispute(_store(_settings(database_url)), dispute_id, approve=approve, decided_by=by, note=note)
        typer.echo(f"dispute {dispute_id} ({row['sla_id']} {row['item_id']}) {row['status']}")

    _run(body)


agreement_app = typer.Typer(
    help="The agreement itself: its review cycle ([agreement] in the SLA file).",
    no_args_is_help=True,
)
app.add_typer(agreement_app, name="agreement")


@agreement_app.command("status")
def agreement_status(
    database_url: DatabaseUrl = None,
    config: ConfigPath = None,
) -> None:
    """When the agreement was last reviewed, by whom, and when the next review is due."""
    from models.agreement_review import status_text

    def body() -> None:
        settings = _settings(database_url, config)
        typer.echo(status_text(_store(settings), settings.handoff_config, current_time()))

    _run(body)


@agreement_app.command("reviewed")
def agreement_reviewed(
    note: Annotated[str | None, typer.Option("--note", help="What the parties decided (kept in the database).")] = None,
    on: Annotated[str | None, typer.Option("--on", help="Day of the review, YYYY-MM-DD (default: today).")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who records it (default: $USER).")] = None,
    database_url: DatabaseUrl = None,
    config: ConfigPath = None,
) -> None:
    """Record a review: set reviewed_on in the SLA file and keep the review in the database."""
    from models.agreement_review import parse_review_day, record_review

    def body() -> None:
        settings = _settings(database_url, config)
        now = current_time()
        review = record_review(
            _store(settings), Path(settings.handoff_config),
            on=parse_review_day(on, now), by=by or os.environ.get("USER") or "cli", note=note, now=now,
        )
        typer.echo(
            f"agreement reviewed on {review.reviewed_on} ({review.changes}); "
            f"next review due {review.next_due}"
        )

    _run(body)


cache_app = typer.Typer(
    help="The verdict cache: month verdicts kept in the database so the dashboard opens at once.",
    no_args_is_help=True,
)
app.add_typer(cache_app, name="cache")


@cache_app.command("warm")
def cache_warm(
    months: Annotated[
        int, typer.Option(help="How many months up to the current one (the Overview shows 6).")
    ] = 6,
    as_of: Annotated[
        str | None, typer.Option(help="Instant to judge at, ISO 8601 with offset (default: now).")
    ] = None,
    database_url: DatabaseUrl = None,
    config: ConfigPath = None,
) -> None:
    """Precompute and keep the verdicts of recent months (sync, import and demo do it too)."""
    from models.verdicts.cache import recent_months, warm_cache
    from models.verdicts.service import load_config

    def body() -> None:
        if months < 1:
            raise BadInputError(f"--months: expected 1 or more, got {months}")
        settings = _settings(database_url, config)
        loaded = load_config(settings.handoff_config)
        instant = _parse_as_of(as_of) if as_of else current_time()
        done = warm_cache(
            _store(settings), loaded, as_of=instant, months=recent_months(loaded, instant, months)
        )
        typer.echo(
            f"computed {len(done['computed'])} month(s) {', '.join(done['computed']) or '-'}; "
            f"already cached {', '.join(done['already_cached']) or '-'}; {done['seconds']:.1f} s"
        )

    _run(body)


@cache_app.command("status")
def cache_status(database_url: DatabaseUrl = None, config: ConfigPath = None) -> None:
    """List the cached months: when they were judged and whether they fit the current data."""
    from models.verdicts.cache import cache_status as read_status

    def body() -> None:
        settings = _settings(database_url, config)
        rows = read_status(_store(settings), settings.handoff_config, now=current_time())
        if not rows:
            typer.echo("no month is cached; `handoff cache warm` computes the recent ones")
        for row in rows:
            until = row["valid_until"].isoformat() if row["valid_until"] else "-"
            if row["usable"]:
                state = "current"
            elif row["current"]:
                state = "expired (an event on file since needs judging)"
            else:
                state = "stale (data or SLA file changed)"
            typer.echo(
                f"{row['month']}  as of {row['as_of'].isoformat()}  valid until {until}  "
                f"{state}  ({row['seconds']:.1f} s to compute)"
            )

    _run(body)


@cache_app.command("clear")
def cache_clear(database_url: DatabaseUrl = None) -> None:
    """Forget every cached month (they are computed again when next needed)."""

    def body() -> None:
        count = _store(_settings(database_url)).clear_cached_verdicts()
        typer.echo(f"forgot {count} cached month(s)")

    _run(body)


calendar_app = typer.Typer(help="Business-hours calendars of the SLA file.", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")


@calendar_app.command("holidays")
def calendar_holidays(
    calendar: Annotated[str, typer.Option("--calendar", help="Calendar name from the SLA file.")],
    year: Annotated[int, typer.Option("--year", help="Year, e.g. 2026.")],
    config: ConfigPath = None,
) -> None:
    """Print the days off a calendar has in a year (generated holidays and extra ones)."""
    from models.config import load_config
    from models.time.calendar import holidays_in_year

    def body() -> None:
        loaded = load_config(_settings(None, config).handoff_config)
        if calendar not in loaded.calendars:
            raise BadInputError(f"--calendar: unknown calendar {calendar!r}; known: {', '.join(loaded.calendars)}")
        days = holidays_in_year(loaded.calendars[calendar], year)
        if days.empty:
            typer.echo(f"{calendar} has no holidays in {year}")
            return
        for day, name, source in zip(days["date"], days["name"], days["source"], strict=True):
            typer.echo(f"{day.isoformat()}  {day.strftime('%a')}  {name}  ({source})")

    _run(body)


@app.command()
def report(
    out: Annotated[Path, typer.Option(help="Folder to write the report files to.")],
    month: Annotated[str | None, typer.Option(help="YYYY-MM (default: the last full month).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="Comma-separated: html,pdf,xlsx,csv.")] = "html,pdf,xlsx,csv",
    team: Annotated[str | None, typer.Option(help="Only this team id.")] = None,
    deliver: Annotated[bool, typer.Option(help="Also deliver by email/webhook as configured.")] = False,
    resend: Annotated[bool, typer.Option(help="Send again even if this month was already sent.")] = False,
    review: Annotated[bool, typer.Option("--review", help="Write the agreement review pack (html, pdf) instead: every month since the last review.")] = False,
    database_url: DatabaseUrl = None,
    config: ConfigPath = None,
) -> None:
    """Write (and optionally deliver) the monthly friction report, or with --review the review pack."""
    from reports.runner import run_report

    def body() -> None:
        settings = _settings(database_url, config)
        if review:
            from reports.review_runner import REVIEW_FORMATS, write_review_pack

            wanted = list(REVIEW_FORMATS) if fmt == "html,pdf,xlsx,csv" else fmt.split(",")
            paths = write_review_pack(
                _store(settings), settings.handoff_config, out, wanted, as_of=current_time()
            )
            typer.echo("review pack written: " + ", ".join(str(p) for p in paths))
            return
        result = run_report(
            _store(settings),
            settings,
            month=month,
            out_dir=out,
            formats=[f.strip() for f in fmt.split(",") if f.strip()],
            team_id=team,
            deliver=deliver,
            resend=resend,
            trigger="manual",
        )
        typer.echo(result.summary())
        if result.status != "ok":
            raise typer.Exit(1)

    _run(body)


@app.command()
def schedule(
    once: Annotated[bool, typer.Option(help="Run what is due (and catch up missed runs), then exit.")] = False,
    database_url: DatabaseUrl = None,
    config: ConfigPath = None,
) -> None:
    """Run the scheduled jobs (nightly sync, monthly report, nudges) in the foreground."""
    from functools import partial

    from connectors.hubspot.sync import sync_hubspot as run_sync
    from connectors.hubspot.verify import verify_contacts
    from reports.nudges.run import run_nudge_pass
    from reports.scheduler import run_scheduler

    def body() -> None:
        settings = _settings(database_url, config)
        try:
            run_scheduler(
                _store(settings), settings, once=once, sync=run_sync,
                nudge=partial(run_nudge_pass, verify=verify_contacts),
            )  # fmt: skip
        except KeyboardInterrupt:
            typer.echo("schedule: stopped")

    _run(body)


@app.command()
def nudge(
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit (for cron).")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be sent; send and record nothing.")] = False,
    database_url: DatabaseUrl = None,
    config: ConfigPath = None,
) -> None:
    """Tell owners and managers about items before and when they breach (see [nudges])."""
    from connectors.hubspot.sync import sync_hubspot as run_sync
    from connectors.hubspot.verify import verify_contacts
    from reports.nudges.run import run_nudges

    def body() -> None:
        settings = _settings(database_url, config)
        try:
            results = run_nudges(_store(settings), settings, once=once or dry_run, dry_run=dry_run,
                                 now=current_time, sync=run_sync, echo=typer.echo,
                                 verify=verify_contacts)  # fmt: skip
        except KeyboardInterrupt:
            typer.echo("nudge: stopped")
            return
        if any(r.failed or r.status == "stale" for r in results):
            raise typer.Exit(1)

    _run(body)


@app.command()
def mute(
    email: Annotated[str, typer.Argument(help="The person's e-mail address.")],
    off: Annotated[bool, typer.Option("--off", help="Unmute: nudges reach them again.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Mute (or with --off unmute) a person's nudges."""

    def body() -> None:
        if "@" not in email:
            raise BadInputError(f"{email!r} is not an e-mail address; give the one in owners.csv")
        _store(_settings(database_url)).set_mute(email, not off)
        typer.echo(f"nudges to {email.strip().lower()}: {'on' if off else 'muted'}")

    _run(body)


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port for the dashboard.")] = 8501,
    headless: Annotated[bool, typer.Option(help="Do not open a browser window.")] = False,
    address: Annotated[str, typer.Option(help="Interface to listen on; anything but loopback needs sign-in ([auth] in .streamlit/secrets.toml).")] = "127.0.0.1",
    insecure_demo: Annotated[bool, typer.Option("--insecure-demo", help="Serve the demo mode (anyone may act as anyone) on a non-loopback address. Never on a shared network.")] = False,
    database_url: DatabaseUrl = None,
    config: ConfigPath = None,
) -> None:
    """Start the dashboard (`streamlit run app.py`) on 127.0.0.1, or on --address with sign-in."""
    from models.serving import INSECURE_ENV, check_listen

    signed_in = _run(lambda: check_listen(ROOT, address, insecure_demo=insecure_demo))
    if insecure_demo and not signed_in:
        typer.echo(f"WARNING: --insecure-demo: serving the demo mode WITHOUT SIGN-IN on {address}; anyone who can reach it can act as any person, admins included.", err=True)
    settings = _settings(database_url, config)
    Store(settings.database_url)  # migrate before the first page view
    env_args = [f"--server.port={port}", f"--server.address={address}", f"--server.headless={'true' if headless else 'false'}"]
    # `streamlit run app.py` with the warmer started first (ui/server.py).
    command = [sys.executable, "-m", "ui.server", *env_args]
    env = dict(os.environ, DATABASE_URL=settings.database_url, HANDOFF_CONFIG=str(settings.handoff_config), HANDOFF_SERVING="1")
    if insecure_demo:
        env[INSECURE_ENV] = "1"
    raise typer.Exit(subprocess.call(command, env=env))


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()

