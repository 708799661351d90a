"""The report's numbers on the demo organisation: equal to `handoff evaluate`, internally consistent,
and the same in every format (PDF text, XLSX read back, CSV read back)."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader
from report_builders import MONTH, NOW
from typer.testing import CliRunner

from cli import app
from connectors.demo import load_demo
from models.engine import columns as E
from models.errors import BadInputError
from models.settings import DEFAULT_CONFIG_PATH, Settings
from models.store import Store
from models.tables import ReportRun
from models.time.months import last_full_month
from models.verdicts.service import decide_dispute, evaluate_month, raise_dispute
from reports.assemble import SECTIONS, Report
from reports.friction import load_taxonomy
from reports.render_csv import render_csv
from reports.render_pdf import render_pdf
from reports.render_xlsx import SHEET_NAMES, header_of, render_xlsx
from reports.runner import build_report, render_all, run_report

TAXONOMY = DEFAULT_CONFIG_PATH.parent / "friction.toml"


@pytest.fixture(scope="module")
def report(_migrated_store: Store) -> Report:
    """One demo report for the read-only format checks (built once: the formats only read it)."""
    _migrated_store.truncate_all()
    load_demo(_migrated_store, seed=7, months=4, leads_per_month=200, end_month="2026-05", now=NOW)
    return build_report(_migrated_store, DEFAULT_CONFIG_PATH, MONTH, as_of=NOW)


def test_sla_numbers_equal_evaluate(demo_store: Store) -> None:
    report = build_report(demo_store, DEFAULT_CONFIG_PATH, MONTH, as_of=NOW)
    evaluation = evaluate_month(demo_store, DEFAULT_CONFIG_PATH, MONTH, as_of=NOW)
    results = report.table("sla_results").set_index("sla_id")
    assert list(results.index) == [s.sla_id for s in evaluation.slas]
    for sla in evaluation.slas:
        row = results.loc[sla.sla_id]
        if sla.kind == "lead_quota":
            assert sla.quota is not None
            assert row["result_pct"] == pytest.approx(sla.quota["attainment_pct"])
            assert (row["delivered"], row["accepted"], row["rejected"]) == (
                sla.quota["delivered"],
                sla.quota["accepted"],
                sla.quota["rejected"],
            )
            # Rejected leads by reason add up to the quota's rejected count.
            assert report.table("rejections")["rejected"].sum() == sla.quota["rejected"]
            continue
        assert row["result_pct"] == pytest.approx(sla.compliance_pct)
        assert {k: int(row[k]) for k in E.STATES} == {k: sla.counts.get(k, 0) for k in E.STATES}
        by_team = report.table("breaches_by_team")
        assert by_team.loc[by_team["sla_id"] == sla.sla_id, "breached"].sum() == sla.counts.get(
            E.BREACHED, 0
        )
        by_rep = report.table("breaches_by_rep")
        assert by_rep.loc[by_rep["sla_id"] == sla.sla_id, "decided"].sum() == (
            sla.counts.get(E.MET, 0) + sla.counts.get(E.BREACHED, 0)
        )
    routing = report.table("routing_delay").set_index("team")
    assert routing.loc["All teams", "leads"] == len(evaluation.sla("first-touch").items)
    assert report.new_customers == len(evaluation.sla("service-first-contact").items)


def test_trend_uses_previous_three_months(demo_store: Store) -> None:
    report = build_report(demo_store, DEFAULT_CONFIG_PATH, MONTH, as_of=NOW)
    assert report.months == ("2026-01", "2026-02", "2026-03", "2026-04")
    march = evaluate_month(demo_store, DEFAULT_CONFIG_PATH, "2026-03", as_of=NOW).sla("first-touch")
    trend = report.table("trend").set_index(["sla_id", "month"])
    assert trend.loc[("first-touch", "2026-03"), "result_pct"] == pytest.approx(
        march.compliance_pct
    )
    results = report.table("sla_results").set_index("sla_id")
    assert results.loc["first-touch", "previous_pct"] == pytest.approx(march.compliance_pct)


def _independent_pain_counts(store: Store, lead_ids: list[str]) -> dict[str, int]:
    """Customers per category by plain substring search over sales-authored note/call bodies."""
    taxonomy = load_taxonomy(TAXONOMY)
    activities = store.read_entity("activity")
    owners = store.read_entity("owner").set_index("owner_id")["team_id"]
    tiers = store.read_entity("team").set_index("team_id")["tier"]
    notes = activities[
        activities["lead_id"].isin(lead_ids)
        & activities["type"].isin(["note", "call"])
        & activities["body"].notna()
        & (activities["occurred_at"] <= NOW)
    ]
    notes = notes[notes["owner_id"].map(owners).map(tiers) != "service"]
    text = notes["body"].str.lower()
    counts = {}
    for category in taxonomy.categories:
        hit = pd.Series(False, index=notes.index)
        for phrase in category.phrases:
            hit |= text.str.contains(phrase.lower(), regex=False)
        for tag in category.tags:
            hit |= text.str.contains(f"#{tag}", regex=False)
        counts[category.slug] = int(notes.loc[hit, "lead_id"].nunique())
    return counts


def test_pain_points_match_the_notes(demo_store: Store) -> None:
    report = build_report(demo_store, DEFAULT_CONFIG_PATH, MONTH, as_of=NOW)
    briefs = report.table("customer_briefs")
    pains = report.table("pain_points").set_index("category")
    expected = _independent_pain_counts(demo_store, list(briefs["lead_id"]))
    assert pains["customers"].to_dict() == expected
    assert pains["customers"].sum() > 0
    # Each customer's brief lists exactly the categories counted for it.
    for slug, row in pains.iterrows():
        assert (
            briefs["pain_points"].str.split("; ").map(lambda names, n=row["name"]: n in names).sum()
            == row["customers"]
        ), slug
    quotes = report.table("quotes")
    assert not quotes.empty and quotes.groupby("category").size().max() <= 3
    assert (quotes["quote"].str.len() > 0).all()


def test_disputes_and_exclusions_are_listed(demo_store: Store) -> None:
    evaluation = evaluate_month(demo_store, DEFAULT_CONFIG_PATH, MONTH, as_of=NOW)
    items = evaluation.sla("first-touch").items
    breached = items[items[E.STATE] == E.BREACHED].iloc[0][E.ITEM_ID]
    other = items[items[E.STATE] == E.BREACHED].iloc[1][E.ITEM_ID]
    approved = raise_dispute(
        demo_store, DEFAULT_CONFIG_PATH, "first-touch", breached, "lead was a duplicate", as_of=NOW
    )
    decide_dispute(demo_store, approved, approve=True, decided_by="head of sales")
    raise_dispute(
        demo_store, DEFAULT_CONFIG_PATH, "first-touch", other, "CRM outage that morning", as_of=NOW
    )
    report = build_report(demo_store, DEFAULT_CONFIG_PATH, MONTH, as_of=NOW)
    disputes = report.table("disputes").set_index("item_id")
    assert disputes.loc[breached, "status"] == "approved"
    assert disputes.loc[breached, "reason"] == "lead was a duplicate"
    assert disputes.loc[other, "status"] == "pending"
    results = report.table("sla_results").set_index("sla_id")
    assert results.loc["first-touch", "excluded"] == 1
    assert (
        any("pending dispute" in a for a in report.summary.actions)
        or len(report.summary.actions) == 3
    )


def test_team_report_equals_team_evaluation(demo_store: Store) -> None:
    report = build_report(demo_store, DEFAULT_CONFIG_PATH, MONTH, team_id="sales-east", as_of=NOW)
    evaluation = evaluate_month(
        demo_store, DEFAULT_CONFIG_PATH, MONTH, as_of=NOW, team_id="sales-east"
    )
    results = report.table("sla_results").set_index("sla_id")
    assert results.loc["first-touch", "breached"] == evaluation.sla("first-touch").counts.get(
        E.BREACHED, 0
    )
    assert report.slug == "friction-2026-04-sales-east"
    assert "Sales East" in report.title
    with pytest.raises(BadInputError, match="unknown team id"):
        build_report(demo_store, DEFAULT_CONFIG_PATH, MONTH, team_id="nope", as_of=NOW)


def test_same_data_gives_same_files(demo_store: Store) -> None:
    first = render_all(
        build_report(demo_store, DEFAULT_CONFIG_PATH, MONTH, as_of=NOW),
        ["html", "pdf", "xlsx", "csv"],
    )
    second = render_all(
        build_report(demo_store, DEFAULT_CONFIG_PATH, MONTH, as_of=NOW),
        ["html", "pdf", "xlsx", "csv"],
    )
    assert first.keys() == second.keys()
    assert all(first[name] == second[name] for name in first), [
        n for n in first if first[n] != second[n]
    ]


def test_pdf_text_carries_the_numbers(report: Report) -> None:
    reader = PdfReader(io.BytesIO(render_pdf(report)))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "Handoff friction report, April 2026" in text
    assert "Top three actions" in text
    first_touch = report.table("sla_results").set_index("sla_id").loc["first-touch"]
    assert f"{first_touch['result_pct']:.1f}%" in text
    top = report.table("pain_points").iloc[0]
    assert top["name"] in text
    quote = report.table("quotes").iloc[0]["quote"]
    assert quote[:30] in text
    assert len(reader.pages) >= 3


def test_xlsx_reads_back_with_types(report: Report) -> None:
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    assert book.sheetnames == ["Summary", *[SHEET_NAMES[s.key] for s in SECTIONS]]
    sheet = book["SLA results"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert all("_" not in str(h) for h in header), header  # headers for people
    col = header.index(header_of("sla_results", "result_pct")) + 1
    cell = sheet.cell(row=2, column=col)
    assert isinstance(cell.value, float)
    assert cell.value == pytest.approx(report.table("sla_results").iloc[0]["result_pct"])
    assert "%" in cell.number_format
    briefs = book["New customers"]
    won = [c.value for c in briefs[1]].index("Won (UTC)") + 1
    assert isinstance(briefs.cell(row=2, column=won).value, datetime)
    assert briefs.cell(row=2, column=won).number_format == "yyyy-mm-dd hh:mm"
    assert book["Summary"]["B3"].value == report.summary.paragraph


def test_csv_reads_back(report: Report) -> None:
    files = render_csv(report)
    assert set(files) == {
        f"friction-2026-04-{k}.csv" for k in ["summary", *[s.key for s in SECTIONS]]
    }
    results = pd.read_csv(io.StringIO(files["friction-2026-04-sla_results.csv"]))
    pd.testing.assert_series_equal(
        results["breached"], report.table("sla_results")["breached"], check_dtype=False
    )
    briefs = pd.read_csv(io.StringIO(files["friction-2026-04-customer_briefs.csv"]))
    assert briefs["closed_won_at"].str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$").all()


def test_run_report_writes_files_and_records_the_run(
    demo_store: Store, settings: Settings, tmp_path: Path
) -> None:
    result = run_report(
        demo_store,
        settings,
        month=None,
        out_dir=tmp_path / "r",
        formats=["html", "pdf"],
        team_id=None,
        deliver=False,
        resend=False,
        trigger="manual",
        now=lambda: NOW,
    )
    assert result.status == "ok" and result.month == "2026-04" == last_full_month(
        NOW, "America/New_York"
    )
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == [
        "friction-2026-04.html",
        "friction-2026-04.pdf",
    ]
    runs = demo_store.select_rows(ReportRun)
    assert runs.iloc[0]["status"] == "ok" and "friction-2026-04.pdf" in runs.iloc[0]["files"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2026-13"], "expected YYYY-MM"),
        (["--month", "2026-04", "--format", "html,docx"], "unknown docx"),
    ],
)
def test_cli_rejects_bad_options(
    demo_store: Store, cli_env: dict[str, str], tmp_path: Path, args: list[str], message: str
) -> None:
    outcome = CliRunner().invoke(app, ["report", "--out", str(tmp_path / "x"), *args], env=cli_env)
    assert outcome.exit_code == 2
    assert message in outcome.output
    assert not (tmp_path / "x").exists()


def test_cli_writes_the_report(demo_store: Store, cli_env: dict[str, str], tmp_path: Path) -> None:
    outcome = CliRunner().invoke(
        app,
        ["report", "--month", MONTH, "--out", str(tmp_path), "--format", "xlsx,csv"],
        env={**cli_env, "SMTP_HOST": "", "REPORT_WEBHOOK_URL": ""},
    )
    assert outcome.exit_code == 0, outcome.output
    assert (tmp_path / "friction-2026-04.xlsx").exists()
    assert (tmp_path / "friction-2026-04-pain_points.csv").exists()
    assert "folder" in outcome.output


def test_pdf_html_and_xlsx_say_as_of_on_the_readers_clock(report: Report) -> None:
    import dataclasses

    from models.config import load_config
    from reports.render_html import render_html
    from reports.runner import report_timezone

    # By default the report's own zone (as `handoff report` writes it), named.
    assert report.timezone == report_timezone(load_config(DEFAULT_CONFIG_PATH))
    viewer = dataclasses.replace(report, timezone="America/Los_Angeles")  # NOW is 12:00 UTC
    reader = PdfReader(io.BytesIO(render_pdf(viewer)))
    text = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    assert "Verdicts as of 2026-05-14 05:00 PDT (America/Los_Angeles)" in text
    assert "UTC" not in text.split("new customers")[0]
    assert "Verdicts as of 2026-05-14 05:00 PDT (America/Los_Angeles)" in render_html(viewer)
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(viewer)))
    assert book["Summary"]["A2"].value == "Verdicts as of (America/Los_Angeles)"
    assert book["Summary"]["B2"].value == datetime(2026, 5, 14, 5, 0)


def test_report_labels_say_one_thing_each(report: Report) -> None:
    from reports.display import shown

    titles = {s.key: s.title for s in SECTIONS}
    assert titles["trend"] == "This month and the three before it"
    assert len(shown(report, "trend").columns) == 1 + 4 + 1  # SLA, four months, target
    routing = [c.header for c in shown(report, "routing_delay").columns]
    assert "Routing average" in routing and "Routing median" not in routing
    assert "Median first touch" in [c.header for c in shown(report, "breaches_by_rep").columns]
    reps = report.table("breaches_by_rep")
    assert reps.loc[reps["owner_id"].isna(), "median_elapsed_minutes"].isna().all()
    everything = " ".join(
        str(v) for key in report.tables for v in report.table(key).astype(str).to_numpy().ravel()
    )
    assert "(no owner or team)" not in everything


def test_a_part_starts_a_new_pdf_page_only_when_little_of_the_page_is_left() -> None:
    from reports.render_pdf import _new_page, _Pdf

    pdf = _Pdf("t")
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    pdf.set_y(pdf.t_margin + 60)  # a chart spilled over: most of the page is still free
    _new_page(pdf)
    assert pdf.page == 1, "the next part carries on here instead of leaving the page blank"
    pdf.set_y(pdf.h - 60)
    _new_page(pdf)
    assert pdf.page == 2
