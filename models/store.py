"""The store: every SQL statement of Handoff lives here. Reads return DataFrames.

The same code runs on SQLite and PostgreSQL: upserts use `INSERT ... ON CONFLICT (key) DO UPDATE`,
which both dialects accept verbatim. Timestamps come back as timezone-aware UTC columns.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlmodel import SQLModel

from models import columns as C
from models import tables as T
from models.db import get_engine, upgrade_schema
from models.settings import load_settings
from models.store_cache import VerdictCacheStore, bump_revision

CANONICAL_TABLES: dict[str, type[SQLModel]] = {
    "team": T.Team,
    "owner": T.Owner,
    "lead": T.Lead,
    "activity": T.Activity,
    "deal": T.Deal,
}
SOFT_DELETED = ("lead", "activity", "deal")
_CHUNK = 20_000
_IDS_PER_QUERY = 20_000
_COPY_FROM = 1_000  # rows; below this PostgreSQL upserts row by row (no scratch table)


def utcnow() -> datetime:
    """The store's clock for bookkeeping columns (never used by the SLA engine)."""
    return datetime.now(UTC)


def _table(entity: str) -> Any:
    return CANONICAL_TABLES[entity].__table__  # type: ignore[attr-defined]


def _timestamp_columns(table: Any) -> list[str]:
    return [c.name for c in table.columns if isinstance(c.type, T.UTCDateTime)]


def as_utc(values: pd.Series) -> pd.Series:
    """Any timestamp column (aware, naive UTC text from SQLite, or None) as aware UTC datetimes."""
    if values.empty:
        return pd.Series(pd.DatetimeIndex([], tz="UTC"), index=values.index, name=values.name)
    converted = pd.to_datetime(values, utc=True, format="ISO8601")
    return converted.astype("datetime64[us, UTC]")


