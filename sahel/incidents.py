"""What the dashboard and the CLI show: the shipped incidents plus the user's store, canonical."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from sahel.datasets import EARLIER_IMPORTS, SHIPPED_DIR, demo_name
from sahel.schema import conform, empty_incidents
from sahel.store import IncidentStore, default_store_dir

__all__ = ["SHIPPED_DIR", "load_incidents", "load_shipped"]


def load_shipped(directory: Path = SHIPPED_DIR) -> gpd.GeoDataFrame:
    """Return the incidents shipped in `data/incidents/*.parquet` (see data/README.md).

    Each file is a demonstration dataset: its rows carry `dataset_name` `demo: …`.
    """
    files = sorted(directory.glob("*.parquet"))
    if not files:
        return empty_incidents()
    parts = []
    for file in files:
        frame = pd.read_parquet(file)
        name = pd.Series(demo_name(file.name), index=frame.index)
        given = frame["dataset_name"] if "dataset_name" in frame.columns else name
        frame["dataset_name"] = given.where(given.notna() & given.ne(""), name)
        parts.append(frame)
    return conform(pd.concat(parts, ignore_index=True))


def load_incidents(store_dir: str | Path | None = None) -> gpd.GeoDataFrame:
    """Return shipped + stored incidents, one row per event_id (the store's version wins).

    Stored rows written before rows carried a dataset name belong to "imported earlier".
    """
    stored = IncidentStore(store_dir if store_dir is not None else default_store_dir()).load()
    stored["dataset_name"] = stored["dataset_name"].fillna(EARLIER_IMPORTS)
    shipped = load_shipped()
    parts = [p for p in (shipped, stored) if len(p)]
    if not parts:
        return empty_incidents()
    combined = pd.concat(parts, ignore_index=True)
    return conform(combined.drop_duplicates("event_id", keep="last"))
