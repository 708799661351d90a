"""Chart labels are plain text: plotly renders `<a href>`, `<b>`, `<br>` in tick labels, legend
entries, titles and annotations, and team, rep and SLA names come from the CRM or the SLA file.
Every chart helper's figure, after `charts.plain_labels` (what `components.chart` draws), carries
no raw tag anywhere in its layout or traces."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from models.engine import columns as E
from ui import charts
from ui.timeline import lead_timeline

LINK = '<a href="https://evil.example">x</a>'
BOLD = "<b>bold</b>"
EVIL = (LINK, BOLD, "Sales & <span style='color:red'>Co</span>")


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def assert_no_raw_tag(figure: go.Figure) -> str:
    """The figure as plotly.js receives it (JSON) holds none of the names' tags; returns it."""
    spec = json.loads(charts.plain_labels(figure).to_json())
    for text in strings(spec):
        for name in EVIL:
            assert name not in text, text
        for tag in ("<a ", "<a>", "<span", "<b>bold"):
            assert tag not in text, text
    return "\n".join(strings(spec))


def test_state_bars_categories_are_escaped() -> None:
    counts = pd.DataFrame({"team": list(EVIL), "met": [3, 2, 1], "breached": [1, 0, 2]})
    spec = assert_no_raw_tag(charts.state_bars(counts, "team", "Team"))
    assert "&lt;a href=\"https://evil.example\"&gt;x&lt;/a&gt;" in spec, "shown as text, not dropped"
    assert "Sales &amp; " in spec


def test_rep_scatter_names_and_hover_values_are_escaped() -> None:
    reps = pd.DataFrame(
        {
            "rep": list(EVIL),
            "median_hours": [1.0, 5.0, 9.0],
            "compliance_pct": [99.0, 50.0, 10.0],
            "meets_target": [True, False, False],
            "decided": [10, 20, 30],
        }
    )
    assert_no_raw_tag(charts.rep_scatter(reps))


def test_compliance_trend_legend_and_hover_carry_no_sla_name_markup() -> None:
    trend = pd.DataFrame(
        {
            "sla_id": ["a", "a", "b", "b"],
            "name": [LINK, LINK, BOLD, BOLD],
            "month": ["2026-09", "2026-10", "2026-09", "2026-10"],
            "compliance_pct": [90.0, 95.0, 80.0, 85.0],
            "target_pct": [95.0, 95.0, 90.0, 90.0],
        }
    )
    figure = charts.compliance_trend(trend)
    assert all(LINK not in (t.hovertemplate or "") for t in figure.data), "names stay out of templates"
    assert_no_raw_tag(figure)


def test_hours_distribution_target_annotations_are_escaped() -> None:
    hours = pd.Series(np.linspace(0, 50, 60))
    states = pd.Series(["met", "breached", "open"] * 20)
    figure = charts.hours_distribution(hours, states, {LINK: 0.5, BOLD: 4.0}, f"Hours ({BOLD})")
    assert any(LINK in str(a.text) for a in figure.layout.annotations), "the segments are named"
    assert_no_raw_tag(figure)


def test_team_month_bars_legend_entries_are_escaped() -> None:
    months = pd.DataFrame(
        {"month": ["2026-09", "2026-10", "2026-10"], "name": [LINK, LINK, BOLD], "leads": [4, 5, 6]}
    )
    figure = charts.team_month_bars(months, "Leads")
    assert {t.name for t in figure.data} == {LINK, BOLD}
    assert_no_raw_tag(figure)


def test_any_layout_text_is_escaped_and_the_original_is_left_alone() -> None:
    figure = go.Figure(go.Bar(x=[LINK, BOLD], y=[1, 2], name=LINK, text=[BOLD, LINK]))
    figure.update_layout(
        title={"text": LINK},
        legend={"title": {"text": BOLD}},
        xaxis={"title": {"text": LINK}, "categoryorder": "array", "categoryarray": [BOLD, LINK]},
        yaxis={"tickvals": [1, 2], "ticktext": [LINK, BOLD]},
        annotations=[{"text": BOLD, "x": 0, "y": 0}],
    )
    assert_no_raw_tag(figure)
    assert figure.data[0].name == LINK, "escaped in a copy: drawing twice never escapes twice"
    twice = charts.plain_labels(charts.plain_labels(figure))
    assert twice.data[0].name == "&amp;lt;a href=\"https://evil.example\"&amp;gt;x&amp;lt;/a&amp;gt;"


