"""Follow-up: how fast and how persistently sales works the leads marketing hands over."""

from __future__ import annotations

from functools import partial

import streamlit as st

from reports.formats import fmt_count, fmt_decided, fmt_hours, fmt_pct
from ui import charts, components, context, loaders
from ui import follow_up as fu
from ui.scope import scoped_view
from ui.text import plain

filters, me = context.current()
context.require_data("Follow-up")
components.page_header(
    "Follow-up", "Sales' side of the marketing → sales handoff: first touch, attempts, routing."
)

touch = scoped_view(fu.sla_view(filters, "first_touch"), me)
# What this page's charts are drawn from: the data, the filters and whose items they are.
drawn_from = (loaders.data_stamp(), filters.key, me)
if touch is None:
    components.empty_state(
        "The SLA file has no first-touch SLA for this month.", "Add one on the SLA settings page."
    )
else:
    st.subheader(f"Time to first touch · {plain(touch.name)}")
    s = touch.summary
    with components.metric_row():
        components.metric_card(
            "Within target",
            fmt_pct(s["compliance_pct"]),
            delta=f"target {touch.target_pct:.0f}% · {fmt_decided(s['counts'])}",
            delta_color="off",
            help="Met ÷ (met + breached); open and excluded leads don't count. Marked "
            "provisional while fewer than 20 leads are decided and others are still open.",
        )
        components.metric_card(
            "Median first touch",
            fmt_hours(s["median_hours"]),
            help="Median business hours from the clock start (the later of handoff and assignment) "
            "to the first outbound call, email or "
            "meeting (touched leads).",
        )
        components.metric_card(
            "P90 first touch",
            fmt_hours(s["p90_hours"]),
            help="9 in 10 touched leads were touched within this many business hours.",
        )
        components.metric_card(
            "Routing delay",
            fmt_hours(s["routing_median_hours"]),
            help="Median business hours from hand-off to assignment: routing, not the rep's "
            "fault, and not counted in the rep's clock.",
        )
        components.metric_card(
            "Never touched",
            fmt_count(s["never_touched"]),
            help="Breached or open leads with no qualifying contact at all",
        )

    # A rep's list holds only their own row: "the slowest rep" would be themselves.
    worst = fu.worst_rep(touch) if me.sees_everything or me.managed_teams else None
    if worst is not None:
        with st.container(border=True):
            st.markdown(
                f"**Slowest rep for first touch this month: {plain(worst['rep'])}** ({plain(worst['team'])}) — "
                f"{fmt_pct(worst['compliance_pct'])} within target, median "
                f"{fmt_hours(worst['median_hours'])} of business time, {fmt_count(worst['breached'])} "
                f"breached of {fmt_count(worst['decided'])} decided."
            )
            components.page_link(
                "pages/drilldown.py",
                label=f"Open {plain(worst['rep'])}'s leads in the drill-down →",
                query_params=filters.query(team=str(worst["team_id"]), rep=str(worst["owner_id"])),
            )

    components.state_legend()
    components.cached_chart(
        partial(
            charts.hours_distribution,
            touch.items["elapsed_hours"],
            touch.items["state"],
            fu.segment_targets(touch),
            "Business hours from the clock start to first touch (open: so far)"
            + ("" if me.sees_everything or me.managed_teams else ", your leads"),
        ),
        key="touch_hist",
        depends_on=drawn_from,
        empty=f"No first touches {components.where(me)} this month: no lead of "
        + ("this selection" if me.sees_everything else "your team's or your own")
        + " was handed to sales.",
    )
    by_team_tab, by_rep_tab, routing_tab, untouched_tab = st.tabs(
        ["By team", "By rep", "Routing vs rep delay", "Never touched"],
        key="fu_tab",
        bind="query-params",  # a shared link restores the tab
    )
    hours = components.hours_column
    link = components.link_column("Drill-down", display="Open")
    if by_team_tab.open is not False:  # only the open tab is drawn
        with by_team_tab:
            components.data_table(
                touch.by_team[
                    [
                        "team",
                        "compliance_pct",
                        "met",
                        "breached",
                        "open",
                        "excluded",
                        "median_hours",
                        "p90_hours",
                        "link",
                    ]
                ],
                column_config={
                    "team": "Team",
                    "compliance_pct": components.progress_column("Within target"),
                    "met": "Met",
                    "breached": "Breached",
                    "open": "Open",
                    "excluded": "Excluded",
                    "median_hours": hours("Median"),
                    "p90_hours": hours("P90"),
                    "link": link,
                },
                key="ft_team",
            )
    if by_rep_tab.open is not False:  # only the open tab is drawn
        with by_rep_tab:
            components.cached_chart(
                partial(charts.rep_scatter, touch.by_rep.dropna(subset=["median_hours", "compliance_pct"])),
                key="rep_scatter",
                depends_on=drawn_from,
                empty=f"No rep has touched a lead {components.where(me)} this month yet.",
            )
            components.data_table(
                touch.by_rep[
                    [
                        "rep",
                        "team",
                        "compliance_pct",
                        "met",
                        "breached",
                        "open",
                        "median_hours",
                        "p90_hours",
                        "link",
                    ]
                ],
                column_config={
                    "rep": "Rep",
                    "team": "Team",
                    "compliance_pct": components.progress_column("Within target"),
                    "met": "Met",
                    "breached": "Breached",
                    "open": "Open",
                    "median_hours": hours("Median"),
                    "p90_hours": hours("P90"),
                    "link": link,
                },
                key="ft_rep",
            )
            st.caption(
                "Sorted worst first. Median and P90 count business hours from assignment to the first outbound call, email or meeting."
            )
    if routing_tab.open is not False:  # only the open tab is drawn
        with routing_tab:
            st.markdown(
                "Routing delay (hand-off → assignment) is the routing's, not the rep's: the rep's clock starts at assignment. "
                "Both in business hours."
            )
            components.data_table(
                touch.by_team[["team", "routing_median_hours", "median_hours", "items"]],
                column_config={
                    "team": "Team",
                    "routing_median_hours": hours("Routing delay (median)"),
                    "median_hours": hours("Rep delay to first touch (median)"),
                    "items": "Leads",
                },
                key="ft_routing",
            )
    if untouched_tab.open is not False:  # only the open tab is drawn
        with untouched_tab:
            never = touch.items[touch.items["never_touched"]].sort_values(
                "elapsed_hours", ascending=False
            )
            if never.empty:
                components.empty_state("Every lead of this selection has been touched.")
            else:
                components.data_table(
                    never[["lead_id", "rep", "team", "state", "elapsed_hours", "target_hours", "link"]],
                    column_config={
                        "lead_id": "Lead",
                        "rep": "Rep",
                        "team": "Team",
                        "state": "State",
                        "elapsed_hours": hours("Business hours waiting"),
                        "target_hours": hours("Target"),
                        "link": link,
                    },
                    key="ft_never",
                    state_columns=["state"],
                )

