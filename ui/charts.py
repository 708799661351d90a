"""Plotly figures shared by the pages, all in the house template and state colours, and the one
place their labels are made plain text (`plain_labels`, which `components.chart` applies to every
figure a page draws).

Plotly renders a subset of HTML in every label (`<a href>`, `<b>`, `<br>`, `<span style>`), and
team, rep, source and SLA names come from the CRM or the SLA file. So each value shown as a label
(trace data used as categories or text, legend entries, axis titles, tick texts, category orders,
annotations, legend titles) is escaped there, the same way everywhere. Hover templates and hover
texts are our own markup (`<br>` between lines): a helper never puts a name into one, it refers
to the escaped value (`%{y}`, `%{customdata}`, `%{fullData.name}`) or escapes it with
`ui.text.chart_text` as it builds the text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from reports.formats import fmt_month
from ui.text import chart_text
from ui.theme import (
    ACCENT,
    PLOTLY_TEMPLATE,
    STATE_COLORS,
    STATES,
    TARGET_COLOR,
    register_plotly_template,
    state_label,
)


def quota_pace(figures: Mapping[str, Any]) -> go.Figure:
    """Accepted leads against the straight pace line to the target over the month's business days,
    with the projection to month end."""
    total = float(figures.get("business_days_total") or 0)
    gone = float(figures.get("business_days_gone") or 0)
    target = float(figures.get("target") or 0)
    accepted = float(figures.get("accepted") or 0)
    projected = figures.get("projected_accepted")
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=[0, total],
            y=[0, target],
            mode="lines",
            name="Pace to target",
            line={"color": TARGET_COLOR, "dash": "dot"},
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[0, gone],
            y=[0, accepted],
            mode="lines+markers",
            name="Accepted so far",
            line={"color": ACCENT, "width": 3},
        )
    )
    if projected is not None and gone < total:
        figure.add_trace(
            go.Scatter(
                x=[gone, total],
                y=[accepted, float(projected)],
                mode="lines+markers",
                name="Projection",
                line={"color": ACCENT, "dash": "dash"},
            )
        )
    figure.add_hline(
        y=target,
        line_color=STATE_COLORS["met"],
        line_dash="dot",
        annotation_text=f"target {target:,.0f}",
        annotation_position="top left",
    )
    figure.update_layout(
        template=PLOTLY_TEMPLATE,
        height=300,
        hovermode="x unified",
        xaxis={
            "title": {"text": f"Business days ({gone:.0f} of {total:.0f} gone)"},
            "range": [-0.5, max(total, 1) + 0.5],
            "tickformat": ",d",
        },
        yaxis={
            "title": {"text": "Accepted leads"},
            "rangemode": "tozero",
            # Room above the target line for its label.
            "range": [0, max(target, accepted, float(projected or 0), 1) * 1.12],
            "tickformat": ",d",
        },
    )
    return figure


def compliance_trend(trend: pd.DataFrame) -> go.Figure:
    """Compliance per SLA per month, with each SLA's target as a dotted line."""
    figure = go.Figure()
    for index, (sla_id, rows) in enumerate(trend.groupby("sla_id", sort=False)):
        color = _series_color(index)
        name = str(rows["name"].iloc[0])
        months = rows["month"].map(fmt_month)
        figure.add_trace(
            go.Scatter(
                x=months,
                y=rows["compliance_pct"],
                mode="lines+markers",
                name=name,
                line={"color": color, "width": 2.5},
                legendgroup=str(sla_id),
                hovertemplate="%{x}: %{y:.1f}%<extra>%{fullData.name}</extra>",
            )
        )
        figure.add_trace(
            go.Scatter(
                x=months,
                y=rows["target_pct"],
                mode="lines",
                name=f"target {rows['target_pct'].iloc[-1]:.0f}%",
                line={"color": color, "dash": "dot", "width": 1},
                legendgroup=str(sla_id),
                showlegend=False,
                customdata=[name] * len(months),
                hovertemplate="target %{y:.0f}%<extra>%{customdata}</extra>",
            )
        )
    figure.update_layout(
        template=PLOTLY_TEMPLATE,
        height=340,
        yaxis={"title": {"text": "Within target"}, "ticksuffix": "%", "tickformat": ".0f"},
        xaxis={
            "title": {"text": None},
            "type": "category",
            # Months in order, oldest first, even when an SLA has no value in some of them.
            "categoryorder": "array",
            "categoryarray": [fmt_month(m) for m in sorted(trend["month"].unique())],
        },
    )
    return figure


def _series_color(index: int) -> str:
    palette = ["#3b5bdb", "#12b886", "#f59f00", "#ae3ec9", "#1098ad", "#e8590c"]
    return palette[index % len(palette)]


