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
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import dashboard_cache
from dashboard_access import admit_or_stop
from dashboard_below import draw_below_map
from dashboard_cache import choices_for, selection, view_layer
from dashboard_filters import draw_filters, read_filters
from dashboard_history import HISTORY_KEY, offers_history, show_history
from dashboard_language import LANGUAGE_KEY, draw_language_switch, page_language
from dashboard_link_review import LINKS_KEY, offers_link_review, show_link_review
from dashboard_live import follow_store
from dashboard_nav import MAP_PAGE, draw_page_links
from dashboard_upload import import_upload, upload_panel
from dashboard_url import LAYERS_KEY, apply_url, draw_copy_link, draw_link_note, write_url
from sahel.i18n import _, format_number, ngettext
from sahel.maps import (
    asked_for,
    base_map,
    reported_layers,
    visible_layers,
    with_editor_links,
)
from sahel.overview import Headline
from sahel.query import IncidentQuery, describe
from sahel.store import StoreError, default_store_dir

MAP_HEIGHT = 620
# A session's first run draws the map first (see above); the next run, whatever starts it, draws
# everything. The first run's fallback timer reruns the page after MAP_WAIT_S seconds.
PAGE_STARTED = "page_started"
MAP_WAIT_STARTED = "map_wait_started"
MAP_WAIT_S = 3.0
# The headline figures: a row that wraps (all five on one line from ~1,200 px wide with the
# sidebar open, two lines at 1,024 px, three on a phone), each figure as wide as its words, so
# none is ever cut. Their box is at least as high as one line, so on a wide window the map stays
# where it is when they come after it (see above).
FIGURES_KEY = "figures"
FIGURES_MIN_HEIGHT_PX = 100
FIGURES_CSS = f"<style>.st-key-{FIGURES_KEY} {{min-height: {FIGURES_MIN_HEIGHT_PX}px}}</style>"
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


@st.fragment(run_every=MAP_WAIT_S)
def rerun_if_map_is_slow() -> None:
    """On a session's first run, arm a timer. If it fires, the map has not said it painted (a
    whole run would have dropped the timer): rerun the whole page."""
    if st.session_state.get(MAP_WAIT_STARTED):
        st.rerun(scope="app")
    st.session_state[MAP_WAIT_STARTED] = True


def counted_caption(selected: pd.DataFrame) -> str:
    """Say what the figures counted in "once" mode: events, and the records they stand for."""
    records = (int(selected["group_records"].sum()) if "group_records" in selected
               else len(selected))
    return ngettext("Each event once: {events} event from {records} records.",
                    "Each event once: {events} events from {records} records.",
                    len(selected)).format(events=format_number(len(selected)),
                                          records=format_number(records))


def draw_figures(query: IncidentQuery, figures: Headline | None,
                 selected: pd.DataFrame | None = None, once: bool = False) -> None:
    """Draw the title, the query's description and the headline figures in their box; with
    `figures` None, the empty box (a session's first run, see above). `once`: the figures
    count each event once and some records are linked (else the page is as without links)."""
    st.title(_("Sahel incidents"))
    st.caption(describe(query))

    st.html(FIGURES_CSS)
    box = st.container(key=FIGURES_KEY, horizontal=True, gap="medium")
    if figures is None:
        # An empty container is not drawn at all: one blank line makes the box (and its
        # min-height) be there on the first run, so the map does not move when the figures come.
        box.markdown("&nbsp;")
        return
    if once and selected is not None:
        # Inside the box, which is as high as a figure with its caption: the map stays put.
        events = box.container(width="content", gap=None)
        events.metric(_("Incidents"), format_number(figures.incidents), help=_(
            "Records of different datasets or reports that describe one event are linked "
            "(docs/linking.md) and counted once. An event is in view when any of its sources "
            "matches the filters; the minimum fatalities applies to its counted toll. Switch "
            "off “Count each event once” in the sidebar to count every record."))
        events.caption(counted_caption(selected))
    else:
        box.metric(_("Incidents"), format_number(figures.incidents), width="content")
    fatalities = box.container(width="content", gap=None)
    low, high = format_number(figures.fatalities_low), format_number(figures.fatalities_high)
    if once:
        fatalities.metric(_("Fatalities (best)"), format_number(figures.fatalities),
                          help=_("Each event once: its toll is the lowest of its sources' best "
                                 "figures (ACLED's convention; a dataset that codes the event "
                                 "day by day gives the sum of its days; the tool's own reading "
                                 "of a report counts only when no coded record gives one); the "
                                 "range sums each event's lowest and highest figure over every "
                                 "source and claim."))
        fatalities.caption(_("lowest source's figure · range {low}–{high}").format(
            low=low, high=high))
    else:
        fatalities.metric(_("Fatalities (best)"), format_number(figures.fatalities),
                          help=_("Sum of best estimates; the range sums each incident's low and "
                                 "high."))
        fatalities.caption(_("range {low}–{high}").format(low=low, high=high))
    groups = box.container(width="content", gap=None)
    groups.metric(_("Armed groups"), format_number(figures.groups),
                  help=_("Distinct armed and state groups named for sure in view (main actors, "
                         "and associated ones when included); civilians, protesters, rioters "
                         "and unidentified attackers are not counted."))
    apart = []
    if figures.uncertain:
        apart.append(ngettext("{count} uncertain attribution", "{count} uncertain attributions",
                              figures.uncertain).format(count=format_number(figures.uncertain)))
    if figures.unresolved:
        apart.append(ngettext("{count} unresolved name", "{count} unresolved names",
                              figures.unresolved).format(count=format_number(figures.unresolved)))
    if apart:
        groups.caption(" · ".join(apart))
    box.metric(_("Regions"), format_number(figures.regions), width="content")
    dates = box.container(width="content", gap=None)
    # Written in the page's language when read (Headline.short_span, span).
    dates.metric(_("Dates"), figures.short_span)
    dates.caption(figures.span)


