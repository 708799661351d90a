"""People and access (admins): who is who, how roles are assigned, and the audit trail."""

from __future__ import annotations

import streamlit as st

from ui import components, context, identity
from ui import people as pp
from ui.text import plain

filters, me = context.current()
context.require_admin("People and access")
components.page_header(
    "People and access",
    "Roles come from the data: a CRM owner's e-mail is a rep, a team's manager_email a manager; "
    "viewers, admins and extra managers are listed under [access] in the SLA file "
    "(admins also in HANDOFF_ADMINS).",
)
if identity.is_demo():
    st.warning(
        "Demo mode: nobody signs in, anyone on this computer may act as anyone. Configure the "
        "[auth] section of .streamlit/secrets.toml before sharing the dashboard (see README).",
        icon=":material/science:",
    )
else:
    st.caption(f"Sign-in through the identity provider; you are {plain(me.email)}.")

st.subheader("Who is who", anchor=False)
components.data_table(pp.everyone_table(), key="people")

st.subheader("What was done from the dashboard", anchor=False)
st.caption("Disputes filed and decided, SLA saves, imports, syncs and demo loads, newest first.")
components.data_table(
    pp.audit_table(),
    key="audit",
    column_config={"When": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm:ss")},
)
