"""The SLA file (SPEC.md section 2): parsed, validated, and turned into calendars and SLA versions.

Every problem is reported with its key path (`sla[2].within`) and what is expected, all at once.
Pure: no database, no streamlit.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.access_config import AccessConfig, parse_access
from models.columns import TIERS
from models.config_agreement import Agreement, parse_agreement, parse_per_owner_target
from models.config_hubspot import HubSpotConfig, parse_hubspot
from models.config_nudges import NudgeConfig, parse_nudges
from models.errors import BadInputError
from models.time.calendar import WEEKDAYS, Calendar, parse_hours

SLA_KINDS = ("first_touch", "follow_up_attempts", "service_first_contact", "lead_quota")
PER_ITEM_KINDS = ("first_touch", "follow_up_attempts", "service_first_contact")
SEGMENT_FIELDS = ("source", "team_id", "owner_id", "status")
DEFAULT_EFFECTIVE_FROM = date(2000, 1, 1)
_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*$")


class ConfigError(BadInputError):
    """A bad SLA file: `problems` lists every `key.path: message`."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        super().__init__(
            f"The SLA file {source} has {len(problems)} problem(s); fix them and run again:",
            [f"{source}: {p}" for p in problems],
        )


@dataclass(frozen=True)
class Segment:
    match: tuple[tuple[str, tuple[str, ...]], ...]
    within_minutes: float
    label: str

    def match_dict(self) -> dict[str, tuple[str, ...]]:
        return dict(self.match)


@dataclass(frozen=True)
class CreditBand:
    below_pct: float
    credit: float


