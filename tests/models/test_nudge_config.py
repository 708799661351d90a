"""`[nudges]` in the SLA file: defaults, per-SLA overrides, and every mistake named by its key."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from engine_builders import BASE_SLA_FILE

from models.config import ConfigError, parse_config
from models.config_nudges import DEFAULT_STAGES


def _with_nudges(nudges: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE_SLA_FILE)
    data["nudges"] = nudges
    return data


def test_defaults_without_a_nudges_table() -> None:
    nudges = parse_config(copy.deepcopy(BASE_SLA_FILE)).nudges
    assert nudges.enabled and nudges.stages == DEFAULT_STAGES
    assert [s.at_pct for s in nudges.for_sla("first-touch").stages] == [50, 75, 100]
    assert nudges.for_sla("first-touch").stages[-1].to == ("owner", "manager")


def test_per_sla_override_and_lists() -> None:
    nudges = parse_config(_with_nudges({
        "mute": ["Rep@X.example"],
        "stages": [{"name": "late", "at_pct": 80, "to": ["owner"]},
                   {"name": "breach", "at_pct": 100, "to": ["owner", "manager", "room"]}],
        "sla": {"attempts": {"enabled": False}, "service": {"stages": [{"name": "b", "at_pct": 100}]}},
        "slack_users": {"Rep@X.example": "U1"},
        "rooms": {"sales-east": "NUDGE_WEBHOOK_EAST"},
    })).nudges  # fmt: skip
    assert nudges.mute == frozenset({"rep@x.example"})
    assert not nudges.for_sla("attempts").enabled
    assert [s.name for s in nudges.for_sla("first-touch").stages] == ["late", "breach"]
    assert [s.name for s in nudges.for_sla("service").stages] == ["b"]
    assert nudges.slack_users == {"rep@x.example": "U1"}


@pytest.mark.parametrize(
    ("nudges", "where", "message"),
    [
        ({"chanels": ["slack"]}, "nudges.chanels", "unknown key"),
        ({"channels": ["sms"]}, "nudges.channels", "expected a list drawn from"),
        ({"every_minutes": 0}, "nudges.every_minutes", "from 1 to 240"),
        ({"stages": [{"name": "x", "at_pct": 150}]}, "nudges.stages[0].at_pct", "from 1 to 100"),
        (
            {"stages": [{"name": "x", "at_pct": 50, "to": ["boss"]}]},
            "nudges.stages[0].to",
            "drawn from",
        ),
        ({"mute": ["not-an-address"]}, "nudges.mute", "e-mail addresses"),
        ({"sla": {"nope": {"enabled": False}}}, "nudges.sla.nope", "no [[sla]] has id 'nope'"),
        ({"sla": {"attempts": {"enabeld": False}}}, "nudges.sla.attempts.enabeld", "unknown key"),
        ({"digest": "yes"}, "nudges.digest", "true or false"),
    ],
)
def test_mistakes_are_named_by_key(nudges: dict[str, Any], where: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(_with_nudges(nudges), "sla.toml")
    found = [p for p in raised.value.problems if where in p]
    assert found and message in found[0], raised.value.problems
