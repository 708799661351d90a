"""Rate limits, retries and errors: what HubSpot answers when things go wrong, and what we do."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.hubspot_portal import generate_portal
from fakes.hubspot_server import ALL_SCOPES, FakeHubSpot, rate_limit_body
from test_hubspot_sync import SLA, TOKEN, assert_matches_portal, run

from connectors.hubspot.budget import RateBudget
from connectors.hubspot.client import HttpOptions
from connectors.hubspot.sync import SyncOptions
from models.store import Store
from models.tables import SyncRun

QUICK = SyncOptions(http=HttpOptions(backoff_factor=0.05, retries=3))


@pytest.fixture
def sla_file(tmp_path: Path) -> Path:
    path = tmp_path / "sla.toml"
    path.write_text(SLA, encoding="utf-8")
    return path


@pytest.fixture
def fake() -> Iterator[FakeHubSpot]:
    with FakeHubSpot(
        generate_portal(contacts=40, deals=10),
        token=TOKEN,
        rate_per_10s=2000,
        search_per_second=100,
    ) as server:
        yield server


@pytest.mark.parametrize(
    ("match", "status", "body", "headers"),
    [
        ("/crm/v3/objects/contacts", 429, rate_limit_body(), {}),  # no Retry-After: backoff
        ("/crm/v3/objects/calls", 429, rate_limit_body(), {"Retry-After": "1"}),
        ("/crm/v3/owners/", 502, {"status": "error", "message": "Bad gateway"}, {}),
        ("/crm/v4/associations/", 504, {}, {}),  # a POST is retried too
        ("/crm/v3/objects/contacts/batch/read", 503, {}, {}),
    ],
)
def test_transient_errors_are_retried_and_counted(
    store: Store,
    fake: FakeHubSpot,
    sla_file: Path,
    match: str,
    status: int,
    body: dict,
    headers: dict[str, str],
) -> None:
    fake.inject(match, status, body, headers=headers, times=2)
    started = time.monotonic()
    result = run(store, fake, sla_file, options=QUICK)
    assert result.status == "ok", result.message
    assert result.requests_used == fake.request_count, "retries count against the budget"
    assert_matches_portal(store, fake.portal)
    if headers.get("Retry-After"):
        assert time.monotonic() - started >= 2.0, "Retry-After is respected"


def test_a_daily_limit_pauses_cleanly_and_the_next_run_resumes(
    store: Store, fake: FakeHubSpot, sla_file: Path
) -> None:
    fake.daily_limit = 9
    result = run(store, fake, sla_file, options=QUICK)
    assert result.status == "paused"
    assert "daily API limit" in result.message and "resumes" in result.message
    assert fake.request_count == 10, "a daily 429 is not retried"
    runs = store.read_runs(SyncRun)
    assert runs.loc[0, "status"] == "paused"
    assert "daily" in runs.loc[0, "error"]
    fake.daily_limit = None
    before = fake.request_count
    assert run(store, fake, sla_file, options=QUICK).status == "ok"
    assert_matches_portal(store, fake.portal)
    contacts_pages = sum(
        1
        for m, p, q in fake.log[before:]
        if p == "/crm/v3/objects/contacts" and "after" not in q and q.get("archived") == ["False"]
    )
    assert contacts_pages <= 1


def test_retries_exhausted_fail_with_a_clear_message(
    store: Store, fake: FakeHubSpot, sla_file: Path
) -> None:
    fake.inject("/crm/v3/pipelines/deals", 502, {}, times=100)
    result = run(store, fake, sla_file, options=QUICK)
    assert result.status == "failed"
    assert "kept failing on list deal pipelines" in result.message
    assert "checkpoint is kept" in result.message


def test_a_bad_token_says_so_without_printing_it(
    store: Store, fake: FakeHubSpot, sla_file: Path
) -> None:
    fake.token = "pat-someone-else"
    result = run(store, fake, sla_file, options=QUICK)
    assert result.status == "failed"
    assert "invalid, expired" in result.message and "401" in result.message
    assert TOKEN not in result.summary()
    assert TOKEN not in str(store.read_runs(SyncRun).to_dict())


def test_a_missing_scope_is_named(store: Store, fake: FakeHubSpot, sla_file: Path) -> None:
    fake.scopes = ALL_SCOPES - {"crm.objects.deals.read"}
    result = run(store, fake, sla_file, options=QUICK)
    assert result.status == "failed"
    assert "crm.objects.deals.read" in result.message and "403" in result.message
    assert TOKEN not in result.summary()


def test_a_small_budget_is_respected_without_a_single_429(store: Store, sla_file: Path) -> None:
    portal = generate_portal(contacts=30, engagements_per_contact=1, deals=4)
    with FakeHubSpot(portal, token=TOKEN, rate_per_10s=12, search_per_second=2) as fake:
        started = time.monotonic()
        first = run(
            store, fake, sla_file, options=QUICK, hubspot_rate_per_10s=12, hubspot_search_per_s=2
        )
        assert first.status == "ok"
        assert first.requests_used > 12, "the test must cross a 10-second window"
        assert time.monotonic() - started >= 10.0
        assert fake.violations == []
        assert_matches_portal(store, portal)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize(
    ("per_10s", "requests", "least_seconds"),
    [(100, 100, 0.0), (100, 101, 10.0), (190, 400, 20.0), (10, 35, 30.0)],
)
def test_budget_never_allows_more_than_its_rate_in_any_window(
    per_10s: int, requests: int, least_seconds: float
) -> None:
    clock = FakeClock()
    budget = RateBudget(per_10s, 4, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(requests):
        budget.acquire()
        stamps.append(clock.now)
        clock.now += 0.001  # the response takes a millisecond
        budget.complete()
    assert clock.now >= least_seconds
    for index in range(per_10s, len(stamps)):
        assert stamps[index] - stamps[index - per_10s] >= 10.0


def test_search_budget_allows_four_per_second() -> None:
    clock = FakeClock()
    budget = RateBudget(1000, 4, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(12):
        budget.acquire(search=True)
        stamps.append(clock.now)
        budget.complete()
    assert all(stamps[i] - stamps[i - 4] >= 1.0 for i in range(4, 12))
    assert budget.used == 12
