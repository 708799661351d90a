"""The pure nudge planner over the engine's real verdicts: whom to tell what, now."""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
from engine_builders import BASE_SLA_FILE, OWNERS, TEAMS, config, data, deal, lead, run, t

from models.nudges import planner as P

MANAGERS = {
    "sales-east": "boss@x",
    "sales-west": "west-boss@x",
    "svc": "svc-boss@x",
    "mkt": "mkt-boss@x",
}
TEAM_ROWS = pd.DataFrame([{**team, "manager_email": MANAGERS[team["team_id"]]} for team in TEAMS])
OWNER_ROWS = pd.DataFrame(OWNERS)


def _config(**nudges: Any) -> Any:
    data_ = copy.deepcopy(BASE_SLA_FILE)
    data_["nudges"] = {"digest": False, "sla": {"attempts": {"enabled": False}}, **nudges}
    return config(data_)


def plan(leads: list[dict[str, Any]], when: str, *, log: pd.DataFrame | None = None,
         deals: list[dict[str, Any]] | None = None, teams: pd.DataFrame = TEAM_ROWS,
         managers: dict[str, frozenset[str]] | None = None, **nudges: Any) -> P.Plan:  # fmt: skip
    cfg = _config(**nudges)
    evaluation = run(data(leads, deals=deals), as_of=when, month="2026-10", cfg=cfg)
    quotas = [(s.sla_id, "2026-10", s.quota) for s in evaluation.slas if s.quota]
    return P.plan_nudges(
        items=evaluation.items(explain=False), owners=OWNER_ROWS, teams=teams, managers=managers,
        calendars=cfg.calendars, config=cfg.nudges, log=log if log is not None else pd.DataFrame(),
        as_of=t(when).to_pydatetime(), channels=["slack"], targets={s.id: s.target_pct for s in cfg.slas},
        quotas=quotas,
    )  # fmt: skip


def keys(frame: pd.DataFrame) -> set[tuple[str, str, str]]:
    return set(zip(frame["item_id"], frame["stage"], frame["recipient"], strict=True))


def as_log(frame: pd.DataFrame, status: str = "sent", **extra: Any) -> pd.DataFrame:
    return frame.assign(status=status, attempts=extra.get("attempts", 1),
                        claimed_at=extra.get("claimed_at", pd.Timestamp("2026-10-01", tz="UTC")),
                        next_attempt_at=extra.get("next_attempt_at"))  # fmt: skip


def test_only_the_highest_stage_reached_and_never_a_lower_one_later() -> None:
    leads = [lead("L1", "2026-10-05 09:00")]  # 4 h: 50% 11:00, 75% 12:00, breached 13:00
    first = plan(leads, "2026-10-05 12:10")
    assert keys(first.send) == {("L1", "late", "rita@x")}  # not "half" as well
    later = plan(leads, "2026-10-05 12:40", log=as_log(first.send))
    assert later.send.empty
    breach = plan(leads, "2026-10-05 13:05", log=as_log(first.send))
    assert keys(breach.send) == {("L1", "breach", "rita@x"), ("L1", "breach", "boss@x")}


def test_outside_working_hours_it_waits_for_the_recipients_next_start() -> None:
    # Friday 15:00 in LA, where Wes's team works 9-17: 2 of his 4 hours are used by 17:00 LA.
    leads = [lead("W1", "2026-10-09 18:00", owner="west")]
    night = plan(leads, "2026-10-10 03:00")  # Saturday night
    assert night.send.empty and keys(night.waiting) == {("W1", "half", "wes@x")}
    assert night.waiting["send_at"].iloc[0] == t("2026-10-12 09:00-07:00")  # Monday 09:00 in LA
    monday = plan(leads, "2026-10-12 09:00-07:00")
    assert keys(monday.send) == {("W1", "half", "wes@x")}


def test_a_failure_blocks_until_its_retry_and_gives_up_after_the_last() -> None:
    leads = [lead("F1", "2026-10-05 09:00")]
    first = plan(leads, "2026-10-05 11:00")
    retry_at = t("2026-10-05 11:05")
    waiting = as_log(first.send, "failed", next_attempt_at=retry_at)
    assert plan(leads, "2026-10-05 11:03", log=waiting).send.empty
    assert keys(plan(leads, "2026-10-05 11:06", log=waiting).send) == {("F1", "half", "rita@x")}
    spent = as_log(first.send, "failed", attempts=3, next_attempt_at=None)
    assert plan(leads, "2026-10-05 11:30", log=spent).send.empty


