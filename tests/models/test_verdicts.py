"""The verdict service on a real database (SQLite or PostgreSQL): `handoff evaluate` in all three
formats, frozen months, disputes, SLA versions and the holiday list."""

from __future__ import annotations

import copy
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import tomli_w
from engine_builders import BASE_SLA_FILE, OWNERS, TEAMS, act, deal, lead
from typer.testing import CliRunner

from cli import app
from models import tables as T
from models.config import parse_config
from models.engine import columns as E
from models.errors import BadInputError
from models.store import Store
from models.time.months import months_before, months_through
from models.verdicts.service import (
    decide_dispute,
    evaluate_month,
    freeze_month,
    list_disputes,
    raise_dispute,
    sync_sla_versions,
)

MON = "2026-10-05"
AS_OF = "2026-11-05T00:00:00+00:00"
NOW = datetime(2026, 11, 5, tzinfo=UTC)
runner = CliRunner()


def _load(store: Store) -> None:
    store.upsert_frame("team", pd.DataFrame(TEAMS))
    store.upsert_frame("owner", pd.DataFrame(OWNERS).assign(active=True))
    store.upsert_frame(
        "lead",
        pd.DataFrame(
            [
                lead("MET", f"{MON} 09:00", assigned=f"{MON} 09:30"),
                lead("LATE", f"{MON} 09:00"),
                lead("WEST", f"{MON} 09:00", owner="west"),
                lead(
                    "SEPT", "2026-09-30 10:00", assigned=f"{MON} 10:00"
                ),  # clock starts in October
                lead("NOV", "2026-11-02 10:00"),
                lead("GONE", f"{MON} 09:00"),
            ]
        ),
    )
    store.upsert_frame(
        "activity",
        pd.DataFrame(
            [
                act("MET", f"{MON} 10:00", activity_id="A-MET"),
                act("LATE", f"{MON} 15:00", activity_id="A-LATE"),
                act("LATE", "2026-11-20 10:00", activity_id="A-FUTURE"),
                act("SEPT", f"{MON} 11:00", activity_id="A-SEPT"),
                act("MET", f"{MON} 12:00", "note", activity_id="A-NOTE"),
            ]
        ),
    )
    store.upsert_frame("deal", pd.DataFrame([deal("D1", "MET", "2026-10-07 10:00", owner="csm")]))
    store.mark_deleted("lead", ["GONE"], NOW)


@pytest.fixture
def sla_path(tmp_path: Path) -> Path:
    path = tmp_path / "sla.toml"
    path.write_text(tomli_w.dumps(BASE_SLA_FILE), encoding="utf-8")
    return path


@pytest.fixture
def loaded(store: Store, cli_env: dict[str, str]) -> Store:
    _load(store)
    return store


def _evaluate(sla_path: Path, *args: str) -> Any:
    return runner.invoke(
        app, ["evaluate", "--month", "2026-10", "--as-of", AS_OF, "--config", str(sla_path), *args]
    )


def test_store_reads_the_month_as_known_at_as_of(loaded: Store) -> None:
    frames = loaded.read_sla_inputs(
        datetime(2026, 9, 30, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC), NOW
    )
    assert set(frames["leads"]["lead_id"]) == {"MET", "LATE", "WEST", "SEPT"}
    assert "A-FUTURE" not in set(frames["activities"]["activity_id"])
    assert "A-NOTE" not in set(frames["activities"]["activity_id"])
    assert str(frames["leads"]["handed_off_at"].dt.tz) == "UTC"


