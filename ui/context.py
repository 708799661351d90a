"""The frame every page shares: sidebar filters, who the user is, flash messages, the empty-data gate."""

from __future__ import annotations

import streamlit as st

from ui import actions, loaders
from ui.components import empty_database, friendly_errors, page_header
from ui.filters import Filters, Identity, identity_selector, sidebar_filters

_FILTERS = "_filters"
_IDENTITY = "_identity"
_FLASH = "_flash"


def draw_frame() -> bool:
    """The shared sidebar (filters, "I am", as-of note) and any flash message. False when the
    database could not be opened (the error is shown instead)."""
    with friendly_errors("Opening the database"):
        filters = sidebar_filters()
        identity = identity_selector()
        st.session_state[_FILTERS] = filters
        st.session_state[_IDENTITY] = identity
        with st.sidebar:
            st.caption(
                f"Figures as of {filters.as_of.astimezone(filters.zone):%d %b %Y %H:%M %Z} "
                "(refreshed every 5 minutes, or at once after a sync, import or SLA change)."
            )
        show_flash()
        return True
    return False


def leave_legacy_pages_mode() -> bool:
    """Switch off Streamlit's legacy pages-directory mode; True if this run started in it.

    Streamlit picks the mode before any of our code runs: with a pages/ folder beside app.py, a
    server's first run (and every AppTest run) lists the folder's files as pages and may run a
    page file without app.py. We switch the mode off as st.navigation does. On a session's first
    run nothing can be lost by starting over, so we rerun to get the real page list at once;
    later (AppTest's interactions) a rerun would drop the click, so the caller draws the frame.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if not PagesManager.uses_pages_directory:
        return False
    PagesManager.uses_pages_directory = False
    if _FILTERS not in st.session_state:
        st.rerun()
    return True


def current() -> tuple[Filters, Identity]:
    """The filters and identity of this run (drawn by app.py, or here for a page run alone)."""
    if (leave_legacy_pages_mode() or _FILTERS not in st.session_state) and not draw_frame():
        st.stop()
    return st.session_state[_FILTERS], st.session_state[_IDENTITY]


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
        outcome = actions.load_demo()
    flash("success" if outcome.ok else "error", outcome.message)
    st.rerun()


def require_data(title: str | None = None) -> None:
    """Stop the page with the fresh-install guidance when nothing is loaded yet (under the
    page's `title`, so the user still sees where they are)."""
    if loaders.is_empty():
        if title:
            page_header(title)
        empty_database(load_demo_and_rerun, key="gate")
        st.stop()
