"""Right before nudging, ask HubSpot whether the leads about to be nudged still exist.

An incremental sync sees a deleted or merged contact only when it next reads the archived lists
(`archived_scan_hours`), so the items a nudge pass is about to send are checked directly: one
batch read per 100 contacts, and only when there is something to send. A contact HubSpot no
longer returns under its own id was deleted, or merged into another one (a batch read of a
merged-away id answers with the surviving contact); either way it is marked deleted here at
once, and its activities and deals move to the contact they are now associated with, as the
archived scan does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from connectors.hubspot import mapping
from connectors.hubspot.budget import shared_budget
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.passes import SOURCE, PassContext, repoint_after_archival
from connectors.hubspot.streams import CONTACTS_SCOPE
from connectors.hubspot.sync import _rates
from models.config import load_config
from models.settings import Settings
from models.store import Store

BATCH = 100  # HubSpot's batch read limit without property history


def verify_contacts(store: Store, settings: Settings, lead_ids: Sequence[str]) -> list[str]:
    """The ids of `lead_ids` HubSpot no longer has (deleted or merged away), now marked deleted
    in the store with their activities and deals moved on. Leads not from HubSpot are skipped."""
    if settings.hubspot_access_token is None or not lead_ids:
        return []
    known = store.read_entity("lead", ids=list(dict.fromkeys(lead_ids)))
    ids = known.loc[known["origin"] == SOURCE, "lead_id"].astype(str).tolist()
    if not ids:
        return []
    config = load_config(settings.handoff_config).hubspot
    rate, search = _rates(settings, config)
    client = HubSpotClient(settings.hubspot_access_token.get_secret_value(), shared_budget(rate, search),
                           base_url=settings.hubspot_base_url)  # fmt: skip
    live: set[str] = set()
    for start in range(0, len(ids), BATCH):
        records = client.batch_read("contacts", ids[start : start + BATCH], properties=("hs_object_id",),
                                    history=(), scope=CONTACTS_SCOPE)  # fmt: skip
        live.update(str(r["id"]) for r in records)
    gone = [i for i in ids if i not in live]
    if not gone:
        return []
    now = datetime.now(UTC)
    ctx = PassContext(store=store, client=client, config=config, won=mapping.WonStages(frozenset()),
                      now=lambda: now, on_commit=lambda *_: None)  # fmt: skip
    moves = repoint_after_archival(ctx, gone)
    with store.transaction() as conn:
        for entity, frame, orphans in moves:
            store.upsert_frame(entity, frame, origin=SOURCE, conn=conn)
            store.mark_deleted(entity, orphans, now, conn=conn)
        store.mark_deleted("lead", gone, now, conn=conn)
    return gone
