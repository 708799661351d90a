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


def end_pages_directory_mode() -> None:
    """Streamlit starts in its pages-directory mode because `pages/` sits beside app.py: until
    some run calls `st.navigation`, a deep link (`/service`) runs the page file alone, and the
    page then starts over through app.py (ui/context.py), so the first visitor of a fresh server
    waited for two runs. The app always uses `st.navigation`, so the mode is ended before the
    first session, as Streamlit's own first `st.navigation` call would end it. (An internal
    flag: if a later Streamlit drops it, the page's start-over still gives the right page.)"""
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # pragma: no cover - a Streamlit without the flag
        return
    if hasattr(PagesManager, "uses_pages_directory"):
        PagesManager.uses_pages_directory = False


def main(argv: list[str] | None = None) -> None:
    end_pages_directory_mode()
    warmer.start(announce=lambda line: print(line, flush=True))
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    streamlit_cli.main()


if __name__ == "__main__":
    main()
