"""Benchmark: `handoff import` of 100k leads + 1M activities (+ teams, owners, ~10k deals).

Generates seeded synthetic canonical CSV files (once; reused when present), then runs the real
`handoff import` in a subprocess against a fresh database, `--repeats` times, and reports the
median wall time and the peak resident memory of the import process (from `wait4`'s rusage, per
run). Target: under 60 s and under 2 GB on SQLite.

    .venv/bin/python bench/bench_import.py                     # SQLite file in a temp folder
    .venv/bin/python bench/bench_import.py --database-url postgresql://postgres@127.0.0.1:5432/test
        # PostgreSQL: a scratch database is created next to the named one and dropped afterwards

Writes bench/out/import.json (or import_postgresql.json) and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
TEAMS = [
    ("mkt", "Marketing", "marketing"),
    ("sales-east", "Sales East", "sales"),
    ("sales-west", "Sales West", "sales"),
    ("service", "Customer Service", "service"),
]
BODIES = np.array(
    [
        "Left a voicemail, will try again tomorrow.",
        'Asked about pricing: "is there a discount for 3 years?"',
        "Call notes:\n- budget approved\n- wants a demo, next week",
        "Prospect replied — interested, café meeting proposed",
        "Sent the deck; follow-up booked.",
        "",
    ],
    dtype=object,
)


def generate(folder: Path, *, leads: int, activities: int, deals: int, seed: int) -> dict[str, int]:
    """Write the five canonical files into `folder` (vectorised; a few seconds)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(TEAMS, columns=["team_id", "name", "tier"]).assign(calendar="ny").to_csv(
        folder / "teams.csv", index=False
    )
    owner_count = 200
    owner_ids = np.array([f"{7000 + i}" for i in range(owner_count)], dtype=object)
    owner_teams = np.array([team[0] for team in TEAMS], dtype=object)[
        rng.integers(0, 4, owner_count)
    ]
    pd.DataFrame(
        {
            "owner_id": owner_ids,
            "name": [f"Owner {i}" for i in range(owner_count)],
            "email": [f"owner{i}@example.com" for i in range(owner_count)],
            "team_id": owner_teams,
            "active": np.where(rng.random(owner_count) < 0.95, "true", "false"),
        }
    ).to_csv(folder / "owners.csv", index=False)

    start = pd.Timestamp("2025-01-01T00:00:00Z")
    created = start + pd.to_timedelta(rng.integers(0, 365 * 86_400, leads), unit="s")
    handed = created + pd.to_timedelta(rng.integers(60, 86_400 * 3, leads), unit="s")
    has_handoff = rng.random(leads) < 0.8
    assigned = handed + pd.to_timedelta(rng.integers(0, 7_200_000_000, leads), unit="us")
    lead_ids = np.array([f"{100_000 + i}" for i in range(leads)], dtype=object)
    pd.DataFrame(
        {
            "lead_id": lead_ids,
            "created_at": _iso(created, "-05:00"),
            "handed_off_at": np.where(has_handoff, _iso(handed, "Z"), ""),
            "assigned_at": np.where(has_handoff, _iso(assigned, "+00:00"), ""),
            "owner_id": owner_ids[rng.integers(0, owner_count, leads)],
            "source": np.array(["demo_request", "pricing_page", "webinar", "organic"])[
                rng.integers(0, 4, leads)
            ],
            "email": [f"lead{i}@customer{i % 997}.example" for i in range(leads)],
            "company": np.array(["Acme, Inc", "Globex", "Initech", 'The "Best" Co'])[
                rng.integers(0, 4, leads)
            ],
        }
    ).to_csv(folder / "leads.csv", index=False)

    of_lead = rng.integers(0, leads, activities)
    occurred = handed[of_lead] + pd.to_timedelta(rng.integers(0, 30 * 86_400, activities), unit="s")
    pd.DataFrame(
        {
            "activity_id": np.char.add("A", np.arange(activities).astype(str)).astype(object),
            "lead_id": lead_ids[of_lead],
            "type": np.array(["call", "email", "meeting", "note", "task"])[
                rng.choice(5, activities, p=[0.4, 0.35, 0.05, 0.15, 0.05])
            ],
            "occurred_at": _iso(occurred, "Z"),
            "owner_id": owner_ids[rng.integers(0, owner_count, activities)],
            "direction": np.where(rng.random(activities) < 0.85, "outbound", "inbound"),
            "outcome": np.array(["connected", "no_answer", "left_voicemail", ""])[
                rng.integers(0, 4, activities)
            ],
            "body": BODIES[rng.integers(0, len(BODIES), activities)],
        }
    ).to_csv(folder / "activities.csv", index=False)

    won = rng.choice(leads, deals, replace=False)
    pd.DataFrame(
        {
            "deal_id": [f"D{i}" for i in range(deals)],
            "lead_id": lead_ids[won],
            "closed_won_at": _iso(handed[won] + pd.Timedelta(days=20), "Z"),
            "owner_id": owner_ids[rng.integers(0, owner_count, deals)],
            "amount": np.round(rng.gamma(2.0, 6_000.0, deals), 2),
        }
    ).to_csv(folder / "deals.csv", index=False)
    return {
        "team": len(TEAMS),
        "owner": owner_count,
        "lead": leads,
        "activity": activities,
        "deal": deals,
    }


