"""Cached verdicts (SQLite and PostgreSQL): moved on in time, or with disputes approved since,
they equal a fresh evaluation; they are never used once the data or the SLA file changed, an
exclusion went away, or when an event lies between the cached instant and the asked one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from connectors.demo import load_demo
from models import tables as T
from models.config import load_config
from models.engine import columns as E
from models.engine.advance import advance
from models.engine.results import Evaluation
from models.store import Store
from models.verdicts.cache import cached_evaluations, recent_months, warm_cache
from models.verdicts.service import decide_dispute, evaluate_months, raise_dispute

ROOT = Path(__file__).resolve().parents[2]
CONFIG = load_config(ROOT / "data" / "sla.toml")
# A Tuesday afternoon: plenty of clocks running. Nothing in the demo lies after it.
NOW = datetime(2026, 10, 20, 15, 7, tzinfo=UTC)
MONTHS = ["2026-09", "2026-10"]


@pytest.fixture
def demo(store: Store) -> Store:
    load_demo(store, months=2, leads_per_month=600, now=NOW)
    return store


def _save_empty_row(store: Store, revision: int) -> bool:
    """Keep a placeholder October row judged at `revision` (what the store does with it is
    what these tests check)."""
    return store.save_cached_verdicts(
        revision=revision,
        month="2026-10",
        as_of=NOW,
        config_checksum="x",
        exclusions="[]",
        valid_until=None,
        computed_at=NOW,
        seconds=0.0,
        head="{}",
        items=b"",
    )


def _assert_same(got: Evaluation, want: Evaluation) -> None:
    assert got.month == want.month and got.as_of == want.as_of
    for mine, fresh in zip(got.slas, want.slas, strict=True):
        assert mine.sla_id == fresh.sla_id
        assert mine.counts == fresh.counts, mine.sla_id
        assert mine.compliance_pct == fresh.compliance_pct
        assert mine.quota == fresh.quota
        assert mine.credit == fresh.credit
        assert mine.at_risk_count == fresh.at_risk_count
        assert_frame_equal(mine.items, fresh.items, check_like=False)


@pytest.mark.parametrize(
    "later",
    [
        timedelta(minutes=5),
        timedelta(hours=3),  # past the working day's end
        timedelta(days=4),  # over a weekend: first-touch targets and attempt windows run out
        timedelta(days=15),  # into the next month: the quota's month is complete
    ],
)
def test_advanced_verdicts_equal_a_fresh_evaluation(demo: Store, later: timedelta) -> None:
    kept = evaluate_months(demo, CONFIG, MONTHS, as_of=NOW)
    fresh = evaluate_months(demo, CONFIG, MONTHS, as_of=NOW + later)
    assert all(frame.empty for frame in demo.events_after(NOW).values())
    for before, after in zip(kept, fresh, strict=True):
        _assert_same(advance(before, CONFIG, NOW + later), after)
    # The per-person quota's reps are carried and moved on too (their pace changes with time).
    reps = kept[1].sla("leads-per-rep").quota
    assert reps is not None and len(reps["owners"]) == 18
    # Time passing changes running clocks here, so the comparison above has teeth.
    before, after = kept[1].sla("first-touch").lean_items, fresh[1].sla("first-touch").lean_items
    assert not before[E.ELAPSED].equals(after[E.ELAPSED])
    if later >= timedelta(hours=3):
        assert kept[1].sla("first-touch").counts != fresh[1].sla("first-touch").counts


def test_cached_months_are_served_and_moved_on(demo: Store) -> None:
    first = cached_evaluations(demo, CONFIG, MONTHS, as_of=NOW)
    assert [row["month"] for row in demo.read_cache_status()] == MONTHS
    for got, want in zip(first, evaluate_months(demo, CONFIG, MONTHS, as_of=NOW), strict=True):
        _assert_same(got, want)
    later = NOW + timedelta(hours=20)
    served = cached_evaluations(demo, CONFIG, MONTHS, as_of=later)
    assert all(row["as_of"] == NOW for row in demo.read_cache_status())  # not recomputed
    for got, want in zip(served, evaluate_months(demo, CONFIG, MONTHS, as_of=later), strict=True):
        _assert_same(got, want)
    # Explanations are written for cached items too, and name the moved-on verdict.
    items = served[1].sla("first-touch").items
    assert items[E.EXPLANATION].notna().all()


def test_an_event_after_the_cached_instant_is_not_skipped(demo: Store) -> None:
    early = NOW - timedelta(hours=3)  # the demo has calls and handoffs after this
    cached_evaluations(demo, CONFIG, MONTHS, as_of=early)
    september, october = demo.read_cache_status()
    assert october["valid_until"] <= NOW
    # September's clocks had all stopped: this morning's calls cannot change it.
    assert september["valid_until"] is None
    served = cached_evaluations(demo, CONFIG, MONTHS, as_of=NOW)
    for got, want in zip(served, evaluate_months(demo, CONFIG, MONTHS, as_of=NOW), strict=True):
        _assert_same(got, want)


def test_new_data_makes_the_cache_stale(demo: Store) -> None:
    cached_evaluations(demo, CONFIG, ["2026-10"], as_of=NOW)
    items = cached_evaluations(demo, CONFIG, ["2026-10"], as_of=NOW)[0].sla("first-touch")
    open_lead = items.lean_items.query("state == 'open'").iloc[0]
    revision = demo.read_revision()
    touch = pd.DataFrame(
        [
            {
                "activity_id": "CACHE-T1",
                "lead_id": open_lead[E.LEAD_ID],
                "type": "call",
                "occurred_at": NOW - timedelta(minutes=1),
                "owner_id": open_lead[E.OWNER_ID],
                "direction": "outbound",
            }
        ]
    )
    demo.upsert_frame("activity", touch)
    assert demo.read_revision() > revision
    served = cached_evaluations(demo, CONFIG, ["2026-10"], as_of=NOW)[0]
    row = served.sla("first-touch").lean_items.set_index(E.LEAD_ID).loc[open_lead[E.LEAD_ID]]
    assert row[E.STOP_ACTIVITY_ID] == "CACHE-T1"
    _assert_same(served, evaluate_months(demo, CONFIG, ["2026-10"], as_of=NOW)[0])


def test_an_approved_dispute_is_applied_to_kept_verdicts(demo: Store) -> None:
    items = cached_evaluations(demo, CONFIG, MONTHS, as_of=NOW)[1].sla("first-touch")
    breached = items.lean_items.query("state == 'breached'").iloc[0][E.ITEM_ID]
    dispute = raise_dispute(demo, CONFIG, "first-touch", breached, "routing outage", as_of=NOW)
    decide_dispute(demo, dispute, approve=True, decided_by="manager")
    later = NOW + timedelta(hours=2)
    served = cached_evaluations(demo, CONFIG, MONTHS, as_of=later)
    assert all(row["as_of"] == NOW for row in demo.read_cache_status())  # not judged again
    result = served[1].sla("first-touch")
    row = result.lean_items.set_index(E.ITEM_ID).loc[breached]
    assert row[E.STATE] == E.EXCLUDED and row[E.EXCLUSION_REASON] == "routing outage"
    for got, want in zip(served, evaluate_months(demo, CONFIG, MONTHS, as_of=later), strict=True):
        _assert_same(got, want)


def test_a_withdrawn_exclusion_sends_the_month_back_to_the_engine(demo: Store) -> None:
    items = cached_evaluations(demo, CONFIG, ["2026-10"], as_of=NOW)[0].sla("first-touch")
    breached = items.lean_items.query("state == 'breached'").iloc[0][E.ITEM_ID]
    dispute = raise_dispute(demo, CONFIG, "first-touch", breached, "duplicate", as_of=NOW)
    decide_dispute(demo, dispute, approve=True, decided_by="manager")
    demo.clear_cached_verdicts()
    warm_cache(demo, CONFIG, as_of=NOW + timedelta(minutes=5), months=["2026-10"])
    assert breached in demo.read_cache_status()[0]["exclusions"]  # judged with the exclusion
    # Not something the product does, but a database edited by hand must not be trusted.
    demo.update_rows(T.Dispute, {"id": dispute}, status="rejected")
    served = cached_evaluations(demo, CONFIG, ["2026-10"], as_of=NOW + timedelta(minutes=10))[0]
    assert served.sla("first-touch").lean_items.set_index(E.ITEM_ID).loc[breached, E.STATE] == (
        E.BREACHED
    )


def test_another_sla_file_is_never_served_the_cache(demo: Store, tmp_path: Path) -> None:
    cached_evaluations(demo, CONFIG, ["2026-10"], as_of=NOW)
    text = (ROOT / "data" / "sla.toml").read_text(encoding="utf-8")
    stricter = tmp_path / "sla.toml"
    stricter.write_text(text.replace('target_pct = 90', 'target_pct = 99', 1), encoding="utf-8")
    other = load_config(stricter)
    assert other.checksum != CONFIG.checksum
    served = cached_evaluations(demo, other, ["2026-10"], as_of=NOW)[0]
    _assert_same(served, evaluate_months(demo, other, ["2026-10"], as_of=NOW)[0])


def test_warm_cache_computes_the_overview_months_once(demo: Store) -> None:
    first = warm_cache(demo, CONFIG, as_of=NOW)
    assert first["months"] == recent_months(CONFIG, NOW) and len(first["months"]) == 6
    assert first["computed"] == first["months"]
    again = warm_cache(demo, CONFIG, as_of=NOW + timedelta(hours=1))
    assert again["computed"] == [] and again["already_cached"] == first["months"]


def test_verdicts_kept_while_the_data_moved_on_are_refused(demo: Store) -> None:
    revision = demo.read_revision()
    demo.upsert_frame("team", pd.DataFrame([{"team_id": "t-x", "name": "X", "tier": "sales"}]))
    assert _save_empty_row(demo, revision) is False and demo.read_cache_status() == []


def test_cli_precomputes_after_a_demo_load_and_reports_the_cache(
    cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from cli import app

    monkeypatch.setenv("HANDOFF_NOW", NOW.isoformat())
    runner = CliRunner()
    loaded = runner.invoke(app, ["demo", "--months", "2", "--leads-per-month", "200"])
    assert loaded.exit_code == 0, loaded.output
    assert "Verdicts precomputed for 2026-05 to 2026-10" in loaded.output
    status = runner.invoke(app, ["cache", "status"])
    assert status.exit_code == 0 and status.output.count("current") == 6, status.output
    again = runner.invoke(app, ["cache", "warm", "--months", "2"])
    assert "computed 0 month(s)" in again.output and "2026-09, 2026-10" in again.output
    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.output.strip() == "forgot 6 cached month(s)"
    quiet = runner.invoke(app, ["demo", "--months", "2", "--leads-per-month", "200", "--no-warm"])
    assert quiet.exit_code == 0 and "precomputed" not in quiet.output
    assert runner.invoke(app, ["cache", "status"]).output.startswith("no month is cached")
    bad = runner.invoke(app, ["cache", "warm", "--months", "0"])
    assert bad.exit_code == 2 and "--months" in bad.output


def test_a_page_does_not_wait_out_a_long_write_to_keep_its_verdicts(store: Store) -> None:
    if store.dialect != "sqlite":
        pytest.skip("PostgreSQL writers of other tables do not block this one")
    import sqlite3
    import time

    writer = sqlite3.connect(store.engine.url.database, timeout=1)
    writer.execute("BEGIN IMMEDIATE")  # what a long import holds
    try:
        started = time.perf_counter()
        kept = _save_empty_row(store, store.read_revision())
        assert kept is False and time.perf_counter() - started < 5
    finally:
        writer.rollback()
        writer.close()
    with store.engine.connect() as conn:  # the pooled connection waits as long as before
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000


def test_a_meeting_booked_ahead_ends_only_the_horizon_of_a_running_clock(demo: Store) -> None:
    kept = evaluate_months(demo, CONFIG, MONTHS, as_of=NOW)
    live: set[str] = set()
    for evaluation in kept:
        for result in evaluation.slas:
            items = result.lean_items
            if items.empty:
                continue
            running = items[E.STOP].isna() | (
                (result.kind == "follow_up_attempts") & (items[E.WINDOW_END] > NOW)
            )
            live.update(items.loc[running, E.LEAD_ID])
    september = kept[0].sla("first-touch").lean_items
    settled = september[~september[E.LEAD_ID].isin(live)].iloc[0]
    running = kept[1].sla("first-touch").lean_items.query("state == 'open'").iloc[0]
    booked = pd.DataFrame(
        [
            {
                "activity_id": f"BOOKED-{n}",
                "lead_id": row[E.LEAD_ID],
                "type": "meeting",
                "occurred_at": NOW + timedelta(days=days),
                "owner_id": row[E.OWNER_ID],
            }
            for n, (row, days) in enumerate([(settled, 1), (running, 2)])
        ]
    )
    demo.upsert_frame("activity", booked)
    cached_evaluations(demo, CONFIG, MONTHS, as_of=NOW)
    horizons = {row["month"]: row["valid_until"] for row in demo.read_cache_status()}
    assert horizons == {"2026-09": None, "2026-10": NOW + timedelta(days=2)}
    # A day and a half on, the settled lead's meeting has happened: September is still served
    # from the cache, and both months equal a fresh evaluation.
    later = NOW + timedelta(days=1, hours=12)
    served = cached_evaluations(demo, CONFIG, MONTHS, as_of=later)
    assert all(row["as_of"] == NOW for row in demo.read_cache_status())
    for got, want in zip(served, evaluate_months(demo, CONFIG, MONTHS, as_of=later), strict=True):
        _assert_same(got, want)
    # After the running lead's meeting, October is judged again: the meeting stops its clock.
    after = NOW + timedelta(days=3)
    served = cached_evaluations(demo, CONFIG, MONTHS, as_of=after)
    status = {row["month"]: row["as_of"] for row in demo.read_cache_status()}
    assert status == {"2026-09": NOW, "2026-10": after}
    for got, want in zip(served, evaluate_months(demo, CONFIG, MONTHS, as_of=after), strict=True):
        _assert_same(got, want)
