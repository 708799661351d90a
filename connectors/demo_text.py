"""Text of the demo's notes and call bodies, written from the pain-point taxonomy (data/friction.toml).

Notes mention zero to three categories in natural sentences built from the taxonomy's phrases,
sometimes with an explicit `#tag`. Category shares shift month by month so a report has a story:
integration complaints jump in the last two months, a price increase shows up five months back,
onboarding complaints fade after an onboarding programme, security questions grow with larger
deals. Vectorised over object arrays: one pass per sentence slot, never per note.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.errors import BadInputError
from models.settings import DATA_DIR

FRICTION_PATH = DATA_DIR / "friction.toml"
MAX_CATEGORIES = 3

# (prefix, suffix) around a noun-phrase pain point.
_NOUN_TEMPLATES = (
    ("Main pain point is ", "."),
    ("They are frustrated with ", " in their current tool."),
    ("Asked a lot about ", "."),
    ("Big concern: ", "."),
    ("Current vendor struggles with ", "."),
    ("Wants to know how we handle ", "."),
)
# Phrases that read badly in a noun template get a sentence of their own; handoff gaps are
# reported speech. A phrase missing here (an edited taxonomy) falls back to the templates.
_OWN_SENTENCES = {
    "too expensive": "Thinks we are too expensive for a team their size.",
    "migrating their data": "Worried about migrating their data from the old system.",
    "export to excel": "Needs a simple export to Excel for finance.",
    "outage": "Had an outage with their current vendor last month.",
    "waiting on support": "Tired of waiting on support at their current vendor.",
    "no response from support": "Complained of no response from support for days.",
    "nobody called them back": "Customer said nobody called them back for a week.",
    "had to repeat everything": "Customer said they had to repeat everything to us.",
    "handoff notes were empty": "The handoff notes were empty, so we started from scratch.",
    "no one followed up": "Customer said no one followed up after the demo.",
    "promised by sales": "Customer expects a feature that was promised by sales.",
    "waited days for a reply": "Customer said they waited days for a reply before signing.",
}
_CLAUSE_CATEGORIES = ("handoff",)
# How people write proper names in notes; the matcher ignores case, readers do not.
_PROPER = {
    "salesforce": "Salesforce", "slack": "Slack", "zapier": "Zapier", "outlook": "Outlook",
    "api": "API", "csv": "CSV", "crm": "CRM", "excel": "Excel", "soc": "SOC", "gdpr": "GDPR",
}  # fmt: skip

OPENERS = {
    "sales": np.array(
        [
            "Discovery call.",
            "Spoke with the ops lead.",
            "Good conversation with the team.",
            "Intro call done.",
            "Recap of our call.Qualified on the phone.",
        ],
        dtype=object,
    ),
    "service": np.array(
        ["Kickoff call.", "Welcome call with the new customer.", "Check-in with the admin."],
        dtype=object,
    ),
}
CLOSERS = {
    "sales": np.array(
        [
            "Next step: send a proposal.",
            "Booked a follow-up for next week.",
            "Decision expected next quarter.",
            "Sending a case study.",
            "They will loop in their manager.",
            "",
        ],
        dtype=object,
    ),
    "service": np.array(
        ["Shared the project plan.", "Next check-in in two weeks.", "Sent the welcome pack.", ""],
        dtype=object,
    ),
}

# Relative category shares by author; slugs missing here weigh 1.
_AUTHOR_WEIGHTS = {
    "sales": {
        "onboarding": 0.8, "data-migration": 1.0, "integrations": 1.2, "pricing": 1.6,
        "reporting": 1.1, "security": 1.0, "support": 0.5, "performance": 0.5,
        "training": 0.6, "handoff": 0.1,
    },
    "service": {
        "onboarding": 1.5, "data-migration": 1.3, "integrations": 1.2, "pricing": 0.4,
        "reporting": 0.8, "security": 0.5, "support": 1.0, "performance": 0.9,
        "training": 1.3, "handoff": 0.5,
    },
}  # fmt: skip
_K_SHARES = {"sales": (0.15, 0.58, 0.21, 0.06), "service": (0.12, 0.55, 0.25, 0.08)}


@dataclass(frozen=True)
class Taxonomy:
    """The pain-point categories: slug, display name, lower-case phrases and tags."""

    slugs: tuple[str, ...]
    names: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]
    tags: tuple[tuple[str, ...], ...]


def load_taxonomy(path: Path = FRICTION_PATH) -> Taxonomy:
    """Read and check the taxonomy file; every category needs a name and at least one phrase."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BadInputError(f"{path}: cannot read the pain-point taxonomy ({exc})") from exc
    categories = data.get("categories")
    problems: list[str] = []
    if not isinstance(categories, dict) or not categories:
        problems.append(f"{path}: categories: expected [categories.<slug>] tables")
        categories = {}
    slugs, names, phrases, tags = [], [], [], []
    for slug, spec in categories.items():
        where = f"{path}: categories.{slug}"
        found = spec.get("phrases") if isinstance(spec, dict) else None
        if not isinstance(found, list) or not found or not all(isinstance(p, str) for p in found):
            problems.append(f"{where}.phrases: expected a non-empty list of strings")
            continue
        slugs.append(slug)
        names.append(str(spec.get("name", slug)))
        phrases.append(tuple(p.lower() for p in found))
        tags.append(tuple(str(t).lower().lstrip("#") for t in spec.get("tags", [slug])))
    if problems:
        raise BadInputError(
            "The pain-point taxonomy has problems; fix them and run again:", problems
        )
    return Taxonomy(tuple(slugs), tuple(names), tuple(phrases), tuple(tags))


