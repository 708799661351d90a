"""The dashboard's caches are keyed on what changes the answer: a rerun a few seconds later (the
live clock moved, the 5-minute as-of did not) is served from memory, and links built in bulk are
the links built one by one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from streamlit.testing.v1 import AppTest

from models.store import Store
from tests.ui.test_pages import NOW, ROOT, assert_clean, dashboard_env, demo  # noqa: F401
from ui import loaders, views
from ui.filters import Filters
from ui.overview import drill_link, drill_links


@pytest.mark.parametrize("source", [None, "demo_request", "a&b c"])
@pytest.mark.parametrize("team", [None, "sales-east"])
def test_bulk_drill_links_equal_single_ones(source: str | None, team: str | None) -> None:
    filters = Filters("2026-10", None, team, source, NOW, NOW, ZoneInfo("UTC"))
    teams = ["sales-west", None, "t x", None]
    reps = ["O1", "O 2", None, None]
    leads = ["L1", None, "L/3", None]
    want = [drill_link(filters, team=t, rep=r, lead=lead) for t, r, lead in zip(teams, reps, leads, strict=True)]
    assert drill_links(filters, teams, reps, leads) == want


def test_the_live_second_is_not_part_of_a_cache_key() -> None:
    zone = ZoneInfo("UTC")
    as_of = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)
    first = Filters("2026-10", None, None, None, as_of + timedelta(seconds=7), as_of, zone)
    later = Filters("2026-10", None, None, None, as_of + timedelta(seconds=95), as_of, zone)
    assert first != later and first.key == later.key
    assert first.key.now == as_of


def test_a_rerun_in_the_same_as_of_bucket_is_served_from_memory(
    demo: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[Any] = []
    real = views.at_risk

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "at_risk", counted)

    def view_at(later: timedelta) -> None:
        monkeypatch.setenv("HANDOFF_NOW", (NOW + later).isoformat())
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        app.query_params.update({"month": "2026-10"})
        app.run()
        assert_clean(app)

    view_at(timedelta(seconds=5))  # the first view also records the SLA file's versions,
    loaders.fresh_data_stamp()  # which moves the stamp: read it now, not up to 2 s later
    view_at(timedelta(seconds=10))
    settled = len(calls)
    # New sessions, the live clock moved on, the as-of bucket (5 minutes) did not: from memory.
    for seconds in (70, 130):
        view_at(timedelta(seconds=seconds))
    assert len(calls) == settled
    view_at(timedelta(minutes=6))  # a new bucket is a new answer
    assert len(calls) == settled + 1


def test_a_raw_sql_update_moves_the_data_stamp(demo: Store) -> None:  # noqa: F811
    """Everything the pages cache is keyed on the data stamp; a write nobody announced (a SQL
    prompt, another tool) still moves it, through the revision the database triggers keep."""
    from sqlalchemy import text

    from ui import loaders

    before = loaders.fresh_data_stamp()
    with demo.engine.begin() as conn:
        conn.execute(
            text("UPDATE lead SET source = 'typed by hand' WHERE lead_id IN (SELECT MIN(lead_id) FROM lead)")
        )
    assert loaders.fresh_data_stamp() != before
