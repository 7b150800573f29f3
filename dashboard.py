"""sahel-incidents dashboard: sidebar filters → one IncidentQuery → sahel → map, figures, table.

Run with `make run` (python serve.py dashboard.py: `streamlit run` with TCP_NODELAY, see serve.py).
Streamlit only: every computation is in `sahel`; this file reads widgets and renders, and its
shared caches are in `dashboard_cache.py` (so that `serve.py` can fill them before a visit).

Map first. The map is sent to the browser before the figures, the sidebar and the table,
although the sidebar sets the query: the query is read from the widgets' state (`read_filters`),
which Streamlit holds before the widgets are drawn (`draw_filters`, with the same
FILTER_DEFAULTS). And a session's first run draws only the title, the query's description and
the map (the sidebar has its header, the figures their empty box): on a first visit the browser
compiles and lays out every element kind the page has, and the sidebar's widgets and the table
delayed the map's paint by ~0.9 s on this machine, the five metrics by ~0.1 s. The map says
when it has painted (`incident_layer(tell_streamlit=True)` sets its st_folium value), which
reruns the script, and every later run draws the whole page. Should the map not say so,
`rerun_if_map_is_slow` reruns the page after MAP_WAIT_S.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, NamedTuple

import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

import dashboard_cache
from dashboard_cache import (
    DEFAULT_METRIC,
    DEFAULT_QUERY,
    RegionMetric,
    choices_for,
    incidents_frame,
    selection,
    view_layer,
)
from sahel import actors
from sahel.datasets import DatasetError, is_demo
from sahel.export import to_csv_bytes
from sahel.maps import attributions, base_map
from sahel.overview import FilterChoices, Headline
from sahel.query import PRECISION_LABELS, IncidentQuery, describe, filter_incidents, normalise_query
from sahel.sources import SourceError, read_incidents
from sahel.store import IncidentStore, StoreError, default_store_dir

UPLOAD_TYPES = ["csv", "xlsx", "geojson", "json", "parquet"]
MAP_HEIGHT = 620
# A session's first run draws the map first (see above); the next run, whatever starts it, draws
# everything. The first run's fallback timer reruns the page after MAP_WAIT_S seconds.
PAGE_STARTED = "page_started"
MAP_WAIT_STARTED = "map_wait_started"
MAP_WAIT_S = 3.0
# The headline figures' box: its height holds their row (label, value, one or two lines of note)
# down to a ~1,000 px wide window, so the map stays where it is when they come.
FIGURES_HEIGHT_PX = 140
# bench/bench_dashboard.py sets this to read how long each part of a script run takes.
TIMINGS_ENV = "SAHEL_TIMINGS"


@contextmanager
def timed(timings: dict[str, float], phase: str) -> Iterator[None]:
    """Add the seconds spent in the block to `timings[phase]`."""
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[phase] = timings.get(phase, 0.0) + time.perf_counter() - started


def report_timings(timings: dict[str, float]) -> None:
    """Print one `sahel-timings {json}` line on the server's output when TIMINGS_ENV is set."""
    if os.environ.get(TIMINGS_ENV) == "1":
        print("sahel-timings " + json.dumps({k: round(v, 4) for k, v in timings.items()}),
              file=sys.stderr, flush=True)


def group_label(name: str) -> str:
    """Return a group's name with its long label when the alias table knows it."""
    try:
        label = actors.group_info(name).label
    except (KeyError, ValueError):
        return name
    return name if label in ("", name) else f"{name} — {label}"


# The widgets' values on a first visit: the default query (dashboard_cache.DEFAULT_QUERY, the view
# serve.py prepares) with its region shading.
FILTER_DEFAULTS: dict[str, Any] = {
    "groups": [], "include_components": DEFAULT_QUERY.include_components,
    "include_associated": DEFAULT_QUERY.include_associated,
    "include_uncertain": DEFAULT_QUERY.include_uncertain, "datasets": [], "countries": [],
    "regions": [], "event_types": [], "min_fatalities": DEFAULT_QUERY.min_fatalities,
    "precisions": [], "text": DEFAULT_QUERY.text, "region_metric": DEFAULT_METRIC}


