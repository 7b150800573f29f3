"""Places: name folding, countries, canonical regions, boundaries and admin-1 by point-in-polygon.

Canonical admin-1 names are the official French (or local) names with their accents, as analysts
write them: "Tombouctou", "Ségou", "Tillabéri", "Boucle du Mouhoun". Every other spelling
(English, ACLED, unaccented, "Région de …", renamed regions) maps to one of them through
``data/places/region_aliases.csv``. Boundaries are Natural Earth (public domain), see
``data/README.md``. The gazetteer lives in ``sahel.gazetteer``.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sahel import DATA_DIR

if TYPE_CHECKING:
    from sahel.gazetteer import Gazetteer

PLACES_DIR = DATA_DIR / "places"
REGIONS_PATH = PLACES_DIR / "regions.geojson"
COUNTRIES_PATH = PLACES_DIR / "countries.geojson"
REGION_ALIASES_PATH = PLACES_DIR / "region_aliases.csv"
LAND_PATH = PLACES_DIR / "land.geojson"

# A point this close to Africa's simplified land (degrees, ~5.5 km) is on land: coasts in
# land.geojson are simplified to ~1 km and sources code coastal towns to their centre.
LAND_TOLERANCE = 0.05
# Core countries first: an ambiguous region name without a country hint goes to the first one.
SAHEL5: tuple[str, ...] = ("MLI", "BFA", "NER", "TCD", "MRT")
# Regions created in 2016 that no open boundary layer has: their capital stands in, as ACLED
# codes region-only events to the regional capital.
_POLYGONLESS_CAPITALS: dict[str, tuple[float, float]] = {
    "Ménaka": (15.9182, 2.4022),
    "Taoudénit": (22.6783, -3.9836),
}
# The shipped polygon that contains each of those regions.
POLYGON_PARENT: dict[str, str] = {"Ménaka": "Gao", "Taoudénit": "Tombouctou"}


class Country(NamedTuple):
    """A country covered by the shipped boundaries: codes, English name and other names."""

    iso3: str
    iso2: str
    gwno: str  # Gleditsch-Ward number, UCDP's `country_id`
    name: str
    aliases: tuple[str, ...]


COUNTRIES: tuple[Country, ...] = (
    Country("MLI", "ML", "432", "Mali", ("République du Mali",)),
    Country("BFA", "BF", "439", "Burkina Faso", ("Burkina", "Haute-Volta", "Upper Volta")),
    Country("NER", "NE", "436", "Niger", ("République du Niger",)),
    Country("TCD", "TD", "483", "Chad", ("Tchad",)),
    Country("MRT", "MR", "435", "Mauritania", ("Mauritanie",)),
    Country("DZA", "DZ", "615", "Algeria", ("Algérie",)),
    Country("LBY", "LY", "620", "Libya", ("Libye",)),
    Country("SDN", "SD", "625", "Sudan", ("Soudan",)),
    Country("CAF", "CF", "482", "Central African Republic",
            ("Central African Rep.", "République centrafricaine", "Centrafrique", "CAR", "RCA")),
    Country("CMR", "CM", "471", "Cameroon", ("Cameroun",)),
    Country("NGA", "NG", "475", "Nigeria", ("Nigéria",)),
    Country("BEN", "BJ", "434", "Benin", ("Bénin",)),
    Country("TGO", "TG", "461", "Togo", ()),
    Country("GHA", "GH", "452", "Ghana", ()),
    Country("CIV", "CI", "437", "Côte d'Ivoire", ("Ivory Coast", "Cote d Ivoire")),
    Country("GIN", "GN", "438", "Guinea", ("Guinée", "Guinea-Conakry", "Guinée-Conakry")),
    Country("SEN", "SN", "433", "Senegal", ("Sénégal",)),
)
COUNTRY_NAMES: dict[str, str] = {c.iso3: c.name for c in COUNTRIES}

_APOSTROPHES = "'’‘`´ʼʻ"
_NON_WORD = re.compile(r"[\W_]+")
# Spelled-out letters that NFKD does not decompose.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "ı": "i"})
# Generic words around a region name ("Région de Tombouctou", "Tillabéri Region").
_REGION_PREFIX = re.compile(
    r"^(?:la |le |l )?(?:region|province|prefecture|wilaya|etat|state|departement|department)"
    r"(?: administrative)?(?: de la| de l| des| de| du| d| of the| of)? ")
_REGION_SUFFIX = re.compile(r" (?:region|province|state|prefecture|governorate)$")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Return `text` lower-cased, without accents, punctuation and apostrophes as single spaces."""
    lowered = text.casefold().translate(_LIGATURES)
    stripped = "".join(ch for ch in unicodedata.normalize("NFKD", lowered)
                       if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped).strip()


