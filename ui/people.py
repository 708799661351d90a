"""The "People and access" view's data: who is who (from the data and the SLA file) and the
audit trail of what was done from the dashboard."""

from __future__ import annotations

import pandas as pd

from models.access import ROLE_LABELS, Person
from models.audit import read_actions
from ui import identity, loaders


def people_table(people: list[Person]) -> pd.DataFrame:
    """One row per known person: e-mail, name, role, teams managed, own team(s)."""
    team_names = loaders.names()[1]
    return pd.DataFrame(
        {
            "E-mail": [p.email for p in people],
            "Name": [p.name for p in people],
            "Role": [ROLE_LABELS[p.role] for p in people],
            "Manages": [", ".join(sorted(team_names.get(t, t) for t in p.managed_teams)) for p in people],
            "Rep in": [", ".join(sorted(team_names.get(t, t) for t in p.home_teams)) for p in people],
        }
    )


def everyone_table() -> pd.DataFrame:
    return people_table(identity.everyone())


def audit_table(limit: int = 200) -> pd.DataFrame:
    """The newest audit rows, as the admin reads them."""
    rows = read_actions(loaders.get_store(), limit=limit)
    if rows.empty:
        return pd.DataFrame(columns=["When", "Who", "Role", "Action", "Target", "Outcome", "Detail"])
    return pd.DataFrame(
        {
            "When": rows["at"],
            "Who": rows["actor"],
            "Role": rows["role"],
            "Action": rows["action"],
            "Target": rows["target"],
            "Outcome": rows["outcome"],
            "Detail": rows["detail"],
        }
    )
