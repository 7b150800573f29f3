"""The dashboard's shared caches: incidents, sidebar choices, each query's rows, map layer,
table and chart.

Streamlit only, beside dashboard.py (which reads widgets and renders). Kept in a module of their
own so that `serve.py` can fill them before the first visitor (`warm`): Streamlit keys a cached
function by its module and name, and dashboard.py runs as `__main__` anew each run, while this
module is imported once per process, by both.

The incidents are held by one `sahel.incidents.Replica` per store and process, brought up to
date when the store's version changes (`refresh_if_changed`, every run; dashboard_live.py watches
between runs): only the rows written since are read (both stores). What is made from them
(choices, views, layers, tables, trends) is cached under the version of the incidents it was made
from, so no run is ever served a view of older incidents than it holds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import replace
from typing import Any, Literal, NamedTuple, TypeVar

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from sahel import link_upkeep
from sahel.group_match import group_labels
from sahel.i18n import DEFAULT_LANGUAGE, use_language
from sahel.incidents import Change, LoadedIncidents, Replica, compact
from sahel.link_groups import GROUP_COLUMNS
from sahel.links import LINK_COLUMNS
from sahel.map_payload import (
    SOURCES_COLUMN,
    SOURCES_MAX_GROUPS,
    FacetCodes,
    facet_codes,
    followed_codes,
)
from sahel.map_sources import sources_blocks, too_many_html
from sahel.maps import DEFAULT_LAYERS, incident_layer, with_layers
from sahel.overview import (
    ChoiceCounts,
    FilterChoices,
    Headline,
    headline,
    incident_table,
)
from sahel.query import (
    CountedOnce,
    IncidentQuery,
    count_sources_once,
    filter_incidents,
    filter_once,
    followed_view,
)
from sahel.store import StoreError, database_url, open_store
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
# What a first visit shows: every incident, each event once, regions shaded by incidents
# (dashboard.py's defaults).
DEFAULT_QUERY = IncidentQuery(once=True)
DEFAULT_METRIC: RegionMetric = "incidents"
DEFAULT_MEASURE: Measure = "incidents"  # what the chart and the trends count at first

# How long a store version read is taken as the store's: every session's watcher (dashboard_live)
# asks every SAHEL_REFRESH_SECONDS, and a process asks the database at most this often.
VERSION_MAX_AGE_S = 0.5
# What `held_version` says while this process holds no incidents of a store.
NOT_HELD = "not held"

# The incidents each store has in this process: shared by every session, updated in place of a
# reload when the store changes (sahel.incidents.Replica). Keyed by the store folder and the
# database URL, as `open_store` picks the store.
_replicas: dict[tuple[str, str], Replica] = {}
# Stores written by this process since (the uploader): brought up to date before the next use.
_stale: set[tuple[str, str]] = set()
# The last version read of each store, and when (time.monotonic).
_versions: dict[tuple[str, str], tuple[float, Hashable]] = {}
_lock = threading.Lock()
# Whether what is made from every incident (the choices, the popup codes) follows a small change
# from what was made at the version before (sahel.incidents.Change) instead of being made again
# whole: 10 rows written cost a replica ~0.1 s, not ~5 s, at 1,000,000 incidents
# (bench/bench_write_cost.py turns it off to time the whole rebuild).
INCREMENTAL = True
# The last value of each kind made per store, and the version it was made for.
_last: dict[tuple[Hashable, tuple[str, str]], tuple[Hashable, Any]] = {}
# The views (selections) followed, per store: the last queries asked for.
FOLLOWED_VIEWS = 4
# A view followed is pieces of the one before: its text columns are combined once they are in
# this many (each write adds ~2 per row changed; combining 1,000,000 rows costs ~1 s, while the
# figures and the layer of a view in 64 pieces took as long as in one).
VIEW_MOST_CHUNKS = 64
# The event groups counted at the last versions, per store and sources (ids and groups): a view
# counting each event once is followed only while its sources' groups stay the same.
_counted_seen: dict[tuple[Hashable, ...], dict[Hashable, frozenset[tuple[str, str]]]] = {}
COUNTED_KEPT = 8
Made = TypeVar("Made")


def _key(store_dir: str) -> tuple[str, str]:
    return store_dir, database_url() or ""


def replica(store_dir: str) -> Replica:
    """Return this process's replica of the configured store (`sahel.store.open_store`)."""
    key = _key(store_dir)
    with _lock:
        held = _replicas.get(key)
        if held is None:
            held = _replicas[key] = Replica(open_store(store_dir))
        return held


