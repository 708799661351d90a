"""The warmer (ui/warmer.py): a served dashboard computes the default views before anyone asks,
before it even opens its port, so the first visit to the Overview, Follow-up, Service and
Friction pages computes no verdicts and builds none of their views or reports. Shown on a real `handoff serve` in Chromium, from the runs' profiles."""

from __future__ import annotations

import pstats
from pathlib import Path
from typing import Any

import pytest

from models.store import Store
from tests.ui.test_browser import browser, demo_store, serve, settle  # noqa: F401
from tests.ui.test_pages import NOW, dashboard_env  # noqa: F401
from ui import warmer

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
