"""Score candidate pairs: time, place, event type, actors and toll, each 0–1, weighted.

The score is the weighted geometric mean of five parts (`WEIGHTS`): each part multiplies the
evidence, so one part that says "not the same event" (event types that exclude each other: 0)
cannot be outvoted by the others, while a part that knows nothing (0.5) costs a little.
docs/linking.md gives the rules. Every part is computed for all pairs at once (numpy); actor
agreement once per distinct pair of actor signatures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sahel.link_candidates import RADIUS_KM, Records

WEIGHTS: dict[str, float] = {"time": 1.0, "place": 1.0, "type": 1.5, "actors": 2.0, "toll": 0.75}
# Time: two exact days (precision 1) on the same day, one day apart. A coarser date: by how far
# apart the coded days are, from COARSE_SAME down to COARSE_FAR at COARSE_DAYS or more.
SAME_DAY, NEXT_DAY = 1.0, 0.6
COARSE_SAME, COARSE_FAR, COARSE_DAYS = 0.6, 0.3, 7
# Place: a coarse point (precision 3) only says "same region".
SAME_REGION = 0.4
SAME_PLACE_NAME = 0.9
# Toll: ranges apart by this ratio (or more) are implausible for one event.
TOLL_RATIO_ZERO = 20.0
TOLL_FLOOR = 0.15  # first reports and final tolls can be far apart: never a veto
UNKNOWN_TOLL = 0.5
# Whose 0 means "no death reported" rather than "no toll given".
ZERO_IS_A_FIGURE: frozenset[str] = frozenset({"acled", "ucdp_ged", "ucdp_candidate"})


@dataclass(frozen=True)
class Tolls:
    """Each record's toll range over its best, low and high figures and its claims of deaths."""

    low: np.ndarray  # float, NaN when unknown
    high: np.ndarray


def _claim_figures(text: object) -> list[int]:
    if not isinstance(text, str) or not text.strip():
        return []
    try:
        items = json.loads(text)
    except ValueError:
        return []
    figures: list[int] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("kind") == "killed":
            figures += [v for v in (item.get("low"), item.get("high"))
                        if isinstance(v, int) and not isinstance(v, bool)]
    return figures


def toll_ranges(incidents: pd.DataFrame) -> Tolls:
    """Return each record's toll range: every figure it gives, claims of deaths included.

    A 0 with no other figure is "no toll given" except in ACLED and UCDP, where it is a figure.
    """
    frame = incidents.reset_index(drop=True)
    columns = [pd.to_numeric(frame[c], errors="coerce").astype("float64")
               for c in ("fatalities", "fatalities_low", "fatalities_high") if c in frame]
    values = np.column_stack([c.to_numpy() for c in columns]) if columns else np.full(
        (len(frame), 1), np.nan)
    low = np.full(len(frame), np.nan)
    high = np.full(len(frame), np.nan)
    given = ~np.isnan(values).all(axis=1)
    low[given] = np.nanmin(values[given], axis=1)
    high[given] = np.nanmax(values[given], axis=1)
    if "claims" in frame:
        claims = frame["claims"].astype("object").to_numpy()
        filled = pd.Series(claims).astype("str").str.len().to_numpy() > 2
        for row in np.flatnonzero(filled & pd.notna(claims)):
            figures = _claim_figures(claims[row])
            if figures:
                low[row] = np.nanmin([low[row], *figures])
                high[row] = np.nanmax([high[row], *figures])
    kind = frame["dataset"].astype("object") if "dataset" in frame else pd.Series(
        "", index=frame.index)
    no_toll = (high == 0) & ~kind.isin(tuple(ZERO_IS_A_FIGURE)).to_numpy()
    low[no_toll], high[no_toll] = np.nan, np.nan
    return Tolls(low, high)


def inside_span(rec: Records, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return True where `a` spans several days (a UCDP date range) and `b`, an exact day,
    falls on one of them: `b` may be one of the days another dataset codes apart (ACLED
    codes each day of a multi-day event as an event of its own)."""
    day_a, day_b = rec.day[a], rec.day[b]
    return ((rec.span_end[a] > day_a) & (rec.time_precision[b] == 1) & (day_b >= day_a)
            & (day_b <= rec.span_end[a]))


def time_scores(rec: Records, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (score, days apart) of pairs: exact days by their distance, coarser dates by how
    far apart their days are (a week's or a month's day says less; a day inside a UCDP date
    range is 0 days from it). An exact day inside a range (`inside_span`, the range first) is
    given as its offset from the range's first day."""
    days = np.maximum(0, np.maximum(rec.day[b] - rec.span_end[a], rec.day[a] - rec.span_end[b]))
    exact = (rec.time_precision[a] == 1) & (rec.time_precision[b] == 1)
    fall = np.minimum(days, COARSE_DAYS) / COARSE_DAYS
    coarse = COARSE_SAME - (COARSE_SAME - COARSE_FAR) * fall
    score = np.where(exact, np.where(days == 0, SAME_DAY, NEXT_DAY), coarse)
    return score, np.where(inside_span(rec, a, b), rec.day[b] - rec.day[a], days)


def place_scores(rec: Records, a: np.ndarray, b: np.ndarray, km: np.ndarray) -> np.ndarray:
    """Return place scores: 1 at the same point falling to 0 at the precision's radius."""
    coarse = np.maximum(rec.geo_precision[a], rec.geo_precision[b])
    radius = np.where(coarse == 1, RADIUS_KM[1], RADIUS_KM[2])
    by_distance = np.clip(1.0 - (km / radius) ** 2, 0.0, 1.0)
    same2 = (rec.admin2[a] >= 0) & (rec.admin2[a] == rec.admin2[b])
    by_distance = np.where((coarse == 2) & same2, np.maximum(by_distance, SAME_REGION),
                           by_distance)
    named = (rec.place[a] >= 0) & (rec.place[a] == rec.place[b]) & (coarse < 3)
    by_distance = np.where(named, np.maximum(by_distance, SAME_PLACE_NAME), by_distance)
    return np.where(coarse == 3, SAME_REGION, by_distance)


def toll_scores(tolls: Tolls, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return toll plausibility: 1 when the ranges overlap, falling with their ratio."""
    low_a, high_a, low_b, high_b = tolls.low[a], tolls.high[a], tolls.low[b], tolls.high[b]
    known = ~(np.isnan(low_a) | np.isnan(low_b))
    floor = np.fmax(low_a, low_b)
    ceiling = np.fmin(high_a, high_b)
    ratio = (floor + 1.0) / (ceiling + 1.0)
    score = np.clip(1.0 - np.log(np.maximum(ratio, 1.0)) / np.log(TOLL_RATIO_ZERO), TOLL_FLOOR,
                    1.0)
    return np.where(known, score, UNKNOWN_TOLL)


def combine(parts: dict[str, np.ndarray]) -> np.ndarray:
    """Return the weighted geometric mean of the parts (`WEIGHTS`), rounded to 3 decimals."""
    total = sum(WEIGHTS.values())
    with np.errstate(divide="ignore"):
        logs = sum(WEIGHTS[name] * np.log(parts[name]) for name in WEIGHTS)
    return np.round(np.exp(logs / total), 3)