def category_weights(taxonomy: Taxonomy, months: int, author: str) -> np.ndarray:
    """(months x categories) relative shares: the author's mix times the month's trend."""
    back = np.arange(months)[::-1]  # months before the last one
    progress = np.linspace(0.0, 1.0, months) if months > 1 else np.ones(1)
    trends = {
        "integrations": np.where(back <= 1, 3.6, 1.0),
        "pricing": np.select([back == 5, back == 4], [2.4, 1.6], 1.0),
        "onboarding": 1.6 - 0.9 * progress,
        "security": 0.6 + 0.9 * progress,
        "support": np.where(back == 3, 2.0, 1.0),
    }
    weights = np.ones((months, len(taxonomy.slugs)))
    for column, slug in enumerate(taxonomy.slugs):
        weights[:, column] = _AUTHOR_WEIGHTS[author].get(slug, 1.0) * trends.get(slug, 1.0)
    return weights


def _sentence_table(taxonomy: Taxonomy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat phrases -> sentences (phrase x template), plus each category's offset and count."""
    rows = []
    for slug, phrases in zip(taxonomy.slugs, taxonomy.phrases, strict=True):
        for phrase in phrases:
            shown = " ".join(_PROPER.get(word, word) for word in phrase.split(" "))
            if phrase in _OWN_SENTENCES:
                rows.append([_OWN_SENTENCES[phrase]] * len(_NOUN_TEMPLATES))
            elif slug in _CLAUSE_CATEGORIES:
                rows.append([f"Customer mentioned that {shown}."] * len(_NOUN_TEMPLATES))
            else:
                rows.append([prefix + shown + suffix for prefix, suffix in _NOUN_TEMPLATES])
    counts = np.array([len(p) for p in taxonomy.phrases])
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return np.array(rows, dtype=object), offsets, counts


def pain_text(
    rng: np.random.Generator,
    taxonomy: Taxonomy,
    month_index: np.ndarray,
    months: int,
    author: str,
    *,
    force: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pain-point sentences for each note ("" when it mentions none) and an explicit tag or "".

    `force` puts one category first in every note (service reps' handoff-friction notes).
    """
    count = len(month_index)
    sentences, offsets, phrase_counts = _sentence_table(taxonomy)
    weights = category_weights(taxonomy, months, author)[month_index]
    # Gumbel top-k: a weighted draw of distinct categories per note, for all notes at once.
    keys = np.log(weights) + rng.gumbel(size=weights.shape)
    if force is not None and force in taxonomy.slugs:
        keys[:, taxonomy.slugs.index(force)] = np.inf
    order = np.argsort(-keys, axis=1)[:, :MAX_CATEGORIES]
    k = rng.choice(MAX_CATEGORIES + 1, size=count, p=_K_SHARES[author])
    if force is not None:
        k = np.maximum(k, 1)
    text = np.full(count, "", dtype=object)
    first_template = rng.integers(0, len(_NOUN_TEMPLATES), count)
    for slot in range(MAX_CATEGORIES):
        category = order[:, slot]
        phrase = offsets[category] + (rng.random(count) * phrase_counts[category]).astype(int)
        # Consecutive templates, so one note never repeats its own wording.
        template = (first_template + slot) % len(_NOUN_TEMPLATES)
        sentence = sentences[phrase, template]
        text = np.where(slot < k, np.where(text == "", sentence, text + " " + sentence), text)
    tag_lists = [tags or (slug,) for slug, tags in zip(taxonomy.slugs, taxonomy.tags, strict=True)]
    first_tags = np.array(["#" + tags[0] for tags in tag_lists], dtype=object)
    tagged = rng.random(count) < np.where(k > 0, 0.25, 0.05)
    # A tag-only note is categorised by its tag alone (people type "#pricing" and move on).
    return text, np.where(tagged, first_tags[order[:, 0]], "")


def note_bodies(
    rng: np.random.Generator,
    taxonomy: Taxonomy,
    month_index: np.ndarray,
    months: int,
    author: str,
    *,
    force: str | None = None,
) -> np.ndarray:
    """Whole notes: an opener, the pain-point sentences, a closer."""
    count = len(month_index)
    pains, tags = pain_text(rng, taxonomy, month_index, months, author, force=force)
    opener = rng.choice(OPENERS[author], count)
    closer = rng.choice(CLOSERS[author], count)
    return join_text(opener, pains, closer, tags)


def join_text(*parts: np.ndarray) -> np.ndarray:
    """Join text columns with single spaces, skipping empty ones."""
    joined = np.asarray(parts[0], dtype=object)
    for part in parts[1:]:
        joined = np.where(part == "", joined, np.where(joined == "", part, joined + " " + part))
    return joined


CALL_BODIES = {
    "no_answer": "No answer.",
    "left_voicemail": "Left a voicemail with my direct line.",
    "left_live_message": "Left a message with the front desk.",
    "busy": "Line busy, will try again.",
    "wrong_number": "Wrong number on file.",
    "connected": "Connected.",
}
SALES_EMAILS = np.array(
    [
        "Following up on your request: do you have 15 minutes this week?",
        "Quick follow-up with a few times that work for a call.",
        "Checking in: happy to walk you through a demo.",
        "Sharing a customer story from your industry.",
    ],
    dtype=object,
)
MARKETING_EMAILS = np.array(
    [
        "Thanks for your interest: here is the guide you asked for.",
        "Invitation: live product tour next Tuesday.",
        "Five ideas to speed up your team's workflow.",
    ],
    dtype=object,
)
INBOUND_EMAILS = np.array(
    [
        "Could someone get back to me about a demo?",
        "Can you send a quote for 25 users?",
        "Is there a trial we can start this week?",
        "Who is my contact for next steps?",
    ],
    dtype=object,
)
SERVICE_EMAILS = np.array(
    [
        "Welcome aboard! I am your onboarding contact; here is how we get started.",
        "Welcome! Let's schedule your kickoff call.",
    ],
    dtype=object,
)
TASK_BODIES = np.array(
    ["Call new lead", "Research the account before calling", "Send intro email"], dtype=object
)
MEETING_BODIES = {"sales": "Product demo", "service": "Onboarding kickoff"}
