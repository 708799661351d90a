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
    cpu = d.get("businesstimedelta_cpu_s_median")
    how = "CPU seconds" if cpu is not None else "seconds"
    rows: list[Row] = [
        (f"Business-time kernel vs businesstimedelta, 10k random pairs (kernel cold: table built, holidays fetched; {how})", f"{_num(d.get('speedup'), 0)}× faster ({_num(d.get('ours_cpu_s_median', d.get('ours_s_median')), 4)} s vs {_num(cpu if cpu is not None else d.get('businesstimedelta_s_median'), 2)} s), identical: {d.get('identical_to_the_second')}", "≥ 100×, identical", _ge(d.get("speedup"), 100) and bool(d.get("identical_to_the_second"))),
    ]
    big = d.get("large")
    if isinstance(big, dict):
        rows.append((f"Business-time kernel, {big.get('rows', 0):,} random pairs, same calendar (cold; compared pair by pair with businesstimedelta on a random {big.get('businesstimedelta_sample_rows', 0):,}-pair sample of them, {_num(big.get('businesstimedelta_sample_cpu_s'), 1)} s CPU for it; speed-up per pair in CPU seconds; load average {_num(d.get('load_average_1m'), 1)})", f"{_num(big.get('ours_s_median'), 2)} s wall, {_num(big.get('ours_cpu_s_median'), 2)} s CPU ({_num(big.get('ours_prebuilt_table_cpu_s_median'), 2)} s CPU on a prebuilt table); {_num(big.get('speedup_per_pair'), 0)}× faster per pair, identical on the sample: {big.get('identical_on_sample')}", "≥ 100×, identical", _ge(big.get("speedup_per_pair"), 100) and bool(big.get("identical_on_sample"))))
    return rows


def _engine(d: Data) -> list[Row]:
    return [
        (f"Evaluate one closed month ({d.get('month', '?')} as of {str(d.get('as_of', '?'))[:10]}: every clock stopped, nothing open) of a 1M-lead / 5M-activity database (SQLite), fresh process", f"{_num(d.get('wall_s_median'), 2)} s", "< 5 s", _lt(d.get("wall_s_median"), 5)),
        ("Evaluate one month, same: peak memory", f"{_num(d.get('peak_rss_mb'), 0)} MB", "< 3,072 MB", _lt(d.get("peak_rss_mb"), 3072)),
    ]


def _engine_current(d: Data) -> list[Row]:
    items = d.get("items", {})
    open_items = d.get("open_items")
    return [
        (f"Evaluate the running month ({d.get('month', '?')} as of {d.get('as_of_local', '?')}: {d.get('month_handed_off') or 0:,} leads handed off so far, {open_items or 0:,} items still open; {d.get('database_leads') or 0:,}-lead database, SQLite): `evaluate_month` in a warm process, i.e. reading the month's leads, deals and clock-stopping activities from SQLite and judging every SLA (the first call in a fresh process: {_num(d.get('cold_s_median'), 2)} s, {_num(d.get('cold_cpu_s_median'), 2)} s CPU)", f"{_num(d.get('warm_s_median'), 2)} s ({_num(d.get('warm_cpu_s_median'), 2)} s CPU; load average {', '.join(f'{x:g}' for x in d.get('load_average_1m', []))})", "< 1 s", _lt(d.get("warm_s_median"), 1)),
    ] if items else []


def _demo(d: Data) -> list[Row]:
    db = "PostgreSQL" if d.get("dialect") == "postgresql" else "SQLite"
    return [
        (f"Demo organisation, 12 months × 1,500 leads ({db}): `load_demo` in-process (generate and write; not the `handoff demo` command, which also starts Python and precomputes verdicts)", f"{_num(d.get('load_median_s'), 1)} s", "< 30 s", _lt(d.get("load_median_s"), 30)),
    ]


