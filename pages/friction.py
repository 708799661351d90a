"""Friction: the monthly friction report on screen, section by section, with downloads."""

from __future__ import annotations

import streamlit as st

from ui import components, context
from ui import friction as fr
from ui.text import plain

filters, me = context.current()
context.require_data("Handoff friction report")
report = fr.report(filters)
components.page_header(
    report.title,
    f"As of {filters.as_of.astimezone(filters.zone):%d %b %Y %H:%M %Z}"
    + (" · frozen month" if report.frozen else "")
    + " · the same report `handoff report` writes.",
)

cols = list(st.columns(4))
for col, (label, file_name, mime, make) in zip(cols, fr.downloads(report), strict=True):
    col.download_button(
        f"Download {label}",
        data=make,
        file_name=file_name,
        mime=mime,
        key=f"dl_{label}",
        width="stretch",
    )

summary = report.summary
with st.container(border=True):
    st.markdown(plain(summary.paragraph))
    left, right, third = st.columns(3)
    for col, title, lines in (
        (left, "Improved", summary.improved),
        (right, "Worse", summary.worsened),
        (third, "What to do", summary.actions),
    ):
        with col:
            st.markdown(f"**{title}**")
            st.markdown("\n".join(f"- {plain(line)}" for line in lines) if lines else "—")

handoff_tab, customer_tab = st.tabs(["Handoff friction", "Customer friction"])
for section in fr.sections():
    tab = handoff_tab if section.part == "handoff" else customer_tab
    with tab:
        st.markdown(f"#### {plain(section.title)}")
        st.caption(section.intro)
        if report.table(section.key).empty:
            st.caption("Nothing this month.")
            continue
        shown, config = fr.section_table(report, section.key)
        components.data_table(
            shown, column_config=config, key=f"fr_{section.key}", state_columns=["state"]
        )
