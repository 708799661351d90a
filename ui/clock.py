"""The dashboard's clock: the only place below the pages that reads the current time.

Everything else (engine, rollups, connectors) receives "now" as a parameter. `HANDOFF_NOW`
(ISO 8601 with an offset) pins the clock, for demos and tests that must see a fixed month.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from models.settings import current_time
from models.verdicts import cache as verdict_cache
from models.verdicts.service import previous_months as months_before

# Verdicts are computed "as of" the start of the current 5-minute bucket, so a manager clicking
# around gets cached figures instead of a re-evaluation on every click. The pages say so.
EVALUATION_BUCKET = timedelta(minutes=5)
DEFAULT_MONTH_ZONE = ZoneInfo(verdict_cache.DEFAULT_MONTH_ZONE)


def now() -> datetime:
    """The current instant (UTC), or the pinned `HANDOFF_NOW`."""
    return current_time()


def evaluation_instant(current: datetime) -> datetime:
    """`current` floored to the evaluation bucket (the as-of every page shares)."""
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    buckets = (current - epoch) // EVALUATION_BUCKET
    return epoch + buckets * EVALUATION_BUCKET


def month_of(instant: datetime, zone: ZoneInfo = DEFAULT_MONTH_ZONE) -> str:
    """The YYYY-MM month that `instant` falls in, in `zone`."""
    return instant.astimezone(zone).strftime("%Y-%m")


def month_end(month: str, zone: ZoneInfo = DEFAULT_MONTH_ZONE) -> datetime:
    """The first instant after `month` (YYYY-MM) in `zone`, as UTC."""
    year, number = (int(part) for part in month.split("-"))
    nxt = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=zone)
    return nxt.astimezone(UTC)


def previous_months(month: str, count: int) -> list[str]:
    """The `count` months up to and including `month`, oldest first."""
    return [*months_before(month, count - 1), month]
