"""The shortcuts give exactly what the long way gave: explanation sentences written on first
read, frozen snapshots whose items are decoded only when read (and older snapshots), and several
months read together."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import tomli_w
from engine_builders import BASE_SLA_FILE, OWNERS, TEAMS, act, data, deal, item, lead, run

from models import tables as T
from models.engine import columns as E
from models.engine import rollups
from models.engine.results import Evaluation
from models.store import Store
from models.verdicts.service import evaluate_month, evaluate_months, freeze_month, read_snapshot

MON = "2026-10-05"
NOW = datetime(2026, 11, 5, tzinfo=UTC)


def _inputs() -> object:
    return data(
        [
            lead("A", f"{MON} 09:00", assigned=f"{MON} 09:30"),
            lead("B", f"{MON} 09:00", rejected=f"{MON} 10:00"),
            lead("C", f"{MON} 09:00"),
            lead("W", f"{MON} 16:00", owner="west"),
        ],
        [act("A", f"{MON} {h}:00", activity_id=f"A-{h}") for h in (10, 11, 12)]
        + [act("C", f"{MON} 15:00", activity_id="C-1")],
        [deal("D1", "A", f"{MON} 11:00", owner="csm")],
    )


def test_explanations_are_written_on_first_read_and_only_then() -> None:
    evaluation = run(_inputs(), as_of=f"{MON} 16:30")  # type: ignore[arg-type]
    result = evaluation.sla("first-touch")
    assert result.lean_items[E.EXPLANATION].isna().all()  # nothing written yet
    assert result.counts["met"] == 2 and result.at_risk_count >= 0
    assert result.lean_items[E.EXPLANATION].isna().all()  # headline figures did not need them
    written = result.items
    assert written[E.EXPLANATION].notna().all()
    assert "first contact: call A-10" in item(evaluation, "first-touch", "A")["explanation"]
    # Without explanations, every other column is the same.
    plain = run(_inputs(), as_of=f"{MON} 16:30")  # type: ignore[arg-type]
    lean = plain.items(explain=False)
    pd.testing.assert_frame_equal(
        lean.drop(columns=E.EXPLANATION), evaluation.items().drop(columns=E.EXPLANATION)
    )


@pytest.mark.parametrize("sla_id", ["first-touch", "attempts", "service"])
def test_explaining_a_few_rows_equals_explaining_all(sla_id: str) -> None:
    everything = run(_inputs(), as_of=f"{MON} 16:30").sla(sla_id).items  # type: ignore[arg-type]
    fresh = run(_inputs(), as_of=f"{MON} 16:30")  # type: ignore[arg-type]
    some = fresh.items(explain=False)
    some = some[some[E.SLA_ID] == sla_id].iloc[::-1]  # any subset, any order
    explained = fresh.explain(some)
    expected = everything.set_index(E.ITEM_ID)[E.EXPLANATION]
    assert explained[E.EXPLANATION].tolist() == expected.loc[some[E.ITEM_ID]].tolist()


def test_at_risk_rollup_explains_the_rows_it_returns() -> None:
    evaluation = run(_inputs(), as_of=f"{MON} 16:30")  # type: ignore[arg-type]
    risky = rollups.at_risk(evaluation)
    assert not risky.empty and risky[E.EXPLANATION].str.contains("business minutes left").all()


def test_json_round_trip_decodes_items_on_read() -> None:
    evaluation = run(_inputs())  # type: ignore[arg-type]
    again = Evaluation.from_json(evaluation.to_json())
    assert again.to_json() == evaluation.to_json()


# -- snapshots on a real database ------------------------------------------------------------------


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> tuple[Store, Path]:
    store.upsert_frame("team", pd.DataFrame(TEAMS))
    store.upsert_frame("owner", pd.DataFrame(OWNERS).assign(active=True))
    store.upsert_frame(
        "lead",
        pd.DataFrame(
            [
                lead("MET", f"{MON} 09:00", assigned=f"{MON} 09:30"),
                lead("LATE", f"{MON} 09:00"),
                lead("WEST", f"{MON} 09:00", owner="west"),
            ]
        ),
    )
    store.upsert_frame(
        "activity",
        pd.DataFrame(
            [
                act("MET", f"{MON} 10:00", activity_id="A-MET"),
                act("LATE", f"{MON} 15:00", activity_id="A-LATE"),
            ]
        ),
    )
    store.upsert_frame("deal", pd.DataFrame([deal("D1", "MET", "2026-10-07 10:00", owner="csm")]))
    path = tmp_path / "sla.toml"
    path.write_text(tomli_w.dumps(BASE_SLA_FILE), encoding="utf-8")
    return store, path


def _comparable(evaluation: Evaluation) -> str:
    payload = evaluation.to_json()
    payload["frozen"] = None
    return json.dumps(payload, sort_keys=True, default=str)


def test_frozen_headline_reads_no_items_and_items_equal_the_live_ones(
    loaded: tuple[Store, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, path = loaded
    live = evaluate_month(store, path, "2026-10", as_of=NOW)
    freeze_month(store, path, "2026-10", as_of=NOW, frozen_by="mia")
    reads: list[int] = []
    original = Store.read_snapshot_payload
    monkeypatch.setattr(
        Store,
        "read_snapshot_payload",
        lambda self, snapshot_id: reads.append(snapshot_id) or original(self, snapshot_id),
    )
    frozen = evaluate_month(store, path, "2026-10", as_of=NOW)
    assert frozen.frozen is not None and frozen.frozen["times_frozen"] == 1
    assert frozen.sla("first-touch").counts == live.sla("first-touch").counts
    assert frozen.sla("first-touch").at_risk_count == live.sla("first-touch").at_risk_count
    assert reads == []  # the headline came from the payload's first line
    copied = pickle.loads(pickle.dumps(evaluate_month(store, path, "2026-10", as_of=NOW)))
    assert _comparable(copied) == _comparable(live)  # pickling decodes the items first
    reads.clear()
    assert _comparable(frozen) == _comparable(live)
    assert len(reads) == 1  # all SLAs' items from one read
    pd.testing.assert_frame_equal(frozen.items(), live.items(), check_exact=False, atol=0.01)
    west = evaluate_month(store, path, "2026-10", as_of=NOW, team_id="sales-west")
    assert west.sla("first-touch").counts == {"met": 0, "breached": 1, "open": 0, "excluded": 0}


def test_a_frozen_month_decodes_only_the_sla_whose_items_are_read(
    loaded: tuple[Store, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from models.engine import serialise

    store, path = loaded
    live = evaluate_month(store, path, "2026-10", as_of=NOW)
    freeze_month(store, path, "2026-10", as_of=NOW, frozen_by="mia")
    unpacked: list[str] = []
    original = serialise._unpack
    monkeypatch.setattr(serialise, "_unpack", lambda text: unpacked.append(text) or original(text))
    frozen = evaluate_month(store, path, "2026-10", as_of=NOW)
    service = frozen.sla("service").lean_items
    assert len(unpacked) == 1, "only the service SLA's items were decompressed"
    expected = live.sla("service").lean_items.assign(**{E.EXPLANATION: service[E.EXPLANATION]})
    pd.testing.assert_frame_equal(service, expected, check_exact=False, atol=0.01)
    assert _comparable(frozen) == _comparable(live)
    assert len(unpacked) == 3  # the other two per-item SLAs, each once


def test_snapshots_stored_before_the_two_line_format_still_read(loaded: tuple[Store, Path]) -> None:
    store, path = loaded
    live = evaluate_month(store, path, "2026-10", as_of=NOW)
    store.replace_snapshot(
        "2026-10",
        json.dumps(live.to_json(), default=str),  # the old payload: one document, items as records
        frozen_at=NOW,
        frozen_by="old",
        note=None,
    )
    frozen = read_snapshot(store, "2026-10")
    assert frozen is not None and frozen.frozen is not None
    assert frozen.frozen["frozen_by"] == "old"
    assert _comparable(frozen) == _comparable(live)
    assert store.count_rows()["lead"] == 3
    assert len(store.select_rows(T.VerdictSnapshot)) == 1


def test_evaluate_months_passes_team_and_explain(loaded: tuple[Store, Path]) -> None:
    store, path = loaded
    months = evaluate_months(
        store, path, ["2026-09", "2026-10"], as_of=NOW, team_id="sales-east", explain=False
    )
    assert [m.month for m in months] == ["2026-09", "2026-10"]
    october = months[1].sla("first-touch")
    assert october.counts["met"] + october.counts["breached"] == 2  # MET and LATE, not WEST
    assert october.items[E.EXPLANATION].isna().all()


def test_months_read_together_equal_months_read_one_by_one(loaded: tuple[Store, Path]) -> None:
    store, path = loaded
    store.upsert_frame(
        "lead",
        pd.DataFrame(
            [
                lead("SEPT", "2026-09-30 10:00", assigned=f"{MON} 10:00"),  # October's clock
                lead("NOV", "2026-11-02 10:00"),
            ]
        ),
    )
    store.upsert_frame("deal", pd.DataFrame([deal("D2", "NOV", "2026-11-03 10:00", owner="csm")]))
    freeze_month(store, path, "2026-09", as_of=NOW)
    months = ["2026-09", "2026-10", "2026-11"]
    october = (datetime(2026, 9, 30, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC))
    november = (datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC))
    windows = [october, november, october]
    together = list(store.read_sla_inputs_windows(windows, NOW))
    for frames, window in zip(together, windows, strict=True):
        alone = store.read_sla_inputs(*window, NOW)
        for name in ("leads", "deals", "activities"):
            pd.testing.assert_frame_equal(frames[name], alone[name])
    assert set(together[1]["leads"]["lead_id"]) == {"NOV"}
    for team in (None, "sales-east"):
        together = evaluate_months(store, path, months, as_of=NOW, team_id=team)
        alone = [evaluate_month(store, path, m, as_of=NOW, team_id=team) for m in months]
        assert [_comparable(e) for e in together] == [_comparable(e) for e in alone]
        assert together[0].frozen is not None and together[1].frozen is None
    november = evaluate_months(store, path, months, as_of=NOW)[2]
    assert (
        november.sla("first-touch").counts["open"] + november.sla("first-touch").counts["breached"]
        == 1
    )
    assert sum(november.sla("service").counts.values()) == 1
