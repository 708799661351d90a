"""Things the dashboard does (load demo, import CSVs, sync HubSpot, disputes): check the
signed-in person may, call the connectors or the verdict service, write the audit row, then drop
the caches so every page shows the new data. Errors come back as messages, not tracebacks."""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from models.access import Person
from models.audit import record_action
from models.errors import BadInputError, HandoffError
from ui import clock, evaluations, loaders
from ui.text import bullets, code, plain

log = logging.getLogger("handoff.ui")


@dataclass
class Outcome:
    """What an action did, for a success or error message."""

    ok: bool
    message: str
    problems: list[str] = field(default_factory=list)


def _counts_text(counts: dict[str, Any]) -> str:
    return ", ".join(f"{v:,} {k}" if isinstance(v, int) else f"{k}: {v}" for k, v in counts.items())


def audit(person: Person, action: str, outcome: Outcome, target: str = "") -> Outcome:
    """Record what `person` did (or tried) in the audit table; returns `outcome` unchanged."""
    try:
        record_action(
            loaders.get_store(),
            person,
            action,
            target=target,
            outcome="ok" if outcome.ok else "failed",
            detail=outcome.message,
        )
    except Exception:  # the action's own outcome matters more; operators see the log
        log.exception("could not write the audit row for %s", action)
    return outcome


def admin_only(person: Person, action: str, what: str) -> Outcome | None:
    """None when `person` is an admin; otherwise the refusal (audited too)."""
    if person.is_admin:
        return None
    refused = Outcome(False, f"Only Handoff admins {what}; {person.email or 'you'} is a {person.role}.")
    try:
        record_action(loaders.get_store(), person, action, outcome="refused", detail=refused.message)
    except Exception:
        log.exception("could not write the audit row for %s", action)
    return refused


def load_demo(
    person: Person,
    *,
    months: int | None = None,
    leads_per_month: int | None = None,
    seed: int = 7,
) -> Outcome:
    """Load the demo organisation (what `handoff demo` does), dated by the dashboard's clock.
    Admins only.

    Size: `handoff demo`'s defaults, or HANDOFF_DEMO_MONTHS / HANDOFF_DEMO_LEADS_PER_MONTH.
    """
    refused = admin_only(person, "demo", "load the demo organisation")
    if refused:
        return refused
    return audit(person, "demo", _load_demo(months, leads_per_month, seed))


def _load_demo(months: int | None, leads_per_month: int | None, seed: int) -> Outcome:
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
        return Outcome(False, f"Loading the demo failed: {code(exc)}")
    finally:
        evaluations.clear_caches()
    return Outcome(True, f"Demo organisation loaded: {_counts_text(counts)}. {_warm()}")


def import_csv_files(person: Person, files: list[tuple[str, bytes]]) -> Outcome:
    """Import uploaded canonical CSV files (all-or-nothing, like `handoff import DIR`). Admins only."""
    refused = admin_only(person, "import", "import data")
    if refused:
        return refused
    names = ", ".join(Path(name).name for name, _data in files)
    return audit(person, "import", _import_csv_files(files), target=names)


def _import_csv_files(files: list[tuple[str, bytes]]) -> Outcome:
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
            return Outcome(False, f"Import failed: {code(exc)}")
        finally:
            evaluations.clear_caches()
    return Outcome(True, f"Imported {_counts_text(counts)}. {_warm()}")


def sync_hubspot(person: Person, *, full: bool = False) -> Outcome:
    """Run a HubSpot sync now (token from HUBSPOT_ACCESS_TOKEN; resumes from checkpoints).
    Admins only."""
    refused = admin_only(person, "sync", "start a sync")
    if refused:
        return refused
    return audit(person, "sync", _sync_hubspot(full), target="hubspot full" if full else "hubspot")


def _sync_hubspot(full: bool) -> Outcome:
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
        return Outcome(False, f"HubSpot sync failed: {code(exc)}")
    finally:
        evaluations.clear_caches()
    # The summary carries HubSpot's text (an owner's refused e-mail): literal, one line each.
    head, *more = result.summary().splitlines()
    details = f"\n\n{bullets(more)}" if more else ""
    if result.status != "ok":
        return Outcome(False, f"{plain(head)}{details}")
    return Outcome(True, f"{plain(head)} {_warm()}{details}")


def _warm() -> str:
    """Precompute the dashboard's months after new data (what the CLI does after a write)."""
    from models.verdicts.cache import warm_after_write

    return warm_after_write(loaders.get_store(), loaders.source().config_path, now=clock.now)


def raise_dispute(
    person: Person, sla_id: str, item_id: str, reason: str, *, as_of: datetime
) -> Outcome:
    """Dispute a breach (a manager then approves or rejects it); the service checks `person`
    may (a rep: their own items)."""
    return audit(person, "dispute.raise", _raise(person, sla_id, item_id, reason, as_of), f"{sla_id} {item_id}")


def _raise(person: Person, sla_id: str, item_id: str, reason: str, as_of: datetime) -> Outcome:
    from models.verdicts.service import raise_dispute as record

    try:
        dispute_id = record(
            loaders.get_store(),
            loaders.get_config(),
            sla_id,
            item_id,
            reason,
            as_of=as_of,
            person=person,
        )
    except (BadInputError, HandoffError) as exc:
        return Outcome(False, f"Could not file the dispute: {code(exc)}")
    finally:
        evaluations.clear_caches()
    return Outcome(
        True, f"Dispute #{dispute_id} filed for {item_id} ({sla_id}); a manager will decide it."
    )


def decide_dispute(
    person: Person, dispute_id: int, *, approve: bool, note: str | None = None
) -> Outcome:
    """Approve (the item becomes excluded) or reject a pending dispute; the service refuses a
    person outside the item's team or who raised it."""
    verb = "approve" if approve else "reject"
    return audit(person, "dispute.decide", _decide(person, dispute_id, approve, note), f"#{dispute_id} {verb}")


def _decide(person: Person, dispute_id: int, approve: bool, note: str | None) -> Outcome:
    from models.verdicts.service import decide_dispute as record

    try:
        row = record(
            loaders.get_store(),
            dispute_id,
            approve=approve,
            note=note or None,
            person=person,
        )
    except (BadInputError, HandoffError) as exc:
        return Outcome(False, f"Could not decide dispute #{dispute_id}: {code(exc)}")
    finally:
        evaluations.clear_caches()
    verdict = (
        "approved: the item is now excluded from compliance"
        if approve
        else "rejected: the breach stands"
    )
    return Outcome(True, f"Dispute #{dispute_id} on {row.get('item_id')} {verdict}.")


def save_sla_version(
    person: Person, draft: Any, path: str, *, current_month: str, confirmed: bool = False
) -> Outcome:
    """Append an SLA version (ui/sla_edit.Draft) to the SLA file, recorded under the admin's
    e-mail. Admins only; refused in a frozen month, and without `confirmed` when it reaches back
    into earlier months (models/verdicts/versions.py)."""
    refused = admin_only(person, "sla.save", "change an SLA")
    if refused:
        return refused
    from ui import sla_edit

    try:
        added = sla_edit.save(
            draft, path, loaded_by=person.email, current_month=current_month, confirmed=confirmed
        )
    except (BadInputError, HandoffError) as exc:
        outcome = Outcome(False, f"The SLA file was not changed: {code(exc)}")
    else:
        effective = draft.raw.get("effective_from")
        outcome = Outcome(
            True, f"Saved {draft.sla_id}, effective {effective}: " + (", ".join(added) or "recorded")
        )
    finally:
        evaluations.clear_caches()
    return audit(person, "sla.save", outcome, target=str(draft.sla_id))
