#!/usr/bin/env python3
"""The two README commands, needing nothing but Python 3.11+:

    python3 dev.py dashboard   # set up, load the demo organisation (first time), open the dashboard
    python3 dev.py test        # set up, run the whole test suite (DATABASE_URL picks the database)

Both create `.venv/` and install the project with its development tools when pyproject.toml changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".handoff-installed"


def _run(*command: str | Path, env: dict[str, str] | None = None) -> int:
    print("+", " ".join(str(c) for c in command), flush=True)
    return subprocess.call([str(c) for c in command], cwd=ROOT, env=env)


def setup() -> None:
    """Create the virtual environment and install the project when needed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py is what runs on an older Python
        sys.exit(f"Handoff needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not (BIN / "python").exists():
        print(f"Creating the virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    if _run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip") != 0:
        sys.exit("Could not upgrade pip in .venv (see above).")
    if _run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", ".[dev]") != 0:
        sys.exit("Installing Handoff into .venv failed (see above).")
    STAMP.write_text(digest)


def dashboard(args: list[str]) -> int:
    """Load the demo organisation into the local SQLite file if it is empty, then serve."""
    setup()
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'data' / 'handoff.db'}")
    probe = (
        "from models.store import Store; import sys; "
        "sys.exit(0 if Store().count_rows()['lead'] else 3)"
    )
    empty = subprocess.call([str(BIN / "python"), "-c", probe], cwd=ROOT, env=env) == 3
    if empty and _run(BIN / "handoff", "demo", env=env) != 0:
        return 1
    return _run(BIN / "handoff", "serve", *args, env=env)


def test(args: list[str]) -> int:
    """Run the test suite (on SQLite unless DATABASE_URL points at PostgreSQL)."""
    setup()
    target = os.environ.get("DATABASE_URL", "sqlite (a scratch file per run)")
    print(f"Running the tests on {target.split('@')[-1]}", flush=True)
    return _run(BIN / "python", "-m", "pytest", *args)


def setup_only(args: list[str]) -> int:
    """Set up .venv and stop (CI and the first step of both commands)."""
    del args
    setup()
    return 0


def main() -> int:
    commands = {"dashboard": dashboard, "test": test, "setup": setup_only}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
