"""The sidebar's filters: what the widgets hold (`read_filters`) → one IncidentQuery, the widgets
themselves (`draw_filters`), and setting them all at once to show a view (`show_view`, for a
link). Streamlit only, beside dashboard.py.

The query is read before the widgets are drawn (the map comes first, see dashboard.py): both
use the same session-state keys and FILTER_DEFAULTS. A view to show is kept apart (VIEW_TO_SHOW,
a key no widget has) and read as the query until the widgets are next drawn, when it is set on
them: a session's first run draws no widget, and a value set on a widget's key in a run that
does not draw it would stay in the session state as a plain value, coming back after a visit to
another page in place of the user's later picks.

The Armed group, Country and Region boxes find an option by any name the alias tables know: their
labels name the aliases the browser's filter would not find ("Tombouctou · Timbuctoo, Timbuktu"),
and a name typed then confirmed with Enter is read as the option it names ("Timbuktu →
Tombouctou", said under the box), or left out with a note when none is close.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

import streamlit as st

from dashboard_cache import DEFAULT_METRIC, DEFAULT_QUERY, RegionMetric
from sahel import actors
from sahel.datasets import is_demo
from sahel.i18n import N_, _
from sahel.option_search import Kind, Match, resolve, said, search_label
from sahel.overview import FilterChoices
from sahel.query import PRECISION_LABELS, IncidentQuery, normalise_query
from sahel.schema import OTHER_EVENT_TYPE
from sahel.view_params import describe_read_as

# The boxes that find an option by any of its names: session-state key → kind of name.
ALIAS_BOXES: dict[str, Kind] = {"groups": "group", "countries": "country", "regions": "region"}
# Box key → what typed names were read as (a Match), or the name when nothing was close.
TYPED_KEY = "filters_typed"
# A view the filters are to show (query, region shading): see the module's doc.
VIEW_TO_SHOW = "filters_view_to_show"
METRIC_LABELS = {"incidents": N_("Incidents"), "fatalities": N_("Fatalities")}
# Streamlit 1.67's date box takes a range typed in it when it loses the focus or on Escape, not
# on Enter, so a range typed then Enter did nothing: Enter in the box is passed on as Escape.
# Added once per page, in a box kept out of the layout; tests/e2e/test_url_e2e.py types a range
# then Enter.
DATE_ENTER_KEY = "date_enter"
DATE_ENTER_JS = """<style>div:has(> .st-key-date_enter) {display: none}</style>
<script>
if (!window.sahelDateEnter) {
  window.sahelDateEnter = true;
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target instanceof Element
        && event.target.closest('[data-testid="stDateInputField"]')) {
      event.target.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape", bubbles: true}));
    }
  }, true);
}
</script>"""


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
    "precisions": [], "text": DEFAULT_QUERY.text, "region_metric": DEFAULT_METRIC,
    "once": DEFAULT_QUERY.once}


def read_filters(choices: FilterChoices) -> tuple[IncidentQuery, RegionMetric]:
    """Return the canonical query the filters hold (their defaults on a first visit) and the
    region shading asked for; read names typed in the alias boxes as the options they name, and
    drop picks that the choices no longer offer."""
    state = st.session_state
    if VIEW_TO_SHOW in state:
        shown: tuple[IncidentQuery, RegionMetric] = state[VIEW_TO_SHOW]
        return shown

    def value(key: str) -> Any:
        return state.get(key, FILTER_DEFAULTS[key])

    _read_typed("groups", choices.groups)
    _read_typed("countries", list(choices.countries))
    # A region left over from another country selection would be an invalid widget value.
    region_options = choices.regions_in(tuple(value("countries")))
    _read_typed("regions", region_options, tuple(value("countries")),
                known=choices.regions_in(()))
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
        text=str(value("text")), once=bool(value("once"))))
    metric: RegionMetric = "fatalities" if value("region_metric") == "fatalities" else "incidents"
    return query, metric


def _read_typed(key: str, options: Collection[str], countries: Sequence[str] = (),
                known: Collection[str] = ()) -> None:
    """Replace the names typed in an alias box by the options they name, noting what each was
    read as (a Match) or that none was close (the name). A `known` name that is not an option
    (a region of a country no longer picked) is dropped without a word."""
    state = st.session_state
    if key not in state:
        return
    typed: dict[str, list[Match | str]] = state.setdefault(TYPED_KEY, {})
    # A note stays while the option it found stays picked.
    notes: list[Match | str] = [m for m in typed.get(key, [])
                                if isinstance(m, Match) and m.option in state[key]]
    picked: list[str] = []
    for name in map(str, state[key]):
        found: str | None = name if name in options else None
        if found is None and name not in known:
            match = resolve(ALIAS_BOXES[key], name, options, countries)
            notes.append(name if match is None else match)
            found = None if match is None else match.option
        if found is not None and found not in picked:
            picked.append(found)
    if picked != list(state[key]):
        state[key] = picked
    typed[key] = notes


def _typed_note(key: str) -> str | None:
    """Return what the names typed in a box were read as, and which nothing matched (said
    once)."""
    typed: dict[str, list[Match | str]] = st.session_state.get(TYPED_KEY, {})
    notes = typed.get(key, [])
    read_as = [n for m in notes if isinstance(m, Match)
               and (n := said(ALIAS_BOXES[key], m)) is not None]
    parts = [describe_read_as(read_as)] if read_as else []
    parts += [_('Nothing here is called "{name}".').format(name=name)
              for name in notes if isinstance(name, str)]
    typed[key] = [m for m in notes if isinstance(m, Match)]
    return " ".join(parts) or None


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


def show_view(query: IncidentQuery, region_metric: RegionMetric) -> None:
    """Make the filters show `query` (valid for the choices on hand) and the region shading from
    this run on (a link, Back or Forward); call before `read_filters`."""
    st.session_state[VIEW_TO_SHOW] = (query, region_metric)


def _set_filters(query: IncidentQuery, region_metric: RegionMetric,
                 choices: FilterChoices) -> None:
    """Set every filter's widget state to show `query` and the region shading."""
    state = st.session_state
    state.update({
        "groups": sorted(query.groups), "include_components": query.include_components,
        "include_associated": query.include_associated,
        "include_uncertain": query.include_uncertain, "datasets": sorted(query.datasets),
        "countries": sorted(query.countries), "regions": sorted(query.regions),
        "event_types": sorted(query.event_types), "min_fatalities": query.min_fatalities,
        "precisions": sorted(query.precisions), "text": query.text,
        "region_metric": region_metric, "once": query.once,
        # Marked as seen, so that `_include_demo` keeps the link's choice.
        "include_demo_default": not choices.has_user_data, "include_demo": query.include_demo})
    state.pop(TYPED_KEY, None)
    first, last = choices.first_date, choices.last_date
    if first is not None and last is not None:
        state["dates_bounds"] = (first, last)
        state["dates"] = (query.start or first, query.end or last)


