"""Who is looking: a verified e-mail -> a role and a scope, from the data and the SLA file.

Pure: claims, the teams and owners tables and the `[access]` section in, a `Person` out. No
sign-in, no SQL, no streamlit. The roles, highest first:

- admin: listed in `[access] admins` or `HANDOFF_ADMINS`: everything, plus Setup.
- viewer: listed in `[access] viewers`: every team read-only.
- manager: a team's `manager_email` or listed in `[access.managers]`: their teams down to the lead.
- rep: an owner's e-mail: their own leads in full, team and company figures as aggregates.
- unknown: anyone else (or an unverified address): no data at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from models.access_config import AccessConfig, is_email, normalise_email

ADMIN = "admin"
VIEWER = "viewer"
MANAGER = "manager"
REP = "rep"
UNKNOWN = "unknown"
ROLES = (ADMIN, VIEWER, MANAGER, REP, UNKNOWN)
ROLE_LABELS = {
    ADMIN: "Admin",
    VIEWER: "Viewer",
    MANAGER: "Manager",
    REP: "Rep",
    UNKNOWN: "Not known to Handoff",
}


@dataclass(frozen=True)
class Person:
    """A signed-in person and what they may reach."""

    email: str  # lower case; "" when the provider gave none
    role: str
    name: str = ""
    managed_teams: frozenset[str] = frozenset()  # manager: the teams they run
    owner_ids: frozenset[str] = frozenset()  # the CRM owners with this e-mail (a manager may be one)
    home_teams: frozenset[str] = frozenset()  # the teams of those owners
    reason: str = ""  # unknown: why (not listed, unverified, domain not allowed)

    @property
    def label(self) -> str:
        who = self.name or self.email or "someone"
        return f"{ROLE_LABELS[self.role]} · {who}" + (f" ({self.email})" if self.name else "")

    @property
    def is_known(self) -> bool:
        return self.role != UNKNOWN

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def sees_everything(self) -> bool:
        """Admins and viewers read every team down to the lead."""
        return self.role in (ADMIN, VIEWER)

    @property
    def may_decide(self) -> bool:
        """Admins and managers decide disputes (a manager only of their own teams)."""
        return self.role in (ADMIN, MANAGER)

    def sees_team(self, team_id: object) -> bool:
        """May open this team's reps and leads (not just its aggregate figures)."""
        if self.sees_everything:
            return True
        return self.role == MANAGER and isinstance(team_id, str) and team_id in self.managed_teams

    def opens_team(self, team_id: object) -> bool:
        """May open this team in the drill-down or choose it as the sidebar's team: a team they
        see down to the lead, or their own team as a rep (where they see their own row)."""
        return self.sees_team(team_id) or (
            self.is_known and isinstance(team_id, str) and team_id in self.home_teams
        )

    def sees_owner(self, owner_id: object, team_id: object) -> bool:
        """May open this rep's items and leads (`team_id`: the rep's team)."""
        if self.sees_team(team_id):
            return True
        return self.is_known and isinstance(owner_id, str) and owner_id in self.owner_ids

    def decides_for(self, team_id: object) -> bool:
        """May approve or reject a dispute of an item of this team."""
        if self.role == ADMIN:
            return True
        return self.role == MANAGER and isinstance(team_id, str) and team_id in self.managed_teams

    def is_me(self, who: object, owner_emails: Mapping[str, str] | None = None) -> bool:
        """`who` (an e-mail, or an owner id as older rows stored) names this person."""
        if not isinstance(who, str) or not who or not self.email:
            return False
        if normalise_email(who) == self.email or who in self.owner_ids:
            return True
        mapped = (owner_emails or {}).get(who)
        return mapped is not None and normalise_email(mapped) == self.email


def admins_from_env(value: str | None) -> frozenset[str]:
    """`HANDOFF_ADMINS="a@x.com, b@x.com"` -> the valid addresses, lower case."""
    if not value:
        return frozenset()
    return frozenset(
        normalise_email(part) for part in value.replace(";", ",").split(",") if is_email(part.strip())
    )


