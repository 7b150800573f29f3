"""The filtered incidents analysts download: CSV (every canonical column, readable claims,
spreadsheet-safe), GeoJSON and GeoParquet (every canonical column, read back losslessly by
`sahel.sources.read_incidents`).

Given the event groups (`groups`: `sahel.link_upkeep.current_groups`), every writer adds an
`event_group` column (empty for a record in no group); `once_rows` gives one row per event
group (`sahel.links.count_once`) with `group_records`, `group_datasets` and `sources`, which the
writers add too (docs/data.md).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

import geopandas as gpd
import numpy as np
import pandas as pd

from sahel.schema import COLUMN_NAMES, COLUMNS_BY_NAME, CRS, Claim, claims_from_json

# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
# Prefixed to such cells so they are shown as text; the canonical reader strips it (restore_cell).
FORMULA_GUARD = "'"
EXPORT_COLUMNS: tuple[str, ...] = (*COLUMN_NAMES, "claims_text")
# Written after the canonical columns when the rows carry them (event groups, "once" rows).
GROUP_COLUMNS: tuple[str, ...] = ("event_group", "group_records", "group_datasets", "sources")


def with_groups(incidents: pd.DataFrame, groups: pd.DataFrame | None) -> pd.DataFrame:
    """Return the incidents with their `event_group` (missing for a record in no group);
    as they are when `groups` is None."""
    if groups is None:
        return incidents
    from sahel.links import assign_groups

    return incidents.assign(event_group=assign_groups(incidents, groups).astype("str"))


def once_rows(incidents: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Return one row per event group (`sahel.links.count_once`, its toll rule and range) and
    each record in no group, with `sources`: the "dataset: event_id" of every record it stands
    for ("; "-separated)."""
    from sahel.link_candidates import dataset_keys
    from sahel.links import assign_groups, count_once

    frame = incidents.reset_index(drop=True)
    source = dataset_keys(frame).astype("str") + ": " + frame["event_id"].astype("str")
    group = assign_groups(frame, groups).astype("object")
    key = group.where(group.notna(), frame["event_id"].astype("object"))
    sources = source.groupby(key.to_numpy()).agg(lambda s: "; ".join(sorted(s)))
    once = count_once(frame, groups)
    own = once["event_group"].astype("object")
    once["event_group"] = own.astype("str")
    once["group_datasets"] = once["group_datasets"].astype("str")
    once["sources"] = own.where(own.notna(), once["event_id"]).map(sources).astype("str")
    return once


def once_view_rows(incidents: pd.DataFrame, groups: pd.DataFrame, group_of: pd.Series,
                   shown: pd.DataFrame) -> pd.DataFrame:
    """Return the events in view, one row each (`once_rows`), as the page and `python -m sahel
    export --once` both write them: every source of each event in view (not only those the
    filters found it by, docs/linking.md "On the page").

    `group_of`: each source record's event group (`sahel.query.count_sources_once`); `shown`:
    the events in view (`sahel.query.filter_once`), with `event_group`.
    """
    in_view = set(shown["event_group"].dropna()) if "event_group" in shown else set()
    members = group_of.index[group_of.isin(in_view).to_numpy(dtype=bool)]
    singles = (shown.index[shown["event_group"].isna().to_numpy()] if "event_group" in shown
               else shown.index)
    records = incidents.loc[members.union(singles)]
    kept = groups.loc[groups["event_id"].astype("object").isin(
        set(records["event_id"].astype("object"))).to_numpy()]
    # A group with one record among the sources is no group (sahel.query.count_sources_once).
    kept = kept.loc[(kept.groupby("event_group")["event_id"].transform("size") >= 2).to_numpy()]
    # The records newest first, then by event_id, counted once (records in no group first,
    # then each group).
    order = records[["event_date", "event_id"]].reset_index(drop=True).sort_values(
        ["event_date", "event_id"], ascending=[False, True], kind="mergesort").index
    return once_rows(records.iloc[order.to_numpy()], kept)


def _group_columns(incidents: pd.DataFrame) -> list[str]:
    return [c for c in GROUP_COLUMNS if c in incidents.columns]


def neutralise_cell(value: str) -> str:
    """Return `value` made inert for spreadsheets (a leading formula character gets a quote)."""
    if value.startswith(FORMULA_STARTS) or (
            value.startswith(FORMULA_GUARD) and value[1:].startswith(FORMULA_STARTS)):
        return FORMULA_GUARD + value
    return value


def restore_cell(value: str) -> str:
    """Undo neutralise_cell: the exact text that was exported."""
    if value.startswith(FORMULA_GUARD) and value[1:].startswith((*FORMULA_STARTS, FORMULA_GUARD)):
        return value[1:]
    return value


def claims_text(claims_json: object) -> str:
    """Return the claims of one incident as one readable line ("who (role): kind n–m «words»")."""
    return " | ".join(claim_line(claim) for claim in claims_from_json(claims_json))


def claim_line(claim: Claim, show: Callable[[str], str] = str) -> str:
    """Return one claim as "who (role): kind n–m «words»"; `show` renders who and the words.

    Role and kind are words of the schema's vocabularies, the figures digits: only who and the
    words are the source's text.
    """
    if claim.low is None and claim.high is None:
        figure = "no figure"
    elif claim.low == claim.high or claim.high is None or claim.low is None:
        figure = str(claim.low if claim.low is not None else claim.high)
        figure += "+" if claim.high is None and claim.low is not None else ""
    else:
        figure = f"{claim.low}–{claim.high}"
    role = claim.role.replace("_", " ")
    words = f" «{show(claim.text)}»" if claim.text else ""
    return f"{show(claim.by)} ({role}): {claim.kind} {figure}{words}"


