"""Shared fixtures: a real database per test run (SQLite by default, PostgreSQL when DATABASE_URL
says so), emptied before each test. The same tests run on both."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from models.store import Store

ROOT = Path(__file__).resolve().parent.parent


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _test_database_url(tmp_root: Path) -> str:
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgresql"):
        # One scratch database per pytest process (and xdist worker), dropped at the end.
        name = f"handoff_test_{os.getpid()}_{_worker()}"
        admin_url = base.rsplit("/", 1)[0] + "/postgres"
        if admin_url.startswith("postgresql://"):
            admin_url = "postgresql+psycopg://" + admin_url.removeprefix("postgresql://")
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return base.rsplit("/", 1)[0] + "/" + name
    return f"sqlite:///{tmp_root / f'handoff_test_{_worker()}.db'}"


def _drop_database(url: str) -> None:
    from models.store.db import _engines

    for known, engine in list(_engines.items()):
        if known == url:
            engine.dispose()
    name = url.rsplit("/", 1)[1]
    admin_url = "postgresql+psycopg://" + url.split("://", 1)[1].rsplit("/", 1)[0] + "/postgres"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = _test_database_url(tmp_path_factory.mktemp("db"))
    yield url
    if url.startswith("postgresql"):
        _drop_database(url)


@pytest.fixture(scope="session")
def _migrated_store(database_url: str) -> Store:
    return Store(database_url)


@pytest.fixture
def store(_migrated_store: Store) -> Iterator[Store]:
    """An empty, migrated database (SQLite or PostgreSQL)."""
    _migrated_store.truncate_all()
    yield _migrated_store


@pytest.fixture
def cli_env(store: Store, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for running the `handoff` CLI against the test database."""
    monkeypatch.setenv("DATABASE_URL", store.url)
    return {"DATABASE_URL": store.url}
