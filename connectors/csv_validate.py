"""Per-value checks of canonical CSV files (SPEC.md section 1), vectorised over whole columns.

Every problem is collected (never just the first) as `FILE:LINE: column: message`, and each file
is turned into a typed frame ready for `Store.upsert_frame`: text cells with "" as null, aware UTC
timestamps, booleans and floats. Nothing here touches the database.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from connectors.csv_read import Problems, RawFile
from models import columns as C
from models.access_config import is_email

# Closed vocabularies: (entity, column) -> (allowed values, what the column holds).
ENUMS: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {
    ("team", C.TIER): (C.TIERS, "a tier"),
    ("activity", C.TYPE): (C.ACTIVITY_TYPES, "an activity type"),
    ("activity", C.DIRECTION): (C.DIRECTIONS, "a direction"),
}
# References: (entity, column) -> the entity whose id it names.
REFERENCES: dict[tuple[str, str], str] = {
    ("owner", C.TEAM_ID): "team",
    ("lead", C.OWNER_ID): "owner",
    ("activity", C.LEAD_ID): "lead",
    ("activity", C.OWNER_ID): "owner",
    ("deal", C.LEAD_ID): "lead",
    ("deal", C.OWNER_ID): "owner",
    ("deal", C.SERVICE_OWNER_ID): "owner",
}
BOOLEANS = {("owner", C.ACTIVE)}
NUMBERS = {("deal", C.AMOUNT)}

_DATE_TIME = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
_WITH_OFFSET = rf"{_DATE_TIME}(?:Z|[+-]\d{{2}}(?::?\d{{2}})?)"
# A date, or a date and time, with nothing after it: a local time we refuse to guess.
_WITHOUT_OFFSET = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"

NO_OFFSET = "{value} has no UTC offset; add one like +00:00 or Z — timestamps are never guessed"
NOT_A_TIMESTAMP = "{value} is not an ISO 8601 timestamp; write it like 2026-01-31T14:05:00+00:00"
EMPTY_REQUIRED = "a value is required but the cell is empty"
NOT_A_BOOLEAN = "{value} is not a boolean; use true or false (an empty cell means true)"
# Plausible years for any canonical timestamp. CRMs and spreadsheets write 0001-01-01 or
# 9999-12-31 for "no date"; judged as real, they would start or stop clocks centuries apart.
FIRST_YEAR, LAST_YEAR = 1970, 2100
IMPLAUSIBLE_YEAR = (
    "{value} is not a plausible date (outside the years "
    f"{FIRST_YEAR}-{LAST_YEAR}); a placeholder like 0001-01-01 or 9999-12-31 means no date: "
    "leave the cell empty instead"
)
NOT_A_NUMBER = (
    "{value} is not a number; write it like 1234.50 (no currency sign, no thousands separator)"
)


def check_files(
    files: dict[str, RawFile], unreadable: set[str], known: dict[str, pd.Index], problems: Problems
) -> dict[str, pd.DataFrame]:
    """Check every readable file and the references between them and the database.

    `unreadable` names entities whose file is present but could not be read (their ids are
    unknown, so references to them are not checked); `known` holds the ids already stored.
    Returns the typed frames, indexed by record position (meaningful only without problems).
    """
    frames = {entity: _check_file(raw, problems) for entity, raw in files.items()}
    if "lead" in frames:
        _check_handoff_order(files["lead"], frames["lead"], problems)
    for (entity, column), target in REFERENCES.items():
        if entity not in frames or column not in frames[entity].columns or target in unreadable:
            continue
        _check_reference(files[entity], frames[entity][column], target, files, known, problems)
    return frames


def _check_file(raw: RawFile, problems: Problems) -> pd.DataFrame:
    spec = raw.spec
    rows = raw.rows
    present = [column for column in spec.columns if column in rows.columns]
    checked: dict[str, pd.Series] = {}
    for column in present:
        cells = rows[column]
        where = (spec.entity, column)
        if column in spec.timestamps:
            checked[column] = _check_timestamps(raw, column, cells, problems)
        elif where in BOOLEANS:
            checked[column] = _check_boolean(raw, column, cells, problems)
        elif where in NUMBERS:
            checked[column] = _check_number(raw, column, cells, problems)
        elif where in ENUMS:
            checked[column] = _check_enum(raw, column, cells, problems)
        elif where in PEOPLE_EMAILS:
            checked[column] = _check_email(raw, column, cells, problems)
        elif column == spec.key or where in REFERENCES:
            # Ids are codes: stray spaces around them (from spreadsheets) are never meant.
            checked[column] = _as_null(cells.str.strip())
        else:
            checked[column] = _as_null(cells)  # free text is kept exactly as written
        if column in spec.required:
            _report(raw, column, cells.str.strip() == "", cells, EMPTY_REQUIRED, problems)
    _check_duplicates(raw, checked[spec.key], problems)
    frame = pd.DataFrame(checked, index=rows.index)
    if (spec.entity, C.ACTIVE) in BOOLEANS and C.ACTIVE not in frame.columns:
        frame[C.ACTIVE] = True  # SPEC: `active` defaults to true
    return frame


def _check_handoff_order(raw: RawFile, leads: pd.DataFrame, problems: Problems) -> None:
    """A lead cannot be handed off before it exists: refused, not guessed (which date is wrong
    is for the person to say). CRMs keep a contact's creation date on merges, so this is a
    data error in the export, not something a CRM records on purpose."""
    if C.HANDED_OFF_AT not in leads.columns or C.CREATED_AT not in leads.columns:
        return
    handed, created = leads[C.HANDED_OFF_AT], leads[C.CREATED_AT]
    early = (handed.notna() & created.notna() & (handed < created)).fillna(False).astype(bool)
    if not early.any():
        return
    cells = raw.rows[C.HANDED_OFF_AT]
    position = raw.spec.columns.index(C.HANDED_OFF_AT)
    problems.extend(
        [
            (
                (raw.order, int(line), position),
                f"{raw.spec.file}:{line}: {C.HANDED_OFF_AT}: {_show(value)} is before the lead's "
                f"created_at {_show(made)}; a lead cannot be handed off before it exists: "
                "correct one of the two dates",
            )
            for line, value, made in zip(
                raw.lines(cells[early].index),
                cells[early].tolist(),
                raw.rows.loc[early, C.CREATED_AT].tolist(),
                strict=True,
            )
        ]
    )


def _as_null(cells: pd.Series) -> pd.Series:
    return cells.where(cells != "", None)


def _check_timestamps(raw: RawFile, column: str, cells: pd.Series, problems: Problems) -> pd.Series:
    text = cells.str.strip().str.upper()  # ISO 8601 allows a lower-case t and z; pandas does not
    filled = text != ""
    shaped = text.str.fullmatch(_WITH_OFFSET)
    parsed = pd.to_datetime(text.where(shaped), utc=True, format="ISO8601", errors="coerce")
    no_offset = filled & ~shaped & text.str.fullmatch(_WITHOUT_OFFSET)
    _report(raw, column, no_offset, cells, NO_OFFSET, problems)
    year = pd.to_numeric(text.str[:4].where(shaped), errors="coerce")
    implausible = shaped & ((year < FIRST_YEAR) | (year > LAST_YEAR))
    _report(raw, column, implausible, cells, IMPLAUSIBLE_YEAR, problems)
    bad = filled & ~no_offset & ~implausible & parsed.isna()
    _report(raw, column, bad, cells, NOT_A_TIMESTAMP, problems)
    return parsed.where(~implausible)


# People's addresses decide who signs in as whom (models/access.py) and where nudges go: one plain
# address each, never a newline or a display name.
PEOPLE_EMAILS = {("owner", C.EMAIL), ("team", C.MANAGER_EMAIL)}
NOT_AN_EMAIL = (
    "{value} is not one e-mail address; write it like name@example.com (no spaces, line breaks "
    "or names around it) or leave the cell empty"
)


def check_emails(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(addresses, invalid) of a column of e-mail cells (text, "" or None for none): the trimmed
    addresses with null for empty cells, and a mask of the filled cells that are not one plain
    address. Shared by the CSV import and the HubSpot owners, so both accept the same addresses."""
    # Only spaces and tabs are trimmed: a line break inside the cell is an error, not padding.
    text = cells.fillna("").astype(str).str.strip(" \t")
    filled = text != ""
    valid = text.map(is_email).astype(bool)
    return _as_null(text), filled & ~valid


