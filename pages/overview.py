"""Overview: this month at a glance for the three handoffs — the lead quota, each per-lead SLA
against its target with its trend, and what will breach soonest."""

from __future__ import annotations

import streamlit as st

from ui import charts, components, context, overview
from ui.scope import visible
from ui.theme import fmt_count, fmt_pct

filters, me = context.current()
context.require_data("Overview")
board = overview.load(filters)
components.page_header(f"Overview · {board.month_label}", board.caption)

if board.quota is not None:
    st.subheader("Marketing → Sales: lead quota")
    q = board.quota
    with components.metric_row():
        components.metric_card(
            "Delivered",
            fmt_count(q["delivered"]),
            help="Leads marketing handed off to sales this month (MQLs)",
        )
        components.metric_card(
            "Accepted",
            fmt_count(q["accepted"]),
            delta=f"-{fmt_count(q['rejected'])} rejected",
            delta_color="off",
            help="Delivered minus leads sales rejected",
        )
        components.metric_card(
            "Target",
            fmt_count(q["target"]),
            delta=fmt_pct(q["attainment_pct"]) + " attained",
            delta_color="normal" if q["met"] else "off",
            help="Accepted leads agreed per month; attainment = accepted ÷ target",
        )
        components.metric_card(
            "Pace",
            fmt_pct(q.get("pace_pct")),
            help="Accepted so far against the share of "
            "the target due by now (business days gone / business days in the month)",
            delta=f"{fmt_count(q.get('expected_by_now'))} expected by now",
            delta_color="off",
        )
        components.metric_card(
            "Projected",
            fmt_count(q.get("projected_accepted")),
            delta=fmt_pct(q.get("projected_attainment_pct")) + " of target",
            delta_color="off",
            help="Accepted leads at month end if the pace so far holds",
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
    with components.metric_row():
        for row in components.records(board.slas):
            with st.container():
                compliance = overview.number(row["compliance_pct"])
                gap = None if compliance is None else compliance - row["target_pct"]
                components.metric_card(
                    row["card_label"],
                    fmt_pct(compliance),
                    delta=None if gap is None else f"{gap:+.1f} pts",
                    delta_color="normal",
                    delta_description=None if gap is None else "vs target",
                    help=f"**{row['name']}**, owed by {row['provider']}. Within target = met ÷ "
                    "(met + breached); open and excluded items don't count.",
                )
                st.caption(
                    f"{row['name']} · target {row['target_pct']:.0f}% · owed by {row['provider']}"
                )
                st.markdown(overview.counts_line(row))
                st.page_link(
                    overview.page_for(row["kind"]),
                    label="See the items →",
                    query_params=filters.query(),
                )
trend_area = st.container()  # filled last: past months may take a moment the first time

st.subheader("At risk: will breach soonest")
# Others' leads stay in the aggregates only.
at_risk = visible(board.at_risk, me).head(overview.AT_RISK_ROWS)
if at_risk.empty:
    components.empty_state(
        "Nothing is open right now for this selection."
        if filters.is_current_month
        else "No item of this month is still open.",
    )
else:
    components.data_table(
        at_risk[["SLA", "Item", "Owner", "Team", "Business hours left", "Due", "Open"]],
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
        f"{fmt_count(board.open_total)} open items in all; the {len(at_risk)} closest to their target that are yours to see are listed."
    )

with trend_area:
    trend = overview.trend(filters)
    if not trend.table.empty:
        st.markdown("**Within target, month by month**")
        components.chart(charts.compliance_trend(trend.table), key="trend")
        st.caption(
            f"The last {len(trend.months)} months; dotted lines are each SLA's target. "
            "A month with nothing decided yet has no point."
        )
