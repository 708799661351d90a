"""Who is looking: e-mail claims -> role and scope (pure, table-driven)."""

from __future__ import annotations

import pandas as pd
import pytest

from models.access import (
    ADMIN,
    MANAGER,
    REP,
    UNKNOWN,
    VIEWER,
    admins_from_env,
    directory_people,
    resolve_person,
)
from models.access_config import AccessConfig, parse_access
from models.config import ConfigError, parse_config

TEAMS = pd.DataFrame(
    {
        "team_id": ["sales-east", "sales-west", "service"],
        "name": ["Sales East", "Sales West", "Service"],
        "tier": ["sales", "sales", "service"],
        "manager_email": ["Marcus.Bell@Corp.example", "elena@corp.example", None],
    }
)
OWNERS = pd.DataFrame(
    {
        "owner_id": ["O05", "O06", "O15", "O23"],
        "name": ["Marcus Bell", "Jenna Castillo", "Elena Park", "Sofia Reyes"],
        "email": ["marcus.bell@corp.example", "JENNA@corp.example", "elena@corp.example", None],
        "team_id": ["sales-east", "sales-east", "sales-west", "service"],
        "active": [True, True, True, True],
    }
)
ACCESS = AccessConfig(
    admins=frozenset({"ops@corp.example"}),
    viewers=frozenset({"ceo@corp.example"}),
    managers={"service": frozenset({"deputy@corp.example"})},
)


@pytest.mark.parametrize(
    ("claims", "role", "managed", "owners"),
    [
        ({"email": "jenna@corp.example", "email_verified": True}, REP, set(), {"O06"}),
        ({"email": "Jenna@CORP.example"}, REP, set(), {"O06"}),  # case-insensitive, no claim sent
        ({"email": "marcus.bell@corp.example"}, MANAGER, {"sales-east"}, {"O05"}),
        ({"email": "deputy@corp.example"}, MANAGER, {"service"}, set()),
        ({"email": "ceo@corp.example"}, VIEWER, set(), set()),
        ({"email": "OPS@corp.example"}, ADMIN, set(), set()),
        ({"email": "root@corp.example"}, ADMIN, set(), set()),  # from HANDOFF_ADMINS
        ({"email": "stranger@corp.example"}, UNKNOWN, set(), set()),
        ({"email": "jenna@corp.example", "email_verified": False}, UNKNOWN, set(), set()),
        ({"email": "jenna@corp.example", "email_verified": "false"}, UNKNOWN, set(), set()),
        ({"name": "No Mail"}, UNKNOWN, set(), set()),
        ({"email": "jenna@corp.example\n[[sla]]"}, UNKNOWN, set(), set()),
        ({"preferred_username": "jenna@corp.example"}, REP, set(), {"O06"}),  # Entra ID
    ],
)
def test_role_comes_from_the_data(
    claims: dict[str, object], role: str, managed: set[str], owners: set[str]
) -> None:
    person = resolve_person(claims, TEAMS, OWNERS, ACCESS, admins_from_env("root@corp.example"))
    assert person.role == role
    assert set(person.managed_teams) == managed
    assert set(person.owner_ids) == owners
    if role == UNKNOWN:
        assert person.reason, "an unknown person is told why"


def test_allowed_domains_refuse_other_addresses() -> None:
    access = AccessConfig(allowed_domains=frozenset({"corp.example"}))
    outside = resolve_person({"email": "ceo@gmail.example"}, TEAMS, OWNERS, access)
    assert outside.role == UNKNOWN and "allowed domains" in outside.reason
    inside = resolve_person({"email": "jenna@corp.example"}, TEAMS, OWNERS, access)
    assert inside.role == REP


@pytest.mark.parametrize(
    ("email", "team", "owner", "owner_team", "sees_team", "sees_owner", "decides"),
    [
        ("jenna@corp.example", "sales-east", "O06", "sales-east", False, True, False),
        ("jenna@corp.example", "sales-east", "O05", "sales-east", False, False, False),
        ("marcus.bell@corp.example", "sales-east", "O06", "sales-east", True, True, True),
        ("marcus.bell@corp.example", "sales-west", "O15", "sales-west", False, False, False),
        ("ceo@corp.example", "sales-west", "O15", "sales-west", True, True, False),
        ("ops@corp.example", "service", "O23", "service", True, True, True),
    ],
)
def test_scope(
    email: str,
    team: str,
    owner: str,
    owner_team: str,
    sees_team: bool,
    sees_owner: bool,
    decides: bool,
) -> None:
    person = resolve_person({"email": email}, TEAMS, OWNERS, ACCESS)
    assert person.sees_team(team) is sees_team
    assert person.sees_owner(owner, owner_team) is sees_owner
    assert person.decides_for(team) is decides


def test_is_me_matches_email_or_own_owner_id() -> None:
    marcus = resolve_person({"email": "marcus.bell@corp.example"}, TEAMS, OWNERS, ACCESS)
    assert marcus.is_me("Marcus.Bell@corp.example")
    assert marcus.is_me("O05")
    assert not marcus.is_me("O06")
    assert not marcus.is_me(None)


def test_directory_lists_every_known_person_highest_role_first() -> None:
    people = directory_people(TEAMS, OWNERS, ACCESS, {"root@corp.example"})
    roles = [p.role for p in people]
    assert roles == sorted(roles, key=[ADMIN, VIEWER, MANAGER, REP].index)
    emails = {p.email for p in people}
    assert {"ops@corp.example", "root@corp.example", "ceo@corp.example"} <= emails
    assert {"marcus.bell@corp.example", "deputy@corp.example", "jenna@corp.example"} <= emails


def test_access_section_parses_and_reports_every_problem() -> None:
    problems: list[str] = []
    parsed = parse_access(
        {
            "admins": ["Ops@Corp.example"],
            "viewers": ["ceo@corp.example"],
            "managers": {"sales-east": ["deputy@corp.example"]},
            "allowed_domains": ["corp.example"],
        },
        problems,
    )
    assert problems == []
    assert parsed.admins == {"ops@corp.example"}
    assert parsed.managers["sales-east"] == {"deputy@corp.example"}
    with pytest.raises(ConfigError) as raised:
        parse_config(
            {
                "access": {
                    "admins": ["ops@corp.example\n[[sla]]"],
                    "viewers": "ceo@corp.example",
                    "allowed_domains": ["not a domain"],
                    "owners": [],
                }
            }
        )
    text = str(raised.value)
    for where in ("access.admins[0]", "access.viewers", "access.allowed_domains[0]", "access.owners"):
        assert where in text
