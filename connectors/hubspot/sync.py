"""`handoff sync hubspot`: orchestration, checkpoints and the run log.

Each object stream moves through phases, saved in `sync_state` with the page they cover:

    full -> full_archived -> done -> incremental [-> incremental_archived] -> done -> ...

`full` lists every record (list endpoint, no 10k cap); `incremental` searches the window
[bookmark - lookback, run start) sorted by hs_object_id. Archived records are not searchable, so
deletions are found by reading the archived list: always after `full`, and after `incremental`
only when the last complete scan (row `<type>:archived`) is `[hubspot] archived_scan_hours` old.
That list holds every record ever archived and is the bulk of an otherwise idle sync's requests;
the price is that a deletion in HubSpot reaches Handoff within that many hours (at once with
`--full`, or with archived_scan_hours = 0). A finished pass saves its window end as the new
bookmark. A run killed anywhere resumes from the last committed page, in the same window.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.hubspot import mapping
from connectors.hubspot.budget import shared_budget
from connectors.hubspot.client import DailyLimitReached, HttpOptions, HubSpotClient
from connectors.hubspot.passes import (
    SOURCE,
    PassContext,
    archived_scan_key,
    run_archived_pass,
    run_pass,
)
from connectors.hubspot.recent import check_recent
from connectors.hubspot.status import describe_status as describe_status  # the CLI's import
from connectors.hubspot.streams import DEALS, STREAMS, ObjectStream
from models.config import load_config
from models.config_hubspot import HubSpotConfig
from models.errors import BadInputError, HandoffError
from models.settings import Settings
from models.store import Store
from models.tables import SyncRun

FULL_MARKER = (f"{SOURCE}:full", "pending")  # a --full pass in progress (resumed, not restarted)


@dataclass(frozen=True)
class SyncOptions:
    """Knobs tests and benchmarks turn; defaults suit a real portal."""

    http: HttpOptions = field(default_factory=HttpOptions)
    max_pages_buffered: int = 20
    pages_per_commit: int = 10
    # The run's start: the search window's end and what archived-scan due-ness is measured from.
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


@dataclass
class SyncResult:
    status: str  # ok | failed | paused | busy (another process is syncing)
    run_id: int | None
    counts: dict[str, int]
    requests_used: int
    seconds: float
    message: str | None = None

    def summary(self) -> str:
        """One paragraph for the command line."""
        parts = ", ".join(f"{n} {name}" for name, n in self.counts.items() if n)
        head = {
            "ok": "HubSpot sync finished",
            "paused": "HubSpot sync paused",
            "failed": "HubSpot sync failed",
            "busy": "HubSpot sync not started",
        }[self.status]
        text = f"{head} in {self.seconds:.1f}s using {self.requests_used} requests"
        text += f": {parts}." if parts else "; nothing changed."
        return f"{text}\n{self.message}" if self.message else text


def _rates(settings: Settings, config: HubSpotConfig) -> tuple[int, float]:
    """Environment (HUBSPOT_RATE_PER_10S, HUBSPOT_SEARCH_PER_S) wins over the SLA file."""
    chosen = settings.model_fields_set
    rate = (
        settings.hubspot_rate_per_10s if "hubspot_rate_per_10s" in chosen else config.rate_per_10s
    )
    search = (
        settings.hubspot_search_per_s
        if "hubspot_search_per_s" in chosen
        else config.search_per_second
    )
    return int(rate), float(search)


def sync_hubspot(
    store: Store,
    settings: Settings,
    *,
    full: bool = False,
    progress: bool = False,
    options: SyncOptions | None = None,
) -> SyncResult:
    """Sync HubSpot into the store; resumes from checkpoints. Never raises for HubSpot errors:
    the result says `failed` or `paused` (daily limit) with a message, and the run log has it.

    One sync at a time across processes and machines (the database lease `sync`): a second one
    returns `busy` at once, and leaves the running one's run alone instead of calling it
    interrupted."""
    with store.lease("sync") as held:
        if not held:
            lease = store.read_lease("sync") or {}
            since = lease.get("acquired_at")
            return SyncResult("busy", None, {}, 0, 0.0, (
                f"another sync is running ({lease.get('holder', 'another process')}"
                + (f", since {since:%Y-%m-%d %H:%M:%S}Z" if since else "") + "); try again later"
            ))  # fmt: skip
        return _sync_holding_lease(store, settings, full=full, progress=progress, options=options)


def _sync_holding_lease(
    store: Store,
    settings: Settings,
    *,
    full: bool,
    progress: bool,
    options: SyncOptions | None,
) -> SyncResult:
    options = options or SyncOptions()
    if (
        settings.hubspot_access_token is None
        or not settings.hubspot_access_token.get_secret_value()
    ):
        raise BadInputError(
            "HUBSPOT_ACCESS_TOKEN is not set: create a private app in HubSpot (Settings > "
            "Integrations > Private apps), copy its access token into HUBSPOT_ACCESS_TOKEN or "
            ".streamlit/secrets.toml, and run again."
        )
    handoff_config = load_config(settings.handoff_config)
    config = handoff_config.hubspot
    lookback = timedelta(minutes=config.lookback_minutes)
    rate, search_rate = _rates(settings, config)
    budget = shared_budget(rate, search_rate)
    client = HubSpotClient(
        settings.hubspot_access_token.get_secret_value(),
        budget,
        base_url=settings.hubspot_base_url,
        options=options.http,
    )
    store.update_rows(
        SyncRun,
        {"source": SOURCE, "status": "running"},
        status="failed",
        error="interrupted: the process stopped before the run finished (the next run resumed it)",
    )
    run = _Run(store, client, config, options, lookback, progress)
    run_id = store.start_run(SyncRun, source=SOURCE, full=full, started_at=run.started)
    used_before = budget.used
    status, message = "ok", None
    try:
        run.execute(full=full, run_id=run_id, used_before=used_before)
    except DailyLimitReached as exc:
        status, message = "paused", str(exc)
    except HandoffError as exc:
        status, message = "failed", str(exc)
    except BaseException as exc:
        store.finish_run(
            SyncRun, run_id, status="failed", counts=run.counts,
            requests_used=budget.used - used_before, error=f"{type(exc).__name__}: {exc}",
        )  # fmt: skip
        raise
    finally:
        run.progress.close()
    used = budget.used - used_before
    if run.warnings:
        # The run still succeeded: the warnings ride in its message (the run log's error column
        # and the command's output), each prefixed so they never read as a failure.
        message = "\n".join([*([message] if message else []), *(f"warning: {w}" for w in run.warnings)])
    store.finish_run(
        SyncRun, run_id, status=status, counts=run.counts, requests_used=used, error=message
    )
    seconds = time.monotonic() - run.started_monotonic
    return SyncResult(status, run_id, dict(run.counts), used, seconds, message)


class _Progress:
    """A single stderr line, rewritten at most a few times a second (only with progress=True)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._last = 0.0
        self._shown = False

    def show(self, text: str, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if force or now - self._last >= 0.25:
            sys.stderr.write(f"\r\033[K{text}")
            sys.stderr.flush()
            self._last, self._shown = now, True

    def close(self) -> None:
        if self._shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


class _Run:
    def __init__(
        self,
        store: Store,
        client: HubSpotClient,
        config: HubSpotConfig,
        options: SyncOptions,
        lookback: timedelta,
        progress: bool,
    ) -> None:
        self.store, self.client, self.config = store, client, config
        self.options, self.lookback = options, lookback
        self.started = options.clock()
        self.started_monotonic = time.monotonic()
        self.counts: dict[str, int] = {"owners": 0, "teams": 0}
        self.counts.update({s.name: 0 for s in STREAMS})
        self.counts["archived"] = 0  # archived records seen (kept, marked deleted)
        self.counts["merged"] = 0  # merged into another contact or deal (kept, marked deleted)
        self.counts["left_out"] = 0  # activities/deals without a contact, deals not won
        self.progress = _Progress(progress)
        self.warnings: list[str] = []  # data accepted with a caveat (an owner's bad e-mail)
        self._last_log = 0.0
        self._run_id = 0
        self._used_before = 0

    # ------------------------------------------------------------------ steps
    def execute(self, *, full: bool, run_id: int, used_before: int) -> None:
        self._run_id, self._used_before = run_id, used_before
        in_progress = self.store.read_sync_state(*FULL_MARKER) is not None
        if full and not in_progress:
            self._start_full_pass()
        self._sync_owners(full=full or in_progress)
        won = self._sync_pipelines()
        ctx = PassContext(
            self.store, self.client, self.config, won, self.options.clock, self._on_commit,
            max_pages_buffered=self.options.max_pages_buffered,
            pages_per_commit=self.options.pages_per_commit,
        )  # fmt: skip
        for stream in STREAMS:
            self._sync_stream(ctx, stream)
        # Deletions and merges of recent records show at once, not at the next archived scan.
        check_recent(ctx, run_start=self.started)
        self.store.clear_sync_state(FULL_MARKER[0])
        self._log(force=True)

    def _start_full_pass(self) -> None:
        with self.store.transaction() as conn:
            for stream in STREAMS:
                self.store.save_sync_state(SOURCE, stream.name, conn=conn, **self._fresh_full())
            self.store.save_sync_state(
                *FULL_MARKER, conn=conn, phase="full", window_end=self.started
            )

    def _fresh_full(self) -> dict[str, Any]:
        return {"phase": "full", "cursor": None, "window_start": None, "window_end": self.started}

    def _sync_owners(self, *, full: bool) -> None:
        """Owners are few and have no search: read them whole. Archived owners are read on a
        full pass and whenever an owner we hold as active has left the active list."""
        active = self._all_owners(archived=False)
        active_ids = {str(o["id"]) for o in active}
        stored = self.store.read_entity("owner")
        stored = stored[(stored["origin"] == SOURCE) & stored["active"]]
        vanished = set(stored["owner_id"]) - active_ids
        first = self.store.read_sync_state(SOURCE, "owners") is None
        archived = self._all_owners(archived=True) if full or first or vanished else []
        for owner in archived:
            owner["archived"] = True
        teams, owners, warnings = mapping.map_owners(active + archived, self.config.team_tiers)
        self.warnings.extend(warnings)
        unknown = vanished - set(owners["owner_id"])
        with self.store.transaction() as conn:
            self.store.upsert_frame("team", teams, origin=SOURCE, conn=conn)
            self.store.upsert_frame("owner", owners, origin=SOURCE, conn=conn)
            self.store.mark_deleted("owner", sorted(unknown), self.started, conn=conn)
            self.store.save_sync_state(
                SOURCE, "owners", conn=conn, phase="done", bookmark=self.started
            )
        self.counts["owners"] += len(owners)
        self.counts["teams"] += len(teams)

    def _all_owners(self, *, archived: bool) -> list[dict[str, Any]]:
        owners: list[dict[str, Any]] = []
        after = None
        while True:
            body = self.client.owners_page(after=after, archived=archived)
            owners.extend(body.get("results", []))
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return owners

    def _sync_pipelines(self) -> mapping.WonStages:
        """Won stages come from pipeline metadata. If they changed since the last run, deals
        already synced may have changed side without being modified: re-list the deals."""
        won = mapping.won_stages(self.client.deal_pipelines())
        snapshot = json.dumps(sorted(won.pairs))
        previous = self.store.read_sync_state(SOURCE, "deal_pipelines")
        deals = self.store.read_sync_state(SOURCE, DEALS.name)
        with self.store.transaction() as conn:
            changed = previous is not None and previous.get("cursor") != snapshot
            if changed and deals is not None and deals["phase"] != "full":
                self.store.save_sync_state(SOURCE, DEALS.name, conn=conn, **self._fresh_full())
            self.store.save_sync_state(
                SOURCE,
                "deal_pipelines",
                conn=conn,
                phase="done",
                cursor=snapshot,
                bookmark=self.started,
            )
        return won

    def _sync_stream(self, ctx: PassContext, stream: ObjectStream) -> None:
        state = self.store.read_sync_state(SOURCE, stream.name)
        if state is None or state["phase"] == "done" and state["bookmark"] is None:
            state = self._fresh_full()
            self.store.save_sync_state(SOURCE, stream.name, **state)
        if state["phase"] == "done":
            state = {
                "phase": "incremental",
                "cursor": None,
                "window_start": state["bookmark"] - self.lookback,
                "window_end": self.started,
            }
            self.store.save_sync_state(SOURCE, stream.name, **state)
        window_end = state["window_end"]
        scan = "incremental_archived" if self._archived_scan_due(stream) else "done"
        while state["phase"] != "done":
            phase = state["phase"]
            following = {
                "full": "full_archived",
                "full_archived": "done",
                "incremental": scan,
                "incremental_archived": "done",
            }[phase]

            def state_after(
                cursor: str | None, finished: bool, following: str = following
            ) -> dict[str, Any]:
                if not finished:
                    return {"cursor": cursor}
                values: dict[str, Any] = {"phase": following, "cursor": None}
                if following == "done":
                    values["bookmark"] = window_end
                return values

            self._show(stream, phase)
            if phase in ("full", "incremental"):
                window = None
                if phase == "incremental":
                    window = (_ms(state["window_start"]), _ms(window_end))
                run_pass(
                    ctx, stream, mode="search" if window else "list",
                    cursor=state["cursor"], state_after=state_after, window=window,
                )  # fmt: skip
            else:
                run_archived_pass(
                    ctx,
                    stream,
                    cursor=state["cursor"],
                    state_after=state_after,
                    scanned_as_of=window_end,
                )
            state = self.store.read_sync_state(SOURCE, stream.name) or {}

    def _archived_scan_due(self, stream: ObjectStream) -> bool:
        """Whether this run re-reads `stream`'s archived list after its incremental search."""
        hours = self.config.archived_scan_hours
        last = self.store.read_sync_state(SOURCE, archived_scan_key(stream))
        if hours <= 0 or last is None or last["bookmark"] is None:
            return True
        return bool(self.started - last["bookmark"] >= timedelta(hours=hours))

    # ------------------------------------------------------------------ run log and progress
    def _on_commit(self, stream: ObjectStream, written: int, removed: int, why: str) -> None:
        self.counts[stream.name] += written
        self.counts[why] += removed
        self._show(stream, "")
        self._log()

    def _show(self, stream: ObjectStream, phase: str) -> None:
        used = self.client.budget.used - self._used_before
        self.progress.show(
            f"HubSpot {stream.name}{' (' + phase + ')' if phase else ''}: "
            f"{self.counts[stream.name]:,} records, {self.counts['archived']:,} archived, "
            f"{used:,} requests"
        )

    def _log(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_log >= 5.0:
            self._last_log = now
            self.store.update_run(
                SyncRun, self._run_id, counts=json.dumps(self.counts, sort_keys=True),
                requests_used=self.client.budget.used - self._used_before,
            )  # fmt: skip


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)
