"""The dashboard's pages and how the frame reaches them (`st.navigation`, public API only).

Streamlit starts a server, and every AppTest run, in its pages-directory mode when a `pages/`
folder sits beside the entry script: that first run may execute a page file on its own, without
app.py. A page then calls `context.current()`, which hands Streamlit the real page list through
`st.navigation` (that is what ends the directory mode, as the docs say) and draws the frame itself,
so a deep link to `/follow_up` on a fresh server shows the same page, sidebar and filters as a
click in the sidebar. `handoff serve` ends the mode before the first session
(`ui/server.end_pages_directory_mode`), so there a deep link runs once, through app.py; AppTest
and a plain `streamlit run app.py` still start in it.
"""

from __future__ import annotations

import streamlit as st

from models.access import Person

PAGE_TITLE = "Handoff · SLA tracker"


def app_pages(person: Person) -> dict[str, list[st.Page]]:
    """The pages `person` may use, by sidebar section; each page's `url_path` is its file's
    name. Setup, Nudges and "People and access" are for admins only (the pages check it again).

    Streamlit serves the default page at "/" only, so a default Overview would answer "Page not
    found" to "/overview" (a bookmark, a shared link). The Overview file is therefore listed twice:
    hidden as the default at "/", and in the sidebar at "/overview". No redirect: a redirect would
    leave "/" in the browser's history (Back would bounce forward) and drop the widgets' state."""

    def page(name: str, title: str, icon: str) -> st.Page:
        return st.Page(f"pages/{name}.py", title=title, icon=icon, url_path=name)

    pages = {
        "Handoffs": [
            st.Page(
                "pages/overview.py",
                title="Overview",
                icon=":material/dashboard:",
                url_path="home",
                default=True,
                visibility="hidden",
            ),
            page("overview", "Overview", ":material/dashboard:"),
            page("follow_up", "Follow-up", ":material/call:"),
            page("service", "Service handoff", ":material/support_agent:"),
            page("friction", "Friction", ":material/report:"),
        ],
        "Managers": [page("drilldown", "Drill-down", ":material/manage_search:")],
    }
    if person.is_admin:
        pages["Setup"] = [
            page("sla_settings", "SLA settings", ":material/tune:"),
            page("data", "Data", ":material/database:"),
            page("nudges", "Nudges", ":material/notifications:"),
            page("people", "People and access", ":material/group:"),
        ]
    return pages


def configure_page() -> None:
    """Page title, icon and layout (the entry script's first call, or a page run alone)."""
    st.set_page_config(page_title=PAGE_TITLE, page_icon="🤝", layout="wide")


def navigate(person: Person) -> st.Page:
    """Give Streamlit the pages `person` may use and return the page this run shows."""
    return st.navigation(app_pages(person))
