"""Item verdicts finished on first read: `SlaResult.items` is a `LazyItems` descriptor.

Writing the explanation sentences costs about as much as judging the items, and decoding a
frozen month's items costs more than reading its headline; most readers need neither (counts,
compliance, trends). So a result holds its items as a frame or as a loader, plus an optional
explainer, and the costly parts run the first time `items` is read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from models.engine.results import SlaResult

# Rebuilds a frame of items (a frozen snapshot's items are decoded on first read).
ItemsLoader = Callable[[], pd.DataFrame]
# Fills in the `explanation` of the items that have none.
Explainer = Callable[[pd.DataFrame], pd.DataFrame]


class LazyItems:
    """`SlaResult.items`: the item verdicts, finished on first read.

    An instance holds a frame or an `ItemsLoader` (decoded on first read, then kept), and an
    optional `explainer` that writes the missing explanation sentences the first time `items` is
    read. `lean_items` gives the frame without running the explainer."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = f"_{name}_value"
        self._done = f"_{name}_explained"

    def __get__(self, obj: SlaResult | None, objtype: type | None = None) -> pd.DataFrame:
        if obj is None:
            # No class-level value: dataclasses then treat `items` as a field without default.
            raise AttributeError("items")
        frame = self.lean(obj)
        if obj.explainer is not None and not obj.__dict__.get(self._done, False):
            frame = obj.explainer(frame)
            obj.__dict__[self._slot] = frame
            obj.__dict__[self._done] = True
        return frame

    def __set__(self, obj: SlaResult, value: pd.DataFrame | ItemsLoader) -> None:
        obj.__dict__[self._slot] = value
        obj.__dict__[self._done] = False

    def lean(self, obj: SlaResult) -> pd.DataFrame:
        value = obj.__dict__[self._slot]
        if not isinstance(value, pd.DataFrame):
            value = value()
            obj.__dict__[self._slot] = value
        return value
