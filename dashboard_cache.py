"""The dashboard's shared caches: incidents, sidebar choices, each query's rows, map layer,
table and chart.

Streamlit only, beside dashboard.py (which reads widgets and renders). Kept in a module of their
own so that `serve.py` can fill them before the first visitor (`warm`): Streamlit keys a cached
function by its module and name, and dashboard.py runs as `__main__` anew each run, while this
module is imported once per process, by both.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any, Literal, NamedTuple

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from sahel.group_match import group_labels
from sahel.i18n import DEFAULT_LANGUAGE, use_language
from sahel.incidents import LoadedIncidents, load_incidents_checked
from sahel.map_payload import FacetCodes, facet_codes
from sahel.maps import DEFAULT_LAYERS, incident_layer, with_layers
from sahel.overview import (
    FilterChoices,
    Headline,
    filter_choices,
    headline,
    incident_table,
)
from sahel.query import IncidentQuery, filter_incidents
from sahel.store import IncidentStore
from sahel.timeline import (
    Period,
    chart_colors,
    incidents_over_time,
    timeline_chart,
    view_period,
)
from sahel.trends import (
    DEFAULT_SPAN,
    Measure,
    coverage_start,
    region_trends,
    trends_caption,
    trends_query,
    trends_table,
)

RegionMetric = Literal["incidents", "fatalities"]
# What a first visit shows: every incident, regions shaded by incidents (dashboard.py's defaults).
DEFAULT_QUERY = IncidentQuery()
DEFAULT_METRIC: RegionMetric = "incidents"
DEFAULT_MEASURE: Measure = "incidents"  # what the chart and the trends count at first

# The store file each store directory had when its incidents were last read: (mtime, size,
# inode). Shared by every session of this process, like the caches it guards.
_seen_versions: dict[str, tuple[int, int, int] | None] = {}


# No spinner text: it would be fixed, in English, when this module is imported; serve.py fills
# this cache before the first visit, and Streamlit shows that the page is running meanwhile.
@st.cache_resource(show_spinner=False)
def loaded(store_dir: str) -> LoadedIncidents:
    """Return shipped + stored incidents with the report of stored rows this version skipped;
    shared by every session, never mutated. Raises `StoreError` when the store is unreadable
    (not cached: the next run tries again)."""
    # Noted before reading: a write in between is then seen as a change on the next run.
    _seen_versions[store_dir] = store_version(store_dir)
    return load_incidents_checked(store_dir)


def incidents_frame(store_dir: str) -> gpd.GeoDataFrame:
    """Return shipped + stored incidents (see `loaded`)."""
    return loaded(store_dir).incidents


@st.cache_resource(show_spinner=False)
def choices_for(store_dir: str) -> FilterChoices:
    """Return the sidebar's choices for the incidents on hand (~0.2 s a rerun at 100,000)."""
    return filter_choices(incidents_frame(store_dir))


@st.cache_resource(show_spinner=False)
def popup_codes(store_dir: str) -> FacetCodes:
    """Return every incident's popup facet codes and id parts, so a view takes its rows' (its
    payload in 0.08 s instead of 0.26 s for 80,000 incidents)."""
    return facet_codes(incidents_frame(store_dir))


@st.cache_resource(show_spinner=False, max_entries=32)
def selection(store_dir: str, query: IncidentQuery) -> tuple[gpd.GeoDataFrame, Headline]:
    """Return the incidents matching one query and their figures; shared, never mutated."""
    selected = filter_incidents(incidents_frame(store_dir), query)
    return selected, headline(selected, query.include_associated)


@st.cache_resource(show_spinner=False, max_entries=32)
def view_layer(store_dir: str, query: IncidentQuery, region_metric: RegionMetric, lang: str,
               layers: tuple[str, ...]) -> folium.FeatureGroup:
    """Return the map layer of one query in language `lang`, showing `layers` (maps.MAP_LAYERS
    names) at first, built once; shared, never mutated (give st_folium a copy). The map says
    when it has painted (dashboard.py, "map first") and when the user switches a layer."""
    if layers != DEFAULT_LAYERS:
        # The same view with other layers shown: its payload is shared, not made again.
        return with_layers(view_layer(store_dir, query, region_metric, lang, DEFAULT_LAYERS),
                           layers)
    use_language(lang)
    selected, _ = selection(store_dir, query)
    legend = (group_labels(selected, query.groups, query.group_rule()) if query.groups
              else None)
    return incident_layer(selected, legend_groups=legend, region_metric=region_metric,
                          known=popup_codes(store_dir), tell_streamlit=True)


