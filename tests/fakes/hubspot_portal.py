"""The fake HubSpot's data: an in-memory portal with the shapes HubSpot's docs show.

Records keep only their own properties; `hs_object_id`, the create date and the modification
date are derived when served. Ids per object type are kept sorted so paging is a bisect.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

ENGAGEMENTS = ("calls", "emails", "meetings", "notes", "tasks")
OBJECT_TYPES = ("contacts", *ENGAGEMENTS, "deals")
MODIFIED = {t: ("lastmodifieddate" if t == "contacts" else "hs_lastmodifieddate") for t in OBJECT_TYPES}
CREATED = {t: ("createdate" if t in ("contacts", "deals") else "hs_createdate") for t in OBJECT_TYPES}
HISTORY_PROPERTIES = ("hs_lead_status",)
OUTCOME_IDS = (
    "f240bbac-87c9-4f6e-bf70-924b57d47db7",
    "73a0d17f-1163-4015-bdd5-ec830791da20",
    "b2cf5968-551e-4856-9783-52b3da59a7d0",
    "a4c4c377-d246-4b32-a13b-75a56a4cd0ff",
    "9d9162e7-6cf3-4944-bf63-4dff82258764",
    "17b47fee-58de-441e-a44c-c6300d46f273",
    "custom-outcome-1",
)


def iso(moment: datetime) -> str:
    """HubSpot's format: UTC with milliseconds and Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass(slots=True)
class Record:
    id: int
    properties: dict[str, str | None]
    created: datetime
    modified: datetime
    modified_ms: int
    archived_at: datetime | None = None
    merged_into: int | None = None  # merged away: reads of this id answer with that record
    history: dict[str, list[dict[str, str]]] | None = None
    created_text: str = ""
    modified_text: str = ""

    def __post_init__(self) -> None:
        self.created_text = self.created_text or iso(self.created)
        self.modified_text = self.modified_text or iso(self.modified)