def main() -> None:
    """Render the page: the map first, then the figures above it, the sidebar and the rest."""
    timings: dict[str, float] = {}
    # Set before anything is sent: a run the map's message interrupts is followed by a whole one.
    first_run = not st.session_state.get(PAGE_STARTED)
    st.session_state[PAGE_STARTED] = True
    page_language(MAP_PAGE)
    # After the language is known (the title is translated); nothing has been drawn yet.
    st.set_page_config(page_title=_("Sahel incidents"), page_icon="🗺️", layout="wide")
    # Under SAHEL_AUTH=proxy|oidc, nobody the deployment cannot name sees more than a sign-in.
    admit_or_stop()
    store_dir = str(default_store_dir())
    # Another process (the CLI, another replica's upload) may have written the store.
    dashboard_cache.refresh_if_changed(store_dir)
    outcome = import_upload(store_dir)
    follow_store(store_dir)  # another replica's or the CLI's writes rerun the page (dashboard_live)
    try:
        with timed(timings, "load"):
            choices = choices_for(store_dir)
    except StoreError as error:  # e.g. a store file that is not Parquet at all
        st.title(_("Sahel incidents"))
        st.error(_("The incidents could not be loaded: {error}").format(error=error))
        return
    # A link, Back or Forward, or the way back from another page: the URL sets the filters.
    apply_url(choices)
    query, region_metric = read_filters(choices)
    with timed(timings, "filter"):
        selected, figures = selection(store_dir, query)

    top = st.container()
    with timed(timings, "map_build"):
        # st_folium renames and joins the elements it draws: give it copies, keep the cached one.
        layers = visible_layers(st.session_state.get(LAYERS_KEY))
        layer = copy.deepcopy(view_layer(store_dir, query, region_metric,
                                         st.session_state[LANGUAGE_KEY], layers))

    def keep_map_layers() -> None:
        # The user switched a map layer on or off: the map's value says which are shown; or
        # asked for an incident's history, or its sources and links, in its popup.
        value = st.session_state.get("incident_map")
        shown = reported_layers(value)
        if shown is not None:
            st.session_state[LAYERS_KEY] = shown
        for ask, key in (("history", HISTORY_KEY), ("links", LINKS_KEY)):
            asked = asked_for(value, ask)
            if asked is not None:
                st.session_state[key] = asked

    history, links = offers_history(store_dir), offers_link_review()
    if history or links:
        layer = with_editor_links(layer, history=history, links=links)

    with timed(timings, "map_send"):
        # The base map is the same for every query, so the map on the page stays and only the
        # layer is redrawn in it (streamlit-folium's feature_group_to_add).
        st_folium(base_map(MAP_HEIGHT), feature_group_to_add=layer, key="incident_map",
                  height=MAP_HEIGHT, use_container_width=True, returned_objects=[],
                  on_change=keep_map_layers)

    draw_page_links()
    if HISTORY_KEY in st.session_state:
        show_history(store_dir, st.session_state.pop(HISTORY_KEY))
    else:  # one dialog a run: a record's sources and links, kept open until dismissed
        show_link_review(store_dir)
    if first_run:
        # The sidebar is there from the start, so the map does not narrow when the filters come.
        st.sidebar.header(_("Filters"))
        st.sidebar.caption(_("The filters appear as soon as the map has painted."))
        with st.sidebar:
            rerun_if_map_is_slow()
        with top:
            draw_figures(query, None)
        report_timings(timings)
        return

    with timed(timings, "sidebar"):
        draw_language_switch()
        with st.sidebar:
            draw_copy_link(query, region_metric, choices)
        draw_filters(choices)
        upload_panel(outcome)
    with top:
        once = query.once and dashboard_cache.has_links(store_dir, query)
        draw_figures(query, figures, selected, once)
        draw_link_note(query, region_metric, choices)
        skipped = dashboard_cache.loaded(store_dir).report
        if len(skipped):
            st.warning(skipped.message())
    with timed(timings, "below_map"):
        draw_below_map(store_dir, query, selected)
    write_url(query, region_metric, choices)
    report_timings(timings)


main()
