"""The incident map: a folium.Map with offline assets, and the layer that draws one query on it.

The map comes in two parts. `base_map()` is the same for every view: Leaflet and the shipped
region and country outlines (in the script bundle, `sahel/map_assets.py`), the layer control and
OpenStreetMap tiles added by the browser only when it can reach them. `incident_layer()` is what a
query changes: region shading, clustered canvas points coloured by group, heat map, legend, the
view's bounds. The dashboard passes it to `st_folium(feature_group_to_add=...)`, so a filter change
redraws the incidents in the map already on the page instead of loading a new one; `build_map()`
puts both in one standalone map. Every asset URL points at `/app/static/` (Streamlit static
serving), so the map works with no internet.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import folium
import numpy as np
import pandas as pd
from branca.element import Element, Figure, JavascriptLink
from folium.elements import JSCSSMixin
from folium.template import Template

from sahel import places
from sahel.asset_versions import asset_url
from sahel.i18n import N_, _, current_language, format_number
from sahel.map_assets import BUNDLE, js_string, js_string_value, region_key
from sahel.map_payload import (
    DEFLATE_MIN_INCIDENTS,
    FacetCodes,
    deflate_payload,
    incident_payload,
    inflate_payload,
)
from sahel.map_text import UCDP_EVENT_URL, browser_labels, number_symbols

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
BASE_ATTRIBUTION = "Boundaries: Natural Earth (public domain)"
# Drawn one by one below this count; clustered above it (supercluster, in the browser).
CLUSTER_MIN = 1500
CLUSTER_MAX_ZOOM = 11
MAX_ZOOM = 16
# Sequential classes for the region layer (light → dark red), zero regions left almost clear.
REGION_CLASSES = ("#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15")
NO_INCIDENT_FILL = "#ffffff"
SAHEL_CENTER = (15.5, 0.0)
# Regions, borders and points share this pane's one canvas (see base() in incidents.js).
MAP_PANE = "sahelRegions"
REGION_LABELS = {"incidents": N_("Incidents"), "fatalities": N_("Fatalities (best)")}
# The region layer's name in the layer control and its legend's title.
REGION_TITLES = {"incidents": N_("Regions: incidents"),
                 "fatalities": N_("Regions: fatalities (best)")}
# The map's layers a user can switch on and off, by the names the page keeps them under
# (st.session_state["map_layers"], the URL): region shading, country borders, town names,
# incident points, heat map. The heat map is off at first.
MAP_LAYERS: tuple[str, ...] = ("regions", "borders", "towns", "points", "heat")
DEFAULT_LAYERS: tuple[str, ...] = ("regions", "borders", "towns", "points")
# A cluster of at most this many incidents opens as a list of them; a bigger one zooms in.
CLUSTER_LIST_MAX = 10
# A list of incidents at one point shows at most this many (then says how many more).
LIST_MAX = 200
ATTRIBUTIONS: dict[str, str] = {
    "ucdp": "UCDP Georeferenced Event Dataset: Sundberg, Ralph and Erik Melander (2013), "
            "“Introducing the UCDP Georeferenced Event Dataset”, Journal of Peace Research "
            "50(4). CC BY 4.0.",
    "acled": "Armed Conflict Location & Event Data (ACLED), www.acleddata.com — Raleigh, Linke, "
             "Hegre and Karlsen (2010), “Introducing ACLED”, Journal of Peace Research 47(5). "
             "Data loaded by the user under ACLED's terms of use; not redistributed.",
    "geonames": "Places geocoded with GeoNames (geonames.org), CC BY 4.0.",
    "osm": "© OpenStreetMap contributors (ODbL): gazetteer places and map tiles.",
    "naturalearth": "Boundaries: Natural Earth (naturalearthdata.com), public domain.",
}


class OfflineMap(folium.Map):
    """A folium.Map whose Leaflet comes from the app's own static files, not from CDNs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # jQuery, Bootstrap and awesome-markers are left out: nothing on this map uses them.
        # Leaflet comes in one bundle with the boundaries and the incident layer (see
        # sahel/map_assets.py). Versioned URLs (sahel/asset_versions.py), read for each map so
        # that a bundle re-created while the app runs is asked for under its new name.
        self.default_js = [("sahel_map_bundle", asset_url(BUNDLE))]
        self.default_css = [("leaflet_css", asset_url("vendor/leaflet/leaflet.css"))]


