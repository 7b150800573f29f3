"""Second-level units (provinces, cercles, departments) as places: the centroid of their places.

The gazetteer has no entry for "Sanmatenga province", but its places carry admin2; the median point
of a unit's places stands for the unit, as ACLED codes a province-only event (precision 3).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

from sahel import places


class Area(NamedTuple):
    """A second-level unit (province, cercle) standing in for a place: its centroid."""

    name: str
    iso3: str
    admin1: str
    admin2: str
    latitude: float
    longitude: float
    source: str = "centroid of gazetteer places in the unit"
    population: int | None = None
    kind: str = "admin2"
    score: float = 100.0


@lru_cache(maxsize=1)
def _admin2_index() -> dict[str, tuple[Area, ...]]:
    # Second-level units are not gazetteer entries; their places carry admin2, so the median
    # point of a unit's places stands for the unit (ACLED codes a province-only event likewise).
    import pyarrow.parquet as pq

    from sahel.gazetteer import GAZETTEER_PATH

    table = pq.read_table(GAZETTEER_PATH, columns=["iso3", "admin1", "admin2", "latitude",
                                                   "longitude"]).to_pandas()
    table = table.dropna(subset=["iso3", "admin1", "admin2"])
    index: dict[str, list[Area]] = {}
    for (iso3, admin1, admin2), rows in table.groupby(["iso3", "admin1", "admin2"]):
        area = Area(str(admin2), str(iso3), str(admin1), str(admin2),
                    round(float(rows["latitude"].median()), 5),
                    round(float(rows["longitude"].median()), 5))
        index.setdefault(places.fold(str(admin2)), []).append(area)
    return {key: tuple(areas) for key, areas in index.items()}


def admin2_area(name: str, ctx: Any) -> Area | None:
    """Return the province/cercle called `name` (best in the report's countries), or None."""
    areas = _admin2_index().get(places.fold(name), ())
    if not areas:
        return None
    return max(areas, key=lambda a: (a.iso3 in ctx.countries, a.iso3 == ctx.main_country()))
