"""Fixtures for the report tests: the demo organisation at small size, settings without network."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from report_builders import NOW

from connectors.demo import load_demo
from models.settings import DEFAULT_CONFIG_PATH, Settings, load_settings
from models.store import Store


@pytest.fixture
def demo_store(store: Store) -> Store:
    """The demo organisation (4 months of 200 leads) ending May 2026, cut at NOW."""
    load_demo(store, seed=7, months=4, leads_per_month=200, end_month="2026-05", now=NOW)
    return store


@pytest.fixture
def settings(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings for the test database with no email or webhook unless a test adds them."""
    for name in (
        "SMTP_HOST",
        "REPORT_EMAIL_TO",
        "REPORT_WEBHOOK_URL",
        "HUBSPOT_ACCESS_TOKEN",
        "HANDOFF_CONFIG",
    ):
        monkeypatch.delenv(name, raising=False)
    yield load_settings(
        database_url=store.url, handoff_config=DEFAULT_CONFIG_PATH, report_out_dir=tmp_path / "out"
    )
