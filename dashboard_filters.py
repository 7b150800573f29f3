"""The sidebar's filters: what the widgets hold (`read_filters`) → one IncidentQuery, and the
widgets themselves (`draw_filters`). Streamlit only, beside dashboard.py.

The query is read before the widgets are drawn (the map comes first, see dashboard.py): both
use the same session-state keys and FILTER_DEFAULTS.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from dashboard_cache import DEFAULT_METRIC, DEFAULT_QUERY, RegionMetric
from sahel import actors
from sahel.datasets import is_demo
from sahel.overview import FilterChoices
from sahel.query import PRECISION_LABELS, IncidentQuery, normalise_query


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


