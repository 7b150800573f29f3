"""The incident contract, declared once: columns, dtypes, vocabularies, CRS.

Every reader produces a frame with exactly these columns in this order; the CSV header, the widget
labels and ``docs/data.md`` derive from ``COLUMNS``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
import pyproj

from sahel.i18n import N_

CRS = "EPSG:4326"


@dataclass(frozen=True)
class Column:
    """One canonical column: its name, pandas dtype, a label for people, and its documentation."""

    name: str
    dtype: str
    label: str
    doc: str
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("event_id", "str", "Event ID",
           "Stable identifier. ACLED: `event_id_cnty`; UCDP: `UCDP-<id>`; reports: `RPT-<hash>`.",
           required=True),
    Column("event_date", "datetime64[ns]", "Date",
           "Day the incident happened (first day for ranges), as a date without time zone.",
           required=True),
    Column("time_precision", "Int8", "Date precision",
           "ACLED scale: 1 exact day, 2 within a week, 3 only the month. UCDP `date_prec` 1→1, "
           "2–3→2, 4–5→3."),
    Column("disorder_type", "str", "Disorder type", "ACLED `disorder_type`, as given."),
    Column("event_type", "str", "Event type", "ACLED event type (see `EVENT_TYPES`)."),
    Column("sub_event_type", "str", "Sub-event type", "ACLED sub-event type."),
    Column("actor1", "str", "Actor 1", "First actor as the source names it (UCDP `side_a`)."),
    Column("assoc_actor_1", "str", "Associated actors 1",
           "ACLED `assoc_actor_1` as given: further actors on actor1's side, `; `-separated."),
    Column("inter1", "str", "Actor 1 type",
           "ACLED `inter1` as given (a name such as `State forces`, or the numeric code of older "
           "exports)."),
    Column("actor2", "str", "Actor 2", "Second actor as the source names it (UCDP `side_b`)."),
    Column("assoc_actor_2", "str", "Associated actors 2",
           "ACLED `assoc_actor_2` as given, `; `-separated."),
    Column("inter2", "str", "Actor 2 type", "ACLED `inter2` as given."),
    Column("interaction", "str", "Interaction", "ACLED `interaction` as given."),
    Column("civilian_targeting", "str", "Civilian targeting",
           "ACLED `civilian_targeting` as given."),
    Column("dyad_name", "str", "Dyad", "UCDP `dyad_name` (side A – side B)."),
    Column("conflict_name", "str", "Conflict", "UCDP `conflict_name`."),
    Column("group1", "str", "Armed group 1",
           "Canonical armed group of actor1 from the alias table; for an uncertain attribution "
           "(\"X and/or Y\") the candidates' canonical groups joined by ` and/or `; the source "
           "name itself when unknown (and reported)."),
    Column("group2", "str", "Armed group 2", "Canonical armed group of actor2, as for group1."),
    Column("assoc_groups1", "str", "Associated groups 1",
           "Canonical groups of `assoc_actor_1`, `; `-separated (unknown names as given)."),
    Column("assoc_groups2", "str", "Associated groups 2",
           "Canonical groups of `assoc_actor_2`, as for `assoc_groups1`."),
    Column("country", "str", "Country", "Country name in English."),
    Column("iso3", "str", "ISO3", "ISO 3166-1 alpha-3 country code."),
    Column("iso_numeric", "Int64", "ISO numeric", "ACLED `iso`: ISO 3166-1 numeric code."),
    Column("world_region", "str", "World region", "ACLED `region` (e.g. `Western Africa`)."),
    Column("admin1", "str", "Region",
           "Canonical first-level region name (one per region, from the shipped boundaries); "
           "assigned by point-in-polygon when the source gives none."),
    Column("admin1_source", "str", "Region (as in source)",
           "The region name exactly as the source spelled it (empty when assigned)."),
    Column("admin2", "str", "Admin 2",
           "Second-level unit (cercle, province, department), as given."),
    Column("admin3", "str", "Admin 3", "Third-level unit (commune, department), as given."),
    Column("location", "str", "Location", "Place name as given by the source."),
    Column("latitude", "float64", "Latitude", "WGS84 decimal degrees (EPSG:4326).", required=True),
    Column("longitude", "float64", "Longitude", "WGS84 decimal degrees (EPSG:4326).",
           required=True),
    Column("geo_precision", "Int8", "Location precision",
           "ACLED scale: 1 named town, 2 near a town / part of a region, 3 only a larger region "
           "(point is a centroid or capital). UCDP `where_prec` 1→1, 2→2, 3–7→3."),
    Column("fatalities", "Int64", "Fatalities",
           "Best estimate, ACLED's most conservative convention (UCDP `best`)."),
    Column("fatalities_low", "Int64", "Fatalities (low)", "Lowest credible figure (UCDP `low`)."),
    Column("fatalities_high", "Int64", "Fatalities (high)",
           "Highest credible figure (UCDP `high`)."),
    Column("claims", "str", "Claims",
           "JSON list of competing claims, kept apart and never averaged: each "
           '`{"by", "role", "kind", "text", "low", "high"}` (see `Claim`).'),
    Column("source", "str", "Source", "Who reported it (ACLED `source`, UCDP `source_office`)."),
    Column("source_scale", "str", "Source scale", "ACLED `source_scale` as given."),
    Column("source_url", "str", "Source URL", "Link to the report, where there is one."),
    Column("notes", "str", "Notes", "Free-text description of the incident."),
    Column("tags", "str", "Tags", "ACLED `tags` as given (e.g. crowd size)."),
    Column("population_1km", "Int64", "Population 1 km", "ACLED `population_1km`."),
    Column("population_2km", "Int64", "Population 2 km", "ACLED `population_2km`."),
    Column("population_5km", "Int64", "Population 5 km", "ACLED `population_5km`."),
    Column("population_best", "Int64", "Population (best)", "ACLED `population_best`."),
    Column("dataset", "str", "Source type",
           "The kind of source the row came from: `acled`, `ucdp_ged`, `ucdp_candidate`, "
           "`report`, `seed`, `canonical` (see `DATASETS`)."),
    Column("dataset_name", "str", "Dataset",
           "The named dataset the row belongs to: the import (file) that last wrote it, or one of "
           "the shipped demonstration datasets (`demo: …`)."),
    Column("flags", "str", "Flags",
           "Semicolon-separated warnings on a kept row (e.g. `zero_coordinates`, "
           "`country_mismatch`, `unknown_actor`, `uncertain_attribution`)."),
    Column("timestamp", "Int64", "Updated",
           "Source revision time (ACLED `timestamp`, Unix seconds); newer rows replace older."),
    Column("source_extra", "str", "Other source columns",
           "JSON object of the source's columns that have no column here (e.g. ACLED's older "
           "`event_id_no_cnty`, UCDP's ids and death counts by side), so nothing imported is "
           "lost."),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
COLUMNS_BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}

EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": ("Armed clash", "Government regains territory",
                "Non-state actor overtakes territory"),
    "Explosions/Remote violence": ("Chemical weapon", "Air/drone strike", "Suicide bomb",
                                   "Shelling/artillery/missile attack",
                                   "Remote explosive/landmine/IED", "Grenade"),
    "Violence against civilians": ("Sexual violence", "Attack",
                                   "Abduction/forced disappearance"),
    "Protests": ("Peaceful protest", "Protest with intervention",
                 "Excessive force against protesters"),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": ("Agreement", "Arrests", "Change to group/activity",
                               "Disrupted weapons use", "Headquarters or base established",
                               "Looting/property destruction",
                               "Non-violent transfer of territory", "Other"),
}

# The Event type filter's one option for every event type outside ACLED's taxonomy (an upload's
# "Unicorn attack"), so such values never become options of their own; shown with `_`.
OTHER_EVENT_TYPE = N_("Other (not in ACLED's taxonomy)")
_EVENT_TYPE_BY_FOLD: dict[str, str] = {" ".join(t.split()).casefold(): t for t in EVENT_TYPES}


def acled_event_types(values: pd.Series) -> pd.Series:
    """Return event types in ACLED's spelling where one is meant ("battles " → "Battles")."""
    respelled = {value: _EVENT_TYPE_BY_FOLD.get(" ".join(value.split()).casefold(), value)
                 for value in values.dropna().unique() if isinstance(value, str)}
    changed = {value: to for value, to in respelled.items() if to != value}
    return values.replace(changed) if changed else values


