"""Done when: pointed at the fake, `handoff sync hubspot` then `handoff export-data` gives
exactly the fake's portal in canonical form, before and after a round of changes, with zero
rate-limit violations. Through the real command line, at HubSpot's own rate limits."""

from __future__ import annotations

import csv
from operator import itemgetter
from pathlib import Path

import pytest
from fakes.hubspot_expected import csv_cells, expected
from fakes.hubspot_portal import Portal, generate_portal
from fakes.hubspot_server import FakeHubSpot
from test_hubspot_sync import SLA, TOKEN, change_portal
from typer.testing import CliRunner

from cli import app
from models.columns import ENTITIES
from models.store import Store

runner = CliRunner()


def export_matches(store: Store, portal: Portal, folder: Path) -> None:
    """`handoff export-data` writes exactly the portal mapped by hand, file by file."""
    done = runner.invoke(app, ["export-data", str(folder), "--database-url", store.url])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in folder.iterdir()) == sorted(spec.file for spec in ENTITIES)
    want = expected(portal)
    for spec in ENTITIES:
        with (folder / spec.file).open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            assert tuple(reader.fieldnames or ()) == spec.columns, spec.file
            have = sorted(reader, key=itemgetter(spec.key))
        assert have == csv_cells(spec.entity, want[spec.entity]), spec.file


# HubSpot's own limits for private apps (Free/Starter 100, Professional/Enterprise 190 per 10 s;
# search 4 a second), enforced by the fake and told to the sync. Different limits per case also
# give each case its own process-wide budget, so one case does not wait out the other's requests.
@pytest.mark.parametrize(
    ("setting", "second_sync", "rate"),
    [
        ("archived_scan_hours = 0", ["sync", "hubspot"], 100),  # deletions read on every sync
        ("", ["sync", "hubspot", "--full"], 190),  # default schedule: --full reads them at once
    ],
    ids=["incremental", "full"],
)
def test_sync_then_export_gives_the_portal_before_and_after_changes(
    store: Store, tmp_path: Path, setting: str, second_sync: list[str], rate: int
) -> None:
    sla = tmp_path / "sla.toml"
    sla.write_text(SLA.replace("[hubspot]\n", f"[hubspot]\n{setting}\n"), encoding="utf-8")
    portal = generate_portal()
    with FakeHubSpot(portal, token=TOKEN, rate_per_10s=rate, search_per_second=4,
                     inline_association_limit=2, association_page_size=2) as fake:  # fmt: skip
        env = {
            "DATABASE_URL": store.url, "HANDOFF_CONFIG": str(sla), "HUBSPOT_ACCESS_TOKEN": TOKEN,
            "HUBSPOT_BASE_URL": fake.url, "HUBSPOT_RATE_PER_10S": str(rate), "HUBSPOT_SEARCH_PER_S": "4",
        }  # fmt: skip
        first = runner.invoke(app, ["sync", "hubspot"], env=env)
        assert first.exit_code == 0, first.output
        assert "HubSpot sync finished" in first.output
        export_matches(store, portal, tmp_path / "before")

        change_portal(portal)
        second = runner.invoke(app, second_sync, env=env)
        assert second.exit_code == 0, second.output
        export_matches(store, portal, tmp_path / "after")
        assert fake.violations == [] and fake.bad_requests == []
        assert TOKEN not in first.output + second.output
