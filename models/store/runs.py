"""The store's bookkeeping: import and sync runs, sync cursors, and generic bookkeeping rows.

Part of the store (every SQL statement lives in `models/store*.py`); `Store` inherits it.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import Connection, Engine, case, delete, func, insert, select, update
from sqlmodel import SQLModel

from models import tables as T
from models.store.frames import read_frame


def utcnow() -> datetime:
    """The store's clock for bookkeeping columns (never used by the SLA engine)."""
    return datetime.now(UTC)


class BookkeepingStore:
    """Import and sync runs, sync cursors and other bookkeeping rows (their writes leave the
    data revision alone: they are not CRM data)."""

    engine: Engine

    if TYPE_CHECKING:  # provided by Store

        def _tx(self, conn: Connection | None) -> AbstractContextManager[Connection]: ...

    # ---------------------------------------------------------------- runs (import, sync)
    def start_run(self, model: type[SQLModel], **values: Any) -> int:
        table = model.__table__  # type: ignore[attr-defined]
        values.setdefault("started_at", utcnow())
        with self.engine.begin() as conn:
            result = conn.execute(insert(table).values(**values).returning(table.c.id))
            return int(result.scalar_one())

    def finish_run(
        self,
        model: type[SQLModel],
        run_id: int,
        *,
        status: str,
        counts: dict[str, Any] | None = None,
        error: str | None = None,
        **values: Any,
    ) -> None:
        table = model.__table__  # type: ignore[attr-defined]
        values.update(status=status, finished_at=utcnow(), error=error)
        if counts is not None:
            values["counts"] = json.dumps(counts, sort_keys=True)
        with self.engine.begin() as conn:
            conn.execute(update(table).where(table.c.id == run_id).values(**values))

    def update_run(self, model: type[SQLModel], run_id: int, **values: Any) -> None:
        table = model.__table__  # type: ignore[attr-defined]
        with self.engine.begin() as conn:
            conn.execute(update(table).where(table.c.id == run_id).values(**values))

    def read_runs(self, model: type[SQLModel], limit: int = 20) -> pd.DataFrame:
        """The newest runs first."""
        table = model.__table__  # type: ignore[attr-defined]
        stmt = select(table).order_by(table.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return read_frame(conn, stmt, table)

    # ---------------------------------------------------------------- sync state
    def read_sync_state(
        self, source: str, object_type: str, *, conn: Connection | None = None
    ) -> dict[str, Any] | None:
        table = T.SyncState.__table__  # type: ignore[attr-defined]
        stmt = select(table).where(table.c.source == source, table.c.object_type == object_type)
        with self._tx(conn) as tx:
            row = tx.execute(stmt).mappings().first()
        return dict(row) if row else None

    def save_sync_state(
        self, source: str, object_type: str, *, conn: Connection | None = None, **values: Any
    ) -> None:
        """Insert or update the cursor; call it inside the transaction that wrote the page."""
        table = T.SyncState.__table__  # type: ignore[attr-defined]
        values["updated_at"] = utcnow()
        with self._tx(conn) as tx:
            found = tx.execute(
                update(table)
                .where(table.c.source == source, table.c.object_type == object_type)
                .values(**values)
            )
            if not found.rowcount:
                tx.execute(insert(table).values(source=source, object_type=object_type, **values))

    def clear_sync_state(self, source: str, *, conn: Connection | None = None) -> None:
        table = T.SyncState.__table__  # type: ignore[attr-defined]
        with self._tx(conn) as tx:
            tx.execute(delete(table).where(table.c.source == source))

    def read_sync_states(self, source: str) -> pd.DataFrame:
        table = T.SyncState.__table__  # type: ignore[attr-defined]
        stmt = select(table).where(table.c.source == source).order_by(table.c.object_type)
        with self.engine.connect() as conn:
            return read_frame(conn, stmt, table)

    # ---------------------------------------------------------------- generic bookkeeping
    def insert_row(self, model: type[SQLModel], **values: Any) -> int | None:
        """Insert one bookkeeping row; returns its integer id when the table has one."""
        table = model.__table__  # type: ignore[attr-defined]
        with self.engine.begin() as conn:
            if "id" in table.c:
                return int(
                    conn.execute(insert(table).values(**values).returning(table.c.id)).scalar_one()
                )
            conn.execute(insert(table).values(**values))
            return None

    def update_rows(self, model: type[SQLModel], where: dict[str, Any], **values: Any) -> int:
        table = model.__table__  # type: ignore[attr-defined]
        stmt = update(table).values(**values)
        for name, value in where.items():
            stmt = stmt.where(table.c[name] == value)
        with self.engine.begin() as conn:
            return conn.execute(stmt).rowcount or 0

    def select_rows(
        self,
        model: type[SQLModel],
        where: dict[str, Any] | None = None,
        *,
        order_by: str | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Rows of a bookkeeping table filtered by equality (a list value means IN)."""
        table = model.__table__  # type: ignore[attr-defined]
        stmt = select(table)
        for name, value in (where or {}).items():
            if isinstance(value, list | tuple | set):
                stmt = stmt.where(table.c[name].in_(list(value)))
            elif value is None:
                stmt = stmt.where(table.c[name].is_(None))
            else:
                stmt = stmt.where(table.c[name] == value)
        if order_by:
            column = table.c[order_by]
            stmt = stmt.order_by(column.desc() if descending else column)
        if limit:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            return read_frame(conn, stmt, table)

    def read_change_marker(self) -> str:
        """A short fingerprint that moves with every import, sync, SLA version, frozen month,
        dispute decision and write to the CRM tables (the data revision its triggers keep):
        the dashboard keys its caches on it. One connection and a few indexed lookups."""
        marked = (
            (T.ImportRun, ("status", "finished_at")),
            (T.SyncRun, ("status", "finished_at")),
            (T.SlaVersion, ()),
            (T.VerdictSnapshot, ("superseded_at",)),
        )
        parts: list[str] = []
        with self.engine.connect() as conn:
            for model, extra in marked:
                table = model.__table__  # type: ignore[attr-defined,union-attr]
                columns = [table.c.id, *(table.c[name] for name in extra if name in table.c)]
                row = conn.execute(select(*columns).order_by(table.c.id.desc()).limit(1)).first()
                parts.append(":".join(str(value) for value in row) if row is not None else "0")
            disputes = T.Dispute.__table__  # type: ignore[attr-defined]
            # A decision changes an old row: count decisions rather than look at the newest.
            total, decided = conn.execute(
                select(func.count(), func.sum(case((disputes.c.status != "pending", 1), else_=0)))
            ).one()
            parts.append(f"{int(total or 0)}:{int(decided or 0)}")
            revision = T.DataRevision.__table__  # type: ignore[attr-defined]
            found = conn.execute(select(revision.c.revision).where(revision.c.id == 1)).scalar()
            parts.append(f"r{int(found or 0)}")
        return "|".join(parts)
