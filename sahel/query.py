"""One query object for the dashboard and the CLI: what to filter, how to describe it."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sahel import actors, places
from sahel.datasets import closest_names, demo_rows
from sahel.group_match import GroupRule, all_candidates, group_labels
from sahel.i18n import N_, _, format_number, ngettext
from sahel.links import count_once
from sahel.schema import OTHER_EVENT_TYPE, event_type_mask

# Columns the free-text search looks in.
SEARCH_COLUMNS: tuple[str, ...] = ("location", "actor1", "actor2", "group1", "group2", "notes")
# How alike (rapidfuzz WRatio, 0–100) a known name must be to be suggested for an unknown one.
SUGGESTION_CUTOFF = 75
# Marked for translation: shown with `_(PRECISION_LABELS[p])`.
PRECISION_LABELS: dict[int, str] = {1: N_("exact place"), 2: N_("near a place"),
                                    3: N_("region only")}
# What UnknownName says of each kind of name.
UNKNOWN_KINDS: dict[str, str] = {"group": N_('Unknown group "{name}".'),
                                 "region": N_('Unknown region "{name}".'),
                                 "country": N_('Unknown country "{name}".'),
                                 "dataset": N_('Unknown dataset "{name}".')}


@dataclass(frozen=True)
class IncidentQuery:
    """A filter over canonical incidents; an empty field means "no filter on it"."""

    groups: frozenset[str] = field(default_factory=frozenset)
    # The group filter's options (docs/data.md, "The group filter"): coalition components while
    # they were members, associated actors, uncertain ("X and/or Y") attributions.
    include_components: bool = True
    include_associated: bool = True
    include_uncertain: bool = False
    countries: frozenset[str] = field(default_factory=frozenset)  # ISO3 codes
    regions: frozenset[str] = field(default_factory=frozenset)  # canonical admin-1 names
    start: date | None = None
    end: date | None = None
    event_types: frozenset[str] = field(default_factory=frozenset)
    min_fatalities: int = 0
    precisions: frozenset[int] = field(default_factory=frozenset)  # geo_precision 1–3
    text: str = ""
    datasets: frozenset[str] = field(default_factory=frozenset)  # dataset names; empty = all
    include_demo: bool = True  # the shipped demonstration datasets (`demo: …`)
    # Count each event group once (`count_events_once`); the page's default, not the CLI's.
    once: bool = False

    def group_rule(self) -> GroupRule:
        """Return how rows count for the queried groups."""
        return GroupRule(self.include_components, self.include_associated,
                         self.include_uncertain)


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
    # Sort the two key columns only, then take the rows once: a take of the whole frame is
    # most of a filter's time (~0.1 s for 100,000 rows).
    return incidents.iloc[_newest_first(incidents, _matching(incidents, query))]


def _matching(incidents: pd.DataFrame, query: IncidentQuery) -> np.ndarray:
    """Return the row numbers of the incidents matching `query`, in the frame's order."""
    mask = source_rows(incidents, query)
    if query.countries:
        mask &= incidents["iso3"].isin(query.countries)
    if query.regions:
        mask &= incidents["admin1"].isin(query.regions)
    if query.start is not None:
        mask &= incidents["event_date"] >= pd.Timestamp(query.start)
    if query.end is not None:
        mask &= incidents["event_date"] <= pd.Timestamp(query.end)
    if query.event_types:
        mask &= event_type_mask(incidents["event_type"], query.event_types)
    if query.min_fatalities > 0:
        mask &= incidents["fatalities"].fillna(0) >= query.min_fatalities
    if query.precisions:
        mask &= incidents["geo_precision"].isin(query.precisions).fillna(False)
    if query.groups:
        # Last: the group match reads each cell once per distinct value, on the rows left.
        labels = group_labels(incidents.loc[mask], query.groups, query.group_rule())
        mask &= labels.ne("").reindex(incidents.index, fill_value=False)
    if query.text:
        mask &= _text_mask(incidents.loc[mask], query.text).reindex(
            incidents.index, fill_value=False)
    return np.flatnonzero(mask.to_numpy(dtype=bool))


def _newest_first(incidents: pd.DataFrame, positions: np.ndarray) -> np.ndarray:
    """Return `positions` (row numbers) ordered newest first, then by event_id."""
    keys = incidents[["event_date", "event_id"]].iloc[positions].reset_index(drop=True)
    order = keys.sort_values(["event_date", "event_id"], ascending=[False, True],
                             kind="mergesort").index.to_numpy()
    return positions[order]


def _rows_at(frame: gpd.GeoDataFrame, positions: np.ndarray) -> gpd.GeoDataFrame:
    """Return the rows at ascending `positions`: a slice (no copy) when they are contiguous
    (the user's records of the incidents held are, after the demonstration rows)."""
    if len(positions) and positions[-1] - positions[0] + 1 == len(positions):
        return frame.iloc[positions[0]:positions[-1] + 1]
    return frame.iloc[positions]