def _sync(d: Data) -> list[Row]:
    rows: list[Row] = [
        (f"HubSpot full sync, {d.get('contacts', 0):,} contacts + {d.get('engagements', 0):,} engagements: requests", f"{d.get('full_requests', 0):,} (minimum {d.get('minimum_requests', 0):,}, +{_num(d.get('full_over_minimum_pct'), 1)}%)", "within 10% of minimum", _lt(d.get("full_over_minimum_pct"), 10)),
        ("HubSpot full sync: share of the allowed request rate used", f"{_num(d.get('budget_used_pct'), 0)}% ({_num(d.get('achieved_requests_per_s'), 1)}/s of {_num(d.get('allowed_requests_per_s'), 0)}/s), {d.get('rate_limit_violations', '—')} rate-limit violations", "≥ 90%, 0 violations", _ge(d.get("budget_used_pct"), 90) and d.get("rate_limit_violations") == 0),
        (f"HubSpot idle incremental sync on a portal of {d.get('idle_contacts', 0):,} contacts ({_num(d.get('idle_scale'), 1)} of the full-sync size), checking that its {d.get('idle_recent_leads', 0):,} recent leads and {d.get('idle_recent_deals', 0):,} recent won deals still exist: requests", f"{d.get('idle_requests', '—')} ({_num(d.get('idle_seconds'), 1)} s); {d.get('idle_scan_due_requests', '—')} when the deletion scan is due", "< 15", _lt(d.get("idle_requests"), 15)),
    ]
    return rows


def _report(d: Data) -> list[Row]:
    handed = d.get("month_leads_handed_off")
    customers = d.get("new_customers")
    size = f"a month of the demo organisation at {d.get('leads_per_month', 0):,} leads a month" + (
        f" ({handed:,} handed off, {customers:,} new customers)" if handed and customers else ""
    ) + " (SQLite, in-process `run_report`, files written)"
    loads = d.get("load_average_1m")
    load = f"; load average {', '.join(f'{x:g}' for x in loads)}" if loads else ""
    rows: list[Row] = []
    if d.get("report_nothing_precomputed_seconds") is not None:
        cpu = d.get("report_all_formats_median_cpu_seconds")
        cpu_text = f" ({_num(cpu, 1)} s CPU{load})" if cpu is not None else ""
        rows.append((f"Friction report, all four formats, {size}: the report month and its three trend months precomputed (as after a sync or import), median wall time", f"{_num(d.get('report_all_formats_median_seconds'), 1)} s{cpu_text}", "< 5 s", _lt(d.get("report_all_formats_median_seconds"), 5)))
        rows.append(("Friction report, same, nothing precomputed (judges the report month and its three trend months, and keeps them)", f"{_num(d.get('report_nothing_precomputed_seconds'), 1)} s", "(no target)", None))
    else:
        rows.append((f"Friction report, all four formats, {size}, judged from the data", f"{_num(d.get('report_all_formats_median_seconds'), 1)} s", "< 20 s", _lt(d.get("report_all_formats_median_seconds"), 20)))
    return rows


def _dashboard(d: Data) -> list[Row]:
    # The page figures come from the browser benchmark; the in-process one keeps what it alone
    # measures: precomputing after a sync, and a first view with nothing precomputed.
    scale = f"{d.get('leads_per_month', 0):,} leads/month × {d.get('months', 0)}, SQLite, in-process"
    rows: list[Row] = []
    if d.get("cache_warm_s") is not None:
        rows.append((f"Precomputing the Overview's {d.get('cache_warm_months')} months after a sync or import (`handoff cache warm`; {scale})", f"{_num(d.get('cache_warm_s'), 1)} s", "(no target)", None))
    if d.get("overview_uncached_s") is not None:
        rows.append((f"Overview script run with nothing precomputed (first view after new data with `--no-warm`; {scale}, Streamlit AppTest)", f"{_num(d.get('overview_uncached_s'), 1)} s", "(no target)", None))
    return rows