attempts = scoped_view(fu.sla_view(filters, "follow_up_attempts"), me)
if attempts is not None:
    st.subheader(f"Attempts per lead · {plain(attempts.name)}")
    a = attempts.summary
    with components.metric_row():
        components.metric_card(
            "Average attempts",
            f"{a['average_attempts']:.1f}" if a["average_attempts"] is not None else "—",
            delta=f"goal {attempts.min_attempts}",
            delta_color="off",
            help="Outbound calls and e-mails per decided lead inside its window.",
        )
        components.metric_card(
            "Within target",
            fmt_pct(a["compliance_pct"]),
            delta=f"target {attempts.target_pct:.0f}% · {fmt_decided(a['counts'])}",
            delta_color="off",
            help="Met ÷ (met + breached): a lead is decided once reached, rejected, given enough "
            "attempts, or its window has ended. Marked provisional while fewer than 20 leads are "
            "decided and others are still open.",
        )
        components.metric_card(
            "Open windows",
            fmt_count(a["counts"].get("open", 0)),
            help="Leads whose attempt window is still running.",
        )
    decided = attempts.items[attempts.items["state"].isin(["met", "breached"])]
    components.cached_chart(
        partial(charts.attempts_histogram, decided["attempts"].astype(float), attempts.min_attempts),
        key="attempts_hist",
        depends_on=drawn_from,
        empty=f"No lead decided on attempts {components.where(me)} this month yet (a lead is "
        "decided once reached, rejected, given enough attempts, or its window has ended).",
    )
    components.data_table(
        attempts.by_rep[["rep", "team", "average_attempts", "compliance_pct", "breached", "link"]],
        column_config={
            "rep": "Rep",
            "team": "Team",
            "average_attempts": st.column_config.NumberColumn("Avg attempts", format="%.1f"),
            "compliance_pct": components.progress_column("Within target"),
            "breached": "Breached",
            "link": components.link_column("Drill-down", display="Open"),
        },
        key="att_rep",
    )
