"""The fake portal mapped to canonical rows by hand (SPEC.md section 6), written independently of
connectors/hubspot/mapping.py, plus helpers to compare it with what a sync stored."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from models.columns import ENTITIES, ENTITY_BY_NAME
from models.store import Store

from .hubspot_portal import ENGAGEMENTS, Portal, iso

OUTCOMES = {
    "f240bbac-87c9-4f6e-bf70-924b57d47db7": "connected",
    "73a0d17f-1163-4015-bdd5-ec830791da20": "no_answer",
    "b2cf5968-551e-4856-9783-52b3da59a7d0": "left_voicemail",
    "a4c4c377-d246-4b32-a13b-75a56a4cd0ff": "left_live_message",
    "9d9162e7-6cf3-4944-bf63-4dff82258764": "busy",
    "17b47fee-58de-441e-a44c-c6300d46f273": "wrong_number",
}
TEAM_TIERS = {"Marketing": "marketing", "Sales East": "sales", "Sales West": "sales", "Customer Service": "service"}
Row = dict[str, Any]


def _t(value: str | None) -> str | None:
    """Canonical text of a timestamp: UTC ISO with microseconds."""
    if value in (None, ""):
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC).isoformat()


def _blank(value: Any) -> Any:
    return None if value == "" else value


def expected(portal: Portal, team_tiers: Mapping[str, str] = TEAM_TIERS, rejected: tuple[str, ...] = ("UNQUALIFIED",)) -> dict[str, list[Row]]:
    """What Handoff should hold for `portal`, as canonical rows per entity."""
    teams: dict[str, Row] = {}
    owners = []
    for owner in portal.owners:
        primary = next((t for t in owner["teams"] if t["primary"]), owner["teams"][0] if owner["teams"] else None)
        team_id = None
        if primary and primary["name"] in team_tiers:
            team_id = primary["id"]
            teams[team_id] = {"team_id": team_id, "name": primary["name"], "tier": team_tiers[primary["name"]], "calendar": None, "manager_email": None}
        owners.append({"owner_id": owner["id"], "name": f"{owner['firstName']} {owner['lastName']}", "email": owner["email"], "team_id": team_id, "active": not owner["archived"]})
    leads = []
    for record in portal.objects["contacts"].values():
        if record.archived_at is not None:
            continue
        p = record.properties
        status = _blank(p.get("hs_lead_status"))
        rejected_at = None
        if status in rejected:
            run = None
            for entry in record.history["hs_lead_status"]:  # newest first
                if entry["value"] != status:
                    break
                run = entry["timestamp"]
            rejected_at = _t(run)
        leads.append({
            "lead_id": str(record.id), "created_at": _t(iso(record.created)),
            "handed_off_at": _t(_blank(p.get("hs_v2_date_entered_marketingqualifiedlead")) or _blank(p.get("hs_lifecyclestage_marketingqualifiedlead_date"))),
            "assigned_at": _t(_blank(p.get("hubspot_owner_assigneddate"))), "owner_id": _blank(p.get("hubspot_owner_id")),
            "source": _blank(p.get("hs_analytics_source")), "status": status, "rejected_at": rejected_at,
            "rejection_reason": status if rejected_at else None, "email": _blank(p.get("email")), "company": _blank(p.get("company")),
        })  # fmt: skip
    activities = []
    for kind in ENGAGEMENTS:
        for record in portal.objects[kind].values():
            contacts = portal.contacts_of[kind].get(record.id, [])
            if record.archived_at is not None or not contacts:
                continue
            p = record.properties
            direction = outcome = body = None
            if kind == "calls":
                direction = {"OUTBOUND": "outbound", "INBOUND": "inbound"}.get(p.get("hs_call_direction") or "")
                outcome = OUTCOMES.get(p["hs_call_disposition"], p["hs_call_disposition"])
                body = p.get("hs_call_body")
            elif kind == "emails":
                direction = "inbound" if p["hs_email_direction"] == "INCOMING_EMAIL" else "outbound"
                body = p.get("hs_email_text")
            elif kind == "meetings":
                direction, outcome, body = "outbound", p.get("hs_meeting_outcome"), p.get("hs_meeting_body")
            elif kind == "notes":
                body = p.get("hs_note_body")
            else:
                outcome, body = p.get("hs_task_status"), p.get("hs_task_body")
            activities.append({
                "activity_id": str(record.id), "lead_id": str(min(contacts)), "type": kind[:-1],
                "occurred_at": _t(p["hs_timestamp"]), "owner_id": _blank(p.get("hubspot_owner_id")),
                "direction": direction, "outcome": _blank(outcome), "body": _blank(body),
            })  # fmt: skip
    won = {(pl["id"], st["id"]) for pl in portal.pipelines for st in pl["stages"]
           if st["metadata"]["isClosed"] == "true" and float(st["metadata"]["probability"]) == 1.0}  # fmt: skip
    deals = []
    for record in portal.objects["deals"].values():
        contacts = portal.contacts_of["deals"].get(record.id, [])
        p = record.properties
        if record.archived_at is not None or not contacts or (p["pipeline"], p["dealstage"]) not in won:
            continue
        deals.append({
            "deal_id": str(record.id), "lead_id": str(min(contacts)), "closed_won_at": _t(p["closedate"]),
            "owner_id": _blank(p.get("hubspot_owner_id")), "amount": float(p["amount"]) if p.get("amount") else None,
            "service_owner_id": None,  # no deal property is mapped to it by default
        })  # fmt: skip
    return {"team": list(teams.values()), "owner": owners, "lead": leads, "activity": activities, "deal": deals}


def stored(store: Store) -> dict[str, list[Row]]:
    """What the store exports (live rows, canonical columns), as comparable rows."""
    out = {}
    for spec in ENTITIES:
        frame = store.read_entity(spec.entity)
        out[spec.entity] = [_normal(spec.entity, row) for row in frame[list(spec.columns)].to_dict("records")]
    return out


def _normal(entity: str, row: Row) -> Row:
    clean: Row = {}
    for name, value in row.items():
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
            clean[name] = None
        elif isinstance(value, pd.Timestamp | datetime):
            clean[name] = pd.Timestamp(value).tz_convert(UTC).isoformat()
        elif name == "active":
            clean[name] = bool(value)
        elif name == "amount":
            clean[name] = round(float(value), 2)
        else:
            clean[name] = value
    return clean


def as_sorted(rows: dict[str, list[Row]]) -> dict[str, list[Row]]:
    """Rows per entity sorted by key, with the expected rows' timestamps made comparable."""
    out = {}
    for entity, items in rows.items():
        key = ENTITY_BY_NAME[entity].key
        normal = [_normal(entity, {k: (pd.Timestamp(v) if isinstance(v, str) and k.endswith("_at") else v) for k, v in r.items()}) for r in items]
        out[entity] = sorted(normal, key=lambda r, key=key: str(r[key]))
    return out


def full_table(store: Store, entity: str) -> list[Row]:
    """Every row including soft-deleted ones (deleted_at reduced to a flag: it is a wall-clock time)."""
    spec = ENTITY_BY_NAME[entity]
    frame = store.read_entity(entity, include_deleted=True)
    rows = []
    for row in frame.to_dict("records"):
        deleted = row.pop("deleted_at", None)
        clean = _normal(entity, {k: v for k, v in row.items() if k in spec.columns})
        clean["deleted"] = deleted is not None and deleted is not pd.NaT and not (isinstance(deleted, float) and math.isnan(deleted))
        rows.append(clean)
    return sorted(rows, key=lambda r: str(r[spec.key]))


def csv_cells(entity: str, rows: list[Row]) -> list[dict[str, str]]:
    """Expected rows as the text cells of their canonical CSV file (SPEC.md section 1), sorted by
    key: empty for null, `true`/`false`, shortest float text, ISO 8601 UTC with `+00:00`."""
    spec = ENTITY_BY_NAME[entity]

    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return repr(value) if isinstance(value, float) else str(value)

    cells = [{name: text(row.get(name)) for name in spec.columns} for row in rows]
    return sorted(cells, key=lambda r: r[spec.key])
