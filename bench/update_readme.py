"""Write the figures in bench/out/*.json into README.md's benchmark table.

Each benchmark script writes one JSON file; this script turns the known ones into rows (figure,
measured, target, verdict) between the `<!-- bench:start -->` and `<!-- bench:end -->` marks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"

Row = tuple[str, str, str, bool | None]
Data = dict[str, Any]


def _num(value: Any, digits: int = 2) -> str:
    return f"{value:,.{digits}f}" if isinstance(value, int | float) else "—"


def _lt(value: Any, limit: float) -> bool | None:
    return None if not isinstance(value, int | float) else value < limit


def _ge(value: Any, limit: float) -> bool | None:
    return None if not isinstance(value, int | float) else value >= limit


def _import(d: Data) -> list[Row]:
    db = "PostgreSQL" if d.get("database") == "postgresql" else "SQLite"
    return [
        (f"CSV import, 100k leads + 1M activities + 10k deals ({db}): wall", f"{_num(d.get('wall_s_median'), 1)} s", "< 60 s", _lt(d.get("wall_s_median"), 60)),
        (f"CSV import, same ({db}): peak memory", f"{_num(d.get('peak_rss_mb'), 0)} MB", "< 2,048 MB", _lt(d.get("peak_rss_mb"), 2048)),
    ]


def _calendar(d: Data) -> list[Row]:
    return [
        ("Business-time kernel vs businesstimedelta, 10k random pairs", f"{_num(d.get('speedup'), 0)}× faster ({_num(d.get('ours_s_median'), 4)} s vs {_num(d.get('businesstimedelta_s_median'), 2)} s), identical: {d.get('identical_to_the_second')}", "≥ 100×, identical", _ge(d.get("speedup"), 100) and bool(d.get("identical_to_the_second"))),
    ]


def _engine(d: Data) -> list[Row]:
    return [
        ("Evaluate one month, 1M leads / 5M activities (SQLite), fresh process", f"{_num(d.get('wall_s_median'), 2)} s", "< 5 s", _lt(d.get("wall_s_median"), 5)),
        ("Evaluate one month, same: peak memory", f"{_num(d.get('peak_rss_mb'), 0)} MB", "< 3,072 MB", _lt(d.get("peak_rss_mb"), 3072)),
    ]


def _demo(d: Data) -> list[Row]:
    db = "PostgreSQL" if d.get("dialect") == "postgresql" else "SQLite"
    return [
        (f"`handoff demo`, 12 months × 1,500 leads ({db})", f"{_num(d.get('load_median_s'), 1)} s", "< 30 s", _lt(d.get("load_median_s"), 30)),
    ]


def _sync(d: Data) -> list[Row]:
    rows: list[Row] = [
        (f"HubSpot full sync, {d.get('contacts', 0):,} contacts + {d.get('engagements', 0):,} engagements: requests", f"{d.get('full_requests', 0):,} (minimum {d.get('minimum_requests', 0):,}, +{_num(d.get('full_over_minimum_pct'), 1)}%)", "within 10% of minimum", _lt(d.get("full_over_minimum_pct"), 10)),
        ("HubSpot full sync: share of the allowed request rate used", f"{_num(d.get('budget_used_pct'), 0)}% ({_num(d.get('achieved_requests_per_s'), 1)}/s of {_num(d.get('allowed_requests_per_s'), 0)}/s), {d.get('rate_limit_violations', '—')} rate-limit violations", "≥ 90%, 0 violations", _ge(d.get("budget_used_pct"), 90) and d.get("rate_limit_violations") == 0),
        ("HubSpot idle incremental sync: requests", f"{d.get('idle_requests', '—')} ({_num(d.get('idle_seconds'), 1)} s); {d.get('idle_scan_due_requests', '—')} when the deletion scan is due", "< 15", _lt(d.get("idle_requests"), 15)),
    ]
    return rows


def _report(d: Data) -> list[Row]:
    return [
        (f"Friction report, all four formats, a month with {d.get('leads_per_month', 0):,} leads", f"{_num(d.get('report_all_formats_median_seconds'), 1)} s", "< 20 s", _lt(d.get("report_all_formats_median_seconds"), 20)),
    ]


def _dashboard(d: Data) -> list[Row]:
    # `--skip-cold` re-checks only warm and drill-down; a newer quick run supersedes those two.
    quick_path = OUT / "bench_dashboard_quick.json"
    if quick_path.exists():
        quick = json.loads(quick_path.read_text())
        if str(quick.get("measured_at", "")) > str(d.get("measured_at", "")):
            d = {**d, **{k: quick[k] for k in ("overview_warm_s_median", "drilldown_lead_s_median") if k in quick}}
    scale = f"{d.get('leads_per_month', 0):,} leads/month × {d.get('months', 0)}"
    rows: list[Row] = [
        (f"Dashboard Overview cold: a fresh server, {_num(d.get('viewed_after_sync_h'), 0)} h after the last sync ({scale}, SQLite)", f"{_num(d.get('overview_cold_s_median'), 2)} s", "< 2 s", _lt(d.get("overview_cold_s_median"), 2)),
        ("Dashboard Overview warm", f"{_num(d.get('overview_warm_s_median'), 3)} s", "< 0.3 s", _lt(d.get("overview_warm_s_median"), 0.3)),
        ("Dashboard drill-down to one lead", f"{_num(d.get('drilldown_lead_s_median'), 3)} s", "< 0.5 s", _lt(d.get("drilldown_lead_s_median"), 0.5)),
    ]
    if d.get("cache_warm_s") is not None:
        rows.append((f"Precomputing the Overview's {d.get('cache_warm_months')} months after a sync or import (`handoff cache warm`)", f"{_num(d.get('cache_warm_s'), 1)} s", "(no target)", None))
    if d.get("overview_uncached_s") is not None:
        rows.append(("Dashboard Overview cold with nothing precomputed (first view after new data with `--no-warm`)", f"{_num(d.get('overview_uncached_s'), 1)} s", "(no target)", None))
    return rows


def _nudges(d: Data) -> list[Row]:
    return [
        (f"Nudge pass: deciding whom to tell, a month of {d.get('leads', 0):,} leads ({d.get('open_items', 0):,} open items), sending excluded", f"{_num(d.get('plan_s_median'), 2)} s", "< 1 s", _lt(d.get("plan_s_median"), 1)),
        (f"Nudges through Slack: {d.get('messages', 0)} DMs paced under Slack's per-method limits", f"{_num(d.get('send_s'), 1)} s, {d.get('rate_limited_429', '—')} answered 429", "0 × 429", d.get("rate_limited_429") == 0),
    ]


MAKERS: dict[str, Callable[[Data], list[Row]]] = {
    "import": _import,
    "import_postgresql": _import,
    "calendar": _calendar,
    "engine": _engine,
    "demo": _demo,
    "demo_postgresql": _demo,
    "sync": _sync,
    "report": _report,
    "bench_dashboard": _dashboard,
    "nudges": _nudges,
}
ORDER = list(MAKERS)


def render_table() -> str:
    """The Markdown table of every known figure in bench/out."""
    lines = [
        "Measured on this project's 2-core machine, medians of repeats. Re-measure with "
        "`.venv/bin/python bench/<script>.py`, then `.venv/bin/python bench/update_readme.py` "
        "rewrites this table.",
        "",
        "| figure | measured | target | |",
        "|---|---|---|---|",
    ]
    for stem in ORDER:
        path = OUT / f"{stem}.json"
        if not path.exists():
            continue
        for figure, value, target, ok in MAKERS[stem](json.loads(path.read_text())):
            mark = {True: "✅", False: "❌", None: ""}[ok]
            lines.append(f"| {figure} | {value} | {target} | {mark} |")
    return "\n".join(lines)


def main() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    if START not in readme or END not in readme:
        raise SystemExit(f"README.md has no {START} ... {END} section")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    (ROOT / "README.md").write_text(f"{head}{START}\n{render_table()}\n{END}{tail}", encoding="utf-8")
    print(render_table())


if __name__ == "__main__":
    main()
