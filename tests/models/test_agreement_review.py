"""Recording a review of the agreement (SQLite and PostgreSQL): `handoff agreement reviewed`
changes only `reviewed_on` in the SLA file, keeps the review in the database with what changed,
and refuses bad input leaving the file as it was."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from models.agreement_review import (
    NO_CHANGE,
    read_reviews,
    record_review,
    with_reviewed_on,
)
from models.config import ConfigError, load_config
from models.errors import BadInputError
from models.store import Store

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


@pytest.fixture
def sla_path(tmp_path: Path) -> Path:
    path = tmp_path / "sla.toml"
    path.write_text((ROOT / "data" / "sla.toml").read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_only_reviewed_on_changes_in_the_file(sla_path: Path) -> None:
    before = sla_path.read_text(encoding="utf-8")
    after = with_reviewed_on(before, date(2026, 12, 7))
    changed = [
        (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
    ]
    assert changed == [('reviewed_on = "2025-07-01"', 'reviewed_on = "2026-12-07"')]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # No [agreement]: one is appended.
        ('[hubspot]\nrate_per_10s = 100\n', {"reviewed_on": "2026-12-07",
                                             "review_every_months": 18}),
        # [agreement] without reviewed_on: the key is added to that table, not to the next one.
        ('[agreement]\nreview_every_months = 24\n\n[hubspot]\nrate_per_10s = 100\n',
         {"reviewed_on": "2026-12-07", "review_every_months": 24}),
        # Another table's reviewed_on is left alone.
        ('[other]\nreviewed_on = "2020-01-01"\n[agreement]\nreviewed_on = 2025-01-01\n',
         {"reviewed_on": "2026-12-07"}),
    ],
)  # fmt: skip
def test_reviewed_on_is_set_wherever_the_file_stands(text: str, expected: dict[str, object]) -> None:
    parsed = tomllib.loads(with_reviewed_on(text, date(2026, 12, 7)))
    assert parsed["agreement"] == expected
    if "other" in parsed:
        assert parsed["other"]["reviewed_on"] == "2020-01-01"


def test_cli_records_a_review_in_file_and_database(
    store: Store, cli_env: dict[str, str], sla_path: Path
) -> None:
    result = runner.invoke(
        app,
        ["agreement", "reviewed", "--config", str(sla_path), "--on", "2026-12-04", "--by",
         "ana@example.com", "--note", "Kept 60 leads per rep; =HYPERLINK(\"x\") stays text"],
        env={**cli_env, "HANDOFF_NOW": NOW.isoformat()},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "next review due 2028-06-04" in result.output
    # The first-touch version of 2026-07-01 was agreed since the review of 2025-07-01.
    assert "first-touch new version effective 2026-07-01" in result.output
    assert load_config(sla_path).agreement.reviewed_on == date(2026, 12, 4)  # type: ignore[union-attr]
    row = read_reviews(store).iloc[0]
    assert row["recorded_by"] == "ana@example.com"
    assert row["previous_reviewed_on"] == date(2025, 7, 1)
    assert row["note"].startswith("Kept 60 leads per rep")
    assert "=HYPERLINK" not in sla_path.read_text(encoding="utf-8")  # the note is not in the file
    status = runner.invoke(
        app, ["agreement", "status", "--config", str(sla_path)],
        env={**cli_env, "HANDOFF_NOW": NOW.isoformat()},
    )  # fmt: skip
    assert status.exit_code == 0, status.output
    assert "due in 545 day(s), on 2028-06-04" in status.output
    assert "Last recorded review: 2026-12-04 by ana@example.com" in status.output
    # A second review with nothing agreed since the first: "reviewed, no change".
    second = record_review(store, sla_path, on=date(2026, 12, 7), by="bo", note=None, now=NOW)
    assert second.changes == NO_CHANGE
    assert list(read_reviews(store)["reviewed_on"]) == [date(2026, 12, 7), date(2026, 12, 4)]


def test_bad_input_changes_nothing(store: Store, cli_env: dict[str, str], sla_path: Path) -> None:
    before = sla_path.read_text(encoding="utf-8")
    result = runner.invoke(
        app, ["agreement", "reviewed", "--config", str(sla_path), "--on", "04/12/2026"],
        env=cli_env,
    )  # fmt: skip
    assert result.exit_code == 2 and "--on: expected a date YYYY-MM-DD" in result.output
    with pytest.raises(BadInputError, match="in the future"):
        record_review(store, sla_path, on=date(2027, 1, 1), by="bo", note=None, now=NOW)
    broken = sla_path.read_text(encoding="utf-8").replace("review_every_months = 18",
                                                          "review_every_months = 0")  # fmt: skip
    sla_path.write_text(broken, encoding="utf-8")
    with pytest.raises(ConfigError, match="problem"):
        record_review(store, sla_path, on=date(2026, 12, 1), by="bo", note=None, now=NOW)
    assert sla_path.read_text(encoding="utf-8") == broken
    sla_path.write_text(before, encoding="utf-8")
    assert read_reviews(store).empty
