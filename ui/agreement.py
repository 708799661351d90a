"""The agreement on the dashboard: the review-due banner (admins and managers), the "leads per
rep" strip of the Overview, a rep's own line in the drill-down, and recording a review.

Who sees which rep lines is a parameter (`owner_id`, `team_id`), so sign-in can narrow them: a
rep their own line, a manager their team's."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from models.access import ADMIN, MANAGER, REP, Person
from models.agreement_review import Review, read_reviews, record_review
from models.config_agreement import ReviewStatus, review_status
from reports.formats import fmt_count
from reports.per_rep import OVER_SERVED, STARVED, rep_lines, strip_sentence
from ui import components, context, evaluations, loaders
from ui.filters import Filters
from ui.scope import owns_the_quota

STATUS_LABELS = {STARVED: "Starved", OVER_SERVED: "Over-served"}


def sees_review(me: Person) -> bool:
    """Admins and managers are told about the review cycle; reps and viewers are not."""
    return me.role in (ADMIN, MANAGER)


def status(today: date) -> ReviewStatus | None:
    return review_status(loaders.get_config().agreement, today)


def review_banner(me: Person, today: date) -> None:
    """A warning when the review is due within 30 days or overdue (admins and managers)."""
    found = status(today)
    if found is None or not found.due_soon or not sees_review(me):
        return
    st.warning(found.sentence(), icon=":material/handshake:")


def lines(
    filters: Filters, *, owner_id: str | None = None, team_id: str | None = None
) -> pd.DataFrame:
    """Each receiving rep's line of the month's per-person quotas (see reports.per_rep)."""
    evaluation = evaluations.evaluation(filters.month, filters.as_of)
    names, teams = loaders.names()
    return rep_lines(evaluation, names, teams, owner_id=owner_id, team_id=team_id)


def _table(shown: pd.DataFrame, key: str) -> None:
    components.data_table(
        shown[
            ["rep", "team", "target", "delivered", "accepted", "attainment_pct",
             "projected_accepted", "status"]
        ].assign(status=shown["status"].map(lambda s: STATUS_LABELS.get(s, "On target"))),
        column_config={
            "rep": "Rep",
            "team": "Team",
            "target": st.column_config.NumberColumn("Owed", help="per_owner_target: leads a month"),
            "delivered": "Delivered",
            "accepted": "Accepted",
            "attainment_pct": components.pct_column("Attained"),
            "projected_accepted": st.column_config.NumberColumn(
                "Projected", help="Accepted leads at month end if the pace so far holds"
            ),
            "status": "Status",
        },
        key=key,
    )  # fmt: skip


def leads_per_rep_strip(filters: Filters, me: Person) -> None:
    """The Overview's compact strip: who is starved of leads, who is over-served. A rep sees
    their own line, a sales manager their teams' reps; viewers, admins and marketing's managers
    (the quota is theirs) every rep of the team chosen in the sidebar (all without one)."""
    found = lines(filters, team_id=filters.team_id)
    if not owns_the_quota(me) and not found.empty:
        if me.role == REP:
            found = found[found["owner_id"].isin(me.owner_ids)]
        else:
            found = found[found["team_id"].isin(me.managed_teams)]
    if found.empty:
        return
    st.subheader("Marketing → Sales: leads per rep")
    for sla_id, mine in found.groupby("sla_id", sort=False):
        owed = int(mine["target"].iloc[0])
        starved = int((mine["status"] == STARVED).sum())
        over = int((mine["status"] == OVER_SERVED).sum())
        with components.metric_row():
            components.metric_card(
                "Reps owed leads", fmt_count(len(mine)), help=f"{sla_id}: {owed} accepted leads each"
            )
            components.metric_card(
                "Starved", fmt_count(starved),
                help="Heading for fewer accepted leads than promised (projection mid-month)",
            )  # fmt: skip
            components.metric_card(
                "Over-served", fmt_count(over), help="Heading for 150% of the promise or more"
            )
        st.caption(strip_sentence(mine))
        with st.expander(f"Every rep's line ({len(mine)})"):
            _table(mine, key=f"per_rep_{sla_id}")


def rep_line(filters: Filters, owner_id: str) -> None:
    """One rep's line of each per-person quota (the drill-down for a rep)."""
    found = lines(filters, owner_id=owner_id)
    for row in components.records(found):
        label = STATUS_LABELS.get(str(row["status"]), "On target")
        st.markdown(
            f"**Leads owed by marketing** (`{row['sla_id']}`): accepted "
            f"{fmt_count(row['accepted'])} of {fmt_count(row['target'])} "
            f"(delivered {fmt_count(row['delivered'])}), "
            f"{row['attainment_pct']:.0f}% · {label}"
        )