def test_numbers_and_dates_pass_through_unchanged() -> None:
    when = pd.date_range("2026-10-01", periods=3, tz="UTC")
    figure = go.Figure(go.Scatter(x=when, y=np.array([1.5, 2.5, 3.5])))
    clean = charts.plain_labels(figure)
    assert list(clean.data[0].y) == [1.5, 2.5, 3.5]
    assert len(clean.data[0].x) == 3


def test_lead_timeline_hovers_keep_their_lines_and_escape_crm_text() -> None:
    at = pd.Timestamp("2026-10-05 14:00", tz="UTC")
    lead = {
        "lead_id": "L1",
        "created_at": at,
        "handed_off_at": at,
        "assigned_at": at,
        "rejected_at": at + pd.Timedelta(hours=3),
        "rejection_reason": LINK,
    }
    items = pd.DataFrame(
        {
            E.SLA_ID: ["first-touch"],
            E.LEAD_ID: ["L1"],
            E.DEAL_ID: [None],
            E.STATE: ["met"],
            E.START: [at],
            E.STOP: [at + pd.Timedelta(hours=1)],
            E.STOP_REASON: [E.STOP_ACTIVITY],
            E.ELAPSED: [60.0],
            E.TARGET: [240.0],
            E.CALENDAR: [None],
            E.KIND: ["first_touch"],
        }
    )
    activities = pd.DataFrame(
        {
            "activity_id": ["A1"],
            "lead_id": ["L1"],
            "type": ["call"],
            "occurred_at": [at + pd.Timedelta(hours=1)],
            "owner_id": ["O1"],
            "direction": ["outbound"],
            "outcome": [BOLD],
        }
    )
    figure = lead_timeline(
        lead, items, activities, pd.DataFrame(), {}, datetime(2026, 10, 6, tzinfo=UTC), {"O1": LINK}
    )
    assert_no_raw_tag(figure)
    hovers = [str(h) for t in figure.data for h in np.ravel([t.hovertext]) if h]
    assert any("<br>by &lt;a href" in h for h in hovers), "our line breaks stay, the name is text"


@pytest.mark.parametrize("value", ['Tom "TJ" O\'Neil', "R&D", "a < b > c"])
def test_quotes_are_kept_as_plotly_would_show_them(value: str) -> None:
    """plotly.js decodes &amp; &lt; &gt; (and numeric entities) but not &quot;: quotes stay."""
    name = charts.plain_labels(go.Figure(go.Bar(x=[1], y=[1], name=value))).data[0].name
    assert "&quot;" not in name and "&#x27;" not in name
    assert name.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == value


def test_has_data_tells_an_empty_frame_of_axes_from_a_chart() -> None:
    empty_hist = charts.hours_distribution(pd.Series(dtype=float), pd.Series(dtype=object), 4.0, "h")
    assert not charts.has_data(empty_hist), "a target line alone is not data"
    months = pd.DataFrame({"month": ["2026-09", "2026-10"], "median_hours": [np.nan, np.nan]})
    assert not charts.has_data(charts.monthly_bars(months, "month", "median_hours", "h"))
    assert not charts.has_data(charts.attempts_histogram(pd.Series(dtype=float), 6))
    assert charts.has_data(charts.attempts_histogram(pd.Series([3.0, 6.0]), 6))
    months["median_hours"] = [np.nan, 2.5]
    assert charts.has_data(charts.monthly_bars(months, "month", "median_hours", "h"))


def test_the_warm_up_figure_builds_and_serialises() -> None:
    """The warmer's plotly head start (`charts.warm_up`) uses only valid properties: plotly
    raises on any it does not know, which the warmer would swallow."""
    charts.warm_up()