def test_store_reads_only_activities_that_can_stop_a_clock_with_their_values(
    loaded: Store,
) -> None:
    loaded.upsert_frame(
        "activity",
        pd.DataFrame(
            [
                act("LATE", f"{MON} 10:00", direction="inbound", activity_id="A-IN-CALL"),
                act("LATE", f"{MON} 10:05", "email", direction=None, activity_id="A-NO-DIR"),
                act(
                    "LATE", f"{MON} 10:10", "meeting", direction="inbound", activity_id="A-IN-MEET"
                ),
                act("LATE", f"{MON} 10:20", "meeting", direction=None, activity_id="A-MEET"),
                act("LATE", f"{MON} 10:30", outcome="busy", activity_id="A-BUSY"),
            ]
        ),
    )
    window = (datetime(2026, 9, 30, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC))

    def read() -> dict[str, tuple[Any, ...]]:
        found = loaded.read_sla_inputs(*window, NOW)["activities"].set_index("activity_id")
        return {
            str(key): tuple(None if pd.isna(v) else v for v in row)
            for key, row in found[["type", "direction", "outcome"]].iterrows()
        }

    known = read()
    # An inbound (or undirected) call or email is never a contact, an attempt or a reach.
    assert "A-IN-CALL" not in known and "A-NO-DIR" not in known
    assert known["A-IN-MEET"] == ("meeting", "inbound", None)
    assert known["A-MEET"] == ("meeting", None, None)
    assert known["A-BUSY"] == ("call", "outbound", "busy")
    assert known["A-MET"] == ("call", "outbound", None)
    # A value outside the known labels is read back as it is on file.
    loaded.upsert_frame(
        "activity",
        pd.DataFrame(
            [act("LATE", f"{MON} 10:40", "meeting", direction="sideways", activity_id="A-ODD")]
        ),
    )
    odd = read()
    assert odd["A-ODD"] == ("meeting", "sideways", None)
    assert odd["A-BUSY"] == ("call", "outbound", "busy")
    assert set(odd) == set(known) | {"A-ODD"}


