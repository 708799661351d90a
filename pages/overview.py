"""Overview: this month at a glance for the three handoffs — the lead quota, each per-lead SLA
against its target with its trend, and what will breach soonest."""

from __future__ import annotations

import streamlit as st

from ui import charts, components, context, overview
from ui.theme import fmt_count, fmt_pct

filters, me = context.current()
context.require_data()
board = overview.load(filters)
components.page_header(f"Overview · {board.month_label}", board.caption)

if board.quota is not None:
    st.subheader("Marketing → Sales: lead quota")
    q = board.quota
    cols = list(st.columns(5))
    with cols[0]:
        components.metric_card(
            "Delivered (handed off)",
            fmt_count(q["delivered"]),
            help="Leads handed off to sales this month",
        )
    with cols[1]:
        components.metric_card(
            "Accepted",
            fmt_count(q["accepted"]),
            delta=f"-{fmt_count(q['rejected'])} rejected",
            delta_color="off",
            help="Delivered minus leads sales rejected",
        )
    with cols[2]:
        components.metric_card(
            "Target",
            fmt_count(q["target"]),
            delta=fmt_pct(q["attainment_pct"]) + " attained",
            delta_color="normal" if q["met"] else "off",
        )
    with cols[3]:
        components.metric_card(
            "Pace",
            fmt_pct(q.get("pace_pct")),
            help="Accepted so far against the share of "
            "the target due by now (business days gone / business days in the month)",
            delta=f"{fmt_count(q.get('expected_by_now'))} expected by now",
            delta_color="off",
        )
    with cols[4]:
        components.metric_card(
            "Projected at month end",
            fmt_count(q.get("projected_accepted")),
            delta=fmt_pct(q.get("projected_attainment_pct")) + " of target",
            delta_color="off",
        )
    left, right = st.columns([3, 2])
    with left:
        components.chart(charts.quota_pace(q), key="quota_pace")
    with right:
        st.markdown(board.quota_sentence)
        st.page_link(
            "pages/friction.py", label="Rejections by reason →", query_params=filters.query()
        )

st.subheader("Per-lead SLAs")
components.state_legend()
if board.slas.empty:
    components.empty_state(
        "No per-lead SLA has items for this selection.",
        "Pick another month, team or source in the sidebar.",
    )
else:
    cols = list(st.columns(len(board.slas)))
    for col, row in zip(cols, components.records(board.slas), strict=True):
        with col:
            compliance = overview.number(row["compliance_pct"])
            gap = None if compliance is None else compliance - row["target_pct"]
            components.metric_card(
                row["name"],
                fmt_pct(compliance),
                delta=None if gap is None else f"{gap:+.1f} pts vs target {row['target_pct']:.0f}%",
                delta_color="normal",
                help=f"{row['kind_label']}, owed by {row['provider']}. Met ÷ (met + breached); open and excluded items don't count.",
            )
            st.markdown(overview.counts_line(row))
            st.page_link(
                overview.page_for(row["kind"]),
                label="See the items →",
                query_params=filters.query(),
            )
trend_area = st.container()  # filled last: past months may take a moment the first time

st.subheader("At risk: will breach soonest")
if board.at_risk.empty:
    components.empty_state(
        "Nothing is open right now for this selection."
        if filters.is_current_month
        else "No item of this month is still open.",
    )
else:
    components.data_table(
        board.at_risk[["SLA", "Item", "Owner", "Team", "Business hours left", "Due", "Open"]],
        column_config={
            "Business hours left": components.hours_column(
                "Business hours left", help="Business time left before the target is used up"
            ),
            "Due": components.when_column("Due"),
            "Open": components.link_column("Drill-down", display="Open lead"),
        },
        key="at_risk",
    )
    st.caption(
        f"{fmt_count(board.open_total)} open items in all; the {len(board.at_risk)} closest to their target are listed."
    )

with trend_area:
    trend = overview.trend(filters)
    if not trend.table.empty:
        components.chart(charts.compliance_trend(trend.table), key="trend")
        st.caption(f"Trend over {len(trend.months)} months; dotted lines are each SLA's target.")
