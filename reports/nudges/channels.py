"""Where a nudge goes: a Slack direct message (official `slack_sdk`), an e-mail (SMTP, as the
report), or a team room's webhook. Each `send` raises `DeliveryError` with a message that is safe
to show and store (never the token or a webhook's path).

Slack: the person is found with `users.lookupByEmail` (scope `users:read.email`, answers cached
for the pass) unless `[nudges.slack_users]` maps their e-mail to a member id; the message is
`chat.postMessage` to that member id, which opens the app's DM (scope `chat:write`). Handoff
paces itself under Slack's per-method limits (lookupByEmail is Tier 3, about 50 a minute;
chat.postMessage about one a second), and a 429 is retried after its `Retry-After`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from models.settings import Settings
from reports.deliver import DeliveryError, is_teams, post_webhook, send_email, webhook_target
from reports.nudges.messages import Message, teams_card

# Seconds between two calls of one method: under Slack's published per-method limits.
SLACK_SPACING = {"users.lookupByEmail": 1.25, "chat.postMessage": 1.05}


class NotReachable(DeliveryError):
    """This channel cannot reach this person (no Slack account for the e-mail): try the next."""


@dataclass
class Pacer:
    """Keeps calls of each method at least `spacing[method]` seconds apart, measured from the end
    of the previous call (so Slack, which sees a call when it arrives, never sees them closer)."""

    spacing: Mapping[str, float]
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    last: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def call(self, method: str) -> Iterator[None]:
        gap = self.spacing.get(method, 0.0)
        if method in self.last:
            ahead = self.last[method] + gap - self.clock()
            if ahead > 0:
                self.sleep(ahead)
        try:
            yield
        finally:
            self.last[method] = self.clock()


class SlackChannel:
    name = "slack"

    def __init__(self, token: str, *, base_url: str | None = None,
                 overrides: Mapping[str, str] | None = None, pacer: Pacer | None = None) -> None:  # fmt: skip
        self.client = WebClient(
            token=token,
            base_url=base_url or "https://slack.com/api/",
            timeout=15,
            retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
        )
        self.overrides = {k.lower(): v for k, v in (overrides or {}).items()}
        self.pacer = pacer or Pacer(SLACK_SPACING)
        self.members: dict[str, str | None] = {}

    def member_id(self, email: str) -> str:
        email = email.lower()
        if email in self.overrides:
            return self.overrides[email]
        if email not in self.members:
            try:
                with self.pacer.call("users.lookupByEmail"):
                    answer = self.client.users_lookupByEmail(email=email)
                self.members[email] = str(answer["user"]["id"])
            except SlackApiError as exc:
                code = exc.response.get("error") if exc.response is not None else None
                if code == "users_not_found":
                    self.members[email] = None
                else:
                    raise DeliveryError(_slack_problem("users.lookupByEmail", code)) from None
            except OSError as exc:
                raise DeliveryError(f"cannot reach Slack: {exc}") from None
        found = self.members[email]
        if found is None:
            raise NotReachable(
                f"no Slack member with the e-mail {email}; add it to [nudges.slack_users]"
            )
        return found

    def send(self, recipient: str, message: Message) -> str:
        member = self.member_id(recipient)
        try:
            with self.pacer.call("chat.postMessage"):
                self.client.chat_postMessage(channel=member, text=message.slack, unfurl_links=False,
                                             mrkdwn=True)  # fmt: skip
        except SlackApiError as exc:
            code = exc.response.get("error") if exc.response is not None else None
            raise DeliveryError(_slack_problem("chat.postMessage", code)) from None
        except OSError as exc:
            raise DeliveryError(f"cannot reach Slack: {exc}") from None
        return member


def _slack_problem(method: str, code: object) -> str:
    hints = {
        "invalid_auth": "the bot token is invalid; check SLACK_BOT_TOKEN",
        "not_authed": "no bot token was sent; set SLACK_BOT_TOKEN",
        "missing_scope": "the Slack app lacks a scope: add chat:write and users:read.email, "
        "then reinstall it",
        "ratelimited": "Slack kept answering 429 after the retries",
    }
    return f"Slack {method} answered {code}: {hints.get(str(code), 'see the Slack API docs')}"


class EmailChannel:
    name = "email"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, recipient: str, message: Message) -> str:
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = self.settings.smtp_from
        mail["To"] = recipient
        mail.set_content(message.text)
        send_email(self.settings, mail)
        return recipient


class RoomChannel:
    """A team room's incoming webhook (Slack or Teams): its URL is a secret, read from the
    variable `[nudges.rooms]` names, and recorded by host only. A Teams room (`kind = "teams"`,
    or a Teams/Power Automate URL) gets an Adaptive Card of plain text runs; Slack gets mrkdwn
    with CRM text escaped."""

    name = "webhook"

    def __init__(self, urls: Mapping[str, str], kinds: Mapping[str, str] | None = None) -> None:
        self.urls = dict(urls)
        self.kinds = dict(kinds or {})

    def payload(self, team: str, url: str, message: Message) -> dict[str, object]:
        kind = self.kinds.get(team) or ("teams" if is_teams(url) else "slack")
        return teams_card(message) if kind == "teams" else {"text": message.slack}

    def send(self, recipient: str, message: Message) -> str:
        team = recipient.removeprefix("room:")
        url = self.urls.get(team)
        if not url:
            raise DeliveryError(f"no webhook URL for team {team}'s room: set the variable "
                                "[nudges.rooms] names for it")  # fmt: skip
        post_webhook(url, self.payload(team, url, message))
        return webhook_target(url)
