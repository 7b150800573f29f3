"""Candidate pairs: records of different datasets close enough in time and space to be one event.

Time. Each record stands for an interval of days it may have happened on, from its
`time_precision`: 1 (exact day) the day itself; 2 (within a week) six days either side, since a
source may code the week's first or middle day; 3 (only the month) its calendar month. A UCDP
`date_end` (kept in `source_extra`) stretches the interval to the range's last day. Intervals are
cut at `MAX_SPAN_DAYS`. Two records are candidates when their intervals lie at most
`SLACK_DAYS` apart: two exact days at most one day apart (night attacks, reporting lag).

Space, by the coarser `geo_precision` of the two: 1 within `RADIUS_KM[1]` (25 km); 2 within
`RADIUS_KM[2]` (50 km, the size of a cercle or province) or in the same admin-2 unit; 3 in the
same admin-1 region (the point is only the region's centre or capital; Ménaka and Taoudénit,
which have no polygon, count as Gao and Tombouctou). A missing precision counts as 1: the
source gave a day and a point and said nothing of their precision (UCDP's reduced extracts).
Two records placed in different countries are never candidates (both datasets code the country
where it happened; a border town's neighbour across the border is another event). A UCDP point
known only to the country or at sea (`where_prec` 6, 7, kept in `source_extra`) stands in no
region: its centroid's region is no evidence, so it is linked by hand only.

No O(n²): the records are joined on equality keys (a 0.5° grid cell and its 8 neighbours, the
admin-2 unit, the admin-1 region) and, inside a key, on sorted day intervals (numpy
`searchsorted`), dataset by dataset, so records of one dataset are never paired.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sahel import places

SLACK_DAYS = 1
# A UCDP date range this short (date_prec 2, 2–6 days; 3, the week) is one event over those
# days, which ACLED may code day by day; a longer one (an 8–30 day range, the month) says only
# that the day is unknown, and its days are scored from the range's first day.
SPLIT_DAYS = 6
WEEK_DAYS = 6
MAX_SPAN_DAYS = 92
RADIUS_KM: dict[int, float] = {1: 25.0, 2: 50.0}
# UCDP where_prec from which a point stands for no region: 6 only the country, 7 at sea.
COUNTRY_WHERE_PREC = 6
UCDP_DATASETS: tuple[str, ...] = ("ucdp_ged", "ucdp_candidate")
MAX_ADMIN2_KM = 250.0  # same admin-2 name farther apart than this: a namesake, not one unit
CELL_DEGREES = 0.5
EARTH_KM = 6371.0088
_EPOCH = np.datetime64("1800-01-01", "D")
_DAY_SHIFT = np.int64(1 << 18)  # > any day number below (1800 + 700 years)
_ADMIN_WORDS = (r"\b(?:cercle|province|department|departement|commune|district|prefecture)"
                r"(?:\s+(?:de la|de l|des|de|du|d|of))?\b")


@dataclass(frozen=True)
class Records:
    """What linking needs of each record, as numpy arrays aligned with the incidents."""

    dataset: np.ndarray  # int code of the dataset key
    datasets: list[str]  # dataset key by code
    day: np.ndarray  # int day number of event_date
    first: np.ndarray  # first possible day
    last: np.ndarray  # last possible day
    time_precision: np.ndarray  # 1–3
    geo_precision: np.ndarray  # 1–3
    lat: np.ndarray
    lon: np.ndarray
    admin1: np.ndarray  # int code of (iso3, admin1), -1 unknown
    admin2: np.ndarray  # int code of (iso3, folded admin2), -1 unknown
    place: np.ndarray  # int code of the folded location name, -1 unknown
    span_end: np.ndarray  # last day of a UCDP range of at most SPLIT_DAYS days, else `day`
    country: np.ndarray  # int code of iso3, -1 unknown


def dataset_keys(incidents: pd.DataFrame) -> pd.Series:
    """Return the dataset each record counts as: its `dataset_name`, else its source type."""
    name = incidents["dataset_name"].astype("object") if "dataset_name" in incidents else None
    kind = incidents["dataset"].astype("object") if "dataset" in incidents else None
    fallback = kind.where(kind.notna(), "unnamed") if kind is not None else pd.Series(
        "unnamed", index=incidents.index)
    if name is None:
        return fallback.astype("str")
    return name.where(name.notna() & name.astype("str").str.strip().ne(""), fallback).astype(
        "str")


def _codes(values: pd.Series) -> np.ndarray:
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    return codes.astype("int64")


def _folded(values: pd.Series) -> pd.Series:
    """Return folded names without admin words ("Cercle de Niafunké" → "niafunke"), each
    distinct value folded once; blank → missing."""
    codes, uniques = pd.factorize(values.astype("object"), use_na_sentinel=True)
    folded = pd.Series([places.fold(str(u)) for u in uniques], dtype="object")
    folded = folded.str.replace(_ADMIN_WORDS, " ", regex=True).str.split().str.join(" ")
    folded = folded.where(folded.fillna("").ne(""))
    out = np.full(len(values), None, dtype="object")
    known = codes >= 0
    out[known] = folded.to_numpy(dtype="object")[codes[known]]
    return pd.Series(out, index=values.index, dtype="object")


def _extra(incidents: pd.DataFrame, pattern: str) -> pd.Series:
    """Return the text `pattern`'s group finds in each record's `source_extra` (else missing)."""
    extra = incidents["source_extra"] if "source_extra" in incidents else pd.Series(
        pd.NA, index=incidents.index)
    text = extra.astype("object").where(extra.notna(), "").astype("str")
    return text.str.extract(pattern)[0]


def _date_end(incidents: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(_extra(incidents, r'"date_end"\s*:\s*"(\d{4}-\d\d-\d\d)'),
                          errors="coerce")


def _where_prec(incidents: pd.DataFrame) -> pd.Series:
    """Return UCDP rows' where_prec (from `source_extra`); missing for every other row."""
    out = pd.Series(np.nan, index=incidents.index)
    ucdp = (incidents["dataset"].isin(UCDP_DATASETS).to_numpy() if "dataset" in incidents
            else np.zeros(len(incidents), dtype=bool))
    if ucdp.any():
        found = _extra(incidents.loc[ucdp], r'"where_prec"\s*:\s*"?(\d)')
        out.loc[ucdp] = pd.to_numeric(found, errors="coerce").to_numpy()
    return out