def test_evaluate_json_has_the_spec_shape(loaded: Store, sla_path: Path) -> None:
    result = _evaluate(sla_path, "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["month"] == "2026-10" and payload["as_of"] == AS_OF
    by_id = {s["id"]: s for s in payload["slas"]}
    for sla in payload["slas"]:
        assert {"id", "kind", "provider", "target_pct", "compliance_pct", "met"} <= set(sla)
    first = by_id["first-touch"]
    assert first["counts"] == {"met": 2, "breached": 2, "open": 0, "excluded": 0}
    assert first["compliance_pct"] == 50.0 and first["met"] is False
    required = {
        "lead_id",
        "owner_id",
        "team_id",
        "state",
        "start",
        "stop",
        "elapsed_business_minutes",
        "target_minutes",
    }
    items = {i["lead_id"]: i for i in first["items"]}
    assert set(items) == {"MET", "LATE", "WEST", "SEPT"}
    assert all(required <= set(i) for i in first["items"])
    assert items["LATE"]["stop"] == "2026-10-05T19:00:00+00:00"  # A-FUTURE is after as_of
    assert items["LATE"]["elapsed_business_minutes"] == 360.0
    assert items["MET"]["start"] == "2026-10-05T13:30:00+00:00"
    assert items["MET"]["routing_delay_minutes"] == 30.0
    assert "attempts" in by_id["attempts"]["items"][0] and "average_attempts" in by_id["attempts"]
    assert by_id["service"]["items"][0]["deal_id"] == "D1"
    assert by_id["service"]["items"][0]["state"] == "breached"
    # Nobody in service has reached the customer: the service queue's, the closer beside it.
    assert by_id["service"]["items"][0]["owner_id"] is None
    assert by_id["service"]["items"][0]["closed_by_owner_id"] == "csm"
    quota = by_id["mql"]
    assert {"target", "delivered", "accepted", "attainment_pct", "met"} <= set(quota)
    assert (quota["delivered"], quota["accepted"], quota["attainment_pct"]) == (3, 3, 75.0)


def test_evaluate_table_is_one_line_per_sla_with_worst_teams(loaded: Store, sla_path: Path) -> None:
    result = _evaluate(sla_path, "--format", "table")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("SLA verdicts for 2026-10")
    body = lines[2:]
    assert [line.split()[0] for line in body] == ["first-touch", "attempts", "service", "mql"]
    first = body[0]
    assert "50.0%" in first and "90.0%" in first and "MISSED" in first
    assert "worst: sales-east" in first or "worst: sales-west" in first


def test_evaluate_csv_lists_every_item(loaded: Store, sla_path: Path) -> None:
    result = _evaluate(sla_path, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(io.StringIO(result.output))
    assert list(rows.columns) == list(E.ITEM_COLUMNS)
    assert len(rows) == 4 + 4 + 1
    assert rows["start"].str.endswith("+00:00").all()


def test_evaluate_team_filter(loaded: Store, sla_path: Path) -> None:
    result = _evaluate(sla_path, "--format", "json", "--team", "sales-west")
    first = {s["id"]: s for s in json.loads(result.output)["slas"]}["first-touch"]
    assert [i["lead_id"] for i in first["items"]] == ["WEST"]


@pytest.mark.parametrize(
    ("change", "key_path"),
    [
        ('kind = "first_touch"', "kind"),
        ('within = "4h"', "within"),
        ('calendar = "ny"', "calendar"),
    ],
)
def test_bad_sla_file_exits_2_naming_the_key(
    loaded: Store, tmp_path: Path, change: str, key_path: str
) -> None:
    bad = {
        "kind": 'kind = "first_tuch"',
        "within": 'within = "4 hours"',
        "calendar": 'calendar = "mars"',
    }[key_path]
    text = tomli_w.dumps(BASE_SLA_FILE).replace(change, bad, 1)
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--month", "2026-10", "--config", str(path)])
    assert result.exit_code == 2
    assert f"sla[0] (first-touch).{key_path}" in result.output


@pytest.mark.parametrize(
    ("hours", "zone", "expected"),
    [
        (
            '["09:00-13:00", "12:00-17:00"]',
            "America/New_York",
            "calendars.ny.hours.mon: intervals overlap",
        ),
        ('["09:00-17:00"]', "Mars/Olympus", "calendars.ny.timezone: expected an IANA time zone"),
    ],
)
def test_bad_calendar_exits_2(
    loaded: Store, tmp_path: Path, hours: str, zone: str, expected: str
) -> None:
    data = copy.deepcopy(BASE_SLA_FILE)
    data["calendars"]["ny"]["timezone"] = zone
    data["calendars"]["ny"]["hours"]["mon"] = json.loads(hours)
    path = tmp_path / "bad.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--month", "2026-10", "--config", str(path)])
    assert result.exit_code == 2
    assert expected in result.output


@pytest.mark.parametrize("month", ["2026-13", "october", "2026-1"])
def test_bad_month_exits_2(loaded: Store, sla_path: Path, month: str) -> None:
    result = runner.invoke(app, ["evaluate", "--month", month, "--config", str(sla_path)])
    assert result.exit_code == 2 and "YYYY-MM" in result.output