@lru_cache(maxsize=1)
def _country_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for c in COUNTRIES:
        for name in (c.iso3, c.iso2, c.gwno, c.name, *c.aliases):
            index.setdefault(fold(name), c.iso3)
    return index


def country_iso3(name: object) -> str | None:
    """Return the ISO3 code for a covered country's name, ISO2/ISO3 code or UCDP number."""
    if not isinstance(name, str | int) or isinstance(name, bool):
        return None
    return _country_index().get(fold(str(name)))


def country_name(iso3: str) -> str | None:
    """Return the English country name for an ISO3 code of a covered country."""
    return COUNTRY_NAMES.get(iso3)


@lru_cache(maxsize=1)
def _region_index() -> dict[str, tuple[tuple[str, str], ...]]:
    priority = {iso3: i for i, iso3 in enumerate(SAHEL5)}
    found: dict[str, list[tuple[str, str]]] = {}
    with REGION_ALIASES_PATH.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = fold(row["alias"])
            entry = (row["iso3"], row["canonical"])
            if entry not in found.setdefault(key, []):
                found[key].append(entry)
    return {key: tuple(sorted(entries, key=lambda e: (priority.get(e[0], len(priority)), e[0])))
            for key, entries in found.items()}


def region_aliases() -> pd.DataFrame:
    """Return the region alias table (alias, iso3, canonical, note)."""
    return pd.read_csv(REGION_ALIASES_PATH, dtype="str", keep_default_na=False)


def canonical_region(name: object, iso3: str | None = None) -> str | None:
    """Return the canonical admin-1 name for any spelling of a region, or None when unknown.

    With `iso3` (or any country spelling) only that country's regions match. Without it an
    ambiguous name goes to the Sahel core countries first ("Centre" → Burkina Faso's).
    "Sahel" is both Burkina Faso's region and the wider area: callers reading free text should
    pass a country.
    """
    if not isinstance(name, str) or not name.strip():
        return None
    country = country_iso3(iso3) if iso3 else None
    if iso3 and country is None:
        return None
    index = _region_index()
    folded = fold(name)
    for key in dict.fromkeys((folded, _REGION_SUFFIX.sub("", _REGION_PREFIX.sub("", folded)))):
        for entry_iso3, canonical in index.get(key, ()):
            if country is None or entry_iso3 == country:
                return canonical
    return None


@lru_cache(maxsize=1)
def load_regions() -> gpd.GeoDataFrame:
    """Return the shipped admin-1 polygons (iso3, country, admin1, admin1_en), EPSG:4326.

    Cached and shared: never modify the returned frame.
    """
    regions = gpd.read_file(REGIONS_PATH)
    return regions[["iso3", "country", "admin1", "admin1_en", "geometry"]]


@lru_cache(maxsize=1)
def load_countries() -> gpd.GeoDataFrame:
    """Return the shipped country polygons (iso3, country), EPSG:4326; never modify it."""
    countries = gpd.read_file(COUNTRIES_PATH)
    return countries[["iso3", "country", "geometry"]]


@lru_cache(maxsize=1)
def _region_tree() -> shapely.STRtree:
    return shapely.STRtree(load_regions().geometry.values)


def locate(lon: object, lat: object) -> pd.DataFrame:
    """Return iso3, country and admin1 of each point (WGS84 degrees) by point-in-polygon.

    Vectorised; accepts scalars, sequences or Series (the index of `lon` is kept). A point
    outside every shipped polygon (sea, uncovered country) or with missing coordinates gets NaN.
    Ménaka and Taoudénit have no polygon: their points come out as Gao and Tombouctou.
    """
    index = lon.index if isinstance(lon, pd.Series) else None
    x = np.atleast_1d(np.asarray(lon, dtype="float64"))
    y = np.atleast_1d(np.asarray(lat, dtype="float64"))
    regions = load_regions()
    points = shapely.points(x, y)
    point_idx, region_idx = _region_tree().query(points, predicate="within")
    # A point on a shared border matches twice: keep the first region, deterministically.
    order = np.lexsort((region_idx, point_idx))
    point_idx, region_idx = point_idx[order], region_idx[order]
    first = np.r_[True, point_idx[1:] != point_idx[:-1]] if len(point_idx) else np.array([], bool)
    match = np.full(len(x), -1, dtype="int64")
    match[point_idx[first]] = region_idx[first]
    found = match >= 0
    out = pd.DataFrame(index=index if index is not None else pd.RangeIndex(len(x)))
    for column in ("iso3", "country", "admin1"):
        values = regions[column].to_numpy(dtype=object)[np.maximum(match, 0)]
        values[~found] = None
        out[column] = pd.Series(values, index=out.index, dtype="str")
    return out