def loaded(store_dir: str) -> LoadedIncidents:
    """Return shipped + stored incidents with the report of stored rows this version skipped;
    shared by every session, never mutated. Raises `StoreError` when nothing is held and the
    store cannot be read (the next run tries again)."""
    held = replica(store_dir)
    key = _key(store_dir)
    if key in _stale:
        _stale.discard(key)
        try:
            if held.refresh():
                _clear_views()
        except StoreError:
            _stale.add(key)  # out of reach: what is held is shown (dashboard_live says so)
    return held.loaded()


def _version(store_dir: str) -> Hashable:
    """Return the version of the incidents held, reading them first if none are: the key of
    the caches below, read before their incidents, so an entry is never older than its key."""
    loaded(store_dir)
    return replica(store_dir).version


def incidents_frame(store_dir: str) -> gpd.GeoDataFrame:
    """Return shipped + stored incidents (see `loaded`)."""
    return loaded(store_dir).incidents


def choices_for(store_dir: str) -> FilterChoices:
    """Return the sidebar's choices for the incidents on hand (~0.2 s a rerun at 100,000)."""
    return _choices(store_dir, _version(store_dir))


@st.cache_resource(show_spinner=False, max_entries=4)
def _choices(store_dir: str, version: Hashable) -> FilterChoices:
    return _choice_counts(store_dir, version).choices()


def _choice_counts(store_dir: str, version: Hashable) -> ChoiceCounts:
    return _followed("choices", store_dir, version, ChoiceCounts.of,
                     lambda counts, change, frame: counts.followed(
                         change.removed, frame.iloc[change.added_at]))


def _followed(kind: Hashable, store_dir: str, version: Hashable,
              whole: Callable[[gpd.GeoDataFrame], Made],
              step: Callable[[Made, Change, gpd.GeoDataFrame], Made | None]) -> Made:
    """Return `kind` made for the incidents at `version`: from the last one made, when the
    replica says how its incidents changed since (a small change) and `step` can follow it
    (None: it cannot), else `whole` anew."""
    held = replica(store_dir)
    loaded_now, now = held.current()
    key = (kind, _key(store_dir))
    with _lock:
        last = _last.get(key)
    if now != version:  # brought up to date meanwhile: as before, from the incidents held
        return whole(incidents_frame(store_dir))
    if last is not None and last[0] == version:
        return last[1]
    change = None
    if INCREMENTAL and last is not None:
        change = held.change_since(last[0], version)
    made = None
    if last is not None and change is not None:
        made = step(last[1], change, loaded_now.incidents)
    if made is None:
        made = whole(loaded_now.incidents)
    _remember(key, version, made)
    return made


def _remember(key: tuple[Hashable, tuple[str, str]], version: Hashable, made: Any) -> None:
    """Keep `made` as the last of its kind, the views' for the FOLLOWED_VIEWS last queries."""
    with _lock:
        _last.pop(key, None)
        _last[key] = (version, made)
        views = [k for k in _last if isinstance(k[0], tuple) and k[1] == key[1]]
        for old in views[:-FOLLOWED_VIEWS]:
            del _last[old]


def popup_codes(store_dir: str) -> FacetCodes:
    """Return every incident's popup facet codes and id parts, so a view takes its rows' (its
    payload in 0.08 s instead of 0.26 s for 80,000 incidents)."""
    return _popup_codes(store_dir, _version(store_dir))


@st.cache_resource(show_spinner=False, max_entries=4)
def _popup_codes(store_dir: str, version: Hashable) -> FacetCodes:
    return _followed("popup codes", store_dir, version, facet_codes,
                     lambda known, change, frame: followed_codes(known, frame, change.taken))