def read_filters(choices: FilterChoices) -> tuple[IncidentQuery, RegionMetric]:
    """Return the canonical query the filters hold (their defaults on a first visit) and the
    region shading asked for; drop picks that the choices no longer offer."""
    state = st.session_state

    def value(key: str) -> Any:
        return state.get(key, FILTER_DEFAULTS[key])

    # A region left over from another country selection would be an invalid widget value.
    region_options = choices.regions_in(tuple(value("countries")))
    if "regions" in state:
        state["regions"] = [r for r in state["regions"] if r in region_options]
    start, end = _date_range(choices.first_date, choices.last_date)
    include_demo = _include_demo(choices)
    if "datasets" in state:
        state["datasets"] = [d for d in state["datasets"] if d in dataset_options(choices)]
    query = normalise_query(IncidentQuery(
        groups=frozenset(value("groups")), include_components=bool(value("include_components")),
        include_associated=bool(value("include_associated")),
        include_uncertain=bool(value("include_uncertain")),
        datasets=frozenset(value("datasets")), include_demo=include_demo,
        countries=frozenset(value("countries")), regions=frozenset(value("regions")),
        start=start, end=end, event_types=frozenset(value("event_types")),
        min_fatalities=int(value("min_fatalities")), precisions=frozenset(value("precisions")),
        text=str(value("text"))))
    metric: RegionMetric = "fatalities" if value("region_metric") == "fatalities" else "incidents"
    return query, metric


def _include_demo(choices: FilterChoices) -> bool:
    """Return whether the shipped demonstration data is counted: as the checkbox says, which
    starts on only while the user has no data of their own (and starts again when that
    changes, e.g. after a first upload)."""
    default = not choices.has_user_data
    if st.session_state.get("include_demo_default") != default:
        st.session_state["include_demo_default"] = default
        st.session_state["include_demo"] = default
    return bool(st.session_state.get("include_demo", default))


def dataset_options(choices: FilterChoices) -> list[str]:
    """Return the datasets the Dataset filter offers (the demonstration ones only when counted)."""
    demo = bool(st.session_state.get("include_demo", not choices.has_user_data))
    return [d for d in choices.datasets if demo or not is_demo(d)]


def _date_range(first: date | None, last: date | None) -> tuple[date | None, date | None]:
    if first is None or last is None:
        return None, None
    # New data (an upload) can widen the range: a range picked within the old bounds is reset.
    if st.session_state.get("dates_bounds") != (first, last):
        st.session_state["dates_bounds"] = (first, last)
        st.session_state.pop("dates", None)
    picked = st.session_state.get("dates", (first, last))
    values = list(picked) if isinstance(picked, (tuple, list)) else [picked]
    # While the user is picking, the range has only its first end: keep the other open.
    start = values[0] if values else None
    end = values[1] if len(values) > 1 else None
    return (None if start == first else start), (None if end == last else end)


def draw_filters(choices: FilterChoices) -> None:
    """Draw the filters; `read_filters` reads what they hold."""
    side = st.sidebar
    side.header("Filters")
    side.multiselect("Armed group", choices.groups, key="groups", format_func=group_label,
                     placeholder="All groups")
    side.checkbox("Include coalition components", key="include_components",
                  value=bool(FILTER_DEFAULTS["include_components"]),
                  help=actors.describe_all_coalitions())
    side.checkbox("Include associated actors", key="include_associated",
                  value=bool(FILTER_DEFAULTS["include_associated"]),
                  help="Also count incidents where the group is an associated actor (ACLED "
                       "`assoc_actor_1/2`: e.g. Wagner beside the Malian army), not only a "
                       "main actor (actor 1 or 2). On by default.")
    side.checkbox("Include uncertain attributions", key="include_uncertain",
                  value=bool(FILTER_DEFAULTS["include_uncertain"]),
                  help='Also count incidents whose perpetrator the source gives as "X and/or '
                       'Y" (the group is one candidate, not certain). Off by default; such '
                       "incidents are then counted apart in the legend.")
    side.checkbox("Include demonstration data", key="include_demo",
                  help="The shipped examples (a UCDP sample and incidents coded from news "
                       "reports). On by default only until you import data of your own.")
    side.multiselect("Dataset", dataset_options(choices), key="datasets",
                     placeholder="All datasets")
    countries = side.multiselect("Country", list(choices.countries), key="countries",
                                 format_func=lambda iso3: choices.countries.get(iso3, iso3),
                                 placeholder="All countries")
    side.multiselect("Region", choices.regions_in(tuple(countries)), key="regions",
                     placeholder="All regions")
    first, last = choices.first_date, choices.last_date
    if first is not None and last is not None:
        side.date_input("Dates", value=(first, last), min_value=first, max_value=last,
                        key="dates")
    side.multiselect("Event type", choices.event_types, key="event_types",
                     placeholder="All event types")
    side.number_input("Minimum fatalities", min_value=0, step=1, key="min_fatalities",
                      value=int(FILTER_DEFAULTS["min_fatalities"]))
    side.multiselect("Location precision", list(PRECISION_LABELS), key="precisions",
                     format_func=lambda p: PRECISION_LABELS.get(p, str(p)),
                     placeholder="Any precision")
    side.text_input("Search", key="text", placeholder="place, region, group or notes",
                    help="Finds the words in places, actors and notes; a region, country or "
                         "armed group by any of its names (Timbuktu, GSIM, EIGS) too.")
    metrics = ["incidents", "fatalities"]
    side.radio("Shade regions by", metrics, key="region_metric", horizontal=True,
               index=metrics.index(str(FILTER_DEFAULTS["region_metric"])))


