"""The frame every page shares: sidebar filters, who the user is, flash messages, the empty-data gate."""

from __future__ import annotations

from contextvars import ContextVar

import streamlit as st

from models.access import Person
from ui import actions, identity, loaders, navigation
from ui.components import empty_database, friendly_errors, page_header
from ui.filters import Filters, set_query, sidebar_filters
from ui.text import plain

_FILTERS = "_filters"
_FLASH = "_flash"
# True while app.py runs a page inside the frame (one script run is one thread and context).
_framed: ContextVar[bool] = ContextVar("handoff_framed", default=False)


def draw_frame() -> bool:
    """The shared sidebar (filters, as-of note) and any flash message. False when the
    database could not be opened (the error is shown instead)."""
    with friendly_errors("Opening the database"):
        filters = sidebar_filters(identity.current_person())
        st.session_state[_FILTERS] = filters
        if filters.refused_team is not None:
            # A link to a team outside the person's scope: nothing of it is loaded, on any page.
            set_query(rep=None, lead=None)
            names = loaders.directory()["teams"].set_index("team_id")["name"]
            not_yours(f"the team {names.get(filters.refused_team, filters.refused_team)}")
        with st.sidebar:
            st.caption(
                f"Figures as of {filters.as_of.astimezone(filters.zone):%d %b %Y %H:%M %Z} "
                "(refreshed every 5 minutes, or at once after a sync, import or SLA change)."
            )
        show_flash()
        return True
    return False


def run_page(page: st.Page) -> None:
    """Draw the frame, then the page (app.py). Marks the run so the page knows the frame is up."""
    if not draw_frame():
        return
    token = _framed.set(True)
    try:
        with friendly_errors(f"The {page.title} page"):
            page.run()
    finally:
        _framed.reset(token)


def current() -> tuple[Filters, Person]:
    """The filters and the signed-in person of this run. A page file that Streamlit ran without app.py (its
    pages-directory mode, see ui/navigation.py) gets the page list and the frame here: on a
    session's first run by starting over through app.py, later (AppTest's interactions, where a
    rerun would drop the click) by drawing the frame itself."""
    if not _framed.get():
        navigation.navigate(identity.who_is_looking())
        if _FILTERS not in st.session_state:
            st.rerun()  # a session's first run: nothing to lose, and app.py draws it whole
        navigation.configure_page()
        if not draw_frame():
            st.stop()
    return st.session_state[_FILTERS], identity.current_person()


def flash(kind: str, message: str) -> None:
    """A message to show at the top of the next run (survives st.rerun)."""
    st.session_state[_FLASH] = (kind, message)


def show_flash() -> None:
    found = st.session_state.pop(_FLASH, None)
    if not found:
        return
    kind, message = found
    {"success": st.success, "error": st.error, "warning": st.warning}.get(kind, st.info)(message)


def load_demo_and_rerun() -> None:
    with st.spinner("Loading the demo organisation (a minute for a year of data)…"):
        outcome = actions.load_demo(identity.current_person())
    flash("success" if outcome.ok else "error", outcome.message)
    st.rerun()


def require_admin(title: str) -> None:
    """Stop a Setup page for anyone but an admin (a typed URL reaches the page file too)."""
    if not identity.current_person().is_admin:
        page_header(title)
        st.warning("Only Handoff admins use this page.", icon=":material/lock:")
        st.stop()


def not_yours(what: str) -> None:
    """Stop the page: the link points outside the person's scope (and nothing of it is loaded).
    `what` is plain text (it may hold a name or whatever the link said)."""
    st.warning(
        f"Not yours: {plain(what)} is outside what you may see. Ask its manager or a Handoff admin.",
        icon=":material/lock:",
    )
    st.stop()


def require_data(title: str | None = None) -> None:
    """Stop the page with the fresh-install guidance when nothing is loaded yet (under the
    page's `title`, so the user still sees where they are)."""
    if loaders.is_empty():
        if title:
            page_header(title)
        admin = identity.current_person().is_admin
        empty_database(load_demo_and_rerun if admin else None, key="gate")
        st.stop()
