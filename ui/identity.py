"""Who is looking: Streamlit's own sign-in (`st.login`, `st.user`, `st.logout`) when the
`[auth]` section of `.streamlit/secrets.toml` is configured, else the bannered demo mode with a
role switcher (loopback only). The role itself always comes from the data (models/access.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from models.access import ADMIN, Person, admins_from_env, directory_people, resolve_person
from models.access_config import AccessConfig
from models.errors import BadInputError
from models.serving import HOW_TO_SIGN_IN, INSECURE_ENV, is_loopback
from ui import loaders
from ui.text import plain

_PERSON = "_person"
DEMO_KEY = "demo_as"  # the switcher's widget
DEMO_PARAM = "demo_as"  # ?demo_as=<email>: the demo person, so a link opened in a new tab keeps them
_DEMO_SYNCED = "_demo_as_synced"
DEMO_ADMIN = Person(email="demo-admin@localhost", role=ADMIN, name="Demo admin")


def auth_providers() -> list[str | None]:
    """The configured providers: [None] for a single unnamed one, the names of `[auth.NAME]`
    tables otherwise; [] when sign-in is not configured."""
    try:
        auth = st.secrets.get("auth")
    except Exception:  # no secrets file at all: Streamlit raises rather than returning {}
        return []
    if not isinstance(auth, Mapping):
        return []
    named = [str(k) for k, v in auth.items() if isinstance(v, Mapping) and "client_id" in v]
    if named:
        return list(named)
    return [None] if "client_id" in auth else []


def _access() -> AccessConfig:
    try:
        return loaders.get_config().access
    except BadInputError:
        return AccessConfig()  # the SLA file's problem is shown on every page; HANDOFF_ADMINS still work


def _env_admins() -> frozenset[str]:
    return admins_from_env(os.environ.get("HANDOFF_ADMINS"))


def _people_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    try:
        people = loaders.directory()
    except Exception:  # an unreachable database: nobody gets a data role, admins from the file still do
        return pd.DataFrame(), pd.DataFrame()
    return people["teams"], people["owners"]


def resolve(claims: Mapping[str, Any]) -> Person:
    teams, owners = _people_tables()
    return resolve_person(claims, teams, owners, _access(), _env_admins())


def everyone() -> list[Person]:
    """Everyone Handoff knows (the demo switcher, the "People and access" view): worked out once
    per data stamp and SLA file, since the demo's switcher asks on every page view."""
    try:
        stamp = loaders.data_stamp()
        where = loaders.source()
    except Exception:  # an unreachable database: nobody gets a data role, admins still do
        return directory_people(pd.DataFrame(), pd.DataFrame(), _access(), _env_admins())
    known = _everyone(
        stamp, where.config_path, where.config_mtime, os.environ.get("HANDOFF_ADMINS") or ""
    )
    return list(known)


@st.cache_resource(show_spinner=False, ttl=loaders.TTL_SECONDS, max_entries=8)
def _everyone(stamp: str, config_path: str, mtime: float, env_admins: str) -> tuple[Person, ...]:
    del stamp, config_path, mtime  # cache key only
    teams, owners = _people_tables()
    return tuple(directory_people(teams, owners, _access(), admins_from_env(env_admins)))


def _alone(title: str, draw: Any) -> None:
    """Show one page and nothing else (no page list, no data), then stop the run."""
    st.navigation([st.Page(draw, title=title, url_path="signin", default=True)], position="hidden").run()
    st.stop()


def _sign_in_page(providers: list[str | None]) -> None:
    def draw() -> None:
        st.title("Handoff")
        st.markdown("Sign in with your company account to see your handoffs.")
        for provider in providers:
            label = "Sign in" if provider is None else f"Sign in with {provider}"
            if st.button(label, type="primary", key=f"login_{provider or 'default'}"):
                st.login(provider) if provider else st.login()

    _alone("Sign in", draw)


def _unknown_page(person: Person) -> None:
    def draw() -> None:
        st.title("Not known to Handoff")
        st.text(f"Signed in as {person.email or 'an account without an e-mail address'}.")
        st.markdown(
            "Handoff knows reps (a CRM owner's e-mail), team managers, viewers and admins; this "
            "sign-in is none of them, so there is nothing to show. Ask a Handoff admin to add you."
        )
        st.caption(f"Why: {plain(person.reason)}")
        if st.button("Sign out"):
            st.logout()

    _alone("Not known", draw)


