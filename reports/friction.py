"""The pain-point taxonomy (data/friction.toml) and the matcher that files notes under it.

The taxonomy maps a category to phrases and explicit `#tags`:

    [categories.pricing]
    name = "Pricing and billing"
    phrases = ["too expensive", "invoice"]
    tags = ["pricing"]                # a note saying "#pricing" is filed here
    advice = "Have the plan comparison ready."   # optional: what service should prepare

Pure: strings and DataFrames in, DataFrames out. Matching is vectorised per category (one regex
over the whole column), never a Python loop over notes.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from models.columns import CALL_OUTCOMES
from models.errors import BadInputError

# The longest quote kept, so a pasted email thread does not swamp the report.
QUOTE_CHARS = 220
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_HASHTAG = r"(?<![\w#])#([A-Za-z][\w-]*)"

MATCH_COLUMNS = ["activity_id", "lead_id", "category", "via", "quote", "occurred_at", "full_text"]


@dataclass(frozen=True)
class Category:
    """One pain-point category: what matches it and what service should do about it."""

    slug: str
    name: str
    phrases: tuple[str, ...]
    tags: tuple[str, ...]
    advice: str = ""


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[Category, ...]
    source: str = "<memory>"

    def name_of(self, slug: str) -> str:
        """The display name of a category slug (the slug itself when unknown)."""
        for category in self.categories:
            if category.slug == slug:
                return category.name
        return slug

    @property
    def tags(self) -> set[str]:
        return {tag for c in self.categories for tag in c.tags}


def load_taxonomy(path: str | Path) -> Taxonomy:
    """Read and validate a taxonomy file; every problem is reported with its key path."""
    source = str(path)
    try:
        with Path(path).open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise BadInputError(
            f"The friction taxonomy {source} does not exist; create it "
            "([categories.<slug>] with name, phrases, tags) or run `handoff demo`."
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise BadInputError(f"The friction taxonomy {source} is not valid TOML: {exc}") from None
    return parse_taxonomy(data, source)


def parse_taxonomy(data: Mapping[str, Any], source: str = "<memory>") -> Taxonomy:
    """Validate the `[categories.*]` tables; raises BadInputError listing `key.path: message`."""
    problems: list[str] = []
    raw = data.get("categories")
    if not isinstance(raw, Mapping) or not raw:
        problems.append("categories: expected at least one [categories.<slug>] table")
        raw = {}
    categories: list[Category] = []
    seen_tags: dict[str, str] = {}
    for slug, body in raw.items():
        where = f"categories.{slug}"
        if not _SLUG.match(str(slug)):
            problems.append(f"{where}: slug must be lower-case letters, digits, - or _")
        if not isinstance(body, Mapping):
            problems.append(f"{where}: expected a table with name, phrases, tags")
            continue
        name = body.get("name", slug)
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{where}.name: expected a non-empty string")
            name = str(slug)
        phrases = _string_list(body.get("phrases", []), f"{where}.phrases", problems)
        tags = tuple(
            t.lstrip("#").lower()
            for t in _string_list(body.get("tags", []), f"{where}.tags", problems)
        )
        if not phrases and not tags:
            problems.append(
                f"{where}: give at least one phrase or tag, or the category matches nothing"
            )
        for tag in tags:
            if tag in seen_tags and seen_tags[tag] != slug:
                problems.append(
                    f"{where}.tags: #{tag} is already a tag of categories.{seen_tags[tag]}"
                )
            seen_tags[tag] = str(slug)
        advice = body.get("advice", "")
        if not isinstance(advice, str):
            problems.append(f"{where}.advice: expected a string")
            advice = ""
        categories.append(Category(str(slug), name.strip(), phrases, tags, advice.strip()))
    if problems:
        raise BadInputError(
            f"The friction taxonomy {source} has {len(problems)} problem(s); fix them and run again:",
            [f"{source}: {p}" for p in problems],
        )
    return Taxonomy(tuple(categories), source)


def _string_list(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}: expected a list of non-empty strings")
        return ()
    return tuple(v.strip() for v in value)


def _phrase_pattern(phrases: tuple[str, ...]) -> str:
    # Longest first so "too expensive for us" wins over "expensive" in the quoted span.
    parts = [
        r"\s+".join(re.escape(word) for word in p.split())
        for p in sorted(phrases, key=len, reverse=True)
    ]
    return r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)"


def _tag_pattern(tags: tuple[str, ...]) -> str:
    return r"(?<![\w#])#(?:" + "|".join(re.escape(t) for t in tags) + r")(?![\w-])"


def _required_words(phrases: tuple[str, ...], tags: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Literal text every match of a category contains: the words of one of its phrases, in
    order and apart, or one "#tag". A note holding none of these cannot match, so the regular
    expression is not run on it."""
    needs = {tuple(p.split()) for p in phrases if p.split()}
    needs |= {(f"#{t}",) for t in tags}
    return tuple(sorted(needs))


