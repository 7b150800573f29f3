"""What the dashboard shows around the map: filter choices, headline figures, the table.

Pure functions over canonical incidents, so `dashboard.py` stays widgets-and-rendering only and
everything here is tested without Streamlit. The chart over time is `sahel/timeline.py`, the
regions' trends `sahel/trends.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import pandas as pd

from sahel import actors, group_match, places
from sahel.datasets import is_demo
from sahel.i18n import N_, _, format_date
from sahel.schema import event_type_choices

# The table's columns with their headers: first what an analyst reads first (date, place,
# region, groups, type, toll, source), then the rest; the download has every column, under the
# canonical names. "groups" is group1 – group2, the sides as in a UCDP dyad.
TABLE_HEADERS: dict[str, str] = {
    "event_date": N_("Date"), "location": N_("Place"), "admin1": N_("Region"),
    "groups": N_("Armed groups"), "event_type": N_("Event type"),
    "fatalities": N_("Fatalities"), "source": N_("Source"), "country": N_("Country"),
    "sub_event_type": N_("Sub-event type"), "fatalities_low": N_("Fatalities (low)"),
    "fatalities_high": N_("Fatalities (high)"), "geo_precision": N_("Location precision"),
    "event_id": N_("Event ID")}
TABLE_COLUMNS: tuple[str, ...] = tuple(TABLE_HEADERS)
TABLE_MAX_ROWS = 1000
GROUP_SIDES = " – "


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
        """Return the exact date span in the current language ("24 Nov 2023 → 1 Feb 2024";
        "–" when empty)."""
        if self.first_date is None or self.last_date is None:
            return "–"
        first = format_date(self.first_date, "d MMM yyyy")
        if self.first_date == self.last_date:
            return first
        return f"{first} → {format_date(self.last_date, 'd MMM yyyy')}"

    @property
    def short_span(self) -> str:
        """Return the span short enough for a metric: in months ("Nov 2023 – Feb 2024"; French
        "nov. 2023 – févr. 2024"), in years when they are two or more apart ("1989 – 2025"; the
        exact span is beside it)."""
        if self.first_date is None or self.last_date is None:
            return "–"
        if self.last_date.year - self.first_date.year >= 2:
            return f"{self.first_date.year} – {self.last_date.year}"
        first = format_date(self.first_date, "MMM yyyy")
        last = format_date(self.last_date, "MMM yyyy")
        return first if first == last else f"{first} – {last}"


def filter_choices(incidents: pd.DataFrame) -> FilterChoices:
    """Return the groups, countries, regions, event types and date range present in `incidents`."""
    return ChoiceCounts.of(incidents).choices()


# The columns whose actor mentions make the group filter's choices (group_match.all_candidates).
GROUP_COLUMNS: tuple[str, ...] = group_match.MAIN_COLUMNS + group_match.ASSOCIATED_COLUMNS


@dataclass(frozen=True)
class ChoiceCounts:
    """How many incidents hold each value the sidebar's choices are made of, so the choices
    follow a small change (`followed`) without a pass over every incident: a value stays a
    choice while some incident holds it."""

    mentions: Mapping[str, Mapping[str, int]]  # per GROUP_COLUMNS column: cell text → rows
    datasets: Mapping[str, int]
    places: Mapping[tuple[str, str | None], int]  # (ISO3, admin-1 or None) → rows with an ISO3
    event_types: Mapping[str, int]
    dates: Mapping[pd.Timestamp, int]

    @classmethod
    def of(cls, incidents: pd.DataFrame) -> ChoiceCounts:
        """Return the counts of `incidents`' values."""
        located = incidents.loc[incidents["iso3"].notna(), ["iso3", "admin1"]]
        places = located.groupby(["iso3", "admin1"], dropna=False, sort=False).size()
        return cls(
            mentions={c: _counts(incidents[c]) for c in GROUP_COLUMNS if c in incidents.columns},
            datasets=_counts(incidents["dataset_name"]),
            places={(str(iso3), None if pd.isna(admin1) else str(admin1)): int(rows)
                    for (iso3, admin1), rows in places.items()},
            event_types=_counts(incidents["event_type"]),
            dates=_counts(incidents["event_date"]))

    def followed(self, removed: pd.DataFrame, added: pd.DataFrame) -> ChoiceCounts:
        """Return the counts once the `removed` incidents are gone and the `added` ones in."""
        gone, new = ChoiceCounts.of(removed), ChoiceCounts.of(added)
        columns = dict.fromkeys([*self.mentions, *new.mentions])
        return ChoiceCounts(
            mentions={c: _sum(self.mentions.get(c, {}), gone.mentions.get(c, {}),
                              new.mentions.get(c, {})) for c in columns},
            datasets=_sum(self.datasets, gone.datasets, new.datasets),
            places=_sum(self.places, gone.places, new.places),
            event_types=_sum(self.event_types, gone.event_types, new.event_types),
            dates=_sum(self.dates, gone.dates, new.dates))

    def choices(self) -> FilterChoices:
        """Return the sidebar's choices: every value some incident holds."""
        cells = pd.DataFrame({c: pd.Series(list(found), dtype="object")
                              for c, found in self.mentions.items()})
        groups = group_match.all_candidates(cells)
        datasets = tuple(sorted(self.datasets, key=lambda d: (is_demo(d), d.casefold())))
        regions: dict[str, set[str]] = {}
        for iso3, admin1 in self.places:
            named = regions.setdefault(iso3, set())
            if admin1 is not None:
                named.add(admin1)
        countries = {iso3: places.country_name(iso3) or iso3 for iso3 in sorted(regions)}
        return FilterChoices(
            groups=tuple(sorted(groups, key=str.casefold)), countries=countries,
            regions={iso3: tuple(sorted(regions[iso3])) for iso3 in sorted(regions)},
            event_types=event_type_choices(pd.Series(list(self.event_types), dtype="object")),
            first_date=min(self.dates).date() if self.dates else None,
            last_date=max(self.dates).date() if self.dates else None, datasets=datasets)


