"""One visual language for every page: state colours, labels, units and the plotly look.

Every chart, badge and table that shows an SLA state takes its colour from `STATE_COLORS`, so
"breached" is the same red on the Overview, in a rep's table and on a lead's timeline.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

MET = "met"
BREACHED = "breached"
OPEN = "open"
EXCLUDED = "excluded"
STATES = (MET, BREACHED, OPEN, EXCLUDED)

STATE_COLORS: dict[str, str] = {
    MET: "#1f9d55",
    BREACHED: "#d64545",
    OPEN: "#3b7dd8",
    EXCLUDED: "#9aa3ad",
}
STATE_LABELS: dict[str, str] = {
    MET: "Met",
    BREACHED: "Breached",
    OPEN: "Open",
    EXCLUDED: "Excluded",
}
# Markdown icons (Material Symbols ship with Streamlit; emoji fonts are not everywhere).
STATE_ICONS: dict[str, str] = {
    MET: ":green[:material/check_circle:]",
    BREACHED: ":red[:material/cancel:]",
    OPEN: ":blue[:material/pending:]",
    EXCLUDED: ":gray[:material/remove_circle:]",
}
AT_RISK_COLOR = "#e8a317"
TARGET_COLOR = "#4a5568"
OFF_HOURS_COLOR = "rgba(120, 130, 145, 0.13)"
ACCENT = "#3b5bdb"

TIER_LABELS = {"marketing": "Marketing", "sales": "Sales", "service": "Service"}
KIND_LABELS = {
    "first_touch": "First touch",
    "follow_up_attempts": "Follow-up attempts",
    "service_first_contact": "Service first contact",
    "lead_quota": "Lead quota",
}
SOURCE_ALL = "All sources"
TEAM_ALL = "All teams"
TIER_ALL = "All tiers"

PLOTLY_TEMPLATE = "handoff"


def _axis() -> dict[str, Any]:
    """The look both axes share (a fresh dict each: plotly templates keep what they are given)."""
    return {
        "gridcolor": "#e9ecef",
        "zerolinecolor": "#dee2e6",
        "linecolor": "#ced4da",
        "automargin": True,
        "tickfont": {"size": 12, "color": "#52606d"},
        "title": {"standoff": 12, "font": {"size": 13, "color": "#3e4c59"}},
    }


def register_plotly_template() -> None:
    """A quiet plotly template (white, thin grid, our font sizes) used by every figure."""
    if PLOTLY_TEMPLATE in pio.templates:
        return
    template = go.layout.Template()
    template.layout = go.Layout(
        font={"family": "Source Sans Pro, Segoe UI, sans-serif", "size": 13, "color": "#1f2933"},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        colorway=[ACCENT, "#12b886", "#f59f00", "#ae3ec9", "#1098ad", "#e8590c", "#495057"],
        # automargin + an explicit title standoff: plotly then grows the margins to fit tick
        # labels *and* the axis title beside them, instead of drawing the title over the ticks.
        xaxis=_axis(),
        yaxis=_axis(),
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "font": {"size": 12}},
        margin={"l": 16, "r": 24, "t": 48, "b": 16},
        hoverlabel={"font": {"size": 12}},
    )
    pio.templates[PLOTLY_TEMPLATE] = template


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state.title())


def business_hours(minutes: float | None) -> float | None:
    """Business minutes -> business hours (people think in hours)."""
    if minutes is None or (isinstance(minutes, float) and math.isnan(minutes)):
        return None
    return round(float(minutes) / 60.0, 2)


def fmt_business(minutes: float | None) -> str:
    """A business duration for people: "45 min", "3.5 h" (business time)."""
    if minutes is None or (isinstance(minutes, float) and math.isnan(minutes)):
        return "—"
    minutes = float(minutes)
    if abs(minutes) < 60:
        return f"{minutes:.0f} min"
    return f"{minutes / 60:.1f} h"


def fmt_hours(hours: float | None) -> str:
    """Business hours for people, one decimal: "3.5 h" ("—" when unknown)."""
    if hours is None or (isinstance(hours, float) and math.isnan(hours)):
        return "—"
    return f"{float(hours):.1f} h"


def fmt_month(month: str, *, long: bool = False) -> str:
    """A "YYYY-MM" month for people: "Oct 2026" (or "October 2026" with `long`)."""
    try:
        year, number = (int(part) for part in month.split("-", 1))
        stamp = date(year, number, 1)
    except ValueError:
        return month
    return stamp.strftime("%B %Y" if long else "%b %Y")


STOP_REASON_LABELS = {
    "activity": "First contact",
    "rejection": "Rejected by sales",
    "attempts": "Enough attempts",
    "reached": "Lead reached",
    "window_end": "Window ended",
}


def stop_reason_label(reason: Any) -> str | None:
    """What stopped an SLA clock, in words (None when the clock still runs)."""
    if reason is None or (isinstance(reason, float) and math.isnan(reason)):
        return None
    return STOP_REASON_LABELS.get(str(reason), str(reason).replace("_", " ").capitalize())


def fmt_pct(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}%"


# Below this many decided items, while some are still open, a compliance figure is provisional:
# early in a month only the leads already reached are decided, so 100% can sit beside an average
# of 0.5 attempts. The figure is shown, marked so, with how many items it rests on.
MIN_DECIDED = 20


def decided_of(counts: Mapping[str, Any]) -> tuple[int, int]:
    """(decided, all items) from state counts: decided = met + breached."""
    def get(state: str) -> int:
        value = counts.get(state, 0)
        return 0 if value is None or (isinstance(value, float) and math.isnan(value)) else int(value)

    decided = get("met") + get("breached")
    return decided, decided + get("open") + get("excluded")


def is_provisional(counts: Mapping[str, Any]) -> bool:
    """Too few decided items while some are still open (see MIN_DECIDED)."""
    decided, _ = decided_of(counts)
    still_open = counts.get("open", 0) or 0
    return decided < MIN_DECIDED and int(still_open) > 0


def fmt_decided(counts: Mapping[str, Any]) -> str:
    """ "12 decided of 40" (the base of a compliance figure), "provisional" when too few."""
    decided, total = decided_of(counts)
    text = f"{decided:,} decided of {total:,}"
    return f"provisional: {text}" if is_provisional(counts) else text


def fmt_plural(count: int, singular: str, plural: str | None = None) -> str:
    """ "1 activity", "2 activities", "1,204 leads"."""
    word = singular if count == 1 else (plural or singular + "s")
    return f"{count:,} {word}"


def fmt_count(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{int(value):,}"


def fmt_when(value: datetime | None, zone: Any = None) -> str:
    """An instant for people, in `zone` (a tzinfo) when given, with the zone's abbreviation."""
    if value is None:
        return "—"
    try:
        stamp = value.astimezone(zone) if zone is not None else value
    except (ValueError, TypeError, OverflowError):
        return "—"
    return stamp.strftime("%a %d %b %Y, %H:%M %Z").strip()


def fmt_ago(value: datetime | None, now: datetime) -> str:
    """ "3 h ago", "2 days ago" (wall-clock, for "last sync")."""
    if value is None:
        return "never"
    delta: timedelta = now - value
    seconds = max(delta.total_seconds(), 0)
    if seconds < 90:
        return "just now"
    if seconds < 3600 * 1.5:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 86400 * 1.5:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} days ago"


def compliance_color(compliance: float | None, target: float | None) -> str:
    """Met colour at or above target, breached colour below, grey when nothing is decided."""
    if (
        compliance is None
        or target is None
        or (isinstance(compliance, float) and math.isnan(compliance))
    ):
        return STATE_COLORS[EXCLUDED]
    return STATE_COLORS[MET] if compliance >= target else STATE_COLORS[BREACHED]


def state_badge(state: str) -> str:
    """Coloured markdown badge for a state (st.markdown understands :color-badge[...])."""
    color = {MET: "green", BREACHED: "red", OPEN: "blue", EXCLUDED: "gray"}.get(state, "gray")
    return f":{color}-badge[{state_label(state)}]"


register_plotly_template()  # every module that draws imports this one
