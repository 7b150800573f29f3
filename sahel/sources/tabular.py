"""Raw tables from bytes: CSV or XLSX text cells, plus the rows too broken to be tabled at all.

Row numbers are line numbers: the header is line 1 and a record's number is the line where it
starts. That is also its spreadsheet row unless a cell above it holds a line break or the file has
blank lines (which are not records). XLSX rows are sheet rows (header = 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import python_calamine

from sahel.sources.errors import UnreadableSourceError
from sahel.sources.sniff import utf16_without_bom

# Bytes cp1252 leaves undefined: a file holding them is not Windows text either.
_CP1252_HOLES = frozenset(b"\x81\x8d\x8f\x90\x9d")
FIRST_RECORD_ROW = 2
# Bounds on work and memory (documented in docs/data.md, "Reading rules"). A cell longer than
# Excel's own limit rejects its row; a workbook past the others is refused before parsing.
MAX_CELL_CHARS = 32_767
MAX_XLSX_ROWS = 1_000_000
MAX_XLSX_COLUMNS = 16_384  # Excel's own limit (column XFD)
# One part (a sheet), uncompressed: calamine holds a sheet in memory, ~1.7x its XML (a 177 MB
# sheet of 100,000 ACLED rows: ~300 MB), so this bounds an XLSX import's memory (~1 GB).
MAX_XLSX_PART_BYTES = 400_000_000
# Cells read from one sheet (100,000 ACLED rows are 3.1 M): bounds time and the Python text
# objects of a sheet of tiny cells.
MAX_XLSX_CELLS = 10_000_000
MAX_XLSX_STRINGS_BYTES = 200_000_000  # the shared-strings part, held in memory whole
LONG_CELL = f"a cell longer than {MAX_CELL_CHARS:,} characters"
# A header is looked for in this many first rows (a title, notes or blank rows above it).
HEADER_SEARCH_ROWS = 20
# Sheets of a workbook tried for a header, visible ones first (a "README" sheet before the data).
MAX_SHEETS_TRIED = 10
# Whether a row's cells are a header this tool reads (sahel.sources passes its formats' test).
IsHeader = Callable[[list[str]], bool]


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
    """Return the text of `data` and warnings.

    UTF-16 with a BOM (Excel's "Unicode text", tab-separated), UTF-8 with or without BOM, else
    Windows-1252.
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError as error:
            raise UnreadableSourceError(f"broken UTF-16 text at byte {error.start}") from None
    utf16 = utf16_without_bom(data)
    if utf16:
        try:
            return data.decode(utf16), [f"UTF-16 text without a byte-order mark: read as {utf16}"]
        except UnicodeDecodeError:
            pass
    zero = data.find(b"\x00")
    if zero >= 0:
        line = data[:zero].count(b"\n") + 1
        raise UnreadableSourceError(
            f"binary data (a zero byte) on line {line}: not a text file; export it as CSV UTF-8 "
            "or XLSX") from None
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        if _CP1252_HOLES.isdisjoint(data):
            # Excel on Windows saves "CSV" in cp1252: French place names must survive.
            return _decode_lines(data.removeprefix(b"\xef\xbb\xbf"))
        line = data[: error.start].count(b"\n") + 1
        raise UnreadableSourceError(
            f"not UTF-8 text: byte 0x{data[error.start]:02x} on line {line} "
            "(save the file as CSV UTF-8)") from None


def _decode_lines(data: bytes) -> tuple[str, list[str]]:
    """Return text that is not all UTF-8, each line read as UTF-8 when it is, else as cp1252.

    Files joined from two exports (one saved by Excel on Windows) mix the two: reading all as
    cp1252 turned the UTF-8 half's "Niafunké" into "NiafunkÃ©". A cp1252 line with accents is
    next to never valid UTF-8.
    """
    windows: list[int] = []  # line numbers
    text: list[str] = []
    utf8 = False  # a line that is UTF-8 and not ASCII
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            text.append(line.decode("utf-8"))
            utf8 = utf8 or not line.isascii()
        except UnicodeDecodeError:
            text.append(line.decode("cp1252"))
            windows.append(number)
    if not utf8:
        return "\n".join(text), ["not UTF-8: decoded as Windows-1252 (cp1252)"]
    shown = ", ".join(map(str, windows[:10])) + (" …" if len(windows) > 10 else "")
    return "\n".join(text), [f"UTF-8 and Windows-1252 (cp1252) lines mixed: {len(windows):,} "
                             f"line(s) read as cp1252 (line {shown})"]


def read_csv_table(data: bytes, is_header: IsHeader | None = None) -> RawTable:
    """Parse CSV bytes into text cells; records with the wrong number of cells become rejects.

    Blank lines before the header are skipped, and so are title or note lines above it when
    `is_header` finds it in the first HEADER_SEARCH_ROWS lines (a warning says so); row
    numbers stay the file's lines.
    """
    text, warnings = decode_text(data)
    if not text.strip():
        raise UnreadableSourceError("empty file: no header and no rows")
    # Blank lines at the end are not records (and would send us down the slow path).
    text = text.rstrip("\r\n") + "\n"
    lines = text.split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS]
    above = header_index([_line_cells(line) for line in lines], is_header)
    if above:
        text = text.split("\n", above)[above]
        warnings = [*warnings, _skipped_above(above, lines[:above])]
    first_line = text[: text.find("\n")]
    # The header decides the delimiter: cells (ACLED `source`) often hold semicolons.
    delimiter = max(",;\t", key=first_line.count)
    if first_line.count(delimiter) >= MAX_XLSX_COLUMNS:
        # Each column costs ~0.3 ms however few the rows: 100,000 of them (1 MB) took ~20 s.
        raise UnreadableSourceError(
            f"a header of more than {MAX_XLSX_COLUMNS:,} columns (Excel's own limit): not a "
            "table this tool reads")
    table = _read_csv_fast(text, delimiter) or _read_csv_exact(text, delimiter)
    table.warnings = warnings
    return skip_hxl_row(_shifted(table, above))


