"""What the dashboard and the CLI show: the shipped incidents plus the user's store, canonical."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import geopandas as gpd
import pandas as pd

from sahel.datasets import EARLIER_IMPORTS, SHIPPED_DIR, demo_name
from sahel.schema import conform, empty_incidents
from sahel.store import StoreUnreadable, open_or_use, read_stored
from sahel.stored_rows import LoadReport, SkippedRow, sound_rows

if TYPE_CHECKING:
    from sahel.store import Store

__all__ = ["SHIPPED_DIR", "LoadedIncidents", "load_incidents", "load_incidents_checked",
           "load_shipped", "load_shipped_checked"]


class LoadedIncidents(NamedTuple):
    """The incidents that loaded and the report of the stored rows that did not."""

    incidents: gpd.GeoDataFrame
    report: LoadReport


def load_shipped(directory: Path = SHIPPED_DIR) -> gpd.GeoDataFrame:
    """Return the incidents shipped in `data/incidents/*.parquet` (see data/README.md).

    Each file is a demonstration dataset: its rows carry `dataset_name` `demo: …`.
    """
    return load_shipped_checked(directory).incidents


def load_shipped_checked(directory: Path = SHIPPED_DIR) -> LoadedIncidents:
    """Return the shipped incidents and what was skipped: unreadable rows, or a whole file."""
    parts, report = [], LoadReport()
    for file in sorted(directory.glob("*.parquet")):
        try:
            frame = read_stored(file)
        except StoreUnreadable:
            report += LoadReport((SkippedRow(file.name, -1, "", "not a readable Parquet file"),))
            continue
        name = pd.Series(demo_name(file.name), index=frame.index)
        given = frame["dataset_name"] if "dataset_name" in frame.columns else name
        frame["dataset_name"] = given.where(given.notna() & given.ne(""), name)
        found = sound_rows(frame, file.name)
        parts.append(found.incidents)
        report += found.report
    parts = [p for p in parts if len(p)]
    return LoadedIncidents(conform(pd.concat(parts, ignore_index=True)) if parts
                           else empty_incidents(), report)


def load_incidents(store_dir: Store | str | Path | None = None) -> gpd.GeoDataFrame:
    """Return shipped + stored incidents, one row per event_id (the store's version wins).

    Stored rows written before rows carried a dataset name belong to "imported earlier". Rows
    that cannot be read are left out (see `load_incidents_checked` for which and why).
    """
    return load_incidents_checked(store_dir).incidents


def load_incidents_checked(store_dir: Store | str | Path | None = None) -> LoadedIncidents:
    """Return shipped + stored incidents and the report of the stored rows left out.

    `store_dir` is a store, or the embedded store's folder (see `sahel.store.open_store`).
    Raises `store.StoreError` when the store cannot be read (a file that is not Parquet at all:
    `StoreUnreadable`; a database out of reach).
    """
    store = open_or_use(store_dir)
    stored = store.load()
    stored["dataset_name"] = stored["dataset_name"].fillna(EARLIER_IMPORTS)
    shipped, shipped_report = load_shipped_checked()
    report = shipped_report + store.last_report
    parts = [p for p in (shipped, stored) if len(p)]
    if not parts:
        return LoadedIncidents(empty_incidents(), report)
    combined = pd.concat(parts, ignore_index=True)
    return LoadedIncidents(conform(combined.drop_duplicates("event_id", keep="last")), report)
