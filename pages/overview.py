"""Overview: this month at a glance for the three handoffs — the lead quota, each per-lead SLA
against its target with its trend, and what will breach soonest."""

from __future__ import annotations

import streamlit as st

from reports.formats import fmt_count, fmt_decided, fmt_pct, is_provisional
from ui import agreement, charts, components, context, loaders, overview
from ui.scope import visible

filters, me = context.current()
context.require_data("Overview")
board = overview.load(filters)
components.page_header(f"Overview · {board.month_label}", board.caption)
agreement.review_banner(me, filters.now.astimezone(filters.zone).date())

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
        components.cached_chart(
            lambda: charts.quota_pace(q),
            key="quota_pace",
            depends_on=(loaders.data_stamp(), filters.key),
            empty="No lead quota for this month.",
        )
    with right:
        st.markdown(board.quota_sentence)
        components.page_link(
            "pages/friction.py",
            label="Rejections by reason →",
            query_params=filters.query(
                tab="Handoff friction",
                section="rejections",
                so_far="1" if filters.is_current_month else None,
            ),
        )

agreement.leads_per_rep_strip(filters, me)

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
                provisional = is_provisional(row)
                gap = None if compliance is None or provisional else compliance - row["target_pct"]
                components.metric_card(
                    row["card_label"],
                    fmt_pct(compliance),
                    delta=fmt_decided(row) if gap is None else f"{gap:+.1f} pts",
                    delta_color="off" if gap is None else "normal",
                    delta_description=None if gap is None else f"vs target · {fmt_decided(row)}",
                    help=f"**{row['name']}**, owed by {row['provider']}. Within target = met ÷ "
                    "(met + breached); open and excluded items don't count.",
                )
                st.caption(
                    f"{row['name']} · target {row['target_pct']:.0f}% · owed by {row['provider']}"
                )
                st.markdown(overview.counts_line(row))
                components.page_link(
                    overview.page_for(row["kind"]),
                    label="See the items →",
                    query_params=filters.query(),
                )
trend_area = st.container()  # filled last: past months may take a moment the first time

st.subheader("At risk: will breach soonest")
# Others' leads stay in the aggregates only.
mine = visible(board.at_risk, me)
if mine.empty:
    components.empty_state(
        "Nothing is open right now for this selection."
        if filters.is_current_month
        else "No item of this month is still open.",
    )
else:
    risky = mine  # shared with every session (loaders.view_cache): filtered, never written
    due_today = int(risky["due_today"].sum())
    only_today = st.toggle(
        f"Only what is due today ({fmt_count(due_today)})",
        key="risk_today",
        help="Due today on each team's own clock (its calendar's time zone).",
    )
    if only_today:
        risky = risky[risky["due_today"]]
    columns = ["SLA", "Item", "Owner", "Team", "Business hours left", "Due (local)", "Open"]
    config = {
        "Business hours left": components.hours_column(
            "Business hours left", help="Business time left before the target is used up"
        ),
        "Due (local)": st.column_config.TextColumn(
            "Due (team's time)", help="When the target runs out, on the team's own clock"
        ),
        "Open": components.link_column("Drill-down", display="Open lead"),
    }
    # Links keep the viewer's own query (who, which tab): only for the rows shown.
    viewer_query = st.query_params.to_dict()
    leads_part = overview.with_viewer_query(
        risky[~risky["is_customer"]].head(overview.AT_RISK_ROWS), viewer_query
    )
    customers_part = overview.with_viewer_query(
        risky[risky["is_customer"]].head(overview.AT_RISK_ROWS), viewer_query
    )
    st.markdown(f"**Leads** · {fmt_count(int((~risky['is_customer']).sum()))} open")
    if leads_part.empty:
        st.caption("No open lead for this selection.")
    else:
        components.data_table(leads_part[columns], column_config=config, key="at_risk")
    st.markdown(f"**New customers (service)** · {fmt_count(int(risky['is_customer'].sum()))} open")
    if customers_part.empty:
        st.caption("No new customer waiting for this selection.")
    else:
        components.data_table(
            customers_part[[*columns[:3], "Closed by", *columns[3:]]],
            column_config=config,
            key="at_risk_customers",
        )
    whose = "" if me.sees_everything else " of yours to see"
    st.caption(
        f"{fmt_count(len(mine))} open items{whose}; {fmt_count(due_today)} of them due today. "
        f"Each list shows the {overview.AT_RISK_ROWS} closest to their target."
    )

with trend_area:
    trend = overview.trend(filters)
    if not trend.table.empty:
        st.markdown("**Within target, month by month**")
        components.cached_chart(
            lambda: charts.compliance_trend(trend.table),
            key="trend",
            depends_on=(loaders.data_stamp(), filters.key),
            empty=f"Nothing decided {components.where(me)} in these months yet.",
        )
        st.caption(
            f"The last {len(trend.months)} months; dotted lines are each SLA's target. "
            "A month with nothing decided yet has no point."
        )