def claimed_email(claims: Mapping[str, Any]) -> tuple[str | None, str]:
    """The verified e-mail of an OpenID Connect user (None and why when there is none)."""
    email = claims.get("email")
    if not isinstance(email, str) or not is_email(email.strip()):
        # Entra ID work accounts may send the address as preferred_username only.
        alt = claims.get("preferred_username")
        if isinstance(alt, str) and is_email(alt.strip()):
            email = alt
        else:
            return None, "the identity provider sent no e-mail address"
    verified = claims.get("email_verified")
    if verified is not None and verified not in (True, "true", "True", 1):
        return None, f"{email.strip()} is not verified by the identity provider"
    return normalise_email(email), ""


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def resolve_person(
    claims: Mapping[str, Any],
    teams: pd.DataFrame,
    owners: pd.DataFrame,
    access: AccessConfig,
    env_admins: Iterable[str] = (),
) -> Person:
    """Map OpenID Connect claims (`email`, `email_verified`, `name`) to a role and scope."""
    email, why = claimed_email(claims)
    name = _text(claims.get("name")) or ""
    if email is None:
        return Person(email="", role=UNKNOWN, name=name, reason=why)
    domain = email.rsplit("@", 1)[1]
    if access.allowed_domains and domain not in access.allowed_domains:
        return Person(
            email=email,
            role=UNKNOWN,
            name=name,
            reason=f"{domain} is not one of the allowed domains ({', '.join(sorted(access.allowed_domains))})",
        )
    owner_ids: set[str] = set()
    home: set[str] = set()
    if not owners.empty and "email" in owners:
        # Plain lists, not a pandas mask: this runs on every page view (tens of people).
        names = owners["name"].tolist() if "name" in owners else [None] * len(owners)
        for owner_id, team_id, address, owner_name in zip(
            owners["owner_id"].tolist(),
            owners["team_id"].tolist(),
            owners["email"].tolist(),
            names,
            strict=True,
        ):
            if not (isinstance(address, str) and normalise_email(address) == email):
                continue
            if not owner_ids and not name:
                name = str(owner_name)
            owner_ids.add(str(owner_id))
            if isinstance(team_id, str):
                home.add(team_id)
    managed: set[str] = {
        team for team, addresses in access.managers.items() if email in addresses
    }
    if not teams.empty and "manager_email" in teams:
        for team_id, manager in zip(
            teams["team_id"].tolist(), teams["manager_email"].tolist(), strict=True
        ):
            if isinstance(manager, str) and normalise_email(manager) == email:
                managed.add(str(team_id))
    if email in access.admins or email in set(env_admins):
        role = ADMIN
    elif email in access.viewers:
        role = VIEWER
    elif managed:
        role = MANAGER
    elif owner_ids:
        role = REP
    else:
        return Person(
            email=email,
            role=UNKNOWN,
            name=name,
            reason=f"{email} is neither a rep, a team's manager, a viewer nor an admin",
        )
    return Person(
        email=email,
        role=role,
        name=name,
        managed_teams=frozenset(managed),
        owner_ids=frozenset(owner_ids),
        home_teams=frozenset(home),
    )


def directory_people(
    teams: pd.DataFrame, owners: pd.DataFrame, access: AccessConfig, env_admins: Iterable[str] = ()
) -> list[Person]:
    """Everyone Handoff knows, highest role first (the demo's role switcher, "People and access")."""
    addresses: dict[str, str] = {}
    for email in sorted(set(access.admins) | set(env_admins)):
        addresses.setdefault(email, "")
    for email in sorted(access.viewers):
        addresses.setdefault(email, "")
    if not teams.empty and "manager_email" in teams:
        for manager in teams.sort_values("name")["manager_email"]:
            if isinstance(manager, str) and is_email(manager.strip()):
                addresses.setdefault(normalise_email(manager), "")
    for listed in access.managers.values():
        for email in sorted(listed):
            addresses.setdefault(email, "")
    if not owners.empty and "email" in owners:
        active = owners[owners["active"].astype(bool)] if "active" in owners else owners
        for email in active.sort_values("name")["email"]:
            if isinstance(email, str) and is_email(email.strip()):
                addresses.setdefault(normalise_email(email), "")
    people = [
        resolve_person({"email": email, "email_verified": True}, teams, owners, access, env_admins)
        for email in addresses
    ]
    order = {role: index for index, role in enumerate(ROLES)}
    return sorted(
        (p for p in people if p.is_known), key=lambda p: (order[p.role], p.name or p.email)
    )
