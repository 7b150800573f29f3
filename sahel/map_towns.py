"""Town names for the offline base map: the main places, each with the zoom it shows from.

The map has no tiles offline, so the outlines alone say little about where an incident is. The
labels are the gazetteer's cities and towns, its curated conflict localities and places of 5,000
people or more, in the countries the region outlines cover (data/places/, GeoNames CC BY 4.0,
OpenStreetMap ODbL). Each gets the first zoom at which its label fits beside those of more
important places (`importance`, then population): capitals and big towns from the first zooms,
more as one zooms in. Labels that fit at a zoom fit at every deeper one (positions spread out,
labels keep their size), so the browser shows a town from its zoom on. Computed when the map's
assets are written (`python -m sahel.map_assets`), not at run time.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sahel import places
from sahel.gazetteer import GAZETTEER_PATH

FIRST_ZOOM = 4
# From this zoom on every candidate that fits has shown; a town that never fits is left out.
LAST_ZOOM = 12
MIN_POPULATION = 5000
MAX_TOWNS = 4000
# The label's box in screen pixels (11 px text): to the right of and above the town's point.
CHAR_PX = 6.3
LINE_PX = 13
OFFSET_PX = 4
GAP_PX = 3
CELL_PX = 64
COORD_DIGITS = 3  # ~100 m: a label is placed to the pixel up to zoom 12


def candidate_towns() -> pd.DataFrame:
    """Return the places that may get a label, most important first (name, latitude, longitude)."""
    table = pd.read_parquet(GAZETTEER_PATH, columns=["name", "iso3", "latitude", "longitude",
                                                     "source", "population", "kind",
                                                     "importance"])
    covered = set(places.load_regions()["iso3"])
    keep = (table["iso3"].isin(covered)
            & (table["kind"].isin(["city", "town"]) | table["source"].eq("curated")
               | table["population"].ge(MIN_POPULATION))
            & table["name"].astype("str").str.strip().ne(""))
    found = table[keep].sort_values(["importance", "population", "name"],
                                    ascending=[False, False, True], na_position="last")
    return found.head(MAX_TOWNS)[["name", "latitude", "longitude"]].reset_index(drop=True)


def _mercator(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return Web Mercator x, y in world units (0–1, y down), as Leaflet projects."""
    x = (lon + 180.0) / 360.0
    sin = np.sin(np.radians(np.clip(lat, -85.0, 85.0)))
    y = 0.5 - np.log((1 + sin) / (1 - sin)) / (4 * math.pi)
    return x, y


def label_zooms(towns: pd.DataFrame) -> np.ndarray:
    """Return the zoom each town's label shows from (0 for none), greedily in the given order."""
    x, y = _mercator(towns["latitude"].to_numpy(dtype="float64"),
                     towns["longitude"].to_numpy(dtype="float64"))
    widths = towns["name"].astype("str").str.len().to_numpy() * CHAR_PX
    zooms = np.zeros(len(towns), dtype="int64")
    for zoom in range(FIRST_ZOOM, LAST_ZOOM + 1):
        scale = 256.0 * 2**zoom
        grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
        # Towns shown from an earlier zoom first: they are placed whatever comes after.
        order = np.concatenate([np.flatnonzero(zooms > 0), np.flatnonzero(zooms == 0)])
        for k in order:
            left = x[k] * scale + OFFSET_PX - GAP_PX
            bottom = y[k] * scale - OFFSET_PX + GAP_PX
            box = (left, bottom - LINE_PX - 2 * GAP_PX, left + widths[k] + 2 * GAP_PX, bottom)
            cells = [(cx, cy) for cx in range(int(box[0] // CELL_PX), int(box[2] // CELL_PX) + 1)
                     for cy in range(int(box[1] // CELL_PX), int(box[3] // CELL_PX) + 1)]
            if zooms[k] == 0 and any(_overlaps(box, other) for cell in cells
                                     for other in grid.get(cell, ())):
                continue
            if zooms[k] == 0:
                zooms[k] = zoom
            for cell in cells:
                grid.setdefault(cell, []).append(box)
    return zooms


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]
              ) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def town_labels() -> list[list[object]]:
    """Return [latitude, longitude, name, first zoom] for every town that gets a label (names as
    plain text: the browser draws them on a canvas, never as HTML)."""
    towns = candidate_towns()
    zooms = label_zooms(towns)
    return [[round(float(lat), COORD_DIGITS), round(float(lon), COORD_DIGITS),
             str(name), int(zoom)]
            for name, lat, lon, zoom in zip(towns["name"], towns["latitude"],
                                            towns["longitude"], zooms, strict=True) if zoom]
