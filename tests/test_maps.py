"""The map through its folium.Map object and its rendered HTML: layers, local assets, escaping."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import folium
import pandas as pd
import pytest

from sahel import actors
from sahel.map_assets import BUNDLE, BUNDLE_PARTS, STATIC_DIR, bundle_text
from sahel.maps import (
    ATTRIBUTIONS,
    OSM_TILES,
    IncidentLayer,
    attributions,
    build_map,
    claim_lines,
    compact_ids,
    incident_payload,
    region_values,
)
from sahel.schema import claims_to_json, conform

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "<img src=x onerror=alert(1)>"


def _incidents() -> pd.DataFrame:
    rows = [
        {"event_id": "T-1", "event_date": "2023-11-24", "event_type": "Battles",
         "sub_event_type": "Armed clash", "actor1": "JNIM", "actor2": "FAMa", "group1": "JNIM",
         "group2": "FAMa", "country": "Mali", "iso3": "MLI", "admin1": "Tombouctou",
         "location": "Niafunké", "latitude": 15.932, "longitude": -3.991, "geo_precision": 1,
         "fatalities": 12, "fatalities_low": 12, "fatalities_high": 50, "dataset": "seed",
         "source": "RFI", "source_url": "https://www.rfi.fr/fr/afrique/x",
         "claims": claims_to_json([{"by": "JNIM", "role": "armed_group", "kind": "killed",
                                    "text": "plusieurs dizaines", "low": 12, "high": None},
                                   {"by": "sources locales", "role": "local_sources",
                                    "kind": "killed", "text": HOSTILE, "low": 50, "high": 50}])},
        {"event_id": "T-2", "event_date": "2023-11-20", "event_type": "Violence against civilians",
         "sub_event_type": "Attack", "actor1": HOSTILE, "group1": HOSTILE, "country": "Mali",
         "iso3": "MLI", "admin1": "Mopti", "location": HOSTILE, "notes": HOSTILE,
         "latitude": 14.49, "longitude": -4.2, "geo_precision": 3, "fatalities": 3,
         "dataset": "ucdp_ged", "source": HOSTILE, "source_url": "javascript:alert(1)"},
        {"event_id": "T-3", "event_date": "2022-01-05", "event_type": "Battles",
         "sub_event_type": "Armed clash", "actor1": "Military Forces of Mali", "group1": "FAMa",
         "actor2": "JNIM", "group2": "JNIM", "country": "Mali", "iso3": "MLI", "admin1": "Mopti",
         "location": "Djenné", "latitude": 13.906, "longitude": -4.553, "geo_precision": 2,
         "fatalities": 0, "dataset": "acled", "source": "AFP"},
    ]
    return conform(pd.DataFrame(rows))


@pytest.fixture(scope="module")
def fmap() -> folium.Map:
    return build_map(_incidents())


@pytest.fixture(scope="module")
def rendered(fmap: folium.Map) -> str:
    return build_map(_incidents()).get_root().render()


def _layers(fmap: folium.Map, kind: type) -> list:
    return [c for c in fmap._children.values() if isinstance(c, kind)]


def test_map_has_region_outline_incident_layers_and_control(fmap: folium.Map) -> None:
    names = [g.layer_name for g in _layers(fmap, folium.GeoJson)]
    assert names == ["Regions: incidents", "Country borders"]
    assert len(_layers(fmap, folium.LayerControl)) == 1
    assert len(_layers(fmap, IncidentLayer)) == 1
    # Without tiles, clusters and the heat map need a max zoom on the map itself.
    assert fmap.options["maxZoom"] >= 12


def test_every_asset_is_local_and_shipped(rendered: str) -> None:
    assets = re.findall(r'<script[^>]+src="([^"]+)"', rendered)
    assets += re.findall(r'<link[^>]+href="([^"]+)"', rendered)
    assert {"/app/static/sahel/map-bundle.js", "/app/static/vendor/leaflet/leaflet.css"} <= set(
        assets)
    for url in assets:
        assert url.startswith("/app/static/"), url
        assert (ROOT / "static" / url.removeprefix("/app/static/")).is_file(), url


def test_map_code_is_one_current_bundle_with_every_part_and_licence() -> None:
    on_disk = (STATIC_DIR / BUNDLE).read_text(encoding="utf-8")
    assert on_disk == bundle_text(), "stale bundle: run python -m sahel.map_assets"
    for _name, path, licences in BUNDLE_PARTS:
        code = (STATIC_DIR / path).read_text(encoding="utf-8").splitlines()
        assert all(line in on_disk for line in code if not line.startswith("//#")), path
        for licence in licences:
            assert (STATIC_DIR / licence).read_text(encoding="utf-8").splitlines()[0] in on_disk
    # Leaflet defines L before the plugins and the incident layer use it.
    assert on_disk.index("Leaflet 1.9.4") < on_disk.index("L.heatLayer=") < on_disk.index(
        "window.SahelIncidents")
    assert "sourceMappingURL" not in on_disk


def test_no_outside_url_but_tiles_and_source_links(rendered: str) -> None:
    urls = set(re.findall(r"https?://[^\s\"'<>\\]+", rendered))
    assert urls == {OSM_TILES, "https://www.rfi.fr/fr/afrique/x"}


def test_hostile_text_is_escaped_everywhere(rendered: str) -> None:
    assert HOSTILE not in rendered
    assert "&lt;img src=x onerror=alert(1)&gt;" in rendered
    assert "javascript:alert" not in rendered  # not a safe link, so never sent


def test_payload_is_compact_columns_with_popup_facets() -> None:
    payload = incident_payload(_incidents())
    assert payload["n"] == 3
    assert decode_ids(payload["id"]) == ["T-1", "T-2", "T-3"]
    assert payload["prec"] == [1, 3, 2]
    assert payload["fat"] == [12, 3, 0]
    facets = payload["facets"]

    def facet(name: str, i: int) -> str:
        return facets[name]["v"][facets[name]["i"][i]]

    assert facet("toll", 0) == "12 (low–high 12–50)"
    assert facet("place", 0) == "Niafunké, Tombouctou, Mali"
    assert "JNIM (armed group): killed 12+ «plusieurs dizaines»" in facet("claims", 0)
    assert "&lt;img" in facet("claims", 0) and "<img" not in facet("claims", 0)
    assert facet("source", 0).startswith('<a href="https://www.rfi.fr/fr/afrique/x"')
    assert "<a " not in facet("source", 1)  # a javascript: URL never becomes a link
    assert facet("claims", 2) == ""


def decode_ids(ids: dict) -> list[str]:
    """Decode compact ids as static/sahel/incidents.js (eventId) does."""
    return [ids["p"][k][0] if n < 0 else ids["p"][k][0] + str(n).zfill(ids["p"][k][1])
            for k, n in zip(ids["k"], ids["n"], strict=True)]


@pytest.mark.parametrize("event_id", ["ACLED-MLI-0012345", "SEED-RFI-20231124-2", "UCDP-7",
                                      "noDigits", "", "0000", "X-12345678901234567890",
                                      HOSTILE + "9"])
def test_compact_ids_round_trip_and_escape(event_id: str) -> None:
    ids = compact_ids(pd.Series([event_id, "ACLED-MLI-0000001", None], dtype="str"))
    assert decode_ids(ids) == [html.escape(event_id), "ACLED-MLI-0000001", ""]
    assert "<img" not in json.dumps(ids)


def test_compact_ids_are_smaller_than_the_ids() -> None:
    ids = pd.Series([f"SYN-1-{k:07d}" for k in range(10_000)], dtype="str")
    assert len(json.dumps(compact_ids(ids))) < 0.6 * len(json.dumps(ids.tolist()))


def test_points_coloured_by_alias_table_group() -> None:
    payload = incident_payload(_incidents())
    legend = {g["name"]: g["color"] for g in payload["groups"]}
    assert legend["JNIM"] == actors.group_info("JNIM").color
    assert payload["groups"][payload["group"][0]]["name"] == "JNIM"


def test_filtered_group_colours_its_incidents_even_as_second_actor() -> None:
    payload = incident_payload(_incidents(), color_groups={"JNIM"})
    assert payload["groups"][payload["group"][2]]["name"] == "JNIM"
    plain = incident_payload(_incidents())
    assert plain["groups"][plain["group"][2]]["name"] == "FAMa"


def test_claim_lines_one_escaped_line_per_claim() -> None:
    lines = claim_lines(_incidents().loc[0, "claims"])
    assert len(lines) == 2
    assert lines[1].startswith("sources locales (local sources): killed 50")


@pytest.mark.parametrize(("metric", "mopti"), [("incidents", 2), ("fatalities", 3)])
def test_region_values_match_pandas(metric: str, mopti: int) -> None:
    values = region_values(_incidents(), metric).set_index(["iso3", "admin1"])["value"]
    assert values[("MLI", "Mopti")] == mopti
    assert values[("MLI", "Tombouctou")] == (1 if metric == "incidents" else 12)
    assert values[("NER", "Niamey")] == 0


def test_region_layer_shades_by_chosen_metric() -> None:
    fmap = build_map(_incidents(), region_metric="fatalities")
    layer = _layers(fmap, folium.GeoJson)[0]
    assert layer.layer_name == "Regions: fatalities (best)"
    by_region = {f["properties"]["admin1"]: f["properties"]["value"]
                 for f in layer.data["features"] if f["properties"]["iso3"] == "MLI"}
    assert by_region["Tombouctou"] == 12


def test_attributions_follow_the_datasets_in_view() -> None:
    incidents = _incidents()
    credits = attributions(incidents)
    assert ATTRIBUTIONS["ucdp"] in credits and ATTRIBUTIONS["acled"] in credits
    assert "Sundberg" in ATTRIBUTIONS["ucdp"] and "CC BY 4.0" in ATTRIBUTIONS["ucdp"]
    only_seed = attributions(incidents[incidents["dataset"] == "seed"])
    assert ATTRIBUTIONS["ucdp"] not in only_seed and ATTRIBUTIONS["geonames"] in only_seed
    assert ATTRIBUTIONS["osm"] in only_seed and ATTRIBUTIONS["naturalearth"] in only_seed


def test_empty_selection_still_draws_the_base_map() -> None:
    fmap = build_map(_incidents().iloc[0:0])
    html = fmap.get_root().render()
    assert json.loads(_layers(fmap, IncidentLayer)[0].payload)["n"] == 0
    assert "Country borders" in html


def test_render_token_changes_with_the_data() -> None:
    first = _layers(build_map(_incidents()), IncidentLayer)[0].token
    again = _layers(build_map(_incidents()), IncidentLayer)[0].token
    other = _layers(build_map(_incidents().iloc[:2]), IncidentLayer)[0].token
    assert first == again != other
