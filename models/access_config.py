"""The SLA file's `[access]` section: who may see what beyond what the data says.

```toml
[access]
admins = ["ops@example.com"]             # everything, plus Setup (also HANDOFF_ADMINS)
viewers = ["ceo@example.com"]            # every team read-only, all reports
allowed_domains = ["example.com"]        # optional: any other address is refused at sign-in

[access.managers]                        # extra managers of a team, beside its manager_email
sales-east = ["deputy@example.com"]
```

Reps (an owner's e-mail) and managers (a team's `manager_email`) come from the data itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Deliberately strict: one address, no display name, no whitespace or control characters (a
# newline in an address could otherwise start a new TOML table or mail header).
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
DOMAIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def is_email(value: object) -> bool:
    """True for one plain address (`name@domain.tld`), nothing around it."""
    return isinstance(value, str) and len(value) <= 254 and EMAIL.match(value) is not None


def normalise_email(value: str) -> str:
    """Addresses compare case-insensitively (what identity providers and CRMs actually do)."""
    return value.strip().lower()


@dataclass(frozen=True)
class AccessConfig:
    """Admins, viewers, extra managers per team and allowed sign-in domains (all lower case)."""

    admins: frozenset[str] = frozenset()
    viewers: frozenset[str] = frozenset()
    managers: Mapping[str, frozenset[str]] = field(default_factory=dict)
    allowed_domains: frozenset[str] = frozenset()


def _addresses(raw: Any, where: str, problems: list[str]) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        problems.append(f"{where}: expected a list of e-mail addresses like [\"ops@example.com\"]")
        return frozenset()
    found: set[str] = set()
    for index, value in enumerate(raw):
        if not is_email(value):
            problems.append(
                f"{where}[{index}]: expected one e-mail address like \"ops@example.com\", got {value!r}"
            )
            continue
        found.add(normalise_email(value))
    return frozenset(found)


def parse_access(raw: Any, problems: list[str]) -> AccessConfig:
    """Validate `[access]`; every problem is appended with its key path."""
    if not raw:
        return AccessConfig()
    if not isinstance(raw, Mapping):
        problems.append("access: expected a table ([access])")
        return AccessConfig()
    known = {"admins", "viewers", "managers", "allowed_domains"}
    for key in raw:
        if key not in known:
            problems.append(f"access.{key}: unknown key; expected one of {', '.join(sorted(known))}")
    managers: dict[str, frozenset[str]] = {}
    extra = raw.get("managers", {})
    if not isinstance(extra, Mapping):
        problems.append("access.managers: expected a table of team id = [e-mail, ...]")
    else:
        for team_id, addresses in extra.items():
            managers[str(team_id)] = _addresses(addresses, f"access.managers.{team_id}", problems)
    domains: set[str] = set()
    raw_domains = raw.get("allowed_domains", [])
    if not isinstance(raw_domains, list):
        problems.append("access.allowed_domains: expected a list like [\"example.com\"]")
    else:
        for index, value in enumerate(raw_domains):
            if not isinstance(value, str) or not DOMAIN.match(value.strip().lstrip("@")):
                problems.append(
                    f"access.allowed_domains[{index}]: expected a domain like \"example.com\", got {value!r}"
                )
                continue
            domains.add(value.strip().lstrip("@").lower())
    return AccessConfig(
        admins=_addresses(raw.get("admins"), "access.admins", problems),
        viewers=_addresses(raw.get("viewers"), "access.viewers", problems),
        managers=managers,
        allowed_domains=frozenset(domains),
    )
