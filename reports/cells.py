"""Spreadsheet cells that cannot run: text starting with = + - @, a tab or a carriage return is
prefixed with a single quote (OWASP's CSV-injection guidance), so a rejection reason like
`=HYPERLINK(...)` opens as the words it is. Numbers stay numbers; `handoff export-data` keeps
the data exact and does not use this."""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell made inert; any other value unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell of `frame` made inert (a copy)."""
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object or pd.api.types.is_string_dtype(out[name]):
            out[name] = out[name].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out
