"""What `handoff serve` runs: Streamlit's own command line (`streamlit run app.py ...`) in this
process, with the warmer (ui/warmer.py) started first, so the figures are being made ready
while the server starts rather than when the first person opens a page.

    python -m ui.server --server.port=8501 --server.address=127.0.0.1 ...
"""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.web import cli as streamlit_cli

from ui import warmer

APP = Path(__file__).resolve().parents[1] / "app.py"


def main(argv: list[str] | None = None) -> None:
    warmer.start()
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    streamlit_cli.main()


if __name__ == "__main__":
    main()
