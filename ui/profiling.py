"""Where a script run's time goes, for developers: `HANDOFF_PROFILE=DIR handoff serve` writes one
line per run (page, milliseconds) to DIR/runs.log and a cProfile file per run to DIR. Off (and
free) unless the variable is set."""

from __future__ import annotations

import contextlib
import cProfile
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

_counter = 0
_lock = threading.Lock()


class Run:
    """The run being profiled; `name` may be set once the page is known."""

    def __init__(self, name: str) -> None:
        self.name = name


@contextlib.contextmanager
def profiled(name: str) -> Iterator[Run]:
    """Time (and profile) the body: one script run (of the page `run.name` ends up with)."""
    run = Run(name)
    target = os.environ.get("HANDOFF_PROFILE")
    if not target:
        yield run
        return
    global _counter
    folder = Path(target)
    folder.mkdir(parents=True, exist_ok=True)
    with _lock:
        _counter += 1
        number = _counter
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    try:
        yield run
    finally:
        profile.disable()
        elapsed = (time.perf_counter() - started) * 1000
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in run.name) or "page"
        profile.dump_stats(folder / f"{number:05d}-{safe}.prof")
        with _lock, (folder / "runs.log").open("a") as log:
            log.write(f"{number:05d} {safe} {elapsed:.0f} ms\n")
