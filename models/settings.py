"""Settings from the environment, or `.streamlit/secrets.toml` (never from the database).

Secrets are `SecretStr` so they never print in reprs, logs or error messages.
"""

from __future__ import annotations

import os
import tomllib
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEFAULT_DB_PATH = DATA_DIR / "handoff.db"
DEFAULT_CONFIG_PATH = DATA_DIR / "sla.toml"
SECRETS_PATH = ROOT / ".streamlit" / "secrets.toml"


def read_secrets_file(path: Path = SECRETS_PATH) -> dict[str, Any]:
    """Flat upper-case keys from `.streamlit/secrets.toml` (top level and one table deep)."""
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, dict):
            for inner, inner_value in value.items():
                flat[f"{key}_{inner}".upper()] = inner_value
                flat.setdefault(str(inner).upper(), inner_value)
        else:
            flat[key.upper()] = value
    return flat


class Settings(BaseSettings):
    """Everything configurable from outside the SLA file."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    database_url: str = Field(default=f"sqlite:///{DEFAULT_DB_PATH}")
    handoff_config: Path = DEFAULT_CONFIG_PATH
    hubspot_access_token: SecretStr | None = None
    hubspot_base_url: str | None = None
    hubspot_rate_per_10s: int = 100
    hubspot_search_per_s: float = 4.0
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_from: str = "handoff@localhost"
    report_email_to: str | None = None
    report_webhook_url: SecretStr | None = None
    report_out_dir: Path = ROOT / "reports_out"
    # Nudges: Slack bot token (chat:write, users:read.email), API host override, dashboard link.
    slack_bot_token: SecretStr | None = None
    slack_base_url: str | None = None
    handoff_base_url: str = "http://localhost:8501"


@lru_cache(maxsize=1)
def _secrets() -> dict[str, Any]:
    return read_secrets_file()


def load_settings(**overrides: Any) -> Settings:
    """Environment first, then `.streamlit/secrets.toml`, then defaults; explicit overrides win.

    Building `Settings` costs about 10 ms (pydantic-settings reads every source), and the
    dashboard asks for it many times per page view, so the result is kept per distinct set of
    values: a changed environment variable still gives new settings at once."""
    values: dict[str, Any] = {}
    secrets = _secrets()
    for name in Settings.model_fields:
        env_value = os.environ.get(name.upper())
        if env_value is not None:
            values[name] = env_value
        elif name.upper() in secrets:
            values[name] = secrets[name.upper()]
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        key = tuple(sorted(values.items()))
        hash(key)
    except TypeError:  # an override that is not hashable: build it afresh
        return Settings(**values)
    return _settings_for(key)


@lru_cache(maxsize=16)
def _settings_for(key: tuple[tuple[str, Any], ...]) -> Settings:
    return Settings(**dict(key))


def clock_is_pinned() -> bool:
    """True when `HANDOFF_NOW` pins the clock (see `current_time`)."""
    return bool(os.environ.get("HANDOFF_NOW"))


def current_time() -> datetime:
    """The current instant (UTC), or `HANDOFF_NOW` (ISO 8601 with an offset) when it pins the
    clock for demos and tests. Only the edges read it (the dashboard's clock, the CLI); the
    engine and the reports are given their instant."""
    pinned = os.environ.get("HANDOFF_NOW")
    if pinned:
        value = datetime.fromisoformat(pinned.replace("Z", "+00:00"))
        if value.tzinfo is None:
            raise ValueError(f"HANDOFF_NOW={pinned!r} has no offset; add one, e.g. {pinned}Z")
        return value.astimezone(UTC)
    return datetime.now(UTC)
