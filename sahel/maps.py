"""The incident map: folium.Map with offline assets, coloured clustered points, heat map, regions.

Incidents are not folium markers (one marker each takes > 20 s to paint 10,000): they travel as one
compact column-wise JSON object drawn by `static/sahel/incidents.js` on a canvas, with popups built
when clicked. Every asset URL points at `/app/static/` (Streamlit static serving), so the map works
with no internet; OpenStreetMap tiles are added by the browser only when it can reach them.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable, Collection
from functools import lru_cache
from typing import Any, Literal

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, JavascriptLink
from folium.elements import JSCSSMixin
from folium.template import Template

from sahel import actors, places
from sahel.export import claims_text
from sahel.map_assets import BUNDLE, asset_url
from sahel.schema import claims_from_json, claims_to_json

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
BASE_ATTRIBUTION = "Boundaries: Natural Earth (public domain)"
# Drawn one by one below this count; clustered above it (supercluster, in the browser).
CLUSTER_MIN = 1500
CLUSTER_MAX_ZOOM = 11
MAX_ZOOM = 16
# Notes are left out of popups for big views: they would dominate the bytes sent to the browser.
POPUP_NOTES_MAX_ROWS = 5000
POPUP_NOTES_CHARS = 280
LEGEND_GROUPS = 9
OTHER_COLOR = "#8c8c8c"
# Colours for groups the alias table does not know (colour-blind-safe Tableau 10 order).
FALLBACK_COLORS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
                   "#ff9da7", "#9c755f", "#bab0ac")
# Sequential classes for the region layer (light → dark red), zero regions left almost clear.
REGION_CLASSES = ("#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15")
SAHEL_CENTER = (15.5, 0.0)
# Regions, borders and points share this pane's one canvas (see shareCanvas in incidents.js).
MAP_PANE = "sahelRegions"
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

    # jQuery, Bootstrap and awesome-markers are left out: nothing on this map uses them. Leaflet
    # comes in one bundle with the incident layer's scripts (see sahel/map_assets.py).
    default_js = [("sahel_map_bundle", asset_url(BUNDLE))]
    default_css = [("leaflet_css", asset_url("vendor/leaflet/leaflet.css"))]


class IncidentLayer(JSCSSMixin, folium.MacroElement):
    """The incidents as one compact JSON payload, drawn by `static/sahel/incidents.js`."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            SahelIncidents.render({{ this._parent.get_name() }}, {{ this.control.get_name() }},
                {{ this.payload }}, {{ this.settings }});
        {% endmacro %}
    """)
    # Its scripts (supercluster, leaflet.heat, incidents.js) are in the map's bundle.
    default_js: list[tuple[str, str]] = []

    def __init__(self, payload: dict[str, Any], control: folium.LayerControl,
                 settings: dict[str, Any]) -> None:
        super().__init__()
        self._name = "IncidentLayer"
        self.control = control
        self.payload = _script_json(payload)
        self.token = hashlib.sha1(self.payload.encode("utf-8")).hexdigest()[:16]
        self.settings = _script_json({**settings, "token": self.token})

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


def build_map(incidents: gpd.GeoDataFrame, *, color_groups: Collection[str] = (),
              region_metric: Literal["incidents", "fatalities"] = "incidents",
              cluster_min: int = CLUSTER_MIN, height: int = 620) -> folium.Map:
    """Return the incident map: region shading, outlines, clustered points, heat map, legend.

    Points are coloured by canonical group (group2 when only it is among `color_groups`, so a
    filter on a group colours its incidents) and sized by best-estimate fatalities.
    """
    fmap = OfflineMap(location=SAHEL_CENTER, zoom_start=5, tiles=None, height=height,
                      control_scale=True, zoom_control=True)
    # With no tile layer, Leaflet has no max zoom unless the map itself is given one.
    fmap.options["maxZoom"] = MAX_ZOOM
    fmap.options["minZoom"] = 3
    folium.map.CustomPane(MAP_PANE, z_index=350, pointer_events=True).add_to(fmap)
    _region_layer(incidents, region_metric).add_to(fmap)
    folium.GeoJson(
        _country_outlines(), name="Country borders", pane=MAP_PANE, interactive=False,
        style_function=lambda _: {"color": "#3d3d3d", "weight": 1.4, "fill": False},
    ).add_to(fmap)
    control = folium.LayerControl(collapsed=True)
    control.add_to(fmap)
    settings = {"clusterMin": cluster_min, "clusterMaxZoom": CLUSTER_MAX_ZOOM,
                "maxZoom": MAX_ZOOM, "tiles": OSM_TILES, "tilesAttribution": OSM_ATTRIBUTION,
                "attribution": BASE_ATTRIBUTION, "background": "#eef1f4", "pane": MAP_PANE}
    IncidentLayer(incident_payload(incidents, color_groups), control, settings).add_to(fmap)
    bounds = _bounds(incidents)
    if bounds is not None:
        fmap.fit_bounds(bounds, max_zoom=9)
    return fmap


def incident_payload(incidents: pd.DataFrame, color_groups: Collection[str] = ()
                     ) -> dict[str, Any]:
    """Return the incidents as compact columns for the browser; all text HTML-escaped.

    Popup text travels as "facets": HTML fragments rendered once per distinct value here (a
    place, a pair of actors, a toll, ...) plus one small index per incident, so 100,000
    incidents cost a few megabytes, not one popup each.
    """
    frame = incidents.reset_index(drop=True)
    n = len(frame)
    group_codes, groups = _group_legend(frame, frozenset(color_groups))
    facets = {name: _facet(frame, columns, render) for name, (columns, render) in FACETS.items()
              if name != "notes" or n <= POPUP_NOTES_MAX_ROWS}
    return {
        "n": n,
        "id": compact_ids(frame["event_id"]),
        "lat": np.round(frame["latitude"].to_numpy(dtype="float64"), 4).tolist(),
        "lon": np.round(frame["longitude"].to_numpy(dtype="float64"), 4).tolist(),
        "group": group_codes,
        "prec": frame["geo_precision"].fillna(0).astype("int64").tolist(),
        "fat": frame["fatalities"].fillna(-1).astype("int64").tolist(),
        "groups": groups,
        "facets": facets,
    }


def compact_ids(event_ids: pd.Series) -> dict[str, list[Any]]:
    """Return event ids as prefixes + numbers: id = p[k][0] + str(n).zfill(p[k][1]), HTML-escaped.

    Ids such as "ACLED-MLI-0012345" share a few prefixes; sent whole they were a fifth of the
    map's bytes. An id with no trailing digits is its prefix alone (width 0, number -1).
    """
    ids = event_ids.astype("object").fillna("").astype(str)
    # At most 15 digits: larger numbers would lose precision as JavaScript numbers.
    parts = ids.str.extract(r"^(.*?)(\d{1,15})$")
    digits = parts[1].fillna("")
    prefix = parts[0].where(parts[1].notna(), ids).fillna("")
    width = digits.str.len()
    numbers = pd.to_numeric(digits.where(digits != "", "-1")).astype("int64")
    codes, keys = pd.factorize(pd.Series(list(zip(prefix, width, strict=True)), dtype="object"))
    return {"p": [[html.escape(p), int(w)] for p, w in keys], "k": codes.tolist(),
            "n": numbers.tolist()}


def claim_lines(claims_json: object) -> list[str]:
    """Return one HTML-escaped readable line per claim ("who (role): kind n–m «words»")."""
    return [html.escape(claims_text(claims_to_json([claim])))
            for claim in claims_from_json(claims_json)]


def _facet(frame: pd.DataFrame, columns: tuple[str, ...],
           render: Callable[[pd.DataFrame], list[str]]) -> dict[str, list[Any]]:
    keys = frame[list(columns)].astype("object").where(frame[list(columns)].notna(), None)
    codes = keys.groupby(list(columns), sort=False, dropna=False).ngroup()
    uniques = frame.loc[~codes.duplicated(), list(columns)]
    return {"v": render(uniques), "i": codes.tolist()}


def _text(values: pd.Series) -> pd.Series:
    return values.astype("object").fillna("").map(lambda v: html.escape(str(v)))


def _render_dates(u: pd.DataFrame) -> list[str]:
    note = u["time_precision"].map({2: " (within a week)", 3: " (month only)"}).fillna("")
    return (u["event_date"].dt.strftime("%Y-%m-%d").fillna("date unknown") + note).tolist()


def _render_places(u: pd.DataFrame) -> list[str]:
    parts = u[["location", "admin1", "country"]].apply(_text)
    return [", ".join(p for p in row if p) for row in parts.itertuples(index=False)]


def _render_actors(u: pd.DataFrame) -> list[str]:
    t = u.apply(_text)
    first = t["actor1"] + " [" + t["group1"] + "]"
    second = (" vs " + t["actor2"] + " [" + t["group2"] + "]").where(t["actor2"] != "", "")
    return (first + second).tolist()


def _render_types(u: pd.DataFrame) -> list[str]:
    t = u.apply(_text)
    return ("<b>" + t["event_type"] + "</b>" + (" — " + t["sub_event_type"]).where(
        t["sub_event_type"] != "", "")).tolist()


def _render_tolls(u: pd.DataFrame) -> list[str]:
    out = []
    for best, low, high in u.itertuples(index=False):
        text = "unknown" if pd.isna(best) else str(int(best))
        if not (pd.isna(low) and pd.isna(high)):
            lo = "?" if pd.isna(low) else int(low)
            hi = "?" if pd.isna(high) else int(high)
            text += f" (low–high {lo}–{hi})"
        out.append(text)
    return out


def _render_claims(u: pd.DataFrame) -> list[str]:
    lines = u["claims"].map(claim_lines)
    return ["<ul class='sahel-claims'><li>" + "</li><li>".join(c) + "</li></ul>" if c else ""
            for c in lines]


def _render_sources(u: pd.DataFrame) -> list[str]:
    names = _text(u["source"]).where(_text(u["source"]) != "", "source")
    urls = u["source_url"].astype("object").fillna("")
    safe = urls.str.match(r"https?://")
    links = ('<a href="' + _text(urls) + '" target="_blank" rel="noopener noreferrer">' + names
             + "</a>")
    return (links.where(safe, names) + " · " + _text(u["dataset"])).tolist()


def _render_notes(u: pd.DataFrame) -> list[str]:
    return _text(u["notes"].astype("object").fillna("").str.slice(0, POPUP_NOTES_CHARS)).tolist()


# Popup facet → (canonical columns it shows, renderer of its distinct values).
FACETS: dict[str, tuple[tuple[str, ...], Callable[[pd.DataFrame], list[str]]]] = {
    "date": (("event_date", "time_precision"), _render_dates),
    "place": (("location", "admin1", "country"), _render_places),
    "actors": (("actor1", "group1", "actor2", "group2"), _render_actors),
    "type": (("event_type", "sub_event_type"), _render_types),
    "toll": (("fatalities", "fatalities_low", "fatalities_high"), _render_tolls),
    "claims": (("claims",), _render_claims),
    "source": (("source", "source_url", "dataset"), _render_sources),
    "notes": (("notes",), _render_notes),
}


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


def _region_layer(incidents: pd.DataFrame,
                  metric: Literal["incidents", "fatalities"]) -> folium.GeoJson:
    values = region_values(incidents, metric)
    shapes = _region_shapes()
    frame = shapes.merge(values[["iso3", "admin1", "value"]], on=["iso3", "admin1"], how="left")
    frame["value"] = frame["value"].fillna(0).astype("int64")
    frame["fill"] = _classify(frame["value"].to_numpy())
    label = "Incidents" if metric == "incidents" else "Fatalities (best)"
    return folium.GeoJson(
        json.loads(frame.to_json(drop_id=True)), name=f"Regions: {label.lower()}",
        pane=MAP_PANE,
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#9a9a9a",
                                  "weight": 0.6, "fillOpacity": 0.55},
        tooltip=folium.GeoJsonTooltip(fields=["admin1", "country", "value"],
                                      aliases=["Region", "Country", label]),
    )


def _classify(values: np.ndarray) -> list[str]:
    positive = values[values > 0]
    if positive.size == 0:
        return ["#ffffff"] * len(values)
    quantiles = np.linspace(0, 1, len(REGION_CLASSES) + 1)[1:-1]
    edges = np.unique(np.quantile(positive, quantiles))
    classes = np.searchsorted(edges, values, side="left")
    return [REGION_CLASSES[c] if v > 0 else "#ffffff" for c, v in zip(classes, values, strict=True)]


@lru_cache(maxsize=1)
def _region_shapes() -> gpd.GeoDataFrame:
    regions = places.load_regions()[["iso3", "country", "admin1", "geometry"]].copy()
    regions["geometry"] = _lighten(regions.geometry)
    return regions


@lru_cache(maxsize=1)
def _country_outlines() -> dict[str, Any]:
    countries = places.load_countries()[["iso3", "country", "geometry"]].copy()
    countries["geometry"] = _lighten(countries.geometry)
    return json.loads(countries.to_json(drop_id=True))


def _lighten(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    # ~2 km detail is plenty for region shading and keeps every rerun small (bytes sent).
    simplified = shapely.set_precision(geometry.simplify(0.02).values, 0.005)
    return gpd.GeoSeries(simplified, index=geometry.index, crs=geometry.crs)


def _group_legend(incidents: pd.DataFrame, color_groups: frozenset[str]
                  ) -> tuple[list[int], list[dict[str, Any]]]:
    group = incidents["group1"].fillna("")
    if color_groups:
        use_second = ~group.isin(color_groups) & incidents["group2"].isin(color_groups)
        group = group.where(~use_second, incidents["group2"])
    counts = group.value_counts(sort=True)
    counts = counts.loc[sorted(counts.index, key=lambda g: (-counts[g], g))]
    shown = list(counts.index[:LEGEND_GROUPS])
    known = {g.name: g for g in actors.all_groups()}
    legend: list[dict[str, Any]] = []
    for k, name in enumerate(shown):
        info = known.get(name)
        legend.append({"name": html.escape(name or "unknown actor"), "count": int(counts[name]),
                       "label": html.escape(info.label if info else (name or "unknown actor")),
                       "color": _safe_color(info.color if info else _fallback_color(name, k))})
    codes = group.map({name: k for k, name in enumerate(shown)})
    if len(counts) > len(shown):
        legend.append({"name": "Other groups", "label": "Other groups",
                       "count": int(counts.iloc[len(shown):].sum()), "color": OTHER_COLOR})
        codes = codes.fillna(len(shown))
    return codes.fillna(0).astype("int64").tolist(), legend


def _fallback_color(name: str, k: int) -> str:
    # No actor named: grey, so it never looks like a group.
    return FALLBACK_COLORS[k % len(FALLBACK_COLORS)] if name else OTHER_COLOR


def _safe_color(color: str) -> str:
    # Colours go into style attributes: accept only #rgb / #rrggbb.
    c = str(color)
    return c if re.fullmatch(r"#(?:[0-9a-fA-F]{3}){1,2}", c) else OTHER_COLOR


def _script_json(value: Any) -> str:
    # "</" would end the inline <script> in the standalone HTML; text is escaped already.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def _bounds(incidents: pd.DataFrame) -> list[list[float]] | None:
    lat = incidents["latitude"].dropna()
    lon = incidents["longitude"].dropna()
    if lat.empty or lon.empty:
        return None
    pad = 0.3
    return [[float(lat.min()) - pad, float(lon.min()) - pad],
            [float(lat.max()) + pad, float(lon.max()) + pad]]