def _refuse_page(address: str | None) -> None:
    def draw() -> None:
        st.title("Sign-in is not configured")
        st.error(
            f"This dashboard listens on {address or 'every interface'} without sign-in, so it "
            f"shows nothing. {HOW_TO_SIGN_IN}"
        )

    _alone("Sign-in needed", draw)


def _demo_switcher() -> Person:
    people = everyone()
    if not any(p.role == ADMIN for p in people):
        people.insert(0, DEMO_ADMIN)
    options = {p.email: p for p in people}
    keys = list(options)
    # A link (a new tab has a new session) names the demo person: follow it once, as the
    # filters follow theirs; after that the switcher decides and the address follows it.
    wanted = st.query_params.get(DEMO_PARAM)
    if wanted is not None and wanted != st.session_state.get(_DEMO_SYNCED):
        st.session_state[_DEMO_SYNCED] = wanted
        if wanted.strip().lower() in options:
            st.session_state[DEMO_KEY] = wanted.strip().lower()
    if st.session_state.get(DEMO_KEY) not in keys:
        st.session_state[DEMO_KEY] = keys[0]
    else:  # keep it when another script draws the widget (a page run on its own)
        st.session_state[DEMO_KEY] = st.session_state[DEMO_KEY]
    with st.sidebar:
        st.warning(
            "**Demo mode: no sign-in.** Anyone on this computer may act as anyone. "
            "Configure `[auth]` before sharing it.",
            icon=":material/science:",
        )
        chosen = st.selectbox(
            "Try Handoff as",
            keys,
            key=DEMO_KEY,
            format_func=lambda k: options[k].label,
            help="Demo only: with sign-in configured, the role comes from who signs in.",
        )
    st.session_state[_DEMO_SYNCED] = chosen
    if st.query_params.get(DEMO_PARAM) != chosen:
        st.query_params[DEMO_PARAM] = chosen
    return options[chosen]


def link_params() -> dict[str, str]:
    """Query parameters every link of the dashboard carries: in demo mode the demo person (a
    link opened in a new tab starts a new session, which would otherwise be the first person);
    with sign-in nothing (the sign-in cookie says who it is)."""
    if not is_demo():
        return {}
    person = st.session_state.get(_PERSON)
    return {DEMO_PARAM: person.email} if isinstance(person, Person) else {}


def _signed_in_sidebar(person: Person) -> None:
    with st.sidebar:
        st.caption(f"Signed in as {plain(person.email)} · {person.role}")
        if st.button("Sign out", key="logout"):
            st.logout()


def who_is_looking() -> Person:
    """The person this run is for; draws the sign-in, "not known" or refusal page and stops the
    run when there is nobody with a role."""
    providers = auth_providers()
    if providers:
        if DEMO_PARAM in st.query_params:
            del st.query_params[DEMO_PARAM]  # demo mode only: with sign-in it chooses nothing
        if not st.user.is_logged_in:
            _sign_in_page(providers)
        person = resolve(st.user.to_dict())
        if not person.is_known:
            _unknown_page(person)
        _signed_in_sidebar(person)
    else:
        address = st.get_option("server.address")
        if not is_loopback(address) and os.environ.get(INSECURE_ENV) != "1":
            _refuse_page(address)
        person = _demo_switcher()
    _old_identity_link(person)
    st.session_state[_PERSON] = person
    return person


def _old_identity_link(person: Person) -> None:
    """`?as=` once chose who you were; now it chooses nothing (and says so once)."""
    claimed = st.query_params.get("as")
    if claimed is None:
        return
    del st.query_params["as"]
    st.toast(
        f"This link asked to act as {plain(str(claimed)[:80])}; Handoff now uses your sign-in "
        f"({plain(person.email)}) and ignores it.",
        icon=":material/block:",
    )


def current_person() -> Person:
    """The person of this run (after `who_is_looking`)."""
    person = st.session_state.get(_PERSON)
    assert isinstance(person, Person), "who_is_looking() runs first (app.py or context.current)"
    return person


def is_demo() -> bool:
    return not auth_providers()
