"""HubSpot records (plain JSON dicts) -> canonical frames (SPEC.md section 6). Pure: no I/O.

Every property value arrives as a string or null; an empty string counts as missing. Datetimes are
ISO 8601 (with or without milliseconds); a bare number is read as epoch milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from connectors.csv_validate import check_emails, show_value
from models import columns as C

# HubSpot's default call outcome ids (a portal's own outcomes are kept as given).
CALL_OUTCOME_LABELS = {
    "f240bbac-87c9-4f6e-bf70-924b57d47db7": "connected",
    "73a0d17f-1163-4015-bdd5-ec830791da20": "no_answer",
    "b2cf5968-551e-4856-9783-52b3da59a7d0": "left_voicemail",
    "a4c4c377-d246-4b32-a13b-75a56a4cd0ff": "left_live_message",
    "9d9162e7-6cf3-4944-bf63-4dff82258764": "busy",
    "17b47fee-58de-441e-a44c-c6300d46f273": "wrong_number",
}
CALL_DIRECTIONS = {"OUTBOUND": "outbound", "INBOUND": "inbound"}
EMAIL_DIRECTIONS = {"EMAIL": "outbound", "FORWARDED_EMAIL": "outbound", "INCOMING_EMAIL": "inbound"}

LEAD_COLUMNS = [
    C.LEAD_ID, C.CREATED_AT, C.HANDED_OFF_AT, C.ASSIGNED_AT, C.OWNER_ID, C.SOURCE, C.STATUS,
    C.REJECTED_AT, C.REJECTION_REASON, C.EMAIL, C.COMPANY,
]  # fmt: skip
ACTIVITY_COLUMNS = [
    C.ACTIVITY_ID, C.LEAD_ID, C.TYPE, C.OCCURRED_AT, C.OWNER_ID, C.DIRECTION, C.OUTCOME, C.BODY
]  # fmt: skip
DEAL_COLUMNS = [C.DEAL_ID, C.LEAD_ID, C.CLOSED_WON_AT, C.OWNER_ID, C.AMOUNT, C.SERVICE_OWNER_ID]


def parse_times(values: pd.Series) -> pd.Series:
    """HubSpot datetime strings -> aware UTC timestamps (NaT when missing or unreadable)."""
    text = values.astype(object).where(values.notna(), None)
    text = text.map(lambda v: v if isinstance(v, str) and v.strip() else None)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    if text.isna().all():
        return out
    numeric = text.str.fullmatch(r"\d+").fillna(False).astype(bool)
    iso = text.notna() & ~numeric
    if iso.any():
        parsed = pd.to_datetime(text[iso], utc=True, format="ISO8601", errors="coerce")
        out.loc[iso] = parsed.astype("datetime64[us, UTC]")
    if numeric.any():
        millis = pd.to_numeric(text[numeric]).astype("int64")
        out.loc[numeric] = pd.to_datetime(millis, unit="ms", utc=True).astype("datetime64[us, UTC]")
    return out


def properties_frame(records: Sequence[Mapping[str, Any]], names: Iterable[str]) -> pd.DataFrame:
    """One row per record: `id`, `createdAt`, `updatedAt` and each named property (None if empty)."""
    names = list(dict.fromkeys(names))
    rows = [
        {
            "id": str(r["id"]),
            "createdAt": r.get("createdAt"),
            "updatedAt": r.get("updatedAt"),
            **{n: (r.get("properties") or {}).get(n) for n in names},
        }
        for r in records
    ]
    frame = pd.DataFrame(rows, columns=["id", "createdAt", "updatedAt", *names], dtype=object)
    return frame.map(lambda v: None if v is None or (isinstance(v, str) and v == "") else v)


def _nulls(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing text values as None (not NaN), as the store and CSV export expect."""
    frame = frame.copy()
    for name in frame.columns:
        values = frame[name]
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            frame[name] = values.astype(object).where(values.notna(), None)
    return frame


