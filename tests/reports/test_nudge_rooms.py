"""A team room's webhook, through the local webhook receiver: a Microsoft Teams room gets an
Adaptive Card of plain text runs, a Slack room Slack's mrkdwn; CRM text is never markup in
either."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from nudge_builders import add_lead, at, load_org, nudge_settings, write_sla_file
from servers import webhook_server

from models.config import load_config
from models.errors import BadInputError
from models.store import Store
from reports.nudges.channels import RoomChannel
from reports.nudges.messages import Message, teams_card
from reports.nudges.run import run_nudge_pass

EVIL = "**Evil**](https://evil.example) <!channel> <at>CEO</at>"
STAGES = """
[[nudges.stages]]
name = "breach"
at_pct = 100
to = ["room"]
"""


def _runs(payload: dict[str, Any]) -> list[dict[str, Any]]:
    card = payload["attachments"][0]["content"]
    return [run for block in card["body"] for run in block["inlines"]]


@pytest.mark.parametrize("kind", ["teams", "slack"])
def test_a_breach_posts_to_the_teams_room_in_its_own_format(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    load_org(store)
    add_lead(store, "L1", "2026-12-07 09:00", company=EVIL)  # breached at 13:00
    rooms = f'\n[nudges.rooms]\n"sales-east" = {{ variable = "NUDGE_ROOM", kind = "{kind}" }}\n'
    sla_file = write_sla_file(tmp_path, digest=False, extra=rooms + STAGES)
    with webhook_server() as (received, port):
        monkeypatch.setenv("NUDGE_ROOM", f"http://127.0.0.1:{port}/webhookb2/secret-path")
        settings = nudge_settings(store, sla_file, None)
        result = run_nudge_pass(store, settings, now=at("2026-12-07 13:30"), echo=lambda _l: None)
        again = run_nudge_pass(store, settings, now=at("2026-12-07 13:45"), echo=lambda _l: None)
    assert (result.sent, again.sent) == (1, 0) and len(received) == 1
    payload = received[0]["body"]
    if kind == "teams":
        card = payload["attachments"][0]
        assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
        assert card["content"]["type"] == "AdaptiveCard"
        # Every word is a TextRun (plain text in Teams); no TextBlock reads Markdown.
        assert {b["type"] for b in card["content"]["body"]} == {"RichTextBlock"}
        texts = [run["text"] for run in _runs(payload)]
        assert texts[0] == f"Breached: First touch within 4 business hours: {EVIL}"
        assert f"Breached: First touch within 4 business hours for {EVIL} (lead L1)" in texts
        assert card["content"]["actions"][0]["url"].startswith("https://handoff.example/drilldown?")
        assert "text" not in payload
    else:
        assert set(payload) == {"text"}
        assert "&lt;!channel&gt;" in payload["text"] and "<!channel>" not in payload["text"]
    log = store.read_nudge_log()
    assert log["target"].tolist() == ["http://127.0.0.1"]  # the host only: the path is a secret
    assert "secret-path" not in str(log.to_dict("records"))


def test_a_teams_url_gets_a_card_without_saying_so_and_slack_keeps_text() -> None:
    message = Message(subject="[Handoff] Breached: X", slack="*Breached*", text="Breached\nhttps://h/d\n\n-- f",
                      link="https://h/d")  # fmt: skip
    rooms = RoomChannel({})
    teams = rooms.payload("t", "https://acme.webhook.office.com/webhookb2/abc", message)
    assert teams == teams_card(message)
    assert [r["text"] for r in _runs(teams)] == ["Breached: X", "Breached"]  # no link line, no footer
    assert rooms.payload("t", "https://hooks.slack.com/services/T/B/x", message) == {"text": "*Breached*"}
    assert RoomChannel({}, {"t": "slack"}).payload("t", "https://x.webhook.office.com/w", message) == {
        "text": "*Breached*"
    }


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('{ variable = "V", kind = "discord" }', "nudges.rooms.sales-east.kind: expected one of slack, teams"),
        ('{ kind = "teams" }', 'nudges.rooms.sales-east: variable = "NAME" is missing'),
        ('{ variable = "V", url = "https://x" }', "nudges.rooms.sales-east: unknown key(s) url"),
        ("3", 'nudges.rooms.sales-east: expected "VARIABLE" or'),
    ],
)
def test_a_bad_room_names_its_key(tmp_path: Path, value: str, problem: str) -> None:
    sla_file = write_sla_file(tmp_path, digest=False, extra=f'\n[nudges.rooms]\n"sales-east" = {value}\n')
    with pytest.raises(BadInputError) as error:
        load_config(sla_file)
    assert any(problem in p for p in error.value.problems), error.value.problems
