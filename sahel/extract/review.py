"""The analyst's review of proposed incidents: an editable table and its edits applied back.

The "Add from report" page shows `review_table(extraction)` in an editable grid, its columns
headed by `REVIEW_LABELS`, then passes the edited grid to `apply_review` to get canonical
incidents for the store. Moving a point (latitude, longitude) or picking another gazetteer
candidate re-derives country and region. `keep_known_values` makes a re-added report keep what
the store already knows where the new version leaves a field blank.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import geopandas as gpd
import pandas as pd

from sahel import places
from sahel.extract import geocode
from sahel.extract.pipeline import Extraction, event_id
from sahel.i18n import N_
from sahel.schema import COLUMN_NAMES, conform, empty_incidents
from sahel.validation import is_blank

# Editable columns of the review grid, in order.
REVIEW_COLUMNS: tuple[str, ...] = (
    "add", "event_date", "location", "place_choice", "latitude", "longitude", "geo_precision",
    "admin1", "group1", "group2", "event_type", "sub_event_type", "fatalities_low",
    "fatalities_high", "flags",
)
# What the grid's columns are called (translated with `_` where shown); never the raw names.
REVIEW_LABELS: dict[str, str] = {
    "add": N_("Add"), "event_date": N_("Date"), "location": N_("Place"),
    "place_choice": N_("Gazetteer candidate"), "latitude": N_("Latitude"),
    "longitude": N_("Longitude"), "geo_precision": N_("Location precision"),
    "admin1": N_("Region"), "group1": N_("Armed group"), "group2": N_("Target"),
    "event_type": N_("Event type"), "sub_event_type": N_("Sub-event type"),
    "fatalities_low": N_("Fatalities (low)"), "fatalities_high": N_("Fatalities (high)"),
    "flags": N_("Flags"),
}
# The place picker's first option: keep the proposed place (shown with `_`).
KEEP = N_("(as proposed)")
PRECISIONS: dict[int, str] = {1: N_("1 · the town itself"), 2: N_("2 · near a town"),
                              3: N_("3 · only the region")}
# Never filled from the store on a re-add: an empty `flags` is a fact (nothing to warn about),
# and the id and the geometry are the row's own.
NEVER_KEPT: frozenset[str] = frozenset({"event_id", "flags", "geometry"})


def candidate_label(place: Any) -> str:
    """Return how a gazetteer candidate is shown in the place picker."""
    region = f", {place.admin1}" if getattr(place, "admin1", None) else ""
    return (f"{place.name} ({place.iso3}{region}) "
            f"{place.latitude:.4f}, {place.longitude:.4f}")


def place_options(extraction: Extraction) -> dict[str, Any]:
    """Return label → gazetteer place for every candidate of every proposed incident."""
    options: dict[str, Any] = {}
    for record in extraction.records:
        for place in record.get("candidates", ()):
            options.setdefault(candidate_label(place), place)
    for unresolved in extraction.unresolved:
        for place in unresolved.candidates:
            options.setdefault(candidate_label(place), place)
    return options


def review_table(extraction: Extraction) -> pd.DataFrame:
    """Return the proposed incidents as the editable grid (one row per incident)."""
    rows = []
    for record in extraction.records:
        day = record.get("event_date")
        rows.append({
            "add": True,
            "event_date": date.fromisoformat(day) if day else None,
            "location": record.get("location"), "place_choice": KEEP,
            "latitude": record.get("latitude"), "longitude": record.get("longitude"),
            "geo_precision": record.get("geo_precision"), "admin1": record.get("admin1"),
            "group1": record.get("group1"), "group2": record.get("group2"),
            "event_type": record.get("event_type"), "sub_event_type": record.get("sub_event_type"),
            "fatalities_low": record.get("fatalities_low"),
            "fatalities_high": record.get("fatalities_high"), "flags": record.get("flags", ""),
        })
    return pd.DataFrame(rows, columns=list(REVIEW_COLUMNS))


def apply_review(extraction: Extraction, edited: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return the canonical incidents the analyst kept, with their edits applied."""
    options = place_options(extraction)
    out = []
    for record, (_, row) in zip(extraction.records, edited.iterrows(), strict=True):
        if not bool(row["add"]):
            continue
        new = dict(record)
        for column in ("location", "geo_precision", "group1", "group2", "event_type",
                       "sub_event_type", "fatalities_low", "fatalities_high"):
            new[column] = _value(row[column])
        day = _value(row["event_date"])
        new["event_date"] = pd.Timestamp(day).date().isoformat() if day is not None else None
        lat, lon = _value(row["latitude"]), _value(row["longitude"])
        choice = _value(row["place_choice"])
        if choice in options:
            place = options[choice]
            new.update(location=place.name, admin2=place.admin2, geo_precision=1)
            lat, lon = place.latitude, place.longitude
            new["flags"] = _without(new.get("flags", ""), "unresolved_place")
        if (lat, lon) != (record.get("latitude"), record.get("longitude")) and lat is not None:
            iso3, admin1 = geocode.admin_for(float(lat), float(lon))
            new.update(iso3=iso3 or new.get("iso3"),
                       admin1=admin1 if admin1 else _value(row["admin1"]))
            new["country"] = places.country_name(new["iso3"]) if new.get("iso3") else None
        else:
            new["admin1"] = _value(row["admin1"])
        new.update(latitude=lat, longitude=lon)
        new["fatalities"] = new["fatalities_low"]
        new["actor1"] = new["group1"] if new["group1"] != record.get("group1") else new["actor1"]
        new["actor2"] = new["group2"] if new["group2"] != record.get("group2") else new["actor2"]
        new["event_id"] = event_id(extraction.report, new)
        out.append(new)
    return conform(pd.DataFrame(out)) if out else empty_incidents()


def _value(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value


def _without(flags: str, flag: str) -> str:
    return ";".join(f for f in str(flags or "").split(";") if f and f != flag)


def keep_known_values(incidents: gpd.GeoDataFrame, stored: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return `incidents` with each blank cell filled from the stored row of the same event_id.

    The rule for a report added again: a field left blank (Source or URL not typed, a cell
    emptied in the review) never erases what the store knows; a filled one replaces it.
    """
    known = stored.drop_duplicates("event_id", keep="last").set_index("event_id")
    again = incidents["event_id"].isin(known.index)
    if not again.any():
        return incidents
    out = pd.DataFrame(incidents).copy()
    for column in COLUMN_NAMES:
        if column in NEVER_KEPT or column not in known.columns:
            continue
        stored_values = out["event_id"].map(known[column])
        blank = again & is_blank(out[column]) & stored_values.notna()
        if blank.any():
            out[column] = out[column].where(~blank, stored_values)
    return conform(out)


def stored_source(extraction: Extraction, stored: pd.DataFrame) -> str | None:
    """Return the source the store holds for this report's incidents, if any: what a report
    added again with its Source left blank stands for (the commonest, should they differ)."""
    ids = set(extraction.incidents["event_id"].dropna())
    sources = stored.loc[stored["event_id"].isin(ids), "source"]
    sources = sources[~is_blank(sources)].astype("str")
    return str(sources.mode().iloc[0]) if len(sources) else None
