"""The chart over time: incidents or fatalities per day, week, month or year, stacked by armed
group, as a Vega-Lite chart (Altair) whose x-span can be brushed to pick dates.

Pure: no Streamlit. The page draws `timeline_chart` with Streamlit's bundled Vega-Lite (offline)
and turns a brushed span into its Dates filter with `picked_dates`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import altair as alt
import pandas as pd

from sahel.i18n import N_, _, babel_locale, format_date
from sahel.palette import OTHER_COLOR, PALETTE, group_colors
from sahel.trends import Measure

Period = Literal["day", "week", "month", "year"]
# The bars of a view, from its span of dates: days up to two months (a one-month view is ~30
# bars, not one), weeks up to two years, months up to eight, years beyond (at most ~100 bars).
PERIOD_LIMITS: tuple[tuple[int, Period], ...] = ((62, "day"), (731, "week"), (2922, "month"))
FREQUENCIES: dict[Period, str] = {"day": "D", "week": "W-MON", "month": "MS", "year": "YS"}
# The groups in colour, as on the map's legend: the commonest first actors' groups, as many as
# the palette has colours; the rest, and incidents naming no actor, are one grey OTHER_GROUPS.
CHART_GROUPS = len(PALETTE)
OTHER_GROUPS = N_("Other groups")
# The interval selection's name: Streamlit reports the brushed span under it.
BRUSH = "span"
CHART_HEIGHT = 240
FONT_SIZE = 12
# Legend names past this many pixels end in "…" (the tooltip has them whole): two columns of
# them fit a phone's 390 px.
LEGEND_LABEL_PX = 150
Y_TITLES: dict[tuple[Measure, Period], str] = {
    ("incidents", "day"): N_("Incidents per day"),
    ("incidents", "week"): N_("Incidents per week"),
    ("incidents", "month"): N_("Incidents per month"),
    ("incidents", "year"): N_("Incidents per year"),
    ("fatalities", "day"): N_("Fatalities per day"),
    ("fatalities", "week"): N_("Fatalities per week"),
    ("fatalities", "month"): N_("Fatalities per month"),
    ("fatalities", "year"): N_("Fatalities per year")}


def period_for(first: date, last: date) -> Period:
    """Return the bar width for a view from `first` to `last` (PERIOD_LIMITS)."""
    days = (last - first).days
    for limit, period in PERIOD_LIMITS:
        if days <= limit:
            return period
    return "year"


def view_period(incidents: pd.DataFrame) -> Period:
    """Return the bar width for the span of dates of `incidents` (days when none is dated)."""
    dates = incidents["event_date"].dropna()
    if dates.empty:
        return "day"
    return period_for(dates.min().date(), dates.max().date())


def period_start(days: pd.Series, period: Period) -> pd.Series:
    """Return the first day of the period each timestamp falls in (weeks start on Monday)."""
    day = days.dt.normalize()
    if period == "day":
        return day
    if period == "week":
        return day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    if period == "month":
        return day - pd.to_timedelta(day.dt.day - 1, unit="D")
    return pd.to_datetime(day.dt.year.astype("str") + "-01-01")


def period_end(start: pd.Timestamp, period: Period) -> pd.Timestamp:
    """Return the first day of the period after the one starting at `start`."""
    return start + pd.tseries.frequencies.to_offset(FREQUENCIES[period])


def incidents_over_time(incidents: pd.DataFrame, period: Period | None = None,
                        top: int = CHART_GROUPS) -> pd.DataFrame:
    """Return incidents and fatalities per period and main group (the `top` commonest first
    actors' groups, ties by name; the rest and incidents naming no actor as OTHER_GROUPS), one
    row each with the period's `start` and `end` (first day of the next), ordered by period then
    group rank.

    The period is chosen from the span of dates (`period_for`) unless given.
    """
    columns = ["start", "end", "group", "rank", "incidents", "fatalities"]
    dated = incidents.dropna(subset=["event_date"])
    if dated.empty:
        return pd.DataFrame(columns=columns)
    period = period or view_period(dated)
    group = dated["group1"].fillna("").astype("str")
    counts = group[group != ""].value_counts()
    main = sorted(counts.index, key=lambda g: (-counts[g], g))[:top]
    group = group.where(group.isin(main), OTHER_GROUPS)
    counts = (pd.DataFrame({"start": period_start(dated["event_date"], period), "group": group,
                            "fatalities": dated["fatalities"].fillna(0).astype("int64")})
              .groupby(["start", "group"], sort=False)["fatalities"].agg(["size", "sum"])
              .reset_index().rename(columns={"size": "incidents", "sum": "fatalities"}))
    ranks = {g: k for k, g in enumerate([*main, OTHER_GROUPS])}
    counts["rank"] = counts["group"].map(ranks)
    counts["end"] = counts["start"].map({s: period_end(s, period)
                                         for s in counts["start"].unique()})
    counts = counts.sort_values(["start", "rank"], kind="stable").reset_index(drop=True)
    return counts[columns].astype({"incidents": "int64", "fatalities": "int64", "rank": "int64"})


def chart_colors(counts: pd.DataFrame) -> dict[str, str]:
    """Return the colour of each group of `incidents_over_time` counts: the map's (the same
    palette given the same groups in the same order), grey for OTHER_GROUPS."""
    names = list(dict.fromkeys(counts.sort_values("rank", kind="stable")["group"]))
    return dict(zip(names, group_colors(names, grey={OTHER_GROUPS}), strict=True))


def period_label(start: pd.Timestamp, period: Period) -> str:
    """Return how a period is named in a tooltip, in the current language."""
    if period == "day":
        return format_date(start.date(), "EEE d MMM yyyy")
    if period == "week":
        return _("week of {date}").format(date=format_date(start.date(), "d MMM yyyy"))
    if period == "month":
        return format_date(start.date(), "MMMM yyyy")
    return str(start.year)


def vega_locale(language: str | None = None) -> dict[str, Any]:
    """Return Vega's number and time locale for a language, from Babel's data (month and day
    names on the axis, thousands separators in tooltips)."""
    found = babel_locale(language)
    months = found.months["format"]
    days = found.days["format"]
    symbols = found.number_symbols["latn"]
    # Babel numbers days from Monday (0), d3 from Sunday.
    week = [6, 0, 1, 2, 3, 4, 5]
    return {
        "number": {"decimal": symbols["decimal"], "thousands": symbols["group"],
                   "grouping": [3], "currency": ["", ""]},
        "time": {"dateTime": "%x %X", "date": "%d/%m/%Y", "time": "%H:%M:%S",
                 "periods": ["AM", "PM"],
                 "days": [days["wide"][d] for d in week],
                 "shortDays": [days["abbreviated"][d] for d in week],
                 "months": [months["wide"][m] for m in range(1, 13)],
                 "shortMonths": [months["abbreviated"][m] for m in range(1, 13)]}}


def timeline_chart(counts: pd.DataFrame, colors: Mapping[str, str], measure: Measure,
                   period: Period, language: str | None = None) -> alt.Chart:
    """Return the stacked bar chart of `counts` (`incidents_over_time`) for `measure`, each group
    in its colour, its x-span brushable (selection BRUSH); as wide as its container, its text
    12 px at every width; words in the current language."""
    data = counts.assign(
        start=counts["start"].dt.strftime("%Y-%m-%d"), end=counts["end"].dt.strftime("%Y-%m-%d"),
        label=counts["start"].map({s: period_label(s, period) for s in counts["start"].unique()}),
        group=counts["group"].replace({OTHER_GROUPS: _(OTHER_GROUPS)}))
    # Stacked here, in the groups' order: Vega-Lite does not stack bars that have an x2.
    data = data.sort_values(["start", "rank"], kind="stable")
    data["top"] = data.groupby("start")[measure].cumsum()
    data["bottom"] = data["top"] - data[measure]
    groups = list(dict.fromkeys(data.sort_values("rank")["group"]))
    palette = [colors.get(g, OTHER_COLOR) for g in
               dict.fromkeys(counts.sort_values("rank")["group"])]
    brush = alt.selection_interval(name=BRUSH, encodings=["x"])
    bars = alt.Chart(data).mark_bar(stroke="white", strokeWidth=0.5).encode(
        x=alt.X("start:T", title=None, scale=alt.Scale(type="utc"),
                axis=alt.Axis(labelOverlap=True, labelFlush=True, grid=False)),
        x2="end:T",
        y=alt.Y("top:Q", title=_(Y_TITLES[(measure, period)]),
                axis=alt.Axis(format=",d", tickMinStep=1)),
        y2="bottom:Q",
        color=alt.Color("group:N", sort=groups, scale=alt.Scale(domain=groups, range=palette),
                        legend=alt.Legend(title=_("Armed group (first actor)"), orient="bottom",
                                          columns=2, labelLimit=LEGEND_LABEL_PX)),
        tooltip=[alt.Tooltip("label:N", title=_("Period")),
                 alt.Tooltip("group:N", title=_("Armed group")),
                 alt.Tooltip("incidents:Q", title=_("Incidents"), format=","),
                 alt.Tooltip("fatalities:Q", title=_("Fatalities"), format=",")],
    ).add_params(brush).properties(
        width="container", height=CHART_HEIGHT,
        # The width fits the page; the height is the plot's, the legend comes below it.
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    return bars.configure(locale=vega_locale(language)).configure_axis(
        labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE).configure_legend(
        labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, symbolSize=120)


def picked_dates(selection: Mapping[str, Any] | None, period: Period, first: date, last: date
                 ) -> tuple[date, date] | None:
    """Return the dates a brushed span covers, widened to whole periods and kept within `first`
    and `last`; None when nothing usable is brushed.

    `selection` is what Streamlit reports for the chart's BRUSH: {"start": [a, b]}, each end a
    time in milliseconds since 1970 (UTC) or an ISO date.
    """
    ends = (selection or {}).get("start")
    if not isinstance(ends, (list, tuple)) or len(ends) != 2:
        return None
    try:
        low, high = sorted(_instant(v) for v in ends)
    except (TypeError, ValueError, OverflowError):
        return None
    # A brush ending on a period's first instant ends with the period before.
    start = period_start(pd.Series([pd.Timestamp(low)]), period).iloc[0].date()
    last_instant = max(high - timedelta(milliseconds=1), low)
    end_start = period_start(pd.Series([pd.Timestamp(last_instant)]), period).iloc[0]
    end = (period_end(end_start, period) - pd.Timedelta(days=1)).date()
    start, end = max(start, first), min(end, last)
    return (start, end) if start <= end else None


def _instant(value: Any) -> datetime:
    if isinstance(value, bool):
        raise TypeError("not a time")
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, tz=UTC).replace(tzinfo=None)
    if isinstance(value, str):
        return pd.Timestamp(value).tz_localize(None).to_pydatetime()
    raise TypeError("not a time")