def header_index(rows: list[list[str]], is_header: IsHeader | None) -> int:
    """Return how many of `rows` come before the header: the blank ones at the top, or all
    those above the first row `is_header` accepts."""
    blank = next((i for i, row in enumerate(rows) if any(c.strip() for c in row)), len(rows))
    if is_header is None or blank == len(rows) or is_header(rows[blank]):
        return blank
    return next((i for i in range(blank + 1, len(rows)) if is_header(rows[i])), blank)


def _line_cells(line: str) -> list[str]:
    line = line.rstrip("\r")
    try:
        return next(csv.reader([line], delimiter=max(",;\t", key=line.count)), [])
    except csv.Error:
        return [line]


def _skipped_above(count: int, lines: list[str]) -> str:
    if not any(line.strip() for line in lines):
        return f"{count} blank line(s) before the header skipped"
    return (f"header found on row {count + 1}: the {count} row(s) above it skipped (a title or "
            "notes, not records)")


def _shifted(table: RawTable, lines: int) -> RawTable:
    # Row numbers of a table read below `lines` skipped lines or rows: the source's own again.
    if lines:
        table.rows = table.rows + lines
        table.broken = table.broken.assign(row=table.broken["row"].astype("int64") + lines)
    return table


def skip_hxl_row(table: RawTable) -> RawTable:
    """Drop HDX's HXL hashtag row (`#date`, `#adm1+name` …) under the header, with a warning.

    It is the first record when every filled cell of it starts with `#` and at least two do
    (or its only column does): a header of tags, not a record, so not counted in rows_read.
    """
    if not len(table.frame):
        return table
    cells = [str(c).strip() for c in table.frame.iloc[0].tolist()]
    filled = [c for c in cells if c and c.lower() not in ("nan", "none")]
    tags = [c for c in filled if c.startswith("#") and len(c) > 1]
    if not filled or len(tags) != len(filled) or len(tags) < min(2, len(cells)):
        return table
    table.frame = table.frame.iloc[1:].reset_index(drop=True)
    row = int(table.rows[0])
    table.rows = table.rows[1:]
    table.warnings = [*table.warnings, f"HXL hashtag row skipped (row {row})"]
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
    if not header:
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
            or (pc.max(pc.utf8_length(column)).as_py() or 0) > MAX_CELL_CHARS
            for column in arrow.columns):
        # A cell spans lines (only the exact reader can number records) or is too long.
        return None
    frame = arrow.to_pandas()
    frame.columns = unique_names([h.strip() for h in header])
    frame = frame.astype("str")
    lines = np.arange(FIRST_RECORD_ROW, FIRST_RECORD_ROW + arrow.num_rows + len(broken))
    bad_lines = np.array([number for number, _, _ in broken], dtype=np.int64)
    rows = np.setdiff1d(lines, bad_lines, assume_unique=True)
    if len(rows) != arrow.num_rows:
        return None
    return RawTable(frame=frame, rows=rows, broken=_broken(
        bad_lines, [n for _, n, _ in broken], [_clip(t) for _, _, t in broken], len(header)))