def state_bars(counts: pd.DataFrame, by: str, label: str) -> go.Figure:
    """Stacked bars of items per state for each `by` value (teams, reps, months)."""
    figure = go.Figure()
    for state in STATES:
        if state not in counts.columns:
            continue
        figure.add_trace(
            go.Bar(
                y=counts[by],
                x=counts[state],
                name=state_label(state),
                orientation="h",
                marker_color=STATE_COLORS[state],
                hovertemplate="%{y}: %{x:,} " + state_label(state).lower() + "<extra></extra>",
            )
        )
    figure.update_layout(
        template=PLOTLY_TEMPLATE,
        barmode="stack",
        height=max(220, 28 * len(counts) + 90),
        xaxis_title="Items",
        yaxis_title=label,
        yaxis={"autorange": "reversed"},
    )
    return figure


def hours_distribution(
    hours: pd.Series,
    states: pd.Series,
    target_hours: float | Mapping[str, float] | None,
    title: str,
) -> go.Figure:
    """Histogram of business hours (e.g. to first touch), coloured by verdict, with every
    target marked: one line per segment when segments have their own (hot leads: 30 min), and
    the last bar labelled when it folds in the slowest 2%."""
    figure = go.Figure()
    clipped_at = float(np.nanpercentile(hours, 98)) if len(hours.dropna()) else 0.0
    # Binned here, not by plotly.js: a month is 100k items, and sending every value to the
    # browser (then binning it there) costs far more than the 40-odd bars it draws.
    width = _bin_width(clipped_at / 40 if clipped_at > 0 else 1.0)
    edges = np.arange(0.0, max(clipped_at, width) + width, width)
    for state in ("met", "breached", "open"):
        chosen = hours[states == state].clip(upper=clipped_at if clipped_at > 0 else None)
        values = chosen.dropna().to_numpy(dtype=float)
        if values.size == 0:
            continue
        counts, _ = np.histogram(np.clip(values, 0.0, edges[-1]), bins=edges)
        ranges = [f"{lo:g}–{hi:g} h" for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
        figure.add_trace(
            go.Bar(
                x=edges[:-1] + width / 2,
                y=counts,
                width=width,
                name=state_label(state),
                marker_color=STATE_COLORS[state],
                customdata=ranges,
                hovertemplate=f"%{{customdata}}: %{{y:,d}} {state_label(state)}<extra></extra>",
            )
        )
    targets = (
        {}
        if target_hours is None
        else dict(target_hours)
        if isinstance(target_hours, Mapping)
        else {"": float(target_hours)}
    )
    by_hours: dict[float, list[str]] = {}
    for label, value in targets.items():
        by_hours.setdefault(float(value), []).append(label)
    for index, (value, labels) in enumerate(sorted(by_hours.items())):
        named = ", ".join(label for label in labels if label)
        figure.add_vline(
            x=value,
            line_color=TARGET_COLOR,
            line_dash="dash",
            annotation_text=f"target {value:g} h" + (f" ({named})" if named else ""),
            annotation_position="top right" if index % 2 == 0 else "bottom right",
        )
    if clipped_at > 0 and bool((hours > clipped_at).any()):
        figure.add_annotation(
            x=clipped_at,
            y=1,
            yref="paper",
            text=f"≥ {clipped_at:.0f} h: slowest 2%",
            showarrow=False,
            xanchor="right",
            yanchor="bottom",
            font={"size": 11},
        )
    figure.update_layout(
        template=PLOTLY_TEMPLATE,
        barmode="stack",
        height=300,
        xaxis={"title": {"text": title}, "ticksuffix": " h"},
        yaxis={"title": {"text": "Items"}, "tickformat": ",d"},
        bargap=0.05,
        showlegend=False,
    )
    return figure


def rep_scatter(reps: pd.DataFrame) -> go.Figure:
    """Median business hours to first touch against compliance, one dot per rep."""
    colors = np.where(
        reps["meets_target"].fillna(False).astype(bool),
        STATE_COLORS["met"],
        STATE_COLORS["breached"],
    )
    # Names only where they help and fit: the reps under target and the slowest few; the rest
    # on hover. Alternating positions keep neighbours' names apart.
    labelled = (~reps["meets_target"].fillna(False).astype(bool)) | reps["median_hours"].rank(
        ascending=False, method="first"
    ).le(5)
    order = reps["median_hours"].rank(method="first").fillna(0).astype(int).to_numpy()
    positions = np.array(["top center", "bottom center", "middle right", "middle left"])
    figure = go.Figure(
        go.Scatter(
            x=reps["median_hours"],
            y=reps["compliance_pct"],
            mode="markers+text",
            text=reps["rep"].where(labelled, ""),
            textposition=positions[order % len(positions)].tolist(),
            customdata=reps["rep"],
            marker={
                "size": np.clip(reps["decided"] ** 0.5 * 2, 8, 30),
                "color": colors,
                "line": {"width": 1, "color": "white"},
            },
            hovertemplate="%{customdata}<br>median %{x:.1f} business h<br>%{y:.1f}% within target<extra></extra>",
        )
    )
    figure.update_layout(
        template=PLOTLY_TEMPLATE,
        height=360,
        xaxis={"title": {"text": "Median business hours to first touch"}, "ticksuffix": " h"},
        yaxis={"title": {"text": "Within target"}, "ticksuffix": "%", "tickformat": ".0f"},
        showlegend=False,
    )
    return figure


def _bin_width(raw: float) -> float:
    """The smallest round bin width (in hours) not below `raw`."""
    for width in (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 12, 24, 48, 72, 168):
        if width >= raw:
            return float(width)
    return float(np.ceil(raw / 168) * 168)


def attempts_histogram(attempts: pd.Series, goal: int | None) -> go.Figure:
    """Decided leads by number of attempts (counted here: one bar per number)."""
    counts = attempts.dropna().astype(int).value_counts().sort_index()
    figure = go.Figure(
        go.Bar(
            x=counts.index.to_numpy(),
            y=counts.to_numpy(),
            marker_color=ACCENT,
            hovertemplate="%{x} attempts: %{y:,d} leads<extra></extra>",
        )
    )
    if goal:
        figure.add_vline(
            x=goal, line_color=TARGET_COLOR, line_dash="dash", annotation_text=f"goal {goal}"
        )
    figure.update_layout(
        template=PLOTLY_TEMPLATE,
        height=300,
        xaxis={"title": {"text": "Attempts in the window"}, "dtick": 1, "tickformat": "d"},
        yaxis={"title": {"text": "Decided leads"}, "tickformat": ",d"},
        bargap=0.08,
    )
    return figure


def monthly_bars(
    frame: pd.DataFrame, x: str, y: str, label: str, *, suffix: str = "", digits: int = 0
) -> go.Figure:
    """One bar per month ("Oct 2026" labels), values printed on the bars."""
    values = pd.to_numeric(frame[y], errors="coerce")
    texts = ["" if pd.isna(v) else f"{v:,.{digits}f}{suffix}" for v in values]
    figure = go.Figure(
        go.Bar(
            x=frame[x].map(fmt_month),
            y=values,
            marker_color=ACCENT,
            text=texts,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    figure.update_layout(
        template=PLOTLY_TEMPLATE,
        height=280,
        yaxis={
            "title": {"text": label},
            "ticksuffix": suffix,
            "rangemode": "tozero",
            "range": [0, float(values.max() or 1) * 1.2] if values.notna().any() else None,
        },
        xaxis={"type": "category", "title": {"text": None}},
    )
    return figure



def team_month_bars(months: pd.DataFrame, label: str) -> go.Figure:
    """Stacked bars per month ("Oct 2026", calendar order), one colour per team (`name`),
    `leads` high. The team's name reaches the hover through `fullData.name`, never the template."""
    figure = go.Figure()
    ordered = months.sort_values("month")
    for index, (team, rows) in enumerate(ordered.groupby("name", sort=True)):
        figure.add_trace(
            go.Bar(
                x=rows["month"].map(fmt_month),
                y=rows["leads"],
                name=str(team),
                marker_color=_series_color(index),
                hovertemplate="%{x}: %{y:,} leads<extra>%{fullData.name}</extra>",
            )
        )
    figure.update_layout(
        template=PLOTLY_TEMPLATE,
        barmode="stack",
        height=320,
        bargap=0.2,
        legend={"title": {"text": "Team"}},
        # Calendar order: plotly would otherwise order months by first appearance across the
        # teams' traces (a team without April put April last).
        xaxis={
            "type": "category",
            "title": {"text": None},
            "categoryorder": "array",
            "categoryarray": [fmt_month(m) for m in sorted(months["month"].unique())],
        },
        yaxis={"title": {"text": label}, "tickformat": ",d"},
    )
    return figure

# Trace fields whose strings are shown as labels (categories, point texts, hover values).
_TRACE_TEXT = ("x", "y", "z", "text", "labels", "customdata", "ids", "parents")


def _plain(values: Any) -> Any:
    """Strings escaped for plotly, anything else as it is (numbers, dates, None)."""
    if isinstance(values, str):
        return chart_text(values)
    if isinstance(values, np.ndarray) and values.dtype.kind in "biufcmM":
        return values  # numbers and datetimes: nothing to escape
    if isinstance(values, tuple | list | np.ndarray | pd.Series | pd.Index):
        array = np.asarray(values, dtype=object)
        if not any(isinstance(v, str) for v in array.ravel()):
            return values
        flat = [chart_text(v) if isinstance(v, str) else v for v in array.ravel()]
        return np.array(flat, dtype=object).reshape(array.shape)
    return values


def plain_labels(figure: go.Figure) -> go.Figure:
    """A copy of `figure` whose every label is plain text (see the module's docstring); the
    figure itself is left as it was, so escaping never happens twice."""
    figure = go.Figure(figure)
    for trace in figure.data:
        for field in _TRACE_TEXT:
            if field in trace and trace[field] is not None:
                try:
                    trace[field] = _plain(trace[field])
                except ValueError:  # a field that takes no strings as given
                    continue
        if getattr(trace, "name", None):
            trace.name = chart_text(trace.name)
        group_title = getattr(trace, "legendgrouptitle", None)
        if group_title is not None and group_title.text:
            group_title.text = chart_text(group_title.text)
    layout = figure.layout

    def axis_labels(axis: Any) -> None:
        if axis.title is not None and axis.title.text:
            axis.title.text = chart_text(axis.title.text)
        for field in ("ticktext", "categoryarray"):
            if axis[field] is not None:
                axis[field] = _plain(axis[field])

    figure.for_each_xaxis(axis_labels)
    figure.for_each_yaxis(axis_labels)
    if layout.title is not None and layout.title.text:
        layout.title.text = chart_text(layout.title.text)
    if layout.legend is not None and layout.legend.title is not None and layout.legend.title.text:
        layout.legend.title.text = chart_text(layout.legend.title.text)
    for annotation in layout.annotations or ():
        if annotation.text:
            annotation.text = chart_text(annotation.text)
    for shape in layout.shapes or ():
        label = getattr(shape, "label", None)
        if label is not None and label.text:
            label.text = chart_text(label.text)
    return figure


def has_data(figure: go.Figure) -> bool:
    """True when some trace has at least one value to draw (not just target lines and axes)."""
    for trace in figure.data:
        for field in ("x", "y", "values", "z"):
            if field not in trace or trace[field] is None:
                continue
            values = pd.Series(np.ravel(np.asarray(trace[field], dtype=object)), dtype=object)
            if values.notna().any():
                if field == "x" and trace.type != "histogram" and "y" in trace and trace["y"] is not None:
                    continue  # a bar or line needs its heights: judged on y
                return True
    return False


def warm_up() -> None:
    """Build, label and serialise one small figure with the trace types and layout parts these
    charts use. Plotly imports a class and validator per property on first use: a fresh server
    would otherwise spend that (a few tenths of a second) on its first visitor's charts; the
    warmer calls this before the server opens."""
    import plotly.io as pio

    register_plotly_template()
    figure = go.Figure(
        [
            go.Scatter(
                x=[0, 1], y=[1, 2], mode="lines+markers+text", name="a", text=["a", "b"],
                textposition="top center", customdata=[["a"], ["b"]],
                hovertemplate="%{customdata[0]}<extra></extra>",
                line={"color": "#000", "dash": "dot", "width": 1}, marker={"size": 4, "color": "#000"},
            ),
            go.Bar(
                x=[1, 2], y=["a", "b"], orientation="h", name="b", text=["1", "2"],
                textposition="auto", customdata=[["a"], ["b"]], hovertemplate="%{x}<extra></extra>",
                marker={"color": ["#000", "#111"], "line": {"width": 0}}, width=[0.5, 0.5],
                offsetgroup="1",
            ),
        ]
    )
    figure.add_vline(x=1, line_dash="dash", annotation_text="target", annotation_position="top")
    figure.add_hline(y=1, line_dash="dot", annotation_text="goal")
    figure.add_annotation(text="note", x=0, y=0, showarrow=False)
    figure.update_layout(
        title={"text": "t"}, barmode="stack", bargap=0.1, hovermode="x unified",
        legend={"orientation": "h", "title": {"text": "l"}}, margin={"l": 0, "r": 0, "t": 0, "b": 0},
        xaxis={"title": {"text": "x"}, "ticksuffix": " h", "tickformat": ".0f", "range": [0, 2]},
        yaxis={"title": {"text": "y"}, "categoryorder": "array", "categoryarray": ["a", "b"]},
        height=200,
    )
    figure.for_each_xaxis(lambda axis: axis.update(showgrid=False))
    figure.for_each_yaxis(lambda axis: axis.update(tickvals=[0, 1], ticktext=["a", "b"]))
    pio.to_json(plain_labels(figure), validate=False)
