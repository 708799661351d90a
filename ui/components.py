"""Reusable pieces of every page: headers, metric cards, empty states, the state legend, tables.

Pages compose these; they never style things themselves, so the dashboard keeps one look.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from models.access import Person
from models.errors import BadInputError, HandoffError
from ui import charts, identity
from ui.text import bullets, code, plain
from ui.theme import STATE_COLORS, STATE_LABELS, STATES

log = logging.getLogger("handoff.ui")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts (for the handful of rows a page loops over to draw cards)."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def page_header(title: str, caption: str | None = None) -> None:
    st.title(title)
    if caption:
        st.caption(caption)


def metric_card(
    label: str,
    value: str,
    *,
    delta: str | None = None,
    delta_color: str = "normal",
    delta_description: str | None = None,
    help: str | None = None,
    chart: list[float] | None = None,
) -> None:
    """One bordered metric (value as text so units like "3.5 h" or "94.1%" stay readable)."""
    st.metric(
        label,
        value,
        delta=delta,
        delta_color=delta_color,  # type: ignore[arg-type]
        # A grey delta is context ("target 95%", "goal 6"), not a change: no arrow.
        delta_arrow="off" if delta_color == "off" else "auto",
        delta_description=delta_description,
        help=help,
        border=True,
        height="stretch",  # cards of a row line up even when only some carry a delta
        chart_data=chart,
        chart_type="line",
    )


def metric_row() -> Any:
    """A row of metric cards that wraps onto a second line in a narrow window instead of
    cutting labels and values short (st.columns would squeeze every card)."""
    return st.container(horizontal=True, gap="small")


def state_legend() -> None:
    """The four SLA states in their colours (the same on every page)."""
    chips = " ".join(
        f"<span style='display:inline-block;margin-right:14px'>"
        f"<span style='display:inline-block;width:10px;height:10px;border-radius:2px;"
        f"background:{STATE_COLORS[s]};margin-right:5px'></span>{STATE_LABELS[s]}</span>"
        for s in STATES
    )
    st.markdown(
        f"<div style='font-size:0.85rem;color:#52606d'>{chips}</div>", unsafe_allow_html=True
    )


def empty_database(load_demo: Callable[[], None] | None = None, *, key: str = "empty") -> None:
    """The fresh-install state: say what to do, with the button that does it."""
    with st.container(border=True):
        st.subheader("No data yet")
        st.markdown(
            "Handoff has nothing to measure yet. Load the demo organisation to look around, "
            "or bring your own data:\n\n"
            "- **Demo:** run `handoff demo`, or press **Load demo data** below.\n"
            "- **HubSpot:** set `HUBSPOT_ACCESS_TOKEN` and run `handoff sync hubspot` "
            "(or use the **Data** page).\n"
            "- **CSV:** upload `teams.csv`, `owners.csv`, `leads.csv`, `activities.csv` and "
            "`deals.csv` on the **Data** page, or run `handoff import DIR`."
        )
        if load_demo is not None and st.button("Load demo data", type="primary", key=f"{key}_demo"):
            load_demo()


def empty_state(message: str, hint: str | None = None) -> None:
    """Nothing to show for this selection: say so, and what to change."""
    st.info(message + (f"\n\n{hint}" if hint else ""), icon=":material/info:")


def _is_link_column(config: Any) -> bool:
    return isinstance(config, Mapping) and (config.get("type_config") or {}).get("type") == "link"


def _with_link_params(frame: pd.DataFrame, column_config: Mapping[str, Any]) -> pd.DataFrame:
    """Link columns open in a new tab: their links carry `identity.link_params()` (the demo
    person in demo mode; nothing with sign-in)."""
    extra = identity.link_params()
    columns = [c for c, config in column_config.items() if c in frame.columns and _is_link_column(config)]
    if not extra or not columns or frame.empty:
        return frame
    suffix = urlencode(extra)
    name = next(iter(extra))

    def carry(link: object) -> object:
        if not isinstance(link, str) or not link or f"{name}=" in link:
            return link
        return f"{link}{'&' if '?' in link else '?'}{suffix}"

    frame = frame.copy()
    for column in columns:
        frame[column] = frame[column].map(carry)
    return frame


def page_link(page: str, *, label: str, query_params: Mapping[str, str] | None = None, **kwargs: Any) -> None:
    """`st.page_link` whose link carries `identity.link_params()` too (a link opened in a new
    tab keeps the demo person)."""
    params = {**identity.link_params(), **dict(query_params or {})}
    st.page_link(page, label=label, query_params=params or None, **kwargs)


def data_table(
    frame: pd.DataFrame,
    *,
    column_config: Mapping[str, Any] | None = None,
    key: str | None = None,
    select: bool = False,
    height: int | str = "auto",
    state_columns: Sequence[str] = (),
) -> Any:
    """A sortable table (st.dataframe); with `select`, one row can be picked (returns the event).

    Missing values show as "—" (not "None"); `state_columns` hold SLA states, shown as their
    labels in the state colours, the same as in every chart.
    """
    kwargs: dict[str, Any] = {
        "hide_index": True,
        "column_config": dict(column_config or {}),
        "height": height,
        "width": "stretch",
        "placeholder": "—",
    }
    frame = _with_link_params(frame, kwargs["column_config"])
    shown: Any = frame
    states: list[Hashable] = [c for c in state_columns if c in frame.columns]
    if states and not frame.empty:
        labelled = frame.copy()
        for column in states:
            labelled[column] = labelled[column].map(_state_label_or_none)
        # A Styler renders cell by cell in Python (~0.5 s for a rep's 10k items at scale):
        # colour small tables, show big ones with the same labels uncoloured.
        shown = (
            labelled.style.map(_state_css, subset=states)
            if len(labelled) <= _STYLED_ROWS
            else labelled
        )
    if select:
        return st.dataframe(
            shown, key=key, on_select="rerun", selection_mode="single-row", **kwargs
        )
    return st.dataframe(shown, key=key, **kwargs)


_LABEL_COLORS = {STATE_LABELS[s]: STATE_COLORS[s] for s in STATES}
_STYLED_ROWS = 1_000


def _state_label_or_none(value: Any) -> Any:
    return STATE_LABELS.get(value, value) if isinstance(value, str) else value


def _state_css(value: Any) -> str:
    color = _LABEL_COLORS.get(value) if isinstance(value, str) else None
    return f"color: {color}; font-weight: 600" if color else ""


def selected_row(event: Any, frame: pd.DataFrame) -> pd.Series | None:
    """The row picked in a `data_table(..., select=True)`, if any."""
    try:
        rows = event.selection.rows
    except AttributeError:
        return None
    if not rows:
        return None
    index = rows[0]
    return frame.iloc[index] if 0 <= index < len(frame) else None


@contextmanager
def friendly_errors(where: str) -> Iterator[None]:
    """Show a person-readable message instead of a traceback; log the details for operators."""
    try:
        yield
    except BadInputError as exc:
        st.error(f"**{plain(exc.summary)}**\n\n" + bullets(exc.problems[:30]))
    except HandoffError as exc:
        st.error(f"{where} failed: {code(exc)}")
    except Exception as exc:  # a user never sees a traceback; the console log keeps it
        log.exception("%s failed", where)
        st.error(
            f"{where} failed: {type(exc).__name__}: {code(exc)}. The details are in the server log; "
            "if it persists, check the data with `handoff evaluate` or report it."
        )


def hours_column(label: str, help: str | None = None) -> Any:
    return st.column_config.NumberColumn(label, format="%.1f h", help=help)


def pct_column(label: str, help: str | None = None) -> Any:
    return st.column_config.NumberColumn(label, format="%.1f%%", help=help)


def progress_column(label: str, help: str | None = None) -> Any:
    return st.column_config.ProgressColumn(
        label, format="%.1f%%", min_value=0, max_value=100, help=help
    )


def when_column(label: str) -> Any:
    return st.column_config.DatetimeColumn(label, format="ddd D MMM, HH:mm")


def link_column(label: str, display: str | None = None) -> Any:
    """A link column pinned to the table's left edge: on a narrow screen (1024 px) the wide
    columns scroll, the way in stays visible."""
    return st.column_config.LinkColumn(label, display_text=display, pinned=True)


def chart(figure: Any, *, key: str, empty: str) -> None:
    """A plotly figure in the house template (Streamlit's theme would override its layout).
    Every label is made plain text first (`charts.plain_labels`): names come from the CRM.
    A figure with nothing to draw is not drawn: `empty` says why, in one line (an empty frame
    of axes reads as a broken page)."""
    _draw(charts.plain_labels(figure), key, empty)


def cached_chart(
    build: Callable[[], Any], *, key: str, depends_on: Hashable, empty: str
) -> None:
    """`chart(build(), key=key, empty=empty)`, the figure built once for `depends_on` and shared
    by every session. Building a plotly figure (its template copied, every property validated)
    costs more than the data it draws, so pages pass everything the figure is drawn from as
    `depends_on`: the data stamp, the filters' cache key and, for a scoped figure, the person."""
    _draw(_built_figure(key, depends_on, build), key, empty)


@st.cache_resource(show_spinner=False, ttl=600, max_entries=128)
def _built_figure(key: str, depends_on: Hashable, _build: Callable[[], Any]) -> Any:
    del key, depends_on  # cache key only
    return charts.plain_labels(_build())


def _draw(figure: Any, key: str, empty: str) -> None:
    if not charts.has_data(figure):
        st.caption(f":material/info: {empty}")
        return
    st.plotly_chart(figure, key=key, theme=None, config={"displaylogo": False})


def where(person: Person) -> str:
    """How a one-line "nothing here" names what was looked at: the sidebar's selection for
    viewers and admins, the person's own scope (their team or their own leads) for the rest."""
    return "for this selection" if person.sees_everything else "in your scope"