def reviews() -> pd.DataFrame:
    return read_reviews(loaders.get_store())


def record(on: date, by: str, note: str | None, now: datetime) -> Review:
    """Record a review from the dashboard (see models.agreement_review)."""
    review = record_review(
        loaders.get_store(),
        Path(loaders.source().config_path),
        on=on,
        by=by,
        note=note,
        now=now,
    )
    evaluations.clear_caches()
    return review


def agreement_section(me: Person, today: date, now: datetime) -> None:
    """SLA settings: the review cycle, the reviews on record, and recording a review."""
    st.subheader("The agreement: review cycle")
    config = loaders.get_config()
    found = status(today)
    if found is None:
        st.markdown(
            "The SLA file has no `[agreement]` table yet: recording a review below adds one "
            "(`reviewed_on`, reviewed every 18 months)."
        )
    else:
        parties = ", ".join(config.agreement.parties) if config.agreement else ""
        st.markdown(found.sentence())
        if parties:
            st.text(f"Parties: {parties}")  # as written in the SLA file, never markup
    recorded = reviews()
    if recorded.empty:
        st.caption("No review recorded in the database yet.")
    else:
        components.data_table(
            recorded[["reviewed_on", "recorded_by", "changes", "note", "next_due", "recorded_at"]],
            column_config={
                "reviewed_on": st.column_config.DateColumn("Reviewed on"),
                "recorded_by": "By",
                "changes": "What changed",
                "note": "Note",
                "next_due": st.column_config.DateColumn("Next due"),
                "recorded_at": components.when_column("Recorded"),
            },
            key="agreement_reviews",
        )
    review_pack_downloads(now)
    allowed = sees_review(me)
    with st.form("agreement_review"):
        day = st.date_input("Reviewed on", value=today, max_value=today)
        note = st.text_area(
            "What the parties decided",
            placeholder="e.g. Kept 60 leads per rep; first touch stays at 4 business hours",
            max_chars=2000,
        )
        done = st.form_submit_button(
            "Record the review",
            disabled=not allowed,
            help=None if allowed else "Only a manager or admin records a review.",
        )
    if done and allowed:
        review = record(day, me.email or me.label, note or None, now)
        context.flash(
            "success",
            f"Review of {review.reviewed_on} recorded ({review.changes}); "
            f"next review due {review.next_due}.",
        )
        st.rerun()


def review_pack_downloads(now: datetime) -> None:
    """Build the review pack on demand (it judges every month since the last review) and offer
    its HTML and PDF for download."""
    st.markdown(
        "**Review pack**: each SLA month by month since the last review, trend, credits, "
        "disputes and rejections by reason, per-rep attainment, and any proposed version "
        "previewed on the last three months (also `handoff report --review`)."
    )
    if st.button("Build the review pack", key="build_review_pack"):
        from reports.review_runner import build_review_pack, render_review_pack

        with st.spinner("Judging every month since the last review…"):
            pack = build_review_pack(
                loaders.get_store(), Path(loaders.source().config_path), as_of=now
            )
            st.session_state["_review_pack"] = render_review_pack(pack, ["html", "pdf"])
    files: dict[str, bytes] | None = st.session_state.get("_review_pack")
    if files:
        cols = st.columns(len(files))
        for col, (name, content) in zip(cols, files.items(), strict=True):
            col.download_button(
                f"Download {name}",
                data=content,
                file_name=name,
                mime="application/pdf" if name.endswith(".pdf") else "text/html",
                key=f"download_{name}",
            )
