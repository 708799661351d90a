"""Disputes checked where they are recorded: reps file their own, managers decide their own
teams' (never one they raised), viewers change nothing; the audit trail. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import tomli_w
from engine_builders import BASE_SLA_FILE, OWNERS, TEAMS, lead
from typer.testing import CliRunner

from cli import app
from models import tables as T
from models.access import Person, resolve_person
from models.access_config import AccessConfig
from models.audit import read_actions, record_action
from models.store import Store
from models.verdicts.guard import NotAllowedError
from models.verdicts.service import decide_dispute, raise_dispute

MON = "2026-10-05"
NOW = datetime(2026, 11, 5, tzinfo=UTC)
MANAGERS = {
    "sales-east": "erin@x.example",
    "sales-west": "walt@x.example",
    "svc": "sue@x.example",
    "mkt": "max@x.example",
}
ACCESS = AccessConfig(
    admins=frozenset({"ops@x.example"}),
    viewers=frozenset({"ceo@x.example"}),
    managers={"sales-east": frozenset({"deputy@x.example"})},
)


@pytest.fixture
def loaded(store: Store, cli_env: dict[str, str]) -> Store:
    teams = pd.DataFrame(TEAMS).assign(manager_email=lambda t: t["team_id"].map(MANAGERS))
    store.upsert_frame("team", teams)
    owners = pd.DataFrame(OWNERS).assign(active=True)
    owners["email"] = owners["email"] + ".example"  # real addresses have a top-level domain
    store.upsert_frame("owner", owners)
    store.upsert_frame(
        "lead",
        pd.DataFrame(
            [
                lead("EAST1", f"{MON} 09:00"),
                lead("EAST2", f"{MON} 09:00", owner="rep2"),
                lead("WEST1", f"{MON} 09:00", owner="west"),
            ]
        ),
    )
    return store


@pytest.fixture
def sla_path(tmp_path: Path) -> Path:
    path = tmp_path / "sla.toml"
    path.write_text(tomli_w.dumps(BASE_SLA_FILE), encoding="utf-8")
    return path


def who(store: Store, email: str) -> Person:
    return resolve_person(
        {"email": email}, store.read_entity("team"), store.read_entity("owner"), ACCESS
    )


def file(store: Store, sla_path: Path, item: str, email: str) -> int:
    return raise_dispute(
        store, sla_path, "first-touch", item, "CRM outage", as_of=NOW, person=who(store, email)
    )


@pytest.mark.parametrize(
    ("email", "item", "allowed"),
    [
        ("rita@x.example", "EAST1", True),  # the rep's own lead
        ("rita@x.example", "EAST2", False),  # a teammate's lead
        ("rita@x.example", "WEST1", False),  # another team's lead
        ("erin@x.example", "EAST2", True),  # the team's manager
        ("erin@x.example", "WEST1", False),  # another team's manager
        ("ceo@x.example", "EAST1", False),  # viewers read only
        ("nobody@x.example", "EAST1", False),  # not known
        ("ops@x.example", "WEST1", True),  # admin
    ],
)
def test_who_may_file_a_dispute(
    loaded: Store, sla_path: Path, email: str, item: str, allowed: bool
) -> None:
    if allowed:
        dispute_id = file(loaded, sla_path, item, email)
        row = loaded.select_rows(T.Dispute, {"id": dispute_id}).iloc[0]
        assert row["raised_by"] == email, "recorded under the signed-in e-mail"
    else:
        with pytest.raises(NotAllowedError):
            file(loaded, sla_path, item, email)
        assert loaded.select_rows(T.Dispute).empty


@pytest.mark.parametrize(
    ("raiser", "decider", "allowed", "why"),
    [
        (
            "rita@x.example",
            "erin@x.example",
            True,
            "",
        ),  # the rep disputes, the team's manager decides
        ("rita@x.example", "deputy@x.example", True, ""),  # an extra manager from [access.managers]
        ("erin@x.example", "erin@x.example", False, "raised themselves"),  # self-approval
        ("erin@x.example", "deputy@x.example", True, ""),  # another manager of the team may
        ("rita@x.example", "walt@x.example", False, "does not manage"),  # cross-team
        ("rita@x.example", "rita@x.example", False, "raised themselves"),
        ("rita@x.example", "sam@x.example", False, "only managers and admins"),  # a teammate (rep)
        ("rita@x.example", "ceo@x.example", False, "only managers and admins"),  # viewer
        ("rita@x.example", "ops@x.example", True, ""),  # admin
    ],
)
def test_who_may_decide_a_dispute(
    loaded: Store, sla_path: Path, raiser: str, decider: str, allowed: bool, why: str
) -> None:
    dispute_id = file(loaded, sla_path, "EAST1", raiser)
    person = who(loaded, decider)
    if allowed:
        row = decide_dispute(loaded, dispute_id, approve=True, person=person)
        assert (row["status"], row["decided_by"]) == ("approved", decider)
    else:
        with pytest.raises(NotAllowedError, match=why):
            decide_dispute(loaded, dispute_id, approve=True, person=person)
        assert loaded.select_rows(T.Dispute, {"id": dispute_id}).iloc[0]["status"] == "pending"


def test_cli_refuses_the_raiser_as_decider(loaded: Store, sla_path: Path) -> None:
    runner = CliRunner()
    raised = runner.invoke(
        app,
        [
            "dispute",
            "raise",
            "--sla",
            "first-touch",
            "--item",
            "EAST1",
            "--reason",
            "x",
            "--by",
            "rep",
            "--config",
            str(sla_path),
        ],
    )
    assert raised.exit_code == 0, raised.output
    dispute_id = int(loaded.select_rows(T.Dispute).iloc[0]["id"])
    # The rep's owner id raised it; the same person's e-mail may not decide it either.
    for by in ("rep", "RITA@x.example"):
        refused = runner.invoke(
            app, ["dispute", "decide", str(dispute_id), "--approve", "--by", by]
        )
        assert refused.exit_code == 2, refused.output
        assert "raised themselves" in refused.output
    decided = runner.invoke(
        app, ["dispute", "decide", str(dispute_id), "--approve", "--by", "erin@x.example"]
    )
    assert decided.exit_code == 0, decided.output


def test_audit_rows_keep_identity_action_and_time(loaded: Store) -> None:
    admin = who(loaded, "ops@x.example")
    first = record_action(loaded, admin, "sync", detail="2 leads", at=NOW)
    second = record_action(loaded, admin, "sla.save", target="first-touch", outcome="refused")
    rows = read_actions(loaded)
    assert list(rows["id"]) == [second, first]
    newest, oldest = rows.iloc[0], rows.iloc[1]
    assert (
        newest["actor"],
        newest["role"],
        newest["action"],
        newest["target"],
        newest["outcome"],
    ) == ("ops@x.example", "admin", "sla.save", "first-touch", "refused")
    assert oldest["at"] == NOW and oldest["at"].tzinfo is not None
