"""Client-side rate budget: HubSpot's limits are rolling windows, so we keep to them ourselves
instead of learning them from 429s.

A window counts a request from the moment its response has arrived: the server saw it no later
than that, so `N requests per window` holds on the server's clock too, whatever the latency.
One budget is shared by every request of the process (retries included).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class SlidingWindow:
    """At most `capacity` requests in any `window` seconds.

    Each request is a one-item list holding its time, first the send time, then (once the
    response is in) the arrival time of the response. Requests may overlap and finish out of
    order; a slot is only dropped from the left once old, which can only make us wait longer.
    """

    def __init__(self, capacity: int, window: float) -> None:
        if capacity < 1 or window <= 0:
            raise ValueError("a rate window needs capacity >= 1 and a positive length")
        self.capacity = capacity
        self.window = window
        self.slots: deque[list[float]] = deque()

    def wait_time(self, now: float) -> float:
        """Seconds to wait before one more request may start."""
        while self.slots and self.slots[0][0] <= now - self.window:
            self.slots.popleft()
        if len(self.slots) < self.capacity:
            return 0.0
        return max(self.slots[0][0] + self.window - now, 0.001)

    def record(self, now: float) -> list[float]:
        slot = [now]
        self.slots.append(slot)
        return slot


class RateBudget:
    """The general budget (requests per 10 s) and the separate search budget (per second)."""

    def __init__(
        self,
        per_10s: int,
        search_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_10s = per_10s
        self.search_per_second = search_per_second
        self._general = SlidingWindow(per_10s, 10.0)
        search_capacity = max(1, int(search_per_second))
        self._search = SlidingWindow(search_capacity, search_capacity / search_per_second)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._current = threading.local()  # the slots of the request this thread is making
        self.used = 0
        self.waited = 0.0

    def acquire(self, *, search: bool = False) -> None:
        """Block until one more request fits in both windows, then count it."""
        with self._lock:
            while True:
                now = self._clock()
                delay = self._general.wait_time(now)
                if search:
                    delay = max(delay, self._search.wait_time(now))
                if delay <= 0:
                    break
                self.waited += delay
                self._sleep(delay)
            slots = [self._general.record(now)]
            if search:
                slots.append(self._search.record(now))
            self._current.slots = slots
            self.used += 1

    def complete(self) -> None:
        """This thread's request has its response: count it from now."""
        with self._lock:
            now = self._clock()
            for slot in getattr(self._current, "slots", ()):
                slot[0] = max(slot[0], now)
            self._current.slots = ()


_shared: dict[tuple[int, float], RateBudget] = {}
_shared_lock = threading.Lock()


def shared_budget(per_10s: int, search_per_second: float) -> RateBudget:
    """The process-wide budget for these limits (one portal, one token: one budget)."""
    with _shared_lock:
        key = (per_10s, float(search_per_second))
        if key not in _shared:
            _shared.clear()  # limits changed: the old budget no longer describes the portal
            _shared[key] = RateBudget(per_10s, search_per_second)
        return _shared[key]
