"""SLA settings: the SLAs and calendars in force, their recorded versions, and a new version made
from the dashboard — previewed on last month first, then appended to the SLA file.

The SLA file stays the source of truth (reviewed like code): a new version is appended as one more
`[[sla]]` table with its `effective_from`, comments and earlier versions untouched, and recorded as
a version row. Past months keep the version that was in force for them.
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import tomli_w

from models import tables as T
from models.config import HandoffConfig, SlaDef, parse_config, parse_duration
from models.engine import columns as E
from models.engine.evaluate import evaluate
from models.errors import BadInputError
from models.time.calendar import WEEKDAYS, format_hours, holidays_in_year
from models.verdicts.versions import VersionImpact, check_new_version
from models.verdicts.versions import version_impact as impact_of
from ui import loaders
from ui.theme import KIND_LABELS, TIER_LABELS

EDITABLE = ("name", "within", "target_pct", "min_attempts", "monthly_target", "per_owner_target")
# A quota's targets that 0 removes: a per-person quota without monthly_target derives its headline
# target from the reps (SPEC.md section 3), and a quota without per_owner_target has no rep lines.
REMOVABLE = ("monthly_target", "per_owner_target")


def fmt_minutes(minutes: float | None) -> str:
    """240.0 -> "4h", 90 -> "1h30m", 30 -> "30m" (the SLA file's own notation)."""
    if minutes is None:
        return ""
    hours, rest = divmod(int(round(minutes)), 60)
    return (f"{hours}h" if hours else "") + (f"{rest}m" if rest or not hours else "")


def slas_in_force(config: HandoffConfig, on: date) -> pd.DataFrame:
    """One row per SLA: the version in force on `on` and its terms, in words and numbers."""
    rows = []
    for sla_id in config.sla_ids:
        version = config.in_force(sla_id, on) or config.versions(sla_id)[0]
        rows.append(
            {
                "SLA": sla_id,
                "Name": version.name,
                "Kind": KIND_LABELS.get(version.kind, version.kind),
                "Owed by": TIER_LABELS.get(version.provider, version.provider),
                "Calendar": version.calendar or version.timezone,
                "Within": fmt_minutes(version.within_minutes),
                "Segments": "; ".join(
                    f"{s.label}: {fmt_minutes(s.within_minutes)}" for s in version.segments
                ),
                "Goal": (
                    f"{version.min_attempts} attempts"
                    if version.min_attempts
                    else f"{version.monthly_target:,} accepted leads"
                    + (f" ({version.per_owner_target:,} per rep)" if version.per_owner_target else "")
                    if version.monthly_target
                    else f"{version.per_owner_target:,} accepted leads per rep"
                    if version.per_owner_target
                    else ""
                ),
                "Target %": version.target_pct,
                "Effective from": version.effective_from,
                "Versions in file": len(config.versions(sla_id)),
            }
        )
    return pd.DataFrame(rows)


def recorded_versions(sla_id: str) -> pd.DataFrame:
    """The versions recorded in the database for one SLA (loaded when, by whom), newest first."""
    rows = loaders.get_store().select_rows(
        T.SlaVersion, {"sla_id": sla_id}, order_by="version", descending=True
    )
    if rows.empty:
        return rows
    return rows[["version", "effective_from", "loaded_at", "loaded_by", "checksum"]].assign(
        checksum=rows["checksum"].str[:10]
    )


def calendars_table(config: HandoffConfig, year: int) -> pd.DataFrame:
    rows = []
    for name, calendar in config.calendars.items():
        hours = {
            day: ", ".join(format_hours(i) for i in calendar.hours.get(day, ())) or "off"
            for day in WEEKDAYS
        }
        holidays = holidays_in_year(calendar, year)
        rows.append(
            {
                "Calendar": name,
                "Time zone": calendar.timezone,
                **{d.title(): h for d, h in hours.items()},
                f"Holidays {year}": len(holidays),
            }
        )
    return pd.DataFrame(rows)


def team_calendar_problems(config: HandoffConfig) -> list[str]:
    """Teams whose own calendar the SLA file does not define (see models.config)."""
    from models.config import team_calendar_problems as problems_of

    return problems_of(loaders.directory()["teams"], config)


def holidays_table(config: HandoffConfig, name: str, year: int) -> pd.DataFrame:
    return holidays_in_year(config.calendars[name], year)


@dataclass(frozen=True)
class Draft:
    """A proposed new version of one SLA: the raw `[[sla]]` table to append."""

    sla_id: str
    raw: dict[str, Any]

    @property
    def effective_from(self) -> date:
        return date.fromisoformat(str(self.raw["effective_from"]))


def make_draft(
    config: HandoffConfig, sla_id: str, changes: dict[str, Any], effective_from: date
) -> Draft:
    """The version in force today with `changes` applied and a new `effective_from`."""
    base = config.versions(sla_id)[-1]
    raw = json.loads(json.dumps(dict(base.raw), default=str))
    for key, value in changes.items():
        if key not in EDITABLE:
            raise BadInputError(f"{key}: not editable here; edit the SLA file for that")
        if value is None or value == "":
            continue
        if key in REMOVABLE and value == 0:
            raw.pop(key, None)
            continue
        raw[key] = value
    raw["effective_from"] = effective_from.isoformat()
    return Draft(sla_id, raw)


@dataclass(frozen=True)
class FormInput:
    """What a person typed in the SLA settings form."""

    name: str
    within: str
    target_pct: float
    goal: int | None  # min_attempts or monthly_target, by the SLA's kind
    effective_from: date
    per_owner_target: int | None = None  # a lead_quota's SLA per person (0: none)


def draft_from_form(config: HandoffConfig, sla_id: str, form: FormInput) -> Draft:
    """The draft a form describes, checked against the whole SLA file (BadInputError naming each
    problem: a duration that does not parse, a version the file would refuse)."""
    base = config.versions(sla_id)[-1]
    changes: dict[str, object] = {"name": form.name, "target_pct": float(form.target_pct)}
    if base.within_minutes is not None:
        try:
            parse_duration(form.within)
        except ValueError as exc:
            raise BadInputError("The new version was not saved", [f"Within: {exc}"]) from exc
        changes["within"] = form.within
    if form.goal is not None:
        key = "min_attempts" if base.kind == "follow_up_attempts" else "monthly_target"
        changes[key] = int(form.goal)
    if form.per_owner_target is not None:
        changes["per_owner_target"] = int(form.per_owner_target)
    draft = make_draft(config, sla_id, changes, form.effective_from)
    validate(config, draft)
    return draft


def versions_table(config: HandoffConfig, sla_id: str) -> pd.DataFrame:
    """The versions of one SLA in the SLA file, for people."""
    return pd.DataFrame(
        [
            {
                "Effective from": v.effective_from,
                "Within": fmt_minutes(v.within_minutes),
                "Target %": v.target_pct,
                "Segments": "; ".join(
                    f"{s.label}: {fmt_minutes(s.within_minutes)}" for s in v.segments
                ),
            }
            for v in config.versions(sla_id)
        ]
    )


def first_of_next_month(today: date) -> date:
    """The default effective date of a new version."""
    return date(today.year + (today.month == 12), today.month % 12 + 1, 1)


def _config_with(config: HandoffConfig, draft: Draft, *, only_draft: bool) -> HandoffConfig:
    data = json.loads(json.dumps(dict(config.raw), default=str))
    slas = [s for s in data.get("sla", []) if not (only_draft and s.get("id") == draft.sla_id)]
    new = dict(draft.raw)
    if only_draft:
        new["effective_from"] = "2000-01-01"  # the preview judges the whole month by the draft
    slas.append(new)
    data["sla"] = slas
    return parse_config(data, source=f"{config.source} + draft")


def validate(config: HandoffConfig, draft: Draft) -> HandoffConfig:
    """The SLA file as it would be with the draft appended (raises ConfigError naming problems)."""
    return _config_with(config, draft, only_draft=False)


def preview(
    config: HandoffConfig,
    draft: Draft,
    month: str,
    as_of: datetime,
    progress: Callable[[float, str], object] | None = None,
) -> pd.DataFrame:
    """Last month under the SLA in force then, against the same month under the draft.
    `progress(share done, what now)` is told before each step (a big month takes seconds)."""
    from models.verdicts.service import read_inputs

    tell = progress or (lambda share, text: None)
    tell(0.0, f"Reading {month}'s leads and activities…")
    inputs = read_inputs(loaders.get_store(), month, as_of)
    # Only counts are shown: no explanation sentences are written.
    tell(0.4, f"Judging {month} under the SLA in force…")
    before = evaluate(config, inputs, month, as_of, explain=False)
    tell(0.7, f"Judging {month} under the draft…")
    after = evaluate(
        _config_with(config, draft, only_draft=True), inputs, month, as_of, explain=False
    )
    tell(1.0, "Done.")
    rows = []
    for label, evaluation in (("In force", before), ("Draft", after)):
        result = next((r for r in evaluation.slas if r.sla_id == draft.sla_id), None)
        if result is None:
            continue
        quota = result.quota or {}
        rows.append(
            {
                "Version": label,
                "Compliance / attainment %": result.compliance_pct,
                "Target %": result.target_pct,
                "Meets target": result.met,
                "Met": result.counts.get(E.MET, quota.get("accepted")),
                "Breached": result.counts.get(E.BREACHED),
                "Open": result.counts.get(E.OPEN),
                "Excluded": result.counts.get(E.EXCLUDED),
                **_rep_figures(quota),
            }
        )
    return pd.DataFrame(rows)


def _rep_figures(quota: dict[str, Any]) -> dict[str, Any]:
    """A per-person quota's preview columns: how many reps, and how many got fewer than owed."""
    owners = quota.get("owners")
    if owners is None:
        return {}
    return {
        "Reps owed leads": len(owners),
        "Reps below target": sum(1 for o in owners if not o["met"]),
    }


def version_impact(draft: Draft, current_month: str) -> VersionImpact:
    """Which frozen months the draft's effective date falls in, and which past months it would
    judge again (see `models.verdicts.versions`)."""
    return impact_of(loaders.get_store(), draft.effective_from, current_month)


def save(
    draft: Draft, path: str, loaded_by: str, *, current_month: str, confirmed: bool = False
) -> list[str]:
    """Append the draft to the SLA file (validated first, written atomically) and record it.

    Refused (BadInputError, nothing written) when its effective date falls in a frozen month, or
    reaches back into earlier months without `confirmed`."""
    from models.config import load_config
    from models.verdicts.service import sync_sla_versions

    check_new_version(
        loaders.get_store(),
        draft.sla_id,
        draft.effective_from,
        current_month,
        confirmed=confirmed,
    )
    source = Path(path)
    current = source.read_text(encoding="utf-8")
    tomllib.loads(current)  # the file must still be valid before we touch it
    block = tomli_w.dumps({"sla": [draft.raw]})
    # Typed values reach the file only through tomli_w; the comment gets one line of plain text.
    who = " ".join(str(loaded_by).split())[:200]
    updated = current.rstrip("\n") + (
        f"\n\n# New version of {draft.sla_id}, added from the dashboard by {who} "
        f"(effective {draft.raw['effective_from']}).\n" + block
    )
    parse_config(tomllib.loads(updated), source=str(source))  # raises ConfigError naming problems
    folder = source.parent
    with tempfile.NamedTemporaryFile(
        "w", dir=folder, delete=False, suffix=".toml", encoding="utf-8"
    ) as handle:
        handle.write(updated)
        scratch = handle.name
    os.replace(scratch, source)
    return sync_sla_versions(loaders.get_store(), load_config(source), loaded_by=loaded_by)


def version_in_force(config: HandoffConfig, sla_id: str, on: date) -> SlaDef:
    return config.in_force(sla_id, on) or config.versions(sla_id)[0]
