"""The store round-trips aware timestamps and upserts by id on both dialects."""

from __future__ import annotations

import pandas as pd

from models.store import Store


def test_upsert_is_idempotent_and_timestamps_come_back_aware_utc(store: Store) -> None:
    leads = pd.DataFrame(
        {
            "lead_id": ["L1", "L2"],
            "created_at": pd.to_datetime(["2026-01-01T10:00:00-05:00", "2026-01-02T10:00:00Z"], utc=True),
            "source": ["web", None],
        }
    )
    store.upsert_frame("lead", leads, origin="csv")
    store.upsert_frame("lead", leads, origin="csv")
    back = store.read_entity("lead")
    assert list(back["lead_id"]) == ["L1", "L2"]
    assert str(back["created_at"].dt.tz) == "UTC"
    assert back.loc[0, "created_at"] == pd.Timestamp("2026-01-01T15:00:00Z")
    assert store.count_rows()["lead"] == 2


def test_soft_deleted_rows_are_left_out_of_reads(store: Store) -> None:
    leads = pd.DataFrame(
        {"lead_id": ["L1", "L2"], "created_at": pd.to_datetime(["2026-01-01T10:00:00Z"] * 2, utc=True)}
    )
    store.upsert_frame("lead", leads)
    store.mark_deleted("lead", ["L2"], pd.Timestamp("2026-02-01T00:00:00Z").to_pydatetime())
    assert list(store.read_entity("lead")["lead_id"]) == ["L1"]
    assert len(store.read_entity("lead", include_deleted=True)) == 2
