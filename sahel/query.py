"""One query object for the dashboard and the CLI: what to filter, how to describe it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd

from sahel import actors, places

# Columns the free-text search looks in.
SEARCH_COLUMNS: tuple[str, ...] = ("location", "actor1", "actor2", "group1", "group2", "notes")
PRECISION_LABELS: dict[int, str] = {1: "exact place", 2: "near a place", 3: "region only"}


@dataclass(frozen=True)
class IncidentQuery:
    """A filter over canonical incidents; an empty field means "no filter on it"."""

    groups: frozenset[str] = field(default_factory=frozenset)
    include_components: bool = True
    countries: frozenset[str] = field(default_factory=frozenset)  # ISO3 codes
    regions: frozenset[str] = field(default_factory=frozenset)  # canonical admin-1 names
    start: date | None = None
    end: date | None = None
    event_types: frozenset[str] = field(default_factory=frozenset)
    min_fatalities: int = 0
    precisions: frozenset[int] = field(default_factory=frozenset)  # geo_precision 1–3
    text: str = ""


def normalise_query(query: IncidentQuery) -> IncidentQuery:
    """Return the query with every group, region and country spelling made canonical.

    Unknown spellings are kept as given, so they match nothing rather than everything.
    """
    return replace(
        query,
        groups=frozenset(actors.canonical_group(g) or g for g in query.groups),
        countries=frozenset(places.country_iso3(c) or c for c in query.countries),
        regions=frozenset(places.canonical_region(r) or r for r in query.regions),
        text=query.text.strip(),
    )


def filter_incidents(incidents: gpd.GeoDataFrame, query: IncidentQuery) -> gpd.GeoDataFrame:
    """Return the incidents matching `query`, newest first then by event_id (a stable order).

    The input frame is never modified; the query is expected canonical (see normalise_query).
    """
    mask = pd.Series(True, index=incidents.index)
    if query.groups:
        wanted = actors.expand_groups(query.groups, include_components=query.include_components)
        mask &= incidents["group1"].isin(wanted) | incidents["group2"].isin(wanted)
    if query.countries:
        mask &= incidents["iso3"].isin(query.countries)
    if query.regions:
        mask &= incidents["admin1"].isin(query.regions)
    if query.start is not None:
        mask &= incidents["event_date"] >= pd.Timestamp(query.start)
    if query.end is not None:
        mask &= incidents["event_date"] <= pd.Timestamp(query.end)
    if query.event_types:
        mask &= incidents["event_type"].isin(query.event_types)
    if query.min_fatalities > 0:
        mask &= incidents["fatalities"].fillna(0) >= query.min_fatalities
    if query.precisions:
        mask &= incidents["geo_precision"].isin(query.precisions).fillna(False)
    if query.text:
        mask &= _text_mask(incidents.loc[mask], places.fold(query.text)).reindex(
            incidents.index, fill_value=False)
    positions = np.flatnonzero(mask.to_numpy(dtype=bool))
    # Sort the two key columns only, then take the rows once: a take of the whole frame is
    # most of a filter's time (~0.1 s for 100,000 rows).
    keys = incidents[["event_date", "event_id"]].iloc[positions].reset_index(drop=True)
    order = keys.sort_values(["event_date", "event_id"], ascending=[False, True],
                             kind="mergesort").index.to_numpy()
    return incidents.iloc[positions[order]]


def _text_mask(incidents: pd.DataFrame, needle: str) -> pd.Series:
    mask = pd.Series(False, index=incidents.index)
    if not needle:
        return mask
    for column in SEARCH_COLUMNS:
        folded = (incidents[column].fillna("").str.normalize("NFKD")
                  .str.replace(r"[\u0300-\u036f]", "", regex=True).str.lower()
                  .str.replace(r"[^\w]+", " ", regex=True))
        mask |= folded.str.contains(needle, regex=False)
    return mask


def describe(query: IncidentQuery) -> str:
    """Return a one-line description of the query for people (caption, CSV header text)."""
    parts: list[str] = []
    if query.groups:
        groups = ", ".join(sorted(query.groups))
        parts.append(f"{groups} (with coalition components)" if query.include_components
                     else groups)
    if query.countries:
        parts.append(", ".join(sorted(places.country_name(c) or c for c in query.countries)))
    if query.regions:
        parts.append("region " + ", ".join(sorted(query.regions)))
    if query.start or query.end:
        start = query.start.isoformat() if query.start else "…"
        end = query.end.isoformat() if query.end else "…"
        parts.append(f"{start} to {end}")
    if query.event_types:
        parts.append(", ".join(sorted(query.event_types)))
    if query.min_fatalities > 0:
        parts.append(f"at least {query.min_fatalities} fatalities")
    if query.precisions:
        parts.append("location " + " or ".join(PRECISION_LABELS.get(p, str(p))
                                               for p in sorted(query.precisions)))
    if query.text:
        parts.append(f'matching "{query.text}"')
    return "All incidents" if not parts else "Incidents: " + " · ".join(parts)
