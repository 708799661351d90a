"""Bad SLA files are refused with the key path and what is expected (SPEC.md section 2)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from engine_builders import BASE_SLA_FILE

from models.config import ConfigError, parse_config, parse_duration


def _with(path: str, value: Any) -> dict[str, Any]:
    """The base file with one key replaced; `path` like "sla.0.within" or "calendars.ny.hours.mon"."""
    data = copy.deepcopy(BASE_SLA_FILE)
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value
    return data


BAD_FILES = [
    (
        "negative search lookback",
        {**_with("sla.0.within", "4h"), "hubspot": {"lookback_minutes": -5}},
        "hubspot.lookback_minutes",
        "expected minutes between 0 and 1440",
    ),
    (
        "unknown kind",
        _with("sla.0.kind", "first_tuch"),
        "sla[0] (first-touch).kind",
        "expected one of first_touch",
    ),
    (
        "duration in words",
        _with("sla.0.within", "4 hours"),
        "sla[0] (first-touch).within",
        "expected a duration like",
    ),
    (
        "duration without unit",
        _with("sla.1.within", "40"),
        "sla[1] (attempts).within",
        "expected a duration like",
    ),
    (
        "unknown calendar",
        _with("sla.2.calendar", "paris"),
        "sla[2] (service).calendar",
        "unknown calendar 'paris'",
    ),
    (
        "overlapping intervals",
        _with("calendars.ny.hours.mon", ["09:00-13:00", "12:00-17:00"]),
        "calendars.ny.hours.mon",
        "intervals overlap",
    ),
    (
        "bad time zone",
        _with("calendars.ny.timezone", "Eastern"),
        "calendars.ny.timezone",
        "IANA time zone",
    ),
    (
        "bad quota time zone",
        _with("sla.3.timezone", "EST5"),
        "sla[3] (mql).timezone",
        "IANA time zone",
    ),
    ("bad hours", _with("calendars.la.hours.tue", ["9-17"]), "calendars.la.hours.tue[0]", ""),
    (
        "unknown weekday",
        _with("calendars.la.hours.monday", ["09:00-17:00"]),
        "calendars.la.hours.monday",
        "unknown weekday",
    ),
    (
        "unknown provider",
        _with("sla.0.provider", "support"),
        "sla[0] (first-touch).provider",
        "expected one of",
    ),
    (
        "target over 100",
        _with("sla.0.target_pct", 120),
        "sla[0] (first-touch).target_pct",
        "0 to 100",
    ),
    (
        "attempts without min_attempts",
        _with("sla.1.min_attempts", 0),
        "sla[1] (attempts).min_attempts",
        "≥ 1",
    ),
    (
        "bad effective date",
        _with("sla.0.effective_from", "2026-13-01"),
        "sla[0] (first-touch).effective_from",
        "YYYY-MM-DD",
    ),
    (
        "bad segment field",
        _with("sla.0.segments", [{"match": {"colour": ["red"]}, "within": "1h"}]),
        "sla[0] (first-touch).segments[0].match.colour",
        "unknown field",
    ),
    (
        "bad segment duration",
        _with("sla.0.segments", [{"match": {"source": ["web"]}, "within": "soon"}]),
        "sla[0] (first-touch).segments[0].within",
        "duration",
    ),
    (
        "bad credit band",
        _with("sla.0.credits", [{"below": 95}]),
        "sla[0] (first-touch).credits[0]",
        "below_pct",
    ),
    (
        "bad warning share",
        _with("sla.0.warn_at_pct", 0),
        "sla[0] (first-touch).warn_at_pct",
        "1 to 100",
    ),
]


@pytest.mark.parametrize(
    ("what", "data", "key_path", "expected"), BAD_FILES, ids=[b[0] for b in BAD_FILES]
)
def test_bad_sla_files_name_the_key_path(
    what: str, data: dict[str, Any], key_path: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, "sla.toml")
    matching = [p for p in caught.value.problems if f"sla.toml: {key_path}" in p]
    assert matching, caught.value.problems
    assert expected in matching[0]


def test_every_problem_is_reported_at_once() -> None:
    data = _with("sla.0.within", "4 hours")
    data["sla"][1]["kind"] = "nope"
    with pytest.raises(ConfigError) as caught:
        parse_config(data, "sla.toml")
    assert len(caught.value.problems) >= 2


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("45m", 45.0), ("4h", 240.0), ("1h30m", 90.0), ("40h", 2400.0), ("1.5h", 90.0)],
)
def test_durations(text: str, minutes: float) -> None:
    assert parse_duration(text) == minutes


def test_the_shipped_sla_file_is_valid() -> None:
    from models.config import load_config
    from models.settings import DEFAULT_CONFIG_PATH

    config = load_config(DEFAULT_CONFIG_PATH)
    assert [v.effective_from.isoformat() for v in config.versions("first-touch")] == [
        "2025-01-01",
        "2026-07-01",
    ]
    assert (
        config.in_force("first-touch", config.versions("first-touch")[1].effective_from)
        .segments[0]
        .within_minutes
        == 30.0
    )
