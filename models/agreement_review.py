"""Recording a review of the agreement: `reviewed_on` updated in the SLA file (one line changed,
validated, written atomically; nothing a person typed goes into the file) and the review kept in
the database beside the SLA versions: who, when, the note, and what changed since the last one.

    review = record_review(store, Path("data/sla.toml"), on=date(2026, 12, 7), by="ana@x",
                           note="Kept 60 leads per rep", now=datetime.now(UTC))
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from models import tables as T
from models.config import ConfigError, HandoffConfig, parse_config
from models.config_agreement import DEFAULT_REVIEW_EVERY_MONTHS, add_months
from models.errors import BadInputError
from models.store import Store

NO_CHANGE = "reviewed, no change"
MAX_NOTE = 2000
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_REVIEWED_ON = re.compile(r"^(\s*)reviewed_on\s*=.*$")


@dataclass(frozen=True)
class Review:
    reviewed_on: date
    previous_reviewed_on: date | None
    next_due: date
    recorded_by: str
    note: str | None
    changes: str


def with_reviewed_on(text: str, day: date) -> str:
    """The SLA file's text with `[agreement] reviewed_on` set to `day`: the existing line replaced
    (comments and everything else untouched), added under `[agreement]`, or a new `[agreement]`
    table appended."""
    value = f'reviewed_on = "{day.isoformat()}"'
    lines = text.splitlines()
    start = None
    for index, line in enumerate(lines):
        header = _HEADER.match(line)
        if header and header.group(1) == "agreement" and not line.lstrip().startswith("[["):
            start = index
            break
    if start is None:
        block = f"\n[agreement]\n{value}\nreview_every_months = {DEFAULT_REVIEW_EVERY_MONTHS}\n"
        return text.rstrip("\n") + "\n" + block
    end = next(
        (i for i in range(start + 1, len(lines)) if _HEADER.match(lines[i])), len(lines)
    )
    for index in range(start + 1, end):
        found = _REVIEWED_ON.match(lines[index])
        if found:
            lines[index] = found.group(1) + value
            break
    else:
        lines.insert(start + 1, value)
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


def changes_since(config: HandoffConfig, previous: date | None) -> str:
    """The SLA versions that took or take effect after the previous review, in words; NO_CHANGE
    when there are none (or nothing was reviewed before: the first review sets the baseline)."""
    if previous is None:
        return NO_CHANGE
    changed = sorted(
        (s for s in config.slas if s.effective_from > previous),
        key=lambda s: (s.effective_from, s.id),
    )
    if not changed:
        return NO_CHANGE
    return "; ".join(
        f"{s.id} new version effective {s.effective_from.isoformat()}" for s in changed
    )


def clean_note(note: str | None) -> str | None:
    """The note as kept: stripped, control characters removed, at most MAX_NOTE characters."""
    if note is None:
        return None
    text = "".join(ch for ch in note if ch in "\n\t" or ch.isprintable()).strip()
    if len(text) > MAX_NOTE:
        raise BadInputError(
            f"--note: {len(text)} characters; keep the review note under {MAX_NOTE} "
            "(link to the minutes for the rest)"
        )
    return text or None


def record_review(
    store: Store, path: Path, *, on: date, by: str, note: str | None, now: datetime
) -> Review:
    """Set `reviewed_on` in the SLA file at `path` and keep the review in the database. The file
    is checked before and after the change: a bad file is left as it was (ConfigError)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if on > now.date():
        raise BadInputError(
            f"review date {on.isoformat()} is in the future; record a review on or after the "
            "day it happened"
        )
    kept_note = clean_note(note)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        before = parse_config(tomllib.loads(text), source)
    except FileNotFoundError as exc:
        raise ConfigError(source, ["file not found (set --config or HANDOFF_CONFIG)"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [f"not valid TOML: {exc}"]) from exc
    previous = before.agreement.reviewed_on if before.agreement else None
    updated = with_reviewed_on(text, on)
    after = parse_config(tomllib.loads(updated), source)  # raises ConfigError naming problems
    assert after.agreement is not None and after.agreement.reviewed_on == on
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, delete=False, suffix=".toml", encoding="utf-8"
    ) as handle:
        handle.write(updated)
        scratch = handle.name
    os.replace(scratch, path)
    review = Review(
        reviewed_on=on,
        previous_reviewed_on=previous,
        next_due=add_months(on, after.agreement.review_every_months),
        recorded_by=by,
        note=kept_note,
        changes=changes_since(after, previous),
    )
    store.insert_row(
        T.AgreementReview,
        reviewed_on=review.reviewed_on,
        previous_reviewed_on=review.previous_reviewed_on,
        next_due=review.next_due,
        recorded_at=now,
        recorded_by=review.recorded_by,
        note=review.note,
        changes=review.changes,
        config_checksum=after.checksum,
    )
    return review


def read_reviews(store: Store) -> pd.DataFrame:
    """The reviews on record, newest first."""
    return store.select_rows(T.AgreementReview, order_by="id", descending=True)


def parse_review_day(text: str | None, now: datetime) -> date:
    """`--on YYYY-MM-DD`, or today (UTC) when not given."""
    if text is None:
        return now.date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInputError(f"--on: expected a date YYYY-MM-DD, got {text!r}") from None


def status_text(store: Store, config_path: Path | str, now: datetime) -> str:
    """`handoff agreement status`: the review cycle and the last recorded review, in words."""
    from models.config import load_config
    from models.config_agreement import review_status

    config = load_config(config_path)
    status = review_status(config.agreement, now.date())
    if status is None:
        return (
            f"{config.source} has no [agreement]: add one with reviewed_on and "
            "review_every_months, or run `handoff agreement reviewed`."
        )
    lines = [status.sentence()]
    if config.agreement and config.agreement.parties:
        lines.append("Parties: " + ", ".join(config.agreement.parties))
    reviews = read_reviews(store)
    if reviews.empty:
        lines.append("No review recorded in the database yet.")
    else:
        last = reviews.iloc[0]
        note = f": {last['note']}" if isinstance(last["note"], str) and last["note"] else ""
        lines.append(
            f"Last recorded review: {last['reviewed_on']} by {last['recorded_by']} "
            f"({last['changes']}){note}"
        )
    return "\n".join(lines)