class Linked(NamedTuple):
    """The event groups of the incidents on hand and the links that made them."""

    groups: pd.DataFrame  # event_id, event_group, dataset_key (sahel.links)
    links: pd.DataFrame  # the links kept in the groups, with their reasons (LINK_COLUMNS)


def linked(store_dir: str) -> Linked:
    """Return the event groups of the incidents on hand, and their links."""
    return _linked(store_dir, _version(store_dir))


@st.cache_resource(show_spinner=False, max_entries=4)
def _linked(store_dir: str, version: Hashable) -> Linked:
    # The links the store keeps up to date after every write (sahel.link_upkeep.after_write);
    # read, never recomputed here. Links the store cannot read (a PostgreSQL database not yet
    # upgraded to revision 0003) leave every record on its own.
    store = replica(store_dir).store
    try:
        groups = link_upkeep.current_groups(store)
        links = link_upkeep.stored_links(store)
    except (StoreError, ValueError):
        return Linked(pd.DataFrame({c: pd.Series(dtype="object") for c in GROUP_COLUMNS}),
                      pd.DataFrame({c: pd.Series(dtype="object") for c in LINK_COLUMNS}))
    grouped = links["grouped"].to_numpy(dtype=bool) if len(links) else np.zeros(0, dtype=bool)
    found = Linked(groups, links.loc[grouped])
    return found


def has_links(store_dir: str, query: IncidentQuery) -> bool:
    """Return whether any records of the query's sources are linked into an event group."""
    return bool(counted_once(store_dir, query).group_of.notna().any())


def counted_once(store_dir: str, query: IncidentQuery) -> CountedOnce:
    """Return the query's sources with each event group counted once (depends only on its
    datasets and demonstration data); shared, never mutated."""
    return _counted_once(store_dir, _version(store_dir), query.datasets, query.include_demo)


@st.cache_resource(show_spinner=False, max_entries=8)
def _counted_once(store_dir: str, version: Hashable, datasets: frozenset[str],
                  include_demo: bool) -> CountedOnce:
    sources = IncidentQuery(datasets=datasets, include_demo=include_demo)
    counted = count_sources_once(incidents_frame(store_dir), _linked(store_dir, version).groups,
                                 sources)
    # What a view followed compares its groups to (_followed_selection).
    with _lock:
        seen = _counted_seen.setdefault((_key(store_dir), datasets, include_demo), {})
        seen[version] = _pairs(counted.groups)
        for old in list(seen)[:-COUNTED_KEPT]:
            del seen[old]
    return counted


def _pairs(groups: pd.DataFrame) -> frozenset[tuple[str, str]]:
    """Return the (event_id, event_group) pairs of some groups."""
    if groups.empty:
        return frozenset()
    return frozenset(zip(groups["event_id"].astype("str"), groups["event_group"].astype("str"),
                         strict=True))


def selection(store_dir: str, query: IncidentQuery) -> tuple[gpd.GeoDataFrame, Headline]:
    """Return the incidents matching one query and their figures; shared, never mutated."""
    return _selection(store_dir, _version(store_dir), query)


@st.cache_resource(show_spinner=False, max_entries=32)
def _selection(store_dir: str, version: Hashable, query: IncidentQuery
               ) -> tuple[gpd.GeoDataFrame, Headline]:
    selected = _followed(
        ("selection", query), store_dir, version,
        lambda frame: _selected(store_dir, version, query, frame),
        lambda before, change, frame: _followed_selection(store_dir, version, query, before,
                                                          change, frame))
    return selected, headline(selected, query.include_associated)


