"""Text from the CRM or from people is never markup: escape it wherever it meets Markdown, HTML
or a chart label. A company named `**x](https://evil.example)` shows exactly that."""

from __future__ import annotations

import html
import re
import string

# CommonMark lets a backslash escape any ASCII punctuation; escaping all of it also covers
# Streamlit's own directives (`:red[...]`, `:material/x:`), LaTeX (`$`) and GFM autolinks.
_ESCAPES = {ord(c): "\\" + c for c in string.punctuation}


def plain(value: object) -> str:
    """`value` as literal Markdown text (one line: newlines cannot start a block)."""
    if value is None:
        return ""
    text = " ".join(str(value).splitlines())
    return text.translate(_ESCAPES)


def code(value: object) -> str:
    """`value` as one literal code span: Markdown reads nothing inside it, and its fence is
    longer than any run of backticks in the text, so the text cannot close it."""
    text = " ".join(str(value if value is not None else "").splitlines())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def bullets(values: object) -> str:
    """A Markdown list of literal lines (the problems of a refused file)."""
    return "\n".join(f"- {code(v)}" for v in values)  # type: ignore[attr-defined]


def quoted(value: object) -> str:
    """A block quote of someone's words (a dispute reason), every line literal."""
    lines = str(value if value is not None else "").splitlines() or [""]
    return "\n".join(f"> {plain(line)}" for line in lines)


def html_text(value: object) -> str:
    """For HTML and plotly labels (which read a subset of HTML)."""
    return html.escape("" if value is None else str(value), quote=True)


def chart_text(value: object) -> str:
    """For a plotly label (tick, legend entry, title, annotation, hover): plotly reads `<a href>`,
    `<b>`, `<br>`, `<span style>` in them, and decodes `&amp;`, `&lt;`, `&gt;` back to the
    characters (not `&quot;`, so quotes stay as they are: without `<` they can open no tag)."""
    return html.escape("" if value is None else str(value), quote=False)
