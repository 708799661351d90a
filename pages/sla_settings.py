"""SLA settings: the SLAs and calendars in force and their versions; a new version is previewed
on last month, then appended to the SLA file with its effective date."""

from __future__ import annotations

from datetime import date

import streamlit as st

from models.errors import BadInputError
from models.time.months import month_of, months_through
from ui import actions, agreement, components, context, loaders
from ui import sla_edit as se
from ui.text import bullets, plain

filters, me = context.current()
context.require_admin("SLA settings")
components.page_header(
    "SLA settings", f"The agreements in force, from `{loaders.source().config_path}`."
)
config = loaders.get_config()
today = filters.now.astimezone(filters.zone).date()
agreement.review_banner(me, today)

st.subheader("SLAs in force today")
components.data_table(
    se.slas_in_force(config, today),
    column_config={
        "Target %": st.column_config.NumberColumn("Target", format="%.0f%%"),
        "Effective from": st.column_config.DateColumn("Effective from"),
    },
    key="slas",
)

st.subheader("Versions")
sla_names = {i: config.versions(i)[-1].name for i in config.sla_ids}
sla_id = st.selectbox(
    "SLA",
    config.sla_ids,
    key="versions_sla",
    format_func=lambda i: f"{sla_names.get(i, i)} ({i})",
)
left, right = st.columns(2)
with left:
    st.markdown("**In the SLA file**")
    components.data_table(
        se.versions_table(config, sla_id),
        column_config={
            "Effective from": st.column_config.DateColumn("Effective from"),
            "Target %": st.column_config.NumberColumn("Target", format="%.0f%%"),
        },
        key="file_versions",
    )
with right:
    st.markdown("**Recorded in the database**")
    recorded = se.recorded_versions(sla_id)
    if recorded.empty:
        st.caption("Not recorded yet: versions are recorded the first time verdicts are computed.")
    else:
        components.data_table(
            recorded,
            column_config={
                "version": st.column_config.NumberColumn("Version", format="%d"),
                "effective_from": st.column_config.DateColumn("Effective from"),
                "loaded_at": components.when_column("Recorded"),
                "loaded_by": st.column_config.TextColumn(
                    "Recorded by", help="Who or which SLA file recorded this version"
                ),
                "checksum": "Checksum",
            },
            key="db_versions",
        )

agreement.agreement_section(me, today, filters.now.astimezone(filters.zone))

st.subheader("Calendars")
components.data_table(se.calendars_table(config, today.year), key="calendars")
for problem in se.team_calendar_problems(config):
    st.warning(problem[0].upper() + problem[1:] + ".", icon=":material/event_busy:")
with st.expander("Holidays"):
    name = st.selectbox("Calendar", list(config.calendars), key="holiday_calendar")
    components.data_table(se.holidays_table(config, name, today.year), key="holidays")

st.subheader("New version")
st.markdown(
    "A change never rewrites history: it becomes a new version with an effective date, appended to "
    "the SLA file. Preview it on last month first."
)
base = se.version_in_force(config, sla_id, today)
last_month = months_through(filters.month, 2)[0]
with st.form("new_version"):
    st.markdown(f"Editing **{sla_id}** ({base.kind}); current terms are filled in.")
    cols = list(st.columns(4))
    name = cols[0].text_input("Name", value=base.name)
    within = cols[1].text_input(
        "Within (business time)",
        value=se.fmt_minutes(base.within_minutes),
        disabled=base.within_minutes is None,
        help='Like "4h", "45m", "1h30m"',
    )
    target = cols[2].number_input(
        "Target %", min_value=0.0, max_value=100.0, value=float(base.target_pct), step=1.0
    )
    goal = per_rep = None
    if base.kind == "follow_up_attempts":
        goal = cols[3].number_input(
            "Min attempts", min_value=1, value=int(base.min_attempts or 1), step=1
        )
    elif base.kind == "lead_quota":
        goal = cols[3].number_input(
            "Monthly target",
            min_value=0,
            value=int(base.monthly_target or 0),
            step=10,
            help="Accepted leads a month; 0 with a per-rep target: the per-rep target × the reps",
        )
        per_rep = st.number_input(
            "Per-rep target (an SLA per person)",
            min_value=0,
            value=int(base.per_owner_target or 0),
            step=5,
            help="Accepted leads owed to each active sales rep a month (of the SLA's team_id "
            "when set); 0: no per-rep lines",
        )
    effective = st.date_input(
        "Effective from", value=se.first_of_next_month(today), min_value=date(2000, 1, 1)
    )
    rejudge = st.checkbox(
        "Judge past months again under this version",
        help="Needed when the effective date is in an earlier month: those months' verdicts "
        "change. Frozen months are never changed this way.",
    )
    previewed = st.form_submit_button(f"Preview on {last_month}")
    saved = st.form_submit_button(
        "Save new version",
        type="primary",
        disabled=not me.is_admin,
        help=None if me.is_admin else "Only a Handoff admin changes an SLA.",
    )

if previewed or saved:
    form = se.FormInput(
        name,
        within,
        float(target),
        None if goal is None else int(goal),
        effective,
        per_owner_target=None if per_rep is None else int(per_rep),
    )
    try:
        draft = se.draft_from_form(config, sla_id, form)
    except BadInputError as exc:
        st.error(f"**{plain(exc.summary)}**\n\n" + bullets(exc.problems))
        st.stop()
    if previewed:
        bar = st.progress(0.0, text=f"Evaluating {last_month} both ways…")
        table = se.preview(
            config, draft, last_month, filters.as_of, lambda share, text: bar.progress(share, text)
        )
        bar.empty()
        st.markdown(f"**{last_month} under the version in force, and under the draft**")
        components.data_table(
            table,
            column_config={
                "Compliance / attainment %": st.column_config.NumberColumn(format="%.1f%%"),
                "Target %": st.column_config.NumberColumn(format="%.0f%%"),
            },
            key="preview",
        )
        st.caption("Nothing is saved by a preview.")
    else:
        impact = se.version_impact(draft, month_of(filters.now, filters.zone))
        if impact.in_frozen_month:
            st.error(
                f"Not saved: {effective} falls in {impact.month}, a frozen month. Its report was "
                "sent with the verdicts as they stood, and a new version there would contradict "
                f"it. Choose a date after {impact.frozen[-1]}, or re-freeze that month explicitly "
                "first (`handoff freeze --refreeze`).",
                icon=":material/lock:",
            )
            st.stop()
        if impact.needs_confirmation and not rejudge:
            st.warning(
                f"{effective} is in an earlier month: saving judges "
                f"{', '.join(impact.rejudged)} again under the new version"
                + (
                    f" (frozen {', '.join(impact.frozen)} stay as sent)"
                    if impact.frozen
                    else ""
                )
                + ". Tick “Judge past months again under this version” and save again to go "
                "ahead.",
                icon=":material/history:",
            )
            st.stop()
        outcome = actions.save_sla_version(
            me,
            draft,
            loaders.source().config_path,
            current_month=month_of(filters.now, filters.zone),
            confirmed=rejudge,
        )
        context.flash("success" if outcome.ok else "error", outcome.message)
        st.rerun()
