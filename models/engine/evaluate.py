"""The SLA engine: verdicts for one month (SPEC.md section 3), pure and vectorised.

    evaluation = evaluate(config, EvalInput(leads, activities, deals, owners, teams, exclusions),
                          "2026-10", as_of=datetime(2026, 11, 5, tzinfo=UTC))

No database and no clock: the data, the calendars (inside `config`) and `as_of` are parameters.
Events after `as_of` are ignored as if not yet known. Extensions of the SPEC made here:
- a provider-tier team with its own `calendar` (teams.calendar, a calendar of the SLA file) is
  judged on that calendar instead of the SLA's (reps are judged on their own hours);
- each item carries its explanation (start, stop and what stopped it, elapsed vs target, segment,
  version, routing delay), its due instant and, when open, the business time left.

The explanation sentences cost about as much as the verdicts themselves, so they are written the
first time `SlaResult.items` is read (`lean_items` and `Evaluation.items(explain=False)` skip
them); headline figures (counts, compliance, at risk) never need them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

import numpy as np
import pandas as pd

from models import columns as C
from models.config import HandoffConfig, SlaDef
from models.engine import columns as E
from models.engine.explain import explain_items
from models.engine.items import LEAD_KEY, Context, apply_rules, as_ns_utc, deal_items, lead_items
from models.engine.kinds import apply_exclusions, judge
from models.engine.lazy import Explainer
from models.engine.quota import evaluate_quota, receiving_reps
from models.engine.results import Evaluation, SlaResult, empty_items
from models.engine.serialise import normalise_items
from models.engine.summary import credit_for, summarise
from models.errors import BadInputError
from models.time.months import check_month


@dataclass
class EvalInput:
    """The data an evaluation reads. `exclusions`: approved disputes and exclusions with columns
    sla_id, item_id, reason, kind."""

    leads: pd.DataFrame
    activities: pd.DataFrame
    deals: pd.DataFrame
    owners: pd.DataFrame
    teams: pd.DataFrame
    exclusions: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(E.EXCLUSION_COLUMNS))
    )


def evaluate(
    config: HandoffConfig,
    data: EvalInput,
    month: str,
    as_of: datetime,
    team_id: str | None = None,
    *,
    explain: bool = True,
) -> Evaluation:
    """Every SLA of `config` for `month` as known at `as_of` (optionally one team's items only).

    With `explain` (the default) each result writes its items' explanations on the first read of
    `SlaResult.items`; without it the `explanation` column stays None."""
    check_month(month)
    stamp = pd.Timestamp(as_of)
    if stamp.tzinfo is None:
        raise BadInputError(f"as_of {as_of!r} has no time zone; pass an aware instant")
    stamp = stamp.tz_convert("UTC").as_unit("ns")
    ctx, leads, deals = _prepare(config, data, stamp)
    exclusions = (
        data.exclusions
        if data.exclusions is not None
        else pd.DataFrame(columns=list(E.EXCLUSION_COLUMNS))
    )
    lead_based: pd.DataFrame | None = None
    results: list[SlaResult] = []
    for sla_id in config.sla_ids:
        versions = month_versions(config, sla_id, month)
        if not versions:
            continue  # not yet agreed in this month
        head = headline_version(versions, month)
        if head.kind == "lead_quota":
            reps = (
                receiving_reps(data.owners, ctx.team_tier, head.team_id)
                if head.per_owner_target is not None
                else None
            )
            results.append(_quota_result(head, versions, leads, ctx, month, reps))
            continue
        if head.kind == "service_first_contact":
            items = deal_items(deals, leads, ctx)
        else:
            lead_based = lead_items(leads, ctx) if lead_based is None else lead_based
            items = lead_based
        items = apply_rules(items, versions, ctx, month)
        if items.empty:
            results.append(summarise(head, versions, empty_items()))
            continue
        items = judge(head.kind, items, head.provider, ctx)
        items[E.SLA_ID] = sla_id
        items = apply_exclusions(items, exclusions)
        if team_id is not None:
            items = items[items[E.TEAM_ID] == team_id]
        result = summarise(head, versions, normalise_items(_tidy(items)))
        if explain:
            result.explainer = explainer_for(config, versions)
        results.append(result)
    return Evaluation(month=month, as_of=stamp.to_pydatetime(), team_id=team_id, slas=results)


def month_versions(config: HandoffConfig, sla_id: str, month: str) -> list[SlaDef]:
    """The versions of an SLA that can apply in `month` (in force by its last day), oldest first."""
    month_end = (pd.Timestamp(f"{month}-01") + pd.offsets.MonthEnd(1)).date()
    return [v for v in config.versions(sla_id) if v.effective_from <= month_end]


def explainer_for(config: HandoffConfig, versions: list[SlaDef]) -> Explainer:
    """What writes the explanation sentences of these versions' items."""
    return partial(explain_items, calendars=config.calendars, min_attempts=_goals(versions))


def _goals(versions: list[SlaDef]) -> dict[str, int]:
    """Attempt goal of each version, by its label (an item's `sla_version`)."""
    return {v.effective_from.isoformat(): v.min_attempts or 0 for v in versions}


def headline_version(versions: list[SlaDef], month: str) -> SlaDef:
    """The version whose target and name head the month: the one in force on its first day, or
    the first that took effect during it."""
    first = pd.Timestamp(f"{month}-01").date()
    in_force = [v for v in versions if v.effective_from <= first]
    return in_force[-1] if in_force else versions[0]


def _quota_result(
    head: SlaDef,
    versions: list[SlaDef],
    leads: pd.DataFrame,
    ctx: Context,
    month: str,
    reps: pd.DataFrame | None = None,
) -> SlaResult:
    quota = evaluate_quota(head, leads, ctx.owner_team, month, ctx.as_of, ctx.calendars, reps)
    bands = [{"below_pct": b.below_pct, "credit": b.credit} for b in head.credits]
    return SlaResult(
        sla_id=head.id,
        kind=head.kind,
        provider=head.provider,
        name=head.name,
        target_pct=head.target_pct,
        versions=[head.effective_from.isoformat()],
        items=empty_items(),
        counts={},
        compliance_pct=quota["attainment_pct"],
        met=quota["met"],
        quota=quota,
        credit=credit_for(quota["attainment_pct"], bands),
        credit_bands=bands,
    )


def _prepare(
    config: HandoffConfig, data: EvalInput, as_of: pd.Timestamp
) -> tuple[Context, pd.DataFrame, pd.DataFrame]:
    owners = _with(data.owners, (C.OWNER_ID, C.TEAM_ID))
    teams = _with(data.teams, (C.TEAM_ID, C.TIER, C.CALENDAR))
    owner_team = owners.drop_duplicates(C.OWNER_ID).set_index(C.OWNER_ID)[C.TEAM_ID]
    teams = teams.drop_duplicates(C.TEAM_ID).set_index(C.TEAM_ID)
    team_calendar = teams[C.CALENDAR].where(teams[C.CALENDAR].isin(list(config.calendars))).dropna()
    leads = _with(
        data.leads,
        (C.LEAD_ID, C.HANDED_OFF_AT, C.ASSIGNED_AT, C.OWNER_ID, C.SOURCE, C.STATUS, C.REJECTED_AT),
    )
    for name in (C.HANDED_OFF_AT, C.ASSIGNED_AT, C.REJECTED_AT):
        leads[name] = as_ns_utc(leads[name])
    deals = _with(
        data.deals, (C.DEAL_ID, C.LEAD_ID, C.CLOSED_WON_AT, C.OWNER_ID, C.SERVICE_OWNER_ID)
    )
    deals[C.CLOSED_WON_AT] = as_ns_utc(deals[C.CLOSED_WON_AT])
    acts = _with(
        data.activities,
        (C.ACTIVITY_ID, C.LEAD_ID, C.TYPE, C.OCCURRED_AT, C.OWNER_ID, C.DIRECTION, C.OUTCOME),
    )
    acts[C.OCCURRED_AT] = as_ns_utc(acts[C.OCCURRED_AT])
    # One integer key per lead for every join between items and activities.
    # (Object arrays throughout: pandas would otherwise convert them to Arrow strings first.)
    lead_index = pd.Index(
        pd.unique(
            np.concatenate([leads[C.LEAD_ID].to_numpy(object), deals[C.LEAD_ID].to_numpy(object)])
        ),
        dtype=object,
    )
    for frame in (leads, deals, acts):
        frame[LEAD_KEY] = lead_index.get_indexer(pd.Index(frame[C.LEAD_ID], dtype=object))
    # Only what could stop a clock matters; anything after as_of is not known yet.
    acts = acts[
        (acts[C.OCCURRED_AT] <= as_of)
        & acts[C.TYPE].isin(C.CLOCK_ACTIVITY_TYPES)
        & (acts[LEAD_KEY] >= 0)
    ]
    # Few distinct values, compared many times: categories compare as small integers.
    for name in (C.TYPE, C.DIRECTION, C.OUTCOME):
        acts[name] = _category(acts[name])
    # Tier by owner: looked up once per distinct owner, then spread by the owners' codes.
    owners_seen = _category(acts[C.OWNER_ID])
    tier_of_owner = _category(
        owner_team.map(teams[C.TIER]).reindex(owners_seen.categories).to_numpy(object)
    )
    codes = np.append(tier_of_owner.codes, -1)[owners_seen.codes]  # code -1: no owner, no tier
    acts["tier"] = pd.Categorical.from_codes(codes, categories=tier_of_owner.categories)
    ctx = Context(
        as_of=as_of,
        calendars=config.calendars,
        owner_team=owner_team,
        team_tier=teams[C.TIER],
        team_calendar=team_calendar,
        activities=acts,
    )
    return ctx, leads, deals


def _category(values: pd.Series | np.ndarray) -> pd.Categorical:
    """Text as a categorical (sorted categories, None as missing), built from a plain object
    array: the usual `astype("category")` first copies the text into Arrow strings. Already
    categorical (the store reads some columns so) is only put in that order."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        given = pd.Categorical(values)
        return given.set_categories(pd.Index(sorted(given.categories), dtype=object))
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), sort=True)
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object))


def _with(frame: pd.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    """The columns the engine reads, optional ones added as nulls when a source lacks them.

    Text columns become plain object arrays: hashing them for isin/merge is many times faster
    than on pandas' Arrow-backed strings."""
    out = pd.DataFrame(index=frame.index)
    for name in names:
        values = (
            frame[name]
            if name in frame.columns
            else pd.Series(None, index=frame.index, dtype=object)
        )
        if not isinstance(
            values.dtype, pd.DatetimeTZDtype | pd.CategoricalDtype
        ) and not pd.api.types.is_datetime64_any_dtype(values):
            values = values.astype(object)
        out[name] = values
    return out


def _tidy(items: pd.DataFrame) -> pd.DataFrame:
    for name in E.ITEM_COLUMNS:
        if name not in items.columns:
            items[name] = None
    return items[list(E.ITEM_COLUMNS)].reset_index(drop=True)
