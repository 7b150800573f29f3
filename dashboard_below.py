"""What the page shows under the map: the downloads, the table, the chart over time, the regions'
trends and the sources' attribution. Streamlit only, beside dashboard.py.

The chart and the trends table set filters: a span brushed on the chart sets the Dates filter, a
row clicked in the trends sets the Region filter. Both do it in their widget's callback, before
the next run draws the sidebar (a widget's state cannot change once it is drawn).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import geopandas as gpd
import streamlit as st

import dashboard_cache
from dashboard_cache import DEFAULT_MEASURE
from dashboard_downloads import draw_downloads
from sahel.i18n import _, current_language, format_number, ngettext
from sahel.maps import attributions
from sahel.overview import table_header
from sahel.query import IncidentQuery
from sahel.timeline import BRUSH, Period, picked_dates
from sahel.trends import DEFAULT_SPAN, MEASURES, SPAN_CHOICES, Measure
from sahel.trends import TABLE_HEADERS as TREND_HEADERS

# Session-state keys of the widgets drawn here (the filters' keys are dashboard_filters.py's).
MEASURE_KEY = "over_time_measure"
CHART_KEY = "over_time_chart"
ALL_DATES_KEY = "over_time_all_dates"
SPAN_KEY = "trends_days"
TRENDS_KEY = "trends_table"
TABLE_HEIGHT_PX = 360
TRENDS_HEIGHT_PX = 320
# The table's first columns, by canonical name, in pixels: at 1400 px wide (sidebar open) date,
# place, region, groups, type, fatalities and source are all on screen (~900 px).
TABLE_WIDTHS: dict[str, int] = {"event_date": 96, "location": 130, "admin1": 110, "groups": 190,
                                "event_type": 175, "fatalities": 80, "source": 140}


def draw_below_map(store_dir: str, query: IncidentQuery, selected: gpd.GeoDataFrame) -> None:
    """Draw the downloads, the table, the chart over time, the trends and the attribution."""
    lang = current_language()
    draw_downloads(st.container(horizontal=True), store_dir, query)
    measure: Measure = st.session_state.get(MEASURE_KEY) or DEFAULT_MEASURE
    below = dashboard_cache.below_map(store_dir, query, lang, measure)
    draw_table(below.table, len(selected))
    draw_over_time(below.chart, below.period, query)
    draw_trends(store_dir, query, lang, measure)
    st.caption(_("Sources: {credits}").format(credits=" · ".join(attributions(selected))))


def draw_table(table: Any, count: int) -> None:
    """Draw the newest incidents, the analyst's columns first and on screen."""
    if len(table) < count:
        st.caption(_("Table shows the newest {shown} of {count} incidents; the downloads have "
                     "them all.").format(shown=format_number(len(table)),
                                         count=format_number(count)))
    config: dict[str, Any] = {
        table_header(c): st.column_config.Column(width=w) for c, w in TABLE_WIDTHS.items()}
    config[table_header("event_date")] = st.column_config.DateColumn(
        width=TABLE_WIDTHS["event_date"], format="YYYY-MM-DD")
    config[table_header("fatalities")] = st.column_config.NumberColumn(
        width=TABLE_WIDTHS["fatalities"], format="%d")
    st.dataframe(table, key="incident_table", hide_index=True, height=TABLE_HEIGHT_PX,
                 placeholder="–", column_config=config)


def measure_label(measure: str) -> str:
    """Return a measure's name for the switch."""
    return _("Incidents") if measure == "incidents" else _("Fatalities")


def draw_over_time(chart: dict[str, Any] | None, period: Period, query: IncidentQuery) -> None:
    """Draw the chart over time with its switch (incidents or fatalities); a span brushed on it
    sets the Dates filter."""
    st.subheader(_("Over time"))
    controls = st.container(horizontal=True, vertical_alignment="center")
    controls.segmented_control(_("Count"), MEASURES, key=MEASURE_KEY, default=DEFAULT_MEASURE,
                               required=True, format_func=measure_label,
                               label_visibility="collapsed")
    if query.start is not None or query.end is not None:
        controls.button(_("All dates"), key=ALL_DATES_KEY, on_click=_all_dates,
                        help=_("Show every date again."))
    if chart is None:
        st.caption(_("No incidents in view."))
        return
    st.caption(_("Drag across the chart to show only those dates."))
    st.vega_lite_chart(spec=chart, width="stretch", key=CHART_KEY, selection_mode=BRUSH,
                       on_select=lambda: _dates_from_chart(period))


def _dates_from_chart(period: Period) -> None:
    """Set the Dates filter to the span brushed on the chart (whole periods, within bounds)."""
    bounds = st.session_state.get("dates_bounds")
    state = st.session_state.get(CHART_KEY)
    if not bounds or not state:
        return
    picked = picked_dates(state.get("selection", {}).get(BRUSH), period, *bounds)
    if picked is not None:
        st.session_state["dates"] = picked


def _all_dates() -> None:
    """Set the Dates filter back to every date on hand."""
    bounds: tuple[date, date] | None = st.session_state.get("dates_bounds")
    if bounds:
        st.session_state["dates"] = tuple(bounds)


def draw_trends(store_dir: str, query: IncidentQuery, lang: str, measure: Measure) -> None:
    """Draw the regions' trends over the last N days; clicking a row filters to its region."""
    st.subheader(_("Trends by region"))
    days = st.segmented_control(
        _("Days compared"), SPAN_CHOICES, key=SPAN_KEY, default=DEFAULT_SPAN, required=True,
        format_func=lambda n: ngettext("{n} day", "{n} days", n).format(n=format_number(n)))
    trends = dashboard_cache.trends_for(store_dir, query, lang, int(days or DEFAULT_SPAN),
                                        measure)
    if trends is None:
        st.caption(_("No dated incidents to compare."))
        return
    st.caption(trends.caption)
    if trends.table.empty:
        st.caption(_("No incidents in these spans."))
        return
    header = dict(zip(TREND_HEADERS, trends.table.columns, strict=True))
    config: dict[str, Any] = {
        header[c]: st.column_config.NumberColumn(format="%+d" if c.startswith("change") else "%d")
        for c in ("recent", "previous", "change", "year_earlier", "change_year")}
    config[header["stands_out"]] = st.column_config.CheckboxColumn(
        help=_("The count is well above this region's own past (see the sentence above)."))
    st.dataframe(trends.table, key=TRENDS_KEY, hide_index=True, height=TRENDS_HEIGHT_PX,
                 column_config=config, on_select=lambda: _region_from_trends(trends.regions),
                 selection_mode="single-row", placeholder="–")


def _region_from_trends(regions: tuple[tuple[str, str], ...]) -> None:
    """Set the Region filter to the region of the row clicked (and its country, when countries
    are picked and it is not one of them, so the region is on offer)."""
    state = st.session_state.get(TRENDS_KEY)
    rows = state.get("selection", {}).get("rows", []) if state else []
    if not rows or not 0 <= rows[0] < len(regions):
        return
    iso3, region = regions[rows[0]]
    countries = list(st.session_state.get("countries") or [])
    if countries and iso3 not in countries:
        st.session_state["countries"] = [*countries, iso3]
    st.session_state["regions"] = [region]
