"""What the dashboard shows around the map: filter choices, headline figures, table, time chart.

Pure functions over canonical incidents, so `dashboard.py` stays widgets-and-rendering only and
everything here is tested without Streamlit.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from datetime import date

import pandas as pd

from sahel import actors, group_match, places
from sahel.datasets import is_demo
from sahel.schema import COLUMNS_BY_NAME

# The columns an analyst reads first, in that order; the download has every column.
TABLE_COLUMNS: tuple[str, ...] = ("event_date", "location", "admin1", "country", "group1",
                                  "group2", "event_type", "sub_event_type", "fatalities",
                                  "fatalities_low", "fatalities_high", "geo_precision", "source",
                                  "event_id")
TABLE_MAX_ROWS = 1000
CHART_GROUPS = 8
OTHER_GROUPS = "Other groups"
# The time chart in SVG user units: about the width of its column in a laptop's window, so its
# 12 px text is drawn near 12 px (at 520 wide it was scaled to ~8 px). The legend has two columns.
CHART_WIDTH, CHART_HEIGHT, CHART_LEFT, CHART_BOTTOM = 380, 300, 40, 22
LEGEND_COLUMNS, LEGEND_COLUMN_WIDTH, LEGEND_NAME_CHARS = 2, 165, 24


@dataclass(frozen=True)
class FilterChoices:
    """The values each sidebar filter offers, taken from the incidents on hand."""

    groups: tuple[str, ...]
    countries: dict[str, str]  # ISO3 → country name
    regions: dict[str, tuple[str, ...]]  # ISO3 → canonical admin-1 names with incidents
    event_types: tuple[str, ...]
    first_date: date | None
    last_date: date | None
    datasets: tuple[str, ...] = ()  # dataset names, the user's first, then the demonstration ones

    @property
    def has_user_data(self) -> bool:
        """Return whether any dataset is the user's (then demonstration data is left out by
        default)."""
        return any(not is_demo(d) for d in self.datasets)

    def regions_in(self, countries: frozenset[str] | set[str] | tuple[str, ...]) -> list[str]:
        """Return the regions of the given countries (of all countries when none is given)."""
        chosen = countries or tuple(self.regions)
        return sorted({r for c in chosen for r in self.regions.get(c, ())})


@dataclass(frozen=True)
class Headline:
    """The figures above the map: counts, fatalities with their range, span of dates."""

    incidents: int
    fatalities: int
    fatalities_low: int
    fatalities_high: int
    groups: int  # distinct canonical armed and state groups named for sure
    regions: int
    first_date: date | None
    last_date: date | None
    uncertain: int = 0  # incidents whose perpetrator is an uncertain attribution ("X and/or Y")
    unresolved: int = 0  # distinct actor names the alias table does not know

    @property
    def span(self) -> str:
        """Return the exact date span ("2023-11-24 → 2024-02-01"; "–" when empty)."""
        if self.first_date is None or self.last_date is None:
            return "–"
        if self.first_date == self.last_date:
            return self.first_date.isoformat()
        return f"{self.first_date.isoformat()} → {self.last_date.isoformat()}"

    @property
    def short_span(self) -> str:
        """Return the span short enough for a metric: in months ("Nov 2023 – Feb 2024"), in
        years when they are two or more apart ("1989 – 2025"; the exact span is beside it)."""
        if self.first_date is None or self.last_date is None:
            return "–"
        if self.last_date.year - self.first_date.year >= 2:
            return f"{self.first_date.year} – {self.last_date.year}"
        first, last = f"{self.first_date:%b %Y}", f"{self.last_date:%b %Y}"
        return first if first == last else f"{first} – {last}"


def filter_choices(incidents: pd.DataFrame) -> FilterChoices:
    """Return the groups, countries, regions, event types and date range present in `incidents`."""
    groups = group_match.all_candidates(incidents)
    names = incidents["dataset_name"].dropna().astype("str").unique()
    datasets = tuple(sorted(names, key=lambda d: (is_demo(d), d.casefold())))
    located = incidents.dropna(subset=["iso3"])
    regions = {str(iso3): tuple(sorted(rows["admin1"].dropna().unique()))
               for iso3, rows in located.groupby("iso3")}
    countries = {iso3: places.country_name(iso3) or iso3 for iso3 in sorted(regions)}
    dates = incidents["event_date"].dropna()
    return FilterChoices(
        groups=tuple(sorted(groups, key=str.casefold)), countries=countries, regions=regions,
        event_types=tuple(sorted(incidents["event_type"].dropna().unique())),
        first_date=dates.min().date() if len(dates) else None,
        last_date=dates.max().date() if len(dates) else None, datasets=datasets)


def headline(incidents: pd.DataFrame, include_associated: bool = True) -> Headline:
    """Return the headline figures; the range sums each incident's low and high (best if none).

    "Armed groups" counts the distinct canonical armed and state groups named for sure (main
    actors, and associated ones when `include_associated`); civilians, protesters, rioters and
    unidentified attackers are not groups, uncertain attributions and names the alias table does
    not know are counted apart.
    """
    best = incidents["fatalities"]
    low = incidents["fatalities_low"].fillna(best)
    high = incidents["fatalities_high"].fillna(best)
    named = group_match.distinct_groups(incidents, include_associated)
    known = {g.name for g in actors.all_groups()}
    dates = incidents["event_date"].dropna()
    return Headline(
        incidents=len(incidents), fatalities=int(best.sum()), fatalities_low=int(low.sum()),
        fatalities_high=int(high.sum()),
        groups=sum(1 for g in named if actors.is_armed_group(g)),
        regions=int(incidents[["iso3", "admin1"]].dropna().drop_duplicates().shape[0]),
        first_date=dates.min().date() if len(dates) else None,
        last_date=dates.max().date() if len(dates) else None,
        uncertain=int(group_match.uncertain_rows(incidents).sum()),
        unresolved=len(named - known))


def incident_table(incidents: pd.DataFrame, limit: int = TABLE_MAX_ROWS) -> pd.DataFrame:
    """Return the first `limit` incidents with the analyst's columns, labelled for people."""
    table = pd.DataFrame(incidents[list(TABLE_COLUMNS)].head(limit)).reset_index(drop=True)
    table["event_date"] = table["event_date"].dt.date
    return table.rename(columns={c: COLUMNS_BY_NAME[c].label for c in TABLE_COLUMNS})


