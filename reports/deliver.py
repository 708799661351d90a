"""Deliver a written report: the folder (always), SMTP email with attachments, Slack/Teams webhook.

Every delivery is a `Delivery` row (channel, target, status, attempts, error). A failed delivery is
retried with back-off and then recorded as failed, never dropped silently. Email and webhook are
idempotent per (month, team, channel, target): a rerun does not send again unless `resend`.
Targets recorded are never secrets: a webhook is recorded by its host only (its path is the key).
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from models.settings import Settings
from models.store import Store, utcnow
from models.tables import Delivery, ReportRun
from reports.assemble import Report

RETRY_DELAYS = (2.0, 10.0)  # seconds before the 2nd and 3rd attempt
Sleep = Callable[[float], None]
_MIME = {
    ".html": ("text", "html"),
    ".pdf": ("application", "pdf"),
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".zip": ("application", "zip"),
    ".csv": ("text", "csv"),
}


class DeliveryError(Exception):
    """One attempt failed; the message is safe to show and store (no secret)."""


@dataclass(frozen=True)
class Attachment:
    name: str
    content: bytes


@dataclass(frozen=True)
class DeliveryOutcome:
    channel: str  # folder | email | webhook
    target: str
    status: str  # sent | failed | skipped | not configured
    attempts: int = 0
    error: str | None = None

    def line(self) -> str:
        detail = f" ({self.error})" if self.error else ""
        tries = f" after {self.attempts} attempt(s)" if self.status == "failed" else ""
        return f"{self.channel} {self.target}: {self.status}{tries}{detail}"


def webhook_target(url: str) -> str:
    """What may be recorded about a webhook: scheme and host (the path carries the secret)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}"


def is_teams(url: str) -> bool:
    """Microsoft Teams incoming webhooks and Power Automate workflows take a card, not Slack text."""
    host = (urlsplit(url).hostname or "").lower()
    return host.endswith(("office.com", "office365.com", "logic.azure.com", "powerplatform.com"))


def webhook_payload(report: Report, url: str, files: Sequence[Path]) -> dict[str, Any]:
    """A short message with the key numbers: Slack blocks, or an adaptive card for Teams."""
    lines = [f"*{name}*: {value}" for name, value in report.key_numbers]
    actions = [f"{i}. {a}" for i, a in enumerate(report.summary.actions, 1)]
    where = f"Files: {', '.join(p.name for p in files)}" if files else ""
    if is_teams(url):
        facts = [{"title": name, "value": value} for name, value in report.key_numbers]
        body: list[dict[str, Any]] = [
            {"type": "TextBlock", "size": "Medium", "weight": "Bolder", "text": report.title},
            {"type": "FactSet", "facts": facts},
            {"type": "TextBlock", "wrap": True, "text": "Top actions:\n\n" + "\n\n".join(actions)},
        ]
        if where:
            body.append({"type": "TextBlock", "wrap": True, "isSubtle": True, "text": where})
        card = {
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": body,
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        }
        return {
            "type": "message",
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
            ],
        }
    text = "\n".join([f"*{report.title}*", *lines, "", "*Top actions*", *actions, where]).strip()
    return {
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}],
    }


