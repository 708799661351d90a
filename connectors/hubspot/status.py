"""`handoff sync status`: recent HubSpot runs and each object's checkpoint, in words."""

from __future__ import annotations

import json
from typing import Any

from connectors.hubspot.passes import SOURCE
from models.store import Store
from models.tables import SyncRun


def describe_status(store: Store) -> str:
    """Recent HubSpot runs and each object's checkpoint, for `handoff sync status`."""
    runs = store.read_runs(SyncRun, limit=50)
    runs = runs[runs["source"] == SOURCE].head(10)
    lines = ["Recent HubSpot syncs (newest first):"]
    if runs.empty:
        lines.append("  none yet: run `handoff sync hubspot`")
    for run in runs.to_dict("records"):
        started: Any = run["started_at"]
        finished: Any = run["finished_at"]
        took = "" if _missing(finished) else f" in {(finished - started).total_seconds():.0f}s"
        kind = "full" if run["full"] else "incremental"
        counts = (
            json.loads(run["counts"]) if isinstance(run["counts"], str) and run["counts"] else {}
        )
        shown = ", ".join(f"{v} {k}" for k, v in counts.items() if v) or "no records"
        lines.append(
            f"  #{run['id']} {started:%Y-%m-%d %H:%M:%S} UTC {kind} {run['status']}{took}, "
            f"{run['requests_used']} requests: {shown}"
        )
        if isinstance(run["error"], str) and run["error"]:
            lines.append(f"      {run['error']}")
    states = store.read_sync_states(SOURCE)
    lines.append("Checkpoints:")
    if states.empty:
        lines.append("  none (the first sync reads everything)")
    for state in states.to_dict("records"):
        bookmark: Any = state["bookmark"]
        if str(state["object_type"]).endswith(":archived"):
            when = "never" if _missing(bookmark) else f"{bookmark:%Y-%m-%d %H:%M:%S} UTC"
            lines.append(f"  {state['object_type']}: deletions checked as of {when}")
            continue
        until = "" if _missing(bookmark) else f", changes up to {bookmark:%Y-%m-%d %H:%M:%S} UTC"
        cursor = state["cursor"]
        resumable = isinstance(cursor, str) and state["phase"] != "done"
        at = (
            f", resumes after {cursor}"
            if resumable and state["object_type"] != "deal_pipelines"
            else ""
        )
        lines.append(f"  {state['object_type']}: {state['phase']}{at}{until}")
    return "\n".join(lines)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value) == "NaT"