class BelowMap(NamedTuple):
    """What the page shows under the map for one query."""

    table: pd.DataFrame  # the newest incidents, the table's columns (overview.incident_table)
    chart: dict[str, Any] | None  # Vega-Lite spec of the chart over time; None: nothing in view
    period: Period  # the chart's bars (timeline.period_for the span in view)


@st.cache_resource(show_spinner=False, max_entries=32)
def below_map(store_dir: str, query: IncidentQuery, lang: str, measure: Measure) -> BelowMap:
    """Return the table and the chart of one query in one language, built once (the chart's spec
    is made once, not on every run); shared, never mutated."""
    selected, _ = selection(store_dir, query)
    period = view_period(selected)
    counts = incidents_over_time(selected, period)
    chart = None
    if len(counts):
        # Not validated against Vega-Lite's schema here (tests/test_timeline.py does): 0.05 s
        # instead of 0.22 s at 100,000 incidents.
        chart = timeline_chart(counts, chart_colors(counts), measure, period, lang
                               ).to_dict(validate=False)
    return BelowMap(incident_table(selected), chart, period)


class Trends(NamedTuple):
    """The regions' trends for one query, as the page shows them."""

    table: pd.DataFrame  # trends.trends_table, headed in the session's language
    regions: tuple[tuple[str, str], ...]  # each row's (ISO3, admin-1), to filter on a click
    caption: str  # what was counted


@st.cache_resource(show_spinner=False, max_entries=32)
def trends_for(store_dir: str, query: IncidentQuery, lang: str, days: int, measure: Measure
               ) -> Trends | None:
    """Return the regions' trends over the last `days` days of one query in one language (every
    filter but the dates and regions, trends.trends_query); None when nothing is dated."""
    counted = trends_query(query)
    rows, _ = selection(store_dir, counted)
    dated = rows["event_date"].dropna()
    if dated.empty:
        return None
    end = query.end or dated.max().date()
    since = coverage_start(incidents_frame(store_dir), counted)
    found = region_trends(rows, end, days, measure, since=since)
    return Trends(trends_table(found, days),
                  tuple(zip(found["iso3"], found["admin1"], strict=True)),
                  trends_caption(end, days, measure))


def clear() -> None:
    """Forget everything cached (the store changed)."""
    for cached in (loaded, choices_for, popup_codes, selection, view_layer, below_map,
                   trends_for):
        cached.clear()


def store_version(store_dir: str) -> tuple[int, int, int] | None:
    """Return what identifies the store file's current content (None when there is none).

    Every write replaces the file by an atomic rename, so a new inode or mtime means new rows;
    one stat call, a few microseconds a run.
    """
    try:
        found = os.stat(IncidentStore(store_dir).path)
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size, found.st_ino


def refresh_if_changed(store_dir: str) -> bool:
    """Forget the caches when the store changed on disk since its incidents were read (an
    import from the CLI, another process's upload); return whether it had."""
    if store_dir not in _seen_versions or _seen_versions[store_dir] == store_version(store_dir):
        return False
    _seen_versions.pop(store_dir, None)
    clear()
    return True


def default_query(store_dir: str) -> IncidentQuery:
    """Return the query of a first visit: everything, the demonstration data only while the
    store holds none of the user's (docs/data.md, "Datasets, revisions and deletions")."""
    return replace(DEFAULT_QUERY, include_demo=not choices_for(store_dir).has_user_data)


def warm(store_dir: str) -> int:
    """Compute what a first visit's runs read: the incidents, the choices, the default view and
    what is under its map. Return how many incidents there are (2.1 s for 100,000 here)."""
    query = default_query(store_dir)
    selection(store_dir, query)
    view_layer(store_dir, query, DEFAULT_METRIC, DEFAULT_LANGUAGE, DEFAULT_LAYERS)
    # Every argument as the page passes them: a cached function's key is the arguments given.
    below_map(store_dir, query, DEFAULT_LANGUAGE, DEFAULT_MEASURE)
    trends_for(store_dir, query, DEFAULT_LANGUAGE, DEFAULT_SPAN, DEFAULT_MEASURE)
    return len(incidents_frame(store_dir))
