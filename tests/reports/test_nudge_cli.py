"""`handoff nudge` and `handoff mute` as a user types them, with HANDOFF_NOW pinning the clock."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fakes.slack_server import TOKEN, slack_server
from nudge_builders import SLACK_USERS, add_lead, load_org, write_sla_file
from typer.testing import CliRunner

from cli import app
from models.store import Store


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_BASE_URL", "SMTP_HOST", "HUBSPOT_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def test_dry_run_then_once_then_nothing_twice(store: Store, cli_env: dict[str, str], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    load_org(store)
    add_lead(store, "C1", "2026-12-07 09:00")
    add_lead(store, "C2", "2026-12-07 09:00", owner="sam")
    sla_file = write_sla_file(tmp_path, digest=False)
    runner = CliRunner()
    with slack_server(SLACK_USERS) as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("SLACK_BASE_URL", slack.base_url)
        monkeypatch.setenv("HANDOFF_NOW", "2026-12-07T16:00:00Z")  # 11:00 in New York: 50%
        dry = runner.invoke(app, ["nudge", "--dry-run", "--config", str(sla_file)])
        assert dry.exit_code == 0, dry.output
        assert ("Would send rita@x.example a reminder that Acme (lead C1) has used 50% of First "
                "touch within 4 business hours (2h 00m business time left), by Slack.") in dry.output  # fmt: skip
        assert not slack.messages and store.read_nudge_log().empty
        muted = runner.invoke(app, ["mute", "Sam@X.example"])
        assert muted.exit_code == 0 and "muted" in muted.output
        once = runner.invoke(app, ["nudge", "--once", "--config", str(sla_file)])
        assert once.exit_code == 0, once.output
        assert "nudges: sent 1," in once.output
        again = runner.invoke(app, ["nudge", "--once", "--config", str(sla_file)])
        assert "nudges: sent 0," in again.output
        monkeypatch.setenv(
            "HANDOFF_NOW", "2026-12-07T23:30:00Z"
        )  # 18:30: breached at 13:00, after hours now
        night = runner.invoke(app, ["nudge", "--dry-run", "--config", str(sla_file)])
        assert ("Would send rita@x.example a notice that Acme (lead C1) breached First touch "
                "within 4 business hours at Tue 08 Dec 09:00 EST, when their working hours start."
                in night.output)  # fmt: skip
        assert "sam@x.example" not in night.output  # muted
    assert len(slack.dms("U_RITA")) == 1 and not slack.dms("U_SAM")


def test_mute_refuses_what_is_not_an_address(store: Store, cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["mute", "rita"])
    assert result.exit_code == 2
    assert "not an e-mail address" in result.output


def test_dry_run_reads_as_plain_sentences(store: Store, cli_env: dict[str, str], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """What a manager reads: who is told what and how, in words; no internal stage names, no
    "by none", no "digest of digest", and a team without a manager is named with the fix."""
    load_org(store)
    store.upsert_frame("team", pd.DataFrame([
        {"team_id": "12", "name": "Sales West", "tier": "sales", "calendar": "ny", "manager_email": None},
    ]))  # fmt: skip
    store.upsert_frame("owner", pd.DataFrame([
        {"owner_id": "cara", "name": "Cara Rep", "email": "cara@x.example", "team_id": "12", "active": True},
    ]))  # fmt: skip
    add_lead(store, "C1", "2026-12-07 09:00", company="Acme")
    add_lead(store, "C2", "2026-12-04 09:00", company="Globex")  # breached on Friday
    add_lead(store, "C3", "2026-12-07 09:00", owner="cara", company="Initech")
    sla_file = write_sla_file(tmp_path, digest=True)
    monkeypatch.setenv("HANDOFF_NOW", "2026-12-07T16:00:00Z")  # Monday 11:00 in New York
    dry = CliRunner().invoke(app, ["nudge", "--dry-run", "--config", str(sla_file)])
    assert dry.exit_code == 0, dry.output
    lines = dry.output.splitlines()
    assert lines[:5] == [
        "Would send rita@x.example a notice that Globex (lead C2) breached First touch within 4 "
        "business hours, but no channel is set up yet.",
        "Would send mgr@x.example (as the team's manager) a notice that Globex (lead C2) breached "
        "First touch within 4 business hours, but no channel is set up yet.",
        "Would send rita@x.example a reminder that Acme (lead C1) has used 50% of First touch "
        "within 4 business hours (2h 00m business time left), but no channel is set up yet.",
        "Would send cara@x.example a reminder that Initech (lead C3) has used 50% of First touch "
        "within 4 business hours (2h 00m business time left), but no channel is set up yet.",
        "Would send mgr@x.example the morning digest of team Sales East, but no channel is set up yet.",
    ]
    assert ("No channel is set up to reach people: set SLACK_BOT_TOKEN for Slack or SMTP_HOST for "
            "e-mail (README, Pre-breach nudges).") in lines  # fmt: skip
    assert ('Team Sales West: no manager e-mail, so nobody gets its breach notices to managers or its '
            'morning digest. Set [access.managers] "12" = ["manager@yourcompany.com"] in the SLA '
            "file (HubSpot teams carry no manager e-mail).") in lines  # fmt: skip
    assert lines[-1].startswith("In all: ") and "Dry run: nothing was sent or recorded." in lines[-1]
    for odd in ("by none", "digest of digest", " of first-touch ", "half of", "late of"):
        assert odd not in dry.output
    assert store.read_nudge_log().empty

    # [access.managers] fills the gap: the team's manager is told, and the warning goes.
    extra = '\n[access.managers]\n"12" = ["West.Boss@x.example"]\n'
    sla_file.write_text(sla_file.read_text(encoding="utf-8") + extra, encoding="utf-8")
    fixed = CliRunner().invoke(app, ["nudge", "--dry-run", "--config", str(sla_file)])
    assert "Team Sales West: no manager" not in fixed.output
    assert ("Would send west.boss@x.example the morning digest of team Sales West, but no channel "
            "is set up yet.") in fixed.output.splitlines()  # fmt: skip
