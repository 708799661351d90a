"""Paged passes over one object stream, each page committed together with its cursor.

A pass reads pages (list endpoint, archived list, or windowed search). Some records need one
more read before they can be mapped: rejecting contacts need their status history, search
results (and list records with more contacts than fit inline) need their contact associations.
Those reads are batched across pages (full batches of 50/100 ids), and a page is committed as
soon as every record on it is complete, in one transaction with the cursor that follows it.
So a kill at any moment loses at most uncommitted pages, and the rerun reads them again.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from connectors.hubspot import mapping
from connectors.hubspot.client import BATCH_LIMIT, HISTORY_BATCH_LIMIT, HubSpotClient
from connectors.hubspot.streams import ObjectStream
from models.config_hubspot import HubSpotConfig
from models.store import Store

SOURCE = "hubspot"


@dataclass
class Page:
    records: list[dict[str, Any]]
    needs: list[str]  # ids that need one more read
    cursor: str | None  # the checkpoint cursor once this page is committed
    last: bool


@dataclass
class PassContext:
    """What every pass needs: where to write, what to call, how to map."""

    store: Store
    client: HubSpotClient
    config: HubSpotConfig
    won: mapping.WonStages
    now: Callable[[], datetime]
    on_commit: Callable[[ObjectStream, int, int, str], None]  # stream, written, removed, why
    max_pages_buffered: int = 20
    pages_per_commit: int = 10
    extras: dict[str, Any] = field(default_factory=dict)


def _after(body: dict[str, Any]) -> str | None:
    return ((body.get("paging") or {}).get("next") or {}).get("after")


def run_pass(
    ctx: PassContext,
    stream: ObjectStream,
    *,
    mode: str,
    cursor: str | None,
    state_after: Callable[[str | None, bool], dict[str, Any]],
    window: tuple[int, int] | None = None,
) -> None:
    """Read pages from `cursor` to the end. mode: "list" (live records) or "search" (window).

    `state_after(cursor, finished)` gives the sync-state values to commit with each page.
    """
    props = stream.properties(ctx.config.properties)
    ctx.extras.clear()
    batch = HISTORY_BATCH_LIMIT if stream.entity == "lead" else BATCH_LIMIT
    # The next page is fetched while this one is mapped and written (the cursor is known as
    # soon as a page arrives), so the budget, not our processing, sets the pace.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hubspot-prefetch") as prefetch:
        upcoming = prefetch.submit(_fetch, ctx, stream, mode, cursor, props, window)
        _consume(ctx, stream, mode, props, window, batch, upcoming, prefetch, state_after)


def _consume(
    ctx: PassContext,
    stream: ObjectStream,
    mode: str,
    props: list[str],
    window: tuple[int, int] | None,
    batch: int,
    upcoming: Future[Page],
    prefetch: ThreadPoolExecutor,
    state_after: Callable[[str | None, bool], dict[str, Any]],
) -> None:
    buffered: list[Page] = []
    unresolved: list[str] = []
    while True:
        page = upcoming.result()
        if not page.last:
            upcoming = prefetch.submit(_fetch, ctx, stream, mode, page.cursor, props, window)
        buffered.append(page)
        unresolved.extend(page.needs)
        while len(unresolved) >= batch:
            _resolve(ctx, stream, unresolved[:batch], props)
            del unresolved[:batch]
        if unresolved and (page.last or len(buffered) >= ctx.max_pages_buffered):
            _resolve(ctx, stream, unresolved, props)
            unresolved.clear()
        ready = 0
        while ready < len(buffered) and all(i in ctx.extras for i in buffered[ready].needs):
            ready += 1
        # Commit several pages at once: mapping and writing 100 rows costs about as much as
        # 1,000, and a budget of 19 requests a second leaves ~50 ms per page.
        if ready and (
            page.last or ready >= ctx.pages_per_commit or len(buffered) >= ctx.max_pages_buffered
        ):
            _commit(ctx, stream, mode, buffered[:ready], state_after)
            del buffered[:ready]
        if page.last:
            return


def _fetch(
    ctx: PassContext,
    stream: ObjectStream,
    mode: str,
    cursor: str | None,
    props: list[str],
    window: tuple[int, int] | None,
) -> Page:
    if mode == "search":
        assert window is not None
        body = ctx.client.search_page(
            stream.name,
            modified_property=stream.modified_property,
            start_ms=window[0],
            end_ms=window[1],
            after_id=cursor,
            properties=props,
            scope=stream.scope,
        )
        records = list(body.get("results", []))
        last = _after(body) is None
        next_cursor = str(records[-1]["id"]) if records else cursor
    else:
        body = ctx.client.list_page(
            stream.name,
            after=cursor,
            properties=props,
            associations=("contacts",) if stream.needs_contact else (),
            scope=stream.scope,
        )
        records = list(body.get("results", []))
        next_cursor = _after(body)
        last = next_cursor is None
    return Page(records, _needs(ctx, stream, mode, records), next_cursor, last)


def _needs(
    ctx: PassContext, stream: ObjectStream, mode: str, records: list[dict[str, Any]]
) -> list[str]:
    names = ctx.config.properties
    if stream.entity == "lead":
        return mapping.rejecting_ids(records, names, ctx.config.rejected_statuses)
    if stream.entity == "deal":
        # Only won deals become rows, so only they need their contact.
        records = [
            r for r in records if mapping.deal_is_won(r.get("properties") or {}, names, ctx.won)
        ]
    if mode == "search":
        return [str(r["id"]) for r in records]
    return [str(r["id"]) for r in records if mapping.inline_contacts(r)[1]]


def _resolve(ctx: PassContext, stream: ObjectStream, ids: list[str], props: list[str]) -> None:
    if stream.entity == "lead":
        status = ctx.config.properties["status"]
        found = ctx.client.batch_read(
            stream.name, ids, properties=props, history=[status], scope=stream.scope
        )
        by_id = {str(r["id"]): r for r in found}
        for record_id in ids:
            ctx.extras[record_id] = by_id.get(record_id)
        return
    associations = ctx.client.read_associations(stream.name, ids, scope=stream.scope)
    for record_id in ids:
        ctx.extras[record_id] = associations.get(record_id, [])


def _commit(
    ctx: PassContext,
    stream: ObjectStream,
    mode: str,
    pages: list[Page],
    state_after: Callable[[str | None, bool], dict[str, Any]],
) -> None:
    records = [r for page in pages for r in page.records]
    frame, skipped = map_records(ctx, stream, records)
    state = state_after(pages[-1].cursor, pages[-1].last)
    with ctx.store.transaction() as conn:
        ctx.store.upsert_frame(stream.entity, frame, origin=SOURCE, conn=conn)
        if skipped:
            ctx.store.mark_deleted(stream.entity, skipped, ctx.now(), conn=conn)
        ctx.store.save_sync_state(SOURCE, stream.name, conn=conn, **state)
    for page in pages:
        for record_id in page.needs:
            ctx.extras.pop(record_id, None)
    ctx.on_commit(stream, len(frame), len(skipped), "left_out")


def map_records(
    ctx: PassContext, stream: ObjectStream, records: list[dict[str, Any]]
) -> tuple[pd.DataFrame, list[str]]:
    """Canonical rows for complete records, and the ids that are not exported (no contact,
    not won): those are marked deleted in case an earlier sync stored them."""
    names = ctx.config.properties
    if stream.entity == "lead":
        histories: dict[str, Any] = {}
        fresh = []
        status = names["status"]
        for record in records:
            newer = ctx.extras.get(str(record["id"]))
            if newer is not None:  # the batch read is newer and carries the history
                histories[str(record["id"])] = (newer.get("propertiesWithHistory") or {}).get(
                    status, []
                )
                record = newer
            fresh.append(record)
        return mapping.map_contacts(fresh, names, ctx.config.rejected_statuses, histories), []
    leads: dict[str, str | None] = {}
    for record in records:
        record_id = str(record["id"])
        contacts = ctx.extras.get(record_id)
        if contacts is None:
            contacts = mapping.inline_contacts(record)[0]
        leads[record_id] = mapping.lowest_id(contacts)
    if stream.entity == "deal":
        return mapping.map_deals(records, names, ctx.won, leads)
    assert stream.activity_type is not None
    return mapping.map_activities(records, stream.activity_type, names, leads)


def archived_scan_key(stream: ObjectStream) -> str:
    """The sync-state row whose bookmark is when `stream`'s archived list was last read whole."""
    return f"{stream.name}:archived"


