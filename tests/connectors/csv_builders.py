"""Builders for canonical CSV folders: a small valid organisation, edited per test."""

from __future__ import annotations

from pathlib import Path

TEAMS = """\
team_id,name,tier,calendar,manager_email
T-sales,Sales East,sales,ny,boss@example.com
T-svc,Customer Service,service,,
T-mkt,Marketing,marketing,,
"""
OWNERS = """\
owner_id,name,email,team_id,active
O1,Ann Ray,ann@example.com,T-sales,true
O2,Bo Li,bo@example.com,T-svc,false
O3,Cy Ng,cy@example.com,T-mkt,
"""
LEADS = """\
lead_id,created_at,handed_off_at,assigned_at,owner_id,source,status,rejected_at,rejection_reason,email,company
L1,2026-01-05T09:00:00-05:00,2026-01-05T10:00:00.123456-05:00,2026-01-05T15:30:00Z,O1,demo_request,OPEN,,,l1@acme.example,"Acme, Inc"
L2,2026-01-06T08:00:00Z,,,,,,,,,
L3,2026-01-07T08:00:00+01:00,2026-01-07T09:00:00+01:00,,O1,webinar,UNQUALIFIED,2026-01-08T12:00:00Z,"no budget, ""yet"", sorry",,Café Müller
"""
ACTIVITIES = """\
activity_id,lead_id,type,occurred_at,owner_id,direction,outcome,body
A1,L1,call,2026-01-05T16:00:00Z,O1,outbound,connected,"Talked, agreed on a ""demo""
next line"
A2,L1,email,2026-01-05T16:05:00.000001Z,O1,outbound,,
A3,L3,note,2026-01-07T10:00:00Z,,,,日本語 ✓
"""
DEALS = """\
deal_id,lead_id,closed_won_at,owner_id,amount,service_owner_id
D1,L1,2026-02-01T12:00:00Z,O2,1234.56,O2
D2,L3,2026-02-02T12:00:00Z,,,
"""
VALID = {
    "teams.csv": TEAMS,
    "owners.csv": OWNERS,
    "leads.csv": LEADS,
    "activities.csv": ACTIVITIES,
    "deals.csv": DEALS,
}


def write_folder(folder: Path, files: dict[str, str | bytes | None]) -> Path:
    """Write `files` (name -> text or raw bytes; None leaves the file out) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if content is None:
            continue
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return folder


def valid_with(**replaced: str | bytes | None) -> dict[str, str | bytes | None]:
    """The valid organisation with some files replaced (keyword = file stem, e.g. leads=...)."""
    files: dict[str, str | bytes | None] = dict(VALID)
    for stem, content in replaced.items():
        files[f"{stem}.csv"] = content
    return files
