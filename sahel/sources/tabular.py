"""Raw tables from bytes: CSV or XLSX text cells, plus the rows too broken to be tabled at all.

Row numbers are line numbers: the header is line 1 and a record's number is the line where it
starts. That is also its spreadsheet row unless a cell above it holds a line break or the file has
blank lines (which are not records). XLSX rows are sheet rows (header = 1).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sahel.sources.errors import UnreadableSourceError

# Bytes cp1252 leaves undefined: a file holding them is not Windows text either.
_CP1252_HOLES = frozenset(b"\x81\x8d\x8f\x90\x9d")
FIRST_RECORD_ROW = 2


@dataclass
class RawTable:
    """Input cells as the source gave them, with their row numbers and the structural rejects."""

    frame: pd.DataFrame
    rows: np.ndarray
    broken: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["row", "reason"]))
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        """Return how many records the source held (tabled + broken)."""
        return len(self.frame) + len(self.broken)


def decode_text(data: bytes) -> tuple[str, list[str]]:
    """Return the text of `data` (UTF-8, with or without BOM; else Windows-1252) and warnings."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        if _CP1252_HOLES.isdisjoint(data):
            # Excel on Windows saves "CSV" in cp1252: French place names must survive.
            return data.decode("cp1252"), ["not UTF-8: decoded as Windows-1252 (cp1252)"]
        line = data[: error.start].count(b"\n") + 1
        raise UnreadableSourceError(
            f"not UTF-8 text: byte 0x{data[error.start]:02x} on line {line} "
            "(save the file as CSV UTF-8)") from None


def read_csv_table(data: bytes) -> RawTable:
    """Parse CSV bytes into text cells; records with the wrong number of cells become rejects."""
    text, warnings = decode_text(data)
    if not text.strip():
        raise UnreadableSourceError("empty file: no header and no rows")
    # Blank lines at the end are not records (and would send us down the slow path).
    text = text.rstrip("\r\n") + "\n"
    first_line = text[: text.find("\n")]
    # The header decides the delimiter: cells (ACLED `source`) often hold semicolons.
    delimiter = max(",;\t", key=first_line.count)
    table = _read_csv_fast(text, delimiter) or _read_csv_exact(text, delimiter)
    table.warnings = warnings
    return table


def _read_csv_fast(text: str, delimiter: str) -> RawTable | None:
    """Parse with Arrow when every record is one line (row number = line number); else None."""
    if "\n\n" in text or "\n\r\n" in text:
        return None  # blank lines: line numbers and record positions part ways
    try:
        header = next(csv.reader(io.StringIO(text[: text.find("\n") + 1]),
                                 delimiter=delimiter, strict=True))
    except (csv.Error, StopIteration):
        return None
    names = [f"c{i}" for i in range(len(header))]
    broken: list[tuple[int | None, int, str]] = []

    def skip(row: pacsv.InvalidRow) -> str:
        broken.append((row.number, row.actual_columns, row.text))
        return "skip"

    try:
        arrow = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=names, use_threads=False),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                             invalid_row_handler=skip),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                quoted_strings_can_be_null=False))
    except pa.ArrowException:
        return None
    if any(number is None or not _well_quoted(raw, delimiter) for number, _, raw in broken) or any(
            pc.any(pc.match_substring_regex(column, "[\r\n]")).as_py()
            for column in arrow.columns):
        return None  # a cell spans lines: only the exact reader can number records
    frame = arrow.to_pandas()
    frame.columns = _unique([h.strip() for h in header])
    frame = frame.astype("str")
    lines = np.arange(FIRST_RECORD_ROW, FIRST_RECORD_ROW + arrow.num_rows + len(broken))
    bad_lines = np.array([number for number, _, _ in broken], dtype=np.int64)
    rows = np.setdiff1d(lines, bad_lines, assume_unique=True)
    if len(rows) != arrow.num_rows:
        return None
    return RawTable(frame=frame, rows=rows, broken=_broken(
        bad_lines, [n for _, n, _ in broken], [t for _, _, t in broken], len(header)))


def _read_csv_exact(text: str, delimiter: str) -> RawTable:
    """Parse record by record; a row number is the line where its record starts."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    starts: list[int] = []
    previous_end = 0
    try:
        for record in reader:
            if record:
                records.append(record)
                starts.append(previous_end + 1)
            previous_end = reader.line_num
    except csv.Error as error:
        raise UnreadableSourceError(
            f"broken CSV near line {reader.line_num}: {error}") from None
    header = [h.strip() for h in records[0]]
    width = len(header)
    rows = np.array(starts[1:], dtype=np.int64)
    lengths = np.fromiter((len(r) for r in records[1:]), dtype=np.int64, count=len(rows))
    ragged = lengths != width
    good = [r for r, bad in zip(records[1:], ragged, strict=True) if not bad]
    columns = list(zip(*good, strict=True)) if good else [()] * width
    frame = pd.DataFrame({name: pd.array(list(col), dtype="str")
                          for name, col in zip(_unique(header), columns, strict=True)})
    raw = [delimiter.join(r) for r, bad in zip(records[1:], ragged, strict=True) if bad]
    return RawTable(frame=frame, rows=rows[~ragged],
                    broken=_broken(rows[ragged], list(lengths[ragged]), raw, width))


def _well_quoted(line: str, delimiter: str) -> bool:
    # An unclosed quote swallows the lines after it: only the exact reader reports that right.
    if "\n" in line:
        return False
    try:
        list(csv.reader([line], delimiter=delimiter, strict=True))
    except csv.Error:
        return False
    return True


def _broken(rows: np.ndarray, lengths: list[int], raw: list[str], width: int) -> pd.DataFrame:
    return pd.DataFrame({"row": rows,
                         "reason": [f"{n} cells where the header has {width}" for n in lengths],
                         "raw": raw})


def read_xlsx_table(data: bytes) -> RawTable:
    """Read the first sheet of an XLSX workbook as text cells (dates become ISO text)."""
    try:
        frame = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=str, na_filter=False,
                              engine="openpyxl")
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise UnreadableSourceError(f"unreadable XLSX workbook: {error}") from None
    frame.columns = _unique([str(c).strip() for c in frame.columns])
    frame = frame.astype("str")
    # Trailing formatted-but-empty rows are not records.
    filled = frame.ne("").any(axis=1).to_numpy()
    last = int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0
    frame = frame.iloc[:last].reset_index(drop=True)
    rows = np.arange(FIRST_RECORD_ROW, FIRST_RECORD_ROW + len(frame))
    return RawTable(frame=frame, rows=rows)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}.{count}")
    return out
