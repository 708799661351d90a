"""Things the dashboard does (load demo, import CSVs, sync HubSpot): call the connectors, then
drop the caches so every page shows the new data. Errors come back as messages, not tracebacks."""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from models.errors import BadInputError, HandoffError
from ui import clock, evaluations, loaders

log = logging.getLogger("handoff.ui")


@dataclass
class Outcome:
    """What an action did, for a success or error message."""

    ok: bool
    message: str
    problems: list[str] = field(default_factory=list)


def _counts_text(counts: dict[str, Any]) -> str:
    return ", ".join(f"{v:,} {k}" if isinstance(v, int) else f"{k}: {v}" for k, v in counts.items())


def load_demo(
    *, months: int | None = None, leads_per_month: int | None = None, seed: int = 7
) -> Outcome:
    """Load the demo organisation (what `handoff demo` does), dated by the dashboard's clock.

    Size: `handoff demo`'s defaults, or HANDOFF_DEMO_MONTHS / HANDOFF_DEMO_LEADS_PER_MONTH.
    """
    months = months or int(os.environ.get("HANDOFF_DEMO_MONTHS", "12"))
    leads_per_month = leads_per_month or int(os.environ.get("HANDOFF_DEMO_LEADS_PER_MONTH", "1500"))
    try:
        from connectors.demo import load_demo as run_demo
    except ImportError:
        return Outcome(
            False, "The demo connector is not available in this build; run `handoff demo`."
        )
    try:
        counts = run_demo(
            loaders.get_store(),
            seed=seed,
            months=months,
            leads_per_month=leads_per_month,
            now=clock.now(),
        )
    except (BadInputError, HandoffError) as exc:
        return Outcome(False, f"Loading the demo failed: {exc}")
    finally:
        evaluations.clear_caches()
    return Outcome(True, f"Demo organisation loaded: {_counts_text(counts)}. {_warm()}")


def import_csv_files(files: list[tuple[str, bytes]]) -> Outcome:
    """Import uploaded canonical CSV files (all-or-nothing, like `handoff import DIR`)."""
    try:
        from connectors.csv_io import import_dir
    except ImportError:
        return Outcome(
            False, "The CSV connector is not available in this build; run `handoff import DIR`."
        )
    if not files:
        return Outcome(
            False, "Choose at least one CSV file (teams.csv, owners.csv, leads.csv, ...)."
        )
    with tempfile.TemporaryDirectory(prefix="handoff-upload-") as folder:
        for name, data in files:
            # Only the base name: an upload must not write outside the scratch folder.
            (Path(folder) / Path(name).name).write_bytes(data)
        try:
            counts = import_dir(loaders.get_store(), Path(folder))
        except BadInputError as exc:
            return Outcome(False, exc.summary, exc.problems)
        except HandoffError as exc:
            return Outcome(False, f"Import failed: {exc}")
        finally:
            evaluations.clear_caches()
    return Outcome(True, f"Imported {_counts_text(counts)}. {_warm()}")


def sync_hubspot(*, full: bool = False) -> Outcome:
    """Run a HubSpot sync now (token from HUBSPOT_ACCESS_TOKEN; resumes from checkpoints)."""
    current = loaders.settings()
    if current.hubspot_access_token is None:
        return Outcome(
            False,
            "No HubSpot token: set HUBSPOT_ACCESS_TOKEN (a private app token with the CRM read "
            "scopes) in the environment or .streamlit/secrets.toml, then restart the dashboard.",
        )
    try:
        from connectors.hubspot.sync import sync_hubspot as run_sync
    except ImportError:
        return Outcome(False, "The HubSpot connector is not available in this build.")
    try:
        result = run_sync(loaders.get_store(), current, full=full, progress=False)
    except (BadInputError, HandoffError) as exc:
        return Outcome(False, f"HubSpot sync failed: {exc}")
    finally:
        evaluations.clear_caches()
    if result.status != "ok":
        return Outcome(False, result.summary())
    return Outcome(True, f"{result.summary()} {_warm()}")


def _warm() -> str:
    """Precompute the dashboard's months after new data (what the CLI does after a write)."""
    from models.verdicts.cache import warm_after_write

    return warm_after_write(loaders.get_store(), loaders.source().config_path, now=clock.now)


def raise_dispute(
    sla_id: str, item_id: str, reason: str, *, raised_by: str, as_of: datetime
) -> Outcome:
    """Dispute a breach (a manager then approves or rejects it)."""
    from models.verdicts.service import raise_dispute as record

    try:
        dispute_id = record(
            loaders.get_store(),
            loaders.get_config(),
            sla_id,
            item_id,
            reason,
            as_of=as_of,
            raised_by=raised_by,
        )
    except (BadInputError, HandoffError) as exc:
        return Outcome(False, f"Could not file the dispute: {exc}")
    finally:
        evaluations.clear_caches()
    return Outcome(
        True, f"Dispute #{dispute_id} filed for {item_id} ({sla_id}); a manager will decide it."
    )


def decide_dispute(
    dispute_id: int, *, approve: bool, decided_by: str, note: str | None = None
) -> Outcome:
    """Approve (the item becomes excluded) or reject a pending dispute."""
    from models.verdicts.service import decide_dispute as record

    try:
        row = record(
            loaders.get_store(),
            dispute_id,
            approve=approve,
            decided_by=decided_by,
            note=note or None,
        )
    except (BadInputError, HandoffError) as exc:
        return Outcome(False, f"Could not decide dispute #{dispute_id}: {exc}")
    finally:
        evaluations.clear_caches()
    verdict = (
        "approved: the item is now excluded from compliance"
        if approve
        else "rejected: the breach stands"
    )
    return Outcome(True, f"Dispute #{dispute_id} on {row.get('item_id')} {verdict}.")
