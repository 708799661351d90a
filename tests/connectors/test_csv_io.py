"""Canonical CSV import and export (SPEC.md section 1): values land as written, imports are
idempotent, and export followed by import into an empty database gives the same data back."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from csv_builders import ACTIVITIES, LEADS, OWNERS, VALID, valid_with, write_folder
from typer.testing import CliRunner

from cli import app
from connectors.csv_io import export_dir, import_dir
from models import columns as C
from models.store import Store
from models.tables import ImportRun

ENTITIES = [spec.entity for spec in C.ENTITIES]
UTC = "UTC"


def snapshot(store: Store) -> dict[str, pd.DataFrame]:
    return {entity: store.read_entity(entity, include_deleted=True) for entity in ENTITIES}


def assert_same_data(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    for entity in ENTITIES:
        pd.testing.assert_frame_equal(left[entity], right[entity], obj=entity)


def test_valid_files_import_with_typed_values(store: Store, tmp_path: Path) -> None:
    counts = import_dir(store, write_folder(tmp_path / "in", VALID))

    assert counts == {"team": 3, "owner": 3, "lead": 3, "activity": 3, "deal": 2}
    assert store.count_rows() == counts
    leads = store.read_entity("lead").set_index(C.LEAD_ID)
    assert leads.loc["L1", C.HANDED_OFF_AT] == pd.Timestamp("2026-01-05T15:00:00.123456Z")
    assert leads.loc["L1", C.CREATED_AT] == pd.Timestamp("2026-01-05T14:00:00Z")
    assert leads.loc["L3", C.REJECTED_AT] == pd.Timestamp("2026-01-08T12:00:00Z")
    assert leads.loc["L3", C.REJECTION_REASON] == 'no budget, "yet", sorry'
    assert leads.loc["L3", C.COMPANY] == "Café Müller"
    assert pd.isna(leads.loc["L2", C.HANDED_OFF_AT]) and pd.isna(leads.loc["L2", C.OWNER_ID])
    owners = store.read_entity("owner").set_index(C.OWNER_ID)
    assert owners[C.ACTIVE].to_dict() == {"O1": True, "O2": False, "O3": True}  # empty = true
    activities = store.read_entity("activity").set_index(C.ACTIVITY_ID)
    assert activities.loc["A1", C.BODY] == 'Talked, agreed on a "demo"\nnext line'
    assert activities.loc["A2", C.OCCURRED_AT].microsecond == 1
    assert activities.loc["A3", C.BODY] == "日本語 ✓"
    deals = store.read_entity("deal").set_index(C.DEAL_ID)
    assert deals.loc["D1", C.AMOUNT] == 1234.56 and pd.isna(deals.loc["D2", C.AMOUNT])
    run = store.read_runs(ImportRun, limit=1).iloc[0]
    assert (run["status"], json.loads(run["counts"])) == ("ok", counts)


def test_importing_the_same_files_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in", VALID)
    import_dir(store, folder)
    first = snapshot(store)
    import_dir(store, folder)
    assert_same_data(first, snapshot(store))


def test_utf8_bom_extra_columns_case_and_spaces_are_accepted(store: Store, tmp_path: Path) -> None:
    teams = "\ufeffteam_id,name,tier,notes\n T1 ,Sales, Sales ,keep out\n"
    owners = "owner_id,name,email,team_id\nO1,Ann,ann@example.com,T1\n"
    leads = "lead_id,created_at,owner_id\nL1,2026-01-05t09:00:00z,O1\n"
    folder = write_folder(
        tmp_path / "in", {"teams.csv": teams.encode(), "owners.csv": owners, "leads.csv": leads}
    )

    assert import_dir(store, folder) == {"team": 1, "owner": 1, "lead": 1}
    team = store.read_entity("team").iloc[0]
    assert (team[C.TEAM_ID], team[C.TIER]) == ("T1", "sales")
    assert store.read_entity("owner").iloc[0][C.ACTIVE]  # no active column: true
    assert store.read_entity("lead").iloc[0][C.CREATED_AT] == pd.Timestamp("2026-01-05T09:00Z")


def test_references_resolve_against_rows_already_in_the_database(
    store: Store, tmp_path: Path
) -> None:
    import_dir(
        store,
        write_folder(tmp_path / "people", valid_with(leads=None, activities=None, deals=None)),
    )
    import_dir(store, write_folder(tmp_path / "leads", {"leads.csv": LEADS}))
    counts = import_dir(store, write_folder(tmp_path / "acts", {"activities.csv": ACTIVITIES}))
    assert counts == {"activity": 3}


def test_a_reimport_updates_rows_by_id_and_leaves_missing_columns_alone(
    store: Store, tmp_path: Path
) -> None:
    import_dir(store, write_folder(tmp_path / "in", VALID))
    owners = "owner_id,name,email,team_id,active\nO1,Ann Ray-Smith,ann@example.com,T-sales,false\n"
    import_dir(store, write_folder(tmp_path / "again", {"owners.csv": owners}))
    after = store.read_entity("owner").set_index(C.OWNER_ID)
    assert (after.loc["O1", C.NAME], after.loc["O1", C.ACTIVE]) == ("Ann Ray-Smith", False)
    assert len(after) == 3


def test_export_writes_every_file_in_contract_column_order(store: Store, tmp_path: Path) -> None:
    import_dir(store, write_folder(tmp_path / "in", VALID))
    counts = export_dir(store, tmp_path / "out" / "nested")

    assert counts == {"team": 3, "owner": 3, "lead": 3, "activity": 3, "deal": 2}
    for spec in C.ENTITIES:
        text = (tmp_path / "out" / "nested" / spec.file).read_text(encoding="utf-8")
        assert text.splitlines()[0] == ",".join(spec.columns)
    owners = (tmp_path / "out" / "nested" / "owners.csv").read_text().splitlines()
    assert owners[1:] == [
        "O1,Ann Ray,ann@example.com,T-sales,true",
        "O2,Bo Li,bo@example.com,T-svc,false",
        "O3,Cy Ng,cy@example.com,T-mkt,true",
    ]
    leads = (tmp_path / "out" / "nested" / "leads.csv").read_text().splitlines()
    assert leads[1].startswith(
        "L1,2026-01-05T14:00:00+00:00,2026-01-05T15:00:00.123456+00:00,2026-01-05T15:30:00+00:00,O1,"
    )
    assert leads[2] == "L2,2026-01-06T08:00:00+00:00,,,,,,,,,"


def test_export_leaves_out_deleted_records(store: Store, tmp_path: Path) -> None:
    import_dir(store, write_folder(tmp_path / "in", VALID))
    at = pd.Timestamp("2026-03-01T00:00:00Z").to_pydatetime()
    store.mark_deleted("lead", ["L3"], at)
    store.mark_deleted("activity", ["A2"], at)

    counts = export_dir(store, tmp_path / "out")
    assert counts == {"team": 3, "owner": 3, "lead": 2, "activity": 1, "deal": 1}
    exported = pd.read_csv(tmp_path / "out" / "activities.csv", dtype=str)
    assert list(exported[C.ACTIVITY_ID]) == ["A1"]  # A2 deleted; A3 belongs to deleted L3


TRICKY_BODIES = [
    'comma, "quotes", and\nnewlines',
    "windows\r\nline end",
    "  leading and trailing spaces  ",
    "emoji 🚀 and accents éàü, 中文",
    "NA",
    "null",
    "-",
    '"',
]


def test_export_then_import_into_an_empty_database_is_lossless(
    store: Store, tmp_path: Path
) -> None:
    import_dir(store, write_folder(tmp_path / "in", VALID))
    activities = pd.DataFrame(
        {
            C.ACTIVITY_ID: [f"X{i}" for i in range(len(TRICKY_BODIES))],
            C.LEAD_ID: "L1",
            C.TYPE: "note",
            C.OCCURRED_AT: pd.Timestamp("2026-01-05T16:00:00.000001Z")
            + pd.to_timedelta(range(len(TRICKY_BODIES)), unit="us"),
            C.BODY: TRICKY_BODIES,
        }
    )
    store.upsert_frame("activity", activities, origin="csv")
    deals = pd.DataFrame(
        {
            C.DEAL_ID: ["D7", "D8", "D9"],
            C.LEAD_ID: "L2",
            C.CLOSED_WON_AT: pd.Timestamp("2026-02-03T04:05:06.789012Z"),
            C.AMOUNT: [0.1 + 0.2, 1e-7, 123456789012.34],
        }
    )
    store.upsert_frame("deal", deals, origin="csv")
    before = snapshot(store)

    export_dir(store, tmp_path / "out")
    store.truncate_all()
    import_dir(store, tmp_path / "out")
    assert_same_data(before, snapshot(store))


runner = CliRunner()


def test_cli_import_reports_every_problem_exits_2_and_writes_nothing(
    store: Store, tmp_path: Path
) -> None:
    folder = write_folder(
        tmp_path / "in",
        valid_with(
            owners=OWNERS.replace(",true", ",maybe"),
            leads=LEADS.replace("2026-01-06T08:00:00Z", "2026-01-06 08:00"),
        ),
    )
    result = runner.invoke(app, ["import", str(folder), "--database-url", store.url])

    assert result.exit_code == 2
    assert "2 problems in" in result.output and "nothing was imported" in result.output
    assert "owners.csv:2: active: 'maybe' is not a boolean" in result.output
    assert "leads.csv:3: created_at: '2026-01-06 08:00' has no UTC offset" in result.output
    assert set(store.count_rows().values()) == {0}


def test_cli_import_then_export_then_import_into_an_empty_database(
    store: Store, tmp_path: Path
) -> None:
    folder = write_folder(tmp_path / "in", VALID)
    imported = runner.invoke(app, ["import", str(folder), "--database-url", store.url])
    assert imported.exit_code == 0, imported.output
    assert "3 team, 3 owner, 3 lead, 3 activity, 2 deal" in imported.output
    before = snapshot(store)

    exported = runner.invoke(
        app, ["export-data", str(tmp_path / "out"), "--database-url", store.url]
    )
    assert exported.exit_code == 0, exported.output
    store.truncate_all()
    again = runner.invoke(app, ["import", str(tmp_path / "out"), "--database-url", store.url])
    assert again.exit_code == 0, again.output
    assert_same_data(before, snapshot(store))


@pytest.mark.parametrize("name", ["teams.csv", "deals.csv"])
def test_a_header_only_file_imports_nothing_and_is_fine(
    store: Store, tmp_path: Path, name: str
) -> None:
    spec = next(spec for spec in C.ENTITIES if spec.file == name)
    folder = write_folder(tmp_path / "in", {name: ",".join(spec.required) + "\n"})
    assert import_dir(store, folder) == {spec.entity: 0}


def test_a_larger_import_is_idempotent_and_round_trips(store: Store, tmp_path: Path) -> None:
    # Past the store's bulk threshold (PostgreSQL switches to COPY at 1,000 rows).
    count = 1_500
    created = pd.date_range("2026-01-01T00:00:00.000001Z", periods=count, freq="37min")
    leads = pd.DataFrame(
        {
            C.LEAD_ID: [f"L{i:05d}" for i in range(count)],
            C.CREATED_AT: created.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
            C.COMPANY: [f"Firm {i}, Ltd" if i % 3 else "" for i in range(count)],
        }
    )
    activities = pd.DataFrame(
        {
            C.ACTIVITY_ID: [f"A{i:05d}" for i in range(2 * count)],
            C.LEAD_ID: list(leads[C.LEAD_ID]) * 2,
            C.TYPE: ["call", "email", "note", "task"] * (count // 2),
            C.OCCURRED_AT: list(leads[C.CREATED_AT]) * 2,
            C.BODY: ['said "hi",\nthen left' if i % 2 else "" for i in range(2 * count)],
        }
    )
    folder = tmp_path / "in"
    folder.mkdir()
    leads.to_csv(folder / "leads.csv", index=False)
    activities.to_csv(folder / "activities.csv", index=False)

    assert import_dir(store, folder) == {"lead": count, "activity": 2 * count}
    first = snapshot(store)
    import_dir(store, folder)
    assert_same_data(first, snapshot(store))
    assert first["lead"][C.COMPANY].isna().sum() == count // 3
    export_dir(store, tmp_path / "out")
    store.truncate_all()
    import_dir(store, tmp_path / "out")
    assert_same_data(first, snapshot(store))


def test_cli_import_warns_about_a_team_calendar_the_sla_file_lacks(
    store: Store, tmp_path: Path
) -> None:
    teams = VALID["teams.csv"].replace("T-sales,Sales East,sales,ny,", "T-sales,Sales East,sales,nyc,")
    folder = write_folder(tmp_path / "in", {**VALID, "teams.csv": teams})
    imported = runner.invoke(app, ["import", str(folder), "--database-url", store.url, "--no-warm"])
    assert imported.exit_code == 0, imported.output  # a warning, not a refusal
    assert "warning: team T-sales (Sales East) names calendar 'nyc'" in imported.output
    assert "[calendars.nyc]" in imported.output
    fine = runner.invoke(
        app, ["import", str(write_folder(tmp_path / "ok", VALID)), "--database-url", store.url]
    )
    assert "warning" not in fine.output and "Verdicts precomputed" in fine.output


def test_a_deal_won_before_its_lead_was_created_is_kept_with_a_warning(
    store: Store, tmp_path: Path
) -> None:
    # CRMs allow a backdated close date: imported, and said so on the way in.
    deals = VALID["deals.csv"].replace("D1,L1,2026-02-01T12:00:00Z", "D1,L1,2026-01-02T12:00:00Z")
    folder = write_folder(tmp_path / "in", {**VALID, "deals.csv": deals})
    imported = runner.invoke(app, ["import", str(folder), "--database-url", store.url, "--no-warm"])
    assert imported.exit_code == 0, imported.output
    assert (
        "warning: deal D1: closed won 2026-01-02 12:00 UTC before its lead L1 was created "
        "2026-01-05 14:00 UTC; kept" in imported.output
    )
    assert store.count_rows()["deal"] == 2
    found = store.read_deals_won_before_their_lead()
    assert list(found["deal_id"]) == ["D1"]
    fine = runner.invoke(
        app, ["import", str(write_folder(tmp_path / "ok", VALID)), "--database-url", store.url]
    )
    assert "closed won" not in fine.output and store.read_deals_won_before_their_lead().empty
