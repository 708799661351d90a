"""Benchmark `handoff sync hubspot` against the fake HubSpot (run in its own process).

Measures, for a portal of 100k contacts and 1M engagements (times --scale):
- requests used by a full sync against the minimum the API allows (full pages of 100, history
  batches of 50, association batches of 100, one request per empty list);
- the achieved request rate against the configured budget (the sync should be limited by the
  budget, not by our code);
- requests used by an idle incremental sync right after it (`idle_*`; it includes the check
  that the recent contacts and deals still exist), and by one whose
  archived-list scan is due (`idle_scan_due_*`: the clock moved past archived_scan_hours), each
  against its minimum, medians of --idle-repeats runs.

    .venv/bin/python bench/bench_sync.py [--scale 0.1] [--rate-per-10s 190] [--repeats 1]
    .venv/bin/python bench/bench_sync.py --idle-only [--scale 0.1]   # about a minute

Writes bench/out/sync.json and prints it. `--idle-only` replaces only the `idle_*` figures in
it (measured at --scale after a full sync that is not reported), keeping the full-size ones.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fakes.hubspot_portal import ENGAGEMENTS, OUTCOME_IDS, Portal, Record, iso, to_ms  # noqa: E402
from fakes.hubspot_server import FakeHubSpot  # noqa: E402

TOKEN = "pat-bench"
SLA = '[hubspot]\n[hubspot.team_tiers]\n"Sales East" = "sales"\n"Marketing" = "marketing"\n'


def bulk_portal(
    contacts: int, engagements: int, deals: int, *, archived_share: float = 0.01
) -> Portal:
    """A large portal built fast: shared property dicts, every 10th lead rejected, every 50th
    engagement with 3 contacts (the rest with one), 1% of everything archived. Contacts and deals
    are spread evenly over the year up to now (ids rising with time, as HubSpot's do), so the
    current and previous month hold about a sixth of them: the recent records every sync checks."""
    portal = Portal()
    end = datetime.now(UTC).replace(microsecond=0)
    start = end - timedelta(days=365)
    span = end - start
    portal.owners = [
        {"id": str(100 + i), "email": f"o{i}@x.io", "firstName": "O", "lastName": str(i), "archived": i >= 45,
         "teams": [{"id": "1", "name": "Sales East" if i % 2 else "Marketing", "primary": True}]}
        for i in range(50)
    ]  # fmt: skip
    portal.pipelines = [{"id": "default", "stages": [
        {"id": "closedwon", "metadata": {"isClosed": "true", "probability": "1.0"}},
        {"id": "open", "metadata": {"isClosed": "false", "probability": "0.3"}}]}]  # fmt: skip
    every = max(1, round(1 / archived_share))

    def add(
        kind: str, record_id: int, props: dict[str, Any], at: datetime, contacts: list[int] | None
    ) -> None:
        text = iso(at)
        record = Record(record_id, props, at, at, to_ms(at), created_text=text, modified_text=text)
        if record_id % every == 0:
            record.archived_at = at
        portal.objects[kind][record_id] = record
        portal.ids[kind].append(record_id)
        if contacts:
            portal.contacts_of[kind][record_id] = contacts

    history = [{"value": "UNQUALIFIED", "timestamp": iso(start), "sourceType": "CRM_UI"}]
    for index in range(contacts):
        at = start + span * (index / contacts)
        rejected = index % 10 == 0
        props = {"email": f"c{index}@x.io", "hs_lead_status": "UNQUALIFIED" if rejected else "OPEN",
                 "hs_v2_date_entered_marketingqualifiedlead": iso(at), "hubspot_owner_id": "101"}  # fmt: skip
        add("contacts", 1 + index, props, at, None)
        if rejected:
            portal.objects["contacts"][1 + index].history = {"hs_lead_status": history}
    base = 10_000_000
    shared = {kind: {"hs_timestamp": iso(start), "hubspot_owner_id": "101", "hs_call_direction": "OUTBOUND",
                     "hs_call_disposition": OUTCOME_IDS[0], "hs_email_direction": "EMAIL"} for kind in ENGAGEMENTS}  # fmt: skip
    for index in range(engagements):
        kind = ENGAGEMENTS[index % 5]
        contact = 1 + index % contacts
        linked = (
            [contact, 1 + (contact + 1) % contacts, 1 + (contact + 2) % contacts]
            if index % 50 == 0
            else [contact]
        )
        add(kind, base + index, shared[kind], start, linked)
    for index in range(deals):
        at = start + span * (index / deals)
        props = {"dealstage": "closedwon" if index % 2 else "open", "pipeline": "default",
                 "closedate": iso(at), "amount": "100", "hubspot_owner_id": "101"}  # fmt: skip
        add("deals", 50_000_000 + index, props, at, [1 + index % contacts])
    return portal


def minimum_requests(portal: Portal, inline_limit: int) -> dict[str, int]:
    """The fewest requests a full sync can make with the API's page and batch sizes."""
    # Active and archived owners fit one page each; the recent-records check ends every sync
    # (one count search or batch read each for contacts and deals).
    out = {"owners": 2, "pipelines": 1, "recent_check": 2}
    for kind, table in portal.objects.items():
        live = [r for r in table.values() if r.archived_at is None]
        archived = len(table) - len(live)
        count = max(1, math.ceil(len(live) / 100)) + max(1, math.ceil(archived / 100))
        if kind == "contacts":
            rejected = sum(1 for r in live if r.properties.get("hs_lead_status") == "UNQUALIFIED")
            count += math.ceil(rejected / 50)
        else:
            overflow = sum(
                1 for r in live if len(portal.contacts_of[kind].get(r.id, [])) > inline_limit
            )
            count += math.ceil(overflow / 100)
        out[kind] = count
    return out


def idle_minimums(portal: Portal) -> tuple[int, int]:
    """Fewest requests of an idle sync: active owners (one page), pipelines, one search per
    object type, and one request per object type whose recent records are checked (contacts and
    deals); and of one whose archived scan is due: plus every archived list, page by page."""
    idle = 2 + len(portal.objects) + 2
    archived = sum(
        max(1, math.ceil(sum(1 for r in table.values() if r.archived_at is not None) / 100))
        for table in portal.objects.values()
    )
    return idle, idle + archived


def serve(
    portal_args: tuple[int, int, int],
    inline_limit: int,
    limits: tuple[int, float],
    queue: Any,
    stop: Any,
) -> None:
    portal = bulk_portal(*portal_args)
    with FakeHubSpot(portal, token=TOKEN, inline_association_limit=inline_limit,
                     rate_per_10s=limits[0], search_per_second=int(limits[1])) as fake:  # fmt: skip
        archived = sum(
            r.archived_at is not None for t in portal.objects.values() for r in t.values()
        )
        queue.put(
            (fake.url, minimum_requests(portal, inline_limit), idle_minimums(portal), archived)
        )
        stop.wait()


def fake_stats(url: str) -> dict[str, Any]:
    import urllib.request

    with urllib.request.urlopen(f"{url}/_fake/stats") as response:
        return dict(json.loads(response.read()))


def measure_idle(
    sync: Callable[[], Any],
    offset: list[timedelta],
    scan_hours: float,
    repeats: int,
    minimums: tuple[int, int],
) -> dict[str, Any]:
    """Idle syncs right after a sync, then idle syncs with the archived scan due (medians)."""
    plain, due = [], []
    for _ in range(repeats):
        began = time.monotonic()
        requests = sync().requests_used
        plain.append((requests, time.monotonic() - began))
    for _ in range(repeats):
        offset[0] += timedelta(hours=scan_hours, minutes=1)  # the last scan is now just overdue
        began = time.monotonic()
        requests = sync().requests_used
        due.append((requests, time.monotonic() - began))
    return {
        "idle_requests": statistics.median(r for r, _ in plain), "idle_minimum_requests": minimums[0],
        "idle_seconds": round(statistics.median(t for _, t in plain), 2),
        "idle_scan_due_requests": statistics.median(r for r, _ in due),
        "idle_scan_due_minimum_requests": minimums[1],
        "idle_scan_due_seconds": round(statistics.median(t for _, t in due), 2),
        "idle_archived_scan_hours": scan_hours, "idle_repeats": repeats,
    }  # fmt: skip


def run_once(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from connectors.hubspot.client import HttpOptions
    from connectors.hubspot.sync import SyncOptions, sync_hubspot
    from models.config import load_config
    from models.settings import load_settings
    from models.store import Store

    counts = (int(100_000 * args.scale), int(1_000_000 * args.scale), int(5_000 * args.scale))
    queue: Any = mp.Queue()
    stop = mp.Event()
    limits = (args.rate_per_10s, args.search_per_s)
    server = mp.Process(
        target=serve, args=(counts, args.inline_limit, limits, queue, stop), daemon=True
    )
    started = time.monotonic()
    server.start()
    url, minimum, idle_minimum, archived = queue.get(timeout=1800)
    generated = time.monotonic() - started
    sla = workdir / "sla.toml"
    sla.write_text(SLA, encoding="utf-8")
    database = workdir / f"bench_{time.time_ns()}.db"
    store = Store(f"sqlite:///{database}")
    settings = load_settings(
        database_url=store.url, hubspot_access_token=TOKEN, hubspot_base_url=url, handoff_config=sla,
        hubspot_rate_per_10s=args.rate_per_10s, hubspot_search_per_s=args.search_per_s,
    )  # fmt: skip
    offset = [timedelta(0)]  # moved forward to make the archived scan due
    options = SyncOptions(http=HttpOptions(), clock=lambda: datetime.now(UTC) + offset[0])
    scan_hours = load_config(sla).hubspot.archived_scan_hours
    try:
        began = time.monotonic()
        first = sync_hubspot(store, settings, full=True, progress=args.progress, options=options)
        full_seconds = time.monotonic() - began
        from connectors.hubspot.recent import start_of_previous_month

        since = start_of_previous_month(options.clock())
        recent = {e: len(store.read_live_ids(e, "hubspot", since=since)) for e in ("lead", "deal")}
        idle = measure_idle(
            lambda: sync_hubspot(store, settings, full=False, progress=False, options=options),
            offset, scan_hours, args.idle_repeats, idle_minimum,
        )  # fmt: skip
        stats = fake_stats(url)
    finally:
        stop.set()
        server.join(timeout=10)
    least = sum(minimum.values())
    allowed = args.rate_per_10s / 10.0
    achieved = first.requests_used / full_seconds
    return {
        "contacts": counts[0], "engagements": counts[1], "deals": counts[2],
        "portal_generation_seconds": round(generated, 1),
        "full_status": first.status, "full_requests": first.requests_used, "minimum_requests": least,
        "minimum_by_object": minimum, "full_over_minimum_pct": round(100 * (first.requests_used / least - 1), 2),
        "full_seconds": round(full_seconds, 1), "records": first.counts,
        "allowed_requests_per_s": allowed, "achieved_requests_per_s": round(achieved, 2),
        "budget_used_pct": round(100 * achieved / allowed, 1),
        **idle, "idle_scale": args.scale, "idle_recent_leads": recent["lead"], "idle_recent_deals": recent["deal"], "idle_contacts": counts[0], "idle_archived_records": archived,
        "rate_limit_violations": len(stats["violations"]), "http_400s": len(stats["bad_requests"]),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale", type=float, default=0.1, help="1.0 = 100k contacts and 1M engagements"
    )
    parser.add_argument("--rate-per-10s", type=int, default=190)
    parser.add_argument("--search-per-s", type=float, default=4.0)
    parser.add_argument(
        "--inline-limit", type=int, default=100, help="contacts listed inline per record"
    )
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--idle-repeats", type=int, default=3, help="idle syncs of each kind")
    parser.add_argument("--idle-only", action="store_true", help="update only the idle_* figures")
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = [run_once(args, Path(tmp)) for _ in range(args.repeats)]
    now = datetime.now(UTC).isoformat(timespec="seconds")
    out = ROOT / "bench" / "out" / "sync.json"
    last = runs[-1]
    if args.idle_only:
        # Keep the full-size figures; replace only the idle ones (measured at --scale).
        kept = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
        result = {k: v for k, v in kept.items() if not k.startswith("idle_")}
        result.update({k: v for k, v in last.items() if k.startswith("idle_")})
        # The full sync that set the idle runs up, against its own minimum (a sanity check).
        result["idle_setup_full_over_minimum"] = last["full_requests"] - last["minimum_requests"]
        result["idle_setup_violations"] = last["rate_limit_violations"] + last["http_400s"]
    else:
        result = dict(last)
        for key in ("full_seconds", "achieved_requests_per_s", "budget_used_pct", "full_requests"):
            result[key] = statistics.median(r[key] for r in runs)
        result.update(scale=args.scale, rate_per_10s=args.rate_per_10s, repeats=args.repeats)
        result["measured_at"] = now
    for key in ("idle_requests", "idle_seconds", "idle_scan_due_requests", "idle_scan_due_seconds"):
        result[key] = statistics.median(r[key] for r in runs)
    result["idle_measured_at"] = now
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
