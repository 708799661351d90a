"""The store's nudge rows: the nudge log (claim before sending, mark after), named leases, mutes.

Part of the store (every SQL statement lives in `models/store/`); `Store` inherits it. The
same statements run on SQLite and PostgreSQL: `INSERT ... ON CONFLICT DO NOTHING RETURNING`
claims a row or learns that someone else holds it, and a conditional `UPDATE` takes over a row
only while the condition still holds (PostgreSQL re-checks it after waiting for a concurrent
writer; SQLite has one writer at a time), so two processes never both win.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine, and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from models import tables as T
from models.store.frames import read_frame
from models.store.runs import utcnow

_LOG = T.NudgeLog.__table__  # type: ignore[attr-defined]
_LEASE = T.Lease.__table__  # type: ignore[attr-defined]
_MUTE = T.NudgeMute.__table__  # type: ignore[attr-defined]
_KEY = ("sla_id", "item_id", "stage", "recipient")


def process_name() -> str:
    """Who holds a claim or lease: host and process id (shown when someone else holds it)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class NudgeStore:
    """Nudge log, leases and mutes."""

    engine: Engine

    def _insert(self, table: Any) -> Any:
        return (pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert)(table)

    # ---------------------------------------------------------------- the nudge log
    def claim_nudge(
        self,
        row: dict[str, Any],
        *,
        now: datetime,
        holder: str,
        stale_before: datetime,
        max_attempts: int,
    ) -> tuple[int, int] | None:
        """Claim (sla_id, item_id, stage, recipient) before sending: a new row, or a failed one
        due for its retry, or a claim older than `stale_before` (its process died). Returns the
        row id and this attempt's number, or None when another process has it (or it was sent)."""
        values = {**row, "status": "claimed", "claimed_at": now, "claimed_by": holder,
                  "error": None, "next_attempt_at": None}  # fmt: skip
        with self.engine.begin() as conn:
            stmt = (
                self._insert(_LOG)
                .values(**values, attempts=1)
                .on_conflict_do_nothing(index_elements=list(_KEY))
                .returning(_LOG.c.id)
            )
            new = conn.execute(stmt).scalar_one_or_none()
            if new is not None:
                return int(new), 1
            retry = and_(
                _LOG.c.status == "failed",
                _LOG.c.attempts < max_attempts,
                _LOG.c.next_attempt_at <= now,
            )
            stale = and_(_LOG.c.status == "claimed", _LOG.c.claimed_at < stale_before)
            taken = conn.execute(
                update(_LOG)
                .where(*[_LOG.c[k] == row[k] for k in _KEY], or_(retry, stale))
                .values(**values, attempts=_LOG.c.attempts + 1)
                .returning(_LOG.c.id, _LOG.c.attempts)
            ).first()
            return (int(taken[0]), int(taken[1])) if taken is not None else None

    def finish_nudge(
        self,
        nudge_id: int,
        *,
        status: str,
        now: datetime,
        channel: str | None = None,
        target: str | None = None,
        error: str | None = None,
        next_attempt_at: datetime | None = None,
    ) -> None:
        """Record the outcome of a claimed nudge (sent, or failed with its next retry)."""
        values: dict[str, Any] = {"status": status, "error": error,
                                  "next_attempt_at": next_attempt_at}  # fmt: skip
        if status == "sent":
            values["sent_at"] = now
        if channel is not None:
            values["channel"] = channel
        if target is not None:
            values["target"] = target
        with self.engine.begin() as conn:
            conn.execute(update(_LOG).where(_LOG.c.id == nudge_id).values(**values))

    def read_nudge_log(
        self,
        *,
        sla_item_ids: Sequence[str] | None = None,
        lead_id: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """The log, newest first; optionally only some items (by item id), one lead's, or those
        claimed since an instant."""
        stmt = select(_LOG)
        if sla_item_ids is not None:
            stmt = stmt.where(_LOG.c.item_id.in_(list(sla_item_ids)))
        if lead_id is not None:
            stmt = stmt.where(_LOG.c.lead_id == lead_id)
        if since is not None:
            stmt = stmt.where(_LOG.c.claimed_at >= since)
        stmt = stmt.order_by(_LOG.c.claimed_at.desc(), _LOG.c.id.desc())
        if limit:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            return read_frame(conn, stmt, _LOG)

    # ---------------------------------------------------------------- leases
    def acquire_lease(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Take lease `name` for `ttl` (real time) if it is free, lapsed, or already ours."""
        now = utcnow()
        with self.engine.begin() as conn:
            got = conn.execute(
                self._insert(_LEASE)
                .values(name=name, holder=holder, acquired_at=now, expires_at=now + ttl)
                .on_conflict_do_nothing(index_elements=["name"])
                .returning(_LEASE.c.name)
            ).scalar_one_or_none()
            if got is not None:
                return True
            taken = conn.execute(
                update(_LEASE)
                .where(
                    _LEASE.c.name == name, or_(_LEASE.c.expires_at < now, _LEASE.c.holder == holder)
                )  # fmt: skip
                .values(holder=holder, acquired_at=now, expires_at=now + ttl)
            )
            return bool(taken.rowcount)

    def renew_lease(self, name: str, holder: str, ttl: timedelta) -> bool:
        with self.engine.begin() as conn:
            renewed = conn.execute(
                update(_LEASE)
                .where(_LEASE.c.name == name, _LEASE.c.holder == holder)
                .values(expires_at=utcnow() + ttl)
            )
            return bool(renewed.rowcount)

    def _take_from_dead(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Take the lease at once when its holder is a process of this machine that is gone
        (killed: a rerun need not wait for the lease to lapse). Another machine's holder is
        waited out until `expires_at`."""
        current = self.read_lease(name)
        if current is None:
            return self.acquire_lease(name, holder, ttl)
        host, _, rest = str(current["holder"]).partition(":")
        pid = rest.split(":", 1)[0]
        if host != socket.gethostname() or not pid.isdigit() or _alive(int(pid)):
            return False
        with self.engine.begin() as conn:
            now = utcnow()
            taken = conn.execute(
                update(_LEASE)
                .where(_LEASE.c.name == name, _LEASE.c.holder == current["holder"])
                .values(holder=holder, acquired_at=now, expires_at=now + ttl)
            )
            return bool(taken.rowcount)

    def release_lease(self, name: str, holder: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(_LEASE).where(_LEASE.c.name == name, _LEASE.c.holder == holder))

    def read_lease(self, name: str) -> dict[str, Any] | None:
        """The lease's row while it is held (None when free or lapsed)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(_LEASE).where(_LEASE.c.name == name)).mappings().first()
        if row is None:
            return None
        found = dict(row)
        expires = found["expires_at"]
        return found if expires is not None and expires > utcnow() else None

    @contextmanager
    def lease(self, name: str, ttl: timedelta = timedelta(minutes=2)) -> Iterator[bool]:
        """Hold lease `name` for the block, renewed in the background every ttl/3 so a long
        sync keeps it, and lapsing within `ttl` when the process dies. Yields whether it was
        acquired; the block runs either way and must check."""
        holder = f"{process_name()}:{uuid.uuid4().hex[:8]}"
        acquired = self.acquire_lease(name, holder, ttl) or self._take_from_dead(name, holder, ttl)
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(ttl.total_seconds() / 3):
                self.renew_lease(name, holder, ttl)

        keeper = threading.Thread(target=renew, daemon=True, name=f"lease-{name}")
        if acquired:
            keeper.start()
        try:
            yield acquired
        finally:
            stop.set()
            if acquired:
                keeper.join()
                self.release_lease(name, holder)

    # ---------------------------------------------------------------- mutes
    def read_mutes(self) -> frozenset[str]:
        with self.engine.connect() as conn:
            return frozenset(str(e) for e in conn.execute(select(_MUTE.c.email)).scalars())

    def set_mute(self, email: str, muted: bool) -> None:
        email = email.strip().lower()
        with self.engine.begin() as conn:
            conn.execute(delete(_MUTE).where(_MUTE.c.email == email))
            if muted:
                conn.execute(self._insert(_MUTE).values(email=email, muted_at=utcnow()))
