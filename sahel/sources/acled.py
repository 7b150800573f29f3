"""ACLED exports (current 31 columns, pre-2023, 2017–2019 without sub_event_type) → canonical.

ACLED's terms forbid redistributing its rows: users import their own export; nothing is shipped.
"""

from __future__ import annotations

import pandas as pd

# What makes a header ACLED's, in every layout since 2017 (those exports lack sub_event_type;
# pre-2023 ones add event_id_no_cnty, data_id, iso3 and number the inter codes).
REQUIRED: tuple[str, ...] = (
    "event_id_cnty", "event_date", "event_type", "actor1", "actor2", "country", "admin1",
    "location", "latitude", "longitude", "fatalities")
# Only the pre-2023 layout has these.
PRE_2023_MARKERS: tuple[str, ...] = ("event_id_no_cnty", "iso3")

# ACLED column → canonical column, declared once: the reader maps through it and the round-trip
# test checks every ACLED column against it. `year` is read from `event_date` (the `year`
# column only helps read two-digit years, and is kept in source_extra where it disagrees).
ACLED_TO_CANONICAL: dict[str, str] = {
    "event_id_cnty": "event_id", "event_date": "event_date", "year": "event_date",
    "time_precision": "time_precision", "disorder_type": "disorder_type",
    "event_type": "event_type", "sub_event_type": "sub_event_type", "actor1": "actor1",
    "assoc_actor_1": "assoc_actor_1", "inter1": "inter1", "actor2": "actor2",
    "assoc_actor_2": "assoc_actor_2", "inter2": "inter2", "interaction": "interaction",
    "civilian_targeting": "civilian_targeting", "iso": "iso_numeric", "region": "world_region",
    "country": "country", "admin1": "admin1_source", "admin2": "admin2", "admin3": "admin3",
    "location": "location", "latitude": "latitude", "longitude": "longitude",
    "geo_precision": "geo_precision", "source": "source", "source_scale": "source_scale",
    "notes": "notes", "fatalities": "fatalities", "tags": "tags", "timestamp": "timestamp",
    "population_1km": "population_1km", "population_2km": "population_2km",
    "population_5km": "population_5km", "population_best": "population_best", "iso3": "iso3",
}
# Columns whose every value a canonical column holds; the rest go to source_extra.
CONSUMED: frozenset[str] = frozenset(ACLED_TO_CANONICAL) - {"year"}


def layout(columns: pd.Index) -> str:
    """Return the format id of an ACLED header: `acled` or `acled_pre2023`."""
    return "acled_pre2023" if any(c in columns for c in PRE_2023_MARKERS) else "acled"


def to_canonical(raw: pd.DataFrame, name: str) -> pd.DataFrame:
    """Map an ACLED table (text cells) to canonical columns, values still unparsed."""
    out = pd.DataFrame(index=raw.index)
    for column, canonical in ACLED_TO_CANONICAL.items():
        if column in raw.columns and column != "year":
            out[canonical] = raw[column]
    if "year" in raw.columns:
        out["year"] = raw["year"]  # read by validation for two-digit years; not canonical
    out["dataset"] = "acled"
    return out
