"""The page's view in its URL: the filters, the region shading, the map's layers and the language
in the query string (sahel.view_params; docs/links.md), so that reload, Back and Forward, a trip
to "Add from report" and a link sent to a colleague all show the same view. Streamlit only,
beside dashboard.py, which calls `apply_url` before it reads the filters and `write_url` at the
end of a whole run.

How Streamlit 1.67 moves the URL: when a run changes `st.query_params` the browser adds a history
entry; Back and Forward rerun the script with that entry's query string; a page switch clears the
query string, and Streamlit forgets the state of widgets a run does not draw. So each run
compares the URL with the view this session last put in it (VIEW_KEY, a key no widget has): a
different URL is a link, Back or Forward, and sets the widgets before they are drawn, unless the
widgets themselves changed since that run (the user acted: the URL the browser sent may be one
this session has not yet replaced, when two changes came within one run); an empty
URL once the main page's widgets are gone is the way back from another page, and the view is
set again. A session's first run draws no sidebar ("map first", dashboard.py): what it sets
stays in the session state for the next run, which draws the widgets.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode, urlsplit

import streamlit as st

from dashboard_cache import DEFAULT_METRIC, DEFAULT_QUERY
from dashboard_filters import read_filters, show_view
from sahel.i18n import _, negotiate, use_language
from sahel.maps import DEFAULT_LAYERS, MAP_LAYERS, visible_layers
from sahel.overview import FilterChoices
from sahel.query import IncidentQuery
from sahel.view_params import (
    ViewExtras,
    describe_dropped,
    describe_read_as,
    from_params,
    normalised,
    to_params,
)

# The view this session last showed in the URL (its parameters, every value a list).
VIEW_KEY = "url_view"
# What the last link left out or read as another name, with the view it is about.
LINK_NOTE_KEY = "url_note"
LANGUAGE_KEY = "lang"  # dashboard_language.LANGUAGE_KEY: the language switch's
LAYERS_KEY = "map_layers"  # the map's visible layers (a tuple of names), set by the map
# A widget every whole run of the main page draws: when its state is gone, the session has been
# on another page since (Streamlit drops the state of widgets a run does not draw).
MAIN_WIDGET_KEY = "region_metric"


def url_params() -> dict[str, list[str]]:
    """Return the parameters of the page's URL, every value a list."""
    return {name: st.query_params.get_all(name) for name in st.query_params}


def view_defaults(choices: FilterChoices) -> tuple[IncidentQuery, ViewExtras]:
    """Return the view of a first visit, whose values a link leaves out."""
    return (replace(DEFAULT_QUERY, include_demo=not choices.has_user_data),
            ViewExtras(region_metric=DEFAULT_METRIC, layers=DEFAULT_LAYERS,
                       lang=negotiate(st.context.locale)))


def view_params(query: IncidentQuery, region_metric: str,
                choices: FilterChoices) -> dict[str, str | list[str]]:
    """Return the URL parameters of the view on the page."""
    state = st.session_state
    extras = ViewExtras(region_metric=region_metric,
                        layers=visible_layers(state.get(LAYERS_KEY)),
                        lang=str(state.get(LANGUAGE_KEY, "en")))
    default, default_extras = view_defaults(choices)
    return to_params(query, extras, default, default_extras)


def widgets_changed(choices: FilterChoices, shown: dict[str, list[str]]) -> bool:
    """Return whether the widgets hold another view than the one this session last showed:
    this run answers a change on the page, not Back, Forward or a link."""
    query, region_metric = read_filters(choices)
    return normalised(view_params(query, region_metric, choices)) != shown


def apply_url(choices: FilterChoices) -> None:
    """Set the filters, layers and language from the URL when it is not the view this session
    last showed (see the module's doc); call before the filters are read."""
    state = st.session_state
    current = url_params()
    shown: dict[str, list[str]] = state.get(VIEW_KEY, {})
    # Back from another page: its language switch, not the view left, says the language.
    back = bool(shown) and MAIN_WIDGET_KEY not in state and not current
    if shown and MAIN_WIDGET_KEY not in state:
        # Back from another page (which cleared the URL), or the run after a link's first.
        current = current or shown
    elif current == shown:  # a rerun of the view on the page, or a first visit's clean URL
        state[VIEW_KEY] = current
        return
    elif shown and widgets_changed(choices, shown):
        # The user changed a filter, a layer or the language: the widgets win. The browser may
        # not have the URL of this session's last run yet (two changes within one run), so a
        # query string it sends with a change says nothing about Back or Forward.
        return
    default, default_extras = view_defaults(choices)
    view = from_params(current, choices, default, default_extras, MAP_LAYERS)
    show_view(view.query, "fatalities" if view.extras.region_metric == "fatalities"
              else "incidents")
    state[LAYERS_KEY] = view.extras.layers
    if not back and state.get(LANGUAGE_KEY) != view.extras.lang:
        state[LANGUAGE_KEY] = view.extras.lang
        use_language(view.extras.lang)
    state[VIEW_KEY] = current
    if view.dropped or view.read_as:
        about = normalised(to_params(view.query, view.extras, default, default_extras))
        state[LINK_NOTE_KEY] = (about, view.dropped, view.read_as)
    else:
        state.pop(LINK_NOTE_KEY, None)


def write_url(query: IncidentQuery, region_metric: str, choices: FilterChoices) -> None:
    """Put the view on the page in the URL when it is not there (a new history entry)."""
    params = view_params(query, region_metric, choices)
    if normalised(params) != url_params():
        st.query_params.from_dict(params)
    st.session_state[VIEW_KEY] = normalised(params)


def draw_link_note(query: IncidentQuery, region_metric: str, choices: FilterChoices) -> None:
    """Say what the link that opened this view left out or read as another name (while the
    view is the link's)."""
    note = st.session_state.get(LINK_NOTE_KEY)
    if note is None or note[0] != normalised(view_params(query, region_metric, choices)):
        return
    _about, dropped, read_as = note
    parts = ([describe_dropped(dropped)] if dropped else []) + (
        [describe_read_as(read_as)] if read_as else [])
    st.info(" ".join(parts), icon=":material/link:")


def draw_copy_link(query: IncidentQuery, region_metric: str, choices: FilterChoices) -> None:
    """Draw the "Copy link" control: the link to this view, with a button that copies it."""
    params = view_params(query, region_metric, choices)
    base = st.context.url or ""
    if base and not urlsplit(base).path:  # st.context.url has no "/" before the query
        base += "/"
    link = base + ("?" + urlencode(params, doseq=True) if params else "")
    with st.popover(_("Copy link"), icon=":material/link:", key="copy_link"):
        st.caption(_("This link opens this view: the same filters, map layers and language. "
                     "Copy it with the button at its right."))
        st.code(link, language=None, wrap_lines=True)