def test_freeze_keeps_a_month_as_it_was_until_refrozen(loaded: Store, sla_path: Path) -> None:
    early = runner.invoke(
        app,
        [
            "freeze",
            "--month",
            "2026-10",
            "--as-of",
            "2026-10-20T00:00:00Z",
            "--config",
            str(sla_path),
        ],
    )
    assert early.exit_code == 2 and "not closed" in early.output
    frozen = runner.invoke(
        app,
        [
            "freeze",
            "--month",
            "2026-10",
            "--as-of",
            AS_OF,
            "--by",
            "mia",
            "--note",
            "October close",
            "--config",
            str(sla_path),
        ],
    )
    assert frozen.exit_code == 0, frozen.output
    # Later data arrives: the frozen month does not change.
    loaded.upsert_frame(
        "activity", pd.DataFrame([act("WEST", f"{MON} 09:30", owner="west", activity_id="A-W")])
    )
    again = evaluate_month(loaded, sla_path, "2026-10", as_of=datetime(2026, 12, 1, tzinfo=UTC))
    assert again.frozen is not None and again.frozen["frozen_by"] == "mia"
    assert again.sla("first-touch").counts["met"] == 2
    assert again.as_of == NOW
    live = evaluate_month(loaded, sla_path, "2026-10", as_of=NOW, use_snapshot=False)
    assert live.sla("first-touch").counts["met"] == 3
    shown = json.loads(_evaluate(sla_path, "--format", "json").output)
    assert shown["frozen"]["frozen_by"] == "mia" and shown["slas"][0]["counts"]["met"] == 2
    fresh = json.loads(_evaluate(sla_path, "--format", "json", "--live").output)
    assert fresh["frozen"] is None and fresh["slas"][0]["counts"]["met"] == 3
    # Re-freezing is explicit and recorded; the old snapshot is kept, superseded.
    refused = runner.invoke(
        app, ["freeze", "--month", "2026-10", "--as-of", AS_OF, "--config", str(sla_path)]
    )
    assert refused.exit_code == 2 and "--refreeze" in refused.output
    redo = runner.invoke(
        app,
        [
            "freeze",
            "--month",
            "2026-10",
            "--as-of",
            AS_OF,
            "--refreeze",
            "--by",
            "lee",
            "--note",
            "late call import",
            "--config",
            str(sla_path),
        ],
    )
    assert redo.exit_code == 0, redo.output
    now_frozen = evaluate_month(loaded, sla_path, "2026-10", as_of=NOW)
    assert now_frozen.sla("first-touch").counts["met"] == 3
    assert now_frozen.frozen is not None
    assert (
        now_frozen.frozen["frozen_by"],
        now_frozen.frozen["note"],
        now_frozen.frozen["times_frozen"],
    ) == ("lee", "late call import", 2)
    history = loaded.select_rows(T.VerdictSnapshot, {"month": "2026-10"}, order_by="id")
    assert history["superseded_at"].notna().tolist() == [True, False]
    # A team's view of a frozen month is cut from the snapshot.
    west = evaluate_month(loaded, sla_path, "2026-10", as_of=NOW, team_id="sales-west")
    assert west.sla("first-touch").counts == {"met": 1, "breached": 0, "open": 0, "excluded": 0}


def test_dispute_lifecycle(loaded: Store, sla_path: Path) -> None:
    def cli(*args: str) -> Any:
        return runner.invoke(
            app, [*args, "--config", str(sla_path)] if args[1] == "raise" else list(args)
        )

    not_breached = cli("dispute", "raise", "--sla", "first-touch", "--item", "MET", "--reason", "x")
    assert not_breached.exit_code == 2 and "only a breach can be disputed" in not_breached.output
    no_reason = cli("dispute", "raise", "--sla", "first-touch", "--item", "LATE", "--reason", " ")
    assert no_reason.exit_code == 2
    unknown = cli("dispute", "raise", "--sla", "nope", "--item", "LATE", "--reason", "x")
    assert unknown.exit_code == 2 and "unknown SLA" in unknown.output
    raised = cli(
        "dispute",
        "raise",
        "--sla",
        "first-touch",
        "--item",
        "LATE",
        "--reason",
        "CRM outage on Oct 5",
        "--by",
        "rita",
    )
    assert raised.exit_code == 0, raised.output
    twice = cli("dispute", "raise", "--sla", "first-touch", "--item", "LATE", "--reason", "again")
    assert twice.exit_code == 2
    pending = list_disputes(loaded, "pending")
    assert list(pending["item_id"]) == ["LATE"] and pending.iloc[0]["raised_by"] == "rita"
    listed = runner.invoke(app, ["dispute", "list", "--status", "pending"])
    assert listed.exit_code == 0 and "CRM outage" in listed.output
    dispute_id = int(pending.iloc[0]["id"])
    decided = runner.invoke(
        app,
        ["dispute", "decide", str(dispute_id), "--approve", "--by", "mia", "--note", "confirmed"],
    )
    assert decided.exit_code == 0, decided.output
    assert runner.invoke(app, ["dispute", "decide", str(dispute_id), "--reject"]).exit_code == 2
    row = list_disputes(loaded).iloc[0]
    assert (row["status"], row["decided_by"], row["decision_note"]) == (
        "approved",
        "mia",
        "confirmed",
    )
    assert row["decided_at"] is not None
    evaluation = evaluate_month(loaded, sla_path, "2026-10", as_of=NOW)
    items = evaluation.sla("first-touch").items.set_index("item_id")
    assert items.loc["LATE", "state"] == "excluded"
    assert items.loc["LATE", "exclusion_reason"] == "CRM outage on Oct 5"
    assert evaluation.sla("first-touch").counts["excluded"] == 1