class BoundaryLayer(folium.MacroElement):
    """Region shapes and country borders from the bundle, on the pane the points share."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            SahelIncidents.base({{ this._parent.get_name() }}, {{ this.control.get_name() }},
                {{ this.settings }});
        {% endmacro %}
    """)

    def __init__(self, control: folium.LayerControl, settings: dict[str, Any]) -> None:
        super().__init__()
        self._name = "BoundaryLayer"
        self.control = control
        self.settings = _script_json(settings)


class IncidentLayer(JSCSSMixin, folium.MacroElement):
    """One query's incidents as a compact payload, drawn by `static/sahel/incidents.js`.

    Views of DEFLATE_MIN_INCIDENTS or more travel deflated (`map_payload.deflate_payload`), the
    others as JSON text for JSON.parse.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
            SahelIncidents.render({{ this.payload_literal }}, {{ this.settings }});
        {% endmacro %}
    """)
    # Its scripts (supercluster, leaflet.heat, incidents.js) are in the map's bundle.
    default_js: list[tuple[str, str]] = []

    def __init__(self, payload: dict[str, Any], settings: dict[str, Any],
                 deflate_min: int = DEFLATE_MIN_INCIDENTS) -> None:
        super().__init__()
        self._name = "IncidentLayer"
        self.deflated = payload["n"] >= deflate_min
        if self.deflated:
            text = deflate_payload(payload)
            self.payload_literal = "{deflated: " + js_string(text) + "}"
        else:
            text = _script_json(payload)
            # A string for JSON.parse: V8 reads it ~10x faster than the same data as a JS
            # literal (230 ms against 25 ms for 100,000 incidents).
            self.payload_literal = "JSON.parse(" + js_string(text) + ")"
        # The token changes whenever what is drawn changes; tests and the benchmark wait on it.
        # Not with the layers shown: a layer switched on or off is not a new view to draw.
        view = _script_json({k: v for k, v in settings.items() if k != "layers"})
        self.token = hashlib.sha1((text + view).encode("utf-8")).hexdigest()[:16]
        self.view_settings = settings
        self.settings = _script_json({**settings, "token": self.token})

    def showing(self, layers: Sequence[str], **settings: Any) -> IncidentLayer:
        """Return this view with `layers` shown at first (and other `settings`, e.g.
        history=True): the same payload text and token."""
        shown = IncidentLayer.__new__(IncidentLayer)
        folium.MacroElement.__init__(shown)
        shown._name = self._name
        shown.deflated = self.deflated
        shown.payload_literal = self.payload_literal
        shown.token = self.token
        shown.view_settings = {**self.view_settings, **settings, "layers": list(layers)}
        shown.settings = _script_json({**shown.view_settings, "token": self.token})
        return shown

    @property
    def payload(self) -> str:
        """Return the payload as JSON text (inflated first when it travels deflated)."""
        literal = self.payload_literal[self.payload_literal.index("'"):-1]
        text = js_string_value(literal)
        return _script_json(inflate_payload(text)) if self.deflated else text

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Add the asset links and the script to the figure without compiling the payload."""
        figure: Figure = self.get_root()  # type: ignore[assignment]
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        # branca would compile the rendered script as a Jinja template (~1 s for 100,000
        # incidents); the script is final text, so it goes in as-is.
        script = self._template.module.script(self, kwargs)
        figure.script.add_child(_Text(script), name=self.get_name())


class _Text(Element):
    """Finished text placed in a figure as it is (no template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """Return the text unchanged."""
        return self.text


def base_map(height: int = 620) -> folium.Map:
    """Return the map every view shares: outlines, layer control, tiles when reachable."""
    fmap = OfflineMap(location=SAHEL_CENTER, zoom_start=5, tiles=None, height=height,
                      control_scale=True, zoom_control=True)
    # With no tile layer, Leaflet has no max zoom unless the map itself is given one.
    fmap.options["maxZoom"] = MAX_ZOOM
    fmap.options["minZoom"] = 3
    folium.map.CustomPane(MAP_PANE, z_index=350, pointer_events=True).add_to(fmap)
    control = folium.LayerControl(collapsed=True)
    control.add_to(fmap)
    settings = {"maxZoom": MAX_ZOOM, "tiles": OSM_TILES, "tilesAttribution": OSM_ATTRIBUTION,
                "attribution": BASE_ATTRIBUTION, "background": "#eef1f4", "pane": MAP_PANE}
    BoundaryLayer(control, settings).add_to(fmap)
    return fmap


def incident_layer(incidents: pd.DataFrame, *, legend_groups: pd.Series | None = None,
                   region_metric: Literal["incidents", "fatalities"] = "incidents",
                   cluster_min: int = CLUSTER_MIN,
                   deflate_min: int = DEFLATE_MIN_INCIDENTS,
                   known: FacetCodes | None = None,
                   tell_streamlit: bool = False,
                   layers: Sequence[str] = DEFAULT_LAYERS) -> folium.FeatureGroup:
    """Return one view's layer for `base_map()`: shading, points, heat map, legend, bounds, in
    the current language.

    Points are coloured by actor 1's canonical group, or by `legend_groups` (aligned with
    `incidents`: the group the filter counted each incident for, `group_match.group_labels`)
    and sized by best-estimate fatalities. `known`:
    facet codes of the frame `incidents` were filtered from (`map_payload.facet_codes`). With
    `tell_streamlit`, the map sets its st_folium value to {"painted": "drawn"} (or "failed") once
    its first view has painted, which reruns the script (the dashboard draws the rest then), and
    to {"painted": …, "layers": [names], "seq": n} each time the user switches a layer on or
    off (`reported_layers`). `layers`: the names of MAP_LAYERS shown at first.
    """
    settings = {"clusterMin": cluster_min, "clusterMaxZoom": CLUSTER_MAX_ZOOM,
                "clusterListMax": CLUSTER_LIST_MAX, "listMax": LIST_MAX,
                "bounds": _bounds(incidents), "regions": region_shading(incidents, region_metric),
                "tellStreamlit": tell_streamlit, "lang": current_language(),
                "labels": browser_labels(), "number": number_symbols(),
                "ucdpEventUrl": UCDP_EVENT_URL, "layers": list(visible_layers(layers))}
    group = folium.FeatureGroup(name="Incidents", control=False)
    payload = incident_payload(incidents, legend_groups, known)
    IncidentLayer(payload, settings, deflate_min).add_to(group)
    return group


def with_layers(group: folium.FeatureGroup, layers: Sequence[str]) -> folium.FeatureGroup:
    """Return a new group of `incident_layer`'s view with `layers` shown at first (the payload
    is shared, not made again; `group` is left as it is)."""
    copied = folium.FeatureGroup(name=group.layer_name, control=False)
    for child in group._children.values():
        if isinstance(child, IncidentLayer):
            child.showing(visible_layers(layers)).add_to(copied)
    return copied


# What a popup's editor links ask the page for (`with_editor_links`): an incident's history
# (dashboard_history.py), its sources and links (dashboard_link_review.py).
EDITOR_ASKS: tuple[str, ...] = ("history", "links")


def with_editor_links(group: folium.FeatureGroup, *, history: bool = False,
                      links: bool = False) -> folium.FeatureGroup:
    """Return a new group of `incident_layer`'s view whose popups offer editors the incident's
    history (`history`: a store that records it) and its sources and links (`links`): a click
    sets the map's st_folium value to {…, "history": event_id} or {…, "links": event_id}
    (`asked_for`). The same payload and token: the view is not drawn again."""
    offered = {name: True for name, wanted in (("history", history), ("links", links)) if wanted}
    copied = folium.FeatureGroup(name=group.layer_name, control=False)
    for child in group._children.values():
        if isinstance(child, IncidentLayer):
            child.showing(child.view_settings["layers"], **offered).add_to(copied)
    return copied


def with_history_links(group: folium.FeatureGroup) -> folium.FeatureGroup:
    """Return `with_editor_links(group, history=True)`."""
    return with_editor_links(group, history=True)


def asked_for(value: object, ask: str) -> str | None:
    """Return the event_id a popup's editor link `ask` (one of EDITOR_ASKS) named in the map's
    st_folium value, None when it names none."""
    if not isinstance(value, dict) or not isinstance(value.get(ask), str):
        return None
    return value[ask].strip() or None


def asked_history(value: object) -> str | None:
    """Return the event_id whose history a popup asked for in the map's st_folium value."""
    return asked_for(value, "history")


def visible_layers(names: object) -> tuple[str, ...]:
    """Return the known layer names among `names`, in MAP_LAYERS order (DEFAULT_LAYERS for
    None; anything that is not a list of names counts as none)."""
    if names is None:
        return DEFAULT_LAYERS
    if isinstance(names, str) or not isinstance(names, Iterable):
        return ()
    wanted = {name for name in names if isinstance(name, str)}
    return tuple(name for name in MAP_LAYERS if name in wanted)


def reported_layers(value: object) -> tuple[str, ...] | None:
    """Return the layers a map's st_folium value says are shown, or None when it says nothing
    of them (its first "painted" message, or no value)."""
    if not isinstance(value, dict) or not isinstance(value.get("layers"), list):
        return None
    return visible_layers(value["layers"])


def build_map(incidents: pd.DataFrame, *, legend_groups: pd.Series | None = None,
              region_metric: Literal["incidents", "fatalities"] = "incidents",
              cluster_min: int = CLUSTER_MIN, height: int = 620) -> folium.Map:
    """Return a standalone map of `incidents`: `base_map()` with its `incident_layer()`."""
    fmap = base_map(height)
    incident_layer(incidents, legend_groups=legend_groups, region_metric=region_metric,
                   cluster_min=cluster_min).add_to(fmap)
    return fmap


def region_values(incidents: pd.DataFrame,
                  metric: Literal["incidents", "fatalities"] = "incidents") -> pd.DataFrame:
    """Return every shipped region with its count of incidents or sum of best fatalities."""
    regions = places.load_regions()[["iso3", "country", "admin1"]]
    grouped = incidents.groupby(["iso3", "admin1"], observed=True)
    values = (grouped.size() if metric == "incidents"
              else grouped["fatalities"].sum(min_count=1).fillna(0))
    values = values.rename("value").astype("int64").reset_index()
    out = regions.merge(values, on=["iso3", "admin1"], how="left")
    out["value"] = out["value"].fillna(0).astype("int64")
    return out


def region_shading(incidents: pd.DataFrame,
                   metric: Literal["incidents", "fatalities"] = "incidents") -> dict[str, Any]:
    """Return the region layer's label and title, for regions with a value [fill colour, value],
    and its legend: [fill colour, range of values] per class drawn, "0" first.

    Keys are `map_assets.region_key` ("MLI|Mopti"); a region left out has 0 and no fill.
    """
    values = region_values(incidents, metric)
    fills, classes = _classify(values["value"].to_numpy())
    shaded = {region_key(iso3, admin1): [fill, int(value)]
              for iso3, admin1, value, fill in zip(values["iso3"], values["admin1"],
                                                    values["value"], fills, strict=True)
              if value > 0}
    legend = [[NO_INCIDENT_FILL, format_number(0)]] + [
        [color, format_number(low) if low == high
         else f"{format_number(low)}–{format_number(high)}"] for color, low, high in classes]
    return {"label": _(REGION_LABELS[metric]), "title": _(REGION_TITLES[metric]),
            "values": shaded, "classes": legend}


def attributions(incidents: pd.DataFrame) -> list[str]:
    """Return the credit lines the datasets in `incidents` (and the base map) require."""
    datasets = set(incidents["dataset"].dropna().unique())
    keys = []
    if datasets & {"ucdp_ged", "ucdp_candidate"}:
        keys.append("ucdp")
    if "acled" in datasets:
        keys.append("acled")
    if datasets & {"report", "seed"}:
        keys.append("geonames")
    keys += ["osm", "naturalearth"]
    return [ATTRIBUTIONS[k] for k in keys]


def _classify(values: np.ndarray) -> tuple[list[str], list[tuple[str, int, int]]]:
    """Return each value's fill (quantile classes of the positive values) and, per class that
    holds whole numbers, its colour and lowest and highest value."""
    positive = values[values > 0]
    if positive.size == 0:
        return [NO_INCIDENT_FILL] * len(values), []
    quantiles = np.linspace(0, 1, len(REGION_CLASSES) + 1)[1:-1]
    edges = np.unique(np.quantile(positive, quantiles))
    classes = np.searchsorted(edges, values, side="left")
    fills = [REGION_CLASSES[c] if v > 0 else NO_INCIDENT_FILL
             for c, v in zip(classes, values, strict=True)]
    # Class c holds edges[c-1] < v <= edges[c]; values are whole numbers.
    lows = [int(positive.min())] + [math.floor(e) + 1 for e in edges]
    highs = [math.floor(e) for e in edges] + [int(positive.max())]
    scale = [(REGION_CLASSES[c], low, high)
             for c, (low, high) in enumerate(zip(lows, highs, strict=True)) if low <= high]
    return fills, scale


def _script_json(value: Any) -> str:
    # "</" would end the inline <script> in the standalone HTML; text is escaped already.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def _bounds(incidents: pd.DataFrame) -> list[list[float]] | None:
    lat = incidents["latitude"].dropna()
    lon = incidents["longitude"].dropna()
    if lat.empty or lon.empty:
        return None
    pad = 0.3
    return [[round(float(lat.min()) - pad, 4), round(float(lon.min()) - pad, 4)],
            [round(float(lat.max()) + pad, 4), round(float(lon.max()) + pad, 4)]]
