"""components.cached_chart: a figure is built once per `depends_on` and shared by every run and
session; its CRM labels are escaped once (not again on every draw)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _script() -> None:
    import plotly.graph_objects as go
    import streamlit as st

    from ui import components

    built = st.session_state.setdefault("built", [])
    depends_on = st.session_state.get("depends_on", "a")

    def build() -> go.Figure:
        built.append(depends_on)
        return go.Figure(go.Bar(x=[f"<b>{depends_on}</b>"], y=[1]))

    components.cached_chart(
        build, key="chart", depends_on=("test_cached_chart", depends_on), empty="Nothing."
    )


def test_a_figure_is_built_once_per_what_it_depends_on_and_escaped_once() -> None:
    app = AppTest.from_function(_script, default_timeout=60)
    app.run()
    app.run()  # a rerun: the figure comes from the cache
    app.session_state["depends_on"] = "b"
    app.run()  # new data: built again
    assert not app.exception
    assert app.session_state["built"] == ["a", "b"]
    spec = app.get("plotly_chart")[0].proto.spec
    assert r"&lt;b&gt;b&lt;\u002fb&gt;" in spec and "&amp;" not in spec and "<b>" not in spec