def _read_csv_exact(text: str, delimiter: str) -> RawTable:
    """Parse record by record; a row number is the line where its record starts."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    starts: list[int] = []
    failures: list[tuple[int, str]] = []  # (line, reason): records the csv module cannot read
    previous_end = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            # The reader goes on at the next line: one broken record costs only itself.
            failures.append((previous_end + 1, _csv_failure(str(error))))
            previous_end = reader.line_num
            continue
        if record:
            records.append(record)
            starts.append(previous_end + 1)
        previous_end = reader.line_num
    if not records or (failures and failures[0][0] < starts[0]):
        reason = failures[0][1] if failures else "no header"
        raise UnreadableSourceError(f"broken CSV header: {reason}") from None
    header = [h.strip() for h in records[0]]
    width = len(header)
    rows = np.array(starts[1:], dtype=np.int64)
    lengths = np.fromiter((len(r) for r in records[1:]), dtype=np.int64, count=len(rows))
    long = np.fromiter((max(map(len, r), default=0) > MAX_CELL_CHARS for r in records[1:]),
                       dtype=bool, count=len(rows))
    bad = (lengths != width) | long
    good = [r for r, b in zip(records[1:], bad, strict=True) if not b]
    columns = list(zip(*good, strict=True)) if good else [()] * width
    frame = pd.DataFrame({name: pd.array(list(col), dtype="str")
                          for name, col in zip(unique_names(header), columns, strict=True)})
    reasons = [LONG_CELL if is_long else f"{n} cells where the header has {width}"
               for n, is_long in zip(lengths[bad], long[bad], strict=True)]
    raw = [_clip(delimiter.join(r)) for r, b in zip(records[1:], bad, strict=True) if b]
    broken = pd.DataFrame({"row": [*rows[bad], *(line for line, _ in failures)],
                           "reason": [*reasons, *(why for _, why in failures)],
                           "raw": [*raw, *([""] * len(failures))]})
    return RawTable(frame=frame, rows=rows[~bad], broken=broken)


def _csv_failure(message: str) -> str:
    if "field larger than field limit" in message:
        return LONG_CELL
    if "unexpected end of data" in message:
        return "the file ends inside a quoted cell (cut off?): this record is incomplete"
    return f"broken CSV quoting ({message})"


def _clip(text: str) -> str:
    # The rejects report shows what a broken record held, not a megabyte of it.
    return text if len(text) <= 1_000 else text[:1_000] + "…"


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


def read_xlsx_table(data: bytes, is_header: IsHeader | None = None) -> RawTable:
    """Read a sheet of an XLSX workbook as the text a CSV export would hold.

    Whole numbers are written without `.0`, other numbers as Python writes them (shortest
    exact form), date cells as `YYYY-MM-DD` (with ` HH:MM:SS` when they have a time), text as is
    (leading zeros kept). Sheet rows are row numbers. Read with calamine after the parts' sizes
    and the sheets' declared dimensions were checked against the caps above. The sheet read is
    the first whose first HEADER_SEARCH_ROWS rows hold a header `is_header` accepts (visible
    sheets first, at most MAX_SHEETS_TRIED, within one MAX_XLSX_CELLS), else the first sheet;
    rows above its header are skipped, with a warning.
    """
    check_workbook(data)
    warnings: list[str] = []
    try:
        # calamine (Rust) reads a sheet ~10x faster than openpyxl's read-only mode (100,000
        # ACLED rows: ~5 s instead of ~48 s); the caps above bound what it may hold.
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = workbook.sheets_metadata
        order = sorted(range(len(sheets)), key=lambda i: sheets[i].visible
                       != python_calamine.SheetVisibleEnum.Visible)
        budget = [MAX_XLSX_CELLS]
        first: list[list[str]] | None = None
        records: list[list[str]] = []
        for index in order[:MAX_SHEETS_TRIED]:
            records = _sheet_records(workbook.get_sheet_by_index(index), budget)
            first = records if first is None else first
            above = header_index(records[:HEADER_SEARCH_ROWS], is_header)
            if is_header is None or (above < len(records) and is_header(records[above])):
                if index != 0:
                    warnings.append(f"sheet {sheets[index].name[:60]!r} read, not the first one "
                                    f"({sheets[0].name[:60]!r}): the first visible sheet with "
                                    "a header this tool reads")
                break
        else:
            records = first or []
        workbook.close()
    except UnreadableSourceError:
        raise
    except Exception as error:  # calamine raises several kinds for a damaged workbook
        raise UnreadableSourceError(
            f"unreadable XLSX workbook ({type(error).__name__}): save it again from the "
            "spreadsheet program, or as CSV") from None
    above = header_index(records[:HEADER_SEARCH_ROWS], is_header)
    if above == len(records):
        raise UnreadableSourceError("empty workbook: no header and no rows")
    if above:
        warnings.append(_skipped_above(above, [" ".join(r) for r in records[:above]]))
    header = records[above]
    while header and not header[-1].strip():
        header = header[:-1]
    width = len(header)
    body = [(r + [""] * (width - len(r)))[:width] for r in records[above + 1:]]
    # Trailing formatted-but-empty rows are not records.
    while body and not any(c.strip() for c in body[-1]):
        body.pop()
    rows = np.arange(above + FIRST_RECORD_ROW, above + FIRST_RECORD_ROW + len(body))
    long = np.fromiter((max(map(len, r), default=0) > MAX_CELL_CHARS for r in body), dtype=bool,
                       count=len(body))
    good = [r for r, is_long in zip(body, long, strict=True) if not is_long]
    columns = list(zip(*good, strict=True)) if good else [()] * width
    frame = pd.DataFrame({name: pd.array(list(col), dtype="str")
                          for name, col in zip(unique_names([h.strip() for h in header]),
                                               columns, strict=True)})
    broken = pd.DataFrame({"row": rows[long], "reason": [LONG_CELL] * int(long.sum()),
                           "raw": [""] * int(long.sum())})
    return skip_hxl_row(RawTable(frame=frame, rows=rows[~long], broken=broken,
                                 warnings=warnings))


def _sheet_records(sheet: python_calamine.CalamineSheet, budget: list[int]) -> list[list[str]]:
    """Return a sheet's rows as text cells from A1; `budget` holds the cells still allowed."""
    # calamine starts at the first cell in use: pad back to A1, so sheet rows stay row numbers.
    top, left = sheet.start or (0, 0)
    records: list[list[str]] = [[] for _ in range(min(top, MAX_XLSX_ROWS + 1))]
    for row in sheet.iter_rows():
        if len(records) > MAX_XLSX_ROWS:
            raise UnreadableSourceError(
                f"workbook with more than {MAX_XLSX_ROWS:,} rows: split it or export it as CSV")
        records.append([""] * left + [cell_text(v) for v in row[:MAX_XLSX_COLUMNS - left]])
        budget[0] -= len(records[-1])
        if budget[0] < 0:
            raise UnreadableSourceError(
                f"workbook with more than {MAX_XLSX_CELLS:,} cells: split it or export it as "
                "CSV")
    return records


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"(?:[A-Z]+\d+:)?([A-Z]+)(\d+)\"")


