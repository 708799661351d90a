"""Delivery: email to a real local SMTP server with the attachments, the webhook to a real local
HTTP receiver, retries and failures recorded, and no second email for a rerun unless --resend."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from pydantic import SecretStr
from report_builders import MONTH, NOW
from servers import free_port, smtp_server, webhook_server

from models.settings import Settings
from models.store import Store
from models.tables import Delivery, ReportRun
from reports.deliver import is_teams, webhook_payload, webhook_target
from reports.runner import run_report


def _run(store: Store, settings: Settings, out: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    options = dict(
        month=MONTH,
        out_dir=out,
        formats=["html", "pdf", "xlsx", "csv"],
        team_id=None,
        deliver=True,
        resend=False,
        trigger="manual",
        now=lambda: NOW,
        sleep=lambda _s: None,
    )
    options.update(kwargs)
    return run_report(store, settings, **options)  # type: ignore[arg-type]


def test_email_arrives_with_attachments_and_is_not_sent_twice(
    demo_store: Store, settings: Settings, tmp_path: Path
) -> None:
    with smtp_server() as (mailbox, port):
        mail = settings.model_copy(
            update={
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "smtp_starttls": False,
                "report_email_to": "head.of.service@example.com, ops@example.com",
            }
        )
        first = _run(demo_store, mail, tmp_path / "a")
        assert first.status == "ok", first.summary()
        assert len(mailbox.messages) == 1
        message = mailbox.messages[0]
        assert message["Subject"] == "Handoff friction report, April 2026"
        assert sorted(mailbox.recipients[0]) == ["head.of.service@example.com", "ops@example.com"]
        parts = {
            p.get_filename(): p.get_payload(decode=True) for p in message.walk() if p.get_filename()
        }
        assert set(parts) == {
            "friction-2026-04.html",
            "friction-2026-04.pdf",
            "friction-2026-04.xlsx",
            "friction-2026-04-csv.zip",
        }
        assert (
            parts["friction-2026-04.pdf"] == (tmp_path / "a" / "friction-2026-04.pdf").read_bytes()
        )
        names = zipfile.ZipFile(io.BytesIO(parts["friction-2026-04-csv.zip"])).namelist()
        assert "friction-2026-04-pain_points.csv" in names
        body = (
            next(p for p in message.walk() if p.get_content_type() == "text/plain")
            .get_payload(decode=True)
            .decode()
        )
        assert "Top actions" in body

        again = _run(demo_store, mail, tmp_path / "b")
        assert len(mailbox.messages) == 1, "a rerun must not send the same email again"
        assert any(o.channel == "email" and o.status == "skipped" for o in again.deliveries)
        _run(demo_store, mail, tmp_path / "c", resend=True)
        assert len(mailbox.messages) == 2
    sent = demo_store.select_rows(Delivery, {"channel": "email", "status": "sent"})
    assert len(sent) == 2 and set(sent["attempts"]) == {1}
    assert len(demo_store.select_rows(ReportRun)) == 3


def test_failed_email_is_retried_recorded_and_reported(
    demo_store: Store, settings: Settings, tmp_path: Path
) -> None:
    waits: list[float] = []
    dead = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": free_port(),
            "smtp_starttls": False,
            "report_email_to": "head.of.service@example.com",
        }
    )
    result = _run(demo_store, dead, tmp_path, sleep=waits.append)
    assert result.status == "failed"
    assert "email" in (result.error or "") and "127.0.0.1" in (result.error or "")
    assert len(waits) == 2  # three attempts, two waits between them
    row = demo_store.select_rows(Delivery, {"channel": "email"}).iloc[0]
    assert (row["status"], row["attempts"]) == ("failed", 3)
    run = demo_store.select_rows(ReportRun).iloc[0]
    assert run["status"] == "failed" and "email" in run["error"]
    assert (tmp_path / "friction-2026-04.pdf").exists(), "the folder delivery happens regardless"


def test_webhook_gets_the_key_numbers_and_never_records_the_secret(
    demo_store: Store, settings: Settings, tmp_path: Path
) -> None:
    with webhook_server() as (received, port):
        url = f"http://127.0.0.1:{port}/services/T000/B000/secret-token"
        hooked = settings.model_copy(update={"report_webhook_url": SecretStr(url)})
        result = _run(demo_store, hooked, tmp_path)
    assert result.status == "ok", result.summary()
    assert len(received) == 1 and received[0]["path"] == "/services/T000/B000/secret-token"
    text = received[0]["body"]["text"]
    assert (
        "Handoff friction report, April 2026" in text
        and "First touch within 4 business hours" in text
    )
    rows = demo_store.select_rows(Delivery, {"channel": "webhook"})
    assert rows.iloc[0]["target"] == "http://127.0.0.1" and "secret" not in result.summary()


def test_failing_webhook_is_reported(demo_store: Store, settings: Settings, tmp_path: Path) -> None:
    with webhook_server(status=500) as (received, port):
        url = f"http://127.0.0.1:{port}/hook/secret"
        hooked = settings.model_copy(update={"report_webhook_url": SecretStr(url)})
        result = _run(demo_store, hooked, tmp_path)
    assert len(received) == 3
    assert (
        result.status == "failed"
        and "HTTP 500" in (result.error or "")
        and "secret" not in (result.error or "")
    )


@pytest.mark.parametrize(
    ("url", "teams"),
    [
        ("https://hooks.slack.com/services/T/B/x", False),
        ("https://contoso.webhook.office.com/webhookb2/x", True),
        ("https://prod-01.westus.logic.azure.com/workflows/x", True),
    ],
)
def test_webhook_payload_shape(url: str, teams: bool) -> None:
    assert is_teams(url) is teams
    assert "/x" not in webhook_target(url)


def test_teams_payload_is_an_adaptive_card(demo_store: Store) -> None:
    from models.settings import DEFAULT_CONFIG_PATH
    from reports.runner import build_report

    report = build_report(demo_store, DEFAULT_CONFIG_PATH, MONTH, as_of=NOW)
    payload = webhook_payload(report, "https://contoso.webhook.office.com/webhookb2/x", [])
    card = payload["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard"
    assert [f["title"] for f in card["body"][1]["facts"]][
        0
    ] == "First touch within 4 business hours"


def test_a_delivered_report_freezes_its_month_and_a_draft_does_not(
    demo_store: Store, settings: Settings, tmp_path: Path
) -> None:
    from datetime import datetime

    from models.verdicts.service import evaluate_month

    draft = _run(demo_store, settings, tmp_path / "draft", deliver=False)
    assert draft.status == "ok" and draft.frozen is None
    assert evaluate_month(demo_store, settings.handoff_config, MONTH, as_of=NOW).frozen is None
    with smtp_server() as (mailbox, port):
        mail = settings.model_copy(
            update={
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "smtp_starttls": False,
                "report_email_to": "head.of.service@example.com",
            }
        )
        sent = _run(demo_store, mail, tmp_path / "sent")
        assert len(mailbox.messages) == 1
    assert sent.status == "ok" and sent.frozen is not None and "froze 2026-04" in sent.summary()
    later = datetime(2027, 1, 1, tzinfo=NOW.tzinfo)
    kept = evaluate_month(demo_store, settings.handoff_config, MONTH, as_of=later)
    assert kept.frozen is not None and kept.frozen["frozen_by"].startswith("report run ")
    assert kept.as_of == NOW  # the verdicts as delivered, not as of today
    # Sending it again shows the snapshot; the month is not re-frozen behind anyone's back.
    again = _run(demo_store, settings, tmp_path / "again", resend=True)
    assert again.frozen == "2026-04 was already frozen: the report shows its snapshot"
    assert demo_store.read_current_snapshot(MONTH)["times_frozen"] == 1