def followed_view(before: gpd.GeoDataFrame, labels: np.ndarray, added: gpd.GeoDataFrame
                  ) -> gpd.GeoDataFrame | None:
    """Return a view after a small change of the incidents it was filtered from, without
    filtering or sorting them all again.

    `before`: the view (newest first, then by event_id, as `filter_incidents` orders it);
    `labels`: each of its rows' label now, or -1 for a row no longer held as it was; `added`:
    the rows written since that match the view (with their labels now). The rows kept and
    the rows added are put in order; the columns' data are sliced, not copied row by row (a
    view of 1,000,000 incidents in ~0.3 s instead of ~4 s). None when `before` is not in that
    order (then filter again).
    """
    if len(before) != len(labels):
        return None
    dates = _date_keys(before["event_date"])
    if (dates[1:] < dates[:-1]).any():
        return None
    added = added.iloc[_newest_first(added, np.arange(len(added)))]
    kept = np.flatnonzero(labels >= 0)
    # Where each added row goes among the rows of `before`: after those of an earlier key.
    ids = before["event_id"]
    places = np.empty(len(added), dtype="int64")
    for k, (day, event_id) in enumerate(zip(_date_keys(added["event_date"]),
                                            added["event_id"].tolist(), strict=True)):
        low, high = np.searchsorted(dates, day, "left"), np.searchsorted(dates, day, "right")
        places[k] = low + bisect.bisect_left(ids.iloc[low:high].tolist(), event_id)
    # The same places among the rows kept.
    at = np.searchsorted(kept, places, "left")
    order = np.insert(kept, at, len(before) + np.arange(len(added)))
    joined = pd.concat([before, added]) if len(added) else before
    result = _take_runs(joined, order)
    result.index = pd.Index(np.concatenate([labels, added.index.to_numpy(dtype="int64")])[order])
    return result


def _date_keys(dates: pd.Series) -> np.ndarray:
    """Return keys that order dates newest first, missing ones last (as filter_incidents)."""
    days = dates.to_numpy(dtype="datetime64[ns]").astype("int64")
    return np.where(dates.isna().to_numpy(), np.iinfo("int64").max, -days)


