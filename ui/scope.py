"""Row-level scope for the lists a page shows: a rep sees their own rows, a manager their teams'
rows, viewers and admins every row. Aggregates (team and company figures) are left whole; the
cached views stay shared and person-free, so this filter is a clean parameter on top of them."""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

import pandas as pd

from models.access import Person
from models.engine import columns as E
from ui import loaders
from ui.follow_up import SlaView

V = TypeVar("V", bound=SlaView)


def visible(
    frame: pd.DataFrame, person: Person, owner: str = E.OWNER_ID, team: str = E.TEAM_ID
) -> pd.DataFrame:
    """The rows of `frame` whose rep (owner and team columns) `person` may open."""
    if person.sees_everything or frame.empty or owner not in frame or team not in frame:
        return frame
    keep = [person.sees_owner(o, t) for o, t in zip(frame[owner], frame[team], strict=True)]
    return frame[pd.Series(keep, index=frame.index, dtype=bool)]


def linked_teams(frame: pd.DataFrame, person: Person, team: str = E.TEAM_ID, link: str = "link") -> pd.DataFrame:
    """Per-team rows with the drill-down link kept only on the teams `person` may open: the
    other teams' figures stay (aggregates), with no way in that would end in "Not yours"."""
    if person.sees_everything or frame.empty or team not in frame or link not in frame:
        return frame
    opens = frame[team].map(person.opens_team).astype(bool)
    return frame.assign(**{link: frame[link].where(opens, None)})


def scoped_view(view: V | None, person: Person) -> V | None:
    """An SLA view with only the items and per-rep rows `person` may see (summary and per-team
    figures, which are aggregates, kept; the per-team links only to the person's teams)."""
    if view is None or person.sees_everything:
        return view
    return replace(
        view,
        items=visible(view.items, person),
        by_rep=visible(view.by_rep, person),
        by_team=linked_teams(view.by_team, person),
    )


def managed_tiers(person: Person) -> set[str]:
    """The tiers (marketing, sales, service) of the teams a manager runs."""
    if not person.managed_teams:
        return set()
    teams = loaders.directory()["teams"]
    mine = teams[teams["team_id"].astype(str).isin(person.managed_teams)]
    return set(mine["tier"].astype(str))


def owns_the_quota(person: Person) -> bool:
    """Viewers, admins and marketing's managers read every rep's leads-per-rep line: marketing
    owns the lead quota (the promise is theirs), so who is starved is their question."""
    return person.sees_everything or "marketing" in managed_tiers(person)


def friction_scope(person: Person, chosen_team: str | None) -> tuple[bool, str | None]:
    """(may read, team) for the friction report, whose tables go down to reps and leads.
    Viewers and admins: the sidebar's choice. Marketing's managers: the whole report (the quota
    and the rejections are theirs). Other managers: their team (the sidebar's, when it is one of
    theirs). Reps: not at all; their figures are on the Overview and Follow-up pages."""
    if person.sees_everything or (person.managed_teams and owns_the_quota(person)):
        return True, chosen_team
    if person.managed_teams:
        if chosen_team in person.managed_teams:
            return True, chosen_team
        return True, sorted(person.managed_teams)[0]
    return False, None
