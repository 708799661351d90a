"""The SLA verdict service: reads through the store, judges with the pure engine, and keeps the
records around verdicts (SLA versions, frozen months, disputes and exclusions).

    evaluation = evaluate_month(store, "data/sla.toml", "2026-10", as_of=now)
    print(render_evaluation(evaluation, "table"))

A frozen month answers from its snapshot (later data or rule changes do not alter a past report)
until it is re-frozen, which is an explicit, recorded action (`freeze_month(..., refreeze=True)`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from models import tables as T
from models.access import Person
from models.config import HandoffConfig
from models.config import load_config as load_config_file
from models.engine import columns as E
from models.engine.evaluate import EvalInput, evaluate
from models.engine.items import as_ns_utc, clock_start
from models.engine.render import render_evaluation
from models.engine.results import Evaluation, SlaResult
from models.engine.serialise import evaluation_from_snapshot, snapshot_text
from models.engine.summary import resummarise
from models.errors import BadInputError
from models.store import Store
from models.time.months import check_month, month_window
from models.verdicts.guard import check_decide, check_raise

__all__ = [
    "decide_dispute",
    "evaluate_month",
    "evaluate_months",
    "freeze_month",
    "month_closed_at",
    "month_is_frozen",
    "list_disputes",
    "load_config",
    "raise_dispute",
    "read_snapshot",
    "render_evaluation",
    "restrict_to_team",
    "sync_sla_versions",
]

def load_config(path_or_config: str | Path | HandoffConfig) -> HandoffConfig:
    """The SLA file, parsed and validated (a HandoffConfig is passed through)."""
    if isinstance(path_or_config, HandoffConfig):
        return path_or_config
    return load_config_file(path_or_config)


def read_inputs(store: Store, month: str, as_of: datetime) -> EvalInput:
    """Everything the engine needs for `month` as known at `as_of`, read through the store."""
    return next(read_inputs_months(store, [month], as_of))


def read_inputs_months(store: Store, months: list[str], as_of: datetime) -> Iterator[EvalInput]:
    """`read_inputs` for each month in turn (the lead table is read once for all of them)."""
    exclusions = store.read_approved_exclusions()
    windows = [month_window(month) for month in months]
    for frames in store.read_sla_inputs_windows(windows, as_of):
        yield EvalInput(
            leads=frames["leads"],
            activities=frames["activities"],
            deals=frames["deals"],
            owners=frames["owners"],
            teams=frames["teams"],
            exclusions=exclusions,
        )


def evaluate_month(
    store: Store,
    config_or_path: str | Path | HandoffConfig,
    month: str,
    *,
    as_of: datetime,
    team_id: str | None = None,
    use_snapshot: bool = True,
    explain: bool = True,
) -> Evaluation:
    """Verdicts of every SLA for `month`: the frozen snapshot when the month is frozen (and
    `use_snapshot`), else a fresh evaluation at `as_of`. Records new SLA versions on the way.

    Explanations are written only when `SlaResult.items` is first read (`explain=False`: never;
    the column stays None). Headline figures never need them, nor `lean_items`."""
    check_month(month)
    config = load_config(config_or_path)
    sync_sla_versions(store, config)
    if use_snapshot:
        frozen = read_snapshot(store, month)
        if frozen is not None:
            return restrict_to_team(frozen, team_id) if team_id else frozen
    return evaluate(
        config, read_inputs(store, month, as_of), month, as_of, team_id=team_id, explain=explain
    )


def evaluate_months(
    store: Store,
    config: str | Path | HandoffConfig,
    months: list[str],
    *,
    as_of: datetime,
    team_id: str | None = None,
    explain: bool = True,
) -> list[Evaluation]:
    """Several months (frozen ones from their snapshots), for trends; `team_id` and `explain`
    as in `evaluate_month`, and the same results, for less: the months that are not frozen are
    read together (one pass over the leads) and judged one after the other."""
    config = load_config(config)
    for month in months:
        check_month(month)
    sync_sla_versions(store, config)
    found: dict[str, Evaluation] = {}
    for month in months:
        frozen = read_snapshot(store, month)
        if frozen is not None:
            found[month] = restrict_to_team(frozen, team_id) if team_id else frozen
    live = [month for month in dict.fromkeys(months) if month not in found]
    if live:
        for month, data in zip(live, read_inputs_months(store, live, as_of), strict=True):
            found[month] = evaluate(config, data, month, as_of, team_id=team_id, explain=explain)
    return [found[month] for month in months]


def restrict_to_team(evaluation: Evaluation, team_id: str) -> Evaluation:
    """One team's share of an evaluation: per-item SLAs re-summarised over that team's items;
    quotas are organisation-wide (their own `team_id` key scopes them) and stay as they are."""
    slas = []
    for result in evaluation.slas:
        if result.quota is not None:
            slas.append(result)
            continue
        lean = result.lean_items  # explanations, if wanted, are written for the team's rows only
        items = lean[lean[E.TEAM_ID] == team_id].reset_index(drop=True)
        slas.append(resummarise(result, items))
    return Evaluation(evaluation.month, evaluation.as_of, team_id, slas, evaluation.frozen)


# -- SLA versions ----------------------------------------------------------------------------------


def sync_sla_versions(
    store: Store, config: HandoffConfig, *, loaded_by: str | None = None
) -> list[str]:
    """Record each SLA definition not yet on file (new, or changed since it was recorded) as a new
    version row; rows already recorded are never rewritten. Returns what was added."""
    known = store.select_rows(T.SlaVersion)
    seen = set(zip(known["sla_id"], known["checksum"], strict=True)) if not known.empty else set()
    latest = known.groupby("sla_id")["version"].max().to_dict() if not known.empty else {}
    added: list[str] = []
    now = datetime.now(UTC)
    for sla in config.slas:
        checksum = sla.checksum
        if (sla.id, checksum) in seen:
            continue
        version = int(latest.get(sla.id, 0)) + 1
        latest[sla.id] = version
        seen.add((sla.id, checksum))
        store.insert_row(
            T.SlaVersion,
            sla_id=sla.id,
            version=version,
            effective_from=sla.effective_from,
            definition=json.dumps(dict(sla.raw), sort_keys=True, default=str),
            checksum=checksum,
            loaded_at=now,
            loaded_by=loaded_by or config.source,
        )
        added.append(f"{sla.id} v{version} (effective {sla.effective_from.isoformat()})")
    return added


# -- frozen months --------------------------------------------------------------------------------


def read_snapshot(store: Store, month: str) -> Evaluation | None:
    """The current frozen evaluation of `month`, or None when it is not frozen."""
    row = store.read_current_snapshot(month)
    if row is None:
        return None
    snapshot_id = int(row["id"])
    # Headline figures come from the payload's first line; items are read and decoded only
    # when something reads them.
    evaluation = evaluation_from_snapshot(
        row["head"],
        lambda: store.read_snapshot_payload(snapshot_id).partition("\n")[2],
        Evaluation,
        SlaResult,
    )
    evaluation.frozen = {
        "snapshot_id": snapshot_id,
        "frozen_at": pd.Timestamp(row["frozen_at"]).isoformat(),
        "frozen_by": row["frozen_by"],
        "note": row["note"],
        "times_frozen": int(row["times_frozen"]),
    }
    return evaluation


def month_closed_at(config: HandoffConfig, month: str) -> datetime:
    """The instant `month` is over in every time zone the SLA file judges in (its calendars and
    the quotas' zones): from then on no item of the month can still change by the clock."""
    following = pd.Timestamp(f"{check_month(month)}-01") + pd.offsets.MonthBegin(1)
    zones = {str(calendar.timezone) for calendar in config.calendars.values()}
    zones |= {sla.timezone for sla in config.slas if sla.timezone}
    ends = [following.tz_localize(zone).tz_convert("UTC") for zone in sorted(zones or {"UTC"})]
    return max(ends).to_pydatetime()


def month_is_frozen(store: Store, month: str) -> bool:
    """Whether `month` has a current snapshot."""
    return store.read_current_snapshot(month) is not None


def freeze_month(
    store: Store,
    config: str | Path | HandoffConfig,
    month: str,
    *,
    as_of: datetime,
    frozen_by: str | None = None,
    note: str | None = None,
    refreeze: bool = False,
) -> Evaluation:
    """Freeze a closed month's verdicts. A frozen month is re-evaluated only with `refreeze`,
    which keeps the old snapshot (superseded) and records who did it, when and why."""
    config = load_config(config)
    check_month(month)
    closed_at = month_closed_at(config, month)
    if as_of < closed_at:
        raise BadInputError(
            f"{month} is not closed at {as_of.isoformat()}: freeze a month once it is over "
            f"(from {closed_at.isoformat()} on, when every time zone of the SLA file has "
            "finished it)"
        )
    current = read_snapshot(store, month)
    if current is not None and not refreeze:
        frozen = current.frozen or {}
        raise BadInputError(
            f"{month} is already frozen (at {frozen.get('frozen_at')} by {frozen.get('frozen_by') or 'unknown'}); "
            "pass --refreeze (with --note saying why) to re-evaluate it; the old snapshot is kept"
        )
    evaluation = evaluate_month(store, config, month, as_of=as_of, use_snapshot=False)
    payload = snapshot_text(evaluation)
    if current is not None:
        note = note or "re-frozen"
    store.replace_snapshot(
        month, payload, frozen_at=datetime.now(UTC), frozen_by=frozen_by, note=note
    )
    result = read_snapshot(store, month)
    assert result is not None
    return result


# -- disputes and exclusions ------------------------------------------------------------------------


def raise_dispute(
    store: Store,
    config: str | Path | HandoffConfig,
    sla_id: str,
    item_id: str,
    reason: str,
    *,
    as_of: datetime,
    raised_by: str | None = None,
    kind: str = "dispute",
    person: Person | None = None,
) -> int:
    """Record a dispute of a breach (kind "dispute": only a breached item) or a request to exclude
    an item (kind "exclusion"); a manager decides it. Returns its id. With `person` (the
    dashboard's signed-in user) their scope is checked and they are recorded as the raiser."""
    config = load_config(config)
    if person is not None:
        check_raise(store, person, item_id)
        raised_by = person.email
    if not reason or not reason.strip():
        raise BadInputError(
            "--reason: say why (e.g. 'lead was a duplicate of L123'); it is kept with the decision"
        )
    if kind not in ("dispute", "exclusion"):
        raise BadInputError(f"--kind: expected dispute or exclusion, got {kind!r}")
    if sla_id not in config.sla_ids:
        raise BadInputError(f"--sla: unknown SLA {sla_id!r}; known: {', '.join(config.sla_ids)}")
    open_ones = store.select_rows(
        T.Dispute, {"sla_id": sla_id, "item_id": item_id, "status": ["pending", "approved"]}
    )
    if not open_ones.empty:
        found = open_ones.iloc[0]
        raise BadInputError(
            f"{sla_id} {item_id} already has a {found['status']} {found['kind']} (id {found['id']})"
        )
    state = item_state(store, config, sla_id, item_id, as_of=as_of)
    if state is None:
        raise BadInputError(
            f"--item: {item_id!r} is not an item of {sla_id} (no such lead or deal, or its clock never started)"
        )
    if kind == "dispute" and state != E.BREACHED:
        raise BadInputError(
            f"{sla_id} {item_id} is {state}, not breached: only a breach can be disputed"
        )
    new_id = store.insert_row(
        T.Dispute,
        sla_id=sla_id,
        item_id=item_id,
        kind=kind,
        reason=reason.strip(),
        status="pending",
        raised_by=raised_by,
        raised_at=datetime.now(UTC),
    )
    assert new_id is not None
    return new_id


def item_state(
    store: Store, config: HandoffConfig, sla_id: str, item_id: str, *, as_of: datetime
) -> str | None:
    """The live verdict of one item (evaluated on that item's data alone), or None."""
    kind = config.versions(sla_id)[0].kind
    if kind == "lead_quota":
        return None
    deals = store.read_entity("deal", ids=[item_id]) if kind == "service_first_contact" else None
    lead_ids = list(deals["lead_id"]) if deals is not None else [item_id]
    leads = store.read_entity("lead", ids=lead_ids)
    if leads.empty:
        return None
    starts = (
        deals["closed_won_at"]
        if deals is not None
        else clock_start(as_ns_utc(leads["handed_off_at"]), as_ns_utc(leads["assigned_at"]))
    )
    starts = starts.dropna()
    if starts.empty:
        return None
    data = EvalInput(
        leads=leads,
        activities=store.read_activities_for_leads(lead_ids),
        deals=deals
        if deals is not None
        else pd.DataFrame(
            columns=["deal_id", "lead_id", "closed_won_at", "owner_id", "service_owner_id"]
        ),
        owners=store.read_entity("owner"),
        teams=store.read_entity("team"),
    )
    start = pd.Timestamp(starts.iloc[0])
    # The item's month is its local month, so look at the UTC month and its neighbours.
    for month in sorted({(start + timedelta(days=d)).strftime("%Y-%m") for d in (-1, 0, 1)}):
        items = evaluate(config, data, month, as_of, explain=False).sla(sla_id).lean_items
        found = items[items[E.ITEM_ID] == item_id]
        if not found.empty:
            return str(found.iloc[0][E.STATE])
    return None


def decide_dispute(
    store: Store,
    dispute_id: int,
    *,
    approve: bool,
    decided_by: str | None = None,
    note: str | None = None,
    person: Person | None = None,
) -> dict[str, Any]:
    """Approve (the item becomes excluded, the reason kept) or reject a pending dispute.
    Nobody decides a dispute they raised; with `person` (the dashboard's signed-in user) only an
    admin or a manager of the item's team may decide, recorded under their own e-mail."""
    rows = store.select_rows(T.Dispute, {"id": dispute_id})
    if rows.empty:
        raise BadInputError(f"no dispute with id {dispute_id}; see `handoff dispute list`")
    if person is not None:
        decided_by = person.email
    check_decide(store, dict(rows.iloc[0]), decided_by, person)
    if rows.iloc[0]["status"] != "pending":
        row = rows.iloc[0]
        raise BadInputError(
            f"dispute {dispute_id} was already {row['status']} by {row['decided_by'] or 'unknown'} at {row['decided_at']}"
        )
    store.update_rows(
        T.Dispute,
        {"id": dispute_id, "status": "pending"},
        status="approved" if approve else "rejected",
        decided_by=decided_by,
        decided_at=datetime.now(UTC),
        decision_note=note,
    )
    return dict(store.select_rows(T.Dispute, {"id": dispute_id}).iloc[0])


def list_disputes(store: Store, status: str | None = None) -> pd.DataFrame:
    """Disputes and exclusions, newest first (optionally of one status)."""
    if status is not None and status not in ("pending", "approved", "rejected"):
        raise BadInputError(f"--status: expected pending, approved or rejected, got {status!r}")
    where = {"status": status} if status else None
    return store.select_rows(T.Dispute, where, order_by="id", descending=True)