@dataclass(frozen=True)
class SlaDef:
    """One version of one SLA (the version in force is chosen by `effective_from`)."""

    id: str
    kind: str
    provider: str
    target_pct: float
    effective_from: date
    name: str
    calendar: str | None = None
    within_minutes: float | None = None
    segments: tuple[Segment, ...] = ()
    min_attempts: int | None = None
    monthly_target: int | None = None
    timezone: str = "UTC"
    team_id: str | None = None
    warn_at_pct: float = 75.0
    credits: tuple[CreditBand, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    per_owner_target: int | None = None

    @property
    def checksum(self) -> str:
        return hashlib.sha256(json.dumps(self.raw, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class HandoffConfig:
    calendars: Mapping[str, Calendar]
    slas: tuple[SlaDef, ...]
    hubspot: HubSpotConfig
    access: AccessConfig = field(default_factory=AccessConfig)
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    source: str = "<memory>"
    agreement: Agreement | None = None
    nudges: NudgeConfig = field(default_factory=NudgeConfig, compare=False, hash=False)

    @property
    def checksum(self) -> str:
        """Of the whole file as parsed (calendars, SLAs and every other table): verdicts cached
        with one file are never served for another."""
        return hashlib.sha256(json.dumps(self.raw, sort_keys=True, default=str).encode()).hexdigest()

    @property
    def sla_ids(self) -> list[str]:
        """Distinct SLA ids in file order."""
        return list(dict.fromkeys(s.id for s in self.slas))

    def versions(self, sla_id: str) -> list[SlaDef]:
        """The versions of one SLA, oldest first."""
        return sorted((s for s in self.slas if s.id == sla_id), key=lambda s: s.effective_from)

    def in_force(self, sla_id: str, on: date) -> SlaDef | None:
        """The version whose `effective_from` is the latest on or before `on`."""
        chosen = None
        for version in self.versions(sla_id):
            if version.effective_from <= on:
                chosen = version
        return chosen

    def section(self, name: str) -> Mapping[str, Any]:
        """Any other top-level table of the file (e.g. `report`, `schedule`), raw."""
        value = self.raw.get(name, {})
        return value if isinstance(value, Mapping) else {}


def parse_duration(text: Any) -> float:
    """Business duration "45m", "4h", "1h30m" -> minutes; raises ValueError otherwise."""
    if isinstance(text, str):
        found = _DURATION.match(text)
        if found and (found.group(1) or found.group(2)):
            return float(found.group(1) or 0) * 60 + float(found.group(2) or 0)
    raise ValueError(f"expected a duration like \"45m\", \"4h\" or \"1h30m\", got {text!r}")


def load_config(path: str | Path) -> HandoffConfig:
    """Read and validate the SLA file; raises ConfigError naming every bad key."""
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise ConfigError(source, ["file not found (set --config or HANDOFF_CONFIG)"])
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(source, [f"not valid TOML: {exc}"]) from exc
    return parse_config(data, source)


def parse_config(data: Mapping[str, Any], source: str = "<memory>") -> HandoffConfig:
    """Validate a parsed TOML document."""
    problems: list[str] = []
    calendars = _parse_calendars(data.get("calendars", {}), problems)
    slas = _parse_slas(data.get("sla", []), calendars, problems)
    hubspot = parse_hubspot(data.get("hubspot", {}), problems)
    access = parse_access(data.get("access", {}), problems)
    agreement = parse_agreement(data.get("agreement"), problems)
    nudges = parse_nudges(data.get("nudges"), problems, {s.id for s in slas})
    if problems:
        raise ConfigError(source, problems)
    return HandoffConfig(
        calendars=calendars,
        slas=tuple(slas),
        hubspot=hubspot,
        access=access,
        raw=dict(data),
        source=source,
        agreement=agreement,
        nudges=nudges,
    )


def _valid_zone(name: Any) -> bool:
    if not isinstance(name, str) or not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _parse_calendars(raw: Any, problems: list[str]) -> dict[str, Calendar]:
    calendars: dict[str, Calendar] = {}
    if not isinstance(raw, Mapping):
        problems.append("calendars: expected a table of calendars ([calendars.NAME])")
        return calendars
    for name, spec in raw.items():
        where = f"calendars.{name}"
        if not isinstance(spec, Mapping):
            problems.append(f"{where}: expected a table")
            continue
        before = len(problems)
        zone = spec.get("timezone")
        if not _valid_zone(zone):
            problems.append(f"{where}.timezone: expected an IANA time zone like \"America/New_York\", got {zone!r}")
        hours = _parse_week(spec.get("hours"), f"{where}.hours", problems)
        country = subdiv = None
        holidays_spec = spec.get("holidays")
        if holidays_spec is not None:
            if not isinstance(holidays_spec, Mapping) or not isinstance(holidays_spec.get("country"), str):
                problems.append(f"{where}.holidays: expected {{ country = \"US\", subdiv = \"NY\" }}")
            else:
                country = holidays_spec["country"]
                subdiv = holidays_spec.get("subdiv")
                try:
                    import holidays as holidays_lib

                    holidays_lib.country_holidays(country, subdiv=subdiv, years=2026)
                except (NotImplementedError, KeyError) as exc:
                    problems.append(f"{where}.holidays: unknown country or subdivision ({exc})")
        extra: list[date] = []
        for index, day in enumerate(spec.get("extra_holidays", []) or []):
            try:
                extra.append(day if isinstance(day, date) else date.fromisoformat(str(day)))
            except ValueError:
                problems.append(f"{where}.extra_holidays[{index}]: expected a date \"YYYY-MM-DD\", got {day!r}")
        if len(problems) == before:
            calendars[name] = Calendar(
                name=name,
                timezone=str(zone),
                hours=hours,
                holiday_country=country,
                holiday_subdiv=subdiv,
                extra_holidays=tuple(sorted(extra)),
            )
    return calendars


def _parse_week(raw: Any, where: str, problems: list[str]) -> dict[str, tuple[tuple[int, int], ...]]:
    week: dict[str, tuple[tuple[int, int], ...]] = {}
    if not isinstance(raw, Mapping) or not raw:
        problems.append(f"{where}: expected weekday keys (mon..sun) with lists of \"HH:MM-HH:MM\"")
        return week
    for day, intervals in raw.items():
        if day not in WEEKDAYS:
            problems.append(f"{where}.{day}: unknown weekday; expected one of {', '.join(WEEKDAYS)}")
            continue
        if not isinstance(intervals, list):
            problems.append(f"{where}.{day}: expected a list like [\"09:00-17:00\"]")
            continue
        parsed: list[tuple[int, int]] = []
        for index, text in enumerate(intervals):
            try:
                parsed.append(parse_hours(str(text)))
            except ValueError as exc:
                problems.append(f"{where}.{day}[{index}]: {exc}")
        parsed.sort()
        for (a_start, a_end), (b_start, _b_end) in zip(parsed, parsed[1:], strict=False):
            if b_start < a_end:
                problems.append(
                    f"{where}.{day}: intervals overlap ({_hhmm(a_start)}-{_hhmm(a_end)} and "
                    f"{_hhmm(b_start)}-...); list each working period once"
                )
        week[day] = tuple(parsed)
    return week


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def _parse_slas(raw: Any, calendars: Mapping[str, Calendar], problems: list[str]) -> list[SlaDef]:
    slas: list[SlaDef] = []
    if not isinstance(raw, list):
        problems.append("sla: expected an array of tables ([[sla]])")
        return slas
    seen: set[tuple[str, date]] = set()
    for index, spec in enumerate(raw):
        where = f"sla[{index}]"
        if not isinstance(spec, Mapping):
            problems.append(f"{where}: expected a table")
            continue
        before = len(problems)
        sla_id = spec.get("id")
        if not isinstance(sla_id, str) or not sla_id:
            problems.append(f"{where}.id: expected a non-empty string")
            sla_id = f"#{index}"
        else:
            where = f"sla[{index}] ({sla_id})"
        kind = spec.get("kind")
        if kind not in SLA_KINDS:
            problems.append(f"{where}.kind: expected one of {', '.join(SLA_KINDS)}, got {kind!r}")
        provider = spec.get("provider")
        if provider not in TIERS:
            problems.append(f"{where}.provider: expected one of {', '.join(TIERS)}, got {provider!r}")
        effective = spec.get("effective_from", DEFAULT_EFFECTIVE_FROM)
        if isinstance(effective, datetime):
            effective = effective.date()
        if not isinstance(effective, date):
            try:
                effective = date.fromisoformat(str(effective))
            except ValueError:
                problems.append(f"{where}.effective_from: expected a date \"YYYY-MM-DD\", got {effective!r}")
                effective = DEFAULT_EFFECTIVE_FROM
        if (sla_id, effective) in seen:
            problems.append(f"{where}: another [[sla]] with id {sla_id!r} has the same effective_from {effective}")
        seen.add((sla_id, effective))
        target_pct = spec.get("target_pct", 100 if kind == "lead_quota" else None)
        if not isinstance(target_pct, int | float) or not 0 <= target_pct <= 100:
            problems.append(f"{where}.target_pct: expected a number from 0 to 100, got {target_pct!r}")
            target_pct = 0
        calendar_name = spec.get("calendar")
        within = None
        segments: list[Segment] = []
        min_attempts = monthly_target = per_owner = None
        zone = spec.get("timezone", "UTC")
        if kind in PER_ITEM_KINDS:
            if calendar_name not in calendars:
                known = ", ".join(calendars) or "none defined"
                problems.append(f"{where}.calendar: unknown calendar {calendar_name!r} (known: {known})")
            try:
                within = parse_duration(spec.get("within"))
            except ValueError as exc:
                problems.append(f"{where}.within: {exc}")
            segments = _parse_segments(spec.get("segments", []), where, problems)
            if kind == "follow_up_attempts":
                min_attempts = spec.get("min_attempts")
                if not isinstance(min_attempts, int) or min_attempts < 1:
                    problems.append(f"{where}.min_attempts: expected a whole number ≥ 1, got {min_attempts!r}")
        elif kind == "lead_quota":
            monthly_target = spec.get("monthly_target")
            per_owner = parse_per_owner_target(spec, where, problems)
            if (monthly_target is not None or per_owner is None) and (not isinstance(monthly_target, int) or monthly_target < 1):
                problems.append(f"{where}.monthly_target: expected a whole number ≥ 1 (or per_owner_target for an SLA per person), got {monthly_target!r}")
            if not _valid_zone(zone):
                problems.append(f"{where}.timezone: expected an IANA time zone, got {zone!r}")
        warn = spec.get("warn_at_pct", 75)
        if not isinstance(warn, int | float) or not 0 < warn <= 100:
            problems.append(f"{where}.warn_at_pct: expected a number from 1 to 100, got {warn!r}")
        credits = _parse_credits(spec.get("credits", []), where, problems)
        if len(problems) == before:
            slas.append(
                SlaDef(
                    id=sla_id,
                    kind=str(kind),
                    provider=str(provider),
                    target_pct=float(target_pct),
                    effective_from=effective,
                    name=str(spec.get("name", sla_id)),
                    calendar=calendar_name,
                    within_minutes=within,
                    segments=tuple(segments),
                    min_attempts=min_attempts,
                    monthly_target=monthly_target,
                    timezone=zone,
                    team_id=spec.get("team_id"),
                    warn_at_pct=float(warn),
                    credits=credits,
                    raw=dict(spec),
                    per_owner_target=per_owner,
                )
            )
    return slas


def _parse_segments(raw: Any, where: str, problems: list[str]) -> list[Segment]:
    segments: list[Segment] = []
    if not isinstance(raw, list):
        problems.append(f"{where}.segments: expected an array of tables ([[sla.segments]])")
        return segments
    for index, spec in enumerate(raw):
        here = f"{where}.segments[{index}]"
        match = spec.get("match") if isinstance(spec, Mapping) else None
        if not isinstance(match, Mapping) or not match:
            problems.append(f"{here}.match: expected e.g. {{ source = [\"demo_request\"] }}")
            continue
        pairs: list[tuple[str, tuple[str, ...]]] = []
        for key, values in match.items():
            if key not in SEGMENT_FIELDS:
                problems.append(f"{here}.match.{key}: unknown field; expected one of {', '.join(SEGMENT_FIELDS)}")
                continue
            values = [values] if isinstance(values, str) else values
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                problems.append(f"{here}.match.{key}: expected a string or a list of strings")
                continue
            pairs.append((key, tuple(values)))
        try:
            within = parse_duration(spec.get("within"))
        except ValueError as exc:
            problems.append(f"{here}.within: {exc}")
            continue
        label = spec.get("name") or ", ".join(f"{k}={'|'.join(v)}" for k, v in pairs)
        segments.append(Segment(match=tuple(pairs), within_minutes=within, label=str(label)))
    return segments


def _parse_credits(raw: Any, where: str, problems: list[str]) -> tuple[CreditBand, ...]:
    bands: list[CreditBand] = []
    if not isinstance(raw, list):
        problems.append(f"{where}.credits: expected an array like [{{ below_pct = 95, credit = 5 }}]")
        return ()
    for index, spec in enumerate(raw):
        below = spec.get("below_pct") if isinstance(spec, Mapping) else None
        credit = spec.get("credit") if isinstance(spec, Mapping) else None
        if not isinstance(below, int | float) or not isinstance(credit, int | float):
            problems.append(f"{where}.credits[{index}]: expected {{ below_pct = NUMBER, credit = NUMBER }}")
            continue
        bands.append(CreditBand(float(below), float(credit)))
    return tuple(sorted(bands, key=lambda b: b.below_pct))


def team_calendar_problems(teams: Any, config: HandoffConfig) -> list[str]:
    """A sentence for each team (a teams table: team_id, name, calendar) whose calendar the SLA
    file does not define. Such a team is judged on each SLA's own calendar, which is rarely what
    was meant, but not an error: the SLA file may gain the calendar later."""
    if len(teams) == 0 or "calendar" not in teams.columns:
        return []
    problems = []
    for team_id, name, calendar in zip(teams["team_id"], teams["name"], teams["calendar"], strict=True):
        if isinstance(calendar, str) and calendar and calendar not in config.calendars:
            problems.append(
                f"team {team_id} ({name}) names calendar {calendar!r}, which {config.source} "
                f"does not define (it has: {', '.join(config.calendars)}); its reps are judged "
                "on each SLA's own calendar until [calendars." + calendar + "] is added or "
                "teams.csv names a defined one"
            )
    return problems
