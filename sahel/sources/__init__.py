"""Read any incident file an analyst has into the canonical frame, losing no row silently.

`read_incidents` takes a path or a binary file object (an upload), recognises the container from
its first bytes (CSV in UTF-8, Windows-1252 or UTF-16 "Unicode text", XLSX, GeoJSON, GeoParquet)
and the format from the header (ACLED current, pre-2023 or 2017–2019, UCDP GED/Candidate or a
reduced extract, this project's canonical columns). Row numbers in `rejected`: for CSV the line
where the record starts (header = line 1), for XLSX the sheet row, for GeoJSON/GeoParquet the
feature/record index starting at 1. HDX's HXL hashtag row is skipped with a warning.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import geopandas as gpd
import pandas as pd

from sahel.schema import COLUMNS, conform
from sahel.sources import acled, canonical, ucdp
from sahel.sources.enrich import enrich
from sahel.sources.errors import SourceError, UnknownFormatError, UnreadableSourceError
from sahel.sources.extra import source_extra
from sahel.sources.sniff import binary_kind, zip_kind
from sahel.sources.tabular import RawTable, read_csv_table, read_xlsx_table, unique_names
from sahel.validation import check_rows, is_blank, unknown_event_types

__all__ = ["FORMATS", "ImportResult", "SourceError", "UnknownFormatError",
           "UnreadableSourceError", "detect_format", "read_incidents", "reason_kind"]

Mapper = Callable[[pd.DataFrame, str], pd.DataFrame]


@dataclass(frozen=True)
class Format:
    """A known header: the columns it must have, its mapping to canonical, what that consumes.

    `consumed`: source columns whose values canonical columns hold; the others go to
    `source_extra`. None for canonical files (they carry their own `source_extra`).
    """

    name: str
    required: tuple[str, ...]
    mapper: Mapper
    consumed: frozenset[str] | None = None


# Tried in order; the first whose required columns are all present wins.
FORMATS: tuple[Format, ...] = (
    Format("canonical", canonical.REQUIRED, canonical.to_canonical),
    Format("acled", acled.REQUIRED, acled.to_canonical, acled.CONSUMED),
    Format("ucdp", ucdp.REQUIRED_FULL, ucdp.to_canonical, ucdp.CONSUMED),
    Format("ucdp_extract", ucdp.REQUIRED_EXTRACT, ucdp.to_canonical, ucdp.CONSUMED),
)


@dataclass
class ImportResult:
    """What one file gave: canonical incidents kept, rows rejected with reasons, unknown actors."""

    source_name: str
    format: str
    container: str
    rows_read: int
    incidents: gpd.GeoDataFrame
    rejected: pd.DataFrame
    unknown_actors: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def kept(self) -> int:
        """Return how many rows were kept."""
        return len(self.incidents)

    @property
    def flagged(self) -> int:
        """Return how many kept rows carry at least one flag."""
        return int(self.incidents["flags"].fillna("").ne("").sum())

    @property
    def unknown_event_types(self) -> dict[str, int]:
        """Return each kept event type outside ACLED's taxonomy with its row count."""
        return unknown_event_types(self.incidents)

    @property
    def failed(self) -> bool:
        """Return True when no row was kept: the import of this file failed as a whole."""
        return self.kept == 0

    def top_reasons(self, n: int = 3) -> list[tuple[str, int]]:
        """Return the `n` commonest kinds of reject reason with their row counts, commonest first.

        A kind is a reason without its values (`reason_kind`); a row with several reasons counts
        once for each.
        """
        counts = Counter(reason_kind(part) for text in self.rejected["reason"]
                         for part in str(text).split("; ") if part)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]


# A reason's values: a quoted cell ('…' or "…" as repr writes it), a trailing number, or a
# parenthesised pointer to another row.
_REASON_VALUES = re.compile(
    r""" (?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?[\d.]+(?:e-?\d+)?)(?= |$)""")
_REASON_ROW = re.compile(r" \((?:first|newer) at row \d+\)$")
_RAGGED = re.compile(r"^\d+ cells where the header has \d+$")


def reason_kind(reason: str) -> str:
    """Return a reject reason without its values: "unparseable event_date '16-Feb-21'" → kind."""
    if _RAGGED.match(reason):
        return "wrong number of cells"
    return _REASON_VALUES.sub("", _REASON_ROW.sub("", reason)).strip()


def detect_format(columns: list[str] | pd.Index) -> Format:
    """Return the format a header belongs to, or raise UnknownFormatError naming what is missing."""
    present = {str(c).strip().lower() for c in columns}
    for candidate in FORMATS:
        if present.issuperset(candidate.required):
            return candidate
    # Closest = the format the header shares most columns with (then: lacks the fewest).
    closest = min(FORMATS, key=lambda f: (-len(present & set(f.required)),
                                          len(set(f.required) - present)))
    missing = [c for c in closest.required if c not in present]
    raise UnknownFormatError(closest.name, missing, [str(c) for c in columns])


