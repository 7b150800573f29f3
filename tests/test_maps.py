"""The map through its folium.Map object and its rendered HTML: layers, local assets, escaping."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import folium
import pandas as pd
import pytest
import streamlit_folium
from map_data import HOSTILE, map_incidents  # tests/ is on sys.path (pytest rootdir-less import)

from sahel import i18n, places
from sahel.asset_versions import file_version
from sahel.map_assets import (
    BOUNDARIES,
    BUNDLE,
    BUNDLE_PARTS,
    STATIC_DIR,
    boundaries_text,
    bundle_text,
    js_string,
    js_string_value,
    region_key,
)
from sahel.map_text import UCDP_EVENT_URL, browser_labels
from sahel.maps import (
    ATTRIBUTIONS,
    DEFAULT_LAYERS,
    MAP_LAYERS,
    OSM_TILES,
    BoundaryLayer,
    IncidentLayer,
    attributions,
    base_map,
    build_map,
    incident_layer,
    region_shading,
    region_values,
    reported_layers,
    visible_layers,
    with_layers,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fmap() -> folium.Map:
    return build_map(map_incidents())


@pytest.fixture(scope="module")
def rendered() -> str:
    return build_map(map_incidents()).get_root().render()


def _children(element: folium.Element, kind: type) -> list:
    return [c for c in element._children.values() if isinstance(c, kind)]


def _view(fmap: folium.Map) -> IncidentLayer:
    (group,) = _children(fmap, folium.FeatureGroup)
    (layer,) = _children(group, IncidentLayer)
    return layer


def _settings(layer: IncidentLayer) -> dict:
    return json.loads(layer.settings)


def st_folium_args(fmap: folium.Map, layer: folium.FeatureGroup) -> dict:
    """Return what st_folium sends the browser for `fmap` with `layer` as its feature group."""
    sent: dict = {}
    with mock.patch.object(streamlit_folium, "_component_func", lambda **kw: sent.update(kw)):
        streamlit_folium.st_folium(fmap, feature_group_to_add=layer, returned_objects=[])
    return sent


def test_map_has_boundaries_control_and_one_incident_layer(fmap: folium.Map) -> None:
    assert len(_children(fmap, BoundaryLayer)) == 1
    assert len(_children(fmap, folium.LayerControl)) == 1
    (group,) = _children(fmap, folium.FeatureGroup)
    assert not group.control  # its layers join the layer control from the browser
    assert len(_children(group, IncidentLayer)) == 1
    # Without tiles, clusters and the heat map need a max zoom on the map itself.
    assert fmap.options["maxZoom"] >= 12


def test_base_map_script_is_the_same_for_every_view() -> None:
    # st_folium keys its component by the map's script: the same script keeps the map on the
    # page, and a filter change only sends the new layer (feature_group_to_add).
    every = st_folium_args(base_map(), incident_layer(map_incidents()))
    mopti = st_folium_args(base_map(), incident_layer(map_incidents().iloc[1:]))
    assert every["script"] == mopti["script"] and every["key"] == mopti["key"]
    assert every["feature_group"] != mopti["feature_group"]
    assert '"n":3,' in every["feature_group"] and '"n":2,' in mopti["feature_group"]
    assert "SahelIncidents.base(" in every["script"]
    assert "SahelIncidents.render(" in every["feature_group"]
    # The base script is small: the outlines travel in the bundle, not with every view.
    assert len(every["script"]) < 5_000


def test_every_asset_is_local_and_shipped(rendered: str) -> None:
    assets = re.findall(r'<script[^>]+src="([^"]+)"', rendered)
    assets += re.findall(r'<link[^>]+href="([^"]+)"', rendered)
    paths = {url.split("?")[0] for url in assets}
    assert {"/app/static/sahel/map-bundle.js", "/app/static/vendor/leaflet/leaflet.css"} <= paths
    for url in assets:
        assert url.startswith("/app/static/"), url
        path, _, query = url.partition("?")
        shipped = ROOT / "static" / path.removeprefix("/app/static/")
        assert shipped.is_file(), url
        # Versioned by its bytes, so browsers and serve.py may keep it (sahel/asset_versions.py).
        assert query == f"v={file_version(shipped)}", url


def test_map_code_is_one_current_bundle_with_every_part_and_licence() -> None:
    assert (STATIC_DIR / BOUNDARIES).read_text(encoding="utf-8") == boundaries_text(), (
        "stale boundaries: run python -m sahel.map_assets")
    on_disk = (STATIC_DIR / BUNDLE).read_text(encoding="utf-8")
    assert on_disk == bundle_text(), "stale bundle: run python -m sahel.map_assets"
    for _name, path, licences in BUNDLE_PARTS:
        code = (STATIC_DIR / path).read_text(encoding="utf-8").splitlines()
        assert all(line in on_disk for line in code if not line.startswith("//#")), path
        for licence in licences:
            assert (STATIC_DIR / licence).read_text(encoding="utf-8").splitlines()[0] in on_disk
    # Leaflet defines L before the plugins and the incident layer use it.
    assert on_disk.index("Leaflet 1.9.4") < on_disk.index("L.heatLayer=") < on_disk.index(
        "window.SahelBoundaries") < on_disk.index("window.SahelIncidents")
    assert "sourceMappingURL" not in on_disk


def test_boundaries_hold_every_shipped_region_and_country_by_key() -> None:
    text = (STATIC_DIR / BOUNDARIES).read_text(encoding="utf-8")
    literal = text[text.index("JSON.parse(") + len("JSON.parse("):text.rindex(")")]
    shapes = json.loads(js_string_value(literal))
    regions = places.load_regions()
    keys = [f["properties"]["key"] for f in shapes["regions"]["features"]]
    assert keys == [region_key(i, a) for i, a in zip(regions["iso3"], regions["admin1"],
                                                     strict=True)]
    assert "MLI|Tombouctou" in keys and len(set(keys)) == len(keys)
    assert len(shapes["countries"]["features"]) == len(places.load_countries())


@pytest.mark.parametrize("text", ['{"a":"it\'s"}', "back\\slash \\' <\\/b>", "", "\u2028 é"])
def test_js_string_round_trips_and_hides_quotes(text: str) -> None:
    literal = js_string(text)
    assert literal[0] == literal[-1] == "'" and js_string_value(literal) == text
    assert re.search(r"(?<!\\)'", literal[1:-1]) is None  # no unescaped quote ends it early


def test_no_outside_url_but_tiles_and_source_links(rendered: str) -> None:
    urls = set(re.findall(r"https?://[^\s\"'<>\\]+", rendered))
    # The UCDP address is a template the browser fills with a GED event's id.
    assert urls == {OSM_TILES, "https://www.rfi.fr/fr/afrique/x", UCDP_EVENT_URL}


def test_hostile_text_is_escaped_everywhere(rendered: str) -> None:
    assert HOSTILE not in rendered
    assert "&lt;img src=x onerror=alert(1)&gt;" in rendered
    assert "javascript:alert" not in rendered  # not a safe link, so never sent


def test_hostile_text_is_escaped_in_what_st_folium_sends() -> None:
    sent = st_folium_args(base_map(), incident_layer(map_incidents()))
    assert HOSTILE not in sent["feature_group"] and "&lt;img" in sent["feature_group"]


@pytest.mark.parametrize(("metric", "mopti"), [("incidents", 2), ("fatalities", 3)])
def test_region_values_match_pandas(metric: str, mopti: int) -> None:
    values = region_values(map_incidents(), metric).set_index(["iso3", "admin1"])["value"]
    assert values[("MLI", "Mopti")] == mopti
    assert values[("MLI", "Tombouctou")] == (1 if metric == "incidents" else 12)
    assert values[("NER", "Niamey")] == 0


def test_region_layer_shades_by_chosen_metric() -> None:
    settings = _settings(_view(build_map(map_incidents(), region_metric="fatalities")))
    shading = settings["regions"]
    assert shading["label"] == "Fatalities (best)"
    assert shading["values"]["MLI|Tombouctou"][1] == 12
    assert shading["values"]["MLI|Mopti"][1] == 3
    assert "NER|Niamey" not in shading["values"]  # no incident: no fill
    # More fatalities, darker class.
    fills = [shading["values"][k][0] for k in ("MLI|Mopti", "MLI|Tombouctou")]
    assert fills[0] != fills[1]


def test_region_shading_skips_regions_without_incidents() -> None:
    assert region_shading(map_incidents().iloc[0:0]) == {
        "label": "Incidents", "title": "Regions: incidents", "values": {},
        "classes": [["#ffffff", "0"]]}


def test_view_fits_the_incidents_bounds() -> None:
    (south, west), (north, east) = _settings(_view(build_map(map_incidents())))["bounds"]
    assert south < 13.906 < 15.932 < north and west < -4.553 < -3.991 < east
    assert _settings(_view(build_map(map_incidents().iloc[0:0])))["bounds"] is None


def test_attributions_follow_the_datasets_in_view() -> None:
    incidents = map_incidents()
    credits = attributions(incidents)
    assert ATTRIBUTIONS["ucdp"] in credits and ATTRIBUTIONS["acled"] in credits
    assert "Sundberg" in ATTRIBUTIONS["ucdp"] and "CC BY 4.0" in ATTRIBUTIONS["ucdp"]
    only_seed = attributions(incidents[incidents["dataset"] == "seed"])
    assert ATTRIBUTIONS["ucdp"] not in only_seed and ATTRIBUTIONS["geonames"] in only_seed
    assert ATTRIBUTIONS["osm"] in only_seed and ATTRIBUTIONS["naturalearth"] in only_seed


def test_empty_selection_still_draws_the_base_map() -> None:
    fmap = build_map(map_incidents().iloc[0:0])
    html = fmap.get_root().render()
    assert json.loads(_view(fmap).payload)["n"] == 0
    assert "SahelIncidents.base(" in html


def test_render_token_changes_with_what_is_drawn() -> None:
    def token(frame: pd.DataFrame, metric: str = "incidents") -> str:
        return _view(build_map(frame, region_metric=metric)).token  # type: ignore[arg-type]

    first = token(map_incidents())
    assert first == token(map_incidents())
    assert first != token(map_incidents().iloc[:2])
    assert first != token(map_incidents(), "fatalities")


def test_big_views_travel_deflated_and_small_ones_as_json() -> None:
    # deflate_min=1 stands in for a view of thousands: the same layer, sent deflated.
    small = st_folium_args(base_map(), incident_layer(map_incidents()))
    big = st_folium_args(base_map(), incident_layer(map_incidents(), deflate_min=1))
    assert "SahelIncidents.render(JSON.parse('" in small["feature_group"]
    assert "SahelIncidents.render({deflated: '" in big["feature_group"]
    # Nothing readable travels in a deflated view, hostile text included.
    assert "Niafunk" not in big["feature_group"] and "onerror" not in big["feature_group"]
    (plain,) = _children(incident_layer(map_incidents()), IncidentLayer)
    (packed,) = _children(incident_layer(map_incidents(), deflate_min=1), IncidentLayer)
    assert packed.deflated and not plain.deflated
    assert json.loads(packed.payload) == json.loads(plain.payload)


def _regional(counts: list[int]) -> pd.DataFrame:
    """Return incidents: counts[k] of them in the k-th shipped region."""
    regions = places.load_regions().iloc[:len(counts)]
    base = map_incidents().iloc[[2]]
    rows = [base.assign(iso3=iso3, admin1=admin1, country=country)
            for (iso3, admin1, country), n in zip(
                regions[["iso3", "admin1", "country"]].itertuples(index=False), counts,
                strict=True) for _ in range(n)]
    frame = pd.concat(rows, ignore_index=True)
    frame["event_id"] = [f"R-{k}" for k in range(len(frame))]
    return frame


@pytest.mark.parametrize("counts", [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 40, 1234],
                                    [5, 5, 5], [1], [3, 3, 100, 1, 2]])
def test_region_legend_gives_each_shading_class_its_range(counts: list[int]) -> None:
    shading = region_shading(_regional(counts))
    assert shading["title"] == "Regions: incidents"
    classes = shading["classes"]
    assert classes[0] == ["#ffffff", "0"]  # regions without incidents
    ranges = {}
    for color, text in classes[1:]:
        low, _, high = text.replace(",", "").partition("–")
        ranges[color] = (int(low), int(high or low))
    # Every shaded region's value is in the range its colour stands for; ranges do not overlap.
    for fill, value in shading["values"].values():
        low, high = ranges[fill]
        assert low <= value <= high
    bounds = sorted(ranges.values())
    assert all(a[1] < b[0] for a, b in zip(bounds, bounds[1:], strict=False))
    assert bounds[0][0] == min(counts) and bounds[-1][1] == max(counts)


def test_region_shading_speaks_french_with_french_numbers() -> None:
    with i18n_language("fr"):
        shading = region_shading(_regional([1234, 1]), "incidents")
        layer = _settings(_view(build_map(map_incidents(), region_metric="fatalities")))
    assert shading["title"] == "Régions : incidents"
    assert shading["classes"][-1][1].endswith("\u202f234")  # French digit groups
    assert layer["regions"]["title"] == "Régions : morts (estimation)"
    assert layer["lang"] == "fr" and layer["number"] == {"group": "\u202f", "decimal": ","}
    assert layer["labels"]["here"] == "{count} incidents à cet endroit"


@contextmanager
def i18n_language(language: str) -> Iterator[None]:
    """Use `language` within the block, English after."""
    i18n.use_language(language)
    try:
        yield
    finally:
        i18n.use_language("en")


INCIDENTS_JS = (STATIC_DIR / "sahel" / "incidents.js").read_text(encoding="utf-8")
# The script without its comments (whose apostrophes would read as string quotes).
INCIDENTS_CODE = re.sub(r"^\s*//[^\n]*$", "",
                        re.sub(r"/\*.*?\*/", "", INCIDENTS_JS, flags=re.DOTALL),
                        flags=re.MULTILINE)


def test_every_word_the_browser_shows_comes_translated_from_python() -> None:
    used = set(re.findall(r"\blabels\.(\w+)", INCIDENTS_JS))
    english = browser_labels()
    assert used and used <= set(english), used - set(english)
    with i18n_language("fr"):
        french = browser_labels()
    assert set(french) == set(english)
    # Translated (a few are the same words in both languages, or only a placeholder).
    same = {k for k in english if english[k] == french[k]}
    assert same <= {"inCluster", "points"}, same  # "{count} incidents", "Incidents"
    # No label is written into the script itself, nor the old English texts.
    literals = re.findall(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'', INCIDENTS_CODE)
    texts = [a or b for a, b in literals]
    assert "sahel-styles" in texts and "data-sahel-rendered" in texts
    for label in english.values():
        words = re.sub(r"\{\w+\}", "", label).strip(" :")
        if " " in words:
            assert not any(words in text for text in texts), label
    for old in ("Actors: ", "Source: ", "Armed group", "approximate location", "Heat map",
                "Country borders", "fatalities ", "could not be unpacked"):
        assert not any(old in text for text in texts), old


@pytest.mark.parametrize(("names", "expected"), [
    (None, DEFAULT_LAYERS), ([], ()), (["heat", "points", "nonsense", 3], ("points", "heat")),
    (("towns",), ("towns",)), ("points", ()), (5, ()), ({"regions": 1}, ("regions",))])
def test_visible_layers_keeps_known_names_in_order(names: object,
                                                   expected: tuple[str, ...]) -> None:
    assert visible_layers(names) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ({"painted": "drawn"}, None), (None, None), ("x", None), ({"layers": "heat"}, None),
    ({"painted": "drawn", "layers": ["heat", "regions"], "seq": 2}, ("regions", "heat")),
    ({"layers": []}, ())])
def test_reported_layers_reads_the_maps_value(value: object,
                                              expected: tuple[str, ...] | None) -> None:
    assert reported_layers(value) == expected


def test_layers_shown_travel_in_the_settings_but_are_not_a_new_view() -> None:
    shown = incident_layer(map_incidents(), layers=["heat", "points"])
    (layer,) = _children(shown, IncidentLayer)
    assert _settings(layer)["layers"] == ["points", "heat"]
    (default,) = _children(incident_layer(map_incidents()), IncidentLayer)
    assert _settings(default)["layers"] == list(DEFAULT_LAYERS) == list(MAP_LAYERS[:4])
    assert layer.token == default.token  # the browser only switches layers
    # The same view with other layers: the payload is shared, the group left as it was.
    group = incident_layer(map_incidents())
    again = with_layers(group, ("regions",))
    (copied,) = _children(again, IncidentLayer)
    (original,) = _children(group, IncidentLayer)
    assert copied is not original and copied.payload_literal is original.payload_literal
    assert _settings(copied) == {**_settings(original), "layers": ["regions"]}
    assert _settings(original)["layers"] == list(DEFAULT_LAYERS)
    sent = st_folium_args(base_map(), again)
    assert '"layers":["regions"]' in sent["feature_group"]
