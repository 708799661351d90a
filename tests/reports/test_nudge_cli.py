"""`handoff nudge` and `handoff mute` as a user types them, with HANDOFF_NOW pinning the clock."""

from __future__ import annotations

from pathlib import Path

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
        assert "would send half of first-touch C1 to rita@x.example by slack" in dry.output
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
        assert (
            "waiting breach of first-touch C1 for rita@x.example until 2026-12-08 14:00Z"
            in night.output
        )
        assert "for sam@x.example" not in night.output  # muted
    assert len(slack.dms("U_RITA")) == 1 and not slack.dms("U_SAM")


def test_mute_refuses_what_is_not_an_address(store: Store, cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["mute", "rita"])
    assert result.exit_code == 2
    assert "not an e-mail address" in result.output
