"""The friction report and the agreement: the marketing -> sales section lists each rep's line of
the per-rep SLA (as `handoff evaluate` gives it), and the summary says when the review is due."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from report_builders import MONTH, NOW

from models.settings import DEFAULT_CONFIG_PATH
from models.store import Store
from models.verdicts.service import evaluate_month
from reports.per_rep import rep_lines
from reports.render_html import render_html
from reports.render_pdf import render_pdf
from reports.runner import build_report


def test_leads_per_rep_section_equals_evaluate(demo_store: Store) -> None:
    report = build_report(demo_store, DEFAULT_CONFIG_PATH, MONTH, as_of=NOW)
    evaluation = evaluate_month(demo_store, DEFAULT_CONFIG_PATH, MONTH, as_of=NOW)
    section = report.table("leads_per_rep")
    quota = evaluation.sla("leads-per-rep").quota
    assert quota is not None and len(section) == len(quota["owners"]) == 18
    by_owner = section.set_index("owner_id")
    for line in quota["owners"]:
        row = by_owner.loc[line["owner_id"]]
        assert (row["accepted"], row["target"]) == (line["accepted"], 60)
    short = sum(1 for line in quota["owners"] if line["attainment_pct"] < 100)
    assert f"{short} of 18 sales reps got fewer accepted leads" in report.summary.paragraph
    assert "Leads per rep" in render_html(report)
    # Not due for another 7 months on 14 May 2026: the summary does not mention the review.
    assert "agreement review" not in report.summary.paragraph
    team = build_report(demo_store, DEFAULT_CONFIG_PATH, MONTH, as_of=NOW, team_id="sales-west")
    assert set(team.table("leads_per_rep")["team_id"]) == {"sales-west"}
    assert set(team.table("leads_per_rep")["owner_id"]) == set(
        rep_lines(evaluation, team_id="sales-west")["owner_id"]
    )


def test_summary_says_the_review_is_due(demo_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "sla.toml"
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    path.write_text(text.replace('reviewed_on = "2025-07-01"', 'reviewed_on = "2024-12-01"'))
    (tmp_path / "friction.toml").write_text(
        (DEFAULT_CONFIG_PATH.parent / "friction.toml").read_text(encoding="utf-8")
    )
    report = build_report(demo_store, path, MONTH, as_of=NOW)
    sentence = "The SLA agreement review is due in 18 day(s), on 2026-06-01"
    assert sentence in report.summary.paragraph
    pdf = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(report))).pages)
    assert "agreement review is due in 18 day(s)" in " ".join(pdf.split())
