"""Places: folding, countries, region aliases, boundaries, point-in-polygon, gazetteer."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from sahel import PROJECT_ROOT, places
from sahel.gazetteer import GAZETTEER_PATH, Gazetteer


@pytest.mark.parametrize(("text", "folded"), [
    ("Tombouctou", "tombouctou"),
    ("Ségou", "segou"),
    ("TILLABÉRI", "tillaberi"),
    ("N'Djaména", "n djamena"),
    ("N’Djaména", "n djamena"),
    ("Centre-Nord", "centre nord"),
    ("  Boucle   du\tMouhoun ", "boucle du mouhoun"),
    ("Œuvre", "oeuvre"),
    ("Anéfis.", "anefis"),
    ("Djôrô", "djoro"),
    ("", ""),
])
def test_fold(text: str, folded: str) -> None:
    assert places.fold(text) == folded


@pytest.mark.parametrize(("name", "iso3"), [
    ("Mali", "MLI"), ("MLI", "MLI"), ("ML", "MLI"), ("ml", "MLI"), ("République du Mali", "MLI"),
    ("Burkina Faso", "BFA"), ("BF", "BFA"), ("Burkina", "BFA"),
    ("Niger", "NER"), ("NE", "NER"), ("Nigeria", "NGA"), ("NG", "NGA"),
    ("Tchad", "TCD"), ("Chad", "TCD"), ("TD", "TCD"),
    ("Mauritanie", "MRT"), ("Ivory Coast", "CIV"), ("Côte d’Ivoire", "CIV"),
    ("432", "MLI"), (483, "TCD"),
    ("France", None), ("", None), (None, None), (float("nan"), None),
])
def test_country_iso3(name: object, iso3: str | None) -> None:
    assert places.country_iso3(name) == iso3


@pytest.mark.parametrize(("name", "iso3", "canonical"), [
    ("Tombouctou", None, "Tombouctou"),
    ("Timbuktu", None, "Tombouctou"),
    ("Tombuctu", None, "Tombouctou"),
    ("TOMBOUCTOU", "MLI", "Tombouctou"),
    ("Région de Tombouctou", None, "Tombouctou"),
    ("Tombouctou Region", "Mali", "Tombouctou"),
    ("Segou", None, "Ségou"),
    ("Ségou", "ML", "Ségou"),
    ("Koulikouro", None, "Koulikoro"),
    ("Sikasso", None, "Sikasso"),
    ("Wassoulou", None, None),  # Natural Earth's wrong name_fr for Sikasso
    ("Ménaka", None, "Ménaka"),  # region since 2016, kept although it has no polygon
    ("Menaka", "MLI", "Ménaka"),
    ("Taoudeni", None, "Taoudénit"),
    ("Douentza", "MLI", "Mopti"),  # 2023 region inside the Mopti polygon
    ("Tillaberi", None, "Tillabéri"),
    ("Tillabéri Region", "NER", "Tillabéri"),
    ("Boucle du Mouhoun", None, "Boucle du Mouhoun"),
    ("Centre-North", None, "Centre-Nord"),
    ("centre nord", "BFA", "Centre-Nord"),
    ("Liptako", "BFA", "Sahel"),  # 2025 name
    ("Sahel", None, "Sahel"),
    ("Sahel", "BFA", "Sahel"),
    ("Sahel", "MLI", None),  # the wider area is not a Malian region
    ("Ville de N'Djamena", None, "N'Djamena"),
    ("Ouadaï", "TCD", "Ouaddaï"),
    ("Ennedi-Est", None, "Ennedi"),
    ("Hodh Ech Chargi", None, "Hodh Ech Chargui"),
    ("Guidimaka", None, "Guidimakha"),
    ("Centre", "CMR", "Centre"),
    ("Tombouctou", "NER", None),
    ("Tombouctou", "Atlantis", None),
    ("Atlantis", None, None),
    ("", None, None),
    (None, None, None),
])
def test_canonical_region(name: object, iso3: str | None, canonical: str | None) -> None:
    assert places.canonical_region(name, iso3) == canonical


def test_every_alias_resolves_to_its_canonical_name() -> None:
    aliases = places.region_aliases()
    resolved = [places.canonical_region(a, i) for a, i in zip(aliases["alias"], aliases["iso3"],
                                                              strict=True)]
    assert resolved == list(aliases["canonical"])


def test_every_polygon_name_is_canonical() -> None:
    regions = places.load_regions()
    assert not regions.duplicated(["iso3", "admin1"]).any()
    for admin1, iso3 in zip(regions["admin1"], regions["iso3"], strict=True):
        assert places.canonical_region(admin1, iso3) == admin1


def test_boundaries_are_valid_and_cover_the_sahel() -> None:
    regions = places.load_regions()
    countries = places.load_countries()
    assert regions.crs.to_epsg() == 4326 and countries.crs.to_epsg() == 4326
    assert shapely.is_valid(regions.geometry.values).all()
    assert shapely.is_valid(countries.geometry.values).all()
    counts = regions.groupby("iso3").size()
    assert counts[["MLI", "BFA", "NER", "TCD", "MRT"]].tolist() == [9, 13, 8, 22, 13]
    assert set(countries["iso3"]) == {c.iso3 for c in places.COUNTRIES}
    assert (regions["country"] == regions["iso3"].map(places.COUNTRY_NAMES)).all()


@pytest.mark.parametrize(("lon", "lat", "iso3", "admin1"), [
    (-3.9906, 15.9322, "MLI", "Tombouctou"),  # Niafunké
    (-3.67075, 16.41453, "MLI", "Tombouctou"),  # Goundam
    (-2.22262, 15.07132, "MLI", "Mopti"),  # Boni
    (2.4022, 15.9182, "MLI", "Gao"),  # Ménaka town: no Ménaka polygon
    (-8.0003, 12.6493, "MLI", "Bamako"),
    (-1.5271, 12.3681, "BFA", "Centre"),  # Ouagadougou
    (-0.0352, 14.0354, "BFA", "Sahel"),  # Dori
    (1.4528, 14.2120, "NER", "Tillabéri"),
    (15.0503, 12.1192, "TCD", "N'Djamena"),
    (-15.9780, 18.0792, "MRT", "Nouakchott"),
    (2.9383, 11.1342, "BEN", "Alibori"),  # Kandi
])
def test_locate_known_points(lon: float, lat: float, iso3: str, admin1: str) -> None:
    found = places.locate([lon], [lat])
    assert found.loc[0, "iso3"] == iso3
    assert found.loc[0, "admin1"] == admin1
    assert found.loc[0, "country"] == places.COUNTRY_NAMES[iso3]


@pytest.mark.parametrize(("lon", "lat"), [
    (-20.0, 15.0),  # Atlantic
    (0.0, 0.0),  # Gulf of Guinea, the classic null island
    (39.0, 15.0),  # Eritrea: not covered
    (float("nan"), 15.0),
])
def test_locate_outside_coverage_is_missing(lon: float, lat: float) -> None:
    found = places.locate([lon], [lat])
    assert found.iloc[0].isna().all()


def test_locate_keeps_series_index_and_dtype() -> None:
    lon = pd.Series([-3.9906, -20.0], index=[7, 3])
    lat = pd.Series([15.9322, 15.0], index=[7, 3])
    found = places.locate(lon, lat)
    assert list(found.index) == [7, 3]
    assert list(found.columns) == ["iso3", "country", "admin1"]
    assert found.loc[7, "admin1"] == "Tombouctou" and pd.isna(found.loc[3, "admin1"])
    assert all(found[c].dtype == "str" for c in found.columns)


def test_locate_agrees_with_shapely_on_random_points() -> None:
    rng = np.random.default_rng(42)
    lon, lat = rng.uniform(-18, 24, 2000), rng.uniform(5, 27, 2000)
    found = places.locate(lon, lat)
    regions = places.load_regions()
    for i in range(0, 2000, 97):
        inside = regions.loc[regions.contains(shapely.Point(lon[i], lat[i])), "admin1"]
        expected = inside.iloc[0] if len(inside) else None
        got = found.loc[i, "admin1"]
        assert (expected is None and pd.isna(got)) or got == expected


@pytest.mark.parametrize(("admin1", "iso3"), [
    ("Tombouctou", None), ("Timbuktu", "MLI"), ("Sahel", "BFA"), ("Tillaberi", None),
])
def test_region_centroid_lies_in_its_region(admin1: str, iso3: str | None) -> None:
    point = places.region_centroid(admin1, iso3)
    assert point is not None
    lat, lon = point
    assert places.locate([lon], [lat]).loc[0, "admin1"] == places.canonical_region(admin1, iso3)


def test_region_centroid_of_polygonless_region_is_its_capital() -> None:
    lat, lon = places.region_centroid("Ménaka")  # type: ignore[misc]
    assert math.isclose(lat, 15.92, abs_tol=0.05) and math.isclose(lon, 2.40, abs_tol=0.05)
    assert places.region_centroid("Atlantis") is None


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return places.load_gazetteer()


@pytest.mark.parametrize(("name", "iso3", "admin1", "lat", "lon"), [
    ("Niafunké", None, "Tombouctou", 15.93, -3.99),
    ("Niafounké", None, "Tombouctou", 15.93, -3.99),  # hint spelling → same place
    ("Goundam", "MLI", "Tombouctou", 16.41, -3.67),
    ("Tinzaouaten", None, "Kidal", 19.96, 2.87),  # Kidal although 0.7 km into Algeria's polygon
    ("Tin Zaouatene", None, "Kidal", 19.96, 2.87),  # alias
    ("Inates", "NER", "Tillabéri", 15.23, 1.31),
    ("Barsalogho", None, "Centre-Nord", 13.41, -1.06),
    ("Solenzo", None, "Boucle du Mouhoun", 12.17, -4.08),
    ("Nassoumbou", None, "Sahel", 14.41, -1.55),
    ("Bounti", "MLI", "Mopti", 15.20, -2.59),
    ("Massalata", None, "Tahoua", 13.78, 5.21),
    ("Nampala", "MLI", "Ségou", 15.27, -5.55),
    ("Kidal", None, "Kidal", 18.44, 1.41),
    ("Anderamboukane", "MLI", "Gao", 15.43, 3.02),  # cities500 alias hint; Ménaka has no polygon
    ("Tombouctou", "MLI", "Tombouctou", 16.77, -3.01),
    ("Kidal (regional airport)", "MLI", "Kidal", 18.44, 1.41),  # gloss after the name
])
def test_lookup_known_places(gazetteer: Gazetteer, name: str, iso3: str | None, admin1: str,
                             lat: float, lon: float) -> None:
    best = gazetteer.lookup(name, iso3=iso3)[0]
    assert best.score == 100
    assert best.admin1 == admin1
    assert math.isclose(best.latitude, lat, abs_tol=0.02)
    assert math.isclose(best.longitude, lon, abs_tol=0.02)


def test_lookup_ranks_ambiguous_boni_by_country_hint(gazetteer: Gazetteer) -> None:
    unhinted = gazetteer.lookup("Boni", limit=10)
    assert {p.iso3 for p in unhinted} >= {"MLI", "BFA"}
    assert all(p.score == 100 for p in unhinted)
    # No hint: the curated conflict locality (Boni, Douentza cercle) wins.
    assert (unhinted[0].iso3, unhinted[0].admin1, unhinted[0].admin2) == ("MLI", "Mopti",
                                                                            "Douentza")
    assert gazetteer.lookup("Boni", iso3="BFA")[0].iso3 == "BFA"
    assert gazetteer.lookup("Boni", iso3="Burkina Faso")[0].iso3 == "BFA"
    assert gazetteer.lookup("boni", iso3="ML")[0].admin2 == "Douentza"


def test_lookup_region_hint_maps_polygonless_region(gazetteer: Gazetteer) -> None:
    # Gold codings say admin1 "Ménaka"; the gazetteer's places there say "Gao".
    best = gazetteer.lookup("Tamalate", iso3="MLI", admin1="Ménaka")[0]
    assert best.admin1 == "Gao" and best.score == 100


def test_lookup_fuzzy_candidates_for_a_misspelling(gazetteer: Gazetteer) -> None:
    found = gazetteer.lookup("Barsalohgo", iso3="BFA")
    assert found, "a misspelling should still give candidates"
    assert all(p.score < 100 for p in found)
    assert found[0].name == "Barsalogho"
    assert [p.score for p in found] == sorted((p.score for p in found), reverse=True)


def test_lookup_fuzzy_is_opt_in_after_an_exact_hit(gazetteer: Gazetteer) -> None:
    assert len(gazetteer.lookup("Solenzo")) == 1
    more = gazetteer.lookup("Kidal", fuzzy=True)
    assert more[0].score == 100 and len(more) > 1 and all(p.score < 100 for p in more[1:])
    assert gazetteer.lookup("Solenzo", fuzzy=False, limit=0) == []
    assert gazetteer.lookup("Qwxzyv kjhg", fuzzy=False) == []
    assert gazetteer.lookup("  ") == []


def test_names_index_for_scanning_text(gazetteer: Gazetteer) -> None:
    names = gazetteer.names()
    assert "niafunke" in names and "niafounke" in names
    assert "tinzaouaten" in names and "tombouctou" in names
    assert all(places.fold(key) == key for key in list(names)[:2000])
    assert gazetteer.max_name_tokens >= 3
    rows = names["boni"]
    assert {gazetteer.place(r).iso3 for r in rows} >= {"MLI", "BFA"}


def test_gazetteer_rows_are_consistent(gazetteer: Gazetteer) -> None:
    table = pd.read_parquet(GAZETTEER_PATH)
    assert len(table) == len(gazetteer) > 50_000
    assert table["latitude"].between(-5, 40).all() and table["longitude"].between(-25, 40).all()
    assert set(table["source"]) == {"curated", "geonames", "ocha", "geonames_bf", "osm"}
    mali = table[table["iso3"] == "MLI"]
    assert mali["longitude"].between(-12.3, 4.3).all()
    assert not table.duplicated(["name", "latitude", "longitude"]).any()
    known = set(places.load_regions()["admin1"])
    assert table["admin1"].dropna().isin(known).all()


def test_assaga_follows_the_boundaries() -> None:
    # Single-source point that falls outside its claimed country (Niger): it is in Nigeria.
    table = pd.read_parquet(GAZETTEER_PATH)
    assaga = table[table["name"] == "Assaga"].iloc[0]
    assert assaga["iso3"] == "NGA" and pd.isna(assaga["admin2"])


def test_flipped_ocha_longitudes_are_put_back() -> None:
    table = pd.read_parquet(GAZETTEER_PATH, columns=["folded_names", "iso3", "longitude"])
    names = table[table["iso3"] == "MLI"].explode("folded_names")
    for name in ("menaka", "anderamboukane", "akabar", "tambankort"):
        rows = names[names["folded_names"] == name]
        assert len(rows) and (rows["longitude"] > 0).all(), name


def test_flipped_longitudes_rule() -> None:
    sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
    try:
        from build_gazetteer import flipped_longitudes
    finally:
        sys.path.remove(str(PROJECT_ROOT / "scripts"))
    # Commune A sits near 2.4 E; one record says 2.4 W. Commune B straddles 0°: left alone.
    lon = pd.Series([2.40, 2.35, 2.45, -2.40, 0.30, -0.25, 0.20, -0.30, 20.0])
    lat = pd.Series([15.9, 15.8, 15.95, 15.9, 16.0, 16.1, 16.0, 16.05, 14.0])
    commune = pd.Series(["A", "A", "A", "A", "B", "B", "B", "B", "C"])
    assert flipped_longitudes(lon, lat, commune).tolist() == [False, False, False, True, False,
                                                              False, False, False, False]
    # Outside Mali while its mirror image is inside.
    assert flipped_longitudes(pd.Series([-8.0, 8.0]), pd.Series([14.0, 14.0]),
                              pd.Series(["x", "y"])).tolist() == [False, True]


@pytest.mark.parametrize(("lon", "lat", "iso3"), [
    (36.8219, -1.2921, "KEN"),  # Nairobi: beyond the admin-1 outlines
    (15.3125, -4.3217, "COD"),  # Kinshasa
    (18.555, 4.3612, "CAF"),  # Bangui
    (2.3912, 6.3703, "BEN"),  # Cotonou, on the coast
    (2.41, 6.33, "BEN"),  # ~4 km off Cotonou's beach: within the coast's tolerance
    (-30.0, 10.0, None),  # the Atlantic
    (-3.0, 4.0, None),  # Gulf of Guinea
    (2.35, 48.85, None),  # Paris: not Africa
    (float("nan"), 4.0, None),
])
def test_locate_land(lon: float, lat: float, iso3: str | None) -> None:
    found = places.locate_land([lon], [lat])
    assert (None if pd.isna(found.loc[0, "iso3"]) else found.loc[0, "iso3"]) == iso3
    if iso3 in places.COUNTRY_NAMES:
        assert found.loc[0, "country"] == places.COUNTRY_NAMES[iso3]


@pytest.mark.parametrize(("name", "iso3"), [
    ("Mali", "MLI"), ("Kenya", "KEN"), ("Central African Rep.", "CAF"), ("Dem. Rep. Congo", "COD"),
    ("KE", "KEN"), ("COD", "COD"), ("France", None), (None, None),
])
def test_any_country_iso3(name: object, iso3: str | None) -> None:
    assert places.any_country_iso3(name) == iso3


@pytest.mark.parametrize(("number", "iso3"), [
    ("466", "MLI"), (854, "BFA"), ("562.0", "NER"), ("434", "LBY"), ("250", None), ("x", None),
])
def test_iso3_of_numeric(number: object, iso3: str | None) -> None:
    # 434 is Libya's ISO number and Benin's Gleditsch-Ward number: ISO numbers only here.
    assert places.iso3_of_numeric(number) == iso3


def test_land_layer_is_small_valid_and_covers_africa() -> None:
    land = places.load_land()
    assert places.LAND_PATH.stat().st_size < 400_000
    assert land.crs.to_epsg() == 4326 and shapely.is_valid(land.geometry.values).all()
    assert not land["iso3"].duplicated().any() and len(land) > 50
    assert {c.iso3 for c in places.COUNTRIES} <= set(land["iso3"])


def test_topojson_arcs_are_decoded(tmp_path: Path) -> None:
    sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
    try:
        from build_places import read_topojson_countries
    finally:
        sys.path.remove(str(PROJECT_ROOT / "scripts"))
    # Two countries sharing one arc (0), each closed by its own (1 and 2); quantised, deltas.
    topology = {"type": "Topology", "transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
                "arcs": [[[0, 0], [0, 2]], [[0, 2], [-2, 0], [0, -2], [2, 0]],
                         [[0, 0], [2, 0], [0, 2], [-2, 0]]],
                "objects": {"countries": {"type": "GeometryCollection", "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "id": "001",
                     "properties": {"name": "West"}},
                    {"type": "Polygon", "arcs": [[-1, 2]], "id": "002",
                     "properties": {"name": "East"}}]}}}
    path = tmp_path / "countries.json"
    path.write_text(json.dumps(topology), encoding="utf-8")
    frame = read_topojson_countries(path)
    assert frame["name"].tolist() == ["West", "East"]
    assert shapely.area(frame.geometry.values).tolist() == [1.0, 1.0]
    assert frame.geometry.iloc[0].bounds == (9.0, 20.0, 10.0, 21.0)
    assert frame.geometry.iloc[1].bounds == (10.0, 20.0, 11.0, 21.0)
