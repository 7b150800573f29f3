"""Which regions are rising: per region, the last N days against the N days before, against the
same N days a year earlier, and against the region's own baseline (docs/data.md, "Trends").

Pure: incidents in, one row per region out; the page shows `trends_table` and filters to a
region when one of its rows is clicked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

import numpy as np
import pandas as pd

from sahel import places
from sahel.datasets import demo_rows
from sahel.i18n import N_, _, format_date, format_number, format_share
from sahel.query import IncidentQuery

Measure = Literal["incidents", "fatalities"]
MEASURES: tuple[Measure, ...] = ("incidents", "fatalities")
SPAN_CHOICES: tuple[int, ...] = (30, 90, 365)
DEFAULT_SPAN = 30
# The columns of `region_trends`, in order.
TREND_COLUMNS: tuple[str, ...] = (
    "iso3", "country", "admin1", "recent", "previous", "change", "change_pct", "year_earlier",
    "change_year", "change_year_pct", "baseline_mean", "baseline_sd", "baseline_spans",
    "stands_out")


@dataclass(frozen=True)
class FlagRule:
    """When a region's recent count stands out from its own past (docs/data.md, "Trends").

    The baseline is the `spans` spans of the same length just before the recent one, those that
    lie wholly within the data's coverage; a region stands out when its recent count is at least
    `min_count` and above mean + `sd_factor` · sd (sample standard deviation) of its baseline
    counts, and at least `min_spans` baseline spans were available.
    """

    spans: int = 12
    sd_factor: float = 2.0
    min_count: int = 3
    min_spans: int = 3


FLAG_RULE = FlagRule()


@dataclass(frozen=True)
class Windows:
    """The days counted, each window inclusive of both ends."""

    recent: tuple[date, date]
    previous: tuple[date, date]
    year_earlier: tuple[date, date]


def windows(end: date, days: int) -> Windows:
    """Return the last `days` days up to `end`, the `days` before, and the same days a year
    earlier (same calendar dates, 29 February read as the 28th)."""
    if days < 1:
        raise ValueError(f"a span is at least one day, not {days}")
    start = end - timedelta(days=days - 1)
    year_end = _year_before(end)
    return Windows(recent=(start, end),
                   previous=(start - timedelta(days=days), start - timedelta(days=1)),
                   year_earlier=(year_end - timedelta(days=days - 1), year_end))


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def stands_out(recent: float, baseline: Sequence[float], rule: FlagRule = FLAG_RULE) -> bool:
    """Return whether `recent` stands out from the `baseline` counts by `rule`."""
    if recent < rule.min_count or len(baseline) < max(rule.min_spans, 2):
        return False
    values = np.asarray(baseline, dtype="float64")
    return bool(recent > values.mean() + rule.sd_factor * values.std(ddof=1))


def trends_query(query: IncidentQuery) -> IncidentQuery:
    """Return what the trends count for a view: every filter but the dates (the spans are their
    own) and the regions (the table lists every region, to pick one)."""
    return replace(query, start=None, end=None, regions=frozenset())


def coverage_start(incidents: pd.DataFrame, query: IncidentQuery) -> date | None:
    """Return the first day of the data a query reads from (its datasets, demonstration data or
    not): before it, a region's zero counts say nothing of the region."""
    read = pd.Series(True, index=incidents.index)
    if not query.include_demo:
        read &= ~demo_rows(incidents)
    if query.datasets:
        read &= incidents["dataset_name"].isin(query.datasets)
    dates = incidents.loc[read, "event_date"].dropna()
    return dates.min().date() if len(dates) else None


