"""Canonical CSV import and export (SPEC.md section 1): `handoff import DIR`, `handoff export-data DIR`.

Import is all-or-nothing: every file is read and checked first, every problem is collected, and
only a clean set of files is written, in one transaction. Export writes what import reads, so an
export imported into an empty database gives the same data back.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from sqlalchemy.exc import SQLAlchemyError

from connectors.csv_read import Problems, RawFile, read_raw_file
from connectors.csv_validate import BOOLEANS, NUMBERS, check_files
from models import columns as C
from models.data_checks import backdated_deal_warnings
from models.errors import BadInputError, HandoffError
from models.store import Store
from models.tables import ImportRun

EXPECTED_FILES = ", ".join(spec.file for spec in C.ENTITIES)


def import_dir(store: Store, directory: Path) -> dict[str, int]:
    """Import the canonical CSV files found in `directory`; returns rows upserted per entity.

    Raises BadInputError (listing every problem as `FILE:LINE: column: message`) and writes no
    data when any file has a problem. Each call is recorded as an ImportRun.
    """
    directory = Path(directory)
    run_id = store.start_run(ImportRun, kind="csv", path=str(directory))
    try:
        frames = read_dir(store, directory)
        with store.transaction() as conn:
            counts = {
                entity: store.upsert_frame(entity, frame, origin="csv", conn=conn)
                for entity, frame in frames.items()
            }
    except BadInputError as exc:
        store.finish_run(
            ImportRun,
            run_id,
            status="failed",
            counts={"problems": len(exc.problems)},
            error=exc.summary,
        )
        raise
    except SQLAlchemyError as exc:
        # The driver message says what the database refused; the URL (a possible secret) is not in it.
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        store.finish_run(ImportRun, run_id, status="failed", error=reason)
        raise HandoffError(
            f"the database refused the import of {directory} ({reason}); nothing was written"
        ) from exc
    except BaseException as exc:
        store.finish_run(ImportRun, run_id, status="failed", error=type(exc).__name__)
        raise
    store.finish_run(ImportRun, run_id, status="ok", counts=counts)
    return counts


def data_warnings(store: Store) -> list[str]:
    """What was accepted but looks wrong (see `models.data_checks`): printed after an import and
    listed on the Data page."""
    return backdated_deal_warnings(store.read_deals_won_before_their_lead())


def read_dir(store: Store, directory: Path) -> dict[str, pd.DataFrame]:
    """Read and check the canonical files in `directory` against each other and the database.

    Returns one typed frame per file found, in import order; raises BadInputError otherwise.
    """
    if not directory.is_dir():
        raise BadInputError(
            f"{directory} is not a folder; give the folder that holds {EXPECTED_FILES}"
        )
    present = [
        (order, spec) for order, spec in enumerate(C.ENTITIES) if (directory / spec.file).is_file()
    ]
    if not present:
        seen = sorted(path.name for path in directory.glob("*.csv"))
        found = f" (it has: {', '.join(seen)})" if seen else ""
        raise BadInputError(
            f"{directory} holds none of the expected files {EXPECTED_FILES}{found}; "
            "name the files exactly so"
        )
    problems = Problems()
    files: dict[str, RawFile] = {}
    unreadable: set[str] = set()
    for order, spec in present:
        raw = read_raw_file(spec, order, directory / spec.file, problems)
        if raw is None:
            unreadable.add(spec.entity)
        else:
            files[spec.entity] = raw
    known = {entity: store.read_keys(entity) for entity in ("team", "owner", "lead")}
    frames = check_files(files, unreadable, known, problems)
    if problems:
        count = len(problems)
        raise BadInputError(
            f"{count} problem{'s' if count != 1 else ''} in {directory}; nothing was imported. "
            "Fix them and run the import again.",
            problems.sorted_texts(),
        )
    return {entity: frame.reset_index(drop=True) for entity, frame in frames.items()}


def export_dir(store: Store, directory: Path) -> dict[str, int]:
    """Write all five canonical files to `directory` (created if needed); returns rows per entity.

    Deleted records are left out, and so are the activities and deals of deleted leads, so that
    the export always imports cleanly.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    deleted_leads = store.read_keys("lead").difference(
        store.read_keys("lead", include_deleted=False)
    )
    counts: dict[str, int] = {}
    for spec in C.ENTITIES:
        records = store.read_entity(spec.entity)
        if C.LEAD_ID in records.columns and spec.entity != "lead" and len(deleted_leads):
            records = records[~records[C.LEAD_ID].isin(deleted_leads)]
        _write_csv(to_csv_text(spec, records), directory / spec.file)
        counts[spec.entity] = len(records)
    return counts


def to_csv_text(spec: C.EntitySpec, records: pd.DataFrame) -> pd.DataFrame:
    """A canonical table as the text cells of its CSV file, columns in the contract's order."""
    cells: dict[str, pd.Series] = {}
    for column in spec.columns:
        values = (
            records[column] if column in records.columns else pd.Series(None, index=records.index)
        )
        if column in spec.timestamps:
            cells[column] = _timestamp_text(values)
        elif (spec.entity, column) in BOOLEANS:
            cells[column] = values.map({True: "true", False: "false"}).fillna("")
        elif (spec.entity, column) in NUMBERS:
            numbers = pd.to_numeric(values, errors="coerce").astype("float64")
            # numpy prints the shortest text that reads back as the same float: lossless.
            cells[column] = numbers.astype(str).where(numbers.notna(), "")
        else:
            cells[column] = values.astype(object).where(values.notna(), "")
    return pd.DataFrame(cells, columns=list(spec.columns))


def _timestamp_text(values: pd.Series) -> pd.Series:
    """ISO 8601 in UTC with an explicit offset; microseconds only when there are any."""
    if values.empty:
        return pd.Series([], index=values.index, dtype=object)
    stamps = pd.to_datetime(values, utc=True)
    text = stamps.dt.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00").str.replace(
        ".000000+00:00", "+00:00", regex=False
    )
    return text.astype(object).where(stamps.notna(), "")


def _write_csv(cells: pd.DataFrame, path: Path) -> None:
    # Write beside the target and rename, so a reader never sees half a file.
    partial = path.with_name(f".{path.name}.partial")
    cells.to_csv(partial, index=False, lineterminator="\n", encoding="utf-8")
    os.replace(partial, path)
