"""Dispute widgets: raise a dispute on a breached item, and the manager's approve/reject panel."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from models.access import Person
from models.engine import columns as E
from reports.formats import fmt_when, text_or_none
from ui import actions, components, context, loaders
from ui import drilldown as dd
from ui.components import records
from ui.filters import Filters
from ui.text import plain, quoted
from ui.theme import state_badge


def _finish(outcome: actions.Outcome) -> None:
    context.flash("success" if outcome.ok else "error", outcome.message)
    st.rerun()


def _person(who: object, names: Mapping[str, str]) -> str:
    """A rep's name for an owner id; an e-mail as it is (escaped: it is someone's text)."""
    if not isinstance(who, str) or not who:
        return "unknown"
    return plain(names.get(who, who))


def lead_panel(filters: Filters, me: Person, story: dd.LeadStory) -> None:
    """Disputes of this lead's items: file one on a breach (its rep, its team's manager), see
    their status, decide (the team's managers, never the one who raised it)."""
    owner = story.lead.get("owner_id") if story.lead else None
    team = dd.team_of_owner(owner) if owner else None
    may_file = me.is_admin or me.decides_for(team) or (isinstance(owner, str) and owner in me.owner_ids)
    st.markdown("#### Disputes")
    breached = story.items[story.items[E.STATE] == E.BREACHED]
    shown_any = False
    for row in records(story.disputes):
        shown_any = True
        with st.container(border=True):
            st.markdown(
                f"**Dispute #{row['id']}** on {plain(dd.sla_title(str(row['sla_id']), filters))} · "
                f"{_status_badge(str(row['status']))} · raised by {_person(row['raised_by'], story.owner_names)}\n\n{quoted(row['reason'])}"
            )
            if row["status"] != "pending":
                note = f": {plain(row['decision_note'])}" if row["decision_note"] else ""
                st.caption(
                    f"{str(row['status']).title()} by {_person(row['decided_by'], story.owner_names)}{note}"
                )
            elif me.is_me(row["raised_by"]):
                st.caption("Waiting for a manager: you raised it, so another manager decides.")
            elif me.decides_for(team):
                _decision_buttons(int(row["id"]), me, key=f"lead_{row['id']}")
            else:
                st.caption("Waiting for the team's manager to decide.")
    disputed = (
        set(story.disputes.loc[story.disputes["status"].isin(["pending", "approved"]), "sla_id"])
        if not story.disputes.empty
        else set()
    )
    for item in records(breached):
        sla_id, item_id = str(item["sla_id"]), str(item["item_id"])
        if sla_id in disputed or not may_file:
            continue
        shown_any = True
        title = dd.sla_title(sla_id, filters)
        with st.form(key=f"dispute_{sla_id}_{item_id}", border=True):
            st.markdown(f"Dispute the **{plain(title)}** breach of {plain(item_id)}")
            reason = st.text_area(
                "Reason",
                key=f"reason_{sla_id}_{item_id}",
                placeholder="e.g. the lead was a duplicate of L123 and was worked there",
            )
            if st.form_submit_button("File dispute", type="primary"):
                if not reason.strip():
                    st.error(
                        "Say why the breach should not count; the reason is kept with the decision."
                    )
                else:
                    _finish(
                        actions.raise_dispute(me, sla_id, item_id, reason, as_of=filters.as_of)
                    )
    if not shown_any:
        st.caption("Nothing to dispute: this lead has no breached SLA item this month.")


def pending_panel(filters: Filters, me: Person) -> None:
    """The disputes awaiting this person's decision (their teams'; an admin's: all)."""
    pending = dd.pending_disputes(filters, me)
    label = f"Disputes awaiting your decision ({len(pending)})"
    with st.expander(label, expanded=not pending.empty):
        if pending.empty:
            st.caption("No pending dispute.")
            return
        names = loaders.names()[0]
        for row in records(pending):
            with st.container(border=True):
                lead = row["lead_id"] if isinstance(row["lead_id"], str) else str(row["item_id"])
                rep = row["rep"] if isinstance(row["rep"], str) else "unknown"
                st.markdown(
                    f"**#{row['id']}** · {plain(row['SLA'])} · lead {plain(lead)} · rep {plain(rep)} · "
                    f"raised by {_person(row['raised_by'], names)} on "
                    f"{fmt_when(pd.Timestamp(row['raised_at']).to_pydatetime(), filters.zone)}"
                    f"\n\n{quoted(row['reason'])}"
                )
                components.page_link(
                    "pages/drilldown.py",
                    label="Open the lead",
                    query_params=filters.query(
                        team=text_or_none(row["team_id"]), rep=text_or_none(row["owner_id"]), lead=lead
                    ),
                )
                if me.is_me(row["raised_by"]):
                    st.caption("You raised it: another manager of the team decides.")
                else:
                    _decision_buttons(int(row["id"]), me, key=f"pending_{row['id']}")


def _decision_buttons(dispute_id: int, me: Person, *, key: str) -> None:
    note = st.text_input("Decision note (optional)", key=f"{key}_note")
    left, right, _ = st.columns([1, 1, 4])
    if left.button("Approve", key=f"{key}_approve", type="primary"):
        _finish(actions.decide_dispute(me, dispute_id, approve=True, note=note))
    if right.button("Reject", key=f"{key}_reject"):
        _finish(actions.decide_dispute(me, dispute_id, approve=False, note=note))


def _status_badge(status: str) -> str:
    return {
        "pending": ":orange-badge[pending]",
        "approved": state_badge("excluded").replace("Excluded", "approved"),
        "rejected": ":red-badge[rejected]",
    }.get(status, status)
