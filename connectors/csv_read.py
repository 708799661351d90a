"""Reading one canonical CSV file into raw text cells, with the file-level checks (SPEC.md section 1).

A file is read with every cell as text ("" for an empty cell) so that validation sees exactly what
the person wrote. Problems found here concern the whole file (encoding, header, broken rows); the
per-value checks live in `connectors.csv_validate`.
"""

from __future__ import annotations

import codecs
import csv
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from models.columns import EntitySpec

# Sort key of a problem: (file position in ENTITIES, line, column position); line 0 = the whole file.
ProblemKey = tuple[int, int, int]


@dataclass
class Problems:
    """Every problem found, kept sortable so the report reads file by file, line by line."""

    found: list[tuple[ProblemKey, str]] = field(default_factory=list)

    def add(self, key: ProblemKey, text: str) -> None:
        self.found.append((key, text))

    def extend(self, items: list[tuple[ProblemKey, str]]) -> None:
        self.found.extend(items)

    def sorted_texts(self) -> list[str]:
        return [text for _, text in sorted(self.found, key=lambda item: item[0])]

    def __len__(self) -> int:
        return len(self.found)


@dataclass
class RawFile:
    """One file's records as text. `rows` keeps each record's position (0 = first after the header)
    as its index; blank records are dropped but still count for line numbers."""

    spec: EntitySpec
    order: int
    rows: pd.DataFrame
    newlines: np.ndarray  # per record position: newlines inside its quoted cells
    _lines: np.ndarray | None = None

    def lines(self, index: pd.Index) -> np.ndarray:
        """The file line on which each record in `index` starts (the header is line 1)."""
        if self._lines is None:
            # A record starts after the header, the records before it and their inner newlines.
            before = np.cumsum(self.newlines) - self.newlines
            self._lines = 2 + np.arange(len(self.newlines), dtype=np.int64) + before
        return self._lines[index.to_numpy(dtype=np.int64)]


def read_raw_file(spec: EntitySpec, order: int, path: Path, problems: Problems) -> RawFile | None:
    """Read `path`; on a file-level problem record it and return None (its rows are not checked)."""
    name = spec.file
    bad = _first_non_utf8(path)
    if bad is not None:
        line, byte = bad
        problems.add(
            (order, line, -1),
            f"{name}:{line}: the file is not UTF-8 (byte 0x{byte:02X} cannot be read); "
            "save it as UTF-8",
        )
        return None
    header = _read_header(path)
    if header is None:
        problems.add(
            (order, 0, -1),
            f"{name}: empty file: expected a header row with {', '.join(spec.required)}",
        )
        return None
    if not any(cell.strip() for cell in header):
        problems.add(
            (order, 1, -1),
            f"{name}:1: the first line is blank; put the header row "
            f"({', '.join(spec.required)}, ...) on line 1",
        )
        return None
    if not _header_is_usable(spec, order, [cell.strip() for cell in header], problems):
        return None
    try:
        with warnings.catch_warnings():
            # A surplus cell in the first row only warns (and is dropped): make it an error.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            rows = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,  # blank lines still count as file lines
                index_col=False,  # never take a first column as the index
                encoding="utf-8-sig",
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning):
        _report_broken_rows(spec, order, path, len(header), problems)
        return None
    rows.columns = pd.Index([str(column).strip() for column in rows.columns])
    # Short rows come back with missing cells: an absent trailing cell is an empty one.
    rows = rows.fillna("")
    newlines = np.zeros(len(rows), dtype=np.int64)
    for column in rows.columns:
        newlines += rows[column].str.count("\n").to_numpy(dtype=np.int64)
    blank = (rows == "").all(axis=1)
    if blank.any():
        rows = rows[~blank]
    return RawFile(spec=spec, order=order, rows=rows, newlines=newlines)


def _first_non_utf8(path: Path, chunk: int = 1 << 24) -> tuple[int, int] | None:
    """(line, byte) of the first byte that is not UTF-8, or None. Reads in chunks so a large
    file is never held twice in memory. A UTF-8 byte order mark is fine (Excel writes one)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    lines_before = 1
    with path.open("rb") as handle:
        while True:
            block = handle.read(chunk)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                # The decoder may hold up to 3 bytes of an unfinished character from the last block.
                held = len(exc.object) - len(block)
                at = max(exc.start - held, 0)
                return lines_before + block.count(b"\n", 0, at), exc.object[exc.start]
            if not block:
                return None
            lines_before += block.count(b"\n")


def _read_header(path: Path) -> list[str] | None:
    """The cells of line 1, or None when the file holds nothing but white space."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = next(csv.reader(handle), None)
        if first is not None and not any(cell.strip() for cell in first):
            handle.seek(0)
            if not handle.read(1 << 16).strip():
                return None
        return first


def _header_is_usable(spec: EntitySpec, order: int, header: list[str], problems: Problems) -> bool:
    name = spec.file
    missing = [column for column in spec.required if column not in header]
    joined = ",".join(header)
    for delimiter, shown in ((";", "';'"), ("\t", "tab")):
        if missing and delimiter in joined:
            problems.add(
                (order, 1, -1),
                f"{name}:1: the file seems to use {shown} as delimiter; use commas",
            )
            return False
    usable = True
    for position, column in enumerate(spec.required):
        if column in missing:
            problems.add(
                (order, 1, position),
                f"{name}:1: {column}: required column is missing; the header must name "
                f"{', '.join(spec.required)} (it has: {', '.join(header) or 'nothing'})",
            )
            usable = False
    for position, column in enumerate(spec.columns):
        if header.count(column) > 1:
            problems.add(
                (order, 1, position),
                f"{name}:1: {column}: the column appears {header.count(column)} times in the "
                "header; keep one",
            )
            usable = False
    return usable


_FIELDS = re.compile(r"Expected (\d+) fields")


def _report_broken_rows(
    spec: EntitySpec, order: int, path: Path, width: int, problems: Problems
) -> None:
    """The fast parser stops at the first broken row; the csv module finds every one, with the
    physical line each starts on (only on this error path, so its speed does not matter)."""
    name = spec.file
    found = 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        last_line = 0
        try:
            for record in reader:
                start = last_line + 1
                last_line = reader.line_num
                if start > 1 and len(record) > width:
                    found += 1
                    problems.add(
                        (order, start, -1),
                        f"{name}:{start}: the row has {len(record)} cells but the header has "
                        f"{width}; put values that contain commas in double quotes",
                    )
        except csv.Error as exc:
            found += 1
            problems.add(
                (order, last_line + 1, -1),
                f"{name}:{last_line + 1}: the row cannot be read ({exc}); check for an unclosed "
                'double quote (a quote inside a quoted value is written as "")',
            )
    if not found:  # the fast parser saw something the csv module did not: still say so
        problems.add((order, 0, -1), f"{name}: the file cannot be read as CSV; check its quoting")
