"""This project's own files (CSV, GeoJSON, GeoParquet): read back losslessly, claims included."""

from __future__ import annotations

import io
import json
from typing import Any, BinaryIO

import geopandas as gpd
import numpy as np
import pandas as pd

from sahel.export import restore_cell
from sahel.schema import COLUMN_NAMES, COLUMNS, COLUMNS_BY_NAME
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
    """Read a GeoJSON FeatureCollection: properties as cells, Point geometry as lon/lat."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnreadableSourceError(f"broken GeoJSON: {error}") from None
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        raise UnreadableSourceError("GeoJSON without a `features` list")
    records = []
    for feature in features:
        properties = dict((feature or {}).get("properties") or {})
        geometry = (feature or {}).get("geometry") or {}
        if geometry.get("type") == "Point" and len(geometry.get("coordinates") or []) >= 2:
            properties.setdefault("longitude", geometry["coordinates"][0])
            properties.setdefault("latitude", geometry["coordinates"][1])
        records.append(properties)
    # An empty collection is an empty canonical file, not an unknown format.
    frame = (pd.DataFrame.from_records(records) if records
             else pd.DataFrame(columns=list(COLUMN_NAMES)))
    return RawTable(frame=frame, rows=np.arange(1, len(frame) + 1))


def read_geoparquet_table(data: bytes) -> RawTable:
    """Read (Geo)Parquet; point geometry fills longitude/latitude when those columns are absent."""
    try:
        try:
            frame = pd.DataFrame(gpd.read_parquet(io.BytesIO(data)))
        except ValueError as error:
            if "geo" not in str(error).lower():
                raise
            frame = pd.read_parquet(io.BytesIO(data))  # plain Parquet, no geo metadata
    except Exception as error:  # pyarrow raises several kinds for damaged files
        raise UnreadableSourceError(f"unreadable Parquet file: {error}") from None
    if "geometry" in frame.columns:
        points = gpd.GeoSeries(frame["geometry"])
        if "longitude" not in frame.columns:
            frame["longitude"] = points.x
            frame["latitude"] = points.y
        frame = frame.drop(columns="geometry")
    return RawTable(frame=frame.reset_index(drop=True), rows=np.arange(1, len(frame) + 1))


def to_geojson_bytes(incidents: pd.DataFrame) -> bytes:
    """Return canonical incidents as a GeoJSON FeatureCollection (UTF-8, EPSG:4326)."""
    features = []
    for record in incidents[list(COLUMN_NAMES)].to_dict(orient="records"):
        properties = {name: _plain(name, value) for name, value in record.items()}
        coordinates = [properties["longitude"], properties["latitude"]]
        features.append({"type": "Feature", "properties": properties,
                         "geometry": {"type": "Point", "coordinates": coordinates}})
    document = {"type": "FeatureCollection", "features": features}
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def write_geoparquet(incidents: gpd.GeoDataFrame, target: str | BinaryIO) -> None:
    """Write canonical incidents as GeoParquet (what the store and `data/incidents/` hold)."""
    incidents[[*COLUMN_NAMES, "geometry"]].to_parquet(target, index=False)


def _plain(name: str, value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if COLUMNS_BY_NAME[name].dtype.startswith("datetime64"):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
