"""The store's SQL for cached verdicts: the data revision and the `verdict_cache` rows.

Part of the store (every SQL statement lives in `models/store*.py`); `Store` inherits it. The
revision is one counter row that each write of CRM data bumps in its own transaction, so a
cached month is trusted only at the revision it was computed at. (Disputes do not move it: a
cached month records the exclusions it was judged with, and newly approved ones are applied to
it.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from models import tables as T
from models.columns import CLOCK_ACTIVITY_TYPES

_SAVE_WAIT_MS = 500
_BUSY_MS = 30_000  # models/store/db.py's busy_timeout, restored on the pooled connection


def bump_revision(conn: Connection) -> None:
    """Move the data revision on (inside the writer's transaction: it commits with the data)."""
    table = T.DataRevision.__table__  # type: ignore[attr-defined]
    moved = conn.execute(
        update(table).where(table.c.id == 1).values(revision=table.c.revision + 1)
    ).rowcount
    if not moved:  # a database whose counter row went missing starts it again
        conn.execute(insert(table).values(id=1, revision=1))


class VerdictCacheStore:
    """Cached month verdicts (see `models.verdicts.cache` for the rules of their use)."""

    engine: Engine

    def read_revision(self) -> int:
        """The current data revision."""
        table = T.DataRevision.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            found = conn.execute(select(table.c.revision).where(table.c.id == 1)).scalar()
        return int(found or 0)

    def events_after(self, instant: datetime) -> dict[str, pd.DataFrame]:
        """What is on file after `instant` that could move a clock, for working out how long
        verdicts judged at `instant` hold (`models.engine.advance.horizon`):
        - "leads": live leads with a handoff, assignment or rejection after it (handed_off_at,
          assigned_at, rejected_at: all three, for the window test);
        - "deals": closed_won_at of live deals won after it;
        - "activities": per lead, its first call, email or meeting after it (lead_id, first_at).
        Usually nearly empty right after a sync; future-dated meetings are what it mostly holds."""
        lead = T.Lead.__table__  # type: ignore[attr-defined]
        deal = T.Deal.__table__  # type: ignore[attr-defined]
        activity = T.Activity.__table__  # type: ignore[attr-defined]
        times = ("handed_off_at", "assigned_at", "rejected_at")
        queries = {
            "leads": select(*(lead.c[name] for name in times)).where(
                lead.c.deleted_at.is_(None), or_(*(lead.c[name] > instant for name in times))
            ),
            "deals": select(deal.c.closed_won_at).where(
                deal.c.deleted_at.is_(None), deal.c.closed_won_at > instant
            ),
            "activities": select(
                activity.c.lead_id, func.min(activity.c.occurred_at).label("first_at")
            )
            .where(
                activity.c.deleted_at.is_(None),
                activity.c.type.in_(CLOCK_ACTIVITY_TYPES),
                activity.c.occurred_at > instant,
            )
            .group_by(activity.c.lead_id),
        }
        found: dict[str, pd.DataFrame] = {}
        with self.engine.connect() as conn:
            for name, query in queries.items():
                rows = conn.execute(query).all()
                frame = pd.DataFrame([tuple(r) for r in rows], columns=list(query.selected_columns.keys()))
                for column in frame.columns:
                    if column != "lead_id":
                        # Aggregates come back as text on SQLite: one aware UTC type for all.
                        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
                found[name] = frame
        return found

    def save_cached_verdicts(self, *, revision: int, **row: Any) -> bool:
        """Keep one month's verdicts (replacing the month's earlier row). Nothing is kept, and
        False returned, when the data moved on since `revision` was read: the verdicts were
        computed from data that is no longer current."""
        revisions = T.DataRevision.__table__  # type: ignore[attr-defined]
        table = T.VerdictCache.__table__  # type: ignore[attr-defined]
        sqlite = self.engine.dialect.name == "sqlite"
        try:
            with self.engine.begin() as conn:
                if sqlite:
                    # A page keeping what it judged must not wait out an import's long write
                    # transaction (SQLite has one writer); not keeping it only costs a re-judge.
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {_SAVE_WAIT_MS}")
                try:
                    current = conn.execute(
                        select(revisions.c.revision).where(revisions.c.id == 1)
                    ).scalar()
                    if int(current or 0) != revision:
                        return False
                    conn.execute(delete(table).where(table.c.month == row["month"]))
                    conn.execute(insert(table).values(revision=revision, **row))
                finally:
                    if sqlite:
                        conn.exec_driver_sql(f"PRAGMA busy_timeout = {_BUSY_MS}")
        except IntegrityError:
            return False  # another server kept the same month at the same moment: theirs stays
        except OperationalError as exc:
            if sqlite and "locked" in str(exc):
                return False  # a writer holds the database: keep it next time
            raise
        return True

    def read_cached_verdicts(self, month: str) -> dict[str, Any] | None:
        """The month's cached row without its items (the head is what most readers need)."""
        table = T.VerdictCache.__table__  # type: ignore[attr-defined]
        columns = [c for c in table.c if c.name != "items"]
        with self.engine.connect() as conn:
            row = conn.execute(select(*columns).where(table.c.month == month)).mappings().first()
        return dict(row) if row is not None else None

    def read_cached_items(self, month: str, revision: int, as_of: datetime) -> bytes | None:
        """The items of the cached row read before (None when it has been replaced since)."""
        table = T.VerdictCache.__table__  # type: ignore[attr-defined]
        stmt = select(table.c["items"]).where(
            table.c.month == month, table.c.revision == revision, table.c.as_of == as_of
        )
        with self.engine.connect() as conn:
            found = conn.execute(stmt).scalar()
        return bytes(found) if found is not None else None

    def read_cache_status(self) -> list[dict[str, Any]]:
        """Every cached month without head or items, oldest month first."""
        table = T.VerdictCache.__table__  # type: ignore[attr-defined]
        columns = [c for c in table.c if c.name not in ("head", "items")]
        with self.engine.connect() as conn:
            rows = conn.execute(select(*columns).order_by(table.c.month)).mappings().all()
        return [dict(r) for r in rows]

    def clear_cached_verdicts(self) -> int:
        """Forget every cached month; returns how many there were."""
        table = T.VerdictCache.__table__  # type: ignore[attr-defined]
        with self.engine.begin() as conn:
            return conn.execute(delete(table)).rowcount or 0