def region_trends(incidents: pd.DataFrame, end: date, days: int = DEFAULT_SPAN,
                  measure: Measure = "incidents", since: date | None = None,
                  rule: FlagRule = FLAG_RULE) -> pd.DataFrame:
    """Return one row per region (admin-1 with its country) counted in any window, largest rise
    first: the `measure` (incidents, or the best fatality estimates) over the last `days` days to
    `end`, the `days` before, the same days a year earlier; changes in number and share (NaN when
    the earlier count is 0); the baseline's mean, sd and span count; whether it stands out.

    Baseline spans starting before `since` (default: the first incident given) are not counted:
    before its data begins a region's zeros say nothing. Incidents without a region are left out.
    """
    spans = windows(end, days)
    located = incidents.dropna(subset=["iso3", "admin1", "event_date"])
    if since is None:
        since = located["event_date"].min().date() if len(located) else end
    day = located["event_date"].dt.normalize()
    # Spans back from `end`: 0 is the recent one, 1 the previous, 1..n the baseline.
    n = max(rule.spans, 1)
    ago = (pd.Timestamp(end) - day).dt.days
    in_year = day.between(pd.Timestamp(spans.year_earlier[0]), pd.Timestamp(spans.year_earlier[1]))
    counted = ago.between(0, (n + 1) * days - 1) | in_year
    if not counted.any():
        return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in TREND_COLUMNS})
    rows = pd.DataFrame({
        "iso3": located["iso3"].astype("str"), "admin1": located["admin1"].astype("str"),
        "span": (ago // days).where(ago >= 0, -1),
        "year": in_year,
        "weight": (1 if measure == "incidents"
                   else located["fatalities"].fillna(0).astype("int64"))})[counted]
    keys = ["iso3", "admin1"]
    by_span = (rows[rows["span"].between(0, n)].groupby(keys + ["span"])["weight"].sum()
               .unstack("span", fill_value=0))
    year = rows[rows["year"]].groupby(keys)["weight"].sum()
    regions = pd.MultiIndex.from_frame(rows[keys].drop_duplicates().sort_values(keys))
    by_span = by_span.reindex(index=regions, columns=range(n + 1), fill_value=0)
    year = year.reindex(regions, fill_value=0)
    # A baseline span counts when its first day is on or after `since`.
    complete = [k for k in range(1, n + 1) if spans.recent[0] - timedelta(days=k * days) >= since]
    table = pd.DataFrame({
        "iso3": regions.get_level_values(0),
        "country": [places.country_name(c) or c for c in regions.get_level_values(0)],
        "admin1": regions.get_level_values(1), "recent": by_span[0].to_numpy(),
        "previous": by_span[1].to_numpy(), "year_earlier": year.to_numpy()})
    baseline = by_span[complete].to_numpy(dtype="float64")
    keep = (table[["recent", "previous", "year_earlier"]] > 0).any(axis=1).to_numpy()
    table, baseline = table[keep].reset_index(drop=True), baseline[keep]
    table["change"] = table["recent"] - table["previous"]
    table["change_pct"] = _share(table["change"], table["previous"])
    table["change_year"] = table["recent"] - table["year_earlier"]
    table["change_year_pct"] = _share(table["change_year"], table["year_earlier"])
    table["baseline_mean"] = baseline.mean(axis=1) if complete else math.nan
    table["baseline_sd"] = baseline.std(axis=1, ddof=1) if len(complete) > 1 else math.nan
    table["baseline_spans"] = len(complete)
    table["stands_out"] = [stands_out(r, row, rule) for r, row in zip(table["recent"], baseline,
                                                                        strict=True)]
    table = table.sort_values(["change", "recent", "country", "admin1"],
                              ascending=[False, False, True, True], kind="stable")
    return table[list(TREND_COLUMNS)].reset_index(drop=True)


def _share(change: pd.Series, before: pd.Series) -> pd.Series:
    return (change / before.where(before > 0)).astype("float64")


def _dtype(column: str) -> str:
    if column in ("iso3", "country", "admin1"):
        return "object"
    if column == "stands_out":
        return "bool"
    return "float64" if column.endswith(("_pct", "_mean", "_sd")) else "int64"


# Headers of the table the page shows, by `region_trends` column.
TABLE_HEADERS: dict[str, str] = {
    "admin1": N_("Region"), "country": N_("Country"), "stands_out": N_("Stands out"),
    "recent": N_("Last {days} days"),
    "previous": N_("{days} days before"), "change": N_("Change"), "change_pct": N_("Change %"),
    "year_earlier": N_("A year earlier"), "change_year": N_("Change on a year"),
    "change_year_pct": N_("Change on a year %")}


def trends_table(trends: pd.DataFrame, days: int) -> pd.DataFrame:
    """Return the trends as the page shows them: headers in the current language, changes in
    share written out ("+25%", "new" when nothing came before)."""
    shown = pd.DataFrame(trends[list(TABLE_HEADERS)]).copy()
    for column in ("change_pct", "change_year_pct"):
        shown[column] = [_share_text(value, before) for value, before in
                         zip(trends[column], trends["previous" if column == "change_pct"
                                                         else "year_earlier"], strict=True)]
    return shown.rename(columns={c: _(h).format(days=format_number(days))
                                 for c, h in TABLE_HEADERS.items()})


def _share_text(value: float, before: int) -> str:
    if before == 0:
        return _("new")
    sign = "+" if value > 0 else ""
    return sign + format_share(value)


def trends_caption(end: date, days: int, measure: Measure) -> str:
    """Return what the trends count, in sentences for the page."""
    spans = windows(end, days)
    counted = (_("Incidents per region in the {days} days from {start} to {end}, against the "
                 "{days} days before and the same days a year earlier.")
               if measure == "incidents" else
               _("Fatalities (best estimates) per region in the {days} days from {start} to "
                 "{end}, against the {days} days before and the same days a year earlier."))
    return " ".join((
        counted.format(days=format_number(days), start=format_date(spans.recent[0], "d MMM yyyy"),
                       end=format_date(spans.recent[1], "d MMM yyyy")),
        _("Every filter applies but the dates and regions: the span ends on the last day of "
          "the dates picked, else on the last incident."),
        _("A region stands out when its count is at least {minimum} and above the mean of "
          "its {spans} spans before plus {factor} standard deviations; click a row to filter the "
          "page to that region.").format(minimum=format_number(FLAG_RULE.min_count),
                                        spans=format_number(FLAG_RULE.spans),
                                        factor=format_number(FLAG_RULE.sd_factor))))