@dataclass
class Portal:
    """Objects, associations (record -> sorted contact ids), owners and deal pipelines."""

    objects: dict[str, dict[int, Record]] = field(default_factory=lambda: {t: {} for t in OBJECT_TYPES})
    ids: dict[str, list[int]] = field(default_factory=lambda: {t: [] for t in OBJECT_TYPES})
    contacts_of: dict[str, dict[int, list[int]]] = field(default_factory=lambda: {t: {} for t in OBJECT_TYPES})
    owners: list[dict[str, Any]] = field(default_factory=list)
    pipelines: list[dict[str, Any]] = field(default_factory=list)
    next_id: int = 1000

    # ------------------------------------------------------------------ mutations
    def create(
        self,
        object_type: str,
        properties: dict[str, str | None],
        *,
        at: datetime | None = None,
        contacts: list[int] | None = None,
        record_id: int | None = None,
    ) -> int:
        at = at or datetime.now(UTC)
        if record_id is None:
            self.next_id += 1
            record_id = self.next_id
        record = Record(record_id, {}, at, at, to_ms(at))
        self.objects[object_type][record_id] = record
        bisect.insort(self.ids[object_type], record_id)
        self._set(object_type, record, properties, at)
        if contacts:
            self.contacts_of[object_type][record_id] = sorted(set(contacts))
        return record_id

    def update(self, object_type: str, record_id: int, properties: dict[str, str | None], *, at: datetime | None = None) -> None:
        at = at or datetime.now(UTC)
        record = self.objects[object_type][record_id]
        self._set(object_type, record, properties, at)
        self._touch(record, at)

    def associate(self, object_type: str, record_id: int, contacts: list[int], *, at: datetime | None = None) -> None:
        """Replace a record's contacts; the record counts as modified (as when a rep edits it)."""
        self.contacts_of[object_type][record_id] = sorted(set(contacts))
        self._touch(self.objects[object_type][record_id], at or datetime.now(UTC))

    def archive(self, object_type: str, record_id: int, *, at: datetime | None = None) -> None:
        """Archive (delete) a record. Archiving a contact drops its associations without
        touching the other side, as HubSpot does."""
        at = at or datetime.now(UTC)
        self.objects[object_type][record_id].archived_at = at
        self.contacts_of[object_type].pop(record_id, None)
        if object_type == "contacts":
            for table in self.contacts_of.values():
                for other, contacts in table.items():
                    if record_id in contacts:
                        table[other] = [c for c in contacts if c != record_id]

    def merge(self, object_type: str, loser: int, survivor: int, *, at: datetime | None = None) -> None:
        """Merge `loser` into `survivor`, as HubSpot does: the loser leaves the live and the
        archived lists alike (a read of its id answers with the survivor), the survivor is
        modified and lists the loser in `hs_merged_object_ids` and keeps the older create date,
        and the loser's associations move to the survivor without touching the records on the
        other side (their modification dates stay)."""
        at = at or datetime.now(UTC)
        gone, kept = self.objects[object_type][loser], self.objects[object_type][survivor]
        gone.merged_into = survivor
        merged = [v for v in (kept.properties.get("hs_merged_object_ids") or "").split(";") if v]
        kept.properties["hs_merged_object_ids"] = ";".join([*merged, str(loser)])
        if gone.created < kept.created:
            kept.created, kept.created_text = gone.created, gone.created_text
        self._touch(kept, at)
        if object_type == "contacts":
            for table in self.contacts_of.values():
                for other, contacts in table.items():
                    if loser in contacts:
                        table[other] = sorted({survivor if c == loser else c for c in contacts})
        else:
            self.contacts_of[object_type][survivor] = sorted(
                {*self.contacts_of[object_type].get(survivor, []), *self.contacts_of[object_type].pop(loser, [])}
            )

    def _set(self, object_type: str, record: Record, properties: dict[str, str | None], at: datetime) -> None:
        for name, value in properties.items():
            record.properties[name] = value
            if name in HISTORY_PROPERTIES and object_type == "contacts":
                record.history = record.history or {}
                entry = {"value": value or "", "timestamp": iso(at), "sourceType": "CRM_UI", "sourceId": "userId:1"}
                record.history.setdefault(name, []).insert(0, entry)  # newest first

    @staticmethod
    def _touch(record: Record, at: datetime) -> None:
        record.modified = at
        record.modified_ms = to_ms(at)
        record.modified_text = iso(at)

    # ------------------------------------------------------------------ reads
    def live(self, object_type: str, record_id: int) -> Record | None:
        """The live record with this id (not archived, not merged away)."""
        record = self.objects[object_type].get(record_id)
        return record if record is not None and record.archived_at is None and record.merged_into is None else None

    def resolve(self, object_type: str, record_id: int) -> Record | None:
        """What a read of this id answers: the record, or for a merged-away id the survivor."""
        record = self.objects[object_type].get(record_id)
        seen = set()
        while record is not None and record.merged_into is not None and record.id not in seen:
            seen.add(record.id)
            record = self.objects[object_type].get(record.merged_into)
        return record if record is not None and record.archived_at is None else None

    def value(self, object_type: str, record: Record, name: str) -> str | None:
        if name == "hs_object_id":
            return str(record.id)
        if name == MODIFIED[object_type]:
            return record.modified_text
        if name == CREATED[object_type]:
            return record.created_text
        return record.properties.get(name)

    def serialize(self, object_type: str, record: Record, properties: list[str]) -> dict[str, Any]:
        names = dict.fromkeys(["hs_object_id", CREATED[object_type], MODIFIED[object_type], *properties])
        out: dict[str, Any] = {
            "id": str(record.id),
            "properties": {n: self.value(object_type, record, n) for n in names},
            "createdAt": record.created_text,
            "updatedAt": record.modified_text,
            "archived": record.archived_at is not None,
        }
        if record.archived_at is not None:
            out["archivedAt"] = iso(record.archived_at)
        return out


# ---------------------------------------------------------------------- a generated portal
TEAMS = [("11", "Marketing"), ("12", "Sales East"), ("13", "Sales West"), ("14", "Customer Service"), ("15", "Partners")]


