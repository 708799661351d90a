"""The Nudges page and a lead's nudges in the drill-down, through Streamlit's AppTest on the demo
organisation, with a nudge log written through the store as a pass writes it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from test_pages import NOW, assert_clean, dashboard_env, demo, open_app  # noqa: F401 (fixtures)

from models.store import Store


@pytest.fixture
def nudged(demo: Store) -> tuple[Store, str]:  # noqa: F811
    lead = (
        demo.read_entity("lead").dropna(subset=["owner_id"]).sort_values("handed_off_at").iloc[-1]
    )
    owner = demo.read_entity("owner", ids=[lead["owner_id"]]).iloc[0]
    for stage, rank, error in (
        ("half", 1, None),
        ("late", 2, "Slack chat.postMessage answered internal_error"),
    ):
        row = {"sla_id": "first-touch", "item_id": lead["lead_id"], "stage": stage, "rank": rank,
               "recipient": owner["email"], "lead_id": lead["lead_id"], "role": "owner",
               "channel": "slack", "summary": f"{stage} of first touch used"}  # fmt: skip
        claimed = demo.claim_nudge(row, now=NOW, holder="test", stale_before=NOW - timedelta(minutes=15),
                                   max_attempts=3)  # fmt: skip
        assert claimed is not None
        demo.finish_nudge(claimed[0], status="failed" if error else "sent", now=NOW, target="U1",
                          error=error, next_attempt_at=NOW + timedelta(minutes=5) if error else None)  # fmt: skip
    return demo, str(lead["lead_id"])


def test_nudges_page_lists_who_was_told_what(nudged: tuple[Store, str]) -> None:
    at = open_app("pages/nudges.py")
    assert_clean(at)
    assert at.title[0].value == "Nudges"
    assert [m.value for m in at.metric if m.label in ("Sent", "Failed")] == ["1", "1"]
    table = at.dataframe[0].value
    assert sorted(table["Status"]) == ["Failed (will retry)", "Sent"]
    assert table["Problem"].str.contains("internal_error").any()


def test_mute_from_the_page(nudged: tuple[Store, str]) -> None:
    store, _ = nudged
    at = open_app("pages/nudges.py")
    at.text_input(key="mute_email").input("Rita@Example.com").run()
    at.button(key="mute_True").click().run()
    assert_clean(at)
    assert store.read_mutes() == frozenset({"rita@example.com"})


def test_lead_timeline_lists_its_nudges(nudged: tuple[Store, str]) -> None:
    store, lead_id = nudged
    lead = store.read_entity("lead", ids=[lead_id]).iloc[0]
    owner = store.read_entity("owner", ids=[lead["owner_id"]]).iloc[0]
    month = lead["handed_off_at"].tz_convert("America/New_York").strftime("%Y-%m")
    at = open_app("pages/drilldown.py", month=month, team=str(owner["team_id"]),
                  rep=str(owner["owner_id"]), lead=lead_id)  # fmt: skip
    assert_clean(at)
    assert "Nudges this lead caused (2)" in [e.label for e in at.expander]


def test_a_team_without_a_manager_is_named_with_the_fix(
    demo: Store,  # noqa: F811
    dashboard_env: Path,  # noqa: F811
) -> None:
    teams = demo.read_entity("team")
    sales = teams[teams["tier"] == "sales"].iloc[0]
    demo.upsert_frame("team", teams[teams["team_id"] == sales["team_id"]].assign(manager_email=None))
    at = open_app("pages/nudges.py")
    assert_clean(at)
    warning = " ".join(w.value for w in at.warning)
    assert f"team {sales['name']}" in warning and "[access.managers]" in warning
    extra = f'\n[access.managers]\n"{sales["team_id"]}" = ["new.boss@example.com"]\n'
    dashboard_env.write_text(dashboard_env.read_text(encoding="utf-8") + extra, encoding="utf-8")
    at = open_app("pages/nudges.py")
    assert_clean(at)
    assert not any("No manager to tell" in w.value for w in at.warning)