def _selected(store_dir: str, version: Hashable, query: IncidentQuery,
              frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if query.once:
        counted = _counted_once(store_dir, version, query.datasets, query.include_demo)
        return filter_once(frame, counted, query)
    return filter_incidents(frame, query)


def _followed_selection(store_dir: str, version: Hashable, query: IncidentQuery,
                        before: gpd.GeoDataFrame, change: Change, frame: gpd.GeoDataFrame
                        ) -> gpd.GeoDataFrame | None:
    """Return the view `before` (at `change.since`) brought to `version`; None when it cannot
    be: counting once, the event groups changed or hold a record written or removed."""
    written = frame.iloc[change.added_at]
    matching = filter_incidents(written, replace(query, once=False))
    if query.once:
        counted = _counted_once(store_dir, version, query.datasets, query.include_demo)
        with _lock:
            then = _counted_seen.get((_key(store_dir), query.datasets, query.include_demo),
                                     {}).get(change.since)
        now = _pairs(counted.groups)
        touched = set(change.removed["event_id"].astype("str")) | set(
            written["event_id"].astype("str"))
        if then is None or then != now or any(event_id in touched for event_id, _ in now):
            return None
        matching = counted.rows.loc[matching.index]
    labels = np.full(len(change.taken) - len(change.added_at) + len(change.removed_at), -1,
                     dtype="int64")
    kept = np.flatnonzero(change.taken >= 0)
    labels[change.taken[kept]] = frame.index.to_numpy()[kept]
    followed = followed_view(before, labels[before.index.to_numpy(dtype="int64")], matching)
    return None if followed is None else compact(followed, VIEW_MOST_CHUNKS)


def view_layer(store_dir: str, query: IncidentQuery, region_metric: RegionMetric, lang: str,
               layers: tuple[str, ...]) -> folium.FeatureGroup:
    """Return the map layer of one query in language `lang`, showing `layers` (maps.MAP_LAYERS
    names) at first, built once; shared, never mutated (give st_folium a copy). The map says
    when it has painted (dashboard.py, "map first") and when the user switches a layer."""
    return _view_layer(store_dir, _version(store_dir), query, region_metric, lang, layers)


@st.cache_resource(show_spinner=False, max_entries=32)
def _view_layer(store_dir: str, version: Hashable, query: IncidentQuery,
                region_metric: RegionMetric, lang: str, layers: tuple[str, ...]
                ) -> folium.FeatureGroup:
    if layers != DEFAULT_LAYERS:
        # The same view with other layers shown: its payload is shared, not made again.
        return with_layers(_view_layer(store_dir, version, query, region_metric, lang,
                                       DEFAULT_LAYERS), layers)
    use_language(lang)
    selected, _ = _selection(store_dir, version, query)
    legend = (group_labels(selected, query.groups, query.group_rule()) if query.groups
              else None)
    if query.once:
        selected = _with_sources(store_dir, version, query, selected)
    return incident_layer(selected, legend_groups=legend, region_metric=region_metric,
                          known=_popup_codes(store_dir, version), tell_streamlit=True)


def _with_sources(store_dir: str, version: Hashable, query: IncidentQuery,
                  selected: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the rows in view with the popup block of each linked event's sources (in the
    current language; `sahel.map_sources`); the rows as they are when none is linked."""
    in_view = selected["event_group"].dropna() if "event_group" in selected else pd.Series()
    if in_view.empty:
        return selected
    if in_view.nunique() > SOURCES_MAX_GROUPS:
        notes = selected["group_records"].map(
            lambda n: too_many_html(int(n)) if pd.notna(n) and n > 1 else "")
        return selected.assign(**{SOURCES_COLUMN: notes})
    counted = _counted_once(store_dir, version, query.datasets, query.include_demo)
    group_of = counted.group_of
    member_index = group_of.index[group_of.isin(set(in_view)).to_numpy(dtype=bool)]
    members = incidents_frame(store_dir).loc[member_index].assign(
        event_group=group_of.loc[member_index])
    blocks = sources_blocks(members, _linked(store_dir, version).links)
    return selected.assign(**{SOURCES_COLUMN: selected["event_group"].map(blocks).fillna("")})


class BelowMap(NamedTuple):
    """What the page shows under the map for one query."""

    table: pd.DataFrame  # the newest incidents, the table's columns (overview.incident_table)
    chart: dict[str, Any] | None  # Vega-Lite spec of the chart over time; None: nothing in view
    period: Period  # the chart's bars (timeline.period_for the span in view)


def below_map(store_dir: str, query: IncidentQuery, lang: str, measure: Measure) -> BelowMap:
    """Return the table and the chart of one query in one language, built once (the chart's spec
    is made once, not on every run); shared, never mutated."""
    return _below_map(store_dir, _version(store_dir), query, lang, measure)


@st.cache_resource(show_spinner=False, max_entries=32)
def _below_map(store_dir: str, version: Hashable, query: IncidentQuery, lang: str,
               measure: Measure) -> BelowMap:
    selected, _ = _selection(store_dir, version, query)
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


def trends_for(store_dir: str, query: IncidentQuery, lang: str, days: int, measure: Measure
               ) -> Trends | None:
    """Return the regions' trends over the last `days` days of one query in one language (every
    filter but the dates and regions, trends.trends_query); None when nothing is dated."""
    return _trends_for(store_dir, _version(store_dir), query, lang, days, measure)


@st.cache_resource(show_spinner=False, max_entries=32)
def _trends_for(store_dir: str, version: Hashable, query: IncidentQuery, lang: str, days: int,
                measure: Measure) -> Trends | None:
    counted = trends_query(query)
    rows, _ = _selection(store_dir, version, counted)
    dated = rows["event_date"].dropna()
    if dated.empty:
        return None
    end = query.end or dated.max().date()
    since = coverage_start(incidents_frame(store_dir), counted)
    found = region_trends(rows, end, days, measure, since=since)
    return Trends(trends_table(found, days),
                  tuple(zip(found["iso3"], found["admin1"], strict=True)),
                  trends_caption(end, days, measure))


def _clear_views() -> None:
    """Forget what was made from the incidents (they changed; entries are keyed by version, so
    this only frees the memory of those no run will ask for again)."""
    for cached in (_choices, _popup_codes, _linked, _counted_once, _selection, _view_layer,
                   _below_map, _trends_for):
        cached.clear()


def clear() -> None:
    """The store was written by this process (an upload): forget what was made from the
    incidents; they are brought up to date (only the rows written, where the store can say)
    before their next use."""
    with _lock:
        _stale.update(_replicas)
        _versions.clear()
    _clear_views()


def forget() -> None:
    """Forget everything held, the incidents too (tests; a store replaced by another)."""
    with _lock:
        _replicas.clear()
        _stale.clear()
        _versions.clear()
        _last.clear()
        _counted_seen.clear()
    _clear_views()


def store_version(store_dir: str, max_age: float | None = None) -> Hashable:
    """Return the configured store's version (`Store.version`), as read at most `max_age`
    seconds ago (default VERSION_MAX_AGE_S) by this process: the watchers of many sessions cost
    one query. Raises `StoreError` when the store is out of reach."""
    max_age = VERSION_MAX_AGE_S if max_age is None else max_age
    key = _key(store_dir)
    with _lock:
        seen = _versions.get(key)
    if seen is not None and time.monotonic() - seen[0] < max_age:
        return seen[1]
    version = replica(store_dir).store.version()
    with _lock:
        _versions[key] = (time.monotonic(), version)
    return version


def held_version(store_dir: str) -> Hashable:
    """Return the version of the incidents this process holds; NOT_HELD when it holds none."""
    held = _replicas.get(_key(store_dir))
    return NOT_HELD if held is None or not held.holds else held.version


def refresh_if_changed(store_dir: str) -> bool:
    """Bring the incidents held up to date when the store changed since they were read (an
    import from the CLI, another replica's upload): only the rows written since where the store
    can say (`Store.changes_since`), else a reload. Return whether they changed. Never raises:
    a store out of reach leaves what is held (dashboard_live says so)."""
    key = _key(store_dir)
    held = _replicas.get(key)
    if held is None or not held.holds:
        return False
    try:
        if key not in _stale and store_version(store_dir) == held.version:
            return False
        changed = held.refresh()
    except StoreError:
        return False
    _stale.discard(key)
    if changed:
        _clear_views()
    return changed


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
