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
from models.settings import ROOT, Settings, load_settings
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
T = TypeVar("T")


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
        for problem in exc.problems:
            typer.echo(problem, err=True)
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
) -> None:
    """Fill the database with a realistic demo organisation (replaces earlier demo data)."""
    from connectors.demo import load_demo

    def body() -> None:
        store = _store(_settings(database_url))
        counts = load_demo(
            store, seed=seed, months=months, leads_per_month=leads_per_month, end_month=end_month
        )
        _echo_counts("Demo organisation loaded", counts)

    _run(body)


@app.command("import")
def import_(
    directory: Annotated[Path, typer.Argument(help="Folder with teams.csv, owners.csv, leads.csv, ...")],
    database_url: DatabaseUrl = None,
) -> None:
    """Import canonical CSV files (all-or-nothing; rows are upserted by id)."""
    from connectors.csv_io import import_dir

    def body() -> None:
        counts = import_dir(_store(_settings(database_url)), directory)
        _echo_counts(f"Imported {directory}", counts)

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
) -> None:
    """Incremental sync from HubSpot (token from HUBSPOT_ACCESS_TOKEN; resumes from checkpoints)."""
    from connectors.hubspot.sync import sync_hubspot as run_sync

    def body() -> None:
        settings = _settings(database_url, config)
        result = run_sync(_store(settings), settings, full=full, progress=True)
        typer.echo(result.summary())
        if result.status != "ok":
            raise typer.Exit(1)

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
    database_url: DatabaseUrl = None,
    config: ConfigPath = None,
) -> None:
    """SLA verdicts for a month (SPEC.md section 5 for the JSON)."""
    from models.verdicts import evaluate_month, render_evaluation

    def body() -> None:
        settings = _settings(database_url, config)
        evaluation = evaluate_month(
            _store(settings), settings.handoff_config, month, as_of=_parse_as_of(as_of), team_id=team
        )
        typer.echo(render_evaluation(evaluation, fmt))

    _run(body)


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
def report(
    out: Annotated[Path, typer.Option(help="Folder to write the report files to.")],
    month: Annotated[str | None, typer.Option(help="YYYY-MM (default: the last full month).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="Comma-separated: html,pdf,xlsx,csv.")] = "html,pdf,xlsx,csv",
    team: Annotated[str | None, typer.Option(help="Only this team id.")] = None,
    deliver: Annotated[bool, typer.Option(help="Also deliver by email/webhook as configured.")] = False,
    resend: Annotated[bool, typer.Option(help="Send again even if this month was already sent.")] = False,
    database_url: DatabaseUrl = None,
    config: ConfigPath = None,
) -> None:
    """Write (and optionally deliver) the monthly friction report."""
    from reports.runner import run_report

    def body() -> None:
        settings = _settings(database_url, config)
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
    """Run the scheduled jobs (nightly sync, monthly report) in the foreground."""
    from reports.scheduler import run_scheduler

    def body() -> None:
        settings = _settings(database_url, config)
        run_scheduler(_store(settings), settings, once=once)

    _run(body)


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port for the dashboard.")] = 8501,
    headless: Annotated[bool, typer.Option(help="Do not open a browser window.")] = False,
    database_url: DatabaseUrl = None,
    config: ConfigPath = None,
) -> None:
    """Start the dashboard (`streamlit run app.py`)."""
    settings = _settings(database_url, config)
    Store(settings.database_url)  # migrate before the first page view
    env_args = [f"--server.port={port}", f"--server.headless={'true' if headless else 'false'}"]
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), *env_args]
    env = dict(os.environ, DATABASE_URL=settings.database_url, HANDOFF_CONFIG=str(settings.handoff_config))
    raise typer.Exit(subprocess.call(command, env=env))


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()

