"""This project's own files (CSV, GeoJSON, GeoParquet): read back losslessly, claims included."""

from __future__ import annotations

__all__ = ["read_geojson_table", "read_geoparquet_table", "to_canonical", "to_geojson_bytes",
           "write_geoparquet"]

import io
import json
import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import shapely

# The writers live with the other exports; the store and scripts find them here too.
from sahel.export import restore_cell, to_geojson_bytes, write_geoparquet
from sahel.schema import COLUMN_NAMES, COLUMNS
from sahel.sources.errors import UnreadableSourceError
from sahel.sources.tabular import RawTable

REQUIRED: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)
TEXT_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.dtype == "str")


def to_canonical(raw: pd.DataFrame, name: str) -> pd.DataFrame:
    """Keep the canonical columns of a canonical table; undo the export's formula guard."""
    out = raw[[c for c in COLUMN_NAMES if c in raw.columns]].copy()
    if "claims_text" in raw.columns:
        # Only the dashboard's CSV download has claims_text, and only it guards formulas.
        for column in TEXT_COLUMNS:
            if column in out.columns:
                out[column] = out[column].map(restore_cell, na_action="ignore")
    dataset = out["dataset"] if "dataset" in out.columns else pd.Series("", index=out.index)
    out["dataset"] = dataset.where(dataset.fillna("").astype("str").str.strip().ne(""),
                                   "canonical")
    return out


def read_geojson_table(data: bytes) -> RawTable:
    """Read a GeoJSON FeatureCollection: properties as cells, Point geometry as lon/lat.

    Each feature is checked on its own: one of the wrong JSON type, with properties that are not
    an object, a geometry that is not a Point of two numbers, or nesting too deep to read is
    rejected with its reason (its index from 1); the others are kept.
    """
    if len(data) > MAX_GEOJSON_BYTES:
        raise UnreadableSourceError(
            f"GeoJSON of {len(data):,} bytes (at most {MAX_GEOJSON_BYTES:,}): export it as "
            "GeoParquet or CSV")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableSourceError(
            f"GeoJSON that is not UTF-8 text (byte {error.start})") from None
    try:
        features: list[Any] = _features(_loads(text))
    except RecursionError:
        features = _features_one_by_one(text)
    except ValueError as error:
        raise UnreadableSourceError(f"broken GeoJSON: {str(error)[:120]}") from None
    records: list[dict[str, Any]] = []
    rows: list[int] = []
    broken: list[tuple[int, str]] = []
    for number, feature in enumerate(features, start=1):
        record = (feature.reason if isinstance(feature, _Unreadable)
                  else _feature_record(feature))
        if isinstance(record, str):
            broken.append((number, record))
        else:
            records.append(record)
            rows.append(number)
    # An empty collection is an empty canonical file, not an unknown format.
    frame = (pd.DataFrame.from_records(records) if records
             else pd.DataFrame(columns=list(COLUMN_NAMES)))
    return RawTable(frame=frame, rows=np.array(rows, dtype=np.int64),
                    broken=pd.DataFrame({"row": [n for n, _ in broken],
                                         "reason": [why for _, why in broken],
                                         "raw": [""] * len(broken)}))


# Bounds (documented in docs/data.md, "Reading rules").
MAX_GEOJSON_BYTES = 500_000_000
MAX_PROPERTIES = 1_000
TOO_DEEP = "nested too deeply to read"


class _Unreadable:
    """A feature the one-by-one reader could not parse, with why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _loads(text: str) -> Any:
    # Integers of more than 18 digits stay text: validation rejects them by range, and Python
    # refuses to convert one of over 4,300 digits at all.
    return json.loads(text, parse_int=lambda digits: int(digits) if len(digits) <= 18 else digits)


def _features(document: Any) -> list[Any]:
    if isinstance(document, dict) and document.get("type") == "Feature":
        return [document]
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        kind = type(document).__name__ if not isinstance(document, dict) else "object"
        raise UnreadableSourceError(
            f"not GeoJSON: a JSON {kind} without a `features` list (expected a "
            "FeatureCollection)")
    return features


def _feature_record(feature: Any) -> dict[str, Any] | str:
    """Return a feature's cells, or why the feature cannot be read."""
    if not isinstance(feature, dict):
        return f"feature is {_json_kind(feature)}, not an object"
    properties = feature.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        return f"properties is {_json_kind(properties)}, not an object"
    if len(properties) > MAX_PROPERTIES:
        return f"more than {MAX_PROPERTIES:,} properties"
    record = {str(key): value for key, value in properties.items()}
    geometry = feature.get("geometry")
    if geometry is None:
        return record
    if not isinstance(geometry, dict):
        return f"geometry is {_json_kind(geometry)}, not an object"
    kind = geometry.get("type")
    if kind != "Point":
        shown = repr(kind[:30]) if isinstance(kind, str) else _json_kind(kind)
        return f"geometry {shown} is not a Point"
    coordinates = geometry.get("coordinates")
    if not (isinstance(coordinates, list) and 2 <= len(coordinates) <= 3
            and all(isinstance(c, int | float) and not isinstance(c, bool)
                    for c in coordinates)):
        return "Point coordinates are not two or three numbers"
    record.setdefault("longitude", coordinates[0])
    record.setdefault("latitude", coordinates[1])
    return record


def _json_kind(value: Any) -> str:
    kinds = {dict: "an object", list: "a list", str: "text", bool: "a boolean",
             type(None): "null", int: "a number", float: "a number"}
    return kinds.get(type(value), type(value).__name__)


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]')


