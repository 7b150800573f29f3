"""ACLED exports (current 31-column layout and the pre-2023 one) → canonical columns.

ACLED's terms forbid redistributing its rows: users import their own export; nothing is shipped.
"""

from __future__ import annotations

import pandas as pd

# Columns both layouts share; detection needs all of them.
REQUIRED: tuple[str, ...] = (
    "event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "actor2", "country",
    "admin1", "location", "latitude", "longitude", "fatalities")
# Only the pre-2023 layout has these (it also codes inter1/inter2 as numbers, which we ignore).
PRE_2023_MARKERS: tuple[str, ...] = ("event_id_no_cnty", "iso3")

# Canonical column ← ACLED column, where the meaning is the same.
RENAMES: dict[str, str] = {
    "event_id": "event_id_cnty", "event_date": "event_date", "time_precision": "time_precision",
    "event_type": "event_type", "sub_event_type": "sub_event_type", "actor1": "actor1",
    "actor2": "actor2", "country": "country", "iso3": "iso3", "admin1_source": "admin1",
    "admin2": "admin2", "location": "location", "latitude": "latitude", "longitude": "longitude",
    "geo_precision": "geo_precision", "fatalities": "fatalities", "source": "source",
    "notes": "notes", "timestamp": "timestamp", "disorder_type": "disorder_type",
    "assoc_actor_1": "assoc_actor_1", "inter1": "inter1", "assoc_actor_2": "assoc_actor_2",
    "inter2": "inter2", "interaction": "interaction", "civilian_targeting": "civilian_targeting",
    "iso_numeric": "iso", "world_region": "region", "admin3": "admin3",
    "source_scale": "source_scale", "tags": "tags", "population_1km": "population_1km",
    "population_2km": "population_2km", "population_5km": "population_5km",
    "population_best": "population_best",
}


def layout(columns: pd.Index) -> str:
    """Return the format id of an ACLED header: `acled` or `acled_pre2023`."""
    return "acled_pre2023" if any(c in columns for c in PRE_2023_MARKERS) else "acled"


def to_canonical(raw: pd.DataFrame, name: str) -> pd.DataFrame:
    """Map an ACLED table (text cells) to canonical columns, values still unparsed."""
    out = pd.DataFrame(index=raw.index)
    for canonical, column in RENAMES.items():
        if column in raw.columns:
            out[canonical] = raw[column]
    out["dataset"] = "acled"
    return out
