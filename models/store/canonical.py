"""The store: every SQL statement of Handoff lives here and in the mixins `Store` inherits from
its siblings (SLA-engine reads in `sla_inputs.py`, bookkeeping in `runs.py`, the verdict cache in
`cache.py`). Reads return DataFrames.

The same code runs on SQLite and PostgreSQL: upserts use `INSERT ... ON CONFLICT (key) DO UPDATE`,
which both dialects accept verbatim. Timestamps come back as timezone-aware UTC columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import (
    Connection,
    Engine,
    and_,
    bindparam,
    case,
    delete,
    func,
    literal,
    select,
    text,
    update,
)
from sqlmodel import SQLModel

from models import columns as C
from models import tables as T
from models.settings import load_settings
from models.store.cache import VerdictCacheStore, bump_revision
from models.store.db import get_engine, upgrade_schema
from models.store.frames import (
    as_utc,
    empty_frame,
    raw_frame,
    read_by_ids,
    read_frame,
    timestamp_columns,
)
from models.store.nudges import NudgeStore
from models.store.runs import BookkeepingStore
from models.store.runs import utcnow as utcnow  # re-exported: callers import it from here
from models.store.sla_inputs import SlaInputsStore

CANONICAL_TABLES: dict[str, type[SQLModel]] = {
    "team": T.Team,
    "owner": T.Owner,
    "lead": T.Lead,
    "activity": T.Activity,
    "deal": T.Deal,
}
SOFT_DELETED = ("lead", "activity", "deal")
_CHUNK = 20_000
_COPY_FROM = 1_000  # rows; below this PostgreSQL upserts row by row (no scratch table)


def _table(entity: str) -> Any:
    return CANONICAL_TABLES[entity].__table__  # type: ignore[attr-defined]


class Store(SlaInputsStore, BookkeepingStore, VerdictCacheStore, NudgeStore):
    """Handle on one database. Methods open their own transaction unless given a connection.

    Every write of CRM data also bumps the data revision in the same transaction
    (`models.store.cache.bump_revision`), which is what cached verdicts are checked against."""

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
        for name in set(timestamp_columns(table)) & set(names):
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
                return read_by_ids(tx, stmt, table, ids, [c.name for c in table.columns])
            return read_frame(tx, stmt, table)

    def read_handoff_outcomes(
        self, start: datetime, end: datetime, as_of: datetime, *, conn: Connection | None = None
    ) -> pd.DataFrame:
        """Live leads handed off in [start, end) and by `as_of`, with only what the friction report
        needs: lead_id, owner_id, source, handed_off_at, rejected_at, rejection_reason (a rejection
        after `as_of` is not known yet and comes back as None)."""
        names = (C.LEAD_ID, C.OWNER_ID, C.SOURCE, C.HANDED_OFF_AT, C.REJECTED_AT, C.REJECTION_REASON)
        # Plain SQL on the driver's cursor: a month's 100k leads through SQLAlchemy's row and
        # type processing cost seconds, for timestamps that are converted column-wise anyway.
        sql = (
            f"SELECT {', '.join(names)} FROM lead WHERE deleted_at IS NULL "
            "AND handed_off_at >= :start AND handed_off_at < :end AND handed_off_at <= :as_of"
        )
        values = self._sla_values(
            start=start.astimezone(UTC), end=end.astimezone(UTC), as_of=as_of.astimezone(UTC)
        )
        with self._tx(conn) as tx:
            leads = raw_frame(tx, *self._positional(sql, values))
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
            return read_by_ids(tx, stmt, table, lead_ids, [c.name for c in cols])

    def read_activity_bodies(
        self, lead_ids: Sequence[str], types: Sequence[str], *, conn: Connection | None = None
    ) -> pd.DataFrame:
        """Live activities of the given leads and types that have a body (for the friction report):
        activity_id, lead_id, type, occurred_at, owner_id, body, ordered by activity_id."""
        names = (C.ACTIVITY_ID, C.LEAD_ID, C.TYPE, C.OCCURRED_AT, C.OWNER_ID, C.BODY)
        mark = self._placeholder()
        type_marks = ", ".join([mark] * len(types)) or "NULL"
        chunks = []
        with self._tx(conn) as tx:
            for start in range(0, max(len(lead_ids), 1), _CHUNK):
                ids: list[str | None] = [*lead_ids[start : start + _CHUNK]] or [None]
                sql = (
                    f"SELECT {', '.join(names)} FROM activity WHERE deleted_at IS NULL "
                    f"AND body IS NOT NULL AND type IN ({type_marks}) "
                    f"AND lead_id IN ({', '.join([mark] * len(ids))})"
                )  # no ORDER BY: with it, SQLite walks the whole table in key order instead
                chunks.append(raw_frame(tx, sql, [*types, *ids]))
        frames = [c for c in chunks if not c.empty]
        if not frames:
            return empty_frame(_table("activity"), list(names))
        found = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return found.sort_values(C.ACTIVITY_ID, ignore_index=True, kind="stable")

    def read_deals_with_leads(
        self, deal_ids: Sequence[str], *, conn: Connection | None = None
    ) -> pd.DataFrame:
        """Live deals by id with their live lead's company and owner (for the friction report's
        new customers): deal_id, lead_id, closed_won_at, amount, company, owner_id (the lead's;
        None when the lead is deleted), ordered by deal_id."""
        mark = self._placeholder()
        names = ["deal_id", "lead_id", "closed_won_at", "amount", "company", "owner_id"]
        chunks = []
        with self._tx(conn) as tx:
            for start in range(0, len(deal_ids), _CHUNK):
                ids = list(deal_ids[start : start + _CHUNK])
                sql = (
                    "SELECT d.deal_id, d.lead_id, d.closed_won_at, d.amount, l.company, l.owner_id "
                    "FROM deal d LEFT JOIN lead l ON l.lead_id = d.lead_id AND l.deleted_at IS NULL "
                    f"WHERE d.deleted_at IS NULL AND d.deal_id IN ({', '.join([mark] * len(ids))})"
                )
                chunks.append(raw_frame(tx, sql, ids))
        frames = [c for c in chunks if not c.empty]
        if not frames:
            return pd.DataFrame({name: pd.Series([], dtype=object) for name in names}).assign(
                closed_won_at=as_utc(pd.Series([], dtype=object))
            )
        found = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return found.sort_values("deal_id", ignore_index=True)[names]

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
            return read_frame(tx, stmt, table)

    def read_deals_won_before_their_lead(
        self, limit: int = 200, *, conn: Connection | None = None
    ) -> pd.DataFrame:
        """Live deals closed won before their lead was created (deal_id, lead_id, closed_won_at,
        created_at), oldest first: accepted data that the Data page warns about."""
        deal, lead = _table("deal"), _table("lead")
        stmt = (
            select(deal.c.deal_id, deal.c.lead_id, deal.c.closed_won_at, lead.c.created_at)
            .join(lead, lead.c.lead_id == deal.c.lead_id)
            .where(
                deal.c.deleted_at.is_(None),
                lead.c.deleted_at.is_(None),
                deal.c.closed_won_at < lead.c.created_at,
            )
            .order_by(deal.c.closed_won_at, deal.c.deal_id)
            .limit(limit)
        )
        with self._tx(conn) as tx:
            found = tx.execute(stmt).all()
        frame = pd.DataFrame(
            [tuple(row) for row in found],
            columns=["deal_id", "lead_id", "closed_won_at", "created_at"],
        )
        for name in ("closed_won_at", "created_at"):
            frame[name] = as_utc(frame[name])
        return frame

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

    def read_live_ids(
        self, entity: str, origin: str, *, since: datetime | None = None
    ) -> list[str]:
        """Ids of the live rows of `entity` from `origin`; with `since`, only the recent ones:
        leads handed off or created at or after it, deals won at or after it."""
        table = _table(entity)
        key = table.primary_key.columns.values()[0]
        stmt = select(key).where(table.c.deleted_at.is_(None), table.c.origin == origin)
        if since is not None:
            if entity == "lead":
                stmt = stmt.where(
                    (table.c.handed_off_at >= since) | (table.c.created_at >= since)
                )
            elif entity == "deal":
                stmt = stmt.where(table.c.closed_won_at >= since)
            else:
                raise ValueError(f"no recency rule for {entity}")
        with self.engine.connect() as conn:
            return [str(i) for i in conn.execute(stmt).scalars().all()]

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

    def data_overview(
        self, months: list[tuple[str, datetime, datetime]] | None = None
    ) -> dict[str, pd.DataFrame]:
        """What is loaded, for the Data page: owners by tier and team, live handed-off leads
        counted by month and team (`months`: label, UTC start, UTC end; counted in the database,
        one pass, so a million leads never travel to Python), activities by type, deals."""
        lead = _table("lead")
        owner = _table("owner")
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
            rows: list[tuple[Any, ...]] = []
            if months:
                month = case(
                    *[
                        (and_(lead.c.handed_off_at >= start, lead.c.handed_off_at < end), label)
                        for label, start, end in months
                    ],
                    else_=None,
                ).label("month")
                rejected = func.sum(case((lead.c.rejected_at.is_not(None), 1), else_=0))
                counted = (
                    select(
                        month,
                        owner.c.team_id,
                        func.count().label("leads"),
                        rejected.label("rejected"),
                    )
                    .select_from(lead.outerjoin(owner, owner.c.owner_id == lead.c.owner_id))
                    .where(lead.c.deleted_at.is_(None), lead.c.handed_off_at.is_not(None))
                    .group_by(month, owner.c.team_id)
                )
                rows = [tuple(r) for r in conn.execute(counted)]
            leads = pd.DataFrame(rows, columns=["month", "team_id", "leads", "rejected"])
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
        leads = leads[leads["month"].notna()].astype({"leads": int, "rejected": int})
        for frame in (activities, deals):
            for name in ("first", "last"):
                frame[name] = as_utc(frame[name])
        return {"owners": owners, "leads": leads, "activities": activities, "deals": deals}

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