def outside_taxonomy(values: pd.Series) -> pd.Series:
    """Return True where an event type is given but is not one of ACLED's (`EVENT_TYPES`)."""
    given = values.notna() & values.astype("str").str.strip().ne("")
    return given & ~values.isin(tuple(EVENT_TYPES))


def event_type_choices(values: pd.Series) -> tuple[str, ...]:
    """Return the Event type filter's options: ACLED's types present, sorted, then
    OTHER_EVENT_TYPE when any event type is outside the taxonomy."""
    present = pd.Series(values.dropna().unique(), dtype="object")
    known = sorted(str(value) for value in present if value in EVENT_TYPES)
    return (*known, OTHER_EVENT_TYPE) if outside_taxonomy(present).any() else tuple(known)


def event_type_mask(values: pd.Series, chosen: Iterable[str]) -> pd.Series:
    """Return True where the event type is one chosen; OTHER_EVENT_TYPE chooses every type
    outside ACLED's taxonomy."""
    wanted = set(chosen)
    mask = values.isin(wanted - {OTHER_EVENT_TYPE})
    if OTHER_EVENT_TYPE in wanted:
        mask |= outside_taxonomy(values)
    return mask


DATASETS: dict[str, str] = {
    "acled": "ACLED export brought by the user (never shipped)",
    "ucdp_ged": "UCDP Georeferenced Event Dataset",
    "ucdp_candidate": "UCDP Candidate Events Dataset",
    "report": "Extracted from a news report",
    "seed": "Hand-coded from a news report",
    "canonical": "This project's own CSV / GeoJSON / GeoParquet",
}

