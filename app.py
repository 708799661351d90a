"""Handoff dashboard: the frame. Page config, the page list (st.navigation), the shared sidebar
(filters), then the selected page. Run with `handoff serve`."""

from __future__ import annotations

import streamlit as st

from ui import context, identity, loaders, navigation
from ui.profiling import profiled
from ui.theme import register_plotly_template

navigation.configure_page()
register_plotly_template()
# Sign-in (or the demo's role switcher) first: the page list depends on who is looking.
# One data stamp for the whole run: every figure of this view is keyed on the same data.
with profiled("app") as run, loaders.one_stamp():
    page = navigation.navigate(identity.who_is_looking())
    run.name = page.url_path or "overview"

    with st.sidebar:
        st.markdown("### :material/handshake: Handoff")
        st.caption("Marketing → Sales → Service, measured in business hours.")

    context.run_page(page)