def run_archived_pass(
    ctx: PassContext,
    stream: ObjectStream,
    *,
    cursor: str | None,
    state_after: Callable[[str | None, bool], dict[str, Any]],
    scanned_as_of: datetime,
) -> None:
    """Archived records are not searchable: list them and mark them deleted (kept, not exported).

    The last page also records `scanned_as_of` as the time of the last complete scan, in the
    same transaction. It is the start of the run that began the pass, not the end: a record
    archived meanwhile (or before a resumed run) may sit behind the cursor, unseen.
    """
    while True:
        body = ctx.client.list_page(
            stream.name,
            after=cursor,
            properties=("hs_object_id",),
            archived=True,
            scope=stream.scope,
        )
        records = list(body.get("results", []))
        next_cursor = _after(body)
        ids = [str(r["id"]) for r in records]
        repoint = []
        if stream.entity == "lead" and ids:
            # Only contacts archived since the last run (still live here) move their activities.
            newly = ctx.store.read_entity("lead", ids=ids)["lead_id"].tolist()
            repoint = repoint_after_archival(ctx, newly) if newly else []
        with ctx.store.transaction() as conn:
            for entity, frame, gone in repoint:
                ctx.store.upsert_frame(entity, frame, origin=SOURCE, conn=conn)
                ctx.store.mark_deleted(entity, gone, ctx.now(), conn=conn)
            for at, group in _by_archived_at(records, ctx.now()).items():
                ctx.store.mark_deleted(stream.entity, group, at, conn=conn)
            ctx.store.save_sync_state(
                SOURCE, stream.name, conn=conn, **state_after(next_cursor, next_cursor is None)
            )
            if next_cursor is None:
                ctx.store.save_sync_state(
                    SOURCE,
                    archived_scan_key(stream),
                    conn=conn,
                    phase="done",
                    bookmark=scanned_as_of,
                )
        ctx.on_commit(stream, 0, len(ids), "archived")
        if next_cursor is None:
            return
        cursor = next_cursor