class Store(VerdictCacheStore):
    """Handle on one database. Methods open their own transaction unless given a connection.

    Every write of CRM data also bumps the data revision in the same transaction
    (`store_cache.bump_revision`), which is what cached verdicts are checked against."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = url or load_settings().database_url
        self.engine: Engine = get_engine(self.url)
        if migrate:
            upgrade_schema(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One atomic unit of work: everything written through `conn` commits or nothing does."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _tx(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
        else:
            with self.engine.begin() as own:
                yield own

    # ---------------------------------------------------------------- canonical writes
    def upsert_frame(
        self,
        entity: str,
        frame: pd.DataFrame,
        *,
        origin: str | None = None,
        conn: Connection | None = None,
    ) -> int:
        """Insert or update rows by id. Columns not in `frame` are left alone on update.

        Timestamps must be timezone-aware (or None). A re-sent row clears `deleted_at` unless
        the frame carries that column itself.
        """
        if frame.empty:
            return 0
        table = _table(entity)
        key = table.primary_key.columns.values()[0].name
        names = [c for c in frame.columns if c in table.columns]
        frame = frame[names].copy()
        if origin is not None and "origin" not in names:
            frame["origin"] = origin
        if entity in SOFT_DELETED and C.DELETED_AT not in frame.columns:
            frame[C.DELETED_AT] = None
        names = list(frame.columns)
        for name in set(_timestamp_columns(table)) & set(names):
            frame[name] = self._format_timestamps(frame[name], entity, name)
        updates = ", ".join(f"{n} = excluded.{n}" for n in names if n != key)
        marks = ", ".join(self._placeholder() for _ in names)
        conflict = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
        sql = (
            f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks}) "
            f"ON CONFLICT ({key}) {conflict}"
        )
        with self._tx(conn) as tx:
            bump_revision(tx)
            if self.dialect == "postgresql" and len(frame) >= _COPY_FROM:
                self._upsert_by_copy(tx, table.name, key, frame, conflict)
                return len(frame)
            # Python tuples cost ~10x the frame's memory: build them one chunk at a time.
            for start in range(0, len(frame), _CHUNK):
                params = _frame_to_rows(frame.iloc[start : start + _CHUNK])
                tx.exec_driver_sql(sql, params)  # type: ignore[arg-type]
        return len(frame)

    def _upsert_by_copy(
        self, tx: Connection, table_name: str, key: str, frame: pd.DataFrame, conflict: str
    ) -> None:
        """PostgreSQL bulk path: COPY into a scratch table, then one INSERT ... ON CONFLICT.

        Row-by-row INSERTs take ~40 s per million rows on PostgreSQL; COPY takes a few. The
        scratch table has no constraints, and a key sent twice keeps its last row, as the
        row-by-row path would.
        """
        frame = frame.drop_duplicates(subset=[key], keep="last")
        names = ", ".join(frame.columns)
        scratch = f"_upsert_{table_name}"
        tx.exec_driver_sql(f"DROP TABLE IF EXISTS {scratch}")
        tx.exec_driver_sql(
            f"CREATE TEMP TABLE {scratch} ON COMMIT DROP AS "
            f"SELECT {names} FROM {table_name} WITH NO DATA"
        )
        cursor = tx.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {scratch} ({names}) FROM STDIN") as copy:
            for start in range(0, len(frame), _CHUNK):
                for row in _frame_to_rows(frame.iloc[start : start + _CHUNK]):
                    copy.write_row(row)
        tx.exec_driver_sql(
            f"INSERT INTO {table_name} ({names}) SELECT {names} FROM {scratch} "
            f"ON CONFLICT ({key}) {conflict}"
        )
        tx.exec_driver_sql(f"DROP TABLE {scratch}")

    def _placeholder(self) -> str:
        return "?" if self.engine.dialect.paramstyle == "qmark" else "%s"

    def _format_timestamps(self, values: pd.Series, entity: str, name: str) -> pd.Series:
        converted = pd.to_datetime(values, utc=False, format="ISO8601")
        if converted.dt.tz is None and converted.notna().any():
            raise ValueError(f"{entity}.{name}: timestamps must be timezone-aware")
        converted = converted.dt.tz_convert("UTC") if converted.dt.tz is not None else converted
        if self.dialect == "sqlite":
            text_values = converted.dt.strftime("%Y-%m-%d %H:%M:%S.%f")
        else:
            text_values = converted.dt.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
        return text_values.astype(object).where(converted.notna(), None)

    def mark_deleted(
        self, entity: str, ids: Iterable[str], at: datetime, *, conn: Connection | None = None
    ) -> int:
        """Soft-delete (archived in the CRM): kept, but left out of exports and verdicts."""
        table = _table(entity)
        key = table.primary_key.columns.values()[0]
        id_list = list(ids)
        if not id_list:
            return 0
        if entity == "owner":
            stmt = update(table).where(key.in_(bindparam("ids", expanding=True)))
            stmt = stmt.values(active=False)
        else:
            stmt = update(table).where(key.in_(bindparam("ids", expanding=True))).values(
                deleted_at=at
            )
        count = 0
        with self._tx(conn) as tx:
            bump_revision(tx)
            for start in range(0, len(id_list), 5000):
                result = tx.execute(stmt, {"ids": id_list[start : start + 5000]})
                count += result.rowcount or 0
        return count

    def delete_origin(self, origin: str, *, conn: Connection | None = None) -> None:
        """Remove every canonical row that came from one origin (the demo replaces itself)."""
        with self._tx(conn) as tx:
            bump_revision(tx)
            for entity in ("deal", "activity", "lead", "owner", "team"):
                table = _table(entity)
                tx.execute(delete(table).where(table.c.origin == origin))

    # ---------------------------------------------------------------- canonical reads
    def read_entity(
        self,
        entity: str,
        *,
        include_deleted: bool = False,
        ids: Sequence[str] | None = None,
        conn: Connection | None = None,
    ) -> pd.DataFrame:
        """A whole canonical table (or the rows with `ids`) with aware UTC timestamps."""
        table = _table(entity)
        stmt = select(table)
        if entity in SOFT_DELETED and not include_deleted:
            stmt = stmt.where(table.c.deleted_at.is_(None))
        if ids is not None:
            key = table.primary_key.columns.values()[0]
            stmt = stmt.where(key.in_(bindparam("ids", expanding=True)))
        key_name = table.primary_key.columns.values()[0].name
        stmt = stmt.order_by(table.c[key_name])
        with self._tx(conn) as tx:
            if ids is not None:
                return _read_by_ids(tx, stmt, table, ids, [c.name for c in table.columns])
            return _read(tx, stmt, table)

    def read_leads_handed_off(
        self, start: datetime, end: datetime, *, conn: Connection | None = None
    ) -> pd.DataFrame:
        """Live leads whose `handed_off_at` is in [start, end)."""
        table = _table("lead")
        stmt = select(table).where(
            table.c.deleted_at.is_(None),
            table.c.handed_off_at >= start,
            table.c.handed_off_at < end,
        )
        with self._tx(conn) as tx:
            return _read(tx, stmt, table)

    def read_handoff_outcomes(
        self, start: datetime, end: datetime, as_of: datetime, *, conn: Connection | None = None
    ) -> pd.DataFrame:
        """Live leads handed off in [start, end) and by `as_of`, with only what the friction report
        needs: lead_id, owner_id, source, handed_off_at, rejected_at, rejection_reason (a rejection
        after `as_of` is not known yet and comes back as None)."""
        table = _table("lead")
        names = (C.LEAD_ID, C.OWNER_ID, C.SOURCE, C.HANDED_OFF_AT, C.REJECTED_AT, C.REJECTION_REASON)
        stmt = select(*[table.c[n] for n in names]).where(
            table.c.deleted_at.is_(None),
            table.c.handed_off_at >= start,
            table.c.handed_off_at < end,
            table.c.handed_off_at <= as_of,
        )
        with self._tx(conn) as tx:
            leads = _read(tx, stmt, table)
        late = leads[C.REJECTED_AT] > pd.Timestamp(as_of)
        leads.loc[late, [C.REJECTED_AT, C.REJECTION_REASON]] = None
        return leads

    def read_activities_for_leads(
        self, lead_ids: Sequence[str], *, conn: Connection | None = None
    ) -> pd.DataFrame:
        """Live activities of the given leads (without bodies, which the engine never needs)."""
        table = _table("activity")
        cols = [c for c in table.columns if c.name != C.BODY]
        stmt = select(*cols).where(
            table.c.deleted_at.is_(None), table.c.lead_id.in_(bindparam("ids", expanding=True))
        )
        with self._tx(conn) as tx:
            return _read_by_ids(tx, stmt, table, lead_ids, [c.name for c in cols])

    def read_activity_bodies(
        self, lead_ids: Sequence[str], types: Sequence[str], *, conn: Connection | None = None
    ) -> pd.DataFrame:
        """Live activities of the given leads and types that have a body (for the friction report):
        activity_id, lead_id, type, occurred_at, owner_id, body, ordered by activity_id."""
        table = _table("activity")
        names = (C.ACTIVITY_ID, C.LEAD_ID, C.TYPE, C.OCCURRED_AT, C.OWNER_ID, C.BODY)
        stmt = (
            select(*[table.c[n] for n in names])
            .where(
                table.c.deleted_at.is_(None),
                table.c.body.is_not(None),
                table.c.type.in_(list(types)),
                table.c.lead_id.in_(bindparam("ids", expanding=True)),
            )
            .order_by(table.c.activity_id)
        )
        with self._tx(conn) as tx:
            return _read_by_ids(tx, stmt, table, lead_ids, list(names))

    def read_deals_closed(
        self, start: datetime, end: datetime, *, conn: Connection | None = None
    ) -> pd.DataFrame:
        table = _table("deal")
        stmt = select(table).where(
            table.c.deleted_at.is_(None),
            table.c.closed_won_at >= start,
            table.c.closed_won_at < end,
        )
        with self._tx(conn) as tx:
            return _read(tx, stmt, table)

    def read_keys(
        self, entity: str, *, include_deleted: bool = True, conn: Connection | None = None
    ) -> pd.Index:
        """The ids of one canonical table (cheap: no other column), e.g. to resolve references."""
        table = _table(entity)
        key = table.primary_key.columns.values()[0]
        stmt = select(key)
        if entity in SOFT_DELETED and not include_deleted:
            stmt = stmt.where(table.c.deleted_at.is_(None))
        with self._tx(conn) as tx:
            ids = tx.execute(stmt).scalars().all()
        return pd.Index(list(ids), dtype=object, name=key.name)

    def count_rows(self, *, conn: Connection | None = None) -> dict[str, int]:
        """Live rows per canonical entity."""
        out: dict[str, int] = {}
        with self._tx(conn) as tx:
            for entity in CANONICAL_TABLES:
                table = _table(entity)
                stmt = select(func.count()).select_from(table)
                if entity in SOFT_DELETED:
                    stmt = stmt.where(table.c.deleted_at.is_(None))
                out[entity] = int(tx.execute(stmt).scalar_one())
        return out

    def has_live_rows(self, entity: str) -> bool:
        """Whether any live row exists (far cheaper than counting them on a big table)."""
        table = _table(entity)
        stmt = select(literal(1)).select_from(table)
        if entity in SOFT_DELETED:
            stmt = stmt.where(table.c.deleted_at.is_(None))
        with self.engine.connect() as conn:
            return conn.execute(stmt.limit(1)).first() is not None

    def read_time_range(
        self, entity: str, column: str
    ) -> tuple[datetime | None, datetime | None]:
        """MIN and MAX of one timestamp column over live rows ((None, None) when there are none).

        As the first row each way in the column's order: with an index that stops at the first
        live row, where MIN/MAX with a live-rows condition would scan the table."""
        table = _table(entity)
        found = []
        with self.engine.connect() as conn:
            for order in (table.c[column].asc(), table.c[column].desc()):
                stmt = select(table.c[column]).where(table.c[column].is_not(None))
                if entity in SOFT_DELETED:
                    stmt = stmt.where(table.c.deleted_at.is_(None))
                found.append(conn.execute(stmt.order_by(order).limit(1)).scalar())
        ends = as_utc(pd.Series(found, dtype=object))
        return tuple(None if pd.isna(v) else v.to_pydatetime() for v in ends)  # type: ignore[return-value]

    def read_distinct(self, entity: str, column: str) -> list[Any]:
        """Distinct non-null values of one column over live rows, sorted (for filters).

        An indexed column is read by a loose index scan, one lookup per distinct value (a
        dozen sources among a million leads: milliseconds instead of a full scan)."""
        table = _table(entity)
        col = table.c[column]
        live = [table.c.deleted_at.is_(None)] if entity in SOFT_DELETED else []
        indexed = any(index.columns.values()[0] is col for index in table.indexes)
        with self.engine.connect() as conn:
            if not indexed:
                stmt = select(col).where(col.is_not(None), *live).distinct()
                return sorted(row[0] for row in conn.execute(stmt))
            values: list[Any] = []
            following = select(func.min(col)).where(col.is_not(None), *live)
            value = conn.execute(following).scalar()
            while value is not None:
                values.append(value)
                value = conn.execute(following.where(col > value)).scalar()
            return values

    def data_overview(self) -> dict[str, pd.DataFrame]:
        """What is loaded, for the Data page: owners by tier and team, leads by month and team."""
        with self.engine.connect() as conn:
            owners = pd.read_sql(
                text(
                    "SELECT t.tier AS tier, t.team_id AS team_id, t.name AS team, "
                    "COUNT(o.owner_id) AS owners, "
                    "SUM(CASE WHEN o.active THEN 1 ELSE 0 END) AS active_owners "
                    "FROM team t LEFT JOIN owner o ON o.team_id = t.team_id "
                    "GROUP BY t.tier, t.team_id, t.name ORDER BY t.tier, t.name"
                ),
                conn,
            )
            leads = pd.read_sql(
                text(
                    "SELECT l.handed_off_at AS handed_off_at, l.created_at AS created_at, "
                    "l.rejected_at AS rejected_at, o.team_id AS team_id "
                    "FROM lead l LEFT JOIN owner o ON o.owner_id = l.owner_id "
                    "WHERE l.deleted_at IS NULL"
                ),
                conn,
            )
            activities = pd.read_sql(
                text(
                    "SELECT type, COUNT(*) AS activities, MIN(occurred_at) AS first, "
                    "MAX(occurred_at) AS last FROM activity WHERE deleted_at IS NULL "
                    "GROUP BY type ORDER BY type"
                ),
                conn,
            )
            deals = pd.read_sql(
                text(
                    "SELECT COUNT(*) AS deals, MIN(closed_won_at) AS first, "
                    "MAX(closed_won_at) AS last FROM deal WHERE deleted_at IS NULL"
                ),
                conn,
            )
        for name in ("handed_off_at", "created_at", "rejected_at"):
            leads[name] = as_utc(leads[name])
        for frame in (activities, deals):
            for name in ("first", "last"):
                frame[name] = as_utc(frame[name])
        return {"owners": owners, "leads": leads, "activities": activities, "deals": deals}

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
            return _read(conn, stmt, table)

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
            return _read(conn, stmt, table)

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
            return _read(conn, stmt, table)

    # ---------------------------------------------------------------- SLA engine reads and records
    def read_sla_inputs(
        self, window_start: datetime, window_end: datetime, as_of: datetime
    ) -> dict[str, pd.DataFrame]:
        """What the SLA engine needs for clocks starting in [window_start, window_end), as known
        at `as_of`: live leads handed off by `as_of` whose handoff or assignment falls in the
        window, deals closed won in the window (and their leads), the calls, emails and meetings
        of all those leads from the window start until `as_of`, every owner and team."""
        return next(self.read_sla_inputs_windows([(window_start, window_end)], as_of))

    def read_sla_inputs_windows(
        self, windows: Sequence[tuple[datetime, datetime]], as_of: datetime
    ) -> Iterator[dict[str, pd.DataFrame]]:
        """`read_sla_inputs` for each of several windows (a trend's months), one at a time: the
        lead table is scanned once for all of them and each window's leads and deals picked out
        by the same conditions; activities are read when a window's turn comes."""
        start, end = min(w[0] for w in windows), max(w[1] for w in windows)
        union = self._read_sla_leads(start, end, as_of)
        owners, teams = self.read_entity("owner"), self.read_entity("team")
        upto = pd.Timestamp(as_of)
        for window_start, window_end in windows:
            ws, we = pd.Timestamp(window_start), pd.Timestamp(window_end)
            deals = union["deals"]
            closed = deals["closed_won_at"]
            deals = deals[(closed >= ws) & (closed < we) & (closed <= upto)]
            found = union["leads"]
            handed, assigned = found["handed_off_at"], found["assigned_at"]
            found = found[
                (handed <= upto)
                & (((handed >= ws) & (handed < we)) | ((assigned >= ws) & (assigned < we)))
            ]
            of_deals = union["deal_leads"]
            of_deals = of_deals[of_deals["lead_id"].isin(deals["lead_id"])]
            leads = pd.concat([found, of_deals], ignore_index=True).drop_duplicates("lead_id")
            if "_row" in leads.columns:  # SQLite: the table's order, as one scan would give
                order = leads.pop("_row").astype("int64").to_numpy()
                leads = leads.iloc[np.argsort(order, kind="stable")]
            leads = leads.reset_index(drop=True)
            yield {
                "leads": leads,
                "deals": deals.reset_index(drop=True),
                "activities": self._read_sla_activities(list(leads["lead_id"]), ws, upto),
                "owners": owners,
                "teams": teams,
            }

    def _sla_values(self, **instants: datetime) -> dict[str, Any]:
        names = list(instants)
        formatted = self._format_timestamps(
            pd.Series([instants[n] for n in names], dtype=object), "lead", C.HANDED_OFF_AT
        ).tolist()
        return dict(zip(names, formatted, strict=True))

    def _read_sla_leads(
        self, window_start: datetime, window_end: datetime, as_of: datetime
    ) -> dict[str, pd.DataFrame]:
        """Leads handed off or assigned in the window (handed off by as_of), the deals closed won
        in it by as_of, and those deals' leads (read_sla_inputs picks per window from these)."""
        sqlite = self.dialect == "sqlite"
        # What the engine reads of a lead (not created_at or rejection_reason); on SQLite also
        # the rowid, to keep the table's order when the two lead queries are merged.
        lead_cols = (
            "rowid AS _row, " if sqlite else ""
        ) + "lead_id, handed_off_at, assigned_at, owner_id, source, status, rejected_at"
        in_window = (
            "deleted_at IS NULL AND closed_won_at >= :ws AND closed_won_at < :we "
            "AND closed_won_at <= :as_of"
        )
        handed = (
            "deleted_at IS NULL AND handed_off_at IS NOT NULL AND handed_off_at <= :as_of AND ("
            "(handed_off_at >= :ws AND handed_off_at < :we) OR "
            "(assigned_at >= :ws AND assigned_at < :we))"
        )
        # Assignments in the window have no index to use, so the lead table is read in full;
        # on SQLite a plain scan costs half of walking the handed_off_at index over it. The
        # leads of the window's deals come from a second query by key: tested inside the scan,
        # that membership test cost more than the scan itself.
        lead_table = "lead NOT INDEXED" if sqlite else "lead"
        queries = {
            "leads": f"SELECT {lead_cols} FROM {lead_table} WHERE {handed}",
            "deal_leads": f"SELECT {lead_cols} FROM lead WHERE deleted_at IS NULL "
            f"AND lead_id IN (SELECT lead_id FROM deal WHERE {in_window})",
            "deals": f"SELECT deal_id, lead_id, closed_won_at, owner_id, amount FROM deal WHERE {in_window}",
        }
        values = self._sla_values(ws=window_start, we=window_end, as_of=as_of)
        # Raw DB-API cursors with positional parameters: SQLAlchemy's Row objects and its
        # compilation of thousands of expanding parameters cost more than the queries here.
        with self.engine.connect() as conn:
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            if sqlite:
                cursor.execute("PRAGMA mmap_size = 4294967296")  # see _read_sla_activities
            try:
                return {
                    name: _frame_of(cursor, *self._positional(sql, values))
                    for name, sql in queries.items()
                }
            finally:
                cursor.close()

    def _read_sla_activities(
        self, lead_ids: list[str], window_start: datetime, as_of: datetime
    ) -> pd.DataFrame:
        """Only what can stop a clock: the leads' calls, emails and meetings from the window
        start to as_of."""
        coded = ", ".join(_coded_select(name, labels) for name, labels in _CODED.items())
        activity_sql = (
            f"SELECT activity_id, lead_id, occurred_at, owner_id, {coded} "
            "FROM activity WHERE deleted_at IS NULL AND type IN ('call', 'email', 'meeting') "
            "AND occurred_at >= :ws AND occurred_at <= :as_of AND lead_id IN :ids"
        )
        values = self._sla_values(ws=window_start, as_of=as_of)
        with self.engine.connect() as conn:
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            if self.dialect == "sqlite":
                # Activities are fetched by lead through an index, i.e. scattered pages: reading
                # them through a memory map instead of read() calls is about a third faster.
                cursor.execute("PRAGMA mmap_size = 4294967296")
            try:
                chunks = []
                for lo in range(0, max(len(lead_ids), 1), 20_000):
                    ids = lead_ids[lo : lo + 20_000] or ["-"]
                    marks = ", ".join([self._placeholder()] * len(ids))
                    sql, params = self._positional(activity_sql.replace(":ids", f"({marks})"), values)
                    chunks.append(_frame_of(cursor, sql, (*params, *ids)))
            finally:
                cursor.close()
        activities = pd.concat(chunks, ignore_index=True)
        for name, labels in _CODED.items():
            activities[name] = _decode_coded(activities, name, labels)
        return activities

    def _positional(self, sql: str, values: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
        """`:name` markers -> the driver's positional placeholders and the values in order."""
        names = re.findall(r":(\w+)", sql)
        return re.sub(r":\w+", lambda _m: self._placeholder(), sql), tuple(values[n] for n in names)

    def read_approved_exclusions(self) -> pd.DataFrame:
        """Approved disputes and exclusions: sla_id, item_id, reason, kind."""
        table = T.Dispute.__table__  # type: ignore[attr-defined]
        stmt = select(table.c.sla_id, table.c.item_id, table.c.reason, table.c.kind).where(
            table.c.status == "approved"
        )
        with self.engine.connect() as conn:
            rows = conn.execute(stmt.order_by(table.c.id)).fetchall()
        return pd.DataFrame.from_records(rows, columns=["sla_id", "item_id", "reason", "kind"])

    def replace_snapshot(
        self, month: str, payload: str, *, frozen_at: datetime, frozen_by: str | None, note: str | None
    ) -> int:
        """Store a frozen month; an earlier snapshot of it is kept, marked superseded (one
        transaction, so a month never has two current snapshots or none)."""
        table = T.VerdictSnapshot.__table__  # type: ignore[attr-defined]
        with self.engine.begin() as conn:
            conn.execute(
                update(table)
                .where(table.c.month == month, table.c.superseded_at.is_(None))
                .values(superseded_at=frozen_at)
            )
            new_id = conn.execute(
                insert(table)
                .values(month=month, frozen_at=frozen_at, frozen_by=frozen_by, note=note, payload=payload)
                .returning(table.c.id)
            ).scalar_one()
        return int(new_id)

    def read_current_snapshot(self, month: str) -> dict[str, Any] | None:
        """The month's current (not superseded) snapshot without reading its items into Python:
        id, frozen_at, frozen_by, note, times_frozen (snapshots of the month ever taken) and
        `head`, the payload up to its first line break (all of it when it has none)."""
        table = T.VerdictSnapshot.__table__  # type: ignore[attr-defined]
        payload = table.c.payload
        head: Any
        if self.dialect == "postgresql":
            head = func.split_part(payload, "\n", 1)
        else:
            cut = func.instr(payload, "\n")
            head = case((cut > 0, func.substr(payload, 1, cut - 1)), else_=payload)
        times = (
            select(func.count()).select_from(table).where(table.c.month == month).scalar_subquery()
        )
        stmt = (
            select(
                table.c.id,
                table.c.frozen_at,
                table.c.frozen_by,
                table.c.note,
                times.label("times_frozen"),
                head.label("head"),
            )
            .where(table.c.month == month, table.c.superseded_at.is_(None))
            .order_by(table.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(stmt).mappings().first()
        return dict(row) if row is not None else None

    def read_snapshot_payload(self, snapshot_id: int) -> str:
        """The whole stored payload of one snapshot (current or superseded)."""
        table = T.VerdictSnapshot.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            payload = conn.execute(
                select(table.c.payload).where(table.c.id == snapshot_id)
            ).scalar_one()
        return str(payload)

    def truncate_all(self) -> None:
        """Empty every table (tests and `handoff demo --replace` on a scratch database); the data
        revision only moves on, so nothing cached before can pass for the new data."""
        names = [
            t.name
            for t in reversed(SQLModel.metadata.sorted_tables)
            if t.name != T.DataRevision.__tablename__
        ]
        with self.engine.begin() as conn:
            bump_revision(conn)
            if self.dialect == "postgresql":
                conn.exec_driver_sql(f"TRUNCATE {', '.join(names)} RESTART IDENTITY")
            else:
                for name in names:
                    conn.exec_driver_sql(f"DELETE FROM {name}")


def _frame_to_rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    columns = []
    for name in frame.columns:
        values = frame[name]
        if values.dtype == bool:
            columns.append([bool(v) for v in values])
            continue
        if pd.api.types.is_float_dtype(values.dtype):
            array = values.to_numpy(dtype=object)
            mask = values.isna().to_numpy()
            array[mask] = None
            columns.append(array.tolist())
            continue
        as_object = values.astype(object)
        columns.append(as_object.where(values.notna(), None).tolist())
    return list(zip(*columns, strict=True))


# Activity fields with few values, read by the SLA engine as small integer codes (no string
# object per row, no hashing them again) and returned as categoricals of the same values; a
# value outside the known labels arrives in a second column, `<name>_other`.
_CODED = {
    C.TYPE: ("call", "email", "meeting"),
    C.DIRECTION: ("outbound", "inbound"),
    C.OUTCOME: (
        "connected",
        "no_answer",
        "left_voicemail",
        "left_live_message",
        "busy",
        "wrong_number",
    ),
}


def _coded_select(name: str, labels: tuple[str, ...]) -> str:
    whens = " ".join(f"WHEN '{label}' THEN {code}" for code, label in enumerate(labels))
    known = ", ".join(f"'{label}'" for label in labels)
    return (
        f"CASE {name} {whens} END AS {name}, "
        f"CASE WHEN {name} IN ({known}) THEN NULL ELSE {name} END AS {name}_other"
    )


def _decode_coded(frame: pd.DataFrame, name: str, labels: tuple[str, ...]) -> pd.Series:
    """The column `_coded_select` split in two, whole again: a categorical of the labels, or
    plain objects when some value is not among them."""
    codes = np.array(frame[name].to_numpy(dtype=object), dtype=float)  # None -> NaN
    other = frame.pop(f"{name}_other").to_numpy(dtype=object)
    known = ~np.isnan(codes)
    if pd.notna(other).any():
        values = other.copy()
        values[known] = np.array(labels, dtype=object)[codes[known].astype(np.int64)]
        return pd.Series(values, index=frame.index, dtype=object)
    whole = np.where(known, codes, -1).astype(np.int64)
    categories = pd.Index(labels, dtype=object)
    return pd.Series(pd.Categorical.from_codes(whole, categories=categories), index=frame.index)


def _frame_of(cursor: Any, sql: str, params: tuple[Any, ...]) -> pd.DataFrame:
    """Run a query on a DB-API cursor; the rows as a frame built column-wise, columns named
    *_at as aware UTC timestamps."""
    cursor.execute(sql, params)
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    # One 2-D object array from the row tuples (numpy does it in C), then plain object columns.
    table = np.empty((len(rows), len(names)), dtype=object)
    if rows:
        table[:] = rows
    frame = pd.DataFrame({name: pd.Series(table[:, i], dtype=object) for i, name in enumerate(names)})
    for name in names:
        if name.endswith("_at"):
            frame[name] = as_utc(frame[name])
    return frame


def _read_by_ids(
    conn: Connection, stmt: Any, table: Any, ids: Sequence[str], names: list[str]
) -> pd.DataFrame:
    """Run `stmt` (with an expanding `ids` parameter) in chunks: an IN list of a million ids
    exceeds SQLite's variable limit and makes PostgreSQL plan slowly."""
    frames = [
        _read(conn, stmt, table, {"ids": list(ids[start : start + _IDS_PER_QUERY])})
        for start in range(0, len(ids), _IDS_PER_QUERY)
    ]
    return pd.concat(frames, ignore_index=True) if frames else _empty(table, names)


def _empty(table: Any, names: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series([], dtype=object) for name in names})
    for name in set(_timestamp_columns(table)) & set(names):
        frame[name] = as_utc(frame[name])
    return frame


def _read(conn: Connection, stmt: Any, table: Any, params: dict[str, Any] | None = None) -> pd.DataFrame:
    result = conn.execute(stmt, params or {})
    names = list(result.keys())
    rows = result.fetchall()
    if not rows:
        return _empty(table, names)
    frame = pd.DataFrame.from_records(rows, columns=names, coerce_float=True)
    for name in set(_timestamp_columns(table)) & set(names):
        frame[name] = as_utc(frame[name])
    if "active" in frame.columns:
        frame["active"] = frame["active"].astype(bool)
    return frame

