"""Dashboard speed as a person meets it: a fresh `handoff serve`, headless Chromium, the live clock.

    .venv/bin/python bench/bench_browser.py                                # demo size, SQLite
    .venv/bin/python bench/bench_browser.py --leads-per-month 100000       # 100k/month x 12
    .venv/bin/python bench/bench_browser.py --leads-per-month 100000 --database postgresql

The database is the demo organisation at the wanted size, generated once with the clock at the
build instant and its verdicts precomputed as `handoff demo` leaves them (a SQLite file under
/tmp/handoff-bench/, or a PostgreSQL database `handoff_bench_<months>x<leads>`), reused while its
size matches. The dashboard runs as `handoff serve --headless` with the live clock (no
HANDOFF_NOW); Playwright drives Debian's chromium. Every figure is the time from navigation (or
the click) until Streamlit has stopped running the page and the page's heading is shown.

Measured in one run, so a busy machine slows the floor and the pages alike:

- floor: a hello-world Streamlit app served the same way (`streamlit run`), its first view on a
  fresh server and again in new browser sessions;
- each page's first view in a new browser session on a freshly started server ("cold": once it
  answers its health check, which `handoff serve` does after the warmer's first pass; the
  seconds until then are `server_ready_s`), then again in new sessions on that server ("again");
- moving between pages by the sidebar within one session (every page, twice round);
- a drill-down to one lead within a session (rep chosen, then the lead);
- the server's memory (RSS of `handoff serve` and its streamlit child) after each pass, and after
  `--visits` more first views in new sessions (every page in turn).

Medians of `--repeats`, and each median's distance from the floor's median. Writes
bench/out/browser_<database>_<size>.json and prints it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
WORK = Path(tempfile.gettempdir()) / "handoff-bench"
CONFIG = ROOT / "data" / "sla.toml"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Page address -> (sidebar label, text of the page's heading).
PAGES = {
    "overview": ("Overview", "Overview"),
    "follow_up": ("Follow-up", "Follow-up"),
    "service": ("Service handoff", "Service handoff"),
    "friction": ("Friction", "friction report"),
    "drilldown": ("Drill-down", "Drill-down"),
    "sla_settings": ("SLA settings", "SLA settings"),
    "data": ("Data", "Data"),
}
HELLO = 'import streamlit as st\n\nst.title("Hello world")\nst.write("The floor.")\n'
# Done: the script is not running, nothing is stale, and the wanted heading is on screen.
_DONE = """([tag, text]) => {
    const app = document.querySelector('.stApp');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
    return [...document.querySelectorAll(`[data-testid="stMainBlockContainer"] ${tag}`)]
        .some(h => h.innerText.includes(text));
}"""
_ERRORS = """() => [...document.querySelectorAll(
    '[data-testid="stException"], [data-testid="stAlertContentError"]')].map(e => e.innerText)"""


# ---------------------------------------------------------------------------------------------
# The database


def database_url(kind: str, months: int, leads_per_month: int, pg_admin: str) -> str:
    name = f"handoff_bench_{months}x{leads_per_month}"
    if kind == "sqlite":
        WORK.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{WORK / name}.db"
    return pg_admin.rsplit("/", 1)[0] + "/" + name


def build_database(url: str, months: int, leads_per_month: int) -> dict[str, Any]:
    """The demo organisation at the wanted size with its verdicts precomputed (as `handoff demo`
    leaves them); reused while the marker file says the size matches."""
    from sqlalchemy import create_engine, text

    from connectors.demo import load_demo
    from models.store import Store
    from models.verdicts.cache import warm_cache

    WORK.mkdir(parents=True, exist_ok=True)
    marker = WORK / (url.rsplit("/", 1)[1].removesuffix(".db") + f".{url.split(':')[0]}.params")
    wanted = {"months": months, "leads_per_month": leads_per_month}
    if marker.exists():
        built = json.loads(marker.read_text())
        if built["params"] == wanted:
            # Kept verdicts are tied to the code that judged them: after a code change this is
            # the `handoff cache warm` a deploy runs (nothing to do when they still fit).
            rewarmed = warm_cache(Store(url), CONFIG, as_of=datetime.now(UTC))
            return {**built, "rewarmed_months": rewarmed["computed"]}
    if url.startswith("postgresql"):
        admin_url, name = url.rsplit("/", 1)
        admin_url = "postgresql+psycopg://" + admin_url.split("://", 1)[1]
        admin = create_engine(f"{admin_url}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    else:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    store = Store(url)
    now = datetime.now(UTC)
    started = time.perf_counter()
    counts = load_demo(store, months=months, leads_per_month=leads_per_month, now=now)
    loaded = time.perf_counter() - started
    warmed = warm_cache(store, CONFIG, as_of=now)
    built = {
        "params": wanted,
        "counts": counts,
        "built_at": now.isoformat(timespec="seconds"),
        "load_seconds": round(loaded, 1),
        "warm_seconds": warmed["seconds"],
    }
    marker.write_text(json.dumps(built))
    return built


def pick_lead(url: str) -> dict[str, str]:
    """A breached first-touch lead of this month with its team and rep (for the drill-down)."""
    from zoneinfo import ZoneInfo

    from models.config import load_config
    from models.store import Store
    from models.verdicts.cache import cached_evaluations, month_zone

    config = load_config(CONFIG)
    now = datetime.now(UTC)
    month = now.astimezone(ZoneInfo(month_zone(config))).strftime("%Y-%m")
    evaluation = cached_evaluations(Store(url), config, [month], as_of=now)[0]
    items = evaluation.sla("first-touch").items
    chosen = items[items["owner_id"].notna() & items["team_id"].notna()]
    breached = chosen[chosen["state"] == "breached"]
    row = (breached if not breached.empty else chosen).iloc[0]
    return {
        "month": month,
        "team": str(row["team_id"]),
        "rep": str(row["owner_id"]),
        "lead": str(row["lead_id"]),
    }


# ---------------------------------------------------------------------------------------------
# Servers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(command: list[str], env: dict[str, str], log: Path) -> Iterator[tuple[str, int]]:
    """Start a dashboard server in its own process group; yield its address and group id once it
    answers its health check (`handoff serve` opens its port after the warmer's first pass); the
    seconds that took are appended to STARTUPS under the command's name."""
    port = _free_port()
    launched = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(
            [*command, "--port" if command[0].endswith("handoff") else "--server.port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://localhost:{port}"
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                        if reply.status == 200:
                            break
                except OSError:
                    time.sleep(0.2)
            else:
                raise SystemExit(f"the server did not start within 300 s; see {log}")
            name = "handoff" if command[0].endswith("handoff") else "hello"
            STARTUPS.setdefault(name, []).append(time.perf_counter() - launched)
            yield url, process.pid
        finally:
            os.killpg(process.pid, 15)  # the server and its streamlit child, nothing else
            process.wait(timeout=30)


STARTUPS: dict[str, list[float]] = {}


def group_rss_mb(group: int) -> float:
    """Resident memory of every process in the process group `group`, in MB."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) != group:  # pgrp
                continue
            total += int(fields[21])  # rss, pages
        except (OSError, IndexError, ValueError):
            continue
    return round(total * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def server_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "HANDOFF_NOW"}  # the live clock
    env.update(
        DATABASE_URL=url,
        HANDOFF_CONFIG=str(CONFIG),
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
    )
    return env


# ---------------------------------------------------------------------------------------------
# The browser


class Browser:
    def __init__(self, chromium: Any) -> None:
        self.chromium = chromium
        self.errors: list[str] = []

    def wait(self, tab: Any, text: str, tag: str = "h1") -> None:
        tab.wait_for_function(_DONE, arg=[tag, text], polling=25, timeout=300_000)

    def check(self, tab: Any, where: str) -> None:
        found = tab.evaluate(_ERRORS)
        if found:
            self.errors.append(f"{where}: {found[0][:300]}")

    def first_view(self, address: str, heading: str, where: str) -> float:
        """A new browser session opens `address`: seconds until the page has finished."""
        context = self.chromium.new_context(viewport={"width": 1440, "height": 1000})
        try:
            tab = context.new_page()
            started = time.perf_counter()
            tab.goto(address)
            self.wait(tab, heading)
            elapsed = time.perf_counter() - started
            self.check(tab, where)
            return elapsed
        finally:
            context.close()

    def sidebar_moves(self, base: str, query: str, rounds: int) -> dict[str, list[float]]:
        """One session: open the Overview, then every page by its sidebar link, `rounds` times."""
        context = self.chromium.new_context(viewport={"width": 1440, "height": 1000})
        moves: dict[str, list[float]] = {page: [] for page in PAGES}
        try:
            tab = context.new_page()
            tab.goto(f"{base}/overview?{query}")
            self.wait(tab, PAGES["overview"][1])
            order = [*list(PAGES)[1:], "overview"]
            for _ in range(rounds):
                for page in order:
                    label, heading = PAGES[page]
                    link = tab.locator('[data-testid="stSidebarNav"] a', has_text=label).first
                    started = time.perf_counter()
                    link.click()
                    self.wait(tab, heading)
                    moves[page].append(time.perf_counter() - started)
                    self.check(tab, f"sidebar to {page}")
        finally:
            context.close()
        return moves

    def drilldown(self, base: str, lead: dict[str, str], repeats: int) -> list[float]:
        """One session on a rep's drill-down: choose a lead, seconds until its story is drawn."""
        context = self.chromium.new_context(viewport={"width": 1440, "height": 1000})
        times: list[float] = []
        try:
            tab = context.new_page()
            query = f"month={lead['month']}&team={lead['team']}&rep={lead['rep']}"
            tab.goto(f"{base}/drilldown?{query}")
            self.wait(tab, "items", tag="h3")
            for _ in range(repeats):
                box = tab.locator(
                    '[data-testid="stSelectbox"]', has=tab.get_by_text("Lead", exact=True)
                ).first
                box.click()
                tab.keyboard.type(lead["lead"])
                option = tab.locator('[role="option"]').filter(has_text=lead["lead"]).first
                option.wait_for()
                started = time.perf_counter()
                option.click()
                self.wait(tab, f"Lead {lead['lead']}", tag="h3")
                times.append(time.perf_counter() - started)
                self.check(tab, "drill-down to a lead")
                # Back to the rep (no lead) for the next repeat.
                tab.goto(f"{base}/drilldown?{query}")
                self.wait(tab, "items", tag="h3")
        finally:
            context.close()
        return times


# ---------------------------------------------------------------------------------------------


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--leads-per-month", type=int, default=1500)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--pg-admin",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="any database on the server",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--visits", type=int, default=100, help="first views for the memory figure")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated page addresses")
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    pages = [p for p in args.pages.split(",") if p]

    url = database_url(args.database, args.months, args.leads_per_month, args.pg_admin)
    built = build_database(url, args.months, args.leads_per_month)
    print(f"database {url}: {built}", flush=True)
    if args.build_only:
        return
    lead = pick_lead(url)
    query = f"month={lead['month']}"
    handoff = [str(Path(sys.executable).parent / "handoff"), "serve", "--headless"]
    WORK.mkdir(parents=True, exist_ok=True)
    hello = WORK / "hello.py"
    hello.write_text(HELLO)
    floor_cmd = [sys.executable, "-m", "streamlit", "run", str(hello), "--server.headless=true"]

    from playwright.sync_api import sync_playwright

    result: dict[str, Any] = {
        "benchmark": "browser",
        "database": args.database,
        "months": args.months,
        "leads_per_month": args.leads_per_month,
        "rows": built["counts"],
        "data_built_at": built["built_at"],
        "rewarmed_months_before_measuring": built.get("rewarmed_months"),
        "clock": "live",
        "lead": lead,
    }
    floor_cold: list[float] = []
    floor_again: list[float] = []
    cold: dict[str, list[float]] = {p: [] for p in pages}
    again: dict[str, list[float]] = {p: [] for p in pages}
    rss_after_pass: list[float] = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        browser = Browser(chromium)
        for repeat in range(args.repeats):
            with serve(floor_cmd, server_env(url), WORK / "hello.log") as (base, _):
                floor_cold.append(browser.first_view(base, "Hello world", "floor"))
                floor_again.append(browser.first_view(base, "Hello world", "floor"))
            for page in pages:
                with serve(handoff, server_env(url), WORK / f"serve-{page}.log") as (base, group):
                    address = f"{base}/{page}?{query}"
                    cold[page].append(browser.first_view(address, PAGES[page][1], page))
                    again[page].append(browser.first_view(address, PAGES[page][1], page))
            print(
                f"pass {repeat + 1}: floor {floor_cold[-1]:.2f} s; "
                + ", ".join(f"{p} {cold[p][-1]:.2f}/{again[p][-1]:.2f}" for p in pages),
                flush=True,
            )
        # One server for the rest: every page in turn, sidebar moves, drill-down, many visits.
        with serve(handoff, server_env(url), WORK / "serve-long.log") as (base, group):
            rss_started = group_rss_mb(group)
            for _ in range(2):
                for page in pages:
                    browser.first_view(f"{base}/{page}?{query}", PAGES[page][1], page)
                rss_after_pass.append(group_rss_mb(group))
            moves = browser.sidebar_moves(base, query, rounds=2)
            lead_times = browser.drilldown(base, lead, args.repeats)
            rss_after_moves = group_rss_mb(group)
            visits: list[float] = []
            rss_track: list[float] = []
            for index in range(args.visits):
                page = pages[index % len(pages)]
                visits.append(browser.first_view(f"{base}/{page}?{query}", PAGES[page][1], page))
                if (index + 1) % len(pages) == 0:
                    rss_track.append(group_rss_mb(group))
            rss_final = group_rss_mb(group)
        chromium.close()

    floor = median(floor_again) or 0.0
    result.update(
        floor_cold_server_s=median(floor_cold),
        floor_new_session_s=median(floor_again),
        pages={
            page: {
                "cold_server_s": median(cold[page]),
                "new_session_s": median(again[page]),
                "cold_minus_floor_s": round(
                    (median(cold[page]) or 0) - (median(floor_cold) or 0), 3
                ),
                "new_session_minus_floor_s": round((median(again[page]) or 0) - floor, 3),
                "sidebar_move_s": median(moves[page][1:] or moves[page]),
                "samples": {"cold": cold[page], "again": again[page], "sidebar": moves[page]},
            }
            for page in pages
        },
        worst_new_session_minus_floor_s=max(
            round((median(again[p]) or 0) - floor, 3) for p in pages
        ),
        worst_cold_minus_floor_s=max(
            round((median(cold[p]) or 0) - (median(floor_cold) or 0), 3) for p in pages
        ),
        worst_sidebar_move_s=max(median(moves[p][1:] or moves[p]) or 0 for p in pages),
        server_ready_s={
            "hello_world": median(STARTUPS.get("hello", [])),
            "handoff_serve": median(STARTUPS.get("handoff", [])),
            "what": "median seconds from launching the server until its health check answers "
            "(handoff serve: after the warmer's first pass, which makes the default views ready)",
        },
        drilldown_lead_s=median(lead_times),
        drilldown_samples=[round(v, 3) for v in lead_times],
        rss_mb={
            "server_started": rss_started,
            "after_each_pass_of_every_page": rss_after_pass,
            "after_sidebar_and_drilldown": rss_after_moves,
            f"every_{len(pages)}_of_{args.visits}_more_visits": rss_track,
            "final": rss_final,
        },
        visits_median_s=median(visits),
        errors=browser.errors[:20],
        repeats=args.repeats,
        targets={
            "new_session_minus_floor_s": 1.5 if args.leads_per_month > 10_000 else 0.5,
            "hard_limit_minus_floor_s": 3.0,
            "sidebar_move_s": 1.0,
            "drilldown_lead_s": 1.0,
            "rss_mb": 1536,
        },
        load_average_at_end=[round(v, 1) for v in os.getloadavg()],
        measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    OUT.mkdir(parents=True, exist_ok=True)
    size = "demo" if args.leads_per_month <= 1500 else f"{args.leads_per_month // 1000}k"
    name = f"browser_{args.database}_{size}.json"
    (OUT / name).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
