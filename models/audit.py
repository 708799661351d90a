"""The audit trail: who did what from the dashboard, and when (shown to admins)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from models import tables as T
from models.access import Person
from models.store import Store

ACTIONS = ("dispute.raise", "dispute.decide", "sla.save", "import", "sync", "demo")


def record_action(
    store: Store,
    person: Person,
    action: str,
    *,
    target: str = "",
    outcome: str = "ok",
    detail: str = "",
    at: datetime | None = None,
) -> int:
    """Write one audit row (the identity is the signed-in e-mail; never a secret)."""
    new_id = store.insert_row(
        T.AuditEntry,
        at=at or datetime.now(UTC),
        actor=person.email,
        role=person.role,
        action=action,
        target=target[:500],
        outcome=outcome,
        detail=detail[:2000],
    )
    assert new_id is not None
    return new_id


def read_actions(store: Store, limit: int = 200) -> pd.DataFrame:
    """The newest audit rows first."""
    return store.select_rows(T.AuditEntry, order_by="id", descending=True, limit=limit)
