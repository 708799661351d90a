"""The warmer (ui/warmer.py): a served dashboard computes the default views before anyone asks,
before it even opens its port, so the first visit to the Overview, Follow-up, Service and
Friction pages computes no verdicts and builds none of their views or reports. Shown on a real `handoff serve` in Chromium, from the runs' profiles."""

from __future__ import annotations

import pstats
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from models.store import Store
from models.time.months import month_of
from tests.ui.test_browser import browser, demo_store, serve, settle  # noqa: F401
from tests.ui.test_pages import NOW, dashboard_env, demo  # noqa: F401
from ui import clock, loaders, warmer

# What computing a view costs: judging or reading verdicts, the at-risk list, an SLA's view.
WORK = ("cached_evaluations", "at_risk", "scoped_results", "build_report")


def _work_done(profile: Path) -> set[str]:
    stats = pstats.Stats(str(profile))
    called = {name for (_, _, name) in stats.stats}  # type: ignore[attr-defined]
    return {name for name in WORK if name in called}


@pytest.mark.browser
def test_a_served_dashboard_has_the_default_views_ready_before_the_first_visit(
    demo_store: Store,  # noqa: F811
    browser: Any,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    profiles = tmp_path / "profiles"
    monkeypatch.setenv("HANDOFF_PROFILE", str(profiles))
    with serve(demo_store.url, tmp_path) as url:
        # The first pass is over before the server answers its health check at all.
        runs = profiles / "runs.log"
        assert " warm " in runs.read_text(), "the server opened before its first warm pass"
        (warm,) = profiles.glob("*-warm.prof")
        assert set(WORK) <= _work_done(warm)  # the pass did the work
        for path, heading in (
            ("overview", "Overview"),
            ("follow_up", "Follow-up"),
            ("service", "Service handoff"),
            ("friction", "friction report"),
        ):
            context = browser.new_context(viewport={"width": 1440, "height": 1000})
            tab = context.new_page()
            tab.goto(f"{url}/{path}")
            settle(tab, heading)
            context.close()
            (run,) = profiles.glob(f"*-{path}.prof")
            assert _work_done(run) == set(), f"{path} computed what the warmer had ready"


def test_the_warmer_runs_only_in_a_served_dashboard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HANDOFF_SERVING", raising=False)
    assert not warmer.enabled()
    monkeypatch.setenv("HANDOFF_SERVING", "1")
    assert warmer.enabled()
    monkeypatch.setenv("HANDOFF_WARM", "0")
    assert not warmer.enabled()


def test_a_warm_pass_on_an_empty_database_does_nothing(
    dashboard_env: Any,  # noqa: F811
) -> None:
    assert warmer.warm_once(NOW).startswith("nothing")


def test_each_mark_is_warmed_ahead_of_it() -> None:
    bucket = clock.EVALUATION_BUCKET
    mark = datetime(2026, 10, 14, 15, 0, tzinfo=UTC)
    # Right after the mark was warmed, the next one starts 30 s (the minimum lead) before it.
    target, wait = warmer.next_pass(mark + timedelta(seconds=5), mark, last_pass=2.0)
    assert target == mark + bucket
    assert wait == (bucket - timedelta(seconds=5 + 30)).total_seconds()
    # A slow pass starts earlier (twice its time), never more than half a mark ahead.
    assert warmer.next_pass(mark, mark, last_pass=40.0)[1] == bucket.total_seconds() - 80
    assert warmer.next_pass(mark, mark, last_pass=400.0)[1] == bucket.total_seconds() / 2
    # Already inside the lead: start at once.
    assert warmer.next_pass(mark + bucket - timedelta(seconds=10), mark, 2.0) == (mark + bucket, 0.0)
    # After a stall (a suspended machine), the mark of now, at once.
    late = mark + 3 * bucket + timedelta(seconds=20)
    assert warmer.next_pass(late, mark, 2.0) == (mark + 3 * bucket, 0.0)


def test_a_pass_ahead_of_a_mark_has_that_marks_figures_ready(
    demo: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui import evaluations, overview

    mark = clock.evaluation_instant(NOW) + clock.EVALUATION_BUCKET
    warmer.warm_once(mark)  # before the mark, as of it
    judged: list[object] = []
    real = evaluations.evaluation

    def counted(*args: Any, **kwargs: Any) -> Any:
        judged.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(evaluations, "evaluation", counted)
    # A person opening the Overview a minute into that mark finds its figures made.
    board = overview.load(warmer.default_filters(mark + timedelta(minutes=1)))
    assert board.month == month_of(mark, loaders.month_zone())
    assert judged == [], "the page judged what the pass ahead of the mark had made"
    # A mark nobody warmed is judged when asked for (the check can fail).
    overview.load(warmer.default_filters(mark + clock.EVALUATION_BUCKET))
    assert judged, "a mark that was not warmed must be judged"
