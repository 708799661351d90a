"""What `handoff serve` runs: Streamlit's own command line (`streamlit run app.py ...`) in this
process, after the warmer's first pass (ui/warmer.py): the port opens, and the health check
answers, only once the current figures are ready, so nobody waits for them on a fresh server.

    python -m ui.server --server.port=8501 --server.address=127.0.0.1 ...
"""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.web import cli as streamlit_cli

from ui import warmer

APP = Path(__file__).resolve().parents[1] / "app.py"


def main(argv: list[str] | None = None) -> None:
    warmer.start(announce=lambda line: print(line, flush=True))
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    streamlit_cli.main()


if __name__ == "__main__":
    main()
