"""Friction: the monthly friction report on screen, section by section, with downloads."""

from __future__ import annotations

import streamlit as st

from reports.formats import fmt_month
from ui import components, context
from ui import friction as fr
from ui.scope import friction_scope
from ui.text import plain

filters, me = context.current()
context.require_data("Handoff friction report")
may_read, team_id = friction_scope(me, filters.team_id)
if not may_read:
    components.page_header("Handoff friction report")
    st.info(
        "The friction report goes down to reps and leads, so it is for managers, viewers and "
        "admins. Your own figures are on the Overview and Follow-up pages.",
        icon=":material/lock:",
    )
    st.stop()
if st.query_params.get("so_far") == "1" and "fr_to_date" not in st.session_state:
    st.session_state["fr_to_date"] = True  # a link for the running month (Overview's quota)
to_date = filters.is_current_month and st.toggle(
    f"Show {fmt_month(filters.month)} so far",
    key="fr_to_date",
    help="The report covers whole months: it opens on the last full month, as `handoff "
    "report` does. Switch on to see the running month so far.",
)
month = fr.report_month(filters, to_date=to_date)
report = fr.report(filters, month, team_id)
components.page_header(
    report.title,
    f"As of {filters.as_of.astimezone(filters.zone):%d %b %Y %H:%M %Z}"
    + (" · frozen month" if report.frozen else "")
    + (" · month still running" if month == filters.month and filters.is_current_month else "")
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

# The tab is in the URL (?tab=...), so shared links and "Rejections by reason →" restore it;
# ?section=KEY puts that section first in its tab.
handoff_tab, customer_tab = st.tabs(
    ["Handoff friction", "Customer friction"], key="tab", bind="query-params"
)
wanted = st.query_params.get("section")
ordered = sorted(fr.sections(), key=lambda s: s.key != wanted)
for section in ordered:
    tab = handoff_tab if section.part == "handoff" else customer_tab
    if tab.open is False:
        continue  # only the open tab is drawn: choosing the other one reruns the page (bound tabs)
    with tab:
        st.markdown(f"#### {plain(section.title)}")
        st.caption(section.intro)
        if report.table(section.key).empty:
            st.caption("Nothing this month.")
            continue
        shown, config = fr.section_table(report, section.key)
        full = shown.pop("full_text") if "full_text" in shown.columns else None
        components.data_table(
            shown, column_config=config, key=f"fr_{section.key}", state_columns=["state"]
        )
        if full is not None:
            with st.expander("Full notes behind these quotes"):
                for name, company, text in zip(
                    shown.get("name", shown.index), shown.get("company", shown.index), full,
                    strict=True,
                ):  # fmt: skip
                    # People's and the CRM's words: plain text, never markup.
                    st.text(f"{name} · {company}" if isinstance(company, str) else str(name))
                    st.text(str(text))