def prepare(incidents: pd.DataFrame) -> Records:
    """Return the arrays linking reads, from canonical incidents (positional rows)."""
    frame = incidents.reset_index(drop=True)
    dataset, datasets = pd.factorize(dataset_keys(frame))
    dates = pd.to_datetime(frame["event_date"]).to_numpy(dtype="datetime64[D]")
    day = (dates - _EPOCH).astype("int64")
    tp = pd.to_numeric(frame["time_precision"], errors="coerce").fillna(1).clip(1, 3)
    gp = pd.to_numeric(frame["geo_precision"], errors="coerce").fillna(1).clip(1, 3)
    tp_values = tp.to_numpy(dtype="int64")
    first, last = day.copy(), day.copy()
    week = tp_values == 2
    first[week], last[week] = day[week] - WEEK_DAYS, day[week] + WEEK_DAYS
    month = tp_values == 3
    if month.any():
        starts = dates[month].astype("datetime64[M]")
        first[month] = (starts.astype("datetime64[D]") - _EPOCH).astype("int64")
        last[month] = ((starts + 1).astype("datetime64[D]") - _EPOCH).astype("int64") - 1
    end = _date_end(frame)
    has_end = end.notna().to_numpy()
    span_end = day.copy()
    if has_end.any():
        end_day = (end[has_end].to_numpy(dtype="datetime64[D]") - _EPOCH).astype("int64")
        last[has_end] = np.maximum(last[has_end], end_day)
        short = end_day - day[has_end] <= SPLIT_DAYS
        span_end[has_end] = np.where(short, np.maximum(day[has_end], end_day), day[has_end])
    last = np.minimum(last, first + MAX_SPAN_DAYS)
    iso3 = frame["iso3"].astype("object").fillna("") if "iso3" in frame else pd.Series(
        "", index=frame.index)
    # Ménaka and Taoudénit have no polygon: points there get Gao and Tombouctou, so a source
    # naming the new region and one placed by its point must still meet.
    admin1 = frame["admin1"].astype("object").replace(places.POLYGON_PARENT)
    admin2 = _folded(frame["admin2"]) if "admin2" in frame else pd.Series(pd.NA, index=frame.index)
    nowhere = _where_prec(frame).ge(COUNTRY_WHERE_PREC).to_numpy()
    if nowhere.any():
        admin1, admin2 = admin1.where(~nowhere), admin2.where(~nowhere)
    return Records(
        dataset=dataset.astype("int64"), datasets=[str(d) for d in datasets], day=day,
        first=first, last=last, time_precision=tp_values, geo_precision=gp.to_numpy("int64"),
        lat=frame["latitude"].to_numpy("float64"), lon=frame["longitude"].to_numpy("float64"),
        admin1=_codes((iso3 + "|" + admin1.astype("str")).where(admin1.notna())),
        admin2=_codes((iso3 + "|" + admin2.astype("str")).where(admin2.notna())),
        place=_codes(_folded(frame["location"]) if "location" in frame else pd.Series(
            pd.NA, index=frame.index)),
        span_end=span_end, country=_codes(iso3.where(iso3.ne(""))),
    )


