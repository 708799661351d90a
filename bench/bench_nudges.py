"""The nudge planner over a month of 100,000 leads (about 5,000 open items), and Slack pacing.

Run: .venv/bin/python bench/bench_nudges.py [--messages 40]

1. Planning: the engine's item verdicts for two per-item SLAs over 100,000 leads (200,000 items,
   5,000 of them open, some breached in the last days), 240 reps in 12 teams on 3 calendars, a
   nudge log of 20,000 earlier sends; `plan_nudges` decides whom to tell at a working instant.
   Sending is excluded. Median of 7 runs.
2. Sending: `--messages` nudges through the real slack_sdk to the fake Slack Web API on
   127.0.0.1, which answers 429 whenever a method is called faster than Slack allows (Tier 3
   users.lookupByEmail ~50/min, chat.postMessage ~1/s): the count of 429s must stay 0.

Prints one JSON line and writes it to bench/out/nudges.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fakes.slack_server import TOKEN, slack_server  # noqa: E402

from models.config import parse_config  # noqa: E402
from models.engine import columns as E  # noqa: E402
from models.nudges import planner as P  # noqa: E402
from reports.nudges.channels import SlackChannel  # noqa: E402
from reports.nudges.messages import Message  # noqa: E402

AS_OF = pd.Timestamp("2026-10-21 15:00", tz="UTC")  # a Wednesday, 11:00 in New York
WEEK = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
SLA_FILE = {
    "calendars": {
        "ny": {"timezone": "America/New_York", "hours": WEEK, "holidays": {"country": "US", "subdiv": "NY"}},
        "la": {"timezone": "America/Los_Angeles", "hours": WEEK},
        "ldn": {"timezone": "Europe/London", "hours": WEEK},
    },
    "sla": [
        {"id": "first-touch", "kind": "first_touch", "provider": "sales", "calendar": "ny", "within": "4h", "target_pct": 90},
        {"id": "attempts", "kind": "follow_up_attempts", "provider": "sales", "calendar": "ny", "within": "40h", "min_attempts": 6, "target_pct": 85},
    ],
    "nudges": {"digest": True},
}  # fmt: skip


def organisation(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    calendars = ["ny", "la", "ldn"]
    teams = pd.DataFrame({
        "team_id": [f"T{i}" for i in range(12)], "name": [f"Team {i}" for i in range(12)],
        "tier": "sales", "calendar": [calendars[i % 3] for i in range(12)],
        "manager_email": [f"manager{i}@example.com" for i in range(12)],
    })  # fmt: skip
    owners = pd.DataFrame({
        "owner_id": [f"O{i}" for i in range(240)], "name": [f"Rep {i}" for i in range(240)],
        "email": [f"rep{i}@example.com" for i in range(240)],
        "team_id": [f"T{i % 12}" for i in range(240)], "active": True,
    })  # fmt: skip
    return teams, owners


def items_for_month(rng: np.random.Generator, leads: int, open_items: int) -> pd.DataFrame:
    frames = []
    for sla_id, target in (("first-touch", 240.0), ("attempts", 2400.0)):
        owner = rng.integers(0, 240, leads)
        state = np.full(leads, E.MET, dtype=object)
        state[rng.choice(leads, leads // 10, replace=False)] = E.BREACHED
        opened = rng.choice(leads, open_items // 2, replace=False)
        state[opened] = E.OPEN
        elapsed = np.where(state == E.OPEN, rng.uniform(0, target, leads), rng.uniform(0, target * 1.5, leads))
        start = AS_OF - pd.to_timedelta(rng.uniform(0, 20 * 24 * 60, leads), unit="min")
        breached_at = pd.Series(pd.NaT, index=range(leads), dtype="datetime64[ns, UTC]")
        late = state == E.BREACHED
        breached_at[late] = AS_OF - pd.to_timedelta(rng.uniform(0, 10 * 24 * 60, late.sum()), unit="min")
        frames.append(pd.DataFrame({
            E.SLA_ID: sla_id, E.KIND: "first_touch" if sla_id == "first-touch" else "follow_up_attempts",
            E.ITEM_ID: [f"L{i}" for i in range(leads)], E.LEAD_ID: [f"L{i}" for i in range(leads)],
            E.DEAL_ID: None, E.OWNER_ID: [f"O{o}" for o in owner], E.TEAM_ID: [f"T{o % 12}" for o in owner],
            E.MONTH: "2026-10", E.STATE: state, E.START: start, E.ELAPSED: elapsed, E.TARGET: target,
            E.REMAINING: np.where(state == E.OPEN, target - elapsed, np.nan),
            E.DUE_AT: start + pd.to_timedelta(target * 3, unit="min"), E.BREACHED_AT: breached_at,
            E.CALENDAR: "ny",
        }))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def earlier_log(items: pd.DataFrame, rng: np.random.Generator, rows: int) -> pd.DataFrame:
    sample = items.sample(rows, random_state=1)
    return pd.DataFrame({
        E.SLA_ID: sample[E.SLA_ID].to_numpy(), E.ITEM_ID: sample[E.ITEM_ID].to_numpy(),
        P.STAGE: "half", P.RANK: 1, P.RECIPIENT: "rep" + sample[E.OWNER_ID].str[1:] + "@example.com",
        "status": "sent", "attempts": 1, "claimed_at": AS_OF - pd.Timedelta(days=2), "next_attempt_at": pd.NaT,
    })  # fmt: skip


def bench_plan(leads: int, open_items: int, repeats: int) -> dict[str, Any]:
    rng = np.random.default_rng(20261021)
    config = parse_config(SLA_FILE, "bench")
    teams, owners = organisation(rng)
    items = items_for_month(rng, leads, open_items)
    log = earlier_log(items, rng, 20_000)
    seconds, planned = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        planned = P.plan_nudges(
            items=items, owners=owners, teams=teams, calendars=config.calendars, config=config.nudges,
            log=log, as_of=AS_OF.to_pydatetime(), channels=["slack", "email"],
            targets={"first-touch": 90.0, "attempts": 85.0},
        )  # fmt: skip
        seconds.append(time.perf_counter() - started)
    assert planned is not None
    return {
        "leads": leads,
        "items": len(items),
        "open_items": int((items[E.STATE] == E.OPEN).sum()),
        "log_rows": len(log),
        "plan_s_median": round(statistics.median(seconds), 3),
        "to_send": len(planned.send),
        "waiting": len(planned.waiting),
    }


def bench_send(messages: int) -> dict[str, Any]:
    users = {f"rep{i}@example.com": f"U{i:05d}" for i in range(messages)}
    with slack_server(users) as fake:
        # Slack's own limits, enforced by the fake: a call closer than this is answered 429.
        fake.min_spacing = {"users.lookupByEmail": 60 / 50, "chat.postMessage": 1.0}
        channel = SlackChannel(TOKEN, base_url=fake.base_url)
        started = time.perf_counter()
        for address in users:
            channel.send(address, Message("s", "Breached: first touch", "t"))
        wall = time.perf_counter() - started
        return {"messages": len(fake.messages), "send_s": round(wall, 1), "rate_limited_429": fake.rate_limited}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--open-items", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--messages", type=int, default=40)
    args = parser.parse_args()
    result = {"name": "nudges", **bench_plan(args.leads, args.open_items, args.repeats), **bench_send(args.messages)}
    print(json.dumps(result))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "nudges.json").write_text(json.dumps(result) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
