"""Several processes, one database: `handoff nudge --once` started twice at every instant of a
simulated working day (as two schedulers, or a scheduler and a cron job, would) sends every
nudge exactly once; claims and leases hold across connections."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from fakes.slack_server import TOKEN, slack_server
from nudge_builders import SLACK_USERS, add_lead, at, load_org, write_sla_file

from models.store import Store

HERE = Path(__file__).resolve().parent


def test_two_processes_over_a_simulated_day_send_no_duplicate(store: Store, tmp_path: Path) -> None:
    load_org(store)
    for index, start in enumerate(("08:30", "09:00", "09:45", "10:30", "11:15", "12:00")):
        add_lead(store, f"P{index}", f"2026-12-07 {start}", owner="rita" if index % 2 else "sam")
    sla_file = write_sla_file(tmp_path)
    instants = [f"2026-12-07 {h:02d}:{m:02d}" for h in range(8, 18) for m in (0, 30)]
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    with slack_server(SLACK_USERS) as slack:
        env = dict(os.environ, DATABASE_URL=store.url, HANDOFF_CONFIG=str(sla_file),
                   SLACK_BOT_TOKEN=TOKEN, SLACK_BASE_URL=slack.base_url,
                   PYTHONPATH=os.pathsep.join([str(HERE), str(HERE.parent)]))  # fmt: skip
        for name in ("SMTP_HOST", "HUBSPOT_ACCESS_TOKEN", "HANDOFF_NOW"):
            env.pop(name, None)
        workers = [
            subprocess.Popen(
                [sys.executable, str(HERE / "nudge_worker.py"), name, str(barrier), "2", *instants],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )  # fmt: skip
            for name in ("first", "second")
        ]
        outputs = []
        for worker in workers:
            output, _ = worker.communicate(timeout=600)
            assert worker.returncode == 0, output
            outputs.append(output)
        texts = Counter((m["channel"], m["text"]) for m in slack.messages)
    assert texts and max(texts.values()) == 1  # zero duplicates
    log = store.read_nudge_log()
    assert (log["status"] == "sent").all()
    assert len(log) == len(slack.messages)
    # Every lead reached its breach (4 business hours by 16:00 at the latest): owner and manager.
    breaches = log[log["stage"] == "breach"]
    assert set(breaches["item_id"]) == {f"P{i}" for i in range(6)}
    assert len(breaches) == 12
    # Both really ran passes: one sent while the other found the lease held or lost the claim.
    assert all("sent=" in output for output in outputs)


@pytest.mark.parametrize("contenders", [8])
def test_a_claim_has_one_winner(store: Store, contenders: int) -> None:
    now = at("2026-12-07 10:00")
    key = {"sla_id": "first-touch", "item_id": "L1", "stage": "late", "recipient": "rita@x.example",
           "lead_id": "L1", "rank": 2, "role": "owner", "channel": "slack"}  # fmt: skip
    wins: list[object] = []
    barrier = threading.Barrier(contenders)

    def claim() -> None:
        barrier.wait()
        got = store.claim_nudge(key, now=now, holder=threading.current_thread().name,
                                stale_before=now - timedelta(minutes=15), max_attempts=3)  # fmt: skip
        if got is not None:
            wins.append(got)

    threads = [threading.Thread(target=claim) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 1


def test_a_lease_has_one_holder_and_lapses(store: Store) -> None:
    assert store.acquire_lease("sync", "a", timedelta(minutes=1))
    assert not store.acquire_lease("sync", "b", timedelta(minutes=1))
    assert store.read_lease("sync")["holder"] == "a"
    assert store.acquire_lease("sync", "a", timedelta(seconds=-1))  # renewed into the past: lapsed
    assert store.read_lease("sync") is None
    assert store.acquire_lease("sync", "b", timedelta(minutes=1))
    store.release_lease("sync", "a")  # not a's any more: nothing happens
    assert store.read_lease("sync")["holder"] == "b"


def test_a_lease_held_by_a_killed_process_of_this_machine_is_taken_at_once(store: Store) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert store.acquire_lease("sync", f"{socket.gethostname()}:{dead.pid}:abc", timedelta(minutes=5))
    with store.lease("sync") as held:
        assert held
    # A live holder (this very process, another pass) is respected.
    assert store.acquire_lease("sync", f"{socket.gethostname()}:{os.getpid()}:def", timedelta(minutes=5))
    with store.lease("sync") as held:
        assert not held


def test_a_second_sync_is_reported_busy_and_leaves_the_running_one_alone(store: Store, tmp_path: Path) -> None:
    from connectors.hubspot.sync import sync_hubspot
    from models.settings import load_settings
    from models.tables import SyncRun

    running = store.start_run(SyncRun, source="hubspot", full=False)
    settings = load_settings(database_url=store.url, handoff_config=tmp_path / "sla.toml",
                             hubspot_access_token="pat-na1-x", hubspot_base_url="http://127.0.0.1:9")  # fmt: skip
    with store.lease("sync") as held:
        assert held
        result = sync_hubspot(store, settings)
    assert result.status == "busy"
    assert "another sync is running" in result.summary()
    assert store.select_rows(SyncRun, {"id": running}).iloc[0]["status"] == "running"
