"""Nudges: who was told what, when and how (Slack, e-mail, a team room), failures and retries,
and muting. The nudges themselves are sent by `handoff nudge` / `handoff schedule`."""

from __future__ import annotations

import streamlit as st

from ui import components, context
from ui import nudges as nd
from ui.text import code, plain

filters, me = context.current()
context.require_admin("Nudges")
context.require_data("Nudges")
components.page_header(
    "Nudges",
    "Reminders sent before an item breaches, breach notices and morning digests "
    "(`handoff nudge`, or every few minutes by `handoff schedule`).",
)
missing = nd.unmanaged()
if missing:
    st.warning(
        "No manager to tell for "
        + ", ".join(f"team {plain(name)} ({code(team_id)})" for team_id, name in missing)
        + ": nobody gets their breach notices to managers or their morning digest. HubSpot teams "
        "carry no manager e-mail; name them in the SLA file under `[access.managers]`, e.g. "
        + code(f'"{missing[0][0]}" = ["manager@yourcompany.com"]')
        + "."
    )
log = nd.log()
cols = list(st.columns(4))
cols[0].metric("Sent", f"{int((log['status'] == 'sent').sum()):,}")
cols[1].metric("Failed", f"{int((log['status'] == 'failed').sum()):,}")
cols[2].metric("People told", f"{log.loc[log['status'] == 'sent', 'recipient'].nunique():,}")
cols[3].metric("Muted", f"{len(nd.mutes()):,}")

left, right = st.columns(2)
status = left.multiselect("Status", ["sent", "failed", "claimed"], key="nudge_status")
channel = right.multiselect("Channel", ["slack", "email", "webhook", "none"], key="nudge_channel")
shown = log
if status:
    shown = shown[shown["status"].isin(status)]
if channel:
    shown = shown[shown["channel"].isin(channel)]
if shown.empty:
    components.empty_state(
        "No nudges yet." if log.empty else "No nudge matches these filters.",
        "Run `handoff nudge --dry-run` to see what would be sent now." if log.empty else None,
    )
else:
    components.data_table(
        nd.table(shown, filters.zone),
        key="nudge_log",
        column_config={
            "When": components.when_column("When"),
            "Next retry": components.when_column("Next retry"),
        },
    )

with st.expander("Mute or unmute someone"):
    st.caption("A muted person gets no nudge and no digest until unmuted.")
    muted = nd.mutes()
    if muted:
        st.markdown("Muted now: " + ", ".join(code(m) for m in muted))
    address = st.text_input("E-mail address", key="mute_email")
    mute_col, unmute_col = st.columns(2)
    for col, label, value in ((mute_col, "Mute", True), (unmute_col, "Unmute", False)):
        if col.button(label, key=f"mute_{value}", disabled=not address):
            try:
                context.flash("success", nd.set_mute(address, value))
            except ValueError as exc:
                context.flash("error", str(exc))
            st.rerun()