def generate_portal(
    *,
    contacts: int = 120,
    engagements_per_contact: float = 2.0,
    deals: int = 30,
    seed: int = 7,
    start: datetime = datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
    owners: int = 8,
) -> Portal:
    """A small realistic portal: owners in teams (one unmapped team), contacts with MQL dates in
    the newer or only the older property, rejected and reopened leads, engagements of every type
    (a few without contacts, some with several), deals in won and open stages of two pipelines."""
    rng = random.Random(seed)
    portal = Portal()
    for index in range(owners):
        team = TEAMS[index % len(TEAMS)]
        teams = [{"id": team[0], "name": team[1], "primary": True}]
        if index % 3 == 0:
            other = TEAMS[(index + 2) % len(TEAMS)]
            teams.append({"id": other[0], "name": other[1], "primary": False})
        portal.owners.append(
            {
                "id": str(500 + index), "email": f"rep{index}@example.com", "firstName": f"Rep{index}",
                "lastName": "Smith", "userId": 9000 + index, "createdAt": iso(start), "updatedAt": iso(start),
                "archived": index == owners - 1, "teams": teams if index != 2 else [],
            }
        )  # fmt: skip
    portal.pipelines = [
        {"id": "default", "label": "Sales", "archived": False, "stages": [
            _stage("appointmentscheduled", "0.2", False), _stage("closedwon", "1.0", True),
            _stage("closedlost", "0.0", True)]},
        {"id": "7001", "label": "Renewals", "archived": False, "stages": [
            _stage("7101", "0.5", False), _stage("7102", "1.0", True)]},
    ]  # fmt: skip
    owner_ids = [o["id"] for o in portal.owners]
    contact_ids = []
    for index in range(contacts):
        at = start + timedelta(minutes=37 * index)
        status = rng.choice(["NEW", "OPEN", "IN_PROGRESS", "UNQUALIFIED", "CONNECTED", "ATTEMPTED_TO_CONTACT", ""])
        mql = iso(at + timedelta(minutes=5))
        props: dict[str, str | None] = {
            "email": f"lead{index}@example.org", "company": f"Company {index % 17}",
            "hubspot_owner_id": rng.choice([*owner_ids, ""]),
            "hubspot_owner_assigneddate": iso(at + timedelta(minutes=9)) if index % 4 else "",
            "hs_analytics_source": rng.choice(["ORGANIC_SEARCH", "PAID_SOCIAL", "DIRECT_TRAFFIC", None]),
            "hs_v2_date_entered_marketingqualifiedlead": mql if index % 3 == 0 else ("" if index % 3 == 1 else None),
            "hs_lifecyclestage_marketingqualifiedlead_date": mql if index % 3 != 2 else None,
        }  # fmt: skip
        contact_id = portal.create("contacts", props, at=at)
        if status:
            portal.update("contacts", contact_id, {"hs_lead_status": "OPEN"}, at=at + timedelta(hours=1))
            portal.update("contacts", contact_id, {"hs_lead_status": status}, at=at + timedelta(hours=2))
            if index % 11 == 0:  # re-saved with the same value: not a new rejection
                portal.update("contacts", contact_id, {"hs_lead_status": status}, at=at + timedelta(hours=5))
        contact_ids.append(contact_id)
    total = int(contacts * engagements_per_contact)
    for index in range(total):
        kind = ENGAGEMENTS[index % len(ENGAGEMENTS)]
        at = start + timedelta(minutes=11 * index + 3)
        linked = [] if index % 23 == 0 else rng.sample(contact_ids, 1 if index % 7 else min(3, len(contact_ids)))
        portal.create(kind, engagement_properties(kind, rng, owner_ids, at), at=at, contacts=linked)
    for index in range(deals):
        at = start + timedelta(hours=5 * index)
        pipeline = portal.pipelines[index % 2]
        stage = rng.choice(pipeline["stages"])["id"]
        props = {
            "dealstage": stage, "pipeline": pipeline["id"], "closedate": iso(at + timedelta(days=3)),
            "amount": str(round(rng.uniform(500, 50000), 2)) if index % 5 else "",
            "hubspot_owner_id": rng.choice(owner_ids),
        }  # fmt: skip
        linked = [] if index % 9 == 0 else rng.sample(contact_ids, 1 if index % 4 else 2)
        portal.create("deals", props, at=at, contacts=linked)
    return portal


def _stage(stage_id: str, probability: str, closed: bool) -> dict[str, Any]:
    return {
        "id": stage_id, "label": stage_id, "displayOrder": 0, "archived": False,
        "metadata": {"isClosed": "true" if closed else "false", "probability": probability},
    }  # fmt: skip


def engagement_properties(kind: str, rng: random.Random, owner_ids: list[str], at: datetime) -> dict[str, str | None]:
    props: dict[str, str | None] = {"hs_timestamp": iso(at), "hubspot_owner_id": rng.choice(owner_ids)}
    if kind == "calls":
        props |= {
            "hs_call_direction": rng.choice(["OUTBOUND", "OUTBOUND", "INBOUND"]),
            "hs_call_disposition": rng.choice(OUTCOME_IDS), "hs_call_body": "Call notes",
            "hs_call_status": "COMPLETED",
        }  # fmt: skip
    elif kind == "emails":
        props |= {"hs_email_direction": rng.choice(["EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL"]), "hs_email_text": "Hello"}
    elif kind == "meetings":
        props |= {"hs_meeting_outcome": rng.choice(["COMPLETED", "NO_SHOW", "SCHEDULED"]), "hs_meeting_body": "Demo"}
    elif kind == "notes":
        props |= {"hs_note_body": "A note"}
    else:
        props |= {"hs_task_status": rng.choice(["NOT_STARTED", "COMPLETED"]), "hs_task_body": "Follow up"}
    return props
