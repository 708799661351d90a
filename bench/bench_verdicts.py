"""Benchmark: what the dashboard and the report wait for from the verdict service.

    .venv/bin/python bench/bench_verdicts.py [--repeats 3]

On the databases other benchmarks build and cache (run those first):
- bench/out/bench_dashboard_12x100000.db (bench_dashboard.py: 100k leads a month, 12 months):
  `evaluate_month` of the current month in a fresh process (cold: config parsed, nothing cached)
  and again in the same process (warm), explanations for one lead's rows, and for all items;
- bench/out/engine_1000000_5000000.db (bench_engine.py): a closed month frozen, then read back:
  the headline figures (counts, compliance, at risk) alone, and the items decoded.
Each repeat runs in a fresh process. Medians; the machine is shared, so CPU seconds are quoted
too. Writes bench/out/verdicts.json and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
CONFIG = ROOT / "data" / "sla.toml"
DASHBOARD_DB = OUT / "bench_dashboard_12x100000.db"
DASHBOARD_MONTH, DASHBOARD_NOW = "2026-10", datetime(2026, 10, 20, 15, tzinfo=UTC)
ENGINE_DB = OUT / "engine_1000000_5000000.db"
FROZEN_MONTH, ENGINE_NOW = "2026-05", datetime(2026, 7, 10, tzinfo=UTC)


def _timed(run):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    value = run()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def child_month() -> dict[str, float]:
    """Cold and warm evaluation of the dashboard's month, then explanations."""
    from models.engine import columns as E
    from models.store import Store
    from models.verdicts.service import evaluate_month

    store = Store(f"sqlite:///{DASHBOARD_DB}")
    evaluation, cold, cold_cpu = _timed(
        lambda: evaluate_month(store, CONFIG, DASHBOARD_MONTH, as_of=DASHBOARD_NOW)
    )
    _, warm, warm_cpu = _timed(
        lambda: evaluate_month(store, CONFIG, DASHBOARD_MONTH, as_of=DASHBOARD_NOW)
    )
    lean = evaluation.items(explain=False)
    lead_id = lean[E.LEAD_ID].iloc[len(lean) // 2]
    rows = lean[lean[E.LEAD_ID] == lead_id]
    _, one_lead, _ = _timed(lambda: evaluation.explain(rows))
    _, explain_all, _ = _timed(lambda: evaluation.items())
    return {
        "cold_s": cold,
        "cold_cpu_s": cold_cpu,
        "warm_s": warm,
        "warm_cpu_s": warm_cpu,
        "explain_one_lead_s": one_lead,
        "explain_all_s": explain_all,
        "items": float(len(lean)),
    }


def child_snapshot() -> dict[str, float]:
    """A frozen month read back: headline only, then its items."""
    from models.store import Store
    from models.verdicts.service import read_snapshot

    store = Store(f"sqlite:///{ENGINE_DB}")
    evaluation, headline, headline_cpu = _timed(lambda: read_snapshot(store, FROZEN_MONTH))
    assert evaluation is not None
    _ = [(s.counts, s.compliance_pct, s.at_risk_count) for s in evaluation.slas]
    items, decode, _ = _timed(lambda: evaluation.items())
    return {
        "headline_s": headline,
        "headline_cpu_s": headline_cpu,
        "items_decode_s": decode,
        "items": float(len(items)),
    }


def _median(runs: list[dict[str, float]], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", choices=["month", "snapshot"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_month() if args.child == "month" else child_snapshot()))
        return
    for path, maker in ((DASHBOARD_DB, "bench_dashboard.py"), (ENGINE_DB, "bench_engine.py")):
        if not path.exists():
            sys.exit(f"{path} is missing: run bench/{maker} first (it builds and caches it)")
    from models.store import Store
    from models.verdicts.service import freeze_month

    started = time.perf_counter()
    freeze_month(
        Store(f"sqlite:///{ENGINE_DB}"),
        CONFIG,
        FROZEN_MONTH,
        as_of=ENGINE_NOW,
        frozen_by="bench_verdicts",
        refreeze=True,
    )
    freeze_s = time.perf_counter() - started

    def children(kind: str) -> list[dict[str, float]]:
        runs = []
        for _ in range(args.repeats):
            done = subprocess.run(
                [sys.executable, __file__, "--child", kind],
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        return runs

    month, snapshot = children("month"), children("snapshot")
    result = {
        "benchmark": "verdicts",
        "month": {
            "database": DASHBOARD_DB.name,
            "month": DASHBOARD_MONTH,
            "items": int(month[-1]["items"]),
            **{f"{k}_median": _median(month, k) for k in month[0] if k != "items"},
            "cold_s_runs": [round(r["cold_s"], 3) for r in month],
        },
        "frozen_month": {
            "database": ENGINE_DB.name,
            "month": FROZEN_MONTH,
            "items": int(snapshot[-1]["items"]),
            "freeze_s": round(freeze_s, 2),
            **{f"{k}_median": _median(snapshot, k) for k in snapshot[0] if k != "items"},
        },
        "load_average_1m": round(os.getloadavg()[0], 2),
        "targets": {"month_cold_s": 2.0, "dashboard_warm_s": 0.3},
        "note": "cold = first evaluate_month in a fresh process (SLA file parsed, database read, "
        "no cache); explanations are written on first read of SlaResult.items or for chosen rows "
        "with Evaluation.explain. The machine was shared when measured.",
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "verdicts.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
