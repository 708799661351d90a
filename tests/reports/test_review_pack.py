"""The review pack on the demo organisation (SQLite and PostgreSQL): it covers every month since
the last review, its numbers equal `handoff evaluate` for each month, it previews a proposed
change, and the HTML and PDF carry the same text (escaped where people typed it)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from cli import app
from connectors.demo import load_demo
from models.config import load_config
from models.settings import DEFAULT_CONFIG_PATH
from models.store import Store
from models.verdicts.service import evaluate_month, raise_dispute
from reports.per_rep import rep_lines
from reports.review_pack import ReviewPack
from reports.review_runner import build_review_pack, render_review_html, render_review_pdf
from reports.sla_sections import headline_pct

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
MONTHS_SINCE_REVIEW = [f"2025-{m:02d}" for m in range(7, 13)] + [
    f"2026-{m:02d}" for m in range(1, 12)
]


@pytest.fixture(scope="module")
def organisation(_migrated_store: Store) -> Store:
    """Three months of demo data up to NOW; the agreement was last reviewed 2025-07-01."""
    _migrated_store.truncate_all()
    load_demo(_migrated_store, seed=7, months=3, leads_per_month=120, end_month="2026-12", now=NOW)
    return _migrated_store


@pytest.fixture(scope="module")
def pack(organisation: Store) -> ReviewPack:
    return build_review_pack(organisation, DEFAULT_CONFIG_PATH, as_of=NOW)


def test_the_pack_opens_with_the_months_since_the_last_review(pack: ReviewPack) -> None:
    assert list(pack.months) == MONTHS_SINCE_REVIEW
    assert pack.opening.startswith(
        "The last 17 months' evidence since the last review on 2025-07-01."
    )
    assert "due in 25 day(s), on 2027-01-01" in pack.opening
    assert pack.title == "Handoff agreement review pack, July 2025 to November 2026"


def test_each_months_numbers_equal_evaluate(organisation: Store, pack: ReviewPack) -> None:
    results = pack.section("results").table.set_index(["sla_id", "month"])
    for month in MONTHS_SINCE_REVIEW:
        evaluation = evaluate_month(organisation, DEFAULT_CONFIG_PATH, month, as_of=NOW)
        for sla in evaluation.slas:
            row = results.loc[(sla.sla_id, month)]
            expected = headline_pct(sla)
            if expected is None:
                assert row["status"] == "no data"
            else:
                assert row["result_pct"] == pytest.approx(expected), (sla.sla_id, month)
            assert row["credit"] == sla.credit or (row["credit"] != row["credit"])
    # And through the command line, for the last month.
    out = CliRunner().invoke(
        app,
        ["evaluate", "--month", "2026-11", "--as-of", NOW.isoformat(), "--format", "json",
         "--database-url", organisation.url],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    for sla in json.loads(out.output)["slas"]:
        value = sla["attainment_pct"] if sla["kind"] == "lead_quota" else sla["compliance_pct"]
        assert results.loc[(sla["id"], "2026-11"), "result_pct"] == pytest.approx(value)


def test_reps_attainment_adds_up_the_months(organisation: Store, pack: ReviewPack) -> None:
    reps = pack.section("reps").table
    assert len(reps) == 18
    months = ["2026-10", "2026-11"]  # the months of the demo with leads before November's end
    total = {}
    for month in MONTHS_SINCE_REVIEW:
        lines = rep_lines(evaluate_month(organisation, DEFAULT_CONFIG_PATH, month, as_of=NOW))
        for owner, accepted in zip(lines["owner_id"], lines["accepted"], strict=True):
            total[owner] = total.get(owner, 0) + int(accepted)
    names = organisation.read_entity("owner").set_index("owner_id")["name"]
    by_name = reps.set_index("rep")
    for owner, accepted in total.items():
        assert by_name.loc[names[owner], "accepted"] == accepted
        assert by_name.loc[names[owner], "owed"] == 60 * len(MONTHS_SINCE_REVIEW)
    assert sum(total.values()) > 0, months


def test_a_proposed_version_is_previewed_on_the_last_three_months(
    organisation: Store, tmp_path: Path
) -> None:
    path = tmp_path / "sla.toml"
    path.write_text(
        DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
        + '\n[[sla]]\nid = "first-touch"\nname = "First touch within 8 business hours"\n'
        'kind = "first_touch"\nprovider = "sales"\ncalendar = "ny"\nwithin = "8h"\n'
        'target_pct = 90\neffective_from = "2027-01-01"\n',
        encoding="utf-8",
    )
    pack = build_review_pack(organisation, path, as_of=NOW)
    proposal = pack.section("proposal").table
    assert list(proposal["month"]) == ["2026-09", "2026-10", "2026-11"]
    assert set(proposal["sla_id"]) == {"first-touch"}
    proposed = load_config(path)
    for row in proposal.to_dict("records"):
        now = evaluate_month(organisation, path, row["month"], as_of=NOW).sla("first-touch")
        if now.compliance_pct is None:  # September: before the demo's data
            assert row["in_force_status"] == row["proposed_status"] == "no data"
            continue
        assert row["in_force_pct"] == pytest.approx(now.compliance_pct)
        assert row["proposed_pct"] > row["in_force_pct"]  # 8h instead of 4h: more met
    assert "first-touch" in pack.section("proposal").intro
    assert proposed.agreement is not None


def test_html_escapes_and_pdf_carries_the_text(organisation: Store) -> None:
    evaluation = evaluate_month(organisation, DEFAULT_CONFIG_PATH, "2026-11", as_of=NOW)
    items = evaluation.sla("first-touch").items
    breached = items[items["state"] == "breached"].iloc[0]
    raise_dispute(
        organisation, DEFAULT_CONFIG_PATH, "first-touch", str(breached["item_id"]),
        "<script>alert(1)</script> duplicate", as_of=NOW, raised_by="rep",
    )  # fmt: skip
    pack = build_review_pack(organisation, DEFAULT_CONFIG_PATH, as_of=NOW)
    html = render_review_html(pack)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; duplicate" in html
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(render_review_pdf(pack))).pages
    )
    for words in (
        "Handoff agreement review pack, July 2025 to November 2026",
        "Each SLA month by month",
        "Disputes by reason",
        "Rejected leads by reason",
        "Each rep's attainment of the per-rep SLA",
        "The proposed change on the last three months",
        "<script>alert(1)</script> duplicate",
    ):
        assert words in text, words
    last = pack.section("results").table
    row = last[(last["sla_id"] == "first-touch") & (last["month"] == "2026-11")].iloc[0]
    assert f"{row['result_pct']:.1f}%" in text


def test_cli_writes_the_review_pack(
    organisation: Store, cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = CliRunner().invoke(
        app, ["report", "--review", "--out", str(tmp_path)],
        env={**cli_env, "DATABASE_URL": organisation.url, "HANDOFF_NOW": NOW.isoformat()},
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "review-pack-2026-12-07.html",
        "review-pack-2026-12-07.pdf",
    ]
    bad = CliRunner().invoke(
        app, ["report", "--review", "--out", str(tmp_path), "--format", "xlsx"],
        env={**cli_env, "DATABASE_URL": organisation.url},
    )  # fmt: skip
    assert bad.exit_code == 2 and "the review pack is written as html and pdf" in bad.output
