"""Where the dashboard may listen: sign-in configured, or loopback only (the demo mode).

A dashboard without `[auth]` has no idea who is looking, so it only runs where nobody else can
reach it. Pure apart from reading the secrets files it is given.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from models.errors import BadInputError

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
INSECURE_ENV = "HANDOFF_INSECURE_DEMO"

HOW_TO_SIGN_IN = (
    "Configure sign-in first: add an [auth] section to .streamlit/secrets.toml with redirect_uri "
    "(https://YOUR-HOST/oauth2callback), cookie_secret, client_id, client_secret and "
    "server_metadata_url (see README, 'Sign-in, roles and access'), or listen on 127.0.0.1 only "
    "(the default) to try the demo."
)


def is_loopback(address: str | None) -> bool:
    """127.0.0.1, ::1 or localhost. An empty address means every interface: not loopback."""
    return bool(address) and str(address).strip().lower() in LOOPBACK


def auth_section(raw: Mapping[str, Any]) -> bool:
    """True when a secrets document has an `[auth]` table with at least a provider's client_id
    (at the top of `[auth]` or in a named provider `[auth.NAME]`)."""
    auth = raw.get("auth")
    if not isinstance(auth, Mapping):
        return False
    if "client_id" in auth:
        return True
    return any(isinstance(v, Mapping) and "client_id" in v for v in auth.values())


def auth_configured(paths: Iterable[Path]) -> bool:
    """Any of the secrets files Streamlit would read configures sign-in."""
    for path in paths:
        if path.is_file():
            try:
                raw = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                continue
            if auth_section(raw):
                return True
    return False


def listen_problem(address: str | None, *, signed_in: bool, insecure_demo: bool) -> str | None:
    """Why the dashboard must not start on `address`, or None when it may."""
    if signed_in or is_loopback(address) or insecure_demo:
        return None
    where = address or "every interface"
    return f"refusing to serve on {where} without sign-in: anyone who reaches it would be an admin. {HOW_TO_SIGN_IN} --insecure-demo overrides this (never on a shared network)."


def secrets_files(root: Path) -> list[Path]:
    """The secrets files Streamlit reads for an app in `root` (project, working folder, home)."""
    return [
        root / ".streamlit" / "secrets.toml",
        Path.cwd() / ".streamlit" / "secrets.toml",
        Path.home() / ".streamlit" / "secrets.toml",
    ]


def check_listen(root: Path, address: str, *, insecure_demo: bool) -> bool:
    """Whether sign-in is configured; raises BadInputError (with the how-to) when the dashboard
    must not listen on `address`."""
    signed_in = auth_configured(secrets_files(root))
    problem = listen_problem(address, signed_in=signed_in, insecure_demo=insecure_demo)
    if problem:
        raise BadInputError(problem)
    return signed_in