def _take_runs(frame: gpd.GeoDataFrame, positions: np.ndarray) -> gpd.GeoDataFrame:
    """Return the rows at `positions`, a few long runs of consecutive rows, as slices put end
    to end (text columns are then chunks of the same data, not copies)."""
    if not len(positions):
        return frame.iloc[:0]
    breaks = np.flatnonzero(np.diff(positions) != 1) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [len(positions)]])
    if len(starts) > max(64, len(positions) // 1000):  # scattered: one take is quicker
        return frame.iloc[positions]
    pieces = [frame.iloc[positions[a]:positions[a] + (b - a)] for a, b in zip(starts, ends,
                                                                                strict=True)]
    return pd.concat(pieces) if len(pieces) != 1 else pieces[0].copy(deep=False)


def source_rows(incidents: pd.DataFrame, query: IncidentQuery) -> pd.Series:
    """Return which records a query takes as sources: its datasets, and the demonstration data
    when it is counted."""
    mask = pd.Series(True, index=incidents.index)
    if not query.include_demo:
        mask &= ~demo_rows(incidents)
    if query.datasets:
        mask &= incidents["dataset_name"].isin(query.datasets)
    return mask


@dataclass(frozen=True)
class CountedOnce:
    """The records of some sources with each event group counted once.

    `rows`: `sahel.links.count_once` of the records (one row per group, standing on its most
    precise record and indexed by that record's index; every record in no group as it is);
    `group_of`: each record's event group (missing when in none), by the records' index;
    `groups`: the groups counted (`event_id`, `event_group`, …: those of two records or more
    among the sources).
    """

    rows: gpd.GeoDataFrame
    group_of: pd.Series
    groups: pd.DataFrame = field(default_factory=pd.DataFrame)


def count_sources_once(incidents: gpd.GeoDataFrame, groups: pd.DataFrame,
                       query: IncidentQuery) -> CountedOnce:
    """Return the records the query takes as sources (`source_rows`) with each event group
    counted once, over the groups' members among them: a group left with one record is no
    group. Depends only on the query's datasets and demonstration data."""
    records = _rows_at(incidents, np.flatnonzero(source_rows(incidents, query).to_numpy(
        dtype=bool)))
    # The groups' members among the records: a few ids looked for among many.
    among = _ids_among(records["event_id"], groups["event_id"])
    members = set(records["event_id"].iloc[np.flatnonzero(among)].astype("object"))
    kept = groups.loc[groups["event_id"].astype("object").isin(members)]
    size = kept.groupby("event_group")["event_id"].transform("size")
    kept = kept.loc[size.to_numpy() >= 2]
    if kept.empty:
        # No record is in a group: every record stands for itself, as count_once gives it
        # (without its copy of every record: ~1 s for 1,000,000 incidents).
        counted = records.assign(event_group=_missing(records.index),
                                 group_records=1,
                                 group_datasets=records["dataset_name"].astype("object"))
        return CountedOnce(counted, _missing(records.index).rename("event_id"), kept)
    ids = records["event_id"].astype("object")
    numbered = records.assign(_row=np.arange(len(records)))
    counted = count_once(numbered, kept)
    counted.index = records.index[counted.pop("_row").to_numpy(dtype="int64")]
    if not isinstance(counted, gpd.GeoDataFrame):
        counted = gpd.GeoDataFrame(counted, geometry=incidents.geometry.name,
                                   crs=incidents.crs)
    lookup = dict(zip(kept["event_id"].astype("object"), kept["event_group"], strict=True))
    group_of = ids.map(lookup).astype("object")
    return CountedOnce(counted, group_of, kept)


def _ids_among(ids: pd.Series, pool: pd.Series) -> np.ndarray:
    """Return which `ids` are in `pool` (Arrow's is_in: pandas' isin on Arrow-backed text
    took ~1 s for 100,000 ids)."""
    try:
        found = pc.is_in(pa.array(ids, type=pa.string(), from_pandas=True),
                         value_set=pa.array(pool.astype("object"), type=pa.string(),
                                            from_pandas=True))
        return found.to_numpy(zero_copy_only=False).astype(bool)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return ids.isin(set(pool.astype("object"))).to_numpy(dtype=bool)


def _missing(index: pd.Index) -> pd.Series:
    """Return a missing event group for each label of `index` (as count_once marks them)."""
    return pd.Series(np.full(len(index), np.nan, dtype="object"), index=index)


def filter_once(incidents: gpd.GeoDataFrame, counted: CountedOnce,
                query: IncidentQuery) -> gpd.GeoDataFrame:
    """Return the events matching `query`, each event group once, newest first then by
    event_id (`counted`: `count_sources_once` of the same incidents and query).

    The rule (docs/linking.md, "On the page"): the datasets and the demonstration data choose
    the sources; an event is in view when **any** of its sources matches every other filter
    (one source naming JNIM finds the event for JNIM), except the minimum fatalities, which
    the event's counted toll must reach (the figure shown). It is shown and counted on its
    group's row: the most precise record's place and date, the toll rule's figure.
    """
    # Which records match: their labels only (taking their rows cost a second take of the
    # whole view, 2-6 s at 1,000,000 incidents).
    stacked = incidents.index[_matching(incidents, replace(query, min_fatalities=0, once=False))]
    rows = counted.rows
    group = rows["event_group"]
    keep = group.isna() & rows.index.isin(stacked)
    if group.notna().any():
        passing = set(counted.group_of.reindex(stacked).dropna())
        keep |= group.isin(passing)
    if query.min_fatalities > 0:
        keep &= rows["fatalities"].fillna(0) >= query.min_fatalities
    return rows.iloc[_newest_first(rows, np.flatnonzero(keep.to_numpy(dtype=bool)))]


def _text_mask(incidents: pd.DataFrame, text: str) -> pd.Series:
    """Return rows whose searched columns hold `text` (folded), or whose region, country or
    armed group is the one `text` names by any alias ("Timbuktu", "GSIM", "EIGS")."""
    needle = places.fold(text)
    mask = pd.Series(False, index=incidents.index)
    if not needle:
        return mask
    for column in SEARCH_COLUMNS:
        folded = (incidents[column].fillna("").str.normalize("NFKD")
                  .str.replace(r"[\u0300-\u036f]", "", regex=True).str.lower()
                  .str.replace(r"[^\w]+", " ", regex=True))
        mask |= folded.str.contains(needle, regex=False)
    region = places.canonical_region(text)
    if region is not None:
        mask |= incidents["admin1"].eq(region).fillna(False)
    country = places.country_iso3(text)
    if country is not None:
        mask |= incidents["iso3"].eq(country).fillna(False)
    group = actors.canonical_group(text)
    if group is not None:
        rule = GroupRule(include_components=False, include_uncertain=True)
        mask |= group_labels(incidents, {group}, rule).ne("")
    return mask


def describe(query: IncidentQuery) -> str:
    """Return a one-line description of the query for people (caption, CLI message), in the
    current language (English unless a page chose another).

    It says what was counted: with a group, which actors count (components, associated actors,
    uncertain attributions); and whether the shipped demonstration data is in. Names (groups,
    places, datasets, event types) are data and stay as they are; dates are ISO 8601.
    """
    parts: list[str] = []
    if query.groups:
        parts.append(", ".join(sorted(query.groups)) + f" ({_group_terms(query)})")
    if query.datasets:
        parts.append(_("dataset {names}").format(names=", ".join(sorted(query.datasets))))
    if query.countries:
        parts.append(", ".join(sorted(places.country_name(c) or c for c in query.countries)))
    if query.regions:
        parts.append(_("region {names}").format(names=", ".join(sorted(query.regions))))
    if query.start or query.end:
        parts.append(_("{start} to {end}").format(
            start=query.start.isoformat() if query.start else "…",
            end=query.end.isoformat() if query.end else "…"))
    if query.event_types:
        # ACLED's types are data; the option grouping the others is words.
        parts.append(", ".join(sorted(_(OTHER_EVENT_TYPE) if t == OTHER_EVENT_TYPE else t
                                      for t in query.event_types)))
    if query.min_fatalities > 0:
        parts.append(ngettext("at least {count} fatality", "at least {count} fatalities",
                              query.min_fatalities).format(
            count=format_number(query.min_fatalities)))
    if query.precisions:
        precisions = _(" or ").join(_(PRECISION_LABELS[p]) if p in PRECISION_LABELS else str(p)
                                    for p in sorted(query.precisions))
        parts.append(_("location {precisions}").format(precisions=precisions))
    if query.text:
        parts.append(_('matching "{text}"').format(text=query.text))
    if not query.include_demo:
        parts.append(_("demonstration data left out"))
    if not parts:
        return _("All incidents")
    return _("Incidents: {description}").format(description=" · ".join(parts))


def _group_terms(query: IncidentQuery) -> str:
    added = [_(name) for name, on in ((N_("associated actors"), query.include_associated),
                                      (N_("coalition components while members"),
                                       query.include_components)) if on]
    uncertain = (_("uncertain attributions counted apart") if query.include_uncertain
                 else _("uncertain attributions left out"))
    if not added:
        return _("main actors only; {uncertain}").format(uncertain=uncertain)
    return _("with {actors}; {uncertain}").format(actors=_(" and ").join(added),
                                                  uncertain=uncertain)


@dataclass(frozen=True)
class UnknownName:
    """A name in a query that neither the tables nor the data know, with the closest known."""

    kind: str  # "group", "region", "country" or "dataset"
    given: str
    suggestions: tuple[str, ...]

    def message(self) -> str:
        """Return one sentence for people: what is unknown and what was perhaps meant."""
        unknown = _(UNKNOWN_KINDS.get(self.kind, N_('Unknown name "{name}".'))).format(
            name=self.given)
        if not self.suggestions:
            return unknown
        return unknown + " " + _("Did you mean: {names}?").format(
            names=", ".join(f'"{s}"' for s in self.suggestions))


def unknown_names(query: IncidentQuery, incidents: pd.DataFrame,
                  limit: int = 3) -> list[UnknownName]:
    """Return the names of a normalised query that match no known name, with suggestions.

    Known: the canonical names of the tables (groups, regions, countries) and every value the
    incidents hold (a source's own region or actor name is a valid filter value too).
    """
    def present(*columns: str) -> set[str]:
        return {str(v) for c in columns if c in incidents.columns
                for v in incidents[c].dropna().unique()}

    group_names = {g.name for g in actors.all_groups()} | all_candidates(incidents)
    region_names = set(places.region_aliases()["canonical"]) | present("admin1")
    country_codes = {c for c in present("iso3")} | {c for c in places.COUNTRY_NAMES}
    dataset_names = present("dataset_name")
    # Suggestions are searched among every spelling the tables know, shown as canonical names.
    spellings: dict[str, dict[str, str]] = {
        "group": {**{a.alias: a.canonical for a in actors.load_aliases()
                     if a.canonical in group_names}, **{g: g for g in group_names}},
        "region": {**dict(zip(places.region_aliases()["alias"],
                              places.region_aliases()["canonical"], strict=True)),
                   **{r: r for r in region_names}},
        "country": {name: name for name in places.COUNTRY_NAMES.values()}
        | {c: places.country_name(c) or c for c in country_codes},
        "dataset": {d: d for d in dataset_names},
    }
    checks = (("group", query.groups, group_names), ("region", query.regions, region_names),
              ("country", query.countries, country_codes),
              ("dataset", query.datasets, dataset_names))
    found: list[UnknownName] = []
    for kind, given, known in checks:
        for name in sorted(given - known):
            table = spellings[kind]
            keys = closest_names(name, table, limit * 3, score_cutoff=SUGGESTION_CUTOFF)
            suggestions = tuple(dict.fromkeys(table[key] for key in keys))[:limit]
            found.append(UnknownName(kind, name, suggestions))
    return found
