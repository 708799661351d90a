"""Row-level scope for the lists a page shows: a rep sees their own rows, a manager their teams'
rows, viewers and admins every row. Aggregates (team and company figures) are left whole; the
cached views stay shared and person-free, so this filter is a clean parameter on top of them."""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

import pandas as pd

from models.access import Person
from models.engine import columns as E
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


def scoped_view(view: V | None, person: Person) -> V | None:
    """An SLA view with only the items and per-rep rows `person` may see (summary and per-team
    figures, which are aggregates, unchanged)."""
    if view is None or person.sees_everything:
        return view
    return replace(view, items=visible(view.items, person), by_rep=visible(view.by_rep, person))