def _features_one_by_one(text: str) -> list[Any]:
    """Read a document too deep for `json.loads` feature by feature; too-deep ones become text.

    Scans strings and brackets only to find the `features` array's items, then parses each.
    """
    depth, key, expect_key = 0, None, False
    start = end = -1
    spans: list[tuple[int, int]] = []
    item_start = -1
    for token in _TOKEN.finditer(text):
        mark = token.group()
        if mark in "[{":
            depth += 1
            if depth == 2 and key == "features" and mark == "[" and start < 0:
                start = item_start = token.end()
            expect_key = mark == "{" and depth == 1
        elif mark in "]}":
            if depth == 2 and start >= 0 and end < 0:
                spans.append((item_start, token.start()))
                end = token.end()
            depth -= 1
        elif mark == "," and depth == 2 and start >= 0 and end < 0:
            spans.append((item_start, token.start()))
            item_start = token.end()
        elif mark == "," and depth == 1:
            expect_key = True
        elif mark == ":":
            expect_key = False
        elif depth == 1 and expect_key:
            key = json.loads(mark)
    if start < 0 or end < 0:
        raise UnreadableSourceError(f"GeoJSON {TOO_DEEP} (and no `features` list found)")
    try:
        _features(_loads(text[:start - 1] + "[]" + text[end:]))
    except (ValueError, RecursionError):
        raise UnreadableSourceError(f"GeoJSON {TOO_DEEP} outside its features") from None
    features: list[Any] = []
    for first, last in spans:
        piece = text[first:last].strip()
        if not piece and len(spans) == 1:
            break  # an empty list
        try:
            features.append(_loads(piece))
        except RecursionError:
            features.append(_Unreadable(f"feature {TOO_DEEP}"))
        except ValueError:
            features.append(_Unreadable("feature is not valid JSON"))
    return features


def read_geoparquet_table(data: bytes) -> RawTable:
    """Read (Geo)Parquet; point geometry fills longitude/latitude when those columns are absent.

    A row whose geometry cannot be decoded, or is not a Point, is rejected with its reason.
    """
    try:
        table = pq.read_table(io.BytesIO(data))
        frame = table.to_pandas(types_mapper=None, ignore_metadata=True)
    except Exception as error:  # pyarrow raises several kinds for damaged files
        raise UnreadableSourceError(
            f"unreadable Parquet file ({type(error).__name__}): {_clean(str(error))}") from None
    rows = np.arange(1, len(frame) + 1)
    broken = pd.DataFrame(columns=["row", "reason"])
    reasons = _binary_cells(frame)
    if "geometry" in frame.columns:
        points, geometry_reasons = _points(frame["geometry"])
        reasons = reasons.where(reasons.ne(""), geometry_reasons)
    bad = reasons.ne("").to_numpy()
    if bad.any() or "geometry" in frame.columns:
        broken = pd.DataFrame({"row": rows[bad], "reason": reasons[bad].to_numpy(),
                               "raw": [""] * int(bad.sum())})
        if "geometry" in frame.columns and "longitude" not in frame.columns:
            frame["longitude"] = [p.x if p is not None else None for p in points]
            frame["latitude"] = [p.y if p is not None else None for p in points]
        frame = frame.drop(columns="geometry", errors="ignore")[~bad]
        rows = rows[~bad]
    return RawTable(frame=frame.reset_index(drop=True), rows=rows, broken=broken)


def _binary_cells(frame: pd.DataFrame) -> pd.Series:
    """Decode binary cells (other than `geometry`) as UTF-8 text in place; return per row why
    not ("" if fine): a cell of bytes that are not UTF-8 text is not a value this tool reads."""
    reasons = pd.Series("", index=frame.index, dtype="object")
    for column in frame.columns:
        values = frame[column]
        if column == "geometry" or values.dtype != object:
            continue
        binary = values.map(lambda v: isinstance(v, bytes | bytearray))
        if not binary.any():
            continue
        decoded = values[binary].map(lambda v: _utf8(bytes(v)))
        frame[column] = values.where(~binary, decoded)
        failed = decoded.isna().reindex(frame.index, fill_value=False)
        why = f"binary data in {_clean(str(column)[:40])!r}, not UTF-8 text"
        reasons = reasons.where(~failed | reasons.ne(""), why)
    return reasons


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _points(values: pd.Series) -> tuple[list[Any], pd.Series]:
    """Return decoded Point geometries (None if absent) and per row why not ("" if fine)."""
    cells = values.to_numpy()
    wkb = np.array([c if isinstance(c, bytes) else None for c in cells], dtype=object)
    # Tools without a geometry type (DuckDB without its spatial extension, a CSV turned into
    # Parquet) write the geometry as WKT text.
    wkt = np.array([c if isinstance(c, str) else None for c in cells], dtype=object)
    shapes = np.where(wkt != None, shapely.from_wkt(wkt, on_invalid="ignore"),  # noqa: E711
                      shapely.from_wkb(wkb, on_invalid="ignore"))
    points: list[Any] = []
    reasons: list[str] = []
    for cell, shape in zip(cells, shapes, strict=True):
        if cell is None:
            points.append(None)
            reasons.append("")
        elif shape is None:
            points.append(None)
            reasons.append("undecodable geometry (not WKB nor WKT)")
        elif shape.geom_type != "Point" or shape.is_empty:
            points.append(None)
            reasons.append(f"geometry {shape.geom_type!r} is not a Point"
                           if shape.geom_type != "Point" else "empty Point geometry")
        else:
            points.append(shape)
            reasons.append("")
    return points, pd.Series(reasons, index=values.index, dtype="object")


def _clean(message: str) -> str:
    # Library messages may quote file content: keep them short and without control characters.
    return repr(message[:160])[1:-1]