def test_rejected_dispute_changes_nothing(loaded: Store, sla_path: Path) -> None:
    dispute_id = raise_dispute(
        loaded, sla_path, "service", "D1", "customer asked to wait", as_of=NOW
    )
    decide_dispute(loaded, dispute_id, approve=False, decided_by="mia", note="not a reason")
    assert (
        evaluate_month(loaded, sla_path, "2026-10", as_of=NOW).sla("service").counts["breached"]
        == 1
    )
    exclusion = raise_dispute(
        loaded, sla_path, "first-touch", "MET", "test lead", as_of=NOW, kind="exclusion"
    )
    decide_dispute(loaded, exclusion, approve=True)
    assert (
        evaluate_month(loaded, sla_path, "2026-10", as_of=NOW).sla("first-touch").counts["excluded"]
        == 1
    )


def test_sla_versions_are_recorded_and_never_rewritten(store: Store) -> None:
    config = parse_config(BASE_SLA_FILE, "a.toml")
    assert len(sync_sla_versions(store, config)) == 4
    assert sync_sla_versions(store, config) == []
    changed = copy.deepcopy(BASE_SLA_FILE)
    changed["sla"][0]["within"] = "2h"
    assert sync_sla_versions(store, parse_config(changed, "b.toml")) == [
        "first-touch v2 (effective 2026-01-01)"
    ]
    rows = store.select_rows(T.SlaVersion, {"sla_id": "first-touch"}, order_by="version")
    assert list(rows["version"]) == [1, 2]
    assert json.loads(rows.iloc[0]["definition"])["within"] == "4h"


