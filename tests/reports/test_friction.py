"""The pain-point taxonomy and matcher: validation with key paths, phrases, #tags, quotes, and what
is left uncategorised."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from models.errors import BadInputError
from models.settings import DEFAULT_CONFIG_PATH
from reports.friction import (
    QUOTE_CHARS,
    load_taxonomy,
    match_pain_points,
    parse_taxonomy,
    uncategorised,
    unknown_tags,
)

TAXONOMY = parse_taxonomy(
    {
        "categories": {
            "pricing": {
                "name": "Pricing",
                "phrases": ["too expensive", "per-seat pricing"],
                "tags": ["pricing"],
                "advice": "Bring the plan comparison.",
            },
            "sso": {"name": "Security", "phrases": ["single sign-on"], "tags": ["#security"]},
        }
    }
)


def _notes(*bodies: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "activity_id": [f"A{i}" for i in range(len(bodies))],
            "lead_id": [f"L{i % 2}" for i in range(len(bodies))],
            "body": list(bodies),
            "occurred_at": pd.date_range("2026-04-01", periods=len(bodies), freq="h", tz="UTC"),
        }
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("They said it is Too  Expensive for a team their size.", {("pricing", "phrase")}),
        (
            "Asked about single sign-on. Also per-seat pricing.",
            {("pricing", "phrase"), ("sso", "phrase")},
        ),
        ("#pricing call back Friday", {("pricing", "tag")}),
        ("#SECURITY review pending", {("sso", "tag")}),
        ("#pricingplan is not a tag of ours", set()),
        ("notexpensive at all", set()),
        ("Left a voicemail.", set()),
        # Any space between a phrase's words, line breaks and non-breaking spaces included.
        (
            "It is too\nexpensive, and single\u00a0sign-on is missing.",
            {("pricing", "phrase"), ("sso", "phrase")},
        ),
        ("Zu teuer: too expensive für uns.", {("pricing", "phrase")}),
        ("ütoo expensive is inside a word", set()),
        ("too much, expensive", set()),
    ],
)
def test_match_phrases_and_tags(body: str, expected: set[tuple[str, str]]) -> None:
    matches = match_pain_points(_notes(body), TAXONOMY)
    assert set(zip(matches["category"], matches["via"], strict=True)) == expected


def test_quote_is_the_sentence_with_the_match() -> None:
    body = "Good call overall. They think it is too expensive for a team of five! Next step: demo."
    matches = match_pain_points(_notes(body), TAXONOMY)
    assert matches.iloc[0]["quote"] == "They think it is too expensive for a team of five!"
    long = "too expensive " + "word " * 100
    quote = match_pain_points(_notes(long), TAXONOMY).iloc[0]["quote"]
    assert len(quote) <= QUOTE_CHARS + 2 and quote.endswith("…")


def test_uncategorised_groups_repeated_text_and_lists_new_tags() -> None:
    notes = _notes(
        "Left a voicemail.",
        "Left a  voicemail.",
        "too expensive",
        "They need #onboarding help",
        "#Onboarding",
    )
    matches = match_pain_points(notes, TAXONOMY)
    rest = uncategorised(notes, matches)
    assert rest.iloc[0].to_dict() == {"text": "Left a voicemail.", "notes": 2, "customers": 2}
    assert "too expensive" not in set(rest["text"])
    assert unknown_tags(notes, TAXONOMY).to_dict("records") == [{"tag": "onboarding", "notes": 2}]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({}, "categories: expected at least one"),
        ({"categories": {"Bad Slug": {"phrases": ["x"]}}}, "categories.Bad Slug: slug must be"),
        ({"categories": {"a": {"phrases": "x"}}}, "categories.a.phrases: expected a list"),
        ({"categories": {"a": {"name": ""}}}, "categories.a.name"),
        ({"categories": {"a": {}}}, "categories.a: give at least one phrase or tag"),
        (
            {"categories": {"a": {"tags": ["x"]}, "b": {"tags": ["x"]}}},
            "categories.b.tags: #x is already",
        ),
        ({"categories": {"a": {"tags": ["x"], "advice": 3}}}, "categories.a.advice"),
    ],
)
def test_bad_taxonomy_names_the_key(data: dict[str, Any], problem: str) -> None:
    with pytest.raises(BadInputError) as error:
        parse_taxonomy(data, "friction.toml")
    assert any(problem in p for p in error.value.problems), error.value.problems


def test_missing_taxonomy_says_how_to_fix(tmp_path: Any) -> None:
    with pytest.raises(BadInputError, match="does not exist"):
        load_taxonomy(tmp_path / "friction.toml")


def test_shipped_taxonomy_loads() -> None:
    taxonomy = load_taxonomy(DEFAULT_CONFIG_PATH.parent / "friction.toml")
    assert len(taxonomy.categories) >= 5 and all(c.phrases for c in taxonomy.categories)


def test_call_outcomes_are_never_uncategorised_pain_points() -> None:
    import pandas as pd

    from reports.friction import is_call_outcome, uncategorised

    bodies = pd.Series(
        ["Connected.", "No answer", "left_voicemail", "Busy!", "They hate the invoice layout."]
    )
    assert is_call_outcome(bodies).tolist() == [True, True, True, True, False]
    notes = pd.DataFrame(
        {"activity_id": list("ABCDE"), "lead_id": list("LLMMN"), "body": bodies}
    )
    left = uncategorised(notes, pd.DataFrame(columns=["activity_id"]))
    assert left["text"].tolist() == ["They hate the invoice layout."]
