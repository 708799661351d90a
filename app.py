"""Handoff dashboard: the frame. Page config, shared sidebar filters, the "I am" selector, and the
page list (st.navigation). Run with `handoff serve` (or `streamlit run app.py`)."""

from __future__ import annotations

import streamlit as st

from ui import context
from ui.components import friendly_errors
from ui.theme import register_plotly_template

st.set_page_config(page_title="Handoff · SLA tracker", page_icon="🤝", layout="wide")
context.leave_legacy_pages_mode()
register_plotly_template()

pages = {
    "Handoffs": [
        st.Page(
            "pages/overview.py",
            title="Overview",
            icon=":material/dashboard:",
            default=True,
            url_path="overview",
        ),
        st.Page(
            "pages/follow_up.py", title="Follow-up", icon=":material/call:", url_path="follow_up"
        ),
        st.Page(
            "pages/service.py",
            title="Service handoff",
            icon=":material/support_agent:",
            url_path="service",
        ),
        st.Page(
            "pages/friction.py", title="Friction", icon=":material/report:", url_path="friction"
        ),
    ],
    "Managers": [
        st.Page(
            "pages/drilldown.py",
            title="Drill-down",
            icon=":material/manage_search:",
            url_path="drilldown",
        ),
    ],
    "Setup": [
        st.Page(
            "pages/sla_settings.py",
            title="SLA settings",
            icon=":material/tune:",
            url_path="sla_settings",
        ),
        st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data"),
    ],
}
page = st.navigation(pages)

with st.sidebar:
    st.markdown("### :material/handshake: Handoff")
    st.caption("Marketing → Sales → Service, measured in business hours.")

if context.draw_frame():
    with friendly_errors(f"The {page.title} page"):
        page.run()
