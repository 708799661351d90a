"""The HubSpot objects a sync reads, declared once: where they live, which properties to ask
for (names from the SLA file's [hubspot.properties], defaults in SPEC.md section 6), what they
become, and which private-app scope reads them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

CONTACTS_SCOPE = "crm.objects.contacts.read"  # engagements are read with the contacts scope too
DEALS_SCOPE = "crm.objects.deals.read"

# Every scope the private app needs (README): emails' bodies need sales-email-read.
REQUIRED_SCOPES = (
    "crm.objects.owners.read",
    CONTACTS_SCOPE,
    DEALS_SCOPE,
    "sales-email-read",
)


@dataclass(frozen=True)
class ObjectStream:
    """One HubSpot object type synced into one canonical entity."""

    name: str  # HubSpot object type, also the checkpoint's object_type
    entity: str  # canonical entity: lead, activity or deal
    modified_property: str  # what incremental search filters on
    property_keys: tuple[str, ...]  # keys of HubSpotConfig.properties
    scope: str
    activity_type: str | None = None
    needs_contact: bool = False  # the canonical row needs the associated contact as lead_id

    def properties(self, names: Mapping[str, str]) -> list[str]:
        """HubSpot property names to request (deduplicated, order kept)."""
        wanted = [names[key] for key in self.property_keys if names.get(key)]
        wanted.append(self.modified_property)
        return list(dict.fromkeys(wanted))


_ACTIVITY_COMMON = ("activity_time", "activity_owner")

CONTACTS = ObjectStream(
    "contacts",
    "lead",
    "lastmodifieddate",
    (
        "created_at",
        "email",
        "company",
        "handed_off_at",
        "handed_off_at_fallback",
        "assigned_at",
        "owner_id",
        "source",
        "status",
        "rejection_reason",
    ),
    CONTACTS_SCOPE,
)
CALLS = ObjectStream(
    "calls",
    "activity",
    "hs_lastmodifieddate",
    (*_ACTIVITY_COMMON, "call_direction", "call_outcome", "call_body"),
    CONTACTS_SCOPE,
    activity_type="call",
    needs_contact=True,
)
EMAILS = ObjectStream(
    "emails",
    "activity",
    "hs_lastmodifieddate",
    (*_ACTIVITY_COMMON, "email_direction", "email_body"),
    CONTACTS_SCOPE,
    activity_type="email",
    needs_contact=True,
)
MEETINGS = ObjectStream(
    "meetings",
    "activity",
    "hs_lastmodifieddate",
    (*_ACTIVITY_COMMON, "meeting_outcome", "meeting_body"),
    CONTACTS_SCOPE,
    activity_type="meeting",
    needs_contact=True,
)
NOTES = ObjectStream(
    "notes",
    "activity",
    "hs_lastmodifieddate",
    (*_ACTIVITY_COMMON, "note_body"),
    CONTACTS_SCOPE,
    activity_type="note",
    needs_contact=True,
)
TASKS = ObjectStream(
    "tasks",
    "activity",
    "hs_lastmodifieddate",
    (*_ACTIVITY_COMMON, "task_status", "task_body"),
    CONTACTS_SCOPE,
    activity_type="task",
    needs_contact=True,
)
DEALS = ObjectStream(
    "deals",
    "deal",
    "hs_lastmodifieddate",
    (
        "deal_closed_at",
        "deal_amount",
        "deal_owner",
        "deal_stage",
        "deal_pipeline",
        "deal_service_owner",
    ),
    DEALS_SCOPE,
    needs_contact=True,
)

# Contacts first: an archived contact re-points its activities before they are read.
STREAMS: tuple[ObjectStream, ...] = (CONTACTS, CALLS, EMAILS, MEETINGS, NOTES, TASKS, DEALS)
STREAM_BY_NAME = {stream.name: stream for stream in STREAMS}
STREAM_BY_ACTIVITY_TYPE = {s.activity_type: s for s in STREAMS if s.activity_type}
