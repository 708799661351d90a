"""The house layers (STYLE.md) for the files import-linter cannot see: app.py, pages/ and cli.py."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


PAGE_FILES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: p.name)
def test_pages_only_draw(path: Path) -> None:
    """Pages read filters, call ui loaders and draw: no SQL, no store, no SLA rules."""
    forbidden = ("sqlalchemy", "sqlmodel", "models.store", "models.engine", "connectors", "hubspot")
    bad = {name for name in _imports(path) if name.startswith(forbidden)}
    assert not bad, f"{path.name} imports {sorted(bad)}; go through ui/ instead"


def test_cli_has_no_streamlit_and_no_sql() -> None:
    bad = {n for n in _imports(ROOT / "cli.py") if n.startswith(("streamlit", "sqlalchemy", "ui"))}
    assert not bad


def test_only_ui_layer_imports_streamlit() -> None:
    for package in ("models", "connectors", "reports"):
        for path in (ROOT / package).rglob("*.py"):
            assert not any(n.startswith("streamlit") for n in _imports(path)), path