def test_a_stale_claim_is_sent_again_a_fresh_one_is_not() -> None:
    leads = [lead("S1", "2026-10-05 09:00")]
    first = plan(leads, "2026-10-05 11:00")
    claim = as_log(first.send, "claimed", claimed_at=t("2026-10-05 11:00"))
    assert plan(leads, "2026-10-05 11:10", log=claim).send.empty
    assert keys(plan(leads, "2026-10-05 11:16", log=claim).send) == {("S1", "half", "rita@x")}


def test_service_items_nobody_owns_go_to_the_service_side() -> None:
    leads = [lead("C1", "2026-09-20 09:00")]
    deals = [deal("D1", "C1", "2026-10-05 09:00")]
    found = plan(leads, "2026-10-05 13:30", deals=deals, service_queue=["queue@x"])
    service = found.send[found.send["sla_id"] == "service"]
    recipients = set(service["recipient"])
    # The deal's own owner (sales) closed it; its service owner or the queue hears, never sales.
    assert recipients and "boss@x" not in recipients
    assert recipients <= {"queue@x", "cara@x", "svc-boss@x", "rita@x"}


def test_quota_pace_warns_marketing_ops_once() -> None:
    leads = [lead("Q1", "2026-10-01 10:00")]  # 1 of 4 by the 20th: behind pace
    found = plan(leads, "2026-10-20 11:00", marketing_ops=["mops@x"])
    pace = found.send[found.send["stage"] == "pace"]
    assert keys(pace) == {("2026-10", "pace", "mops@x")}
    again = plan(leads, "2026-10-21 11:00", marketing_ops=["mops@x"], log=as_log(pace))
    assert again.send[again.send["stage"] == "pace"].empty


def test_room_stage_posts_to_the_teams_webhook_and_mute_silences_a_person() -> None:
    leads = [lead("R1", "2026-10-05 09:00")]
    found = plan(leads, "2026-10-05 13:05", rooms={"sales-east": "ROOM_URL"}, mute=["boss@x"],
                 stages=[{"name": "breach", "at_pct": 100, "to": ["owner", "manager", "room"]}])  # fmt: skip
    assert keys(found.send) == {("R1", "breach", "rita@x"), ("R1", "breach", "room:sales-east")}
    assert dict(zip(found.send["recipient"], found.send["channel"], strict=True)) == {
        "rita@x": "slack", "room:sales-east": "webhook"}  # fmt: skip


def test_digest_on_a_working_morning_only() -> None:
    leads = [lead("G1", "2026-10-07 14:00"), lead("G2", "2026-10-09 09:00")]  # breached Thu 10:00
    friday = plan(leads, "2026-10-09 09:00", digest=True)
    digests = friday.send[friday.send["stage"] == "digest"]
    assert keys(digests) == {("sales-east:2026-10-09", "digest", "boss@x")}
    details = digests["details"].iloc[0]
    assert details["breached_total"] == 1 and details["due_total"] == 1
    assert plan(leads, "2026-10-09 08:30", digest=True).send.query("stage == 'digest'").empty
    assert plan(leads, "2026-10-10 10:00", digest=True).send.query("stage == 'digest'").empty


def test_access_managers_are_told_where_a_team_has_no_manager_email() -> None:
    """HubSpot teams carry no manager e-mail: `[access.managers]` names them; a team with
    neither is reported (never silently nobody), and extra managers hear beside the usual one."""
    leads = [lead("L1", "2026-10-05 09:00")]  # breached at 13:00
    bare = TEAM_ROWS.assign(manager_email=TEAM_ROWS["manager_email"].where(TEAM_ROWS["team_id"] != "sales-east"))
    nobody = plan(leads, "2026-10-05 13:05", teams=bare)
    assert keys(nobody.send) == {("L1", "breach", "rita@x")}
    assert ("sales-east", "Sales East") in nobody.unmanaged
    named = plan(leads, "2026-10-05 13:05", teams=bare, managers={"sales-east": frozenset({"Anna@x"})})
    assert keys(named.send) == {("L1", "breach", "rita@x"), ("L1", "breach", "anna@x")}
    assert "sales-east" not in {team for team, _ in named.unmanaged}
    both = plan(leads, "2026-10-05 13:05", managers={"sales-east": frozenset({"anna@x", "boss@x"})})
    assert keys(both.send) == {("L1", "breach", "rita@x"), ("L1", "breach", "boss@x"),
                               ("L1", "breach", "anna@x")}  # fmt: skip
    assert both.unmanaged == ()