def distance_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
                ) -> np.ndarray:
    """Return great-circle distances in km (haversine, WGS84 mean radius)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2 - lon1)
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def _expand(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (row, position) for every position in [start, end) of every row."""
    counts = np.maximum(ends - starts, 0)
    total = int(counts.sum())
    rows = np.repeat(np.arange(len(starts)), counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return rows, starts[rows] + offsets


def window_join(rec: Records, a: np.ndarray, a_keys: np.ndarray, b: np.ndarray,
                b_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return pairs (record of `a`, record of `b`) with equal keys (-1: none) whose day
    intervals lie at most SLACK_DAYS apart."""
    a, a_keys = a[a_keys >= 0], a_keys[a_keys >= 0]
    b, b_keys = b[b_keys >= 0], b_keys[b_keys >= 0]
    if not len(a) or not len(b):
        return np.zeros(0, dtype="int64"), np.zeros(0, dtype="int64")
    spans = rec.last[b] - rec.first[b]
    found_a, found_b = [], []
    for low, high in ((0, 2), (3, 14), (15, MAX_SPAN_DAYS)):  # few long intervals: own window
        chosen = (spans >= low) & (spans <= high)
        if not chosen.any():
            continue
        bb, keys = b[chosen], b_keys[chosen]
        order = np.lexsort((rec.first[bb], keys))
        bb, sorted_keys = bb[order], keys[order] * _DAY_SHIFT + rec.first[bb[order]]
        lower = a_keys * _DAY_SHIFT + rec.first[a] - SLACK_DAYS - high
        upper = a_keys * _DAY_SHIFT + rec.last[a] + SLACK_DAYS
        starts = np.searchsorted(sorted_keys, lower, side="left")
        ends = np.searchsorted(sorted_keys, upper, side="right")
        rows, positions = _expand(starts, ends)
        ia, ib = a[rows], bb[positions]
        keep = rec.last[ib] >= rec.first[ia] - SLACK_DAYS
        found_a.append(ia[keep])
        found_b.append(ib[keep])
    if not found_a:
        return np.zeros(0, dtype="int64"), np.zeros(0, dtype="int64")
    return np.concatenate(found_a), np.concatenate(found_b)


def _cells(rec: Records) -> tuple[np.ndarray, np.ndarray, float]:
    lat_max = float(np.nanmax(np.abs(rec.lat))) if len(rec.lat) else 0.0
    lon_size = CELL_DEGREES / max(np.cos(np.radians(min(lat_max, 60.0))), 0.5)
    ix = np.floor((rec.lon + 180.0) / lon_size).astype("int64")
    iy = np.floor((rec.lat + 90.0) / CELL_DEGREES).astype("int64")
    return ix, iy, lon_size


def _grid_join(rec: Records, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ix, iy, _ = _cells(rec)
    width = np.int64(4096)
    found_a, found_b = [], []
    b_keys = ix[b] * width + iy[b]
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            pa, pb = window_join(rec, a, (ix[a] + dx) * width + iy[a] + dy, b, b_keys)
            found_a.append(pa)
            found_b.append(pb)
    return np.concatenate(found_a), np.concatenate(found_b)


def _joins(rec: Records, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the pairs of the joins between records `a` and `b`, each pair once.

    The joins are disjoint: the grid holds the pairs whose coarser precision is 1 or 2 in
    neighbouring cells; the admin-2 join adds pairs of precision 2 in farther cells; the
    admin-1 joins hold the pairs of precision 3.
    """
    gp = rec.geo_precision
    fine_a, fine_b = a[gp[a] <= 2], b[gp[b] <= 2]
    parts = [_grid_join(rec, fine_a, fine_b)]
    ix, iy, _ = _cells(rec)
    for left, right in ((a[gp[a] == 2], fine_b), (a[gp[a] == 1], b[gp[b] == 2])):
        pa, pb = window_join(rec, left, rec.admin2[left], right, rec.admin2[right])
        apart = (np.abs(ix[pa] - ix[pb]) > 1) | (np.abs(iy[pa] - iy[pb]) > 1)
        parts.append((pa[apart], pb[apart]))
    for left, right in ((a[gp[a] == 3], b), (fine_a, b[gp[b] == 3])):
        parts.append(window_join(rec, left, rec.admin1[left], right, rec.admin1[right]))
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))


