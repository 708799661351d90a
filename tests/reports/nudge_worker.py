"""A nudge scheduler for tests, in its own process: `python nudge_worker.py NAME FOLDER INSTANT...`
runs one pass at each instant (as HANDOFF_NOW would pin it), meeting the other workers at a file
barrier in FOLDER before each, so that their passes race. Database, SLA file and Slack come
from the environment, as for `handoff nudge`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from nudge_builders import at

from models.settings import load_settings
from models.store import Store
from reports.nudges.run import run_nudge_pass


def main(name: str, folder: str, workers: int, instants: list[str]) -> None:
    settings = load_settings()
    store = Store(settings.database_url)
    barrier = Path(folder)
    for step, instant in enumerate(instants):
        (barrier / f"{step}-{name}").touch()
        deadline = time.monotonic() + 120
        while len(list(barrier.glob(f"{step}-*"))) < workers and time.monotonic() < deadline:
            time.sleep(0.01)
        result = run_nudge_pass(store, settings, now=at(instant), echo=lambda _line: None)
        print(f"{instant} {result.status} sent={result.sent} skipped={result.skipped}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:])