Key = TypeVar("Key")


def _counts(values: pd.Series) -> dict[Any, int]:
    """Return how many times each value other than a missing one is held."""
    counted = values.value_counts(dropna=True, sort=False)
    keys = counted.index.tolist()
    if pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
        keys = [str(k) for k in keys]
    return dict(zip(keys, counted.tolist(), strict=True))


def _sum(counts: Mapping[Key, int], gone: Mapping[Key, int], new: Mapping[Key, int]
         ) -> dict[Key, int]:
    """Return `counts` less `gone` plus `new`, values no longer held left out."""
    found = dict(counts)
    for key, rows in gone.items():
        found[key] = found.get(key, 0) - rows
    for key, rows in new.items():
        found[key] = found.get(key, 0) + rows
    return {key: rows for key, rows in found.items() if rows > 0}


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
    """Return the first `limit` incidents with the analyst's columns, headed in the current
    language."""
    rows = pd.DataFrame(incidents.head(limit)).reset_index(drop=True)
    table = rows[[c for c in TABLE_COLUMNS if c in rows.columns]].copy()
    table["event_date"] = rows["event_date"].dt.date
    table["groups"] = _sides(rows["group1"], rows["group2"])
    table = table[list(TABLE_COLUMNS)]
    return table.rename(columns={c: table_header(c) for c in TABLE_COLUMNS})


def table_header(column: str) -> str:
    """Return the table's header of a column (TABLE_HEADERS) in the current language."""
    return _(TABLE_HEADERS[column])


def _sides(first: pd.Series, second: pd.Series) -> list[str | None]:
    """Return each row's groups as "first – second", or the one given, or None."""
    return [GROUP_SIDES.join(s for s in (a, b) if isinstance(s, str) and s) or None
            for a, b in zip(first, second, strict=True)]