def candidate_pairs(rec: Records, among: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return candidate pairs (a, b, distance km), a < b, each once, never of one dataset
    (in no particular order).

    `among`: when given (a boolean mask), only pairs with at least one record in it (the new
    records of an import); records outside it are still linked to them.
    """
    mask = np.ones(len(rec.day), dtype=bool) if among is None else np.asarray(among, dtype=bool)
    found_a, found_b = [], []
    for code in range(len(rec.datasets)):
        a = np.flatnonzero(mask & (rec.dataset == code))
        b = np.flatnonzero((rec.dataset != code) & ((rec.dataset > code) | ~mask))
        if len(a) and len(b):
            pa, pb = _joins(rec, a, b)
            found_a.append(pa)
            found_b.append(pb)
    if not found_a:
        empty = np.zeros(0, dtype="int64")
        return empty, empty, np.zeros(0)
    pa, pb = np.concatenate(found_a), np.concatenate(found_b)
    pa, pb = np.minimum(pa, pb), np.maximum(pa, pb)
    km = distance_km(rec.lat[pa], rec.lon[pa], rec.lat[pb], rec.lon[pb])
    keep = within_reach(rec, pa, pb, km)
    return pa[keep], pb[keep], km[keep]


def within_reach(rec: Records, a: np.ndarray, b: np.ndarray, km: np.ndarray) -> np.ndarray:
    """Return True where two records are close enough for their coarser geo precision, in
    one country (or a country unknown on either side)."""
    coarse = np.maximum(rec.geo_precision[a], rec.geo_precision[b])
    same2 = (rec.admin2[a] >= 0) & (rec.admin2[a] == rec.admin2[b]) & (km <= MAX_ADMIN2_KM)
    same1 = (rec.admin1[a] >= 0) & (rec.admin1[a] == rec.admin1[b])
    country_a, country_b = rec.country[a], rec.country[b]
    one_country = (country_a < 0) | (country_b < 0) | (country_a == country_b)
    return one_country & np.where(coarse == 1, km <= RADIUS_KM[1],
                                  np.where(coarse == 2, (km <= RADIUS_KM[2]) | same2, same1))