CLAIM_ROLES: tuple[str, ...] = ("armed_group", "army", "government", "local_sources", "media",
                                "ngo", "un", "outlet", "other")
CLAIM_KINDS: tuple[str, ...] = ("killed", "wounded", "prisoners", "missing", "looting", "other")


@dataclass(frozen=True)
class Claim:
    """One party's claim about an incident's toll, in its own words; numbers may be unknown."""

    by: str
    role: str
    kind: str
    text: str
    low: int | None = None
    high: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the claim as a plain dict (JSON-ready)."""
        return {"by": self.by, "role": self.role, "kind": self.kind, "text": self.text,
                "low": self.low, "high": self.high}


def claims_to_json(claims: Iterable[Claim | dict[str, Any]]) -> str:
    """Serialise claims to the canonical JSON text of the `claims` column."""
    items = [c.to_dict() if isinstance(c, Claim) else dict(c) for c in claims]
    return json.dumps(items, ensure_ascii=False, separators=(",", ":")) if items else ""


# Bounds of a valid `claims` cell (documented in docs/data.md, `claims`).
MAX_CLAIMS = 50
MAX_CLAIMS_CHARS = 20_000
MAX_CLAIM_FIGURE = 100_000  # deaths, wounded, prisoners… claimed for one incident
_CLAIM_TEXT_FIELDS = ("by", "role", "kind", "text")


def claims_problem(value: object) -> str | None:
    """Return why a `claims` cell is not a valid list of claims, or None (valid, or empty).

    Valid: a JSON list of at most MAX_CLAIMS objects, each with text `by`, a `role` of
    CLAIM_ROLES, a `kind` of CLAIM_KINDS, text `text`, and `low`/`high` each null or a whole
    number from 0 to MAX_CLAIM_FIGURE, low not above high; nothing else.
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    if not isinstance(value, str):
        return f"claims is not text but {type(value).__name__}"
    text = value.strip()
    if not text:
        return None
    if len(text) > MAX_CLAIMS_CHARS:
        return f"claims longer than {MAX_CLAIMS_CHARS:,} characters"
    try:
        items = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return "claims is not valid JSON"
    if not isinstance(items, list):
        return "claims is not a JSON list"
    if len(items) > MAX_CLAIMS:
        return f"more than {MAX_CLAIMS} claims"
    for number, item in enumerate(items, start=1):
        problem = _claim_problem(item)
        if problem:
            return f"claim {number}: {problem}"
    return None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def _claim_problem(item: object) -> str | None:
    if not isinstance(item, dict):
        return "not a JSON object"
    unknown = sorted(set(item) - {*_CLAIM_TEXT_FIELDS, "low", "high"})
    if unknown:
        return "unknown field " + ", ".join(repr(k)[:40] for k in unknown[:3])
    for key in _CLAIM_TEXT_FIELDS:
        if not isinstance(item.get(key), str):
            return f"`{key}` missing or not text"
    if item["role"] not in CLAIM_ROLES:
        return f"role {item['role'][:40]!r} is not one of {', '.join(CLAIM_ROLES)}"
    if item["kind"] not in CLAIM_KINDS:
        return f"kind {item['kind'][:40]!r} is not one of {', '.join(CLAIM_KINDS)}"
    figures = [item.get("low"), item.get("high")]
    for key, figure in zip(("low", "high"), figures, strict=True):
        if figure is None:
            continue
        if isinstance(figure, bool) or not isinstance(figure, int):
            return f"`{key}` is not a whole number"
        if not 0 <= figure <= MAX_CLAIM_FIGURE:
            return f"`{key}` outside 0–{MAX_CLAIM_FIGURE:,}"
    low, high = figures
    if low is not None and high is not None and low > high:
        return "`low` above `high`"
    return None


