"""SLA settings: the SLAs and calendars in force and their versions; a new version is previewed
on last month, then appended to the SLA file with its effective date."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from models.config import parse_duration
from models.errors import BadInputError
from ui import clock, components, context, loaders
from ui import sla_edit as se

filters, me = context.current()
components.page_header(
    "SLA settings", f"The agreements in force, from `{loaders.source().config_path}`."
)
config = loaders.get_config()
today = filters.now.astimezone(filters.zone).date()

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
        pd.DataFrame(
            [
                {
                    "Effective from": v.effective_from,
                    "Within": se.fmt_minutes(v.within_minutes),
                    "Target %": v.target_pct,
                    "Segments": "; ".join(
                        f"{s.label}: {se.fmt_minutes(s.within_minutes)}" for s in v.segments
                    ),
                }
                for v in config.versions(sla_id)
            ]
        ),
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
last_month = clock.previous_months(filters.month, 2)[0]
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
    goal = None
    if base.kind == "follow_up_attempts":
        goal = cols[3].number_input(
            "Min attempts", min_value=1, value=int(base.min_attempts or 1), step=1
        )
    elif base.kind == "lead_quota":
        goal = cols[3].number_input(
            "Monthly target", min_value=1, value=int(base.monthly_target or 1), step=10
        )
    first_next = (pd.Timestamp(today.replace(day=1)) + pd.offsets.MonthBegin(1)).date()
    effective = st.date_input("Effective from", value=first_next, min_value=date(2000, 1, 1))
    previewed = st.form_submit_button(f"Preview on {last_month}")
    saved = st.form_submit_button(
        "Save new version",
        type="primary",
        disabled=not me.is_manager,
        help=None
        if me.is_manager
        else "Only a manager can change an SLA (choose one under “I am”).",
    )

if previewed or saved:
    changes: dict[str, object] = {"name": name, "target_pct": float(target)}
    problems = []
    if base.within_minutes is not None:
        try:
            parse_duration(within)
            changes["within"] = within
        except ValueError as exc:
            problems.append(f"Within: {exc}")
    if goal is not None:
        changes["min_attempts" if base.kind == "follow_up_attempts" else "monthly_target"] = int(
            goal
        )
    if problems:
        st.error("\n".join(problems))
        st.stop()
    draft = se.make_draft(config, sla_id, changes, effective)
    try:
        se.validate(config, draft)
    except BadInputError as exc:
        st.error(f"**{exc.summary}**\n\n" + "\n".join(f"- `{p}`" for p in exc.problems))
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
        added = se.save(draft, loaders.source().config_path, loaded_by=me.person)
        loaders.clear_caches()
        context.flash(
            "success", f"Saved {sla_id}, effective {effective}: " + (", ".join(added) or "recorded")
        )
        st.rerun()
