"""Nudges end to end: the real store (SQLite or PostgreSQL), the real slack_sdk against a fake
Slack Web API on 127.0.0.1, the local SMTP server; the clock moved by hand (as HANDOFF_NOW does)
over a business day, a night, a weekend and a holiday."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fakes.slack_server import FakeSlack, slack_server
from nudge_builders import (
    SLACK_USERS,
    add_call,
    add_lead,
    at,
    load_org,
    nudge_settings,
    write_sla_file,
)
from servers import smtp_server

from models.settings import Settings
from models.store import Store
from reports.nudges.channels import SlackChannel
from reports.nudges.run import PassResult, run_nudge_pass

_ENV = ("SLACK_BOT_TOKEN", "SLACK_BASE_URL", "SMTP_HOST", "HUBSPOT_ACCESS_TOKEN", "HANDOFF_CONFIG",
        "HANDOFF_BASE_URL", "REPORT_WEBHOOK_URL")  # fmt: skip


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with slack_server(SLACK_USERS) as fake:
        yield fake


def _pass(store: Store, settings: Settings, when: str) -> PassResult:
    return run_nudge_pass(store, settings, now=at(when), echo=lambda _line: None)


def _sent(store: Store) -> set[tuple[str, str, str, str]]:
    log = store.read_nudge_log()
    log = log[log["status"] == "sent"]
    return set(zip(log["item_id"], log["stage"], log["recipient"], log["channel"], strict=True))


def test_each_stage_fires_once_at_the_right_working_instant(
    store: Store, slack: FakeSlack, tmp_path: Path
) -> None:
    load_org(store)
    # Thursday 15:00: 4 business hours run Thu 15-17 and Fri 9-11 (50% at Thu 17:00, after hours).
    add_lead(store, "L1", "2026-12-03 15:00", company="Acme <!channel> & Co")
    # Friday 16:00: 50% on Monday 10:00 (the weekend does not count), breached Monday 13:00.
    add_lead(store, "L2", "2026-12-04 16:00", owner="sam")
    settings = nudge_settings(store, write_sla_file(tmp_path, digest=False), slack.base_url)

    expected_by_instant = {
        "2026-12-03 16:00": set(),  # 25% used
        "2026-12-03 17:00": set(),  # 50% used, but Rita's working day is over
        "2026-12-03 23:00": set(),  # night
        "2026-12-04 08:59": set(),
        "2026-12-04 09:00": {("L1", "half", "rita@x.example", "slack")},  # the next working start
        "2026-12-04 09:30": set(),
        "2026-12-04 10:00": {("L1", "late", "rita@x.example", "slack")},  # 75%
        "2026-12-04 10:40": set(),
        "2026-12-04 11:05": {
            ("L1", "breach", "rita@x.example", "slack"),
            ("L1", "breach", "mgr@x.example", "slack"),
        },  # fmt: skip
        "2026-12-04 13:00": set(),
        "2026-12-05 12:00": set(),  # Saturday
        "2026-12-06 12:00": set(),  # Sunday
        "2026-12-07 09:00": set(),  # L2: 25% (Fri 16-17 and Mon 9:00)
        "2026-12-07 10:00": {("L2", "half", "sam@x.example", "slack")},
        "2026-12-07 11:00": {("L2", "late", "sam@x.example", "slack")},
        "2026-12-07 13:30": {
            ("L2", "breach", "sam@x.example", "slack"),
            ("L2", "breach", "mgr@x.example", "slack"),
        },  # fmt: skip
        "2026-12-07 16:00": set(),
    }
    before: set[tuple[str, str, str, str]] = set()
    for instant, expected in expected_by_instant.items():
        _pass(store, settings, instant)
        now = _sent(store)
        assert now - before == expected, instant
        before = now
    assert len(slack.dms("U_RITA")) == 3 and len(slack.dms("U_MGR")) == 2
    assert len(slack.dms("U_SAM")) == 3
    breach = slack.dms("U_MGR")[0]
    # CRM text cannot mention @channel or make a link; the due time is in the recipient's zone.
    assert "&lt;!channel&gt; &amp; Co" in breach and "<!channel>" not in breach
    assert "Fri 04 Dec 11:00 EST" in breach
    assert (
        "<https://handoff.example/drilldown?month=2026-12&team=sales-east&rep=rita&lead=L1|Open in Handoff>"
        in breach
    )


def test_holiday_waits_for_the_next_working_day(
    store: Store, slack: FakeSlack, tmp_path: Path
) -> None:
    load_org(store)
    add_lead(store, "L3", "2026-12-24 15:00")  # Thursday; Friday 25th is a holiday
    settings = nudge_settings(store, write_sla_file(tmp_path, digest=False), slack.base_url)
    for instant in ("2026-12-24 17:00", "2026-12-25 10:00", "2026-12-26 10:00"):
        _pass(store, settings, instant)
        assert _sent(store) == set(), instant
    _pass(store, settings, "2026-12-28 09:00")
    assert _sent(store) == {("L3", "half", "rita@x.example", "slack")}


def test_touched_rejected_reassigned_or_deleted_just_before_the_pass_get_nothing(
    store: Store, slack: FakeSlack, tmp_path: Path
) -> None:
    load_org(store)
    for lead_id in ("T1", "T2", "T3", "T4", "T5"):
        add_lead(store, lead_id, "2026-12-07 09:00")
    settings = nudge_settings(store, write_sla_file(tmp_path, digest=False), slack.base_url)
    add_call(store, "T1", "2026-12-07 11:59", activity_id="A1")  # touched a minute ago
    add_lead(
        store, "T2", "2026-12-07 09:00", rejected_at=at("2026-12-07 11:58"), rejection_reason="spam"
    )
    add_lead(store, "T3", "2026-12-07 09:00", owner="sam")  # reassigned: Sam, not Rita
    store.mark_deleted("lead", ["T4"], at("2026-12-07 11:57"))
    _pass(store, settings, "2026-12-07 12:00")  # 75% of each lead's 4 hours
    assert _sent(store) == {("T3", "late", "sam@x.example", "slack"),
                            ("T5", "late", "rita@x.example", "slack")}  # fmt: skip


def test_morning_digest_reaches_the_manager_at_the_teams_nine_oclock(
    store: Store, slack: FakeSlack, tmp_path: Path
) -> None:
    load_org(store)
    add_lead(store, "D1", "2026-12-07 14:00")  # breached Tuesday 10:00
    add_lead(store, "D2", "2026-12-08 09:00")  # due Tuesday 13:00
    settings = nudge_settings(store, write_sla_file(tmp_path), slack.base_url)
    _pass(store, settings, "2026-12-08 08:30")
    assert not slack.dms("U_MGR")
    _pass(store, settings, "2026-12-08 09:00")
    digests = [m for m in slack.dms("U_MGR") if "Good morning" in m]
    assert len(digests) == 1 and "Due today: 2" in digests[0]
    _pass(store, settings, "2026-12-08 09:05")
    assert len([m for m in slack.dms("U_MGR") if "Good morning" in m]) == 1
    _pass(store, settings, "2026-12-09 09:00")
    digests = [m for m in slack.dms("U_MGR") if "Good morning" in m]
    assert len(digests) == 2 and "Breached since yesterday: 2" in digests[1]


def test_rate_limit_is_respected_and_the_message_sent_once(
    store: Store, slack: FakeSlack, tmp_path: Path
) -> None:
    load_org(store)
    add_lead(store, "R1", "2026-12-07 09:00")
    settings = nudge_settings(store, write_sla_file(tmp_path, digest=False), slack.base_url)
    slack.throttle_next["chat.postMessage"] = 1
    _pass(store, settings, "2026-12-07 11:00")
    posts = [m for m, _ in slack.calls if m == "chat.postMessage"]
    assert len(posts) == 2 and len(slack.dms("U_RITA")) == 1
    assert _sent(store) == {("R1", "half", "rita@x.example", "slack")}


def test_a_failure_is_retried_later_and_sent_once(
    store: Store, slack: FakeSlack, tmp_path: Path
) -> None:
    load_org(store)
    add_lead(store, "F1", "2026-12-07 09:00")
    settings = nudge_settings(store, write_sla_file(tmp_path, digest=False), slack.base_url)
    slack.fail_next["chat.postMessage"] = "internal_error"
    result = _pass(store, settings, "2026-12-07 11:00")
    assert result.failed == 1
    assert result.lines == [
        "Could not send rita@x.example a reminder that Acme (lead F1) has used 50% of First touch "
        "within 4 business hours (2h 00m business time left): Slack chat.postMessage answered "
        "internal_error: see the Slack API docs (tries again at 16:05Z)"
    ]
    log = store.read_nudge_log()
    assert log.iloc[0]["status"] == "failed" and "internal_error" in log.iloc[0]["error"]
    _pass(store, settings, "2026-12-07 11:02")  # not yet due for its retry
    assert not slack.dms("U_RITA")
    _pass(store, settings, "2026-12-07 11:06")
    assert len(slack.dms("U_RITA")) == 1
    row = store.read_nudge_log().iloc[0]
    assert (row["status"], row["attempts"]) == ("sent", 2)


def test_no_slack_account_falls_back_to_email(
    store: Store, slack: FakeSlack, tmp_path: Path
) -> None:
    load_org(store)
    store.upsert_frame("owner", store.read_entity("owner").assign(
        email=lambda o: o["email"].where(o["owner_id"] != "rita", "rita@elsewhere.example")))  # fmt: skip
    add_lead(store, "E1", "2026-12-07 09:00")
    with smtp_server() as (mailbox, port):
        settings = nudge_settings(store, write_sla_file(tmp_path, digest=False), slack.base_url,
                                  smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)  # fmt: skip
        _pass(store, settings, "2026-12-07 11:00")
    assert _sent(store) == {("E1", "half", "rita@elsewhere.example", "email")}
    assert mailbox.recipients == [["rita@elsewhere.example"]]
    assert "business time left" in mailbox.messages[0].get_payload()


def test_muted_people_get_nothing(store: Store, slack: FakeSlack, tmp_path: Path) -> None:
    load_org(store)
    add_lead(store, "M1", "2026-12-07 09:00")
    settings = nudge_settings(store, write_sla_file(tmp_path, digest=False), slack.base_url)
    store.set_mute("Rita@X.example", True)
    _pass(store, settings, "2026-12-07 11:00")
    assert _sent(store) == set()
    store.set_mute("rita@x.example", False)
    _pass(store, settings, "2026-12-07 11:05")
    assert _sent(store) == {("M1", "half", "rita@x.example", "slack")}


def test_killed_between_sending_and_recording_sends_one_duplicate_at_most(
    store: Store, slack: FakeSlack, tmp_path: Path
) -> None:
    """A process claims the breach notice, sends it, and dies before marking it sent."""
    load_org(store)
    add_lead(store, "K1", "2026-12-07 09:00")
    settings = nudge_settings(store, write_sla_file(tmp_path, digest=False), slack.base_url)
    now = at("2026-12-07 13:05")
    key = {"sla_id": "first-touch", "item_id": "K1", "stage": "breach", "recipient": "mgr@x.example",
           "lead_id": "K1", "rank": 3, "role": "manager", "channel": "slack"}  # fmt: skip
    assert store.claim_nudge(key, now=now, holder="dead:1", stale_before=now - timedelta(minutes=15),
                             max_attempts=3) is not None  # fmt: skip
    SlackChannel("xoxb-test-token", base_url=slack.base_url).client.chat_postMessage(
        channel="U_MGR", text="Breached: first touch (sent by the process that died)"
    )
    _pass(store, settings, "2026-12-07 13:10")  # the claim is fresh: the dead one may be sending
    assert len(slack.dms("U_MGR")) == 1
    _pass(store, settings, "2026-12-07 13:25")  # stale: sent again, never lost
    assert len(slack.dms("U_MGR")) == 2
    _pass(store, settings, "2026-12-07 14:00")
    assert len(slack.dms("U_MGR")) == 2  # and never a third time
    log = store.read_nudge_log()
    manager = log[(log["recipient"] == "mgr@x.example") & (log["stage"] == "breach")].iloc[0]
    assert (manager["status"], manager["attempts"]) == ("sent", 2)


def test_a_second_pass_finds_the_lease_held(store: Store, slack: FakeSlack, tmp_path: Path) -> None:
    load_org(store)
    add_lead(store, "B1", "2026-12-07 09:00")
    settings = nudge_settings(store, write_sla_file(tmp_path, digest=False), slack.base_url)
    with store.lease("nudge") as held:
        assert held
        result = run_nudge_pass(store, settings, now=at("2026-12-07 11:00"), echo=lambda _l: None)
    assert result.status == "busy" and not slack.messages
    assert store.read_lease("nudge") is None  # released


def test_the_scheduler_runs_a_pass_every_few_minutes(store: Store, slack: FakeSlack, tmp_path: Path) -> None:
    from reports.scheduler import run_scheduler

    load_org(store)
    add_lead(store, "S1", "2026-12-07 09:00")
    settings = nudge_settings(store, write_sla_file(tmp_path, digest=False), slack.base_url,
                              report_out_dir=tmp_path / "out")  # fmt: skip
    clock = [at("2026-12-07 10:58")]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += timedelta(seconds=seconds)

    ran = run_scheduler(store, settings, once=False, now=lambda: clock[0], sleep=sleep,
                        stop=lambda: len(slept) >= 2, echo=lambda _line: None, nudge=run_nudge_pass)  # fmt: skip
    assert slept[0] == 5 * 60  # [nudges] every_minutes
    assert [r[2] for r in ran if r[0] == "nudge"] == ["ok", "ok", "ok"]
    assert _sent(store) == {("S1", "half", "rita@x.example", "slack")}  # at 11:03, once