@lru_cache(maxsize=1)
def load_land() -> gpd.GeoDataFrame:
    """Return Africa's countries (iso3, iso_numeric, country, names), EPSG:4326; never modify it.

    Natural Earth 1:50m via world-atlas, simplified: for telling land from sea and which
    country a point is in, beyond the admin-1 boundaries (see `locate_land`).
    """
    return gpd.read_file(LAND_PATH)


@lru_cache(maxsize=1)
def _land_tree() -> shapely.STRtree:
    return shapely.STRtree(load_land().geometry.values)


def locate_land(lon: object, lat: object) -> pd.DataFrame:
    """Return iso3 and country of each point on Africa's land (within LAND_TOLERANCE), else NaN.

    Vectorised like `locate`. A point in the sea near two countries gets the nearer one.
    """
    index = lon.index if isinstance(lon, pd.Series) else None
    x = np.atleast_1d(np.asarray(lon, dtype="float64"))
    y = np.atleast_1d(np.asarray(lat, dtype="float64"))
    usable = np.isfinite(x) & np.isfinite(y)
    match = np.full(len(x), -1, dtype="int64")
    if usable.any():
        points = shapely.points(x[usable], y[usable])
        point_idx, land_idx = _land_tree().query_nearest(points, max_distance=LAND_TOLERANCE,
                                                        all_matches=False)
        match[np.flatnonzero(usable)[point_idx]] = land_idx
    land = load_land()
    iso3 = land["iso3"].to_numpy(dtype=object)[np.maximum(match, 0)]
    iso3[match < 0] = None
    names = [COUNTRY_NAMES.get(code, name) for code, name in
             zip(iso3, land["country"].to_numpy(dtype=object)[np.maximum(match, 0)],
                 strict=True)]
    out = pd.DataFrame(index=index if index is not None else pd.RangeIndex(len(x)))
    out["iso3"] = pd.Series(iso3, index=out.index, dtype="str")
    out["country"] = pd.Series(names, index=out.index, dtype="str").where(match >= 0)
    return out


@lru_cache(maxsize=1)
def _land_country_index() -> dict[str, str]:
    index: dict[str, str] = {}
    land = load_land()
    for iso3, number, country, names in zip(land["iso3"], land["iso_numeric"], land["country"],
                                            land["names"], strict=True):
        for name in (iso3, str(number), country, *str(names).split("|")):
            index.setdefault(fold(name), iso3)
    return index


def any_country_iso3(name: object) -> str | None:
    """Return the ISO3 code of any African country's name or code (covered ones first)."""
    found = country_iso3(name)
    if found is not None or not isinstance(name, str | int) or isinstance(name, bool):
        return found
    return _land_country_index().get(fold(str(name)))


def iso3_of_numeric(number: object) -> str | None:
    """Return the ISO3 code of an African country's ISO 3166-1 numeric code (ACLED `iso`)."""
    try:
        value = int(float(str(number).strip()))
    except ValueError:
        return None
    return _numeric_index().get(value)


@lru_cache(maxsize=1)
def _numeric_index() -> dict[int, str]:
    land = load_land()
    return dict(zip(land["iso_numeric"].astype(int), land["iso3"], strict=True))


@lru_cache(maxsize=512)
def region_centroid(admin1: str, iso3: str | None = None) -> tuple[float, float] | None:
    """Return (lat, lon) of a point inside the region, for region-only (precision 3) incidents.

    The point is the polygon's representative point, always inside it (a centroid of a
    crescent-shaped region may not be). Ménaka and Taoudénit have no polygon: their capital.
    None for an unknown region.
    """
    canonical = canonical_region(admin1, iso3)
    if canonical is None:
        return None
    regions = load_regions()
    mask = regions["admin1"] == canonical
    if iso3 is not None:
        mask &= regions["iso3"] == country_iso3(iso3)
    if not mask.any():
        return _POLYGONLESS_CAPITALS.get(canonical)
    point = regions.loc[mask].geometry.iloc[0].representative_point()
    return (round(point.y, 5), round(point.x, 5))


def load_gazetteer() -> Gazetteer:
    """Return the shipped gazetteer (cached); see `sahel.gazetteer.Gazetteer.lookup`."""
    from sahel.gazetteer import load_gazetteer as _load

    return _load()
