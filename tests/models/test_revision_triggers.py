"""The data revision moves for any write to the CRM tables, whoever makes it (SQLite and
PostgreSQL): a raw SQL statement typed by a person, a store method that never heard of the
revision, and then a month kept in the verdict cache is not served for the changed data."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from connectors.demo import load_demo
from models import tables as T
from models.engine import columns as E
from models.store import Store
from models.verdicts.cache import cached_evaluations
from models.verdicts.service import evaluate_months
from tests.models.test_verdict_cache import CONFIG, NOW, _assert_same

MONTH = "2026-10"


@pytest.fixture
def demo(store: Store) -> Store:
    load_demo(store, months=3, leads_per_month=300, now=NOW)
    return store


def _raw(store: Store, statement: str, **params: object) -> int:
    """A statement run the way a person at a SQL prompt would: no store method involved."""
    with store.engine.begin() as conn:
        return int(conn.execute(text(statement), params).rowcount or 0)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE lead SET source = 'typed by hand' WHERE lead_id IN (SELECT MIN(lead_id) FROM lead)",
        "UPDATE activity SET body = 'edited' WHERE activity_id IN (SELECT MIN(activity_id) FROM activity)",
        "UPDATE deal SET amount = 1 WHERE deal_id IN (SELECT MIN(deal_id) FROM deal)",
        "UPDATE owner SET name = 'Renamed' WHERE owner_id IN (SELECT MIN(owner_id) FROM owner)",
        "UPDATE team SET name = 'Renamed' WHERE team_id IN (SELECT MIN(team_id) FROM team)",
        "DELETE FROM activity WHERE activity_id IN (SELECT MIN(activity_id) FROM activity)",
        "INSERT INTO team (team_id, name, tier) VALUES ('raw-team', 'Raw', 'sales')",
    ],
)
def test_a_raw_sql_write_moves_the_revision(demo: Store, statement: str) -> None:
    before = demo.read_revision()
    assert _raw(demo, statement) == 1
    assert demo.read_revision() > before


def test_reads_do_not_move_the_revision(demo: Store) -> None:
    # A cache that went stale on reads would never be used.
    before = demo.read_revision()
    demo.read_entity("lead")
    with demo.engine.connect() as conn:
        conn.execute(text("SELECT COUNT(*) FROM lead")).scalar()
    assert demo.read_revision() == before


def test_a_store_write_that_forgets_the_revision_still_moves_it(demo: Store) -> None:
    lead_id = str(demo.read_entity("lead")["lead_id"].iloc[0])
    before = demo.read_revision()
    assert demo.update_rows(T.Lead, {"lead_id": lead_id}, source="changed") == 1
    assert demo.read_revision() > before


def test_a_kept_month_is_not_served_after_a_raw_sql_update(demo: Store) -> None:
    config = CONFIG
    first = cached_evaluations(demo, config, [MONTH], as_of=NOW)[0]
    items = first.sla("first-touch").lean_items
    lead_id = str(items.loc[items[E.STATE] == "open", E.LEAD_ID].iloc[0])
    # Reject the open lead behind the dashboard's back: its clock stops, the counts change.
    _raw(
        demo,
        "UPDATE lead SET rejected_at = :at, rejection_reason = 'by hand' WHERE lead_id = :lead",
        # SQLite keeps naive UTC text (models.tables.UTCDateTime); PostgreSQL an aware value.
        at=NOW.strftime("%Y-%m-%d %H:%M:%S.%f") if demo.dialect == "sqlite" else NOW,
        lead=lead_id,
    )
    served = cached_evaluations(demo, config, [MONTH], as_of=NOW)[0]
    fresh = evaluate_months(demo, config, [MONTH], as_of=NOW)[0]
    _assert_same(served, fresh)
    assert served.sla("first-touch").counts != first.sla("first-touch").counts