def check_workbook(data: bytes) -> None:
    """Refuse a workbook whose parts or declared sheet size pass the caps, before parsing it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            for info in infos:
                cap = (MAX_XLSX_STRINGS_BYTES if info.filename.endswith("sharedStrings.xml")
                       else MAX_XLSX_PART_BYTES)
                if info.file_size > cap:
                    raise UnreadableSourceError(
                        f"workbook part {info.filename[:60]!r} unpacks to {info.file_size:,} "
                        f"bytes (at most {cap:,}): a zip bomb, or a sheet too big to read here; "
                        "export it as CSV")
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    with archive.open(info) as part:
                        _check_dimension(part.read(4096))
    except UnreadableSourceError:
        raise
    except Exception as error:  # zipfile: BadZipFile, damaged headers, unsupported methods
        raise UnreadableSourceError(
            f"damaged XLSX workbook ({type(error).__name__}): save it again, or as CSV") from None


def _check_dimension(head: bytes) -> None:
    found = _DIMENSION.search(head)
    if not found:
        return
    letters, digits = found.group(1), found.group(2)
    column = 0
    for letter in letters[:4].decode("ascii"):
        column = column * 26 + ord(letter) - 64
    if len(digits) > 8 or int(digits) > MAX_XLSX_ROWS + 1:
        raise UnreadableSourceError(
            f"workbook declares {int(digits[:12]):,} rows (at most {MAX_XLSX_ROWS:,}): split it "
            "or export it as CSV")
    if len(letters) > 3 or column > MAX_XLSX_COLUMNS:
        raise UnreadableSourceError(
            f"workbook declares more than {MAX_XLSX_COLUMNS:,} columns: not a table this tool "
            "reads")


def cell_text(value: object) -> str:
    """Return a typed cell (spreadsheet or JSON) as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)  # "inf", "nan": not a number validation accepts
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    return str(value)


def unique_names(names: list[str]) -> list[str]:
    """Return `names` with repeats numbered (`notes`, `notes.1`), as pandas reads a header."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}.{count}")
    return out