def incidents_over_time(incidents: pd.DataFrame, top: int = CHART_GROUPS) -> pd.DataFrame:
    """Return incidents per week (spans under a year) or month, one column per main group.

    Every period from the first to the last is a row, those without incidents too (zeros), so
    that a chart of the rows keeps time to scale.
    """
    dated = incidents.dropna(subset=["event_date"])
    if dated.empty:
        return pd.DataFrame()
    span = dated["event_date"].max() - dated["event_date"].min()
    freq = "W-MON" if span < pd.Timedelta(days=366) else "MS"
    group = dated["group1"].fillna("").replace("", actors.UNKNOWN_ACTOR)
    main = group.value_counts().index[:top]
    group = group.where(group.isin(main), OTHER_GROUPS)
    counts = (pd.DataFrame({"date": dated["event_date"], "group": group})
              .groupby([pd.Grouper(key="date", freq=freq), "group"]).size()
              .unstack("group", fill_value=0))
    # The groupby leaves out periods with no incident at all.
    periods = pd.date_range(counts.index.min(), counts.index.max(), freq=freq, name="date")
    counts = counts.reindex(periods, fill_value=0)
    ordered = [g for g in (*main, OTHER_GROUPS) if g in counts.columns]
    return counts[ordered]


def group_colors(groups: list[str]) -> list[str]:
    """Return each group's map colour (alias table), grey for unknown names and "Other groups"."""
    known = {g.name: g.color for g in actors.all_groups()}
    return [known.get(g, "#8c8c8c") for g in groups]


def timeline_svg(timeline: pd.DataFrame, colors: list[str], y_label: str = "incidents") -> str:
    """Return the time chart as one static SVG: stacked bars per period (each titled), a legend.

    Plain SVG shown as an image, not a Vega chart: the browser draws it at once, without the
    ~1 s of JavaScript that delayed the map when both were on the page (bench_dashboard --phases).
    """
    totals = timeline.sum(axis=1).to_numpy()
    top = max(int(totals.max()) if len(totals) else 0, 1)
    legend_h = 16 * math.ceil(len(timeline.columns) / LEGEND_COLUMNS) + 8
    plot_h = CHART_HEIGHT - CHART_BOTTOM - legend_h
    step = (CHART_WIDTH - CHART_LEFT) / max(len(timeline), 1)
    weekly = len(timeline.index) > 1 and (timeline.index[1] - timeline.index[0]).days < 28
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}"'
             f' width="{CHART_WIDTH}" height="{CHART_HEIGHT}"'
             ' role="img" aria-label="Incidents over time" style="'
             'font:12px sans-serif">',
             f'<text x="0" y="10" fill="#555">{top:,}</text>',
             f'<text x="0" y="{plot_h}" fill="#555">0</text>',
             f'<text x="0" y="{plot_h / 2:.0f}" fill="#555">{html.escape(y_label)}</text>',
             f'<line x1="{CHART_LEFT}" x2="{CHART_WIDTH}" y1="{plot_h}" y2="{plot_h}" '
             'stroke="#999"/>']
    for k, (period, row) in enumerate(timeline.iterrows()):
        x, base = CHART_LEFT + k * step, float(plot_h)
        label = period.strftime("week of %Y-%m-%d" if weekly else "%b %Y")
        for group, color in zip(timeline.columns, colors, strict=True):
            value = int(row[group])
            if value == 0:
                continue
            h = value / top * (plot_h - 12)
            base -= h
            parts.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{max(step * 0.85, 0.5):.1f}" '
                         f'height="{h:.1f}" fill="{html.escape(color)}"><title>'
                         f'{html.escape(label)} · {html.escape(str(group))}: {value:,}'
                         '</title></rect>')
    if len(timeline):
        first, last = timeline.index[0], timeline.index[-1]
        parts.append(f'<text x="{CHART_LEFT}" y="{plot_h + 14}" fill="#555">'
                     f'{first:%b %Y}</text><text x="{CHART_WIDTH}" y="{plot_h + 14}" '
                     f'text-anchor="end" fill="#555">{last:%b %Y}</text>')
    for k, (group, color) in enumerate(zip(timeline.columns, colors, strict=True)):
        x = CHART_LEFT + (k % LEGEND_COLUMNS) * LEGEND_COLUMN_WIDTH
        y = plot_h + CHART_BOTTOM + 10 + 16 * (k // LEGEND_COLUMNS)
        name = str(group)
        shown = name if len(name) <= LEGEND_NAME_CHARS else name[:LEGEND_NAME_CHARS - 1] + "…"
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" '
                     f'fill="{html.escape(color)}"/><text x="{x + 14}" y="{y}">'
                     f'<title>{html.escape(name)}</title>{html.escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)