def show_value(value: object, limit: int = 60) -> str:
    """A cell's value quoted for a message (repr: a line break shows as \\n, not a new line)."""
    return _show(value, limit)


def _check_email(raw: RawFile, column: str, cells: pd.Series, problems: Problems) -> pd.Series:
    addresses, invalid = check_emails(cells)
    _report(raw, column, invalid, cells, NOT_AN_EMAIL, problems)
    return addresses


def _check_boolean(raw: RawFile, column: str, cells: pd.Series, problems: Problems) -> pd.Series:
    text = cells.str.strip().str.lower()
    _report(raw, column, ~text.isin(["true", "false", ""]), cells, NOT_A_BOOLEAN, problems)
    return text != "false"


def _check_number(raw: RawFile, column: str, cells: pd.Series, problems: Problems) -> pd.Series:
    text = cells.str.strip()
    filled = text != ""
    numbers = pd.to_numeric(text.where(filled), errors="coerce").astype("float64")
    bad = filled & ~np.isfinite(numbers.to_numpy(na_value=np.nan))
    _report(raw, column, bad, cells, NOT_A_NUMBER, problems)
    return numbers


def _check_enum(raw: RawFile, column: str, cells: pd.Series, problems: Problems) -> pd.Series:
    allowed, meaning = ENUMS[(raw.spec.entity, column)]
    text = cells.str.strip().str.lower()
    message = f"{{value}} is not {meaning}; use one of {', '.join(allowed)}"
    _report(raw, column, (text != "") & ~text.isin(allowed), cells, message, problems)
    return _as_null(text)


