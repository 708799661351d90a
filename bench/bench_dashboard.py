"""Dashboard speed: Overview cold and warm, and drill-down to one lead, on a big SQLite database.

    .venv/bin/python bench/bench_dashboard.py                      # 100k leads/month x 12 months
    .venv/bin/python bench/bench_dashboard.py --leads-per-month 20000 --months 3 --repeats 5

The database is built once with the demo generator (bench/out/bench_dashboard_<size>.db, reused
while its size matches) with the clock pinned, so every run sees the same month. Then the
verdict cache is warmed at the data's instant, as `handoff sync`, `import` and `demo` do when
they finish, and the dashboard's clock is set an hour later (a manager opening it an hour after
the last sync: open clocks have moved on). Pages run through Streamlit's AppTest in this
process: "cold" clears every Streamlit and in-process cache first (a freshly started server),
"warm" runs the page again within the cache TTL, "drill-down" opens one lead of a rep with the
month's verdicts in memory (what a manager clicking from a rep to a lead waits for).
"uncached" (with --uncached) is the cold Overview with the verdict cache emptied as well: the
first view after data changed with no warm-up, which judges every month from the data.
Medians of repeats; the machine is shared, so re-run when it is quiet. Writes
bench/out/bench_dashboard.json and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
NOW = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)  # the data's instant: the last sync
VIEWED = NOW + timedelta(hours=1)  # when the dashboard is opened
MONTH = "2026-10"


def build_database(path: Path, months: int, leads_per_month: int) -> dict[str, object]:
    """The demo organisation at the wanted size (reused when the marker says it matches)."""
    from connectors.demo import load_demo
    from models.store import Store

    marker = path.with_suffix(".params")  # not *.json: only results are kept in git
    wanted = {"months": months, "leads_per_month": leads_per_month, "now": NOW.isoformat()}
    if path.exists() and marker.exists() and json.loads(marker.read_text())["params"] == wanted:
        return json.loads(marker.read_text())
    path.unlink(missing_ok=True)
    store = Store(f"sqlite:///{path}")
    started = time.perf_counter()
    counts = load_demo(store, months=months, leads_per_month=leads_per_month, now=NOW)
    built = {
        "params": wanted,
        "counts": counts,
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    marker.write_text(json.dumps(built))
    return built


def run_page(page: str | None, query: dict[str, str] | None = None) -> tuple[float, object]:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
    app.query_params.update(query or {})
    started = time.perf_counter()
    app.run()
    if page is not None:
        app.switch_page(page).run()
    elapsed = time.perf_counter() - started
    problems = [e.value for e in app.exception] + [e.value for e in app.error]
    if problems:
        raise SystemExit(f"{page or 'overview'} failed: {problems}")
    return elapsed, app


def timed_rerun(app: object) -> float:
    started = time.perf_counter()
    app.run()  # type: ignore[attr-defined]
    return time.perf_counter() - started


def clear_caches() -> None:
    """What a freshly started server has: nothing cached (Streamlit caches and settled months)."""
    import streamlit as st

    from ui import evaluations

    st.cache_data.clear()
    st.cache_resource.clear()
    evaluations.clear_caches()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--leads-per-month", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--uncached",
        action="store_true",
        help="also time one cold Overview with the verdict cache emptied (about 20 s at full size)",
    )
    parser.add_argument(
        "--skip-cold",
        action="store_true",
        help="only warm Overview and drill-down (quick re-check)",
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / f"bench_dashboard_{args.months}x{args.leads_per_month}.db"
    built = build_database(db, args.months, args.leads_per_month)
    os.environ.update(DATABASE_URL=f"sqlite:///{db}", HANDOFF_NOW=VIEWED.isoformat())
    os.environ.setdefault("HANDOFF_CONFIG", str(ROOT / "data" / "sla.toml"))

    from models.store import Store
    from models.verdicts.cache import warm_cache
    from models.verdicts.service import evaluate_month

    store = Store(f"sqlite:///{db}")
    started = time.perf_counter()
    evaluation = evaluate_month(store, os.environ["HANDOFF_CONFIG"], MONTH, as_of=VIEWED)
    engine_seconds = time.perf_counter() - started
    store.clear_cached_verdicts()
    warmed = warm_cache(store, os.environ["HANDOFF_CONFIG"], as_of=NOW)
    items = evaluation.sla("first-touch").items
    breached = items[(items["state"] == "breached") & items["owner_id"].notna()].iloc[0]
    lead_query = {
        "month": MONTH,
        "team": str(breached["team_id"]),
        "rep": str(breached["owner_id"]),
        "lead": str(breached["lead_id"]),
    }

    cold, warm, lead = [], [], []
    for _ in range(1 if args.skip_cold else args.repeats):
        clear_caches()
        seconds, app = run_page(None, {"month": MONTH})
        cold.append(seconds)
        warm.extend(timed_rerun(app) for _ in range(3))
    if args.skip_cold:
        cold = []  # the one cold run above only warmed the caches
    uncached = []
    if args.uncached:
        store.clear_cached_verdicts()
        clear_caches()
        uncached.append(run_page(None, {"month": MONTH})[0])
    _, app = run_page("pages/drilldown.py", lead_query)  # rep and lead lists cached once
    for _ in range(args.repeats):
        lead.append(timed_rerun(app))

    result = {
        "benchmark": "dashboard",
        "database": "sqlite",
        "months": args.months,
        "leads_per_month": args.leads_per_month,
        "rows": built["counts"],
        "build_seconds": built.get("build_seconds"),
        "engine_evaluate_current_month_s": round(engine_seconds, 3),
        "cache_warm_s": warmed["seconds"],
        "cache_warm_months": len(warmed["computed"]),
        "viewed_after_sync_h": (VIEWED - NOW).total_seconds() / 3600,
        "overview_cold_s_median": round(statistics.median(cold), 3) if cold else None,
        "overview_warm_s_median": round(statistics.median(warm), 3),
        "drilldown_lead_s_median": round(statistics.median(lead), 3),
        "overview_uncached_s": round(uncached[0], 3) if uncached else None,
        "samples": {
            "cold": [round(v, 3) for v in cold],
            "warm": [round(v, 3) for v in warm],
            "lead": [round(v, 3) for v in lead],
        },
        "targets": {"overview_cold_s": 2.0, "overview_warm_s": 0.3, "drilldown_lead_s": 0.5},
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    name = "bench_dashboard_quick.json" if args.skip_cold else "bench_dashboard.json"
    (OUT / name).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
