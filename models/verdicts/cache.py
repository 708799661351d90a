"""Month verdicts kept in the database, so a freshly started dashboard answers at once.

    evaluations = cached_evaluations(store, config, ["2026-09", "2026-10"], as_of=now)
    warm_cache(store, config, as_of=now)   # after a sync or import: the months the Overview shows

A month's verdicts are computed once at some instant t1 and kept (`verdict_cache`) with the data
revision, the SLA file's checksum, the approved exclusions they were judged with and
`valid_until`, the first later event on file that could move a clock. At a later instant t2
they are used only when the data revision and the SLA file are the same and t1 <= t2 <
valid_until: then only time has passed, and `models.engine.advance.advance` moves the open clocks on
exactly. Disputes approved since are applied to the kept items (`apply_exclusions`, as the
engine does); an exclusion that has gone away sends the month back to the engine, as does
anything else. A frozen month answers from its snapshot, as everywhere.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from models.config import HandoffConfig
from models.engine.advance import advance, horizon
from models.engine.cache_codec import (
    CODEC_FORMAT,
    evaluation_from_cache,
    head_text,
    items_blob,
)
from models.engine.evaluate import explainer_for, month_versions
from models.engine.kinds import apply_exclusions
from models.engine.results import Evaluation
from models.engine.summary import resummarise
from models.store import Store
from models.time.months import DEFAULT_MONTH_ZONE, month_window, months_through
from models.verdicts.service import (
    evaluate_months,
    load_config,
    read_snapshot,
    sync_sla_versions,
)

# The months the Overview's trend shows, the current one included (ui/overview.py).
DEFAULT_MONTHS = 6


def cache_key(config: HandoffConfig) -> str:
    """The SLA file's checksum with a fingerprint of the code that judges (every module of
    `models/`, the pinned holidays package) and the codec's format: verdicts kept by another
    file, another engine or another format are never served."""
    text = f"{config.checksum}:{_code_fingerprint()}:{CODEC_FORMAT}"
    return hashlib.sha256(text.encode()).hexdigest()


@cache
def _code_fingerprint() -> str:
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent  # models/: every module that judges or reads
    for path in sorted(root.rglob("*.py")):
        if "migrations" not in path.relative_to(root).parts:
            name = path.relative_to(root).as_posix()
            digest.update(name.encode() + b"\0" + path.read_bytes())
    with suppress(metadata.PackageNotFoundError):
        digest.update(metadata.version("holidays").encode())
    return digest.hexdigest()


def month_zone(config: HandoffConfig) -> str:
    """The zone months are counted in: the lead quota's, else the first SLA calendar's."""
    for sla in config.slas:
        if sla.kind == "lead_quota":
            return sla.timezone
    for sla in config.slas:
        if sla.calendar and sla.calendar in config.calendars:
            return config.calendars[sla.calendar].timezone
    return DEFAULT_MONTH_ZONE


def recent_months(config: HandoffConfig, as_of: datetime, count: int = DEFAULT_MONTHS) -> list[str]:
    """The `count` months up to the one `as_of` falls in (in the months' zone), oldest first."""
    current = as_of.astimezone(ZoneInfo(month_zone(config))).strftime("%Y-%m")
    return months_through(current, count)


def cached_evaluations(
    store: Store, config: str | Path | HandoffConfig, months: list[str], *, as_of: datetime
) -> list[Evaluation]:
    """Every SLA's verdicts for each month at `as_of`, the same as `evaluate_months` gives
    (with explanations written when items are read), from the cache where it may be used."""
    found, _ = _evaluate(store, load_config(config), months, as_of)
    return [found[month] for month in months]


def _evaluate(
    store: Store, config: HandoffConfig, months: list[str], as_of: datetime
) -> tuple[dict[str, Evaluation], dict[str, str]]:
    """The months' evaluations, and how each was answered: "frozen", "cached", "kept" (judged
    and kept) or "not kept" (judged, but the data moved on meanwhile or a writer held the
    database)."""
    sync_sla_versions(store, config)
    key = cache_key(config)
    revision = store.read_revision()  # before any data is read: see `_compute`
    exclusions = _exclusion_keys(store.read_approved_exclusions())
    found: dict[str, Evaluation] = {}
    how: dict[str, str] = {}
    for month in dict.fromkeys(months):
        frozen = read_snapshot(store, month)
        if frozen is not None:
            found[month], how[month] = frozen, "frozen"
            continue
        kept = _from_cache(store, config, key, revision, exclusions, month, as_of)
        if kept is not None:
            found[month], how[month] = kept, "cached"
    missing = [month for month in dict.fromkeys(months) if month not in found]
    if missing:
        judged, saved = _compute(store, config, key, revision, exclusions, missing, as_of)
        found.update(judged)
        how.update({month: "kept" if saved[month] else "not kept" for month in missing})
    return found, how


def warm_cache(
    store: Store,
    config: str | Path | HandoffConfig,
    *,
    as_of: datetime,
    months: list[str] | None = None,
) -> dict[str, Any]:
    """Compute and keep the verdicts of `months` (default: the Overview's six months up to
    `as_of`) unless the cache already holds them for this data. Returns what it did: the months
    computed and kept, those already cached, frozen (answered by their snapshot) or computed but
    not kept (the data moved on meanwhile, or a writer held the database), and the seconds."""
    config = load_config(config)
    months = months or recent_months(config, as_of)
    started = time.perf_counter()
    _, how = _evaluate(store, config, months, as_of)
    return {
        "months": months,
        "computed": [m for m in months if how[m] == "kept"],
        "already_cached": [m for m in months if how[m] == "cached"],
        "frozen": [m for m in months if how[m] == "frozen"],
        "not_kept": [m for m in months if how[m] == "not kept"],
        "seconds": round(time.perf_counter() - started, 2),
    }


def cache_status(
    store: Store, config: str | Path | HandoffConfig, *, now: datetime
) -> list[dict[str, Any]]:
    """Each cached month, with `current` (judged from the data and SLA file as they are) and
    `usable` (current, and nothing on file has happened since that it would have to see)."""
    config = load_config(config)
    key, revision = cache_key(config), store.read_revision()
    rows = store.read_cache_status()
    for row in rows:
        row["current"] = row["revision"] == revision and row["config_checksum"] == key
        row["usable"] = row["current"] and (row["valid_until"] is None or now < row["valid_until"])
    return rows


Exclusion = tuple[str, str, str]  # sla_id, item_id, reason


def _exclusion_keys(exclusions: pd.DataFrame) -> set[Exclusion]:
    """Approved exclusions as the engine applies them (the last one per item wins)."""
    if exclusions.empty:
        return set()
    last = exclusions.drop_duplicates(["sla_id", "item_id"], keep="last")
    return {
        (str(sla), str(item), str(reason))
        for sla, item, reason in zip(last["sla_id"], last["item_id"], last["reason"], strict=True)
    }


def _with_exclusions(evaluation: Evaluation, added: set[Exclusion]) -> Evaluation:
    """Exclusions approved since the verdicts were kept, applied as the engine applies them
    (only the SLAs they name have their items read)."""
    frame = pd.DataFrame(sorted(added), columns=["sla_id", "item_id", "reason"])
    for index, result in enumerate(evaluation.slas):
        mine = frame[frame["sla_id"] == result.sla_id]
        if result.quota is not None or mine.empty:
            continue
        items = apply_exclusions(result.lean_items, mine)
        evaluation.slas[index] = resummarise(result, items)
    return evaluation


def _from_cache(
    store: Store,
    config: HandoffConfig,
    key: str,
    revision: int,
    exclusions: set[Exclusion],
    month: str,
    as_of: datetime,
) -> Evaluation | None:
    row = store.read_cached_verdicts(month)
    if row is None or row["revision"] != revision or row["config_checksum"] != key:
        return None
    kept_at, valid_until = row["as_of"], row["valid_until"]
    if as_of < kept_at or (valid_until is not None and as_of >= valid_until):
        return None  # an event between the two instants is on file: only a new run can say
    judged_with: set[Exclusion] = {
        (str(sla), str(item), str(reason)) for sla, item, reason in json.loads(row["exclusions"])
    }
    if not judged_with <= exclusions:
        return None  # an exclusion has gone away since: the engine must judge those items

    def read_blob() -> bytes:
        blob = store.read_cached_items(month, revision, kept_at)
        if blob is None:  # replaced since the head was read (new data): judge that instant again
            return items_blob(evaluate_months(store, config, [month], as_of=kept_at)[0])
        return blob

    evaluation = evaluation_from_cache(row["head"], read_blob)
    for result in evaluation.slas:
        if result.quota is None:
            result.explainer = explainer_for(config, month_versions(config, result.sla_id, month))
    added = exclusions - judged_with
    if added:
        evaluation = _with_exclusions(evaluation, added)
    return advance(evaluation, config, as_of) if as_of > kept_at else evaluation


def _compute(
    store: Store,
    config: HandoffConfig,
    key: str,
    revision: int,
    exclusions: set[Exclusion],
    months: list[str],
    as_of: datetime,
) -> tuple[dict[str, Evaluation], dict[str, bool]]:
    """Judge the months afresh and keep them; returns the evaluations and which were kept.
    `revision` and `exclusions` were read before the data: if a write lands meanwhile, the
    store refuses to keep verdicts of data that is no longer current, and an exclusion approved
    meanwhile is applied again on reading (to the same effect)."""
    started = time.perf_counter()
    evaluations = evaluate_months(store, config, months, as_of=as_of)
    # A row of this data kept at a later instant serves more of the future than this one would
    # (the dashboard asks at the start of its 5-minute bucket, which may precede a warm-up).
    later = {
        month
        for month in months
        if (row := store.read_cached_verdicts(month)) is not None
        and row["revision"] == revision
        and row["config_checksum"] == key
        and row["as_of"] > as_of
    }
    seconds = (time.perf_counter() - started) / len(months)
    events = store.events_after(as_of)
    computed_at = datetime.now(UTC)
    saved: dict[str, bool] = {}
    for evaluation in evaluations:
        if evaluation.month in later:
            saved[evaluation.month] = True  # kept already, and for longer
            continue
        saved[evaluation.month] = store.save_cached_verdicts(
            revision=revision,
            month=evaluation.month,
            as_of=as_of,
            config_checksum=key,
            exclusions=json.dumps(sorted(exclusions)),
            valid_until=horizon(evaluation, events, month_window(evaluation.month)),
            computed_at=computed_at,
            seconds=round(seconds, 3),
            head=head_text(evaluation),
            items=items_blob(evaluation),
        )
    return {evaluation.month: evaluation for evaluation in evaluations}, saved


def warm_after_write(
    store: Store, config: str | Path | HandoffConfig, *, now: Callable[[], datetime]
) -> str:
    """`warm_cache` at `now()` after a sync, import or demo load, as one line to show. It never
    raises: the data is in, and a month not precomputed is only judged on its first view. (An
    SLA file with a problem is reported here and shown by every page.)"""
    from models.errors import BadInputError

    try:
        done = warm_cache(store, config, as_of=now())
    except BadInputError as exc:
        return f"Verdicts not precomputed: {exc.summary}"
    except Exception as exc:  # noqa: BLE001 - the write succeeded; say why and carry on
        return f"Verdicts not precomputed ({type(exc).__name__}: {exc}); pages judge them when first opened."
    parts = []
    if done["computed"]:
        parts.append(f"Verdicts precomputed for {_span(done['computed'])} in {done['seconds']:.1f} s")
    if done["already_cached"]:
        parts.append(f"already precomputed for {_span(done['already_cached'])}")
    if done["not_kept"]:
        parts.append(
            f"not kept for {_span(done['not_kept'])} (the data changed meanwhile or the database "
            "was busy; pages judge them when first opened)"
        )
    if not parts:
        return "Nothing to precompute: the recent months are frozen."
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _span(months: list[str]) -> str:
    """One month, "first to last" when they are consecutive, else the list."""
    ordinals = [pd.Period(m, freq="M").ordinal for m in months]
    consecutive = all(b - a == 1 for a, b in zip(ordinals, ordinals[1:], strict=False))
    if len(months) == 1:
        return months[0]
    return f"{months[0]} to {months[-1]}" if consecutive else ", ".join(months)