def _iso(stamps: pd.DatetimeIndex, suffix: str) -> np.ndarray:
    """ISO text in the offset the suffix names (a variety of offsets, as real exports have)."""
    if suffix == "-05:00":
        local = stamps.tz_convert("Etc/GMT+5")
        return np.asarray(local.strftime("%Y-%m-%dT%H:%M:%S-05:00"), dtype=object)
    fmt = "%Y-%m-%dT%H:%M:%S.%f" if suffix == "+00:00" else "%Y-%m-%dT%H:%M:%S"
    return np.asarray(stamps.strftime(fmt + suffix), dtype=object)


def run_import(data: Path, url: str) -> tuple[float, float, float, str]:
    """One `handoff import` in a child process: (wall s, CPU s, peak RSS in MB, its output)."""
    handoff = Path(sys.executable).with_name("handoff")
    began = time.perf_counter()
    child = subprocess.Popen(
        # The import alone: precomputing verdicts afterwards is bench_dashboard.py's figure.
        [str(handoff), "import", str(data), "--database-url", url, "--no-warm"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"handoff import failed ({child.returncode}):\n{output}")
    cpu = usage.ru_utime + usage.ru_stime  # less sensitive than wall time to a busy machine
    return wall, cpu, usage.ru_maxrss / 1024, output.strip()  # ru_maxrss is in KiB on Linux


def _postgres_scratch(url: str, create: bool) -> str:
    from sqlalchemy import create_engine, text

    base, _ = url.rsplit("/", 1)
    name = f"handoff_bench_{os.getpid()}"
    admin_url = base + "/postgres"
    if admin_url.startswith("postgresql://"):
        admin_url = "postgresql+psycopg://" + admin_url.removeprefix("postgresql://")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{base}/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--deals", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", type=Path, default=OUT / "data", help="where the CSV files go")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a fresh SQLite file)")
    args = parser.parse_args()

    sizes = (args.leads, args.activities, args.deals, args.seed)
    stamp = args.data / "sizes.json"
    if not stamp.exists() or json.loads(stamp.read_text()) != list(sizes):
        rows = generate(
            args.data,
            leads=args.leads,
            activities=args.activities,
            deals=args.deals,
            seed=args.seed,
        )
        stamp.write_text(json.dumps(list(sizes)))
    walls, cpus, peaks, output = [], [], [], ""
    postgres = bool(args.database_url and args.database_url.startswith("postgresql"))
    with tempfile.TemporaryDirectory() as scratch:
        for repeat in range(args.repeats):
            if postgres:
                url = _postgres_scratch(args.database_url, create=True)
            else:
                url = f"sqlite:///{Path(scratch) / f'bench_{repeat}.db'}"
            wall, cpu, peak, output = run_import(args.data, url)
            walls.append(wall)
            cpus.append(cpu)
            peaks.append(peak)
            print(
                f"run {repeat + 1}: {wall:.1f} s wall, {cpu:.1f} s CPU, {peak:.0f} MB",
                file=sys.stderr,
            )
        if postgres:
            _postgres_scratch(args.database_url, create=False)
    rows = args.leads + args.activities + args.deals + 200 + len(TEAMS)
    result = {
        "name": "import_100k_leads_1M_activities",
        "database": "postgresql" if postgres else "sqlite",
        "wall_s_median": round(statistics.median(walls), 2),
        "wall_s_runs": [round(w, 2) for w in walls],
        "cpu_s_median": round(statistics.median(cpus), 2),
        "peak_rss_mb": round(max(peaks), 1),
        "peak_rss_mb_median": round(statistics.median(peaks), 1),
        "rows": rows,
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "output": output,
    }
    OUT.mkdir(exist_ok=True)
    target = OUT / ("import_postgresql.json" if postgres else "import.json")
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
