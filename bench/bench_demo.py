"""Benchmark: `handoff demo` at full size (12 months x 1,500 leads a month).

Times the pure generation (`generate_demo`) and the whole `load_demo` (generate, delete the old
demo, upsert everything in one transaction) against a real database, `--repeats` times, and
reports medians. The first load goes into an empty database, later ones replace the demo.
Target: well under 30 s.

    .venv/bin/python bench/bench_demo.py                     # SQLite file in a temp folder
    .venv/bin/python bench/bench_demo.py --database-url postgresql://postgres@127.0.0.1:5432/test
        # PostgreSQL: a scratch database is created next to the named one and dropped afterwards

Writes bench/out/demo.json (or demo_postgresql.json) and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from connectors.demo import generate_demo, load_demo  # noqa: E402
from models.store import Store  # noqa: E402

NOW = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)  # fixed, so every run loads the same data


def _scratch_postgres(base: str) -> tuple[str, str]:
    name = f"handoff_bench_demo_{os.getpid()}"
    admin = base.rsplit("/", 1)[0] + "/postgres"
    admin = "postgresql+psycopg://" + admin.split("://", 1)[1]
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.rsplit("/", 1)[0] + "/" + name, admin


def _drop_postgres(url: str, admin: str) -> None:
    from models.store.db import _engines

    for engine in _engines.values():
        engine.dispose()
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--leads-per-month", type=int, default=1500)
    args = parser.parse_args()
    options = {"months": args.months, "leads_per_month": args.leads_per_month, "now": NOW}

    generate = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        frames = generate_demo(**options)
        generate.append(time.perf_counter() - started)

    admin = None
    with tempfile.TemporaryDirectory() as folder:
        if args.database_url and args.database_url.startswith("postgresql"):
            url, admin = _scratch_postgres(args.database_url)
        else:
            url = f"sqlite:///{Path(folder) / 'bench_demo.db'}"
        try:
            store = Store(url)
            loads = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                counts = load_demo(store, **options)
                loads.append(time.perf_counter() - started)
        finally:
            if admin:
                _drop_postgres(url, admin)

    dialect = "postgresql" if admin else "sqlite"
    result = {
        "benchmark": "demo",
        "dialect": dialect,
        "months": args.months,
        "leads_per_month": args.leads_per_month,
        "counts": counts,
        "rows": sum(counts.values()),
        "repeats": args.repeats,
        "generate_median_s": round(statistics.median(generate), 2),
        "generate_runs_s": [round(t, 2) for t in generate],
        "load_median_s": round(statistics.median(loads), 2),
        "load_runs_s": [round(t, 2) for t in loads],
        "target_s": 30,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    assert sum(len(f) for f in frames.values()) == result["rows"]
    OUT.mkdir(exist_ok=True)
    name = "demo.json" if dialect == "sqlite" else f"demo_{dialect}.json"
    (OUT / name).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
