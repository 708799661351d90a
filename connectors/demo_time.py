"""Business time for the demo generator: int64-nanosecond views of the shared calendar kernel.

The demo places touches "N business minutes after" an event on a team's calendar for tens of
thousands of leads at once, and keeps every instant as int64 UTC nanoseconds (`NAT` for "never")
so its matrices stay plain numpy. The calendars come from the demo organisation's own SLA file
through `models.config.load_config`, and the working intervals from
`models.time.working_time.WorkingTime`, so the generated behaviour follows exactly the hours (holidays,
daylight saving, overnight shifts) the SLA engine will judge it by. This module only converts
between int64 and the kernel's types; verdicts are the engine's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from models.config import load_config
from models.errors import BadInputError
from models.time.working_time import WorkingTime

NS_PER_MINUTE = 60_000_000_000
NAT = np.iinfo(np.int64).min  # the int64 view of NaT: "no such instant"
NO_VALUE = np.array(None, dtype=object)  # a typed None for np.where over object columns


@dataclass(frozen=True)
class WorkTable:
    """One calendar's `WorkingTime`, spoken to in int64 UTC nanoseconds (NAT in, NAT out)."""

    working: WorkingTime

    def add(self, instants: np.ndarray, minutes: np.ndarray) -> np.ndarray:
        """The earliest instant at which `minutes` of business time since each instant are worked."""
        later = self.working.add_business_minutes(_as_datetime64(instants), minutes)
        return _as_ns(later)

    def minutes_between(self, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
        """Business minutes in [start, stop] (0 where stop <= start, NaN where either is NAT)."""
        return self.working.business_minutes(_as_datetime64(start), _as_datetime64(stop))


def team_tables(
    sla_path: Path, calendar_of_team: Mapping[str, str], start: datetime, end: datetime
) -> dict[str, WorkTable]:
    """A `WorkTable` per team, on its calendar from the SLA file, covering [start, end]."""
    calendars = load_config(sla_path).calendars
    needed = sorted(set(calendar_of_team.values()))
    missing = [name for name in needed if name not in calendars]
    if missing:
        raise BadInputError(
            f"{sla_path}: the demo organisation needs calendars {', '.join(missing)}; "
            "restore them in [calendars.NAME] (see the shipped data/sla.toml)"
        )
    tables = {name: WorkTable(WorkingTime.build(calendars[name], start, end)) for name in needed}
    return {team_id: tables[name] for team_id, name in calendar_of_team.items()}


def _as_datetime64(instants_ns: np.ndarray) -> np.ndarray:
    # A zero-copy view (NAT is NaT); pandas converts datetime64 far faster than raw int64.
    return np.asarray(instants_ns, dtype=np.int64).view("datetime64[ns]")


def _as_ns(instants: pd.Series) -> np.ndarray:
    # The kernel answers in aware UTC timestamps; NaT reads back as NAT.
    return np.asarray(pd.DatetimeIndex(instants).as_unit("ns").asi8, dtype=np.int64)
