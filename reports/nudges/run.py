"""One nudge pass (`handoff nudge --once`, and every `[nudges] every_minutes` in `handoff schedule`).

1. Take the database lease `nudge`: a second scheduler, or a cron `handoff nudge --once` beside
   one, finds it held and does nothing (the unique claim below would stop duplicates anyway).
2. Freshness: when HubSpot is the source (a token is set), `handoff sync hubspot` runs first, so
   a lead touched, rejected, reassigned or deleted in the CRM a minute ago is judged as it is now.
3. Judge the current and previous month at `now` (the verdict cache is used only when it holds
   for the data just synced), and plan (models.nudges.planner, pure).
4. For each nudge: claim its log row (unique per item, stage and recipient) BEFORE sending, send,
   then mark it `sent` or `failed` (retried later). A process killed between sending and marking
   leaves a `claimed` row; after `stale_after` it is sent again: at most one duplicate, never a
   lost breach notice.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from models.config import HandoffConfig, load_config
from models.config_nudges import NudgeConfig
from models.engine import columns as E
from models.nudges import planner as P
from models.settings import Settings
from models.store import Store
from models.store.nudges import process_name
from models.verdicts.cache import cached_evaluations, recent_months
from reports.deliver import DeliveryError
from reports.nudges.channels import EmailChannel, NotReachable, RoomChannel, SlackChannel
from reports.nudges.messages import compose, nudge_phrase, plan_line

RETRY_AFTER = (timedelta(minutes=5), timedelta(minutes=30))  # after the 1st and 2nd failure
POLICY = P.RetryPolicy(max_attempts=len(RETRY_AFTER) + 1, stale_after=timedelta(minutes=15))
LOG_DAYS = 70  # the log rows that can matter: items of this month and the last
Echo = Callable[[str], None]
SyncFunction = Callable[..., Any]
VerifyFunction = Callable[[Store, Settings, list[str]], list[str]]


@dataclass
class PassResult:
    status: str  # ok | busy | stale (the sync failed: nothing sent) | dry-run
    sent: int = 0
    failed: int = 0
    waiting: int = 0
    skipped: int = 0  # claimed meanwhile by another process
    unsendable: int = 0  # no channel configured: left unclaimed, sent once one is
    lines: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.status in ("busy", "stale"):
            return self.lines[-1] if self.lines else self.status
        if self.status == "dry-run":
            now, later = len(self.lines), self.waiting
            return (f"In all: {now} nudge{'' if now == 1 else 's'} to send now, {later} waiting "
                    "for working hours. Dry run: nothing was sent or recorded.")  # fmt: skip
        verb, sent = "sent", self.sent
        text = (f"nudges: {verb} {sent}, failed {self.failed}, waiting for working hours "
                f"{self.waiting}, taken by another process {self.skipped}")  # fmt: skip
        if self.unsendable:
            text += (f"; {self.unsendable} not sent: no channel is configured (set SLACK_BOT_TOKEN "
                     "or SMTP_HOST; they go out on the first pass after)")  # fmt: skip
        return text


def person_channels(settings: Settings, config: NudgeConfig) -> list[str]:
    """The configured person channels in the `[nudges] channels` order."""
    ready = {"slack": settings.slack_bot_token is not None, "email": bool(settings.smtp_host)}
    return [c for c in config.channels if ready.get(c)]


def room_urls(config: NudgeConfig) -> dict[str, str]:
    """team_id -> webhook URL, from the variables `[nudges.rooms]` names (secrets stay outside
    the SLA file)."""
    from models.settings import read_secrets_file

    secrets = read_secrets_file()
    found = {}
    for team, variable in config.rooms.items():
        value = os.environ.get(variable) or secrets.get(variable.upper())
        if value:
            found[team] = str(value)
    return found


def plan_pass(store: Store, config: HandoffConfig, settings: Settings, now: datetime) -> P.Plan:
    """Judge the last two months at `now` and plan (no lease, nothing written but the cache)."""
    months = recent_months(config, now, 2)
    evaluations = cached_evaluations(store, config, months, as_of=now)
    frames = [e.items(explain=False) for e in evaluations]
    items = pd.concat([f for f in frames if not f.empty] or [frames[0]], ignore_index=True)
    quotas = [(s.sla_id, evaluations[-1].month, s.quota) for s in evaluations[-1].slas if s.quota]
    log = store.read_nudge_log(since=now - timedelta(days=LOG_DAYS))
    targets = {s.id: s.target_pct for s in config.slas}
    return P.plan_nudges(
        items=items,
        owners=store.read_entity("owner"),
        teams=store.read_entity("team"),
        calendars=config.calendars,
        config=config.nudges,
        log=log,
        as_of=now,
        channels=person_channels(settings, config.nudges),
        targets=targets,
        quotas=quotas,
        policy=POLICY,
        muted=store.read_mutes(),
        managers=config.access.managers,
    )


def run_nudge_pass(
    store: Store,
    settings: Settings,
    *,
    now: datetime,
    dry_run: bool = False,
    sync: SyncFunction | None = None,
    echo: Echo = print,
    slack: SlackChannel | None = None,
    verify: VerifyFunction | None = None,
) -> PassResult:
    """One pass (see the module docstring). `sync` is the HubSpot sync to run first (None: the
    data is not from HubSpot); `verify(store, settings, lead_ids)` asks the CRM whether the
    leads about to be nudged still exist and returns those deleted or merged away."""
    config = load_config(settings.handoff_config)
    with store.lease("nudge") as held:
        if not held:
            lease = store.read_lease("nudge") or {}
            line = f"nudges: another pass is running ({lease.get('holder', 'another process')}); nothing to do"
            echo(line)
            return PassResult("busy", lines=[line])
        if sync is not None and settings.hubspot_access_token is not None and not dry_run:
            synced = sync(store, settings, full=False, progress=False)
            echo(synced.summary())
            if synced.status not in ("ok", "busy"):
                line = "nudges: not sent, the HubSpot sync failed, so the data may be stale; the next pass tries again"
                echo(line)
                return PassResult("stale", lines=[line])
        plan = plan_pass(store, config, settings, now)
        if verify is not None and settings.hubspot_access_token is not None and not plan.send.empty:
            gone = verify(store, settings, plan.send[E.LEAD_ID].dropna().astype(str).unique().tolist())
            if gone:
                echo(f"nudges: {len(gone)} lead(s) deleted or merged in HubSpot since the sync; none nudged")
                plan = P.Plan(plan.send[~plan.send[E.LEAD_ID].isin(gone)], plan.waiting,
                              plan.unmanaged)  # fmt: skip
        if dry_run:
            return _dry_run(store, config, plan, echo)
        result = _send_plan(store, settings, config, plan, now, echo, slack)
        echo(result.summary())
        return result


def unmanaged_lines(unmanaged: tuple[tuple[str, str], ...]) -> list[str]:
    """Teams whose manager would be told but who have none, said plainly with the fix."""
    return [
        f"Team {name}: no manager e-mail, so nobody gets its breach notices to managers or its "
        f'morning digest. Set [access.managers] "{team_id}" = ["manager@yourcompany.com"] in the '
        "SLA file (HubSpot teams carry no manager e-mail)."
        for team_id, name in unmanaged
    ]


def _dry_run(store: Store, config: HandoffConfig, plan: P.Plan, echo: Echo) -> PassResult:
    """Print what would be sent now and what waits, in sentences; send and record nothing."""
    result = PassResult("dry-run", waiting=len(plan.waiting))
    rows = [*plan.send.to_dict("records"), *plan.waiting.to_dict("records")]
    lead_ids = list({str(r[E.LEAD_ID]) for r in rows if isinstance(r.get(E.LEAD_ID), str)})
    leads = store.read_entity("lead", ids=lead_ids).set_index("lead_id") if lead_ids else None
    teams = store.read_entity("team")
    team_names = dict(zip(teams["team_id"].astype(str), teams["name"], strict=True))

    def line(row: Mapping[Any, Any], waiting: bool) -> str:
        lead_id = row.get(E.LEAD_ID)
        lead: dict[Any, Any] | None = (
            leads.loc[lead_id].to_dict() if leads is not None and lead_id in leads.index else None
        )
        versions = config.versions(row[E.SLA_ID]) if row[E.SLA_ID] in config.sla_ids else []
        zone = (config.calendars[row[P.RECIPIENT_CALENDAR]].timezone
                if row.get(P.RECIPIENT_CALENDAR) in config.calendars else "UTC")  # fmt: skip
        return plan_line(row, lead=lead, sla_name=versions[-1].name if versions else str(row[E.SLA_ID]),
                         team_name=team_names.get(str(row.get(E.TEAM_ID))), zone=zone, waiting=waiting)  # fmt: skip

    for row in plan.send.to_dict("records"):
        result.lines.append(line(row, False))
        echo(result.lines[-1])
    for row in plan.waiting.to_dict("records"):
        echo(line(row, True))
    if (plan.send[P.CHANNEL] == "none").any() or (plan.waiting[P.CHANNEL] == "none").any():
        echo("No channel is set up to reach people: set SLACK_BOT_TOKEN for Slack or SMTP_HOST "
             "for e-mail (README, Pre-breach nudges).")  # fmt: skip
    for text in unmanaged_lines(plan.unmanaged):
        echo(text)
    echo(result.summary())
    return result


def _send_plan(
    store: Store,
    settings: Settings,
    config: HandoffConfig,
    plan: P.Plan,
    now: datetime,
    echo: Echo,
    slack: SlackChannel | None,
) -> PassResult:
    result = PassResult("ok", waiting=len(plan.waiting))
    if plan.send.empty:
        return result
    senders: dict[str, Any] = {"email": EmailChannel(settings)}
    if settings.slack_bot_token is not None:
        senders["slack"] = slack or SlackChannel(
            settings.slack_bot_token.get_secret_value(),
            base_url=settings.slack_base_url,
            overrides=config.nudges.slack_users,
        )
    senders["webhook"] = RoomChannel(room_urls(config.nudges), config.nudges.room_kinds)
    chain = person_channels(settings, config.nudges)
    lead_ids = [i for i in plan.send[E.LEAD_ID].dropna().unique()]
    leads = store.read_entity("lead", ids=lead_ids).set_index("lead_id") if lead_ids else None
    owners = store.read_entity("owner")
    owner_names = dict(zip(owners["owner_id"], owners["name"], strict=True))
    teams = store.read_entity("team")
    team_names = dict(zip(teams["team_id"].astype(str), teams["name"], strict=True))
    holder = process_name()
    records: list[dict[str, Any]] = plan.send.to_dict("records")  # type: ignore[assignment]
    for row in records:
        if row[P.CHANNEL] == "none":
            result.unsendable += 1  # not claimed: nothing is lost while no channel is set up
            continue
        lead = (
            leads.loc[row[E.LEAD_ID]].to_dict()
            if leads is not None and row.get(E.LEAD_ID) in leads.index
            else None
        )
        zone = (
            config.calendars[row[P.RECIPIENT_CALENDAR]].timezone
            if row.get(P.RECIPIENT_CALENDAR) in config.calendars
            else "UTC"
        )
        versions = config.versions(row[E.SLA_ID]) if row[E.SLA_ID] in config.sla_ids else []
        sla_name = versions[-1].name if versions else str(row[E.SLA_ID])
        message = compose(row, lead=lead, sla_name=sla_name,
                          zone=zone, base_url=settings.handoff_base_url, owner_names=owner_names,
                          team_names=team_names)  # fmt: skip
        claim = {
            "sla_id": row[E.SLA_ID], "item_id": str(row[E.ITEM_ID]), "stage": row[P.STAGE],
            "recipient": row[P.RECIPIENT], "lead_id": row.get(E.LEAD_ID) if isinstance(row.get(E.LEAD_ID), str) else None,
            "rank": int(row[P.RANK]), "role": row[P.ROLE], "channel": row[P.CHANNEL],
            "summary": message.subject.removeprefix("[Handoff] ")[:300],
        }  # fmt: skip
        claimed = store.claim_nudge(claim, now=now, holder=holder, stale_before=now - POLICY.stale_after,
                                     max_attempts=POLICY.max_attempts)  # fmt: skip
        if claimed is None:
            result.skipped += 1
            continue
        nudge_id, attempts = claimed
        channels = ["webhook"] if row[P.CHANNEL] == "webhook" else chain
        used, target, error = _deliver(senders, channels, row[P.RECIPIENT], message)
        if error is None:
            store.finish_nudge(nudge_id, status="sent", now=now, channel=used, target=target)
            result.sent += 1
            continue
        retry = now + RETRY_AFTER[attempts - 1] if attempts <= len(RETRY_AFTER) else None
        store.finish_nudge(nudge_id, status="failed", now=now, channel=used, error=error,
                           next_attempt_at=retry)  # fmt: skip
        result.failed += 1
        what = nudge_phrase(row, lead=lead, sla_name=sla_name,
                            team_name=team_names.get(str(row.get(E.TEAM_ID))))  # fmt: skip
        again = (f"tries again at {retry:%H:%M}Z" if retry is not None
                 else f"gave up after {attempts} attempts")  # fmt: skip
        result.lines.append(f"Could not send {claim['recipient']} {what}: {error} ({again})")
        echo(result.lines[-1])
    return result


def _deliver(senders: dict[str, Any], channels: list[str], recipient: str,
             message: Any) -> tuple[str, str | None, str | None]:  # fmt: skip
    """Try the channels in order: (channel used, target, error or None)."""
    if not channels:
        return "none", None, ("no channel is configured: set SLACK_BOT_TOKEN (Slack) or SMTP_HOST "
                              "(e-mail)")  # fmt: skip
    error = None
    for name in channels:
        try:
            return name, senders[name].send(recipient, message), None
        except NotReachable as exc:
            error = str(exc)  # try the next channel
        except DeliveryError as exc:
            return name, None, str(exc)
    return channels[-1], None, error


def run_nudges(
    store: Store,
    settings: Settings,
    *,
    once: bool,
    dry_run: bool,
    now: Callable[[], datetime],
    sync: SyncFunction | None = None,
    echo: Echo = print,
    sleep: Callable[[float], None] | None = None,
    stop: Callable[[], bool] | None = None,
    verify: VerifyFunction | None = None,
) -> list[PassResult]:
    """`handoff nudge`: one pass (`once`), or a pass every `[nudges] every_minutes`, forever."""
    import time

    every = load_config(settings.handoff_config).nudges.every_minutes
    results = []
    while True:
        results.append(
            run_nudge_pass(
                store, settings, now=now(), dry_run=dry_run, sync=sync, echo=echo, verify=verify
            )
        )
        if once or (stop is not None and stop()):
            return results
        (sleep or time.sleep)(every * 60)
