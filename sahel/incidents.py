"""What the dashboard and the CLI show: the shipped incidents plus the user's store, canonical."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from sahel import DATA_DIR
from sahel.schema import conform, empty_incidents
from sahel.store import IncidentStore, default_store_dir

SHIPPED_DIR = DATA_DIR / "incidents"


def load_shipped(directory: Path = SHIPPED_DIR) -> gpd.GeoDataFrame:
    """Return the incidents shipped in `data/incidents/*.parquet` (see data/README.md)."""
    files = sorted(directory.glob("*.parquet"))
    if not files:
        return empty_incidents()
    return conform(pd.concat([pd.read_parquet(f) for f in files], ignore_index=True))


def load_incidents(store_dir: str | Path | None = None) -> gpd.GeoDataFrame:
    """Return shipped + stored incidents, one row per event_id (the store's version wins)."""
    stored = IncidentStore(store_dir if store_dir is not None else default_store_dir()).load()
    shipped = load_shipped()
    parts = [p for p in (shipped, stored) if len(p)]
    if not parts:
        return empty_incidents()
    combined = pd.concat(parts, ignore_index=True)
    return conform(combined.drop_duplicates("event_id", keep="last"))
