"""The words of a nudge: one plan row (models.nudges.planner) -> a Slack mrkdwn text and a plain
e-mail text. Text from the CRM (lead e-mail, company, names) is escaped for Slack's mrkdwn, so
`<!channel>` or `<https://evil|click>` in a company name is shown as typed, never a mention or a
link; in e-mail it is plain text anyway."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pandas as pd

from models.engine import columns as E
from models.nudges import planner as P


@dataclass(frozen=True)
class Message:
    subject: str
    slack: str  # mrkdwn
    text: str  # plain
    link: str | None = None  # into the dashboard (a Teams card's button)


def teams_card(message: Message) -> dict[str, Any]:
    """The message for a Microsoft Teams room: an Adaptive Card whose words are TextRuns, which
    Teams shows as plain text (a TextBlock would read Markdown in CRM text: a company named
    `**x**](https://evil)` would become a link). The link is the card's button."""
    lines = [line for line in message.text.split("\n\n-- ", 1)[0].splitlines() if line.strip()]
    lines = [line for line in lines if line != message.link]
    title = message.subject.removeprefix("[Handoff] ")
    body: list[dict[str, Any]] = [
        {"type": "RichTextBlock", "inlines": [
            {"type": "TextRun", "text": title, "weight": "Bolder", "size": "Medium"}]},
        *({"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": line}]}
          for line in lines),
    ]  # fmt: skip
    card: dict[str, Any] = {
        "type": "AdaptiveCard", "version": "1.4", "body": body,
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
    }  # fmt: skip
    if message.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in Handoff",
                            "url": message.link}]  # fmt: skip
    return {"type": "message",
            "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                             "content": card}]}  # fmt: skip


def escape_mrkdwn(value: Any) -> str:
    """Slack's three control characters (https://api.slack.com/reference/surfaces/formatting)."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def business_duration(minutes: float) -> str:
    minutes = abs(float(minutes))
    hours, rest = divmod(round(minutes), 60)
    return f"{hours}h {rest:02d}m" if hours else f"{rest}m"


def drilldown_link(base_url: str, row: Mapping[str, Any]) -> str:
    """The lead in the dashboard's drill-down (the sidebar filters live in the URL)."""
    query = {"month": row.get(E.MONTH), "team": row.get(E.TEAM_ID), "rep": row.get(E.OWNER_ID),
             "lead": row.get(E.LEAD_ID)}  # fmt: skip
    clean = {k: v for k, v in query.items() if isinstance(v, str) and v}
    return f"{base_url.rstrip('/')}/drilldown?{urlencode(clean)}"


def local_time(instant: Any, zone: str) -> str:
    if instant is None or pd.isna(instant):
        return "-"
    value = pd.Timestamp(instant).tz_convert(ZoneInfo(zone))
    return f"{value:%a %d %b %H:%M} {value.tzname()}"


def compose(
    row: Mapping[str, Any],
    *,
    lead: Mapping[str, Any] | None,
    sla_name: str,
    zone: str,
    base_url: str,
    owner_names: Mapping[str, str],
    team_names: Mapping[str, str] | None = None,
) -> Message:
    """The message of one plan row for a recipient in time zone `zone`."""
    if row[P.STAGE] == P.DIGEST_STAGE:
        return _digest(row, zone, base_url, owner_names, team_names or {})
    if row[P.STAGE] == P.PACE_STAGE:
        return _pace(row, sla_name, base_url)
    lead = lead or {}
    who = lead.get("company") or lead.get("email") or row.get(E.LEAD_ID)
    label = f"{who} (lead {row.get(E.LEAD_ID)})"
    if row.get(E.KIND) == "service_first_contact":
        label = f"new customer {who} (deal {row.get(E.DEAL_ID)})"
    link = drilldown_link(base_url, row)
    due = local_time(row.get(E.DUE_AT), zone)
    if row.get(E.STATE) == E.BREACHED:
        over = float(row.get(E.ELAPSED) or 0) - float(row.get(E.TARGET) or 0)
        head = f"Breached: {sla_name}"
        line = f"{business_duration(over)} business time over; it was due {due}."
    else:
        left = float(row.get(E.REMAINING) or 0)
        head = f"{row.get(P.PCT_USED):g}% of {sla_name} used"
        line = f"{business_duration(left)} business time left; due {due}."
    slack = (f"*{escape_mrkdwn(head)}* for {escape_mrkdwn(label)}\n{escape_mrkdwn(line)}\n"
             f"<{link}|Open in Handoff>")  # fmt: skip
    text = f"{head} for {label}\n{line}\n{link}\n\n-- Handoff nudges (mute them in the dashboard)"
    return Message(subject=f"[Handoff] {head}: {who}", slack=slack, text=text, link=link)


def _digest(
    row: Mapping[str, Any],
    zone: str,
    base_url: str,
    owner_names: Mapping[str, str],
    team_names: Mapping[str, str],
) -> Message:
    details = row.get(P.DETAILS) or {}
    team_id = row.get(E.TEAM_ID)
    team = team_names.get(str(team_id)) or team_id

    def who(owner: Any) -> str:
        return owner_names.get(str(owner), str(owner)) if isinstance(owner, str) else "nobody"

    lines = [f"Good morning: team {team}."]
    breached = details.get("breached", [])
    lines.append(f"Breached since yesterday: {details.get('breached_total', len(breached))}")
    lines += [f"  - {i['sla_id']} {i['item_id']} ({who(i['owner_id'])}), at {local_time(i['at'], zone)}"
              for i in breached]  # fmt: skip
    due = details.get("due_today", [])
    lines.append(f"Due today: {details.get('due_total', len(due))}")
    lines += [f"  - {i['sla_id']} {i['item_id']} ({who(i['owner_id'])}), due {local_time(i['at'], zone)}"
              for i in due]  # fmt: skip
    slipping = details.get("slipping", [])
    lines.append(f"Reps below target this month: {len(slipping)}")
    lines += [f"  - {who(s['owner_id'])}: {s['sla_id']} {s['pct']:g}% of {s['decided']} (target {s['target']:g}%)"
              for s in slipping]  # fmt: skip
    link = f"{base_url.rstrip('/')}/overview?{urlencode({'team': team_id})}"
    body = "\n".join(lines)
    return Message(
        subject=f"[Handoff] Morning digest, team {team}",
        slack=escape_mrkdwn(body) + f"\n<{link}|Open in Handoff>",
        text=body + f"\n{link}\n\n-- Handoff nudges",
        link=link,
    )


def _pace(row: Mapping[str, Any], sla_name: str, base_url: str) -> Message:
    quota = row.get(P.DETAILS) or {}
    line = (f"{sla_name} is behind pace in {row.get(E.MONTH)}: {quota.get('accepted')} accepted "
            f"against {quota.get('expected_by_now')} expected by now ({quota.get('pace_pct')}% of "
            f"pace); projected {quota.get('projected_accepted')} of {quota.get('target')}.")  # fmt: skip
    link = f"{base_url.rstrip('/')}/overview?{urlencode({'month': row.get(E.MONTH) or ''})}"
    return Message(
        subject=f"[Handoff] Lead quota behind pace: {sla_name}",
        slack=escape_mrkdwn(line) + f"\n<{link}|Open in Handoff>",
        text=f"{line}\n{link}\n\n-- Handoff nudges",
        link=link,
    )



CHANNEL_WORDS = {"slack": "by Slack", "email": "by e-mail"}
ROLE_WORDS = {"manager": " (as the team's manager)", "marketing_ops": " (marketing ops)"}


def plan_line(
    row: Mapping[Any, Any],
    *,
    lead: Mapping[Any, Any] | None,
    sla_name: str,
    team_name: str | None,
    zone: str,
    waiting: bool = False,
) -> str:
    """One plan row as a sentence for `handoff nudge --dry-run`: who would be told what, how
    and when, in words a manager reads (no stage names or bare ids)."""
    stage = row[P.STAGE]
    recipient = str(row[P.RECIPIENT])
    team = team_name or str(row.get(E.TEAM_ID) or "?")
    what = nudge_phrase(row, lead=lead, sla_name=sla_name, team_name=team_name)
    channel = str(row.get(P.CHANNEL))
    if recipient.startswith(P.ROOM_PREFIX):
        whom, how = f"team {team}'s room", "by its webhook"
    else:
        role = "" if stage == P.DIGEST_STAGE else ROLE_WORDS.get(str(row.get(P.ROLE)), "")
        whom, how = recipient + role, CHANNEL_WORDS.get(channel, "")
    if waiting:
        when = local_time(row.get(P.SEND_AT), zone)
        return f"Would send {whom} {what} at {when}, when their working hours start."
    if channel == "none":
        return f"Would send {whom} {what}, but no channel is set up yet."
    return f"Would send {whom} {what}, {how}."


def nudge_phrase(
    row: Mapping[Any, Any],
    *,
    lead: Mapping[Any, Any] | None,
    sla_name: str,
    team_name: str | None,
) -> str:
    """What a nudge is, as words: "a reminder that Acme (lead 42) has used 75% of ...", "a
    notice that ... breached ...", "the morning digest of team Sales East"."""
    stage = row[P.STAGE]
    team = team_name or str(row.get(E.TEAM_ID) or "?")
    if stage == P.DIGEST_STAGE:
        what = f"the morning digest of team {team}"
    elif stage == P.PACE_STAGE:
        what = f"a warning that {sla_name} is behind pace in {row.get(E.MONTH)}"
    else:
        who = (lead or {}).get("company") or (lead or {}).get("email")
        if row.get(E.KIND) == "service_first_contact":
            deal = f"deal {row.get(E.DEAL_ID)}"
            about = f"new customer {who} ({deal})" if who else deal
        else:
            about = f"{who} (lead {row.get(E.LEAD_ID)})" if who else f"lead {row.get(E.LEAD_ID)}"
        if row.get(E.STATE) == E.BREACHED:
            what = f"a notice that {about} breached {sla_name}"
        else:
            left = business_duration(float(row.get(E.REMAINING) or 0))
            what = (f"a reminder that {about} has used {row.get(P.PCT_USED):g}% of {sla_name} "
                    f"({left} business time left)")  # fmt: skip
    return what
