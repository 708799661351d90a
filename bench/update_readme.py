"""Write the figures in bench/out/*.json into README.md's benchmark table.

Each benchmark script writes one JSON object with at least `name`; this script turns the known ones
into rows (figure, target, verdict) between the `<!-- bench:start -->` and `<!-- bench:end -->` marks.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"

Row = tuple[str, str, str, bool | None]


def _num(value: Any, digits: int = 2) -> str:
    return f"{value:,.{digits}f}" if isinstance(value, int | float) else "—"


def _rows_for(data: dict[str, Any]) -> list[Row]:
    name = data.get("name", "")
    rows: list[Row] = []
    makers: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
        "import_100k_leads_1M_activities": lambda d: [
            (
                "CSV import, 100k leads + 1M activities (SQLite): wall",
                f"{_num(d.get('wall_s_median'), 1)} s",
                "< 60 s",
                _lt(d.get("wall_s_median"), 60),
            ),
            (
                "CSV import, same: peak memory",
                f"{_num(d.get('peak_rss_mb'), 0)} MB",
                "< 2,048 MB",
                _lt(d.get("peak_rss_mb"), 2048),
            ),
        ],
        "business_time_kernel": lambda d: [
            (
                "Business-time kernel vs businesstimedelta, 10k pairs",
                f"{_num(d.get('speedup'), 0)}× faster (ours {_num(d.get('ours_s_median'), 4)} s)",
                "≥ 100×, identical results",
                _ge(d.get("speedup"), 100),
            ),
        ],
        "evaluate_month_1M_leads_5M_activities": lambda d: [
            (
                "Evaluate one month, 1M leads / 5M activities (SQLite): wall",
                f"{_num(d.get('wall_s_median'), 2)} s",
                "< 5 s",
                _lt(d.get("wall_s_median"), 5),
            ),
            (
                "Evaluate one month, same: peak memory",
                f"{_num(d.get('peak_rss_mb'), 0)} MB",
                "< 3,072 MB",
                _lt(d.get("peak_rss_mb"), 3072),
            ),
        ],
        "demo_generation": lambda d: [
            (
                "`handoff demo` (12 months × 1,500 leads)",
                f"{_num(d.get('wall_s_median'), 1)} s",
                "< 30 s",
                _lt(d.get("wall_s_median"), 30),
            ),
        ],
    }
    if name in makers:
        rows.extend(makers[name](data))
    elif "rows" in data and isinstance(data["rows"], list):
        rows.extend(
            (r["figure"], r["value"], r.get("target", ""), r.get("ok")) for r in data["rows"]
        )
    return rows


def _lt(value: Any, limit: float) -> bool | None:
    return None if not isinstance(value, int | float) else value < limit


def _ge(value: Any, limit: float) -> bool | None:
    return None if not isinstance(value, int | float) else value >= limit


def render_table() -> str:
    """The Markdown table of every figure in bench/out."""
    lines = [
        f"Measured on {platform.machine()} with 2 cores (medians of repeats; `python bench/<script>.py` "
        "re-measures, then `python bench/update_readme.py` rewrites this table).",
        "",
        "| figure | measured | target | |",
        "|---|---|---|---|",
    ]
    for path in sorted(OUT.glob("*.json")):
        data = json.loads(path.read_text())
        for figure, value, target, ok in _rows_for(data):
            mark = {True: "✅", False: "❌", None: ""}[ok]
            lines.append(f"| {figure} | {value} | {target} | {mark} |")
    return "\n".join(lines)


def main() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    if START not in readme or END not in readme:
        raise SystemExit(f"README.md has no {START} ... {END} section")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    (ROOT / "README.md").write_text(
        f"{head}{START}\n{render_table()}\n{END}{tail}", encoding="utf-8"
    )
    print(render_table())


if __name__ == "__main__":
    main()
