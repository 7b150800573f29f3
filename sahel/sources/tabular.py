"""Raw tables from bytes: CSV or XLSX text cells, plus the rows too broken to be tabled at all.

Row numbers are spreadsheet rows: the header is row 1 and the first record row 2. Blank lines
are not records. A record whose cells span several lines (quoted newlines) counts once, so the
number equals the file's line number whenever no cell holds a line break.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

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
    first_line = text.split("\n", 1)[0]
    # The header decides the delimiter: cells (ACLED `source`) often hold semicolons.
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        records = [r for r in reader if r]
    except csv.Error as error:
        raise UnreadableSourceError(
            f"broken CSV near line {reader.line_num}: {error}") from None
    header = [h.strip() for h in records[0]]
    width = len(header)
    rows = np.arange(FIRST_RECORD_ROW, FIRST_RECORD_ROW + len(records) - 1)
    lengths = np.fromiter((len(r) for r in records[1:]), dtype=np.int64, count=len(rows))
    ragged = lengths != width
    good = [r for r, bad in zip(records[1:], ragged, strict=True) if not bad]
    columns = list(zip(*good, strict=True)) if good else [()] * width
    frame = pd.DataFrame({name: pd.array(list(col), dtype="str")
                          for name, col in zip(_unique(header), columns, strict=True)})
    broken = pd.DataFrame({
        "row": rows[ragged],
        "reason": [f"{n} cells where the header has {width}" for n in lengths[ragged]],
        "raw": [",".join(r) for r, bad in zip(records[1:], ragged, strict=True) if bad],
    })
    return RawTable(frame=frame, rows=rows[~ragged], broken=broken, warnings=warnings)


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
