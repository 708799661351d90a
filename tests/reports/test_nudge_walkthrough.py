"""The issue's "Done when", tried as a new user would: the `handoff` commands on the demo
organisation and the shipped SLA file, the fake Slack Web API driven through the real slack_sdk,
and HANDOFF_NOW moving the clock through a Monday and a Tuesday in New York.

- each manager's morning digest arrives in the first pass of their team's working day (09:00
  for Sales East on the New York calendar; Customer Service starts at 08:00, Sales West at 08:00
  in Los Angeles), once;
- a rep's lead crossing 75% gets exactly one Slack DM, in working hours, none at night;
- a breach reaches the rep and the team manager, once each;
- a lead touched in the CRM just before the pass gets nothing (the CRM here is the canonical CSV
  import; a lead deleted or merged in HubSpot just before the pass is the second test, with
  the fake HubSpot).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fakes.hubspot_portal import Portal, iso
from fakes.hubspot_server import FakeHubSpot
from fakes.slack_server import TOKEN, FakeSlack, slack_server
from nudge_builders import NY
from typer.testing import CliRunner

from cli import app
from connectors.demo_people import REPS, TEAMS
from models.settings import DEFAULT_CONFIG_PATH
from models.store import Store

MEMBERS = {rep.email: f"U{rep.owner_id}" for rep in REPS}
MANAGERS = dict(zip(TEAMS["team_id"], TEAMS["manager_email"], strict=True))
JENNA = next(r for r in REPS if r.name == "Jenna Castillo")  # Sales East
AISHA = next(r for r in REPS if r.name == "Aisha Mensah")  # Sales East
MARCUS = MANAGERS["sales-east"]


@pytest.fixture
def walk(cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    for name in ("SMTP_HOST", "HUBSPOT_ACCESS_TOKEN", "REPORT_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "sla.toml"
    shutil.copy(DEFAULT_CONFIG_PATH, config)  # the SLA file a new install ships with
    monkeypatch.setenv("HANDOFF_CONFIG", str(config))
    with slack_server(MEMBERS) as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("SLACK_BASE_URL", slack.base_url)
        yield slack


def ny(text: str) -> str:
    """A New York wall-clock time as the UTC instant HANDOFF_NOW takes."""
    return datetime.fromisoformat(text).replace(tzinfo=NY).astimezone(UTC).isoformat()


def handoff(monkeypatch: pytest.MonkeyPatch, when: str, *args: str) -> str:
    monkeypatch.setenv("HANDOFF_NOW", ny(when))
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def dms(slack: FakeSlack, email: str, text: str) -> list[str]:
    return [m for m in slack.dms(MEMBERS[email]) if text in m]


def write_csv(folder: Path, name: str, header: str, *rows: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return folder


def test_the_done_when_walkthrough_on_the_demo_organisation(
    walk: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    slack = walk
    handoff(monkeypatch, "2026-12-07 05:00", "demo", "--months", "2", "--leads-per-month", "40",
            "--no-warm")  # fmt: skip
    digests: dict[str, list[str]] = {}  # when -> managers who got their digest then

    def nudge(when: str) -> None:
        before = {e: len(dms(slack, e, "Good morning")) for e in MANAGERS.values()}
        handoff(monkeypatch, when, "nudge", "--once")
        digests[when] = [e for e in MANAGERS.values() if len(dms(slack, e, "Good morning")) > before[e]]

    # Monday morning: each manager's digest in the first pass of their team's working day.
    for when in ("2026-12-07 07:55", "2026-12-07 08:00", "2026-12-07 08:55", "2026-12-07 09:00",
                 "2026-12-07 09:30", "2026-12-07 10:55", "2026-12-07 11:00", "2026-12-07 11:30"):  # fmt: skip
        nudge(when)
    assert digests["2026-12-07 07:55"] == []
    assert digests["2026-12-07 08:00"] == [MANAGERS["service"]]  # service works from 08:00
    assert digests["2026-12-07 08:55"] == []
    assert digests["2026-12-07 09:00"] == [MARCUS]  # Sales East: 09:00 New York
    assert digests["2026-12-07 10:55"] == []
    assert digests["2026-12-07 11:00"] == [MANAGERS["sales-west"]]  # 08:00 in Los Angeles
    assert sum(len(v) for v in digests.values()) == 3  # once each; Marketing had nothing to say
    marcus_digest = dms(slack, MARCUS, "Good morning")[0]
    assert marcus_digest.startswith("Good morning: team Sales East.")

    # A lead for Aisha handed off at 09:00 (the CRM export lands at 09:30), and one for Jenna at
    # 14:00. Aisha's: 50% at 11:00, 75% at 12:00 (lunch: it waits for 13:00), breached 14:00.
    leads = "lead_id,created_at,handed_off_at,assigned_at,owner_id,source,email,company"
    folder = write_csv(tmp_path / "crm1", "leads.csv", leads,
                       f"T1,{ny('2026-12-07 08:50')},{ny('2026-12-07 09:00')},{ny('2026-12-07 09:00')},"
                       f"{AISHA.owner_id},web,t1@customer.example,Touchwood Ltd")  # fmt: skip
    handoff(monkeypatch, "2026-12-07 09:30", "import", str(folder), "--no-warm")
    for when in ("2026-12-07 11:00", "2026-12-07 12:05", "2026-12-07 13:00"):
        nudge(when)
    assert len(dms(slack, AISHA.email, "(lead T1)")) == 2  # 50% at 11:00, 75% after lunch
    # Aisha calls at 13:58; the export lands just before the 14:00 pass: no breach notice.
    folder = write_csv(tmp_path / "crm2", "activities.csv",
                       "activity_id,lead_id,type,occurred_at,owner_id,direction,outcome",
                       f"A1,T1,call,{ny('2026-12-07 13:58')},{AISHA.owner_id},outbound,connected")  # fmt: skip
    handoff(monkeypatch, "2026-12-07 13:59", "import", str(folder), "--no-warm")

    folder = write_csv(tmp_path / "crm3", "leads.csv", leads,
                       f"W1,{ny('2026-12-07 13:55')},{ny('2026-12-07 14:00')},{ny('2026-12-07 14:00')},"
                       f"{JENNA.owner_id},web,w1@customer.example,Westwind Corp")  # fmt: skip
    handoff(monkeypatch, "2026-12-07 14:00", "import", str(folder), "--no-warm")
    nudge("2026-12-07 14:00")
    assert len(dms(slack, AISHA.email, "(lead T1)")) == 2 and not dms(slack, MARCUS, "(lead T1)")

    # Jenna's lead: 50% at 16:00, 75% at 17:00 when her day ends: nothing at night, one DM at
    # Tuesday 09:00; due at 10:00, so the 10:05 pass tells Jenna and Marcus, once each.
    seen: dict[str, int] = {}
    for when in ("2026-12-07 15:00", "2026-12-07 16:00", "2026-12-07 16:30", "2026-12-07 17:05",
                 "2026-12-07 20:00", "2026-12-07 23:30", "2026-12-08 03:00", "2026-12-08 08:55",
                 "2026-12-08 09:00", "2026-12-08 09:30", "2026-12-08 10:00", "2026-12-08 10:05",
                 "2026-12-08 10:30"):  # fmt: skip
        nudge(when)
        seen[when] = len(dms(slack, JENNA.email, "(lead W1)"))
    assert seen == {
        "2026-12-07 15:00": 0, "2026-12-07 16:00": 1, "2026-12-07 16:30": 1,
        "2026-12-07 17:05": 1, "2026-12-07 20:00": 1, "2026-12-07 23:30": 1,
        "2026-12-08 03:00": 1, "2026-12-08 08:55": 1,
        "2026-12-08 09:00": 2,  # 75%: exactly one DM, at the start of her working day
        "2026-12-08 09:30": 2,
        "2026-12-08 10:00": 2,  # due at 10:00 sharp: not over yet
        "2026-12-08 10:05": 3, "2026-12-08 10:30": 3,
    }  # fmt: skip
    jenna = dms(slack, JENNA.email, "(lead W1)")
    assert jenna[0].startswith("*50% of First touch within 4 business hours used* for Westwind Corp")
    assert jenna[1].startswith("*75% of First touch within 4 business hours used* for Westwind Corp")
    assert "due Tue 08 Dec 10:00 EST" in jenna[1]
    assert jenna[2].startswith("*Breached: First touch within 4 business hours* for Westwind Corp")
    assert len(dms(slack, MARCUS, "(lead W1)")) == 1 and "Breached" in dms(slack, MARCUS, "(lead W1)")[0]
    # Tuesday's digests come at Tuesday's start, once more each (one a day).
    assert digests["2026-12-08 09:00"] == [MARCUS]
    assert not slack.rate_limited
    log = store.read_nudge_log()
    assert not log.duplicated(["sla_id", "item_id", "stage", "recipient"]).any()
    assert set(log["status"]) == {"sent"}


def test_a_lead_deleted_or_merged_in_hubspot_just_before_the_pass_gets_nothing(
    walk: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    """The demo's Sales East in a (fake) HubSpot portal, its manager named in [access.managers]
    as the README says; three leads breach in the same pass: one deleted and one merged into
    another contact a minute before it. Only the untouched one is told, to the rep and to the
    manager, because the pass syncs first and the sync finds deletions and merges at once."""
    slack = walk
    now = datetime.now(UTC)  # HubSpot's records change in real time; the pass judges at now
    handed = now - timedelta(hours=4, minutes=5)
    portal = Portal()
    portal.owners = [{"id": str(600 + i), "email": rep.email, "firstName": rep.name.split()[0],
                      "lastName": rep.name.split()[-1], "userId": 600 + i, "createdAt": iso(handed),
                      "updatedAt": iso(handed), "archived": False,
                      "teams": [{"id": "12", "name": "Sales East", "primary": True}]}
                     for i, rep in enumerate(r for r in REPS if r.team_id == "sales-east")]  # fmt: skip
    portal.pipelines = []
    owner = next(o["id"] for o in portal.owners if o["email"] == JENNA.email)
    ids = {name: portal.create("contacts", {
        "email": f"{name}@customer.example", "company": name.title(), "hubspot_owner_id": owner,
        "hubspot_owner_assigneddate": iso(handed), "hs_v2_date_entered_marketingqualifiedlead": iso(handed),
    }, at=handed) for name in ("kept", "deleted", "merged", "survivor")}  # fmt: skip
    portal.create("calls", {"hs_timestamp": iso(handed + timedelta(minutes=3)), "hubspot_owner_id": owner,
                            "hs_call_direction": "OUTBOUND"}, at=handed, contacts=[ids["survivor"]])  # fmt: skip
    config = Path(str(tmp_path / "sla.toml"))
    always = "\n".join(f'{d} = ["00:00-24:00"]' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    text = config.read_text(encoding="utf-8").replace(
        '[calendars.ny.hours]\nmon = ["09:00-12:00", "13:00-17:00"]\ntue = ["09:00-12:00", "13:00-17:00"]\n'
        'wed = ["09:00-12:00", "13:00-17:00"]\nthu = ["09:00-12:00", "13:00-17:00"]\n'
        'fri = ["09:00-12:00", "13:00-17:00"]', f"[calendars.ny.hours]\n{always}")  # any real time of day
    assert f"[calendars.ny.hours]\n{always}" in text
    config.write_text(text + f'\n[access.managers]\n"12" = ["{MARCUS}"]\n', encoding="utf-8")
    with FakeHubSpot(portal, token="pat-walkthrough") as hubspot:
        monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "pat-walkthrough")
        monkeypatch.setenv("HUBSPOT_BASE_URL", hubspot.url)
        monkeypatch.setenv("HANDOFF_NOW", now.isoformat())
        assert CliRunner().invoke(app, ["sync", "hubspot", "--no-warm"]).exit_code == 0
        # A minute before the pass, in HubSpot:
        portal.archive("contacts", ids["deleted"])
        portal.merge("contacts", ids["merged"], ids["survivor"])  # the survivor was called already
        monkeypatch.setenv("HANDOFF_NOW", datetime.now(UTC).isoformat())
        result = CliRunner().invoke(app, ["nudge", "--once"])
    assert result.exit_code == 0, result.output
    told = {(e, m.split("(lead ")[1].split(")")[0]) for e in (JENNA.email, MARCUS) for m in dms(slack, e, "(lead ")}
    assert told == {(JENNA.email, str(ids["kept"])), (MARCUS, str(ids["kept"]))}
    # The sync before the pass found both (not the archived scan, 24 hours away).
    assert "1 archived, 1 merged." in result.output