class UploadOutcome(NamedTuple):
    """What importing one uploaded file did, as the sidebar reports it."""

    name: str
    message: str
    failed: bool
    rejects: bytes


def import_upload(store_dir: str) -> UploadOutcome | None:
    """Add the file in the uploader (drawn later, by `upload_panel`) to the store, once."""
    upload = st.session_state.get("upload")
    if upload is None:
        return None
    done: dict[str, UploadOutcome] = st.session_state.setdefault("imported_uploads", {})
    if upload.file_id not in done:
        done[upload.file_id] = _import(store_dir, upload)
    return done[upload.file_id]


def _import(store_dir: str, upload: Any) -> UploadOutcome:
    try:
        return _import_checked(store_dir, upload)
    except Exception as error:  # a bug of ours: one sentence here, the traceback in the log
        traceback.print_exc(file=sys.stderr)
        return UploadOutcome(upload.name, f"{upload.name} was not imported: an unexpected "
                             f"{type(error).__name__} (the server's log has the details; "
                             "please report it)", True, b"")


def _import_checked(store_dir: str, upload: Any) -> UploadOutcome:
    try:
        result = read_incidents(upload, name=upload.name)
    except SourceError as error:
        return UploadOutcome(upload.name, f"{upload.name} was not imported: {error}", True, b"")
    store = IncidentStore(store_dir)
    try:
        summary = store.add_import(result)
        rejects = (store.write_rejects(result.rejected, result.source_name).read_bytes()
                   if len(result.rejected) else b"")
    except (OSError, DatasetError) as error:
        return UploadOutcome(upload.name, f"{upload.name} was not imported: {error}", True, b"")
    if result.failed:
        reasons = "; ".join(f"{reason} ({count:,})" for reason, count in result.top_reasons(3))
        message = (f"{upload.name} was not imported: none of its {result.rows_read:,} rows "
                   f"could be kept" + (f". Commonest reasons: {reasons}." if reasons else "."))
        return UploadOutcome(upload.name, message, True, rejects)
    dashboard_cache.clear()
    older = f", {summary.older:,} older than stored" if summary.older else ""
    message = (f"{upload.name} ({result.format}): {result.rows_read:,} rows read · "
               f"{result.kept:,} kept ({result.flagged:,} flagged) · {len(result.rejected):,} "
               f"rejected · store: {summary.added:,} added, {summary.updated:,} updated{older} "
               f"· dataset \"{summary.dataset}\"")
    return UploadOutcome(upload.name, message, False, rejects)


def upload_panel(outcome: UploadOutcome | None) -> None:
    """Draw the uploader with what importing its file did."""
    side = st.sidebar
    side.header("Add data")
    side.file_uploader("ACLED / UCDP export or canonical CSV, GeoJSON, GeoParquet",
                       type=UPLOAD_TYPES, key="upload")
    if outcome is None:
        return
    if outcome.failed:
        side.error(outcome.message)
    else:
        side.success(outcome.message)
    if outcome.rejects:
        side.download_button("Download rejected rows (CSV)", outcome.rejects, key="rejects",
                             file_name=f"rejected_{outcome.name}.csv", mime="text/csv",
                             on_click="ignore")


@st.fragment(run_every=MAP_WAIT_S)
def rerun_if_map_is_slow() -> None:
    """On a session's first run, arm a timer. If it fires, the map has not said it painted (a
    whole run would have dropped the timer): rerun the whole page."""
    if st.session_state.get(MAP_WAIT_STARTED):
        st.rerun(scope="app")
    st.session_state[MAP_WAIT_STARTED] = True