def test_calendar_holidays_lists_the_days_off(cli_env: dict[str, str], tmp_path: Path) -> None:
    data = copy.deepcopy(BASE_SLA_FILE)
    data["calendars"]["ny"]["holidays"] = {"country": "US", "subdiv": "NY"}
    data["calendars"]["ny"]["extra_holidays"] = ["2026-12-24"]
    path = tmp_path / "sla.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    result = runner.invoke(
        app, ["calendar", "holidays", "--calendar", "ny", "--year", "2026", "--config", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "2026-07-03" in result.output  # Independence Day observed (July 4 is a Saturday)
    assert "2026-12-24" in result.output and "Extra holiday" in result.output
    unknown = runner.invoke(
        app, ["calendar", "holidays", "--calendar", "mars", "--year", "2026", "--config", str(path)]
    )
    assert unknown.exit_code == 2 and "unknown calendar" in unknown.output


def test_months_before_and_through() -> None:
    assert months_before("2026-02", 3) == ["2025-11", "2025-12", "2026-01"]
    assert months_through("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]


def test_freeze_month_refuses_a_frozen_month_without_refreeze(
    loaded: Store, sla_path: Path
) -> None:
    freeze_month(loaded, sla_path, "2026-10", as_of=NOW, frozen_by="a")
    with pytest.raises(Exception, match="already frozen"):
        freeze_month(loaded, sla_path, "2026-10", as_of=NOW)


def _as_frozen_by_the_earlier_engine(payload: str) -> str:
    """A snapshot as the engine before the SPEC correction wrote it: service items charged to the
    sales rep who closed the deal, and no `closed_by_owner_id` column."""
    import base64
    import zlib

    head, _, rest = payload.partition("\n")
    columns = {
        sla: json.loads(zlib.decompress(base64.b64decode(packed)).decode("utf-8"))
        for sla, packed in json.loads(rest).items()
    }
    service = columns["service"]
    closers = service.pop(E.CLOSED_BY_OWNER_ID)
    service[E.OWNER_ID] = closers
    service[E.TEAM_ID] = ["sales-east" for _ in closers]
    for sla in columns.values():
        sla.pop(E.CLOSED_BY_OWNER_ID, None)
    # ... and in its format: snapshot_format 2, every SLA's columns compressed together.
    packed = zlib.compress(json.dumps(columns).encode("utf-8"))
    head = json.dumps({**json.loads(head), "snapshot_format": 2})
    return head + "\n" + base64.b64encode(packed).decode("ascii")


def test_a_month_frozen_under_the_earlier_rules_stays_as_sent_until_refrozen(
    loaded: Store, sla_path: Path
) -> None:
    from models.engine.serialise import snapshot_text

    loaded.upsert_frame(
        "deal",
        pd.DataFrame([deal("D2", "LATE", f"{MON} 10:00", owner="rep", service_owner="csm2")]),
    )
    live = evaluate_month(loaded, sla_path, "2026-10", as_of=NOW, use_snapshot=False)
    old = _as_frozen_by_the_earlier_engine(snapshot_text(live))
    loaded.replace_snapshot("2026-10", old, frozen_at=NOW, frozen_by="mia", note="October close")

    kept = evaluate_month(loaded, sla_path, "2026-10", as_of=datetime(2026, 12, 1, tzinfo=UTC))
    items = kept.sla("service").items.set_index(E.ITEM_ID)
    assert kept.frozen is not None and kept.frozen["frozen_by"] == "mia"
    assert (items.loc["D2", E.OWNER_ID], items.loc["D2", E.TEAM_ID]) == ("rep", "sales-east")
    assert items[E.CLOSED_BY_OWNER_ID].isna().all()  # what was sent, read back as it was
    # The current rules apply live, and to the month only once it is explicitly re-frozen.
    now = evaluate_month(loaded, sla_path, "2026-10", as_of=NOW, use_snapshot=False)
    fresh = now.sla("service").items.set_index(E.ITEM_ID)
    assert (fresh.loc["D2", E.OWNER_ID], fresh.loc["D2", E.TEAM_ID]) == ("csm2", "svc")
    refrozen = freeze_month(
        loaded,
        sla_path,
        "2026-10",
        as_of=NOW,
        frozen_by="lee",
        note="SPEC correction",
        refreeze=True,
    )
    after = refrozen.sla("service").items.set_index(E.ITEM_ID)
    assert (after.loc["D2", E.OWNER_ID], after.loc["D2", E.CLOSED_BY_OWNER_ID]) == ("csm2", "rep")
    assert refrozen.frozen is not None and refrozen.frozen["times_frozen"] == 2


def test_a_new_version_in_a_frozen_month_is_refused_and_one_in_an_earlier_month_needs_confirming(
    loaded: Store, sla_path: Path
) -> None:
    from datetime import date

    from models.verdicts.versions import check_new_version, version_impact

    freeze_month(loaded, sla_path, "2026-10", as_of=NOW, frozen_by="mia")
    with pytest.raises(BadInputError, match="falls in 2026-10, a frozen month"):
        check_new_version(loaded, "first-touch", date(2026, 10, 15), "2026-12", confirmed=True)
    with pytest.raises(BadInputError, match="2026-09, 2026-11 will be judged again"):
        check_new_version(loaded, "first-touch", date(2026, 9, 1), "2026-12", confirmed=False)
    impact = check_new_version(loaded, "first-touch", date(2026, 9, 1), "2026-12", confirmed=True)
    assert (impact.rejudged, impact.frozen) == (["2026-09", "2026-11"], ["2026-10"])
    # From the current month on, nothing already judged changes: no question asked.
    assert not version_impact(loaded, date(2026, 12, 1), "2026-12").needs_confirmation
    assert not version_impact(loaded, date(2027, 1, 1), "2026-12").needs_confirmation
