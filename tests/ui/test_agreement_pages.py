"""The agreement on the dashboard (AppTest, SQLite and PostgreSQL): the review-due banner for
managers and not reps, the Overview's leads-per-rep strip matching `handoff evaluate`, a rep's
line in the drill-down, recording a review and previewing a per-rep target on SLA settings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import test_pages
from test_pages import (
    MONTH,
    NOW,
    assert_clean,
    manager_email,
    metric,
    open_app,
    open_as,
    rep_email,
)

from models import tables as T
from models.config import load_config
from models.store import Store
from models.verdicts.service import evaluate_month
from reports.per_rep import OVER_SERVED, STARVED, rep_lines

# The same fixtures as the other page tests (a scratch SLA file, a fixed clock, the demo).
dashboard_env = test_pages.dashboard_env
demo = test_pages.demo
BANNER = "The SLA agreement review is due"


def _due_soon(config: Path) -> None:
    """Reviewed 18 months before 2026-11-01: due 12 days after the tests' NOW."""
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('reviewed_on = "2025-07-01"', 'reviewed_on = "2025-05-01"'))


def _warnings(at: object) -> list[str]:
    return [w.value for w in at.warning]  # type: ignore[attr-defined]


def test_review_banner_for_managers_not_reps(demo: Store, dashboard_env: Path) -> None:
    at = open_app("pages/overview.py", month=MONTH)
    assert not any(BANNER in w for w in _warnings(at)), "73 days ahead: no banner yet"
    _due_soon(dashboard_env)
    for page in ("pages/overview.py", "pages/sla_settings.py"):
        at = open_app(page, month=MONTH)  # the demo opens as an admin
        assert_clean(at)
        assert any("due in 12 day(s), on 2026-11-01" in w for w in _warnings(at)), page
    at = open_as(manager_email(demo, "sales-east"), "pages/overview.py", month=MONTH)
    assert any("due in 12 day(s), on 2026-11-01" in w for w in _warnings(at)), "a manager"
    at = open_as(rep_email(demo, "O09"), "pages/overview.py", month=MONTH)  # O05 also manages
    assert not any(BANNER in w for w in _warnings(at)), "a rep"


def test_overview_strip_names_starved_reps_as_evaluate_does(
    demo: Store, dashboard_env: Path
) -> None:
    at = open_app("pages/overview.py", month=MONTH)
    assert_clean(at)
    evaluation = evaluate_month(demo, dashboard_env, MONTH, as_of=NOW)
    lines = rep_lines(evaluation)
    assert len(lines) == 18
    assert metric(at, "Reps owed leads") == "18"
    assert metric(at, "Starved") == str(int((lines["status"] == STARVED).sum()))
    assert metric(at, "Over-served") == str(int((lines["status"] == OVER_SERVED).sum()))
    assert any("reps are starved of leads" in c.value for c in at.caption)


def test_drill_down_shows_the_reps_own_line(demo: Store, dashboard_env: Path) -> None:
    evaluation = evaluate_month(demo, dashboard_env, MONTH, as_of=NOW)
    line = rep_lines(evaluation, owner_id="O06").iloc[0]
    at = open_app("pages/drilldown.py", month=MONTH, team="sales-east", rep="O06")
    assert_clean(at)
    text = [m.value for m in at.markdown if "Leads owed by marketing" in m.value]
    assert text and f"accepted {line['accepted']} of 60" in text[0], text


def test_record_a_review_on_sla_settings(demo: Store, dashboard_env: Path) -> None:
    at = open_app("pages/sla_settings.py")  # the demo opens as an admin
    at.text_area[0].input("Kept 60 leads per rep. **not bold**")
    next(b for b in at.button if b.label == "Record the review").click().run()
    assert_clean(at)
    assert load_config(dashboard_env).agreement.reviewed_on == date(2026, 10, 20)  # type: ignore[union-attr]
    row = demo.select_rows(T.AgreementReview).iloc[0]
    assert row["note"] == "Kept 60 leads per rep. **not bold**"
    assert row["recorded_by"] == "ops@northwind.example"  # the demo opens as its first admin
    assert any("Review of 2026-10-20 recorded" in s.value for s in at.success)


def test_per_rep_target_previewed_on_sla_settings(demo: Store, dashboard_env: Path) -> None:
    at = open_app("pages/sla_settings.py")
    at.selectbox(key="versions_sla").set_value("leads-per-rep").run()
    at.number_input[-1].set_value(5).run()  # per-rep target
    next(b for b in at.button if b.label.startswith("Preview on")).click().run()
    assert_clean(at)
    preview = at.dataframe[-1].value
    assert list(preview["Version"]) == ["In force", "Draft"]
    assert list(preview["Reps owed leads"]) == [18, 18]
    assert preview["Reps below target"].iloc[1] <= preview["Reps below target"].iloc[0]


def test_review_pack_download_on_sla_settings(demo: Store, dashboard_env: Path) -> None:
    at = open_app("pages/sla_settings.py")
    next(b for b in at.button if b.label == "Build the review pack").click().run()
    assert_clean(at)
    labels = [d.label for d in at.get("download_button")]
    assert labels == ["Download review-pack-2026-10-20.html", "Download review-pack-2026-10-20.pdf"]


def test_a_rep_sees_only_their_own_line_on_the_overview(demo: Store, dashboard_env: Path) -> None:
    at = open_as(rep_email(demo, "O06"), "pages/overview.py", month=MONTH)
    assert_clean(at)
    assert metric(at, "Reps owed leads") == "1"
    at = open_as(manager_email(demo, "sales-west"), "pages/overview.py", month=MONTH)
    assert metric(at, "Reps owed leads") == "8", "a manager sees their team's reps"
    at = open_app("pages/overview.py", month=MONTH, team="sales-west")
    assert metric(at, "Reps owed leads") == "8"