def draw_filters(choices: FilterChoices) -> None:
    """Draw the filters; `read_filters` reads what they hold."""
    state = st.session_state
    if VIEW_TO_SHOW in state:
        query, region_metric = state.pop(VIEW_TO_SHOW)
        _set_filters(query, region_metric, choices)
    for key, default in FILTER_DEFAULTS.items():
        # Set rather than passed as `value=`: a link (set_filters) may set any of them too.
        state.setdefault(key, default)
    side = st.sidebar
    side.header(_("Filters"))
    side.toggle(_("Count each event once"), key="once",
                help=_("Records of different datasets or reports that describe one event "
                       "(linked: docs/linking.md) count as one event: its most precise "
                       "record's place and date, the lowest of the sources' best tolls (a "
                       "dataset coding it day by day: the sum of its days), the "
                       "range over every source and claim. An event is in view when any of "
                       "its sources matches the filters; the minimum fatalities applies to "
                       "its counted toll. Off: every record counts, stacked."))
    _alias_box(_("Armed group"), choices.groups, "groups", group_label, _("All groups"))
    side.checkbox(_("Include coalition components"), key="include_components",
                  help=actors.describe_all_coalitions())
    side.checkbox(_("Include associated actors"), key="include_associated",
                  help=_("Also count incidents where the group is an associated actor (ACLED "
                         "`assoc_actor_1/2`: e.g. Wagner beside the Malian army), not only a "
                         "main actor (actor 1 or 2). On by default."))
    side.checkbox(_("Include uncertain attributions"), key="include_uncertain",
                  help=_('Also count incidents whose perpetrator the source gives as "X and/or '
                         'Y" (the group is one candidate, not certain). Off by default; such '
                         "incidents are then counted apart in the legend."))
    side.checkbox(_("Include demonstration data"), key="include_demo",
                  help=_("The shipped examples (a UCDP sample and incidents coded from news "
                         "reports). On by default only until you import data of your own."))
    side.multiselect(_("Dataset"), dataset_options(choices), key="datasets",
                     placeholder=_("All datasets"))
    countries = _alias_box(_("Country"), list(choices.countries), "countries",
                           lambda iso3: search_label("country", iso3,
                                                     choices.countries.get(iso3, iso3)),
                           _("All countries"))
    _alias_box(_("Region"), choices.regions_in(tuple(countries)), "regions",
               lambda region: search_label("region", region, region), _("All regions"))
    first, last = choices.first_date, choices.last_date
    if first is not None and last is not None:
        state.setdefault("dates", (first, last))
        side.date_input(_("Dates"), min_value=first, max_value=last, key="dates")
        side.container(key=DATE_ENTER_KEY).html(DATE_ENTER_JS, unsafe_allow_javascript=True)
    side.multiselect(_("Event type"), choices.event_types, key="event_types",
                     # ACLED's types are data; the option grouping the others is words.
                     format_func=lambda t: _(OTHER_EVENT_TYPE) if t == OTHER_EVENT_TYPE else t,
                     placeholder=_("All event types"))
    side.number_input(_("Minimum fatalities"), min_value=0, step=1, key="min_fatalities")
    side.multiselect(_("Location precision"), list(PRECISION_LABELS), key="precisions",
                     format_func=lambda p: _(PRECISION_LABELS[p]) if p in PRECISION_LABELS
                     else str(p), placeholder=_("Any precision"))
    side.text_input(_("Search"), key="text", placeholder=_("place, region, group or notes"),
                    help=_("Finds the words in places, actors and notes; a region, country or "
                           "armed group by any of its names (Timbuktu, GSIM, EIGS) too."))
    side.radio(_("Shade regions by"), list(METRIC_LABELS), key="region_metric",
               horizontal=True, format_func=lambda m: _(METRIC_LABELS[m]))


def _alias_box(label: str, options: Sequence[str], key: str, format_func: Any,
               placeholder: str) -> list[str]:
    """Draw a multiselect that finds its options by any of their names (see the module's doc)."""
    offered = set(options)
    picked: list[str] = st.sidebar.multiselect(
        label, options, key=key, placeholder=placeholder,
        # A typed name stays as typed until `read_filters` reads it on the next run.
        format_func=lambda option: format_func(option) if option in offered else str(option),
        accept_new_options=True,
        # Enter picks the best match, not "Select all matches" (labels name aliases: more match).
        select_all=False,
        help=_("Type any of its names: aliases and other spellings are found too (Timbuktu, "
               "Tillaberi, GSIM, EIGS, Burkina)."))
    note = _typed_note(key)
    if note:
        st.sidebar.caption(note)
    return picked
