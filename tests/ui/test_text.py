"""Text from files, the CRM and exceptions inside error messages stays literal (ui/text.py)."""

from __future__ import annotations

import pytest

from ui.text import bullets, code


@pytest.mark.parametrize(
    "value",
    [
        "leads.csv:3: company: **x](https://evil.example)",
        "a `backtick` and ``two`` inside",
        "ends with a backtick `",
        "line one\nline two",
    ],
)
def test_code_span_cannot_be_closed_by_its_text(value: str) -> None:
    span = code(value)
    fence = span.split(" ", 1)[0]
    assert set(fence) == {"`"} and span.endswith(" " + fence)
    inner = span[len(fence) + 1 : -len(fence) - 1]
    assert fence not in inner, "a run of backticks in the text as long as the fence would close it"
    assert "\n" not in span


def test_bullets_are_one_code_span_each() -> None:
    listed = bullets(["owners.csv:2: email: a@b.c\n[[sla]]", "plain"]).splitlines()
    assert listed == ["- ` owners.csv:2: email: a@b.c [[sla]] `", "- ` plain `"]