def post_webhook(url: str, payload: dict[str, Any], *, timeout: float = 15.0) -> None:
    """One POST; raises DeliveryError with a message that names the host, never the URL."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    host = webhook_target(url)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured URL)
            status = response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"{host} answered HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"cannot reach {host}: {reason}") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"{host} answered HTTP {status}")


def build_email(
    report: Report, settings: Settings, recipients: list[str], attachments: Sequence[Attachment]
) -> EmailMessage:
    """The email: the summary and key numbers as text, the report files attached."""
    message = EmailMessage()
    message["Subject"] = report.title
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(recipients)
    numbers = "\n".join(f"- {name}: {value}" for name, value in report.key_numbers)
    actions = "\n".join(f"{i}. {a}" for i, a in enumerate(report.summary.actions, 1))
    files = "\n".join(f"- {a.name}" for a in attachments)
    message.set_content(
        f"{report.title}\n\n{report.summary.paragraph}\n\nKey numbers:\n{numbers}\n\n"
        f"Top actions:\n{actions}\n\nAttached:\n{files}\n\n-- Sent by Handoff (handoff report)\n"
    )
    for attachment in attachments:
        maintype, subtype = _MIME.get(Path(attachment.name).suffix, ("application", "octet-stream"))
        message.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.name
        )
    return message


def send_email(settings: Settings, message: EmailMessage, *, timeout: float = 30.0) -> None:
    """One SMTP submission (STARTTLS when configured, SSL on port 465, login when a user is set)."""
    host, port = settings.smtp_host or "", settings.smtp_port
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        smtp: smtplib.SMTP
        if port == 465:
            smtp = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            smtp.ehlo()
            if port != 465 and settings.smtp_starttls:
                if not smtp.has_extn("starttls"):
                    raise DeliveryError(
                        f"{host}:{port} does not offer STARTTLS; use port 465, or set SMTP_STARTTLS=false "
                        "only for a relay on a trusted network"
                    )
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, password or "")
            smtp.send_message(message)
    except DeliveryError:
        raise
    except smtplib.SMTPAuthenticationError:
        raise DeliveryError(
            f"{host}:{port} refused the login of {settings.smtp_user}; check SMTP_USER/SMTP_PASSWORD"
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"{host}:{port}: {type(exc).__name__}: {exc}") from None


def with_retries(
    action: Callable[[], None], sleep: Sleep, delays: Sequence[float] = RETRY_DELAYS
) -> tuple[int, str | None]:
    """Run `action` until it succeeds or the delays run out: (attempts, last error or None)."""
    attempts = 0
    for delay in (0.0, *delays):
        if delay:
            sleep(delay)
        attempts += 1
        try:
            action()
            return attempts, None
        except DeliveryError as exc:
            error = str(exc)
    return attempts, error


def already_sent(store: Store, month: str, team_id: str | None, channel: str, target: str) -> bool:
    """Has this month's report (for this team) already gone to this target?"""
    sent = store.select_rows(
        Delivery, {"month": month, "channel": channel, "target": target, "status": "sent"}
    )
    if sent.empty:
        return False
    runs = store.select_rows(ReportRun, {"id": [int(i) for i in sent["report_run_id"]]})
    return bool((runs["team_id"].fillna("") == (team_id or "")).any())


def _record(store: Store, run_id: int, month: str, outcome: DeliveryOutcome) -> None:
    store.insert_row(
        Delivery,
        report_run_id=run_id,
        month=month,
        channel=outcome.channel,
        target=outcome.target,
        status=outcome.status,
        attempts=outcome.attempts,
        error=outcome.error,
        sent_at=utcnow() if outcome.status == "sent" else None,
    )


def _send(
    store: Store,
    run_id: int,
    report: Report,
    channel: str,
    target: str,
    action: Callable[[], None],
    *,
    resend: bool,
    sleep: Sleep,
) -> DeliveryOutcome:
    if not resend and already_sent(store, report.month, report.team_id, channel, target):
        return DeliveryOutcome(
            channel,
            target,
            "skipped",
            error="already sent for this month; use --resend to send again",
        )
    attempts, error = with_retries(action, sleep)
    outcome = DeliveryOutcome(channel, target, "failed" if error else "sent", attempts, error)
    _record(store, run_id, report.month, outcome)
    return outcome


def deliver_report(
    store: Store,
    run_id: int,
    report: Report,
    settings: Settings,
    files: Sequence[Path],
    attachments: Sequence[Attachment],
    *,
    channels: bool,
    resend: bool,
    sleep: Sleep,
) -> list[DeliveryOutcome]:
    """Record the folder delivery; when `channels`, also email and webhook as configured."""
    folder = str(files[0].parent.resolve()) if files else ""
    outcomes = [DeliveryOutcome("folder", folder, "sent", 1)]
    _record(store, run_id, report.month, outcomes[0])
    if not channels:
        return outcomes
    recipients = [r.strip() for r in (settings.report_email_to or "").split(",") if r.strip()]
    if settings.smtp_host and recipients:
        message = build_email(report, settings, recipients, attachments)
        outcomes.append(
            _send(
                store,
                run_id,
                report,
                "email",
                ", ".join(recipients),
                lambda: send_email(settings, message),
                resend=resend,
                sleep=sleep,
            )
        )
    else:
        outcomes.append(
            DeliveryOutcome(
                "email",
                "-",
                "not configured",
                error="set SMTP_HOST and REPORT_EMAIL_TO to send it by email",
            )
        )
    if settings.report_webhook_url is not None:
        url = settings.report_webhook_url.get_secret_value()
        payload = webhook_payload(report, url, files)
        outcomes.append(
            _send(
                store,
                run_id,
                report,
                "webhook",
                webhook_target(url),
                lambda: post_webhook(url, payload),
                resend=resend,
                sleep=sleep,
            )
        )
    return outcomes
