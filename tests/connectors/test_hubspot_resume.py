"""Kill `handoff sync hubspot` (SIGKILL) at arbitrary moments, rerun it, and get exactly the
database an uninterrupted sync gives.

Each killed run is the real command in its own process (about a second just to start, more on a
busy machine), so the kill points are few and chosen to land in different places: at a request
and just after one (while pages are mapped and written), on the first sync and on an incremental
one. The rerun that completes is in-process: the same `sync_hubspot` the command calls.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.hubspot_expected import full_table
from fakes.hubspot_portal import generate_portal
from fakes.hubspot_server import FakeHubSpot
from test_hubspot_sync import SLA, TOKEN, assert_matches_portal, change_portal, run
from typer.testing import CliRunner

from cli import app
from models.store import Store

ROOT = Path(__file__).resolve().parents[2]
ENTITIES = ("team", "owner", "lead", "activity", "deal")


@pytest.fixture
def sla_file(tmp_path: Path) -> Path:
    # Archived lists on every run, so kills can also land in the deletion passes.
    path = tmp_path / "sla.toml"
    path.write_text(
        SLA.replace("[hubspot]\n", "[hubspot]\narchived_scan_hours = 0\n"), encoding="utf-8"
    )
    return path


@pytest.fixture
def fake() -> Iterator[FakeHubSpot]:
    portal = generate_portal(contacts=150, engagements_per_contact=1.5, deals=20)
    with FakeHubSpot(portal, token=TOKEN, rate_per_10s=5000, search_per_second=500,
                     inline_association_limit=2, association_page_size=2) as server:  # fmt: skip
        yield server


def snapshot(store: Store) -> dict[str, Any]:
    """Every canonical row (deleted ones as a flag) and each object's checkpoint phase."""
    states = store.read_sync_states("hubspot")
    return {
        **{entity: full_table(store, entity) for entity in ENTITIES},
        "phases": dict(zip(states["object_type"], states["phase"], strict=True)),
    }


def cli_sync(
    store: Store, fake: FakeHubSpot, sla: Path, *, kill_at: int | None, delay: float = 0.0
) -> int:
    """Run the real command in a subprocess; kill it when request number `kill_at` arrives
    (plus `delay` seconds, so the kill also lands while it maps or writes)."""
    env = dict(os.environ, DATABASE_URL=store.url, HUBSPOT_ACCESS_TOKEN=TOKEN, HUBSPOT_BASE_URL=fake.url,
               HUBSPOT_RATE_PER_10S="5000", HUBSPOT_SEARCH_PER_S="500", HANDOFF_CONFIG=str(sla))  # fmt: skip
    process = subprocess.Popen([sys.executable, "-m", "cli", "sync", "hubspot"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    if kill_at is not None:
        target = fake.request_count + kill_at
        if delay == 0:
            fake.kill = (target, process.pid)
        else:
            threading.Thread(
                target=_kill_later, args=(fake, target, delay, process.pid), daemon=True
            ).start()
    out, err = process.communicate(timeout=120)
    fake.kill = None
    if process.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"sync failed ({process.returncode}): {out.decode()} {err.decode()}")
    return process.returncode


def _kill_later(fake: FakeHubSpot, target: int, delay: float, pid: int) -> None:
    deadline = time.monotonic() + 60
    while fake.request_count < target and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(delay)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def test_killed_syncs_rerun_to_the_same_database(
    store: Store, fake: FakeHubSpot, sla_file: Path
) -> None:
    # The reference: an uninterrupted first sync.
    assert run(store, fake, sla_file).status == "ok"
    reference_first = snapshot(store)
    store.truncate_all()

    # Killed at a request, then (resuming that) just after one, while it maps or writes.
    for kill_at, delay in [(5, 0.0), (9, 0.05)]:
        killed = cli_sync(store, fake, sla_file, kill_at=kill_at, delay=delay)
        assert killed == -signal.SIGKILL, "the kill must land before the sync finished"
    assert run(store, fake, sla_file).status == "ok"
    assert snapshot(store) == reference_first
    assert_matches_portal(store, fake.portal)

    change_portal(fake.portal)
    assert cli_sync(store, fake, sla_file, kill_at=6, delay=0.02) == -signal.SIGKILL
    assert run(store, fake, sla_file).status == "ok"
    assert_matches_portal(store, fake.portal)
    after_kills = snapshot(store)
    assert run(store, fake, sla_file).status == "ok"  # an uninterrupted sync of the same portal
    assert snapshot(store) == after_kills
    assert fake.violations == [] and fake.bad_requests == []


def test_sync_status_command_shows_runs_and_checkpoints(
    store: Store, fake: FakeHubSpot, sla_file: Path
) -> None:
    run(store, fake, sla_file)
    shown = CliRunner().invoke(app, ["sync", "status", "--database-url", store.url])
    assert shown.exit_code == 0, shown.output
    assert "Recent HubSpot syncs" in shown.output and "contacts: done" in shown.output
    assert "contacts:archived: deletions checked as of" in shown.output
