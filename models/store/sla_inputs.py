"""The store's reads and records for the SLA engine: its inputs, approved exclusions, snapshots.

Part of the store (every SQL statement lives in `models/store*.py`); `Store` inherits it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, case, func, insert, select, update

from models import columns as C
from models import tables as T
from models.store.frames import frame_from_cursor


class SlaInputsStore:
    """What the SLA engine reads (raw cursors where SQLAlchemy's overhead dominates) and the
    frozen months it records."""

    engine: Engine

    if TYPE_CHECKING:  # provided by Store

        @property
        def dialect(self) -> str: ...

        def _placeholder(self) -> str: ...

        def _format_timestamps(self, values: pd.Series, entity: str, name: str) -> pd.Series: ...

        def read_entity(
            self,
            entity: str,
            *,
            include_deleted: bool = False,
            ids: Sequence[str] | None = None,
            conn: Connection | None = None,
        ) -> pd.DataFrame: ...

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
            "deals": "SELECT deal_id, lead_id, closed_won_at, owner_id, amount, service_owner_id "
            f"FROM deal WHERE {in_window}",
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
                    name: frame_from_cursor(cursor, *self._positional(sql, values))
                    for name, sql in queries.items()
                }
            finally:
                cursor.close()

    def _read_sla_activities(
        self, lead_ids: list[str], window_start: datetime, as_of: datetime
    ) -> pd.DataFrame:
        """Only what can stop a clock: the leads' outbound calls and emails and their meetings
        from the window start to as_of (a call or email that is not outbound is never a contact,
        an attempt or a reach: `models.engine.items`)."""
        where = (
            "FROM activity WHERE deleted_at IS NULL AND type IN ("
            + ", ".join(f"'{kind}'" for kind in C.CLOCK_ACTIVITY_TYPES)
            + ") AND (type NOT IN ("
            + ", ".join(f"'{kind}'" for kind in C.OUTBOUND_ONLY_ACTIVITY_TYPES)
            + f") OR direction = '{C.OUTBOUND}') "
            "AND occurred_at >= :ws AND occurred_at <= :as_of AND lead_id IN :ids"
        )
        columns = "activity_id, lead_id, occurred_at, owner_id"
        coded_sql = f"SELECT {columns}, {_coded_select()} AS {_CODES} {where}"
        text_sql = f"SELECT {columns}, {', '.join(_CODED)} {where}"
        values = self._sla_values(ws=window_start, as_of=as_of)
        with self.engine.connect() as conn:
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            if self.dialect == "sqlite":
                # Activities are fetched by lead through an index, i.e. scattered pages: reading
                # them through a memory map instead of read() calls is about a third faster.
                cursor.execute("PRAGMA mmap_size = 4294967296")

            def read(sql: str) -> pd.DataFrame:
                chunks = []
                for lo in range(0, max(len(lead_ids), 1), 20_000):
                    ids = lead_ids[lo : lo + 20_000] or ["-"]
                    marks = ", ".join([self._placeholder()] * len(ids))
                    query, params = self._positional(sql.replace(":ids", f"({marks})"), values)
                    chunks.append(frame_from_cursor(cursor, query, (*params, *ids)))
                return pd.concat(chunks, ignore_index=True)

            try:
                activities = read(coded_sql)
                decoded = _decode_codes(activities.pop(_CODES))
                if decoded is None:  # a value outside the known labels: read the text instead
                    return read(text_sql)
            finally:
                cursor.close()
        for name, values_of in decoded.items():
            activities[name] = values_of
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

    def read_frozen_months(self) -> list[str]:
        """The months that have a current (not superseded) snapshot, oldest first."""
        table = T.VerdictSnapshot.__table__  # type: ignore[attr-defined]
        stmt = (
            select(table.c.month)
            .where(table.c.superseded_at.is_(None))
            .distinct()
            .order_by(table.c.month)
        )
        with self.engine.connect() as conn:
            return [str(month) for month in conn.execute(stmt).scalars().all()]

    def read_snapshot_payload(self, snapshot_id: int) -> str:
        """The whole stored payload of one snapshot (current or superseded)."""
        table = T.VerdictSnapshot.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            payload = conn.execute(
                select(table.c.payload).where(table.c.id == snapshot_id)
            ).scalar_one()
        return str(payload)


# Activity fields with few values, read by the SLA engine as one small integer per row, a decimal
# digit per field (no string object per row, no hashing them again; one column instead of one per
# field), and returned as categoricals of the same values. Digit 9 is a missing value, 8 one
# outside the known labels: then the rows are read again as text.
_CODED = {
    C.TYPE: C.CLOCK_ACTIVITY_TYPES,
    C.DIRECTION: C.DIRECTIONS,
    C.OUTCOME: C.CALL_OUTCOMES,
}
_CODES = "_codes"
_OTHER, _MISSING = 8, 9
assert all(len(labels) <= _OTHER for labels in _CODED.values())


def _coded_select() -> str:
    digits = []
    for place, (name, labels) in enumerate(reversed(_CODED.items())):
        whens = " ".join(f"WHEN '{label}' THEN {code}" for code, label in enumerate(labels))
        digit = f"CASE {name} {whens} ELSE CASE WHEN {name} IS NULL THEN {_MISSING} ELSE {_OTHER} END END"
        digits.append(f"({digit}) * {10**place}")
    return " + ".join(digits)


def _decode_codes(codes: pd.Series) -> dict[str, pd.Series] | None:
    """The fields `_coded_select` packed into one number, as categoricals of their labels; None
    when some value is not among them."""
    packed = codes.to_numpy(dtype=np.int64) if len(codes) else np.empty(0, dtype=np.int64)
    out = {}
    for place, (name, labels) in enumerate(reversed(_CODED.items())):
        digit = packed // 10**place % 10
        if (digit == _OTHER).any():
            return None
        whole = np.where(digit == _MISSING, -1, digit)
        categories = pd.Index(labels, dtype=object)
        out[name] = pd.Series(
            pd.Categorical.from_codes(whole, categories=categories), index=codes.index
        )
    return {name: out[name] for name in _CODED}