def lowest_id(ids: Iterable[str]) -> str | None:
    """The lead of a record with several contacts: the lowest contact id (deterministic)."""
    best: int | None = None
    for value in ids:
        number = int(value)
        best = number if best is None or number < best else best
    return None if best is None else str(best)


def inline_contacts(record: Mapping[str, Any]) -> tuple[list[str], bool]:
    """Contact ids listed on a list-endpoint record, and whether more pages of them exist."""
    block = (record.get("associations") or {}).get("contacts") or {}
    ids = [str(item["id"]) for item in block.get("results", [])]
    more = bool(((block.get("paging") or {}).get("next") or {}).get("after"))
    return ids, more


# ---------------------------------------------------------------------- owners and teams
def map_owners(
    owners: Sequence[Mapping[str, Any]], team_tiers: Mapping[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(teams, owners, warnings). Only teams named in `team_tiers` become teams (a team needs a
    tier); an owner whose primary team is not mapped gets no team_id.

    An owner's e-mail is who may sign in as that owner, so it passes the same check as the CSV
    import's: an address that is not one plain address (a line break, no @, a display name) is
    not stored; the owner is kept without an e-mail (their leads still count) and a warning says
    which owner to fix in HubSpot. Nobody can sign in as that owner until it is fixed."""
    teams: dict[str, dict[str, Any]] = {}
    rows = []
    for owner in owners:
        team = _primary_team(owner.get("teams") or [])
        team_id = None
        if team is not None and team.get("name") in team_tiers:
            team_id = str(team["id"])
            teams[team_id] = {C.TEAM_ID: team_id, C.NAME: team["name"], C.TIER: team_tiers[team["name"]]}
        name = " ".join(p for p in (owner.get("firstName"), owner.get("lastName")) if p).strip()
        rows.append(
            {
                C.OWNER_ID: str(owner["id"]),
                C.NAME: name or None,
                C.EMAIL: owner.get("email") if isinstance(owner.get("email"), str) else None,
                C.TEAM_ID: team_id,
                C.ACTIVE: not bool(owner.get("archived", False)),
            }
        )
    team_frame = pd.DataFrame(list(teams.values()), columns=[C.TEAM_ID, C.NAME, C.TIER])
    owner_frame = pd.DataFrame(rows, columns=[C.OWNER_ID, C.NAME, C.EMAIL, C.TEAM_ID, C.ACTIVE])
    owner_frame = owner_frame.drop_duplicates(C.OWNER_ID, keep="first")
    addresses, invalid = check_emails(owner_frame[C.EMAIL])
    warnings = [
        f"HubSpot owner {owner_id}: e-mail {show_value(raw)} is not one e-mail address; the owner "
        "is kept without an e-mail, so nobody can sign in to Handoff as them. Correct the "
        "address in HubSpot (Settings > Users & Teams) and sync again."
        for owner_id, raw in zip(
            owner_frame.loc[invalid, C.OWNER_ID], owner_frame.loc[invalid, C.EMAIL], strict=True
        )
    ]
    owner_frame[C.EMAIL] = addresses.where(~invalid, None)
    # No name in HubSpot: the (valid) address, else the id; never the text of a refused address.
    owner_frame[C.NAME] = (
        owner_frame[C.NAME].fillna(owner_frame[C.EMAIL]).fillna(owner_frame[C.OWNER_ID])
    )
    owner_frame[C.ACTIVE] = owner_frame[C.ACTIVE].astype(bool)
    return team_frame, _nulls(owner_frame), warnings


def _primary_team(teams: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    for team in teams:
        if team.get("primary"):
            return team
    return teams[0] if teams else None


# ---------------------------------------------------------------------- pipelines
@dataclass(frozen=True)
class WonStages:
    """(pipeline id, stage id) pairs whose metadata says closed and won."""

    pairs: frozenset[tuple[str, str]]

    def stage_ids(self) -> frozenset[str]:
        return frozenset(stage for _, stage in self.pairs)


def won_stages(pipelines: Mapping[str, Any]) -> WonStages:
    """Won = `isClosed` true and `probability` 1.0; custom pipelines have numeric stage ids."""
    pairs = set()
    for pipeline in pipelines.get("results", []):
        for stage in pipeline.get("stages", []):
            meta = stage.get("metadata") or {}
            closed = str(meta.get("isClosed", "")).lower() == "true"
            try:
                probability = float(meta.get("probability", "nan"))
            except (TypeError, ValueError):
                probability = float("nan")
            if closed and probability == 1.0 and not stage.get("archived", False):
                pairs.add((str(pipeline["id"]), str(stage["id"])))
    return WonStages(frozenset(pairs))


# ---------------------------------------------------------------------- contacts
def rejecting_ids(
    records: Sequence[Mapping[str, Any]], names: Mapping[str, str], rejected: Iterable[str]
) -> list[str]:
    """Contacts whose current status is a rejecting one (they need the status history)."""
    status = names["status"]
    rejected_set = set(rejected)
    return [str(r["id"]) for r in records if (r.get("properties") or {}).get(status) in rejected_set]


def status_set_at(history: Sequence[Mapping[str, Any]], current: str) -> pd.Timestamp | None:
    """When the property most recently took `current`: the start of the newest run of entries
    with that value (a re-save of the same value is not a new rejection)."""
    entries = sorted(
        (e for e in history if e.get("timestamp")), key=lambda e: str(e["timestamp"]), reverse=True
    )
    taken = None
    for entry in entries:
        if entry.get("value") != current:
            break
        taken = entry["timestamp"]
    if taken is None:
        return None
    return parse_times(pd.Series([taken])).iloc[0]


def map_contacts(
    records: Sequence[Mapping[str, Any]],
    names: Mapping[str, str],
    rejected: Iterable[str],
    histories: Mapping[str, Sequence[Mapping[str, Any]]],
) -> pd.DataFrame:
    """Contacts -> leads. `histories` holds the status history of each rejecting contact."""
    props = properties_frame(records, names.values())
    leads = pd.DataFrame({C.LEAD_ID: props["id"]})
    created = parse_times(props[names["created_at"]])
    leads[C.CREATED_AT] = created.fillna(parse_times(props["createdAt"]))
    handed = parse_times(props[names["handed_off_at"]])
    leads[C.HANDED_OFF_AT] = handed.fillna(parse_times(props[names["handed_off_at_fallback"]]))
    leads[C.ASSIGNED_AT] = parse_times(props[names["assigned_at"]])
    leads[C.OWNER_ID] = props[names["owner_id"]]
    leads[C.SOURCE] = props[names["source"]]
    leads[C.STATUS] = props[names["status"]]
    is_rejected = leads[C.STATUS].isin(set(rejected))
    fallback = parse_times(props["updatedAt"])
    stamps: list[Any] = []
    for lead_id, status, rejecting, last_change in zip(
        leads[C.LEAD_ID], leads[C.STATUS], is_rejected, fallback, strict=True
    ):
        found = status_set_at(histories.get(str(lead_id), ()), str(status)) if rejecting else None
        # No history at all (should not happen): the last change is the best estimate we have.
        stamps.append(found if found is not None else (last_change if rejecting else pd.NaT))
    leads[C.REJECTED_AT] = pd.Series(stamps, index=leads.index, dtype="datetime64[us, UTC]")
    reasons = props[names["rejection_reason"]].tolist()
    leads[C.REJECTION_REASON] = pd.Series(
        [r if keep else None for r, keep in zip(reasons, is_rejected, strict=True)], index=leads.index, dtype=object
    )
    leads[C.EMAIL] = props[names["email"]]
    leads[C.COMPANY] = props[names["company"]]
    return _nulls(leads[LEAD_COLUMNS])


# ---------------------------------------------------------------------- activities and deals
def map_activities(
    records: Sequence[Mapping[str, Any]],
    activity_type: str,
    names: Mapping[str, str],
    leads: Mapping[str, str | None],
) -> tuple[pd.DataFrame, list[str]]:
    """Engagements -> activities, and the ids left out because they have no contact."""
    wanted = {
        "time": names["activity_time"],
        "owner": names["activity_owner"],
        "direction": names.get(f"{activity_type}_direction"),
        "outcome": names.get({"call": "call_outcome", "meeting": "meeting_outcome", "task": "task_status"}.get(activity_type, "")),
        "body": names.get(f"{activity_type}_body"),
    }
    props = properties_frame(records, [v for v in wanted.values() if v])
    lead_ids = props["id"].map(lambda i: leads.get(i))
    keep = lead_ids.notna()
    skipped = props.loc[~keep, "id"].tolist()
    props, lead_ids = props[keep], lead_ids[keep]
    out = pd.DataFrame({C.ACTIVITY_ID: props["id"], C.LEAD_ID: lead_ids, C.TYPE: activity_type})
    occurred = parse_times(props[wanted["time"]])
    out[C.OCCURRED_AT] = occurred.fillna(parse_times(props["createdAt"]))
    out[C.OWNER_ID] = props[wanted["owner"]]
    out[C.DIRECTION] = _direction(props, activity_type, wanted["direction"])
    out[C.OUTCOME] = _column(props, wanted["outcome"])
    if activity_type == "call":
        out[C.OUTCOME] = out[C.OUTCOME].map(lambda v: CALL_OUTCOME_LABELS.get(v, v) if v else None)
    out[C.BODY] = _column(props, wanted["body"])
    return _nulls(out[ACTIVITY_COLUMNS].reset_index(drop=True)), skipped


def _column(props: pd.DataFrame, name: str | None) -> pd.Series:
    if not name:
        return pd.Series(None, index=props.index, dtype=object)
    return props[name]


def _direction(props: pd.DataFrame, activity_type: str, name: str | None) -> pd.Series:
    if activity_type == "meeting":  # a meeting counts as outbound (SPEC.md section 6)
        return pd.Series("outbound", index=props.index, dtype=object)
    table = {"call": CALL_DIRECTIONS, "email": EMAIL_DIRECTIONS}.get(activity_type)
    if table is None or not name:
        return pd.Series(None, index=props.index, dtype=object)
    return props[name].map(lambda v: table.get(str(v).upper()) if v else None).astype(object)


def deal_is_won(props: Mapping[str, Any], names: Mapping[str, str], won: WonStages) -> bool:
    stage = props.get(names["deal_stage"])
    pipeline = props.get(names["deal_pipeline"])
    if not stage:
        return False
    if pipeline:
        return (str(pipeline), str(stage)) in won.pairs
    return str(stage) in won.stage_ids()


def map_deals(
    records: Sequence[Mapping[str, Any]],
    names: Mapping[str, str],
    won: WonStages,
    leads: Mapping[str, str | None],
) -> tuple[pd.DataFrame, list[str]]:
    """Won deals with a contact -> deals; the rest (open, lost, no contact) are left out."""
    is_won = [deal_is_won(r.get("properties") or {}, names, won) for r in records]
    service_owner = names.get("deal_service_owner")  # no default: only when configured
    wanted = [names[k] for k in ("deal_closed_at", "deal_amount", "deal_owner")]
    props = properties_frame(records, wanted + ([service_owner] if service_owner else []))
    lead_ids = props["id"].map(lambda i: leads.get(i))
    keep = lead_ids.notna() & pd.Series(is_won, index=props.index, dtype=bool)
    skipped = props.loc[~keep, "id"].tolist()
    props, lead_ids = props[keep], lead_ids[keep]
    out = pd.DataFrame({C.DEAL_ID: props["id"], C.LEAD_ID: lead_ids})
    closed = parse_times(props[names["deal_closed_at"]])
    out[C.CLOSED_WON_AT] = closed.fillna(parse_times(props["updatedAt"]))
    out[C.OWNER_ID] = props[names["deal_owner"]]
    out[C.AMOUNT] = pd.to_numeric(props[names["deal_amount"]], errors="coerce").astype(float)
    out[C.SERVICE_OWNER_ID] = props[service_owner] if service_owner else None
    return _nulls(out[DEAL_COLUMNS].reset_index(drop=True)), skipped