def _check_duplicates(raw: RawFile, ids: pd.Series, problems: Problems) -> None:
    filled = ids.notna()
    repeated = ids.duplicated(keep="first") & filled
    if not repeated.any():
        return
    firsts = ids[filled & ~ids.duplicated(keep="first") & ids.isin(ids[repeated])]
    first_line = dict(zip(firsts.tolist(), raw.lines(firsts.index).tolist(), strict=True))
    key = raw.spec.key
    hits = ids[repeated]
    position = raw.spec.columns.index(key)
    problems.extend(
        [
            (
                (raw.order, int(line), position),
                f"{raw.spec.file}:{line}: {key}: duplicate id {_show(value)} (first on line "
                f"{first_line[value]}); each id may appear only once in the file",
            )
            for line, value in zip(raw.lines(hits.index), hits.tolist(), strict=True)
        ]
    )


def _check_reference(
    raw: RawFile,
    ids: pd.Series,
    target: str,
    files: dict[str, RawFile],
    known: dict[str, pd.Index],
    problems: Problems,
) -> None:
    column = ids.name
    target_spec = C.ENTITY_BY_NAME[target]
    known_ids = known.get(target, pd.Index([], dtype=object)).astype(object)
    if target in files:
        in_file = files[target].rows[target_spec.key].str.strip().astype(object)
        known_ids = known_ids.append(pd.Index(in_file))
        where = f"neither in {target_spec.file} nor in the database"
    else:
        where = f"not in the database (and no {target_spec.file} is being imported)"
    # Compared as Python objects: pandas' isin on Arrow strings builds one scalar per known id.
    unknown = ids.notna() & ~ids.astype(object).isin(known_ids)
    message = f"unknown {target} {{value}}: it is {where}; add the {target} or correct the id"
    _report(raw, str(column), unknown, ids, message, problems)


def _report(
    raw: RawFile,
    column: str,
    mask: pd.Series,
    cells: pd.Series,
    template: str,
    problems: Problems,
) -> None:
    """One problem per flagged cell; string work happens only for the (few) bad cells."""
    if not bool(mask.any()):
        return
    hits = cells[mask]
    position = raw.spec.columns.index(column)
    problems.extend(
        [
            (
                (raw.order, int(line), position),
                f"{raw.spec.file}:{line}: {column}: {template.format(value=_show(value))}",
            )
            for line, value in zip(raw.lines(hits.index), hits.tolist(), strict=True)
        ]
    )


def _show(value: object, limit: int = 60) -> str:
    text = str(value)
    return repr(text if len(text) <= limit else text[:limit] + "…")