def _nudges(d: Data) -> list[Row]:
    return [
        (f"Nudge pass: deciding whom to tell, a month of {d.get('leads', 0):,} leads ({d.get('open_items', 0):,} open items), sending excluded", f"{_num(d.get('plan_s_median'), 2)} s", "< 1 s", _lt(d.get("plan_s_median"), 1)),
        (f"Nudges through Slack: {d.get('messages', 0)} DMs paced under Slack's per-method limits", f"{_num(d.get('send_s'), 1)} s, {d.get('rate_limited_429', '—')} answered 429", "0 × 429", d.get("rate_limited_429") == 0),
    ]


def _browser(d: Data) -> list[Row]:
    db = "PostgreSQL" if d.get("database") == "postgresql" else "SQLite"
    size = f"{d.get('leads_per_month', 0):,} leads/month × {d.get('months', 0)}"
    load = d.get("load_average_at_end")
    how = f"{size}, {db}, live clock, `handoff serve` + headless Chromium" + (
        f"; load average at the end {load[0]:g} on the 2 cores" if load else ""
    )
    target = float(d.get("targets", {}).get("new_session_minus_floor_s", 1.5))
    pages = d.get("pages", {})

    def worst(key: str) -> tuple[str, float | None]:
        found = [(v.get(key), name) for name, v in pages.items() if isinstance(v.get(key), int | float)]
        if not found:
            return "—", None
        value, name = max(found)
        return name, value

    again_page, again = worst("new_session_minus_floor_s")
    cold_page, cold = worst("cold_minus_floor_s")
    move_page, move = worst("sidebar_move_s")
    rss = d.get("rss_mb", {})
    passes = rss.get("after_each_pass_of_every_page") or [None]
    visits = [k for k in rss if k.startswith("every_")]
    track = rss.get(visits[0], []) if visits else []
    n_visits = visits[0].split("_of_", 1)[1].split("_", 1)[0] if visits else "0"
    return [
        (f"Dashboard page, first view in a new browser session, worst page ({again_page}), above the hello-world floor ({_num(d.get('floor_new_session_s'), 2)} s in the same run; {how})", f"+{_num(again, 2)} s", f"≤ +{target:g} s (hard +3 s)", None if again is None else again <= target),
        (f"Dashboard page, first view on a freshly started server once it answers (`handoff serve` answers after the warmer's first pass), worst page ({cold_page}), above the floor's ({_num(d.get('floor_cold_server_s'), 2)} s; same)", f"+{_num(cold, 2)} s", "≤ +3 s", None if cold is None else cold <= 3),
        *(
            [(f"Dashboard server start, from launching `handoff serve` until it answers its health check, the warmer's first pass included (hello-world: {_num(ready.get('hello_world'), 1)} s; same)", f"{_num(ready.get('handoff_serve'), 1)} s", "(no target)", None)]
            if (ready := d.get("server_ready_s") or {}).get("handoff_serve") is not None
            else []
        ),
        (f"Dashboard, moving to another page by the sidebar in one session, worst page ({move_page}; same)", f"{_num(move, 2)} s", "< 1 s", _lt(move, 1)),
        ("Dashboard drill-down, a rep's page to one lead's story in one session (same)", f"{_num(d.get('drilldown_lead_s'), 2)} s", "< 1 s", _lt(d.get("drilldown_lead_s"), 1)),
        (f"Dashboard server memory (RSS) after every page twice; then after {n_visits} more first views (same)", f"{_num(passes[-1], 0)} MB; {_num(track[-1] if track else None, 0)} MB (min {_num(min(track) if track else None, 0)}, max {_num(max(track) if track else None, 0)})", "< 1,536 MB, flat", _lt(max([*passes, *track], default=None) if None not in passes else None, 1536)),
    ]


MAKERS: dict[str, Callable[[Data], list[Row]]] = {
    "import": _import,
    "import_postgresql": _import,
    "calendar": _calendar,
    "engine": _engine,
    "engine_current": _engine_current,
    "demo": _demo,
    "demo_postgresql": _demo,
    "sync": _sync,
    "report": _report,
    "browser_sqlite_demo": _browser,
    "browser_sqlite_100k": _browser,
    "browser_postgresql_100k": _browser,
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