def to_csv_bytes(incidents: pd.DataFrame, groups: pd.DataFrame | None = None) -> bytes:
    """Return the incidents as UTF-8 CSV bytes (with BOM so Excel keeps accents), in given order.

    Dates are YYYY-MM-DD; text cells that a spreadsheet would execute are neutralised. With
    `groups`, an `event_group` column (see the module's docstring).
    """
    incidents = with_groups(incidents, groups)
    out = pd.DataFrame(index=incidents.index)
    for name in COLUMN_NAMES:
        column = incidents[name]
        dtype = COLUMNS_BY_NAME[name].dtype
        if dtype.startswith("datetime64"):
            out[name] = column.dt.strftime("%Y-%m-%d")
        elif dtype == "str":
            out[name] = column.map(_text_cell, na_action="ignore")
        else:
            out[name] = column
    out["claims_text"] = incidents["claims"].map(claims_text).map(neutralise_cell)
    for name in _group_columns(incidents):
        column = incidents[name]
        out[name] = (column if name == "group_records"
                     else column.map(_text_cell, na_action="ignore"))
    text = out.to_csv(index=False, lineterminator="\n")
    # "replace": a lone surrogate (from an undecodable name) must not stop the whole download.
    return ("\ufeff" + text).encode("utf-8", "replace")


def _text_cell(value: object) -> str:
    # A frame not conformed may hold other objects in a text column: written as their text.
    return neutralise_cell(value if isinstance(value, str) else str(value))


def to_geojson_bytes(incidents: pd.DataFrame, groups: pd.DataFrame | None = None) -> bytes:
    """Return the incidents as an RFC 7946 FeatureCollection (UTF-8, EPSG:4326), in given order.

    Each feature is a Point [longitude, latitude] (null when a coordinate is missing); its
    properties are every canonical column by its canonical name: dates YYYY-MM-DD, missing
    values null, `claims` and `source_extra` the JSON text stored; with `groups`, `event_group`.
    """
    incidents = with_groups(incidents, groups)
    names = [*COLUMN_NAMES, *_group_columns(incidents)]
    values = [_json_values(incidents[name], COLUMNS_BY_NAME[name].dtype
                           if name in COLUMNS_BY_NAME else "Int64" if name == "group_records"
                           else "str") for name in names]
    features = []
    for row in zip(*values, strict=True):
        properties = dict(zip(names, row, strict=True))
        longitude, latitude = properties["longitude"], properties["latitude"]
        geometry = (None if longitude is None or latitude is None
                    else {"type": "Point", "coordinates": [longitude, latitude]})
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    document = {"type": "FeatureCollection", "features": features}
    # default=str: a frame not conformed may hold other objects; they are written as text.
    try:
        return json.dumps(document, ensure_ascii=False, allow_nan=False,
                          default=str).encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (from an undecodable name) has no UTF-8 form; as a JSON escape it
        # reads back as the same text.
        return json.dumps(document, allow_nan=False, default=str).encode("ascii")


def _json_values(column: pd.Series, dtype: str) -> list[Any]:
    """Return a column's cells as JSON values (None where missing or not a finite number)."""
    if dtype.startswith("datetime64"):
        column = pd.to_datetime(column, errors="coerce").dt.strftime("%Y-%m-%d")
    elif dtype == "float64":
        number = pd.to_numeric(column, errors="coerce").astype("float64")
        column = number.where(np.isfinite(number))
    return column.astype("object").where(column.notna(), None).tolist()


def to_geoparquet_bytes(incidents: pd.DataFrame, groups: pd.DataFrame | None = None) -> bytes:
    """Return the incidents as GeoParquet (WKB points, EPSG:4326, canonical columns and dtypes;
    with `groups`, `event_group` after them)."""
    incidents = with_groups(incidents, groups)
    buffer = io.BytesIO()
    write_geoparquet(incidents, buffer, extra=_group_columns(incidents))
    return buffer.getvalue()


def write_geoparquet(incidents: pd.DataFrame, target: str | BinaryIO,
                     extra: list[str] | None = None, row_group_size: int | None = None) -> None:
    """Write canonical incidents as GeoParquet (what the store and `data/incidents/` hold).

    The points are built from longitude/latitude (none where one is missing), so the geometry
    always says what the columns say. `extra`: more columns to write after the canonical ones;
    `row_group_size`: rows per row group (default: Arrow's, up to 1,048,576).
    """
    frame = pd.DataFrame(incidents[[*COLUMN_NAMES, *(extra or [])]])
    located = frame["longitude"].notna() & frame["latitude"].notna()
    points = gpd.points_from_xy(frame["longitude"], frame["latitude"], crs=CRS)
    geometry = gpd.GeoSeries(points, index=frame.index).where(located, None)
    sized = {} if row_group_size is None else {"row_group_size": row_group_size}
    gpd.GeoDataFrame(frame, geometry=geometry).to_parquet(target, index=False, **sized)


@dataclass(frozen=True)
class ExportFormat:
    """One download: its file extension, media type and writer of filtered incidents."""

    extension: str
    mime: str
    write: Callable[..., bytes]  # (incidents, groups=None) -> bytes


# By the CLI's option name (`--csv`, `--geojson`, `--parquet`); the page offers the same three.
EXPORT_FORMATS: dict[str, ExportFormat] = {
    "csv": ExportFormat(".csv", "text/csv", to_csv_bytes),
    "geojson": ExportFormat(".geojson", "application/geo+json", to_geojson_bytes),
    "parquet": ExportFormat(".parquet", "application/vnd.apache.parquet", to_geoparquet_bytes),
}