def draw_figures(query: IncidentQuery, figures: Headline | None) -> None:
    """Draw the title, the query's description and the headline figures in their box; with
    `figures` None, the empty box (a session's first run, see above)."""
    st.title("Sahel incidents")
    st.caption(describe(query))
    box = st.container(height=FIGURES_HEIGHT_PX, border=False)
    if figures is None:
        return
    cols = box.columns([1, 1.2, 1, 1, 2])
    cols[0].metric("Incidents", f"{figures.incidents:,}")
    cols[1].metric("Fatalities (best)", f"{figures.fatalities:,}",
                   help="Sum of best estimates; the range sums each incident's low and high.")
    cols[1].caption(f"range {figures.fatalities_low:,}–{figures.fatalities_high:,}")
    cols[2].metric("Armed groups", f"{figures.groups:,}",
                   help="Distinct armed and state groups named for sure in view (main actors, "
                        "and associated ones when included); civilians, protesters, rioters "
                        "and unidentified attackers are not counted.")
    apart = [f"{figures.uncertain:,} uncertain attribution"
             + ("s" if figures.uncertain != 1 else "")] if figures.uncertain else []
    if figures.unresolved:
        apart.append(f"{figures.unresolved:,} unresolved name"
                     + ("s" if figures.unresolved != 1 else ""))
    if apart:
        cols[2].caption(" · ".join(apart))
    cols[3].metric("Regions", f"{figures.regions:,}")
    cols[4].metric("Dates", figures.short_span)
    cols[4].caption(figures.span)


def draw_below_map(store_dir: str, query: IncidentQuery, selected: gpd.GeoDataFrame) -> None:
    """Draw the CSV download, the table, the chart over time and the sources' attribution."""
    left, right = st.columns([3, 2])
    left.download_button("Download CSV", csv_builder(store_dir, query), key="download_csv",
                         file_name="sahel_incidents.csv", mime="text/csv", on_click="ignore",
                         help="Exactly the filtered rows, every column; opens in Excel.")
    shown, timeline = dashboard_cache.below_map(store_dir, query)
    if len(shown) < len(selected):
        left.caption(f"Table shows the newest {len(shown):,} of {len(selected):,} incidents; "
                     "the CSV has them all.")
    left.dataframe(shown, key="incident_table", hide_index=True, height=360, placeholder="–")
    right.subheader("Incidents over time")
    if timeline is None:
        right.caption("No incidents in view.")
    else:
        # An image: st.html's sanitiser drops SVG elements.
        right.image(timeline)
    st.caption("Sources: " + " · ".join(attributions(selected)))


def csv_builder(store_dir: str, query: IncidentQuery) -> Callable[[], bytes]:
    """Return a callable building the filtered CSV, so it is built only when clicked."""
    return lambda: to_csv_bytes(filter_incidents(incidents_frame(store_dir), query))


def main() -> None:
    """Render the page: the map first, then the figures above it, the sidebar and the rest."""
    timings: dict[str, float] = {}
    st.set_page_config(page_title="Sahel incidents", page_icon="🗺️", layout="wide")
    # Set before anything is sent: a run the map's message interrupts is followed by a whole one.
    first_run = not st.session_state.get(PAGE_STARTED)
    st.session_state[PAGE_STARTED] = True
    store_dir = str(default_store_dir())
    # Another process (the CLI, another replica's upload) may have written the store.
    dashboard_cache.refresh_if_changed(store_dir)
    outcome = import_upload(store_dir)
    try:
        with timed(timings, "load"):
            choices = choices_for(store_dir)
    except StoreError as error:  # e.g. a store file that is not Parquet at all
        st.title("Sahel incidents")
        st.error(str(error))
        return
    query, region_metric = read_filters(choices)
    with timed(timings, "filter"):
        selected, figures = selection(store_dir, query)

    top = st.container()
    with timed(timings, "map_build"):
        # st_folium renames and joins the elements it draws: give it copies, keep the cached one.
        layer = copy.deepcopy(view_layer(store_dir, query, region_metric))
    with timed(timings, "map_send"):
        # The base map is the same for every query, so the map on the page stays and only the
        # layer is redrawn in it (streamlit-folium's feature_group_to_add).
        st_folium(base_map(MAP_HEIGHT), feature_group_to_add=layer, key="incident_map",
                  height=MAP_HEIGHT, use_container_width=True, returned_objects=[])

    if first_run:
        # The sidebar is there from the start, so the map does not narrow when the filters come.
        st.sidebar.header("Filters")
        st.sidebar.caption("The filters appear as soon as the map has painted.")
        with st.sidebar:
            rerun_if_map_is_slow()
        with top:
            draw_figures(query, None)
        report_timings(timings)
        return

    with timed(timings, "sidebar"):
        draw_filters(choices)
        upload_panel(outcome)
    with top:
        draw_figures(query, figures)
        skipped = dashboard_cache.loaded(store_dir).report
        if len(skipped):
            st.warning(skipped.message())
    with timed(timings, "below_map"):
        draw_below_map(store_dir, query, selected)
    report_timings(timings)


main()
