"""The README documents every command and option a user can type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main

from cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: Any, prefix: str = "handoff") -> list[tuple[str, Any]]:
    # typer ships its own click-compatible classes, so go by shape rather than isinstance.
    found: list[tuple[str, Any]] = []
    if hasattr(group, "commands"):
        for name, command in group.commands.items():
            path = f"{prefix} {name}"
            found.append((path, command))
            found.extend(_commands(command, path))
    return found


COMMANDS = _commands(typer.main.get_command(app))


def test_cli_has_the_spec_commands() -> None:
    names = {path for path, _ in COMMANDS}
    for required in (
        "handoff demo",
        "handoff import",
        "handoff export-data",
        "handoff sync hubspot",
        "handoff evaluate",
        "handoff report",
        "handoff schedule",
        "handoff serve",
    ):
        assert required in names


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS])
def test_every_command_is_in_the_readme(path: str) -> None:
    assert f"`{path}" in README, f"README.md does not document `{path}`"


@pytest.mark.parametrize(
    ("path", "option"),
    [
        (path, opt)
        for path, command in COMMANDS
        for param in command.params
        if getattr(param, "param_type_name", "") == "option"
        for opt in param.opts
        if opt.startswith("--") and opt != "--help"
    ],
)
def test_every_option_is_in_the_readme(path: str, option: str) -> None:
    assert option in README, f"README.md does not mention {option} of `{path}`"