def _by_archived_at(records: list[dict[str, Any]], fallback: datetime) -> dict[datetime, list[str]]:
    groups: dict[datetime, list[str]] = {}
    stamps = mapping.parse_times(pd.Series([r.get("archivedAt") for r in records], dtype=object))
    for record, stamp in zip(records, stamps, strict=True):
        at = fallback if pd.isna(stamp) else stamp.to_pydatetime()
        groups.setdefault(at, []).append(str(record["id"]))
    return groups


def repoint_after_archival(
    ctx: PassContext, contact_ids: list[str]
) -> list[tuple[str, pd.DataFrame, list[str]]]:
    """Activities and deals of archived contacts move to their next contact, or are deleted.

    Archiving a contact removes its associations without touching the activities, so their
    modification date does not bring them back into a search window.
    """
    from connectors.hubspot.streams import DEALS, STREAM_BY_ACTIVITY_TYPE

    gone_contacts = set(contact_ids)
    activities = ctx.store.read_activities_for_leads(contact_ids)
    deals = ctx.store.read_entity("deal")
    deals = deals[deals["lead_id"].isin(gone_contacts)]
    work: list[tuple[str, ObjectStream, pd.DataFrame, str]] = [
        ("activity", STREAM_BY_ACTIVITY_TYPE[str(kind)], group, "activity_id")
        for kind, group in activities.groupby("type")
    ]
    if not deals.empty:
        work.append(("deal", DEALS, deals, "deal_id"))
    out = []
    for entity, stream, rows, key in work:
        rows = rows[rows["origin"] == SOURCE]
        if rows.empty:
            continue
        found = ctx.client.read_associations(stream.name, rows[key].tolist(), scope=stream.scope)
        new_lead = rows[key].map(
            lambda i, found=found: mapping.lowest_id(
                c for c in found.get(i, []) if c not in gone_contacts
            )
        )
        moved = rows[new_lead.notna()].assign(lead_id=new_lead[new_lead.notna()])
        out.append(
            (
                entity,
                moved.drop(columns=["deleted_at"], errors="ignore"),
                rows.loc[new_lead.isna(), key].tolist(),
            )
        )
    return out