def read_incidents(source: str | Path | BinaryIO, name: str | None = None) -> ImportResult:
    """Read one incident file (path or binary file object) into canonical incidents + rejects."""
    clock = _Clock()
    data, name = _read_bytes(source, name)
    container, table = _read_table(data)
    # Headers are matched case-insensitively: `Notes` and `notes` are two columns still.
    table.frame.columns = unique_names([str(c).strip().lower() for c in table.frame.columns])
    clock.lap("parse")
    fmt = detect_format(table.frame.columns)
    mapped = fmt.mapper(table.frame, name)
    format_id = _format_id(fmt, table.frame.columns, mapped)
    checked = check_rows(mapped, table.rows, ordered_counts=fmt.name.startswith("ucdp"))
    clock.lap("validate")
    enriched, unknown = enrich(checked.kept)
    if fmt.consumed is not None:
        raw = table.frame.iloc[checked.kept.index.to_numpy()].set_axis(checked.kept.index)
        enriched["source_extra"] = source_extra(raw, fmt.consumed, enriched["event_date"])
    incidents = conform(_blank_text_to_na(enriched))
    clock.lap("canonicalise")
    rejected = _rejects(table, checked.rejected)
    result = ImportResult(source_name=name, format=format_id, container=container,
                          rows_read=table.rows_read, incidents=incidents, rejected=rejected,
                          unknown_actors=unknown, warnings=table.warnings, timings=clock.laps)
    assert result.kept + len(result.rejected) == result.rows_read, "import lost rows"
    return result


def _read_bytes(source: str | Path | BinaryIO, name: str | None) -> tuple[bytes, str]:
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            return path.read_bytes(), name or path.name
        except OSError as error:
            raise UnreadableSourceError(f"cannot read {path}: {error.strerror}") from None
    data = source.read()
    return data, name or Path(str(getattr(source, "name", "upload"))).name


def _read_table(data: bytes) -> tuple[str, RawTable]:
    if not data.strip():
        raise UnreadableSourceError("empty file: no header and no rows")
    if data[:4] == b"PAR1":
        return "geoparquet", canonical.read_geoparquet_table(data)
    if data[:4] == b"PK\x03\x04":
        kind = zip_kind(data)
        if kind:
            raise UnreadableSourceError(f"not a table: the file is {kind}")
        return "xlsx", read_xlsx_table(data, is_header)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return "geojson", canonical.read_geojson_table(data)
    kind = binary_kind(data)
    if kind:
        raise UnreadableSourceError(f"not a table: the file is {kind}")
    return "csv", read_csv_table(data, is_header)


def is_header(cells: list[str]) -> bool:
    """Return whether a row's cells are the header of a format this tool reads."""
    present = {str(c).strip().lower() for c in cells}
    return any(present.issuperset(f.required) for f in FORMATS)


def _format_id(fmt: Format, columns: pd.Index, mapped: pd.DataFrame) -> str:
    if fmt.name == "acled":
        return acled.layout(columns)
    if fmt.name.startswith("ucdp"):
        dataset = str(mapped["dataset"].iloc[0]) if len(mapped) else "ucdp_ged"
        return dataset + ("_extract" if fmt.name == "ucdp_extract" else "")
    return fmt.name


def _blank_text_to_na(frame: pd.DataFrame) -> pd.DataFrame:
    # One spelling of "nothing" in text columns (missing), so every container round-trips alike.
    out = frame.copy()
    for column in (c.name for c in COLUMNS if c.dtype == "str"):
        if column in out.columns:
            values = out[column]
            # Only cells that are not all text (typed GeoJSON values) need converting.
            if values.dtype == object and pd.api.types.infer_dtype(
                    values, skipna=True) not in ("string", "empty"):
                values = values.map(_as_text)
            out[column] = values.where(~is_blank(values), None)
    return out


def _as_text(value: object) -> str | None:
    if isinstance(value, str) or value is None:
        return value
    if not pd.api.types.is_scalar(value):
        # e.g. a GeoJSON list, a Parquet list (an array) or struct
        return json.dumps(value, ensure_ascii=False, default=_plain)
    return None if pd.isna(value) else str(value)


def _plain(value: object) -> object:
    tolist = getattr(value, "tolist", None)
    return tolist() if callable(tolist) else str(value)


def _rejects(table: RawTable, rejected: pd.DataFrame) -> pd.DataFrame:
    raw = table.frame.loc[rejected.index].astype("str")
    checked = pd.concat([rejected[["row", "reason"]], raw], axis=1)
    parts = [p for p in (table.broken, checked) if len(p)]
    if not parts:
        return pd.DataFrame(columns=["row", "reason"])
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values("row", kind="mergesort").reset_index(drop=True)


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, label: str) -> None:
        now = time.perf_counter()
        self.laps[label] = now - self._last
        self._last = now