def claims_from_json(text: object) -> list[Claim]:
    """Parse the `claims` column back into Claim objects (empty, missing or invalid → [])."""
    if not isinstance(text, str) or not text.strip() or claims_problem(text) is not None:
        return []
    return [Claim(by=d["by"], role=d["role"], kind=d["kind"], text=d["text"],
                  low=d.get("low"), high=d.get("high"))
            for d in json.loads(text)]


def empty_incidents() -> gpd.GeoDataFrame:
    """Return an empty canonical frame with the right columns, dtypes and CRS."""
    return conform(pd.DataFrame({c.name: pd.Series([], dtype="object") for c in COLUMNS}))


def conform(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return `frame` with exactly the canonical columns, in order, cast, with point geometry.

    Missing columns are added empty; extra columns are dropped. Geometry is rebuilt from
    longitude/latitude in EPSG:4326.
    """
    out = pd.DataFrame(index=range(len(frame)))
    src = frame.reset_index(drop=True)
    for col in COLUMNS:
        values = src[col.name] if col.name in src.columns else pd.Series([None] * len(src))
        out[col.name] = _cast(values, col.dtype)
    crs = _crs()
    geometry = gpd.points_from_xy(out["longitude"], out["latitude"], crs=crs)
    return gpd.GeoDataFrame(out, geometry=geometry, crs=crs)


@functools.cache
def _crs() -> pyproj.CRS:
    # Built once: parsing "EPSG:4326" again for every frame took ~13 ms each time.
    return pyproj.CRS.from_user_input(CRS)


def _cast(values: pd.Series, dtype: str) -> pd.Series:
    if dtype == "str":
        return values.astype("str")
    if dtype.startswith("datetime64"):
        return pd.to_datetime(values, errors="raise").astype(dtype)
    if dtype in ("Int8", "Int64"):
        return pd.to_numeric(values, errors="raise").round().astype(dtype)
    return pd.to_numeric(values, errors="raise").astype(dtype)