def _per_distinct(values: pd.Series, transform: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`transform` applied once per distinct value (notes repeat: call outcomes, templates),
    spread back over `values` (same index, the dtype `transform` gives)."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    done = transform(pd.Series(distinct)).reset_index(drop=True)
    return pd.Series(done.array.take(codes), index=values.index, name=values.name)


def _re2_literal(word: str) -> str:
    """`word` as an RE2 literal (every character that is not a letter or digit as \\x{..})."""
    return "".join(c if c.isascii() and c.isalnum() else f"\\x{{{ord(c):x}}}" for c in word)


class _Texts:
    """Distinct lower-cased note texts and a quick test of which may match a category: one pass
    of Arrow's RE2 over every text at once for the words a match needs (a superset of the
    matches: RE2 has no look-behind, and `\\W+` between a phrase's words admits every space
    Python's `\\s+` does), instead of a Python loop over the texts per word."""

    def __init__(self, lowered: np.ndarray) -> None:
        self.lowered = lowered
        # The bodies came through pandas' Arrow-backed strings: Arrow holds every one of them.
        self._arrow = pa.array(lowered, type=pa.large_string())

    def candidates(self, needs: tuple[tuple[str, ...], ...]) -> np.ndarray:
        """Which texts hold the words of at least one of `needs`, in order."""
        pattern = "|".join(r"\W+".join(_re2_literal(w) for w in words) for words in needs)
        found = pc.match_substring_regex(self._arrow, pattern)
        return found.to_numpy(zero_copy_only=False).astype(bool)


def _contains(
    texts: _Texts, pattern: str, needs: tuple[tuple[str, ...], ...], among: np.ndarray | None = None
) -> np.ndarray:
    """Which `texts` (`among` them, when given) the pattern finds something in; the regular
    expression runs only on texts holding the literal words of `needs`."""
    candidates = texts.candidates(needs)
    if among is not None:
        candidates &= among
    found = np.zeros(len(texts.lowered), dtype=bool)
    search = re.compile(pattern).search
    for index in np.flatnonzero(candidates):
        if search(texts.lowered[index]) is not None:
            found[index] = True
    return found


def match_pain_points(
    notes: pd.DataFrame, taxonomy: Taxonomy, *, quotes: bool = True
) -> pd.DataFrame:
    """One row per (note, category) that matches: activity_id, lead_id, category, via, quote.

    `notes` needs activity_id, lead_id, body (and optionally occurred_at). `via` is `tag` when an
    explicit #tag filed it, else `phrase`; the quote is the sentence around the first match
    (left empty when `quotes` is false, which saves the extraction when only counts are needed).
    Each distinct body is matched once (a month's notes repeat a lot: "No answer.").
    """
    if notes.empty:
        return pd.DataFrame(columns=MATCH_COLUMNS)
    bodies = notes["body"].fillna("").astype(str)
    # Lower-case once and match case-sensitively: much faster than IGNORECASE per category.
    codes, distinct = pd.factorize(bodies.astype(object), use_na_sentinel=False)
    distinct_bodies = pd.Series(distinct, dtype=object)
    lowered = np.array([text.lower() for text in distinct], dtype=object)
    texts = _Texts(lowered)
    occurred = (
        notes["occurred_at"]
        if "occurred_at" in notes.columns
        else pd.Series(pd.NaT, index=notes.index)
    )
    tidied = (
        distinct_bodies.str.replace(r"\s+", " ", regex=True).str.strip().to_numpy(dtype=object)
        if quotes
        else None
    )
    frames: list[pd.DataFrame] = []
    for category in taxonomy.categories:
        phrases = tuple(p.lower() for p in category.phrases)
        phrase_re = _phrase_pattern(phrases) if phrases else None
        tag_re = _tag_pattern(category.tags) if category.tags else None
        anchor = "|".join(p for p in (phrase_re, tag_re) if p)
        hit_distinct = _contains(texts, anchor, _required_words(phrases, category.tags))
        if not hit_distinct.any():
            continue
        hit = hit_distinct[codes]
        tagged = np.zeros(len(distinct), dtype=bool)
        if tag_re:
            tagged = _contains(texts, tag_re, _required_words((), category.tags), hit_distinct)
        quoted = np.full(len(distinct), "", dtype=object)
        if quotes:
            quoted[hit_distinct] = extract_sentence(
                distinct_bodies[hit_distinct], anchor
            ).to_numpy(dtype=object)
        rows = codes[hit]
        frames.append(
            pd.DataFrame(
                {
                    "activity_id": notes["activity_id"].to_numpy()[hit],
                    "lead_id": notes["lead_id"].to_numpy()[hit],
                    "category": category.slug,
                    "via": np.where(tagged[rows], "tag", "phrase").astype(object),
                    "quote": quoted[rows],
                    "occurred_at": occurred.array[hit],
                    # The whole note, whitespace tidied: the quote is one sentence of it.
                    "full_text": tidied[rows] if tidied is not None else "",
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=MATCH_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def extract_sentence(bodies: pd.Series, anchor: str) -> pd.Series:
    """The sentence of each body that contains the first match of `anchor`, trimmed and tidied."""
    # The leftmost match always starts a sentence (at the start or after . ! ? or a line
    # break), so only those positions are tried: the same match, without trying every position.
    sentence = rf"(?:^|(?<=[.!?\n]))([^.!?\n]*(?:{anchor})[^.!?\n]*[.!?]?)"
    found = bodies.str.extract(sentence, flags=re.IGNORECASE, expand=False).fillna(bodies)
    return tidy_quote(found)


def tidy_quote(texts: pd.Series) -> pd.Series:
    """Collapse whitespace and cut long quotes at a word boundary with an ellipsis."""
    cleaned = texts.astype(str).str.replace(r"\s+", " ", regex=True).str.strip()
    long = cleaned.str.len() > QUOTE_CHARS
    cut = cleaned[long].str.slice(0, QUOTE_CHARS).str.replace(r"\s+\S*$", "", regex=True) + " …"
    return cleaned.mask(long, cut)


def uncategorised(notes: pd.DataFrame, matches: pd.DataFrame) -> pd.DataFrame:
    """Notes that matched no category, grouped by their tidied text: text, notes, customers.

    Grouping shows a recurring complaint once with its count, which is what someone extending
    the taxonomy needs; single boilerplate lines ("left voicemail") also collapse to one row.
    """
    if notes.empty:
        return pd.DataFrame(columns=["text", "notes", "customers"])
    rest = notes[~notes["activity_id"].isin(matches["activity_id"])]
    # Each distinct text is judged and tidied once: a month's notes repeat a lot.
    dropped = _per_distinct(
        rest["body"].fillna(""), lambda bodies: (bodies.str.strip() == "") | is_call_outcome(bodies)
    )
    rest = rest[~dropped.to_numpy(dtype=bool)]
    if rest.empty:
        return pd.DataFrame(columns=["text", "notes", "customers"])
    text = _per_distinct(rest["body"], tidy_quote)
    grouped = (
        pd.DataFrame({"text": text, "lead_id": rest["lead_id"]})
        .groupby("text", sort=False)
        .agg(notes=("lead_id", "size"), customers=("lead_id", "nunique"))
        .reset_index()
    )
    return grouped.sort_values(["notes", "text"], ascending=[False, True], ignore_index=True)


# What a call log says when it only records the outcome: never a customer's pain point.
_OUTCOME_WORDS = {o.replace("_", " ") for o in CALL_OUTCOMES} | {
    "voicemail",
    "no reply",
    "not reached",
    "left message",
    "call back",
    "no show",
}


def is_call_outcome(bodies: pd.Series) -> pd.Series:
    """Bodies that only state a call's outcome ("Connected.", "No answer", "left_voicemail")."""
    words = (
        bodies.fillna("")
        .astype(str)
        .str.lower()
        .str.replace("_", " ", regex=False)
        .str.replace(r"[^a-z ]+", " ", regex=True)
        .str.replace(r"\s+", " ", regex=True)
        .str.strip()
    )
    return words.isin(_OUTCOME_WORDS)


def unknown_tags(notes: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    """Hashtags used in notes that no category lists: tag, notes (candidates for the taxonomy)."""
    if notes.empty:
        return pd.DataFrame(columns=["tag", "notes"])
    # Each distinct text is searched once, its tags counted once per note that says it.
    codes, distinct = pd.factorize(notes["body"].fillna(""), use_na_sentinel=False)
    said = np.bincount(codes, minlength=len(distinct))
    found = pd.Series(distinct).str.extractall(_HASHTAG)[0]
    tags = found.str.lower()
    weights = pd.Series(said[found.index.get_level_values(0)], index=tags.index)
    known = tags.isin(taxonomy.tags)
    tags, weights = tags[~known], weights[~known]
    if tags.empty:
        return pd.DataFrame(columns=["tag", "notes"])
    counts = weights.rename("notes").groupby(tags.rename("tag")).sum().reset_index()
    counts.columns = ["tag", "notes"]
    return counts.sort_values(["notes", "tag"], ascending=[False, True], ignore_index=True)
