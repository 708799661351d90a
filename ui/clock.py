"""The dashboard's clock: the only place below the pages that reads the current time.

Everything else (engine, rollups, connectors) receives "now" as a parameter. `HANDOFF_NOW`
(ISO 8601 with an offset) pins the clock, for demos and tests that must see a fixed month.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from models.settings import clock_is_pinned, current_time
from models.time.months import DEFAULT_MONTH_ZONE as _MONTH_ZONE_NAME

# Verdicts are computed "as of" the start of the current 5-minute bucket, so a manager clicking
# around gets cached figures instead of a re-evaluation on every click. The pages say so.
EVALUATION_BUCKET = timedelta(minutes=5)
DEFAULT_MONTH_ZONE = ZoneInfo(_MONTH_ZONE_NAME)


def now() -> datetime:
    """The current instant (UTC), or the pinned `HANDOFF_NOW`."""
    return current_time()


def pinned() -> bool:
    """True when `HANDOFF_NOW` pins the clock."""
    return clock_is_pinned()


def evaluation_instant(current: datetime) -> datetime:
    """`current` floored to the evaluation bucket (the as-of every page shares)."""
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    buckets = (current - epoch) // EVALUATION_BUCKET
    return epoch + buckets * EVALUATION_BUCKET


