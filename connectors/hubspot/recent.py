"""Every sync checks that the recent leads and deals still exist (deletions and merges).

Search never returns archived records and the archived lists are read only every
`archived_scan_hours`; a merged-away contact is in neither (HubSpot answers a read of its id with
the surviving contact). So after the streams, each sync checks the recent records, the ones the
open and current verdicts are made of: leads handed off or created since the start of the
previous month, deals won since then.

Asking about each of them costs one batch read per 100 ids (a 100k-contact portal has ~16k
recent leads: 160 requests, every sync). Counting is cheaper: one search request with
`hs_object_id` between the lowest and the highest recent id and `createdate` before the run
start gives, in its `total`, how many of those records HubSpot has. If that is at least the
number we hold live in the same id range, nothing we hold there is gone; otherwise the range is
halved (by our ids) and each half counted again, down to pieces of at most 100 ids, which are
batch-read: an id HubSpot does not answer under its own id was deleted, or merged into the
record it answered with. An idle sync spends one request per object type; each record gone
costs about log2(recent / 100) more. A record created before the run start but not synced yet
(modified again after the start) makes HubSpot's count one higher and can hide one deletion in
the same range until the next sync, which syncs it; so can search-index lag (a minute or so) for
a deletion made just before the sync. The nudge pass batch-reads the leads it is about to nudge
(connectors/hubspot/verify.py), so neither can cause a nudge about a deleted lead.

A gone contact is marked deleted and its activities and won deals move to the contact they are
associated with now (the survivor of a merge), in one transaction per piece; a run killed
meanwhile has nothing half-written, and the next sync checks again.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime

from connectors.hubspot.client import BATCH_LIMIT
from connectors.hubspot.passes import SOURCE, PassContext, repoint_after_archival
from connectors.hubspot.streams import CONTACTS, DEALS, ObjectStream

MERGED_IDS = "hs_merged_object_ids"  # on the survivor: the ids merged into it, ';'-separated


@dataclass
class Checked:
    requests: int = 0
    deleted: int = 0
    merged: int = 0


def start_of_previous_month(moment: datetime) -> datetime:
    first = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first.replace(year=first.year - 1, month=12) if first.month == 1
            else first.replace(month=first.month - 1))  # fmt: skip


def check_recent(ctx: PassContext, *, run_start: datetime) -> Checked:
    """Check the recent contacts, then the recent deals (see the module docstring)."""
    since = start_of_previous_month(run_start)
    checked = Checked()
    for stream in (CONTACTS, DEALS):
        _check_stream(ctx, stream, since, run_start, checked)
    return checked


def _check_stream(
    ctx: PassContext, stream: ObjectStream, since: datetime, run_start: datetime, out: Checked
) -> None:
    recent = sorted(int(i) for i in ctx.store.read_live_ids(stream.entity, SOURCE, since=since))
    if not recent:
        return
    held = sorted(int(i) for i in ctx.store.read_live_ids(stream.entity, SOURCE))
    extra: list[tuple[str, str, str | list[str]]] = []
    if stream is DEALS:
        # We hold only won deals with a contact: count only those.
        if not ctx.won.pairs:
            return
        extra = [("dealstage", "IN", sorted(ctx.won.stage_ids())),
                 ("num_associated_contacts", "GT", "0")]  # fmt: skip
    created_before = int(run_start.timestamp() * 1000)
    pieces = [(bisect.bisect_left(held, recent[0]), bisect.bisect_right(held, recent[-1]))]
    while pieces:
        first, end = pieces.pop()
        ids = held[first:end]
        if not ids:
            continue
        if len(ids) <= BATCH_LIMIT:
            _read_piece(ctx, stream, [str(i) for i in ids], out)
            continue
        out.requests += 1
        there = ctx.client.count(stream.name, id_range=(ids[0], ids[-1]),
                                 created_before_ms=created_before, extra=extra,
                                 scope=stream.scope)  # fmt: skip
        if there >= len(ids):
            continue
        middle = first + len(ids) // 2
        pieces += [(middle, end), (first, middle)]


def _read_piece(ctx: PassContext, stream: ObjectStream, ids: list[str], out: Checked) -> None:
    """Batch-read up to 100 ids; those not answered under their own id are gone."""
    out.requests += 1
    found = ctx.client.batch_read(stream.name, ids, properties=(MERGED_IDS,), history=(),
                                  scope=stream.scope)  # fmt: skip
    answered = {str(r["id"]) for r in found}
    gone = [i for i in ids if i not in answered]
    if not gone:
        return
    merged: set[str] = set()
    for record in found:
        value = (record.get("properties") or {}).get(MERGED_IDS) or ""
        merged.update(v.strip() for v in str(value).split(";") if v.strip())
    now = ctx.now()
    moves = repoint_after_archival(ctx, gone) if stream is CONTACTS else []
    with ctx.store.transaction() as conn:
        for entity, frame, orphans in moves:
            ctx.store.upsert_frame(entity, frame, origin=SOURCE, conn=conn)
            ctx.store.mark_deleted(entity, orphans, now, conn=conn)
        ctx.store.mark_deleted(stream.entity, gone, now, conn=conn)
    merged_away = sum(1 for i in gone if i in merged)
    out.merged += merged_away
    out.deleted += len(gone) - merged_away
    ctx.on_commit(stream, 0, len(gone) - merged_away, "archived")
    ctx.on_commit(stream, 0, merged_away, "merged")
